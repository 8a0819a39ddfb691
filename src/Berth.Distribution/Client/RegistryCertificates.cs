using System.Globalization;
using System.Text;
using Berth.Common;

namespace Berth.Distribution.Client;

/// <summary>
/// Docker's per-registry TLS files: in <c>certs.d/HOST[:PORT]/</c>, each <c>*.crt</c> is a CA root trusted for that
/// registry (besides the system's), and each <c>*.cert</c> with the <c>*.key</c> of the same name is a client
/// certificate presented to it. Several certs.d directories are read in order and their files add up (berthd's
/// <c>/etc/berth/certs.d</c>, then dockerd's <c>/etc/docker/certs.d</c>, where users already have theirs).
/// </summary>
public sealed class RegistryCertificates
{
    /// <summary>berthd's certs.d directories when <c>--registry-certs-dir</c> is not given.</summary>
    public static readonly IReadOnlyList<string> DefaultDirectories = ["/etc/berth/certs.d", "/etc/docker/certs.d"];

    public RegistryCertificates(IEnumerable<string>? directories = null) => Directories = [.. directories ?? []];

    /// <summary>None: no registry has TLS files.</summary>
    public static RegistryCertificates None { get; } = new();

    public IReadOnlyList<string> Directories { get; }

    /// <summary>The TLS files of <paramref name="host"/> (<c>name[:port]</c>, as in image references), or null when it
    /// has none. Read at each call, as dockerd does, so files added or changed take effect without a restart.</summary>
    public RegistryTlsFiles? For(string host)
    {
        var roots = new List<string>();
        var clientCertificates = new List<(string Certificate, string Key)>();
        // A host name cannot name another directory ("..", a slash): such a host has no files.
        if (host.Length == 0 || host.Contains('/', StringComparison.Ordinal) || host is "." or "..")
        {
            return null;
        }
        foreach (var certsDir in Directories)
        {
            var dir = Path.Join(certsDir, host);
            if (!Directory.Exists(dir))
            {
                continue;
            }
            var names = Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
            foreach (var name in names)
            {
                switch (Path.GetExtension(name))
                {
                    case ".crt":
                        roots.Add(Path.Join(dir, name));
                        break;
                    case ".cert":
                        var key = name[..^".cert".Length] + ".key";
                        if (!names.Contains(key))
                        {
                            // compat(docker): dockerd's words.
                            throw BerthException.Invalid($"missing key {key} for client certificate {name}. CA certificates must use the extension .crt");
                        }
                        clientCertificates.Add((Path.Join(dir, name), Path.Join(dir, key)));
                        break;
                    case ".key":
                        var cert = name[..^".key".Length] + ".cert";
                        if (!names.Contains(cert))
                        {
                            throw BerthException.Invalid($"missing client certificate {cert} for key {name}");
                        }
                        break;
                }
            }
        }
        if (roots.Count == 0 && clientCertificates.Count == 0)
        {
            return null;
        }
        // Which files, and their versions: a changed file makes another key, hence a client with the new contents.
        var version = new StringBuilder();
        foreach (var file in roots.Concat(clientCertificates.SelectMany(p => (string[])[p.Certificate, p.Key])))
        {
            var info = new FileInfo(file);
            version.Append(file).Append('|').Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append('|')
                .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return new RegistryTlsFiles(roots, clientCertificates, version.ToString());
    }
}
