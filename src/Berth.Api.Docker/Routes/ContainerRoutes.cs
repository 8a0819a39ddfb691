using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Engine;
using Berth.Engine.Model;
using Berth.Runtime.Logging;

namespace Berth.Api.Docker.Routes;

/// <summary>/containers/…: create, list, inspect, start, stop, restart, kill, wait, logs, attach, remove.</summary>
internal static class ContainerRoutes
{
    public static void Map(Router router, EngineServices s)
    {
        router.Map("POST", "/containers/create", c => CreateAsync(c, s));
        router.Map("GET", "/containers/json", c => c.WriteJsonAsync(200, List(c, s), ApiJson.Default.ListContainerSummary));
        router.Map("POST", "/containers/prune", c => PruneAsync(c, s));
        router.Map("GET", "/containers/{id}/json", c => c.WriteJsonAsync(200, Inspect(s, s.Containers.Get(c.Route("id")), c.Query.Bool("size"), c.Version), ApiJson.Default.ContainerInspect));
        router.Map("POST", "/containers/{id}/start", async c =>
        {
            await s.Containers.StartAsync(c.Route("id"), c.Aborted).ConfigureAwait(false);
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("POST", "/containers/{id}/stop", async c =>
        {
            var stopped = await s.Containers.StopAsync(c.Route("id"), Int(c.Query["t"]), c.Query["signal"]).ConfigureAwait(false);
            await c.WriteEmptyAsync(stopped ? 204 : 304).ConfigureAwait(false);
        });
        router.Map("POST", "/containers/{id}/restart", async c =>
        {
            await s.Containers.StopAsync(c.Route("id"), Int(c.Query["t"]), c.Query["signal"]).ConfigureAwait(false);
            await s.Containers.StartAsync(c.Route("id")).ConfigureAwait(false);
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("POST", "/containers/{id}/kill", async c =>
        {
            await s.Containers.KillAsync(c.Route("id"), c.Query["signal"], c.Aborted).ConfigureAwait(false);
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("POST", "/containers/{id}/wait", c => WaitAsync(c, s));
        router.Map("DELETE", "/containers/{id}", async c =>
        {
            await s.Containers.RemoveAsync(c.Route("id"), c.Query.Bool("force"), c.Query.Bool("v")).ConfigureAwait(false);
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("GET", "/containers/{id}/logs", c => LogsAsync(c, s));
        router.Map("POST", "/containers/{id}/attach", c => AttachAsync(c, s));
        router.Map("POST", "/containers/{id}/resize", async c =>
        {
            var (h, w) = ExecRoutes.Size(c);
            await s.Containers.ResizeAsync(c.Route("id"), h, w, c.Aborted).ConfigureAwait(false);
            await c.WriteEmptyAsync(200).ConfigureAwait(false);
        });
    }

    private static int? Int(string? v) =>
        string.IsNullOrEmpty(v) ? null : int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw BerthException.Invalid($"invalid value for t: {v}");

    private static async Task CreateAsync(ApiContext c, EngineServices s)
    {
        using var doc = await c.ReadJsonAsync(ApiJson.Default.JsonDocument).ConfigureAwait(false);
        var (config, host, networking) = ParseCreateBody(doc);
        var warnings = new List<string>();
        if (c.Version >= PerEndpointMac)
        {
            networking = MoveContainerWideMac(config, host, networking, warnings);
        }
        var created = await Task.Run(() => s.Containers.Create(c.Query["name"], config, host, networking, warnings)).ConfigureAwait(false);
        await c.WriteJsonAsync(201, new CreateResponse { Id = created.Id, Warnings = warnings }, ApiJson.Default.CreateResponse).ConfigureAwait(false);
    }

    /// <summary>compat(docker): from API 1.44 a MAC address is asked for per endpoint; the container-wide
    /// <c>Config.MacAddress</c> is deprecated (before 1.44 it is the only way, and the engine takes it as is).</summary>
    private static readonly ApiVersion PerEndpointMac = new(1, 44);

    /// <summary>dockerd's handleMACAddressBC for API ≥ 1.44: a container-wide MAC moves, with a warning, onto the
    /// primary network's endpoint, which must not ask for another; on host, none and container: networks it is
    /// dropped.</summary>
    internal static NetworkingConfig? MoveContainerWideMac(ContainerConfig config, HostConfig host, NetworkingConfig? networking, List<string> warnings)
    {
        if (string.IsNullOrEmpty(config.MacAddress))
        {
            return networking;
        }
        var mac = config.MacAddress;
        config.MacAddress = null;
        warnings.Add("The container-wide MacAddress field is now deprecated. It should be specified in EndpointsConfig instead.");
        var mode = string.IsNullOrEmpty(host.NetworkMode) ? "default" : host.NetworkMode;
        if (mode is "host" or "none" || mode.StartsWith("container:", StringComparison.Ordinal))
        {
            return networking;
        }
        networking ??= new NetworkingConfig();
        var endpoints = networking.EndpointsConfig ??= [];
        // dockerd renames the default network to bridge before it looks.
        string[] keys = mode is "default" or "bridge" ? ["default", "bridge"] : [mode];
        var key = keys.FirstOrDefault(endpoints.ContainsKey);
        if (key is null && endpoints.Count > 0)
        {
            throw BerthException.Invalid("unable to migrate container-wide MAC address to a specific network: HostConfig.NetworkMode must match the identity of a network in NetworkSettings.Networks");
        }
        var endpoint = (key is null ? null : endpoints[key]) ?? new EndpointSettings();
        endpoints[key ?? mode] = endpoint;
        if (string.IsNullOrEmpty(endpoint.MacAddress))
        {
            endpoint.MacAddress = mac;
        }
        else if (endpoint.MacAddress != mac)
        {
            throw BerthException.Invalid("the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty");
        }
        return networking;
    }

    /// <summary>The body of <c>POST /containers/create</c> (untrusted JSON): the container's config, its host config
    /// and its networking config.</summary>
    internal static (ContainerConfig Config, HostConfig Host, NetworkingConfig? Networking) ParseCreateBody(JsonDocument? doc)
    {
        if (doc is null || doc.RootElement.ValueKind == JsonValueKind.Null)
        {
            throw BerthException.Invalid("config cannot be empty in order to create a container");
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw BerthException.Invalid($"invalid JSON: the body is a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object");
        }
        try
        {
            var config = doc.RootElement.Deserialize(ApiJson.Default.ContainerConfig) ?? new ContainerConfig();
            var host = doc.RootElement.TryGetProperty("HostConfig", out var h) && h.ValueKind == JsonValueKind.Object
                ? h.Deserialize(ApiJson.Default.HostConfig) ?? new HostConfig()
                : new HostConfig();
            if (string.IsNullOrEmpty(config.Image))
            {
                throw BerthException.Invalid("No image specified");
            }
            var networking = doc.RootElement.TryGetProperty("NetworkingConfig", out var nc) && nc.ValueKind == JsonValueKind.Object
                ? nc.Deserialize(ApiJson.Default.NetworkingConfig)
                : null;
            return (config, host, networking);
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid JSON: " + e.Message);
        }
    }

    private static List<ContainerSummary> List(ApiContext c, EngineServices s)
    {
        var filters = Filters.Parse(c.Query["filters"], "id", "name", "label", "status", "exited", "ancestor", "before", "since", "volume", "network", "health", "isolation", "is-task", "publish", "expose");
        var all = c.Query.Bool("all");
        var limit = Int(c.Query["limit"]) ?? -1;
        var containers = s.Containers.List();
        DateTimeOffset? before = filters.Get("before") is [var b, ..] ? s.Containers.Get(b).Created : null;
        DateTimeOffset? since = filters.Get("since") is [var sn, ..] ? s.Containers.Get(sn).Created : null;
        var ancestors = filters.Get("ancestor").Select(a => s.Images.TryResolve(a)?.Id ?? a).ToList();
        if (filters.Get("health").FirstOrDefault(h => !HealthStatus.IsValidFilter(h)) is { } badHealth)
        {
            throw BerthException.Invalid($"Unrecognised filter value for health: {badHealth}");
        }
        var result = new List<ContainerSummary>();
        foreach (var ct in containers)
        {
            var status = ct.State.Status;
            if (!all && limit <= 0 && !ct.State.Running && !filters.Contains("status") && !filters.Contains("exited") && before is null && since is null)
            {
                continue;
            }
            if (!filters.MatchAny("id", x => ct.Id.StartsWith(x, StringComparison.Ordinal)) ||
                !filters.MatchAny("name", x => NameMatches(ct, x)) ||
                !filters.MatchLabels("label", ct.Config.Labels) ||
                !filters.MatchExact("status", status) ||
                !filters.MatchExact("health", ct.State.Health?.Status ?? HealthStatus.None) ||
                !filters.MatchAny("exited", x => status == "exited" && ct.State.ExitCode.ToString(CultureInfo.InvariantCulture) == x) ||
                // compat(docker): a volume filter names a volume, a bind's host path or a destination.
                !filters.MatchAny("volume", x => ct.MountPoints.Any(m => (m.Name.Length > 0 ? m.Name : m.Source) == x || m.Destination == x)) ||
                ancestors.Count > 0 && !ancestors.Contains(ct.Image) && !ancestors.Contains(ct.Config.Image) ||
                before is { } bt && ct.Created >= bt ||
                since is { } st && ct.Created <= st)
            {
                continue;
            }
            if (filters.Get("status") is [..] statuses && statuses.Count > 0 && !statuses.Contains(status))
            {
                continue;
            }
            result.Add(Summary(s, ct, c.Query.Bool("size") ? Sizes(s, ct) : null));
            if (limit > 0 && result.Count >= limit)
            {
                break;
            }
        }
        return result;
    }

    // compat(docker): the name filter is a regular expression, matched against the name with and without its "/".
    private static bool NameMatches(Container ct, string pattern)
    {
        try
        {
            return System.Text.RegularExpressions.Regex.IsMatch(ct.Name, pattern) || System.Text.RegularExpressions.Regex.IsMatch(ct.BareName, pattern);
        }
        catch (ArgumentException)
        {
            return ct.BareName.Contains(pattern, StringComparison.Ordinal);
        }
    }

    /// <summary>compat(docker): SizeRw is the writable layer, SizeRootFs that plus the image's layers.</summary>
    private static (long Rw, long RootFs) Sizes(EngineServices s, Container ct)
    {
        var rw = s.Images.WritableLayerUsage(ct.Id);
        return (rw, rw + (s.Images.TryResolve(ct.Image)?.Size ?? 0));
    }

    /// <summary>A <c>GET /containers/json</c> entry; <paramref name="size"/> fills SizeRw and SizeRootFs.</summary>
    internal static ContainerSummary Summary(EngineServices s, Container ct, (long Rw, long RootFs)? size)
    {
        var image = s.Images.TryResolve(ct.Config.Image)?.Id == ct.Image ? ct.Config.Image : ct.Image;
        return new ContainerSummary
        {
            Id = ct.Id,
            Names = [ct.Name],
            Image = image,
            ImageID = ct.Image,
            Command = Command(ct),
            Created = ct.Created.ToUnixTimeSeconds(),
            Labels = ct.Config.Labels ?? [],
            State = ct.State.Status,
            Status = Status(ct),
            HostConfig = new SummaryHostConfig { NetworkMode = ct.HostConfig.NetworkMode },
            Ports = NetworkMapper.Ports(ct),
            NetworkSettings = new SummaryNetworkSettings { Networks = NetworkMapper.Endpoints(ct) },
            Mounts = Mounts(ct),
            SizeRw = size?.Rw,
            SizeRootFs = size?.RootFs,
        };
    }

    /// <summary>compat(docker): the command as <c>docker ps</c> shows it, arguments with spaces in single quotes.</summary>
    internal static string Command(Container ct) =>
        ct.Args.Count == 0 ? ct.Path : ct.Path + " " + string.Join(' ', ct.Args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? "'" + a + "'" : a));

    /// <summary>The human status Docker computes: <c>Up 3 seconds</c>, <c>Exited (3) 2 minutes ago</c>, <c>Created</c>.</summary>
    internal static string Status(Container ct)
    {
        var state = ct.State;
        var now = DateTimeOffset.UtcNow;
        if (state.Running)
        {
            var up = "Up " + HumanUnits.Duration(now - state.StartedAt);
            // compat(docker): "Up 5 seconds (healthy)", "(unhealthy)", "(health: starting)"; a pause hides the health.
            return state.Paused ? up + " (Paused)"
                : state.Health is { } health ? up + (health.Status == HealthStatus.Starting ? " (health: starting)" : $" ({health.Status})")
                : up;
        }
        if (state.Restarting)
        {
            return $"Restarting ({state.ExitCode.ToString(CultureInfo.InvariantCulture)}) {HumanUnits.Duration(now - state.FinishedAt)} ago";
        }
        if (state.Status == "removing")
        {
            return "Removal In Progress";
        }
        if (state.Dead)
        {
            return "Dead";
        }
        if (state.StartedAt == DateTimeOffset.MinValue || state.Status == "created")
        {
            return "Created";
        }
        if (state.FinishedAt == DateTimeOffset.MinValue)
        {
            return "";
        }
        return $"Exited ({state.ExitCode.ToString(CultureInfo.InvariantCulture)}) {HumanUnits.Duration(now - state.FinishedAt)} ago";
    }

    internal static ContainerInspect Inspect(EngineServices s, Container ct, bool size, ApiVersion version)
    {
        Dictionary<string, string>? graph = null;
        try
        {
            var mount = s.Images.RootfsMounts(ct.Id).FirstOrDefault();
            if (mount is not null)
            {
                graph = [];
                foreach (var o in mount.Options)
                {
                    var eq = o.IndexOf('=', StringComparison.Ordinal);
                    var key = eq < 0 ? "" : o[..eq] switch { "lowerdir" => "LowerDir", "upperdir" => "UpperDir", "workdir" => "WorkDir", _ => "" };
                    if (key.Length > 0)
                    {
                        graph[key] = o[(eq + 1)..];
                    }
                }
                if (mount.Type == "bind")
                {
                    graph["UpperDir"] = mount.Source;
                }
                graph["MergedDir"] = Path.Join(s.Options.ExecRoot, "containers", ct.Id, "rootfs");
            }
        }
        catch (BerthException)
        {
        }
        var sizes = size ? Sizes(s, ct) : ((long Rw, long RootFs)?)null;
        return new ContainerInspect
        {
            Id = ct.Id,
            Created = ct.Created,
            Path = ct.Path,
            Args = ct.Args,
            State = ct.State,
            Image = ct.Image,
            ResolvConfPath = ct.ResolvConfPath,
            HostnamePath = ct.HostnamePath,
            HostsPath = ct.HostsPath,
            LogPath = ct.LogPath,
            Name = ct.Name,
            RestartCount = ct.RestartCount,
            Driver = ct.Driver,
            Platform = ct.Platform,
            HostConfig = ct.HostConfig,
            GraphDriver = new GraphDriverData { Name = ct.Driver, Data = graph },
            SizeRw = sizes?.Rw,
            SizeRootFs = sizes?.RootFs,
            Config = ct.Config,
            ExecIDs = s.Containers.ExecIds(ct.Id),
            NetworkSettings = NetworkMapper.Inspect(ct, version),
            Mounts = Mounts(ct),
        };
    }

    /// <summary>The container's volumes, binds and <c>--mount</c> tmpfs mounts as inspect and ps show them.</summary>
    private static List<MountSummary> Mounts(Container ct) =>
        [.. ct.MountPoints.Select(m => new MountSummary
        {
            Type = m.Type,
            Name = m.Type == "volume" ? m.Name : null,
            Source = m.Source,
            Destination = m.Destination,
            Driver = m.Type == "volume" ? m.Driver : null,
            Mode = m.Mode,
            RW = m.RW,
            Propagation = m.Propagation,
        })];

    private static async Task WaitAsync(ApiContext c, EngineServices s)
    {
        var wait = s.Containers.WaitAsync(c.Route("id"), c.Query["condition"]);
        await c.StartStreamAsync(200, "application/json").ConfigureAwait(false);
        c.WatchForDisconnect();
        ContainerExit exit;
        try
        {
            exit = await wait.WaitAsync(c.Aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var response = new WaitResponse { StatusCode = exit.StatusCode, Error = exit.Error is null ? null : new WaitError { Message = exit.Error } };
        await c.WriteChunkAsync((byte[])[.. JsonSerializer.SerializeToUtf8Bytes(response, ApiJson.Default.WaitResponse), (byte)'\n']).ConfigureAwait(false);
        await c.EndStreamAsync().ConfigureAwait(false);
    }

    private static async Task LogsAsync(ApiContext c, EngineServices s)
    {
        var ct = s.Containers.Get(c.Route("id"));
        var stdout = c.Query.Bool("stdout");
        var stderr = c.Query.Bool("stderr");
        if (!stdout && !stderr)
        {
            throw BerthException.Invalid("Bad parameters: you must choose at least one stream");
        }
        var tailText = c.Query["tail"];
        int? tail = string.IsNullOrEmpty(tailText) || tailText == "all" ? null
            : int.TryParse(tailText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var t) && t >= 0 ? t : null;
        var options = new LogOptions(stdout, stderr, SystemRoutes.ParseUnix(c.Query["since"]) is { } since && since > DateTimeOffset.UnixEpoch ? since : null,
            SystemRoutes.ParseUnix(c.Query["until"]) is { } until && until > DateTimeOffset.UnixEpoch ? until : null, tail, c.Query.Bool("follow"));
        var timestamps = c.Query.Bool("timestamps");
        var details = c.Query.Bool("details");
        var entries = s.Containers.ReadLogsAsync(ct.Id, options, c.Aborted); // refuses a log it cannot read
        await c.StartStreamAsync(200, c.Version >= new ApiVersion(1, 42) ? (ct.Config.Tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream") : null).ConfigureAwait(false);
        if (options.Follow)
        {
            c.WatchForDisconnect();
        }
        try
        {
            await foreach (var e in entries.ConfigureAwait(false))
            {
                var payload = e.Line;
                if (timestamps || details)
                {
                    // compat(docker): RFC3339NanoFixed, always nine fractional digits (.NET time has 100 ns ticks).
                    var prefix = (timestamps ? e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture) + " " : "") + (details ? " " : "");
                    payload = (byte[])[.. Encoding.UTF8.GetBytes(prefix), .. e.Line.Span];
                }
                var frame = ct.Config.Tty ? payload.ToArray() : Framing.Frame(e.Stream == LogStream.Stderr ? Framing.Stderr : Framing.Stdout, payload.Span);
                await c.WriteChunkAsync(frame, flush: options.Follow).ConfigureAwait(false);
            }
            await c.EndStreamAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task AttachAsync(ApiContext c, EngineServices s)
    {
        var ct = s.Containers.Get(c.Route("id"));
        if (ct.State.Paused)
        {
            throw BerthException.Conflict($"container {c.Route("id")} is paused, unpause the container before attach");
        }
        if (ct.State.Restarting)
        {
            throw BerthException.Conflict("You cannot attach to a restarting container, wait until it is running");
        }
        // compat(docker): attaching to a stopped container is allowed (`docker start -a` attaches, then starts);
        // the stream carries the next run's output. Refusing it is the docker CLI's business, for `docker attach`.
        var wantStdin = c.Query.Bool("stdin") && ct.Config.OpenStdin;
        var wantStdout = c.Query.Bool("stdout");
        var wantStderr = c.Query.Bool("stderr");
        var streams = s.Containers.Streams(ct.Id);
        var output = streams.Subscribe(out var subscription);
        using (subscription)
        {
            var (input, connection, socket) = await c.HijackAsync().ConfigureAwait(false);
            s.Containers.PublishAttach(ct.Id);
            if (c.Query.Bool("logs") && s.Containers.HasReadableLog(ct.Id))
            {
                await foreach (var e in s.Containers.ReadLogsAsync(ct.Id, new LogOptions(wantStdout, wantStderr, null, null, null, false)).ConfigureAwait(false))
                {
                    await connection.WriteAsync(ct.Config.Tty ? e.Line.ToArray() : Framing.Frame(e.Stream == LogStream.Stderr ? Framing.Stderr : Framing.Stdout, e.Line.Span)).ConfigureAwait(false);
                }
                await connection.FlushAsync().ConfigureAwait(false);
            }
            if (!c.Query.Bool("stream"))
            {
                return;
            }
            using var done = new CancellationTokenSource();
            var stdinTask = wantStdin ? PumpStdinAsync(input, streams, ct.Config.StdinOnce, done) : Task.CompletedTask;
            try
            {
                await foreach (var chunk in output.ReadAllAsync(done.Token).ConfigureAwait(false))
                {
                    if (chunk.Stream == LogStream.Stdout ? !wantStdout : !wantStderr)
                    {
                        continue;
                    }
                    var bytes = ct.Config.Tty ? chunk.Data.ToArray() : Framing.Frame(chunk.Stream == LogStream.Stderr ? Framing.Stderr : Framing.Stdout, chunk.Data.Span);
                    await connection.WriteAsync(bytes).ConfigureAwait(false);
                    await connection.FlushAsync().ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
            }
            await done.CancelAsync().ConfigureAwait(false);
            socket?.Shutdown(System.Net.Sockets.SocketShutdown.Both);
            await stdinTask.ConfigureAwait(false);
        }
    }

    /// <summary>Client bytes go to the container's stdin; the client's end of input closes it when the container
    /// was made with StdinOnce (<c>docker run -i</c>), and ends this attach otherwise, as dockerd does.</summary>
    private static async Task PumpStdinAsync(Http.HttpReader input, ContainerStreams streams, bool stdinOnce, CancellationTokenSource done)
    {
        var buf = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await input.ReadAsync(buf, done.Token).ConfigureAwait(false)) > 0)
            {
                await streams.WriteStdinAsync(buf.AsMemory(0, n).ToArray()).ConfigureAwait(false);
            }
            if (stdinOnce)
            {
                await streams.CloseStdinAsync().ConfigureAwait(false);
            }
            else
            {
                await done.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>moby's ContainersPrune: every stopped container the filters accept; the bytes are their writable layers.</summary>
    private static async Task PruneAsync(ApiContext c, EngineServices s)
    {
        var filters = Filters.Parse(c.Query["filters"], "label", "label!", "until");
        var until = DiskUsageRoutes.Until(filters);
        var deleted = new List<string>();
        long reclaimed = 0;
        foreach (var ct in s.Containers.List())
        {
            if (ct.State.Running || !filters.MatchPruneLabels(ct.Config.Labels) || until is { } t && ct.Created >= t)
            {
                continue;
            }
            var size = await Task.Run(() => s.Images.WritableLayerUsage(ct.Id)).ConfigureAwait(false);
            try
            {
                await s.Containers.RemoveAsync(ct.Id, force: false, removeVolumes: false).ConfigureAwait(false);
            }
            catch (BerthException e) when (e.Kind is ErrorKind.Conflict or ErrorKind.NotFound)
            {
                continue; // compat(docker): started or removed meanwhile: skipped, not an error
            }
            deleted.Add(ct.Id);
            reclaimed += size;
        }
        await c.WriteJsonAsync(200, new ContainerPruneResponse { ContainersDeleted = deleted.Count > 0 ? deleted : null, SpaceReclaimed = reclaimed }, ApiJson.Default.ContainerPruneResponse).ConfigureAwait(false);
    }
}
