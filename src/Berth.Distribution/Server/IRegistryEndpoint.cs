using Berth.Http;

namespace Berth.Distribution.Server;

/// <summary>An endpoint beside the distribution API on the same listener (the token endpoint), at one path outside
/// <c>/v2/</c>. It answers with a value; the server writes it.</summary>
public interface IRegistryEndpoint
{
    string Path { get; }

    RegistryResponse Handle(HttpRequestHead head, QueryString query);
}
