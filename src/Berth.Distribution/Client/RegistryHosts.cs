using System.Net;
using System.Net.Sockets;
using Berth.Common;

namespace Berth.Distribution.Client;

/// <summary>Where a registry's API is reached: a base address, and whether its certificate is checked.</summary>
public sealed record RegistryEndpoint(Uri BaseAddress, bool SkipTlsVerify, bool Mirror)
{
    public string Host => BaseAddress.Authority;
}

/// <summary>
/// The daemon's registry settings and Docker's rules for them: Docker Hub's names map to its API host and to the
/// mirrors (<c>--registry-mirror</c>) in front of it; a registry is insecure — HTTPS without verification, then
/// plain HTTP — when it is on a loopback address or listed with <c>--insecure-registry</c> (a name, or a CIDR); and
/// the per-registry TLS files of the certs.d directories.
/// </summary>
public sealed class RegistryHosts
{
    public const string DockerHub = "docker.io";
    private static readonly Uri DockerHubApi = new("https://registry-1.docker.io");

    private readonly List<string> _insecureNames = [];
    private readonly List<(IPAddress Network, int Prefix)> _insecureCidrs = [];

    public RegistryHosts(IEnumerable<string>? insecureRegistries = null, IEnumerable<string>? mirrors = null, RegistryCertificates? certificates = null)
    {
        Certificates = certificates ?? RegistryCertificates.None;
        foreach (var entry in insecureRegistries ?? [])
        {
            var e = StripScheme(entry.Trim());
            if (e.Length == 0)
            {
                continue;
            }
            if (e.Contains('/', StringComparison.Ordinal))
            {
                var slash = e.IndexOf('/', StringComparison.Ordinal);
                if (!IPAddress.TryParse(e[..slash], out var network) || !int.TryParse(e[(slash + 1)..], out var prefix) ||
                    prefix < 0 || prefix > (network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
                {
                    throw BerthException.Invalid($"insecure registry {entry} is not a valid CIDR or host name");
                }
                _insecureCidrs.Add((network, prefix));
            }
            else
            {
                _insecureNames.Add(e.ToLowerInvariant());
            }
        }
        foreach (var m in mirrors ?? [])
        {
            if (!Uri.TryCreate(m.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath is not ("/" or ""))
            {
                throw BerthException.Invalid($"invalid mirror: \"{m}\" is not a valid URI (scheme http or https, no path)");
            }
            Mirrors.Add(uri);
        }
    }

    /// <summary>Each registry's CA roots and client certificates (certs.d).</summary>
    public RegistryCertificates Certificates { get; }

    /// <summary>The registry mirrors of Docker Hub, tried in order before it.</summary>
    public List<Uri> Mirrors { get; } = [];

    public IReadOnlyList<string> InsecureRegistries =>
        [.. _insecureCidrs.Select(c => $"{c.Network}/{c.Prefix}"), .. _insecureNames];

    /// <summary>compat(docker): the names of Docker Hub a user may write in <c>docker login</c>.</summary>
    public static string NormalizeServerAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return DockerHub;
        }
        var a = StripScheme(address.Trim()).TrimEnd('/');
        var slash = a.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            a = a[..slash];
        }
        return a.ToLowerInvariant() is "index.docker.io" or "registry-1.docker.io" or "docker.io" or "registry.hub.docker.com" ? DockerHub : a;
    }

    private static string StripScheme(string s) =>
        s.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? s[8..] :
        s.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? s[7..] : s;

    /// <summary>Whether <paramref name="host"/> (<c>name[:port]</c>) may be spoken to without verified TLS.</summary>
    public bool IsInsecure(string host)
    {
        var h = host.ToLowerInvariant();
        if (_insecureNames.Contains(h))
        {
            return true;
        }
        var name = HostName(h);
        var ip = IPAddress.TryParse(name, out var parsed) ? parsed : null;
        if (ip is not null && _insecureCidrs.Any(c => InNetwork(ip, c.Network, c.Prefix)))
        {
            return true;
        }
        var loopback = name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal) || ip is not null && IPAddress.IsLoopback(ip);
        // Berth's choice (dockerd skips verification on loopback regardless): a loopback registry given CA roots in
        // its certs.d directory is verified against them, as that is what they are there for.
        return loopback && Certificates.For(host) is not { Roots.Count: > 0 };
    }

    /// <summary>The endpoints to try for <paramref name="domain"/>, in order.</summary>
    public IReadOnlyList<RegistryEndpoint> Endpoints(string domain)
    {
        if (domain == DockerHub)
        {
            var list = Mirrors.Select(m => new RegistryEndpoint(m, IsInsecure(m.Authority), Mirror: true)).ToList();
            list.Add(new RegistryEndpoint(DockerHubApi, false, Mirror: false));
            return list;
        }
        if (!IsInsecure(domain))
        {
            return [new RegistryEndpoint(new Uri("https://" + domain), false, Mirror: false)];
        }
        // compat(docker): an insecure registry is tried over HTTPS first (unverified), then over plain HTTP.
        return [new RegistryEndpoint(new Uri("https://" + domain), true, Mirror: false), new RegistryEndpoint(new Uri("http://" + domain), true, Mirror: false)];
    }

    private static string HostName(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? host[1..end] : host;
        }
        var colon = host.LastIndexOf(':');
        return colon >= 0 && host.IndexOf(':') == colon ? host[..colon] : host;
    }

    private static bool InNetwork(IPAddress ip, IPAddress network, int prefix)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        if (ip.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        var a = ip.GetAddressBytes();
        var b = network.GetAddressBytes();
        for (var bit = 0; bit < prefix; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
            {
                return false;
            }
        }
        return true;
    }
}
