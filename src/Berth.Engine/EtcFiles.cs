using System.Text;
using Berth.Common;

namespace Berth.Engine;

/// <summary>The /etc/hosts, /etc/hostname and /etc/resolv.conf a container gets, kept beside its log.</summary>
internal static class EtcFiles
{
    private const string DefaultHosts = """
        127.0.0.1	localhost
        ::1	localhost ip6-localhost ip6-loopback
        fe00::0	ip6-localnet
        ff00::0	ip6-mcastprefix
        ff02::1	ip6-allnodes
        ff02::2	ip6-allrouters

        """;

    public static void Write(string dir, string hostname, string domainname, IEnumerable<string>? extraHosts)
    {
        AtomicFile.WriteText(Path.Join(dir, "hostname"), hostname + "\n", durable: false);
        var hosts = new StringBuilder(DefaultHosts.Replace("\r\n", "\n", StringComparison.Ordinal));
        foreach (var extra in extraHosts ?? [])
        {
            var sep = extra.IndexOf(':', StringComparison.Ordinal);
            if (sep > 0)
            {
                hosts.Append(extra[(sep + 1)..]).Append('\t').Append(extra[..sep]).Append('\n');
            }
        }
        _ = domainname;
        AtomicFile.WriteText(Path.Join(dir, "hosts"), hosts.ToString(), durable: false);
        AtomicFile.WriteText(Path.Join(dir, "resolv.conf"), ResolvConf(), durable: false);
    }

    /// <summary>The host's resolv.conf without loopback nameservers (unreachable from the container's network
    /// namespace); Docker's fallback when none is left.</summary>
    internal static string ResolvConf()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/etc/resolv.conf");
        }
        catch (IOException)
        {
            lines = [];
        }
        var kept = new List<string>();
        var nameservers = 0;
        foreach (var line in lines)
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "nameserver")
            {
                if (fields[1].StartsWith("127.", StringComparison.Ordinal) || fields[1] == "::1")
                {
                    continue;
                }
                nameservers++;
            }
            kept.Add(line);
        }
        if (nameservers == 0)
        {
            // compat(docker): Docker falls back to Google's public resolvers.
            kept.Add("nameserver 8.8.8.8");
            kept.Add("nameserver 8.8.4.4");
        }
        return string.Join('\n', kept) + "\n";
    }
}
