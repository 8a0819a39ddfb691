namespace Berth.Network;

/// <summary>How a daemon's networking is set up (dockerd's <c>--bridge</c>, <c>--bip</c> and friends).</summary>
public sealed record NetworkOptions
{
    /// <summary>Where networks are kept: one JSON file each.</summary>
    public required string StateDir { get; init; }

    /// <summary>The Linux bridge of the default <c>bridge</c> network.</summary>
    public string DefaultBridge { get; init; } = "berth0";

    /// <summary><c>--bip</c>: the default bridge's subnet, e.g. <c>172.17.0.1/16</c> (the address is the gateway).
    /// Without it the first free default pool is taken.</summary>
    public string? DefaultBridgeIp { get; init; }

    /// <summary>Berth's nftables table; separate daemons on one host (tests) keep separate tables.</summary>
    public string FirewallTable { get; init; } = "berth";

    /// <summary><c>--firewall-backend</c>: nftables, or iptables-legacy, which Auto takes only where nftables is missing.</summary>
    public FirewallBackend FirewallBackend { get; init; } = FirewallBackend.Auto;

    /// <summary><c>--cluster-advertise</c>: this host's address toward the other Berth hosts of its overlay
    /// networks (VXLAN's source, and where the peers ask for this host's containers). Null: no overlay.</summary>
    public System.Net.IPAddress? Advertise { get; init; }

    /// <summary>The TCP port overlay peers answer on.</summary>
    public int PeerPort { get; init; } = DefaultPeerPort;

    public const int DefaultPeerPort = 7946;

    /// <summary>How long a peer may take to answer.</summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Where network driver plugins are discovered, in Docker's order: a plugin NAME is the unix socket
    /// NAME.sock or NAME/NAME.sock in the first directory that has one, else the spec file NAME.spec or NAME.json
    /// (also under NAME/) in the first directory that has one.</summary>
    public IReadOnlyList<string> PluginDirs { get; init; } = ["/run/docker/plugins", "/etc/docker/plugins", "/usr/lib/docker/plugins"];

    /// <summary>How long one call to a plugin may take, connecting included (Docker retries a plugin that is not
    /// listening yet for 30 s).</summary>
    public TimeSpan PluginTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first and last port a published port with no host port may get (the kernel's ephemeral range,
    /// as Docker reads it).</summary>
    public (int First, int Last) EphemeralPorts { get; init; } = ReadEphemeralRange();

    private static (int, int) ReadEphemeralRange()
    {
        try
        {
            var f = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split(['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return (32768, 60999);
        }
    }
}
