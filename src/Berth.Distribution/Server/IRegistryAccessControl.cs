using Berth.Http;

namespace Berth.Distribution.Server;

/// <summary>The authentication seam: decides, before any handler runs, whether a request may go on.</summary>
public interface IRegistryAccessControl
{
    RegistryDenial? Check(HttpRequestHead head, RegistryAccess access);
}
