using System.Globalization;
using System.Net;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>
/// The flags of <c>run</c> and <c>create</c> and their translation to a <see cref="ContainerSpec"/>, following the
/// docker CLI's <c>addFlags</c> and <c>parse</c> (opts.go).
/// </summary>
internal static partial class ContainerOptions
{
    public static string? CheckMemory(string v) => HumanUnits.TryParseRam(v, out _, out var e) ? null : e;

    public static string? CheckMemorySwap(string v) => v == "-1" ? null : CheckMemory(v);

    public static string? CheckCpus(string v) => TryParseNanoCpus(v, out _, out var e) ? null : e;

    private static string? CheckAttach(string v) =>
        v.ToLowerInvariant() is "stdin" or "stdout" or "stderr" ? null : "valid streams are STDIN, STDOUT and STDERR";

    private static string? CheckEnv(string v) => v.Split('=')[0].Length == 0 ? "invalid environment variable: " + v : null;

    private static string? CheckDuration(string v) => GoTime.TryParseDuration(v, out _) ? null : $"time: invalid duration {GoFormat.Quote(v)}";

    private static string? CheckUlimit(string v)
    {
        var eq = v.IndexOf('=', StringComparison.Ordinal);
        return eq <= 0 ? $"invalid ulimit argument: {v}" : null;
    }

    private static string? CheckPull(string v) => v is "always" or "missing" or "never" or "" ? null :
        $"invalid pull option: '{v}': must be one of \"always\", \"missing\" or \"never\"";

    /// <summary>opts.ParseCPUs: a rational number of CPUs, exact to the nanosecond.</summary>
    public static bool TryParseNanoCpus(string v, out long nano, out string error)
    {
        nano = 0;
        error = "";
        if (!decimal.TryParse(v, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var d))
        {
            error = $"failed to parse {v} as a rational number";
            return false;
        }
        var n = d * 1_000_000_000m;
        if (n != decimal.Truncate(n))
        {
            error = "value is too precise";
            return false;
        }
        nano = (long)n;
        return true;
    }

    public static void Define(FlagSet f, bool run)
    {
        if (run)
        {
            f.Bool("detach", 'd', "Run container in background and print container ID");
            f.Bool("sig-proxy", '\0', "Proxy received signals to the process");
            f.String("detach-keys", '\0', "Override the key sequence for detaching a container");
        }
        f.String("name", '\0', "Assign a name to the container");
        f.String("pull", '\0', "Pull image before running (\"always\", \"missing\", \"never\")", CheckPull, "missing");
        f.Bool("quiet", 'q', "Suppress the pull output");
        f.String("platform", '\0', "Set platform if server is multi-platform capable");
        f.List("attach", 'a', "Attach to STDIN, STDOUT or STDERR", CheckAttach);
        f.List("env", 'e', "Set environment variables", CheckEnv);
        f.List("env-file", '\0', "Read in a file of environment variables");
        f.String("entrypoint", '\0', "Overwrite the default ENTRYPOINT of the image");
        f.List("group-add", '\0', "Add additional groups to join");
        f.String("hostname", 'h', "Container host name");
        f.String("domainname", '\0', "Container NIS domain name");
        f.Bool("interactive", 'i', "Keep STDIN open even if not attached");
        f.List("label", 'l', "Set meta data on a container");
        f.List("annotation", '\0', "Add an annotation to the container (passed through to the OCI runtime)");
        f.List("label-file", '\0', "Read in a line delimited file of labels");
        f.Bool("read-only", '\0', "Mount the container's root filesystem as read only");
        f.String("restart", '\0', "Restart policy to apply when a container exits", null, "no");
        f.String("stop-signal", '\0', "Signal to stop the container");
        f.Int("stop-timeout", '\0', "Timeout (in seconds) to stop a container");
        f.List("sysctl", '\0', "Sysctl options");
        f.Bool("tty", 't', "Allocate a pseudo-TTY");
        f.List("ulimit", '\0', "Ulimit options", CheckUlimit);
        f.String("user", 'u', "Username or UID (format: <name|uid>[:<group|gid>])");
        f.String("workdir", 'w', "Working directory inside the container");
        f.Bool("rm", '\0', "Automatically remove the container and its associated anonymous volumes when it exits");
        f.List("cap-add", '\0', "Add Linux capabilities");
        f.List("cap-drop", '\0', "Drop Linux capabilities");
        f.Bool("privileged", '\0', "Give extended privileges to this container");
        f.List("security-opt", '\0', "Security Options");
        f.String("userns", '\0', "User namespace to use");
        f.String("cgroupns", '\0', "Cgroup namespace to use (host|private)");
        f.List("add-host", '\0', "Add a custom host-to-IP mapping (host:ip)");
        f.List("dns", '\0', "Set custom DNS servers");
        f.List("dns-option", '\0', "Set DNS options");
        f.List("dns-search", '\0', "Set custom DNS search domains");
        f.List("expose", '\0', "Expose a port or a range of ports");
        f.String("ip", '\0', "IPv4 address (e.g., 172.30.100.104)");
        f.String("ip6", '\0', "IPv6 address (e.g., 2001:db8::33)");
        f.String("mac-address", '\0', "Container MAC address (e.g., 92:d0:c6:0a:29:33)");
        f.List("publish", 'p', "Publish a container's port(s) to the host");
        f.Bool("publish-all", 'P', "Publish all exposed ports to random ports");
        f.List("network", '\0', "Connect a container to a network");
        f.List("network-alias", '\0', "Add network-scoped alias for the container");
        f.String("log-driver", '\0', "Logging driver for the container");
        f.String("volume-driver", '\0', "Optional volume driver for the container");
        f.List("log-opt", '\0', "Log driver options");
        f.List("tmpfs", '\0', "Mount a tmpfs directory");
        f.List("volumes-from", '\0', "Mount volumes from the specified container(s)");
        f.List("volume", 'v', "Bind mount a volume");
        f.List("mount", '\0', "Attach a filesystem mount to the container", MountFlag.Check, "mount");
        f.String("health-cmd", '\0', "Command to run to check health");
        f.String("health-interval", '\0', "Time between running the check (ms|s|m|h) (default 0s)", CheckDuration);
        f.Int("health-retries", '\0', "Consecutive failures needed to report unhealthy");
        f.String("health-timeout", '\0', "Maximum time to allow one check to run (ms|s|m|h) (default 0s)", CheckDuration);
        f.String("health-start-period", '\0', "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)", CheckDuration);
        f.String("health-start-interval", '\0', "Time between running the check during the start period (ms|s|m|h) (default 0s)", CheckDuration);
        f.Bool("no-healthcheck", '\0', "Disable any container-specified HEALTHCHECK");
        f.Int("blkio-weight", '\0', "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)");
        f.List("blkio-weight-device", '\0', "Block IO weight (relative device weight)");
        f.List("device", '\0', "Add a host device to the container");
        f.List("device-cgroup-rule", '\0', "Add a rule to the cgroup allowed devices list");
        f.List("device-read-bps", '\0', "Limit read rate (bytes per second) from a device");
        f.List("device-read-iops", '\0', "Limit read rate (IO per second) from a device");
        f.List("device-write-bps", '\0', "Limit write rate (bytes per second) to a device");
        f.List("device-write-iops", '\0', "Limit write rate (IO per second) to a device");
        f.String("cidfile", '\0', "Write the container ID to the file");
        f.String("cpuset-cpus", '\0', "CPUs in which to allow execution (0-3, 0,1)");
        f.String("cpuset-mems", '\0', "MEMs in which to allow execution (0-3, 0,1)");
        f.Int("cpu-period", '\0', "Limit CPU CFS (Completely Fair Scheduler) period");
        f.Int("cpu-quota", '\0', "Limit CPU CFS (Completely Fair Scheduler) quota");
        f.Int("cpu-rt-period", '\0', "Limit CPU real-time period in microseconds");
        f.Int("cpu-rt-runtime", '\0', "Limit CPU real-time runtime in microseconds");
        f.Int("cpu-shares", 'c', "CPU shares (relative weight)");
        f.String("cpus", '\0', "Number of CPUs", CheckCpus);
        f.String("memory", 'm', "Memory limit", CheckMemory);
        f.String("memory-reservation", '\0', "Memory soft limit", CheckMemory);
        f.String("memory-swap", '\0', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", CheckMemorySwap);
        f.Int("memory-swappiness", '\0', "Tune container memory swappiness (0 to 100)", "-1");
        f.Bool("oom-kill-disable", '\0', "Disable OOM Killer");
        f.Int("oom-score-adj", '\0', "Tune host's OOM preferences (-1000 to 1000)");
        f.Int("pids-limit", '\0', "Tune container pids limit (set -1 for unlimited)");
        f.String("cgroup-parent", '\0', "Optional parent cgroup for the container");
        f.String("ipc", '\0', "IPC mode to use");
        f.String("isolation", '\0', "Container isolation technology");
        f.String("pid", '\0', "PID namespace to use");
        f.String("shm-size", '\0', "Size of /dev/shm", CheckMemory);
        f.String("uts", '\0', "UTS namespace to use");
        f.String("runtime", '\0', "Runtime to use for this container");
        f.Bool("init", '\0', "Run an init inside the container that forwards signals and reaps processes");
    }

    private static long Ram(FlagSet f, string name)
    {
        var s = f.GetString(name);
        return s is null ? 0 : HumanUnits.TryParseRam(s, out var b, out _) ? b : 0;
    }

    /// <summary>docker's <c>parse</c>: flags and positionals to a spec; errors are plain messages (the caller adds "berth: ...").</summary>
    public static ContainerSpec Parse(FlagSet f, IReadOnlyList<string> args, bool run, Func<string, string?> getEnv)
    {
        if (f.GetString("mac-address") is { Length: > 0 } mac && !IsMacAddress(mac))
        {
            throw new UsageException($"{mac} is not a valid mac address");
        }
        var s = new ContainerSpec
        {
            Image = args[0],
            Name = f.GetString("name") ?? "",
            Platform = f.GetString("platform") ?? "",
            Pull = f.GetString("pull") ?? "missing",
            Quiet = f.GetBool("quiet"),
            Detach = run && f.GetBool("detach"),
            SigProxy = !run || !f.Changed("sig-proxy") || f.GetBool("sig-proxy"),
            DetachKeys = run ? f.GetString("detach-keys") ?? "" : "",
        };
        if (args.Count > 1)
        {
            s.Cmd = [.. args.Skip(1)];
        }
        var attach = f.GetList("attach").Select(a => a.ToLowerInvariant()).ToList();
        s.AttachStdin = attach.Contains("stdin");
        s.AttachStdout = attach.Contains("stdout");
        s.AttachStderr = attach.Contains("stderr");
        if (f.GetBool("interactive"))
        {
            s.AttachStdin = true;
        }
        if (attach.Count == 0)
        {
            s.AttachStdout = true;
            s.AttachStderr = true;
        }
        s.MemorySwappiness = f.GetLong("memory-swappiness", -1);
        if (s.MemorySwappiness != -1 && (s.MemorySwappiness < 0 || s.MemorySwappiness > 100))
        {
            throw new UsageException($"invalid value: {s.MemorySwappiness}. Valid memory swappiness range is 0-100");
        }

        // -v: "src:dst[:mode]" is a bind (kept as typed), a lone path an anonymous volume.
        foreach (var v in f.GetList("volume"))
        {
            var parts = v.Split(':');
            if (v.Length == 0 || parts.Any(p => p.Length == 0) && parts.Length < 3)
            {
                throw new UsageException($"invalid spec: {v}: empty section between colons");
            }
            if (parts.Length == 1)
            {
                s.Volumes.Add(v);
                continue;
            }
            var host = parts[0];
            if (!host.StartsWith('/') && host.StartsWith('.'))
            {
                host = Path.GetFullPath(host);
            }
            (s.Binds ??= []).Add(host + v[parts[0].Length..]);
        }
        foreach (var m in f.GetList("mount"))
        {
            (s.Mounts ??= []).Add(MountFlag.Parse(m));
        }
        foreach (var t in f.GetList("tmpfs"))
        {
            var colon = t.IndexOf(':', StringComparison.Ordinal);
            (s.Tmpfs ??= new(StringComparer.Ordinal))[colon < 0 ? t : t[..colon]] = colon < 0 ? "" : t[(colon + 1)..];
        }
        if (f.Changed("entrypoint"))
        {
            s.Entrypoint = [f.GetString("entrypoint")!];
        }
        foreach (var p in f.GetList("publish"))
        {
            ParsePublish(s, p);
        }
        foreach (var e in f.GetList("expose"))
        {
            if (e.Contains(':', StringComparison.Ordinal))
            {
                throw new UsageException($"invalid port format for --expose: {e}");
            }
            var (proto, port) = SplitProtoPort(e);
            if (!TryPortRange(port, out var lo, out var hi, out var err))
            {
                throw new UsageException($"invalid range format for --expose: {e}, error: {err}");
            }
            for (var i = lo; i <= hi; i++)
            {
                s.ExposedPorts.Add(i.ToString(CultureInfo.InvariantCulture) + "/" + proto);
            }
        }

        // Environment: files first, then -e; -e NAME takes NAME from berth's own environment.
        var env = new List<string>();
        foreach (var file in f.GetList("env-file"))
        {
            env.AddRange(ReadKeyValueFile(file, getEnv));
        }
        var direct = new List<string>();
        foreach (var e in f.GetList("env"))
        {
            var eq = e.IndexOf('=', StringComparison.Ordinal);
            var value = eq >= 0 ? e : getEnv(e) is { } found ? e + "=" + found : e;
            var key = eq >= 0 ? e[..eq] : e;
            var existing = direct.FindIndex(x => (x.IndexOf('=', StringComparison.Ordinal) is var i && i >= 0 ? x[..i] : x) == key);
            if (existing >= 0)
            {
                direct[existing] = value;
            }
            else
            {
                direct.Add(value);
            }
        }
        env.AddRange(direct);
        s.Env = env.Count > 0 ? env : null;

        var labels = new List<string>();
        foreach (var file in f.GetList("label-file"))
        {
            labels.AddRange(ReadKeyValueFile(file, null));
        }
        labels.AddRange(f.GetList("label"));
        foreach (var l in labels)
        {
            var eq = l.IndexOf('=', StringComparison.Ordinal);
            s.Labels[eq < 0 ? l : l[..eq]] = eq < 0 ? "" : l[(eq + 1)..];
        }

        foreach (var a in f.GetList("annotation"))
        {
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            s.Annotations[eq < 0 ? a : a[..eq]] = eq < 0 ? "" : a[(eq + 1)..];
        }

        s.PidMode = f.GetString("pid") ?? "";
        s.UtsMode = f.GetString("uts") ?? "";
        s.UsernsMode = f.GetString("userns") ?? "";
        s.CgroupnsMode = f.GetString("cgroupns") ?? "";
        if (s.PidMode.Length > 0 && s.PidMode != "host" && !s.PidMode.StartsWith("container:", StringComparison.Ordinal))
        {
            throw new UsageException("--pid: invalid PID mode");
        }
        if (s.UtsMode.Length > 0 && s.UtsMode != "host")
        {
            throw new UsageException("--uts: invalid UTS mode");
        }
        if (s.UsernsMode.Length > 0 && s.UsernsMode != "host")
        {
            throw new UsageException("--userns: invalid USER mode");
        }
        if (s.CgroupnsMode.Length > 0 && s.CgroupnsMode is not ("host" or "private"))
        {
            throw new UsageException("--cgroupns: invalid CGROUP mode");
        }

        ParseRestart(s, f.GetString("restart") ?? "no");

        s.LogDriver = f.GetString("log-driver") ?? "";
        foreach (var o in f.GetList("log-opt"))
        {
            var eq = o.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new UsageException($"invalid key value pair format in logging options: {o}");
            }
            s.LogOptions[o[..eq]] = o[(eq + 1)..];
        }
        if (s.LogDriver == "none" && s.LogOptions.Count > 0)
        {
            throw new UsageException($"invalid logging opts for driver {s.LogDriver}");
        }

        var security = new List<string>();
        foreach (var o in f.GetList("security-opt"))
        {
            if (o == "systempaths=unconfined")
            {
                s.MaskedPaths = [];
                s.ReadonlyPaths = [];
                continue;
            }
            security.Add(SeccompOption(o));
        }
        if (security.Count > 0)
        {
            s.SecurityOpt = security;
        }

        var healthCmd = f.GetString("health-cmd") ?? "";
        s.HealthInterval = Nanos(f.GetString("health-interval"));
        s.HealthTimeout = Nanos(f.GetString("health-timeout"));
        s.HealthStartPeriod = Nanos(f.GetString("health-start-period"));
        s.HealthStartInterval = Nanos(f.GetString("health-start-interval"));
        s.HealthRetries = f.GetLong("health-retries");
        var haveHealth = healthCmd.Length > 0 || s.HealthInterval != 0 || s.HealthTimeout != 0 || s.HealthStartPeriod != 0 || s.HealthRetries != 0 || s.HealthStartInterval != 0;
        if (f.GetBool("no-healthcheck"))
        {
            if (haveHealth)
            {
                throw new UsageException("--no-healthcheck conflicts with --health-* options");
            }
            s.HasHealthcheck = true;
            s.HealthTest = ["NONE"];
        }
        else if (haveHealth)
        {
            if (s.HealthInterval < 0)
            {
                throw new UsageException("--health-interval cannot be negative");
            }
            if (s.HealthTimeout < 0)
            {
                throw new UsageException("--health-timeout cannot be negative");
            }
            if (s.HealthRetries < 0)
            {
                throw new UsageException("--health-retries cannot be negative");
            }
            s.HasHealthcheck = true;
            s.HealthTest = healthCmd.Length > 0 ? ["CMD-SHELL", healthCmd] : null;
        }

        s.Hostname = f.GetString("hostname") ?? "";
        s.Domainname = f.GetString("domainname") ?? "";
        s.User = f.GetString("user") ?? "";
        s.Tty = f.GetBool("tty");
        s.OpenStdin = f.GetBool("interactive");
        s.WorkingDir = f.GetString("workdir") ?? "";
        s.StopSignal = f.GetString("stop-signal") ?? "";
        if (f.Changed("stop-timeout"))
        {
            s.StopTimeout = f.GetLong("stop-timeout");
        }
        s.ContainerIdFile = f.GetString("cidfile") ?? "";
        s.OomScoreAdj = f.GetLong("oom-score-adj");
        s.AutoRemove = f.GetBool("rm");
        s.Privileged = f.GetBool("privileged");
        s.PublishAllPorts = f.GetBool("publish-all");
        s.Dns = [.. f.GetList("dns")];
        foreach (var d in s.Dns)
        {
            if (!IPAddress.TryParse(d, out _))
            {
                throw new UsageException($"{d} is not an ip address");
            }
        }
        s.DnsSearch = [.. f.GetList("dns-search")];
        s.DnsOptions = [.. f.GetList("dns-option")];
        foreach (var h in f.GetList("add-host"))
        {
            var sep = h.IndexOf('=', StringComparison.Ordinal);
            if (sep < 0)
            {
                sep = h.IndexOf(':', StringComparison.Ordinal);
            }
            if (sep <= 0)
            {
                throw new UsageException($"bad format for add-host: \"{h}\"");
            }
            var ip = h[(sep + 1)..].Trim('[', ']');
            if (ip != "host-gateway" && !IPAddress.TryParse(ip, out _))
            {
                throw new UsageException($"invalid IP address in add-host: \"{ip}\"");
            }
            (s.ExtraHosts ??= []).Add(h[..sep] + ":" + h[(sep + 1)..]);
        }
        if (f.GetList("volumes-from").Count > 0)
        {
            s.VolumesFrom = [.. f.GetList("volumes-from")];
        }
        s.IpcMode = f.GetString("ipc") ?? "";
        if (f.GetList("cap-add").Count > 0)
        {
            s.CapAdd = [.. f.GetList("cap-add").Select(NormalizeCapability)];
        }
        if (f.GetList("cap-drop").Count > 0)
        {
            s.CapDrop = [.. f.GetList("cap-drop").Select(NormalizeCapability)];
        }
        if (f.GetList("group-add").Count > 0)
        {
            s.GroupAdd = [.. f.GetList("group-add")];
        }
        s.ReadonlyRootfs = f.GetBool("read-only");
        s.VolumeDriver = f.GetString("volume-driver") ?? "";
        s.Isolation = f.GetString("isolation") ?? "";
        s.ShmSize = Ram(f, "shm-size");
        foreach (var sc in f.GetList("sysctl"))
        {
            var eq = sc.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"sysctl '{sc}' is not allowed");
            }
            (s.Sysctls ??= new(StringComparer.Ordinal))[sc[..eq]] = sc[(eq + 1)..];
        }
        s.Runtime = f.GetString("runtime") ?? "";
        s.CgroupParent = f.GetString("cgroup-parent") ?? "";
        s.Memory = Ram(f, "memory");
        s.MemoryReservation = Ram(f, "memory-reservation");
        s.MemorySwap = f.GetString("memory-swap") == "-1" ? -1 : Ram(f, "memory-swap");
        s.OomKillDisable = f.GetBool("oom-kill-disable");
        if (f.GetString("cpus") is { } cpus && TryParseNanoCpus(cpus, out var nano, out _))
        {
            s.NanoCpus = nano;
        }
        s.CpuShares = f.GetLong("cpu-shares");
        s.CpuPeriod = f.GetLong("cpu-period");
        s.CpuQuota = f.GetLong("cpu-quota");
        s.CpuRealtimePeriod = f.GetLong("cpu-rt-period");
        s.CpuRealtimeRuntime = f.GetLong("cpu-rt-runtime");
        s.CpusetCpus = f.GetString("cpuset-cpus") ?? "";
        s.CpusetMems = f.GetString("cpuset-mems") ?? "";
        s.PidsLimit = f.GetLong("pids-limit");
        s.BlkioWeight = f.GetLong("blkio-weight");
        ParseDevices(f, s);
        foreach (var u in f.GetList("ulimit"))
        {
            var eq = u.IndexOf('=', StringComparison.Ordinal);
            var limits = u[(eq + 1)..].Split(':');
            if (limits.Length > 2 || !long.TryParse(limits[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var soft))
            {
                throw new UsageException($"invalid ulimit argument: {u}");
            }
            var hard = soft;
            if (limits.Length == 2 && !long.TryParse(limits[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out hard))
            {
                throw new UsageException($"invalid ulimit argument: {u}");
            }
            if (soft > hard)
            {
                throw new UsageException($"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}");
            }
            s.Ulimits.Add((u[..eq], hard, soft));
        }
        if (s.AutoRemove && s.RestartName is not ("no" or ""))
        {
            throw new UsageException("conflicting options: cannot specify both --restart and --rm");
        }
        if (f.Changed("init"))
        {
            s.Init = f.GetBool("init");
        }
        if (s.OpenStdin && s.AttachStdin)
        {
            s.StdinOnce = true;
        }
        ParseNetworks(s, f);
        return s;
    }

    private static long Nanos(string? duration) =>
        duration is not null && GoTime.TryParseDuration(duration, out var d) ? d.Ticks * 100 : 0;

    internal static string NormalizeCapability(string cap)
    {
        var c = cap.Trim().ToUpperInvariant();
        return c == "ALL" || c.StartsWith("CAP_", StringComparison.Ordinal) ? c : "CAP_" + c;
    }

    private static void ParseRestart(ContainerSpec s, string policy)
    {
        if (policy.Length == 0)
        {
            s.RestartName = "";
            return;
        }
        var colon = policy.IndexOf(':', StringComparison.Ordinal);
        if (colon == 0)
        {
            throw new UsageException("invalid restart policy format: no policy provided before colon");
        }
        s.RestartName = colon < 0 ? policy : policy[..colon];
        if (colon >= 0 && colon + 1 < policy.Length)
        {
            if (!int.TryParse(policy[(colon + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count))
            {
                throw new UsageException("invalid restart policy format: maximum retry count must be an integer");
            }
            s.RestartMaxRetries = count;
        }
    }

    /// <summary>kvfile.Parse: KEY=VALUE lines, '#' comments; a bare KEY takes its value from the environment (env files only).</summary>
    internal static List<string> ReadKeyValueFile(string path, Func<string, string?>? lookup)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"open {path}: no such file or directory");
        }
        catch (DirectoryNotFoundException)
        {
            throw new UsageException($"open {path}: no such file or directory");
        }
        catch (UnauthorizedAccessException)
        {
            throw new UsageException($"open {path}: permission denied");
        }
        var result = new List<string>();
        foreach (var raw in lines)
        {
            var line = raw.TrimStart('\uFEFF').TrimStart();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? line : line[..eq];
            if (key.Length == 0)
            {
                throw new UsageException($"invalid env file ({path}): no variable name on line '{line}'");
            }
            if (key.IndexOfAny([' ', '\t']) >= 0)
            {
                throw new UsageException($"invalid env file ({path}): variable '{key}' contains whitespaces");
            }
            if (eq >= 0)
            {
                result.Add(line);
            }
            else if (lookup?.Invoke(line) is { } value)
            {
                result.Add(key + "=" + value);
            }
        }
        return result;
    }

    private static (string Proto, string Port) SplitProtoPort(string raw)
    {
        var slash = raw.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return ("tcp", raw);
        }
        var proto = raw[(slash + 1)..];
        return (proto.Length == 0 ? "tcp" : proto.ToLowerInvariant(), raw[..slash]);
    }

    private static bool TryPortRange(string s, out int lo, out int hi, out string error)
    {
        lo = hi = 0;
        error = "";
        if (s.Length == 0)
        {
            error = "empty string specified for ports";
            return false;
        }
        var dash = s.IndexOf('-', StringComparison.Ordinal);
        var a = dash < 0 ? s : s[..dash];
        var b = dash < 0 ? s : s[(dash + 1)..];
        if (!int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out lo) || lo > 65535 ||
            !int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out hi) || hi > 65535)
        {
            error = $"invalid port: {s}";
            return false;
        }
        if (hi < lo)
        {
            error = $"invalid range specified for port: {s}";
            return false;
        }
        return true;
    }

    /// <summary>nat.ParsePortSpec: [ip:][hostPort:]containerPort[/proto], ranges allowed.</summary>
    private static void ParsePublish(ContainerSpec s, string raw)
    {
        var parts = raw.Split(':');
        var n = parts.Length;
        var containerPart = parts[n - 1];
        string ip = "", hostPort = "";
        if (n == 2)
        {
            hostPort = parts[0];
        }
        else if (n >= 3)
        {
            ip = string.Join(':', parts[..(n - 2)]);
            hostPort = parts[n - 2];
        }
        var (proto, containerPort) = SplitProtoPort(containerPart);
        if (ip.StartsWith('[') && ip.EndsWith(']'))
        {
            ip = ip[1..^1];
        }
        if (ip.Length > 0 && !IPAddress.TryParse(ip, out _))
        {
            throw new UsageException("invalid IP address: " + ip);
        }
        if (containerPort.Length == 0)
        {
            throw new UsageException($"no port specified: {raw}<empty>");
        }
        if (!TryPortRange(containerPort, out var start, out var end, out _))
        {
            throw new UsageException("invalid containerPort: " + containerPort);
        }
        int hostStart = 0, hostEnd = 0;
        if (hostPort.Length > 0 && !TryPortRange(hostPort, out hostStart, out hostEnd, out _))
        {
            throw new UsageException("invalid hostPort: " + hostPort);
        }
        if (hostPort.Length > 0 && end - start != hostEnd - hostStart && end != start)
        {
            throw new UsageException($"invalid ranges specified for container and host Ports: {containerPort} and {hostPort}");
        }
        if (proto is not ("tcp" or "udp" or "sctp"))
        {
            throw new UsageException("invalid proto: " + proto);
        }
        for (var i = 0; i <= end - start; i++)
        {
            var cp = (start + i).ToString(CultureInfo.InvariantCulture);
            var hp = hostPort.Length > 0 ? (hostStart + i).ToString(CultureInfo.InvariantCulture) : "";
            if (start == end && hostStart != hostEnd)
            {
                hp = hp + "-" + hostEnd.ToString(CultureInfo.InvariantCulture);
            }
            var key = cp + "/" + proto;
            s.ExposedPorts.Add(key);
            if (!s.PortBindings.TryGetValue(key, out var list))
            {
                s.PortBindings[key] = list = [];
            }
            list.Add((ip, hp));
        }
    }

    /// <summary>Go's net.ParseMAC, which the docker CLI checks <c>--mac-address</c> with.</summary>
    internal static bool IsMacAddress(string s) => Common.GoHardwareAddr.TryParse(s, out _);

    private static bool IsUserDefined(string mode) =>
        mode is not ("default" or "bridge" or "host" or "none") && !mode.StartsWith("container:", StringComparison.Ordinal);

    private static void ParseNetworks(ContainerSpec s, FlagSet f)
    {
        var networks = f.GetList("network");
        var aliases = f.GetList("network-alias");
        var ipv4 = f.GetString("ip") ?? "";
        var ipv6 = f.GetString("ip6") ?? "";
        var mac = f.GetString("mac-address") ?? "";
        s.NetworkMode = networks.Count > 0 ? networks[0] : "default";
        if (networks.Count == 0)
        {
            if (aliases.Count > 0)
            {
                throw new UsageException("network-scoped aliases are only supported for user-defined networks");
            }
            s.Endpoints.Add(("default", ipv4, ipv6, null, mac));
            return;
        }
        bool userDefined = false, builtIn = false;
        for (var i = 0; i < networks.Count; i++)
        {
            var name = networks[i];
            if (name.Trim().Length == 0)
            {
                throw new UsageException("no name set for network");
            }
            if (IsUserDefined(name))
            {
                userDefined = true;
            }
            else
            {
                builtIn = true;
            }
            if (s.Endpoints.Any(e => e.Network == name))
            {
                throw new UsageException($"network \"{name}\" is specified multiple times");
            }
            var first = i == 0;
            List<string>? epAliases = first && aliases.Count > 0 ? [.. aliases] : null;
            if (epAliases is not null && !IsUserDefined(name))
            {
                throw new UsageException("network-scoped aliases are only supported for user-defined networks");
            }
            var ep4 = first ? ipv4 : "";
            var ep6 = first ? ipv6 : "";
            // compat(docker): --mac-address, like --ip, belongs to the first network's endpoint.
            var epMac = first ? mac : "";
            // compat(docker): a single network without endpoint options gets no EndpointsConfig entry.
            if (first && networks.Count == 1 && epAliases is null && ep4.Length == 0 && ep6.Length == 0 && epMac.Length == 0)
            {
                continue;
            }
            s.Endpoints.Add((name, ep4, ep6, epAliases, epMac));
        }
        if (userDefined && builtIn)
        {
            throw new UsageException("conflicting options: cannot attach both user-defined and non-user-defined network-modes");
        }
    }
    /// <summary>compat(docker): parseSecurityOpts: every option but no-new-privileges has a value; a seccomp value
    /// other than builtin or unconfined is a file whose JSON, compacted, is sent in its place.</summary>
    internal static string SeccompOption(string opt)
    {
        var at = opt.IndexOf('=', StringComparison.Ordinal);
        if (at < 0 && opt != "no-new-privileges")
        {
            at = opt.IndexOf(':', StringComparison.Ordinal);
        }
        if ((at < 0 || at == opt.Length - 1) && opt != "no-new-privileges")
        {
            throw new UsageException($"Invalid --security-opt: \"{opt}\"");
        }
        if (at < 0 || opt[..at] != "seccomp" || opt[(at + 1)..] is "builtin" or "unconfined")
        {
            return opt;
        }
        var file = opt[(at + 1)..];
        byte[] content;
        try
        {
            content = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"opening seccomp profile ({file}) failed: {e.Message}");
        }
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(content);
            using var buffer = new MemoryStream();
            using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                doc.WriteTo(w);
            }
            return "seccomp=" + System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UsageException($"compacting json for seccomp profile ({file}) failed: {e.Message}");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$")]
    private static partial System.Text.RegularExpressions.Regex DeviceCgroupRuleShape();

    private static bool IsDeviceMode(string mode) =>
        mode.Length is > 0 and <= 3 && mode.All(ch => ch is 'r' or 'w' or 'm') && mode.Distinct().Count() == mode.Length;

    /// <summary>docker's parseLinuxDevice, validateDevice and the throttle/weight device validators.</summary>
    private static void ParseDevices(FlagSet f, ContainerSpec s)
    {
        foreach (var device in f.GetList("device"))
        {
            var parts = device.Split(':');
            var (src, dst, mode) = parts.Length switch
            {
                1 => (parts[0], "", "rwm"),
                2 => IsDeviceMode(parts[1]) ? (parts[0], "", parts[1]) : (parts[0], parts[1], "rwm"),
                3 => (parts[0], parts[1], parts[2]),
                _ => throw new UsageException($"invalid argument \"{device}\" for \"--device\" flag: invalid device specification: {device}"),
            };
            if (dst.Length == 0)
            {
                dst = src;
            }
            if (!src.StartsWith('/') || !dst.StartsWith('/'))
            {
                throw new UsageException($"invalid argument \"{device}\" for \"--device\" flag: {(src.StartsWith('/') ? dst : src)} is not an absolute path");
            }
            if (!IsDeviceMode(mode))
            {
                throw new UsageException($"invalid argument \"{device}\" for \"--device\" flag: bad mode specified: {mode}");
            }
            s.Devices.Add((src, dst, mode));
        }
        foreach (var rule in f.GetList("device-cgroup-rule"))
        {
            if (!DeviceCgroupRuleShape().IsMatch(rule))
            {
                throw new UsageException($"invalid argument \"{rule}\" for \"--device-cgroup-rule\" flag: invalid device cgroup format '{rule}'");
            }
            (s.DeviceCgroupRules ??= []).Add(rule);
        }
        foreach (var w in f.GetList("blkio-weight-device"))
        {
            var at = w.LastIndexOf(':');
            if (at <= 0 || !w.StartsWith("/dev/", StringComparison.Ordinal))
            {
                throw new UsageException($"invalid argument \"{w}\" for \"--blkio-weight-device\" flag: bad format: {w}");
            }
            if (!long.TryParse(w[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight is not (0 or (>= 10 and <= 1000)))
            {
                throw new UsageException($"invalid argument \"{w}\" for \"--blkio-weight-device\" flag: invalid weight for device: {w}");
            }
            s.BlkioWeightDevice.Add((w[..at], weight));
        }
        foreach (var (flag, list, bytes) in new[]
        {
            ("device-read-bps", s.BlkioDeviceReadBps, true), ("device-write-bps", s.BlkioDeviceWriteBps, true),
            ("device-read-iops", s.BlkioDeviceReadIOps, false), ("device-write-iops", s.BlkioDeviceWriteIOps, false),
        })
        {
            foreach (var t in f.GetList(flag))
            {
                var at = t.LastIndexOf(':');
                if (at <= 0 || !t.StartsWith("/dev/", StringComparison.Ordinal))
                {
                    throw new UsageException($"invalid argument \"{t}\" for \"--{flag}\" flag: bad format: {t}");
                }
                var value = t[(at + 1)..];
                long rate;
                var ok = bytes ? HumanUnits.TryParseRam(value, out rate, out _) : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out rate);
                if (!ok || rate < 0)
                {
                    throw new UsageException(bytes
                        ? $"invalid argument \"{t}\" for \"--{flag}\" flag: invalid rate for device: {t}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb"
                        : $"invalid argument \"{t}\" for \"--{flag}\" flag: invalid rate for device: {t}. The correct format is <device-path>:<number>. Number must be a positive integer");
                }
                list.Add((t[..at], rate));
            }
        }
    }
}
