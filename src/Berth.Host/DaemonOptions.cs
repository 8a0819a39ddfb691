using Berth.Distribution.Client;
using Berth.Http;
using Berth.Network;

namespace Berth.Host;

/// <summary>berthd's flags, named as dockerd's.</summary>
internal sealed class DaemonOptions
{
    public List<string> Hosts { get; } = [];
    public string DataRoot { get; set; } = "/var/lib/berth";
    public string ExecRoot { get; set; } = "/run/berth";
    public string? PidFile { get; set; } = "/run/berth.pid";
    public string LogLevel { get; set; } = "info";
    public bool Debug { get; set; }
    public string DefaultRuntime { get; set; } = "berth";
    public Dictionary<string, string> Runtimes { get; } = [];
    public string? StorageDriver { get; set; }
    public string? Bridge { get; set; }
    public string? BridgeIp { get; set; }
    public string? ClusterAdvertise { get; set; }
    public FirewallBackend FirewallBackend { get; set; }
    public List<string> InsecureRegistries { get; } = [];
    public List<string> RegistryMirrors { get; } = [];

    /// <summary>The certs.d directories given (<c>--registry-certs-dir</c>).</summary>
    public List<string> RegistryCertsDirs { get; } = [];

    /// <summary>The certs.d directories read: those given, else Berth's and Docker's.</summary>
    public IReadOnlyList<string> RegistryCertsDirectories => RegistryCertsDirs.Count > 0 ? RegistryCertsDirs : RegistryCertificates.DefaultDirectories;
    public int MaxConcurrentDownloads { get; set; } = 3;
    public int MaxConcurrentUploads { get; set; } = 5;
    public string? SeccompProfile { get; set; }
    /// <summary>The unix sockets' group (<c>-G</c>): a name or a numeric gid.</summary>
    public string Group { get; set; } = DefaultGroup;

    /// <summary><c>--tls</c> as given, or null when not given.</summary>
    public bool? Tls { get; set; }

    /// <summary><c>--tlsverify</c> as given, or null when not given (then DOCKER_TLS_VERIFY decides, as for dockerd).</summary>
    public bool? TlsVerify { get; set; }

    public string? TlsCaCert { get; set; }
    public string? TlsCert { get; set; }
    public string? TlsKey { get; set; }

    /// <summary>Where <c>--tlscacert</c>, <c>--tlscert</c> and <c>--tlskey</c> point when not given: DOCKER_CERT_PATH, else
    /// ~/.docker.</summary>
    public string CertDirectory { get; set; } = DefaultCertDirectory();

    /// <summary>Whether DOCKER_TLS_VERIFY was set: dockerd's default for <c>--tlsverify</c>.</summary>
    public bool TlsVerifyFromEnvironment { get; set; } = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY"));

    public string? UsernsRemap { get; set; }
    public bool ShowVersion { get; set; }
    public bool ShowHelp { get; set; }

    /// <summary>Docker's <c>docker</c> group, for Berth.</summary>
    public const string DefaultGroup = "berth";

    public const string Usage = """
        Usage:	berthd [OPTIONS]

        A self-sufficient runtime for containers, serving the Docker Engine API.

        Options:
              --add-runtime name=path   Register an OCI runtime (e.g. runc=/usr/sbin/runc)
          -b, --bridge string           The Linux bridge of the default "bridge" network (default "berth0"; with
                                        another --exec-root, "berth-" and a hash of it)
              --cluster-advertise ip[:port]
                                        This host's address toward the other Berth hosts of its overlay networks
                                        (VXLAN on UDP 4789; the peers ask for containers on TCP port, default 7946)
              --bip string              The default bridge's address and subnet (e.g. 172.17.0.1/16; default: the
                                        first free default pool)
              --data-root string        Root directory of persistent Berth state (default "/var/lib/berth")
          -D, --debug                   Enable debug mode
          -G, --group string            Group for the unix socket(s): a name or a gid (default "berth"; root's when
                                        no group "berth" exists)
              --default-runtime string  Default OCI runtime for containers (default "berth")
              --exec-root string        Root directory for execution state files (default "/run/berth")
              --firewall-backend string The firewall for NAT and isolation: "nftables" or "iptables" (iptables-legacy;
                                        default: nftables, iptables-legacy where nftables is missing)
          -h, --help                    Print usage
              --insecure-registry list  Registries (host[:port] or CIDR) spoken to without verified TLS, or over
                                        plain HTTP (loopback registries always are)
              --max-concurrent-downloads int
                                        Maximum concurrent downloads for each pull (default 3)
              --max-concurrent-uploads int
                                        Maximum concurrent uploads for each push (default 5)
          -H, --host list               Daemon socket(s) to connect to: unix://PATH or tcp://IP:PORT (default
                                        unix:///run/berth/berth.sock); tcp needs --tlsverify, or --tls=false
          -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
          -p, --pidfile string          Path to use for daemon PID file (default "/run/berth.pid")
              --registry-certs-dir list Directories of per-registry TLS files: HOST[:PORT]/*.crt (CA roots),
                                        *.cert + *.key (client certificates) (default /etc/berth/certs.d and
                                        /etc/docker/certs.d)
              --registry-mirror list    Preferred Docker Hub mirror(s) (http or https URL)
              --runtime string          Same as --default-runtime
              --seccomp-profile string  Path to seccomp profile. Set to "unconfined" to disable the default seccomp
                                        profile (default "builtin")
          -s, --storage-driver string   Storage driver to use (overlay2 or vfs; default: overlay2 where it works)
              --tls                     Use TLS; implied by --tlsverify
              --tlscacert string        Trust certs signed only by this CA (default "~/.docker/ca.pem")
              --tlscert string          Path to TLS certificate file (default "~/.docker/cert.pem")
              --tlskey string           Path to TLS key file (default "~/.docker/key.pem")
              --tlsverify               Use TLS and verify the remote
              --userns-remap string     User/Group setting for user namespaces: default, USER[:GROUP] or
                                        UID[:GID] (containers' root is the first id of its /etc/subuid and
                                        /etc/subgid ranges; default makes the user berthremap)
          -v, --version                 Print version information and quit
        """;

    public static DaemonOptions Parse(string[] args)
    {
        var o = new DaemonOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal))
            {
                inline = arg[(arg.IndexOf('=', StringComparison.Ordinal) + 1)..];
                arg = arg[..arg.IndexOf('=', StringComparison.Ordinal)];
            }
            string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"flag needs an argument: {arg}"));
            switch (arg)
            {
                case "-H" or "--host": o.Hosts.Add(Value()); break;
                case "--data-root" or "-g" or "--graph": o.DataRoot = Value(); break;
                case "--exec-root": o.ExecRoot = Value(); break;
                case "-p" or "--pidfile": o.PidFile = Value(); break;
                case "-l" or "--log-level": o.LogLevel = Value(); break;
                case "-D" or "--debug": o.Debug = Bool(arg, inline); break;
                case "-G" or "--group": o.Group = Value(); break;
                case "--tls": o.Tls = Bool(arg, inline); break;
                case "--tlsverify": o.TlsVerify = Bool(arg, inline); break;
                case "--tlscacert": o.TlsCaCert = Value(); break;
                case "--tlscert": o.TlsCert = Value(); break;
                case "--tlskey": o.TlsKey = Value(); break;
                case "--runtime" or "--default-runtime": o.DefaultRuntime = Value(); break;
                case "--add-runtime":
                    var spec = Value();
                    var eq = spec.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException($"invalid runtime spec \"{spec}\": expected name=path");
                    }
                    o.Runtimes[spec[..eq]] = spec[(eq + 1)..];
                    break;
                case "-s" or "--storage-driver": o.StorageDriver = Value(); break;
                case "-b" or "--bridge": o.Bridge = Value(); break;
                case "--bip": o.BridgeIp = Value(); break;
                case "--cluster-advertise": o.ClusterAdvertise = Value(); break;
                case "--firewall-backend": o.FirewallBackend = Firewall.ParseBackend(Value()); break;
                case "--seccomp-profile": o.SeccompProfile = Value(); break;
                case "--userns-remap": o.UsernsRemap = Value(); break;
                case "-v" or "--version": o.ShowVersion = true; break;
                case "-h" or "--help": o.ShowHelp = true; break;
                case "--insecure-registry": o.InsecureRegistries.Add(Value()); break;
                case "--registry-mirror": o.RegistryMirrors.Add(Value()); break;
                case "--registry-certs-dir": o.RegistryCertsDirs.Add(Value()); break;
                case "--max-concurrent-downloads": o.MaxConcurrentDownloads = Positive(arg, Value()); break;
                case "--max-concurrent-uploads": o.MaxConcurrentUploads = Positive(arg, Value()); break;
                default: throw new ArgumentException($"unknown flag: {arg}");
            }
        }
        return o;
    }

    /// <summary>The unix socket a daemon listens on without <c>-H</c>.</summary>
    public string DefaultSocket => Path.Join(ExecRoot, "berth.sock");

    /// <summary>TLS on the TCP listeners: <c>--tls</c>, or implied by <c>--tlsverify</c>.</summary>
    public bool UseTls => Tls ?? VerifyClients;

    /// <summary>Clients must present a certificate from <c>--tlscacert</c>'s CA.</summary>
    public bool VerifyClients => TlsVerify ?? TlsVerifyFromEnvironment;

    public string CaCertFile => TlsCaCert ?? Path.Join(CertDirectory, "ca.pem");
    public string CertFile => TlsCert ?? Path.Join(CertDirectory, "cert.pem");
    public string KeyFile => TlsKey ?? Path.Join(CertDirectory, "key.pem");

    /// <summary>The <c>-H</c>s read (the default unix socket when none): throws <see cref="ArgumentException"/> for a
    /// malformed or unsupported one.</summary>
    public IReadOnlyList<ListenAddress> ListenAddresses() =>
        Hosts.Count == 0 ? [ListenAddress.Unix(DefaultSocket)] : Hosts.Select(h => ListenAddress.Parse(h, DefaultSocket, UseTls)).ToList();

    /// <summary>
    /// Why berthd must not listen as asked, or null: a TCP listener without client verification, when neither
    /// <c>--tls</c> nor <c>--tlsverify</c> was given. Anyone who reaches such a port is root on this machine (a
    /// browser's script or a <c>--network host</c> container reaches 127.0.0.1 too).
    /// </summary>
    /// <remarks>compat(docker): dockerd 28 still starts then, after warnings and a delay of 1 s (16 s on a non-loopback
    /// address), and its deprecation notes announce the refusal for this case; Berth refuses already. An explicit
    /// <c>--tls=false</c> (or <c>--tlsverify=false</c>) is accepted, with dockerd's warnings.</remarks>
    public string? UnauthenticatedTcpRefusal(IReadOnlyList<ListenAddress> addresses)
    {
        if (UseTls && VerifyClients || Tls is not null || TlsVerify is not null)
        {
            return null;
        }
        return addresses.FirstOrDefault(a => a.IsTcp) is { } tcp
            ? $"refusing to listen on {tcp} without --tlsverify: anyone who can reach it has root access on this machine. Listen with --tlsverify and certificates (docs/security.md), or give --tls=false to accept an unauthenticated TCP socket explicitly"
            : null;
    }

    private static string DefaultCertDirectory() =>
        Environment.GetEnvironmentVariable("DOCKER_CERT_PATH") is { Length: > 0 } path ? path
            : Path.Join(Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? home : "/root", ".docker");

    // compat(go): strconv.ParseBool's spellings, as a Go flag takes them (--tls=false).
    private static bool Bool(string flag, string? inline) => inline switch
    {
        null or "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw new ArgumentException($"invalid argument \"{inline}\" for \"{flag}\" flag: parse error"),
    };

    private static int Positive(string flag, string value) =>
        int.TryParse(value, out var n) && n > 0 ? n : throw new ArgumentException($"invalid value \"{value}\" for flag {flag}: must be a positive number");
}
