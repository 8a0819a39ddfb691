namespace Berth.Distribution.Server;

/// <summary>What a request wants: a repository (null for <c>/v2/</c> and the catalog) and whether it writes.</summary>
public readonly record struct RegistryAccess(string? Repository, bool Write);
