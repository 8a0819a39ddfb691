namespace Berth.Distribution.Server;

/// <summary>What a request wants: a repository (null for <c>/v2/</c> and the catalog) and the actions on it, as the
/// reference registry counts them (GET/HEAD pull; POST/PUT/PATCH pull and push; DELETE delete); the catalog; and
/// for a cross-repository mount, the repository the blob comes from (pull).</summary>
public readonly record struct RegistryAccess(string? Repository, RegistryActions Actions, bool Catalog = false, string? MountFrom = null)
{
    public bool Write => (Actions & (RegistryActions.Push | RegistryActions.Delete)) != 0;

    public static RegistryActions ActionsOf(string method) => method switch
    {
        "GET" or "HEAD" => RegistryActions.Pull,
        "DELETE" => RegistryActions.Delete,
        _ => RegistryActions.Pull | RegistryActions.Push,
    };
}
