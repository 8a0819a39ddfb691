namespace Berth.Distribution.Server;

/// <summary>A whole answer of an <see cref="IRegistryEndpoint"/>.</summary>
public sealed record RegistryResponse(int Status, string ContentType, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers);
