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
    public List<string> InsecureRegistries { get; } = [];
    public List<string> RegistryMirrors { get; } = [];
    public int MaxConcurrentDownloads { get; set; } = 3;
    public int MaxConcurrentUploads { get; set; } = 5;
    public string? SeccompProfile { get; set; }
    public string? UsernsRemap { get; set; }
    public bool ShowVersion { get; set; }
    public bool ShowHelp { get; set; }

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
              --default-runtime string  Default OCI runtime for containers (default "berth")
              --exec-root string        Root directory for execution state files (default "/run/berth")
          -h, --help                    Print usage
              --insecure-registry list  Registries (host[:port] or CIDR) spoken to without verified TLS, or over
                                        plain HTTP (loopback registries always are)
              --max-concurrent-downloads int
                                        Maximum concurrent downloads for each pull (default 3)
              --max-concurrent-uploads int
                                        Maximum concurrent uploads for each push (default 5)
          -H, --host list               Daemon socket(s) to connect to (default unix:///run/berth/berth.sock)
          -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
          -p, --pidfile string          Path to use for daemon PID file (default "/run/berth.pid")
              --registry-mirror list    Preferred Docker Hub mirror(s) (http or https URL)
              --runtime string          Same as --default-runtime
              --seccomp-profile string  Path to seccomp profile. Set to "unconfined" to disable the default seccomp
                                        profile (default "builtin")
          -s, --storage-driver string   Storage driver to use (overlay2 or vfs; default: overlay2 where it works)
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
                case "-D" or "--debug": o.Debug = true; break;
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
                case "--seccomp-profile": o.SeccompProfile = Value(); break;
                case "--userns-remap": o.UsernsRemap = Value(); break;
                case "-v" or "--version": o.ShowVersion = true; break;
                case "-h" or "--help": o.ShowHelp = true; break;
                case "--insecure-registry": o.InsecureRegistries.Add(Value()); break;
                case "--registry-mirror": o.RegistryMirrors.Add(Value()); break;
                case "--max-concurrent-downloads": o.MaxConcurrentDownloads = Positive(arg, Value()); break;
                case "--max-concurrent-uploads": o.MaxConcurrentUploads = Positive(arg, Value()); break;
                default: throw new ArgumentException($"unknown flag: {arg}");
            }
        }
        if (o.Hosts.Count == 0)
        {
            o.Hosts.Add("unix://" + Path.Join(o.ExecRoot, "berth.sock"));
        }
        return o;
    }

    private static int Positive(string flag, string value) =>
        int.TryParse(value, out var n) && n > 0 ? n : throw new ArgumentException($"invalid value \"{value}\" for flag {flag}: must be a positive number");
}
