using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Berth.Http;

/// <summary>One <c>-H</c> of a daemon, as dockerd reads it: <c>unix://PATH</c>, or <c>tcp://HOST:PORT</c> (also written
/// <c>HOST:PORT</c>) with HOST an IP address or <c>localhost</c>, and PORT 2375, or 2376 with TLS, when left out.</summary>
public sealed record ListenAddress
{
    /// <summary>Docker's port for the API over plain TCP.</summary>
    public const int DefaultHttpPort = 2375;

    /// <summary>Docker's port for the API over TLS.</summary>
    public const int DefaultTlsPort = 2376;

    private ListenAddress(string? unixPath, IPEndPoint? tcp)
    {
        UnixPath = unixPath;
        Tcp = tcp;
    }

    /// <summary>The socket's path, for a unix address.</summary>
    public string? UnixPath { get; }

    /// <summary>The address and port, for a TCP address.</summary>
    public IPEndPoint? Tcp { get; }

    public bool IsTcp => Tcp is not null;

    public static ListenAddress Unix(string path) => new(path, null);

    /// <summary>Reads one <c>-H</c>; a malformed or unsupported one throws <see cref="ArgumentException"/> with what
    /// is wrong.</summary>
    public static ListenAddress Parse(string value, string defaultUnixPath, bool tls)
    {
        var text = value.Trim();
        if (text.Length == 0)
        {
            return Unix(defaultUnixPath);
        }
        var sep = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = sep < 0 ? "tcp" : text[..sep].ToLowerInvariant();
        var rest = sep < 0 ? text : text[(sep + 3)..];
        return scheme switch
        {
            "unix" => Unix(rest.Length == 0 ? defaultUnixPath : rest),
            "tcp" => ParseTcp(value, rest, tls),
            // compat(docker): dockerd takes systemd's socket activation here; berthd binds its own sockets.
            "fd" => throw new ArgumentException($"invalid host \"{value}\": fd:// (systemd socket activation) is not supported by berthd; use unix:// or tcp://"),
            _ => throw new ArgumentException($"invalid host \"{value}\": invalid protocol \"{scheme}\" (unix:// or tcp://)"),
        };
    }

    private static ListenAddress ParseTcp(string value, string rest, bool tls)
    {
        if (rest.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"invalid host \"{value}\": a tcp address has no path");
        }
        string host;
        string port;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"invalid host \"{value}\": missing ']' in address");
            }
            host = rest[1..close];
            port = rest[(close + 1)..].TrimStart(':');
        }
        else
        {
            var colon = rest.LastIndexOf(':');
            (host, port) = colon < 0 ? (rest, "") : (rest[..colon], rest[(colon + 1)..]);
            if (host.Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException($"invalid host \"{value}\": write an IPv6 address in brackets ([::1]:2376)");
            }
        }
        IPAddress address;
        if (host.Length == 0 || host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            // compat(docker): dockerd's default TCP host is localhost.
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out address!))
        {
            throw new ArgumentException($"invalid host \"{value}\": give an IP address (or localhost), not a name");
        }
        var number = tls ? DefaultTlsPort : DefaultHttpPort;
        if (port.Length > 0 && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
        {
            throw new ArgumentException($"invalid host \"{value}\": invalid port \"{port}\"");
        }
        return new ListenAddress(null, new IPEndPoint(address, number));
    }

    public override string ToString() => Tcp is { } e
        ? "tcp://" + (e.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{e.Address}]:{e.Port}" : $"{e.Address}:{e.Port}")
        : "unix://" + UnixPath;
}
