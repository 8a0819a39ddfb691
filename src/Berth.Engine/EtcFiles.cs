using System.Text;
using Berth.Common;

namespace Berth.Engine;

/// <summary>What a container's /etc/resolv.conf holds: <c>--dns</c>, <c>--dns-search</c>, <c>--dns-option</c>, and
/// whether the embedded DNS server answers (user-defined networks).</summary>
internal sealed record ResolvOptions(IReadOnlyList<string>? Dns, IReadOnlyList<string>? Search, IReadOnlyList<string>? Options, bool EmbeddedDns)
{
    public static readonly ResolvOptions Host = new(null, null, null, false);
}

/// <summary>The /etc/hosts, /etc/hostname and /etc/resolv.conf a container gets, kept beside its log.</summary>
internal static class EtcFiles
{
    /// <summary>The embedded DNS server's address inside every container on a user-defined network.</summary>
    public const string EmbeddedDnsAddress = "127.0.0.11";

    private const string DefaultHosts = """
        127.0.0.1	localhost
        ::1	localhost ip6-localhost ip6-loopback
        fe00::0	ip6-localnet
        ff00::0	ip6-mcastprefix
        ff02::1	ip6-allnodes
        ff02::2	ip6-allrouters

        """;

    public static void Write(string dir, string hostname, string domainname, IEnumerable<string>? extraHosts,
        IEnumerable<(string Address, string Names)>? own = null, ResolvOptions? resolv = null)
    {
        AtomicFile.WriteText(Path.Join(dir, "hostname"), hostname + "\n", durable: false);
        var hosts = new StringBuilder(DefaultHosts.Replace("\r\n", "\n", StringComparison.Ordinal));
        foreach (var extra in extraHosts ?? [])
        {
            if (TrySplitExtraHost(extra, out var name, out var address))
            {
                hosts.Append(address).Append('\t').Append(name).Append('\n');
            }
        }
        foreach (var (address, names) in own ?? [])
        {
            hosts.Append(address).Append('\t').Append(names).Append('\n');
        }
        _ = domainname;
        AtomicFile.WriteText(Path.Join(dir, "hosts"), hosts.ToString(), durable: false);
        AtomicFile.WriteText(Path.Join(dir, "resolv.conf"), ResolvConf(resolv), durable: false);
    }

    /// <summary><c>--add-host name:ip</c> (also <c>name=ip</c>, as newer CLIs send); the address may hold colons (IPv6).</summary>
    public static bool TrySplitExtraHost(string extra, out string name, out string address)
    {
        var sep = extra.IndexOfAny(['=', ':']);
        name = sep > 0 ? extra[..sep] : "";
        address = sep > 0 ? extra[(sep + 1)..].Trim('[', ']') : "";
        return sep > 0 && address.Length > 0;
    }

    /// <summary>
    /// Docker's resolv.conf: on a user-defined network the embedded server (127.0.0.11) with <c>ndots:0</c>, which
    /// forwards to the host's or <c>--dns</c> servers; elsewhere the host's file without loopback nameservers
    /// (unreachable from the container's namespace), or <c>--dns</c>; Google's resolvers when none is left.
    /// </summary>
    internal static string ResolvConf(ResolvOptions? options = null)
    {
        options ??= ResolvOptions.Host;
        if (options == ResolvOptions.Host)
        {
            return FilteredHostResolvConf();
        }
        var host = HostResolvConf();
        var lines = new List<string>();
        var search = options.Search is { Count: > 0 } s ? s.Where(x => x != ".").ToList() : host.Search;
        if (search.Count > 0)
        {
            lines.Add("search " + string.Join(' ', search));
        }
        if (options.EmbeddedDns)
        {
            lines.Add("nameserver " + EmbeddedDnsAddress);
        }
        else
        {
            var servers = options.Dns is { Count: > 0 } d ? [.. d] : host.Nameservers.Where(n => !IsLoopback(n)).ToList();
            if (servers.Count == 0)
            {
                servers = ["8.8.8.8", "8.8.4.4"];
            }
            lines.AddRange(servers.Select(n => "nameserver " + n));
        }
        var opts = options.Options is { Count: > 0 } o ? o.ToList() : host.Options;
        if (options.EmbeddedDns && !opts.Any(x => x.StartsWith("ndots:", StringComparison.Ordinal)))
        {
            opts = [.. opts, "ndots:0"];
        }
        if (opts.Count > 0)
        {
            lines.Add("options " + string.Join(' ', opts));
        }
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>What the embedded DNS server forwards to and which search domains it knows: <c>--dns</c> and
    /// <c>--dns-search</c>, or the host's (loopback nameservers included: the daemon forwards from the host's
    /// namespace, where they answer), the host's file read once.</summary>
    internal static (IReadOnlyList<string> Upstreams, IReadOnlyList<string> Search) DnsSources(IReadOnlyList<string>? dns, IReadOnlyList<string>? search)
    {
        if (dns is { Count: > 0 } && search is { Count: > 0 })
        {
            return (dns, search);
        }
        var host = HostResolvConf();
        return (dns is { Count: > 0 } ? dns : host.Nameservers, search is { Count: > 0 } ? search : host.Search);
    }

    /// <summary>The host's file as it is, loopback nameservers left out (what dockerd 20.10 writes).</summary>
    private static string FilteredHostResolvConf()
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
                if (IsLoopback(fields[1]))
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

    private static bool IsLoopback(string address) => address.StartsWith("127.", StringComparison.Ordinal) || address == "::1";

    private sealed record HostResolv(List<string> Nameservers, List<string> Search, List<string> Options);

    private static HostResolv HostResolvConf()
    {
        var result = new HostResolv([], [], []);
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/etc/resolv.conf");
        }
        catch (IOException)
        {
            return result;
        }
        foreach (var line in lines)
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || fields[0].StartsWith('#') || fields[0].StartsWith(';'))
            {
                continue;
            }
            switch (fields[0])
            {
                case "nameserver":
                    result.Nameservers.Add(fields[1]);
                    break;
                case "search" or "domain":
                    result.Search.Clear();
                    result.Search.AddRange(fields.Skip(1));
                    break;
                case "options":
                    result.Options.AddRange(fields.Skip(1));
                    break;
            }
        }
        return result;
    }
}
