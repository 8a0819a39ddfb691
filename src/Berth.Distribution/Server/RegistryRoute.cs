namespace Berth.Distribution.Server;

public enum RouteKind
{
    Base,
    Catalog,
    Tags,
    Manifest,
    Blob,
    Upload,
    Referrers,
}

/// <summary>A request path of the distribution API, split into its endpoint, repository name and argument.
/// The name is kept as sent (undecoded) so that an escaped <c>/</c> or <c>..</c> fails the name grammar.</summary>
public readonly record struct RegistryRoute(RouteKind Kind, string? Name, string? Argument)
{
    public static RegistryRoute? Parse(string rawPath)
    {
        if (rawPath is "/v2" or "/v2/")
        {
            return new RegistryRoute(RouteKind.Base, null, null);
        }
        if (!rawPath.StartsWith("/v2/", StringComparison.Ordinal))
        {
            return null;
        }
        if (rawPath == "/v2/_catalog")
        {
            return new RegistryRoute(RouteKind.Catalog, null, null);
        }
        var segs = rawPath[4..].Split('/');
        string Name(int drop) => string.Join('/', segs[..^drop]);
        var n = segs.Length;
        if (n >= 3 && segs[^2] == "tags" && segs[^1] == "list")
        {
            return new RegistryRoute(RouteKind.Tags, Name(2), null);
        }
        if (n >= 4 && segs[^3] == "blobs" && segs[^2] == "uploads")
        {
            return new RegistryRoute(RouteKind.Upload, Name(3), Uri.UnescapeDataString(segs[^1]));
        }
        if (n >= 3 && segs[^2] == "blobs" && segs[^1] == "uploads")
        {
            return new RegistryRoute(RouteKind.Upload, Name(2), "");
        }
        if (n >= 3 && segs[^2] is "manifests" or "blobs" or "referrers")
        {
            var kind = segs[^2] switch { "manifests" => RouteKind.Manifest, "blobs" => RouteKind.Blob, _ => RouteKind.Referrers };
            return new RegistryRoute(kind, Name(2), Uri.UnescapeDataString(segs[^1]));
        }
        return null;
    }
}
