using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Engine;
using Berth.Images;

namespace Berth.Api.Docker.Routes;

/// <summary>/_ping, /version, /info, /events.</summary>
internal static class SystemRoutes
{
    public static void Map(Router router, EngineServices s)
    {
        router.Map("GET", "/_ping", Ping);
        router.Map("HEAD", "/_ping", Ping);
        router.Map("GET", "/version", c => c.WriteJsonAsync(200, Version(s), ApiJson.Default.VersionResponse));
        router.Map("GET", "/info", c => c.WriteJsonAsync(200, Info(s), ApiJson.Default.InfoResponse));
        router.Map("GET", "/events", c => EventsAsync(c, s));
    }

    private static async Task Ping(ApiContext c)
    {
        var headers = new Http.HttpHeaders();
        headers.Add("Cache-Control", "no-cache, no-store, must-revalidate");
        headers.Add("Pragma", "no-cache");
        // Berth's: POST /build takes contextdigests=1 (a context sent by digest; see berth build).
        headers.Add(ContextByDigest.PingHeader, "1");
        var body = c.Head.Method == "HEAD" ? [] : "OK"u8.ToArray();
        await c.WriteHeadAsync(200, headers, body.Length, "text/plain; charset=utf-8").ConfigureAwait(false);
        if (body.Length > 0)
        {
            await c.WriteRawAsync(body).ConfigureAwait(false);
        }
    }

    private static VersionResponse Version(EngineServices s)
    {
        var details = new Dictionary<string, string>
        {
            ["ApiVersion"] = ApiVersion.Max.ToString(),
            ["Arch"] = ImageService.Architecture,
            ["BuildTime"] = BuildTime,
            ["Experimental"] = "false",
            ["GitCommit"] = BerthVersion.GitCommit,
            ["GoVersion"] = ".NET " + Environment.Version,
            ["KernelVersion"] = HostFacts.KernelVersion,
            ["MinAPIVersion"] = ApiVersion.Min.ToString(),
            ["Os"] = "linux",
        };
        var components = new List<ComponentVersion>
        {
            new() { Name = "Engine", Version = BerthVersion.Version, Details = details },
            new() { Name = "berth-runtime", Version = BerthVersion.Version, Details = new() { ["GitCommit"] = BerthVersion.GitCommit } },
        };
        foreach (var (name, path) in s.Options.Runtimes)
        {
            components.Add(new ComponentVersion { Name = name, Version = "", Details = new() { ["Path"] = path } });
        }
        return new VersionResponse
        {
            Platform = new PlatformInfo { Name = "Berth Engine" },
            Components = components,
            Version = BerthVersion.Version,
            ApiVersion = ApiVersion.Max.ToString(),
            MinAPIVersion = ApiVersion.Min.ToString(),
            GitCommit = BerthVersion.GitCommit,
            GoVersion = details["GoVersion"],
            Arch = ImageService.Architecture,
            KernelVersion = details["KernelVersion"],
            BuildTime = BuildTime,
        };
    }

    private static string BuildTime => File.GetLastWriteTimeUtc(Environment.ProcessPath ?? "/").ToString("yyyy-MM-dd'T'HH:mm:ss'.000000000+00:00'", System.Globalization.CultureInfo.InvariantCulture);

    private static InfoResponse Info(EngineServices s)
    {
        var containers = s.Containers.List();
        var driver = s.Images.Snapshotter.Name;
        var runtimes = new Dictionary<string, RuntimeInfo> { ["berth"] = new RuntimeInfo { Path = s.Options.RuntimeBinary } };
        foreach (var (name, path) in s.Options.Runtimes)
        {
            runtimes[name] = new RuntimeInfo { Path = path };
        }
        var cgroupVersion = s.Containers.Cgroups.Version;
        return new InfoResponse
        {
            ID = s.DaemonId,
            Plugins = new InfoPlugins { Volume = [.. s.Volumes.Drivers()] },
            Containers = containers.Count,
            ContainersRunning = containers.Count(c => c.State.Running && !c.State.Paused),
            ContainersPaused = containers.Count(c => c.State.Paused),
            ContainersStopped = containers.Count(c => !c.State.Running),
            Images = s.Images.Count,
            Driver = driver,
            DriverStatus = [.. s.Images.Snapshotter.Status().Select(p => new List<string> { p.Name, p.Value })],
            IPv4Forwarding = HostFacts.IPv4Forwarding,
            Debug = s.Debug,
            NFd = HostFacts.OpenFiles,
            NGoroutines = Directory.GetDirectories("/proc/self/task").Length,
            SystemTime = DateTimeOffset.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", System.Globalization.CultureInfo.InvariantCulture),
            CgroupVersion = cgroupVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            SwapLimit = cgroupVersion == 2 || File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"),
            NEventsListener = s.Containers.Events.Listeners,
            KernelVersion = HostFacts.KernelVersion,
            OperatingSystem = HostFacts.OperatingSystem,
            OSVersion = HostFacts.OsVersion,
            Architecture = RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64 ? "x86_64" : RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
            NCPU = Environment.ProcessorCount,
            MemTotal = HostFacts.MemTotal,
            DockerRootDir = s.Options.DataRoot,
            Name = HostFacts.Hostname,
            ServerVersion = BerthVersion.Version,
            Runtimes = runtimes,
            DefaultRuntime = s.Options.DefaultRuntime,
            InitBinary = s.Options.InitBinary is null ? "" : "berth-init",
            RuncCommit = new CommitInfo { ID = BerthVersion.GitCommit, Expected = BerthVersion.GitCommit },
            // compat(docker): seccomp first, then cgroupns; a profile other than the default is warned about.
            SecurityOptions = ["name=seccomp,profile=" + s.Options.SeccompProfileName, .. s.Options.UsernsRemap is not null ? ["name=userns"] : Array.Empty<string>(), .. cgroupVersion == 2 ? ["name=cgroupns"] : Array.Empty<string>()],
            RegistryConfig = RegistryConfigOf(s.Images.Registries),
            Warnings = s.Options.SeccompProfileName == "builtin" ? null : ["WARNING: daemon is not using the default seccomp profile"],
        };
    }

    private static async Task EventsAsync(ApiContext c, EngineServices s)
    {
        var filters = Filters.Parse(c.Query["filters"], "type", "container", "image", "event", "label", "scope", "network", "volume", "daemon", "plugin", "node", "service", "secret", "config");
        var since = ParseUnix(c.Query["since"]);
        var until = ParseUnix(c.Query["until"]);
        if (since is { } from && until is { } to && to < from)
        {
            throw BerthException.Invalid($"`since` time ({c.Query["since"]}) cannot be after `until` time ({c.Query["until"]})");
        }
        // compat(docker): past events are replayed when since or until is given (until alone: all kept events).
        var (past, live, subscription) = s.Containers.Events.Subscribe(since ?? (until is null ? null : DateTimeOffset.UnixEpoch));
        using (subscription)
        {
            await c.StartStreamAsync(200, "application/json").ConfigureAwait(false);
            c.WatchForDisconnect();
            foreach (var e in past)
            {
                if (until is { } u && e.Time > u)
                {
                    break;
                }
                if (Matches(e, filters))
                {
                    await WriteEventAsync(c, e).ConfigureAwait(false);
                }
            }
            if (until is { } end && end <= DateTimeOffset.UtcNow)
            {
                await c.EndStreamAsync().ConfigureAwait(false);
                return;
            }
            using var timeout = until is { } stop ? new CancellationTokenSource(stop - DateTimeOffset.UtcNow) : new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(c.Aborted, timeout.Token);
            try
            {
                await foreach (var e in live.ReadAllAsync(linked.Token).ConfigureAwait(false))
                {
                    if (Matches(e, filters))
                    {
                        await WriteEventAsync(c, e).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !c.Aborted.IsCancellationRequested)
            {
            }
            if (!c.Aborted.IsCancellationRequested)
            {
                await c.EndStreamAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>moby's events.Filter.Include for the event types this engine emits.</summary>
    internal static bool Matches(EngineEvent e, Filters f) =>
        // compat(docker): "exec_start: sh -c …" matches event=exec_start.
        f.MatchAny("event", a => a == e.Action || a == StripAction(e.Action)) &&
        f.MatchExact("type", e.Type) &&
        // compat(docker): FuzzyMatch, an exact value or a prefix, of the actor's id or name.
        f.MatchAny("container", x => e.Type == "container" && (e.ActorId.StartsWith(x, StringComparison.Ordinal) || e.Attributes.GetValueOrDefault("name", "").StartsWith(x, StringComparison.Ordinal))) &&
        f.MatchAny("image", x => ImageMatches(e, x)) &&
        f.MatchLabels("label", e.Attributes);

    private static string StripAction(string action) => action.IndexOf(':', StringComparison.Ordinal) is var i and >= 0 ? action[..i] : action;

    /// <summary>moby's matchImage: the image attribute (name for image events) or actor id, with or without its tag.</summary>
    private static bool ImageMatches(EngineEvent e, string wanted)
    {
        var name = e.Attributes.GetValueOrDefault(e.Type == "image" ? "name" : "image", "");
        return wanted == e.ActorId || wanted == name || wanted == StripTag(e.ActorId) || wanted == StripTag(name);
    }

    private static string StripTag(string image)
    {
        // "busybox:latest" → "busybox"; a registry port ("localhost:5000/x") is not a tag.
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            image = image[..at];
        }
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? image[..colon] : image;
    }

    private static Task WriteEventAsync(ApiContext c, EngineEvent e)
    {
        var unixNano = (e.Time - DateTimeOffset.UnixEpoch).Ticks * 100;
        var message = new EventMessage
        {
            Type = e.Type,
            Action = e.Action,
            // compat(docker): Go writes a map's keys sorted.
            Actor = new EventActor { ID = e.ActorId, Attributes = e.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary() },
            Time = unixNano / 1_000_000_000,
            TimeNano = unixNano,
        };
        if (e.Type == "container")
        {
            // compat(docker): container events keep the pre-1.22 fields.
            message.Status = e.Action;
            message.Id = e.ActorId;
            message.From = e.From;
        }
        return c.WriteChunkAsync((byte[])[.. JsonSerializer.SerializeToUtf8Bytes(message, ApiJson.Default.EventMessage), (byte)'\n']);
    }

    internal static DateTimeOffset? ParseUnix(string? s)
    {
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }
        if (double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        }
        if (DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t))
        {
            return t;
        }
        throw BerthException.Invalid($"invalid time value: {s}");
    }

    /// <summary>compat(docker): loopback is always insecure; a named insecure registry is an index that is not secure.</summary>
    private static RegistryConfig RegistryConfigOf(Berth.Distribution.Client.RegistryHosts hosts)
    {
        var config = new RegistryConfig { Mirrors = hosts.Mirrors.Select(m => m + "").ToList() };
        foreach (var entry in hosts.InsecureRegistries)
        {
            if (entry.Contains('/', StringComparison.Ordinal))
            {
                config.InsecureRegistryCIDRs.Add(entry);
            }
            else
            {
                config.IndexConfigs[entry] = new IndexInfo { Name = entry, Secure = false };
            }
        }
        config.IndexConfigs["docker.io"].Mirrors = config.Mirrors;
        return config;
    }
}
