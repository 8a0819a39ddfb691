using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.BuildContexts;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Http;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth build</c> / <c>image build</c> / <c>builder build</c>: the docker CLI's legacy-builder path. The context
/// (a directory with its .dockerignore applied here, or stdin) goes as a chunked <c>application/x-tar</c> body of
/// <c>POST /build?…&amp;version=1</c>; the JSON-lines answer is printed, <c>aux.ID</c> kept for <c>--iidfile</c>, and
/// an <c>errorDetail</c> ends the command with its code.
/// </summary>
internal sealed class BuildCommand : Command
{
    private const string SendingContext = "Sending build context to Docker daemon";

    public override string Name => "build";

    public override string Usage => "[OPTIONS] PATH | URL | -";

    public override string Summary => "Build an image from a Dockerfile";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.List("add-host", '\0', "Add a custom host-to-IP mapping (\"host:ip\")");
        flags.List("build-arg", '\0', "Set build-time variables", CheckBuildArg);
        flags.Strings("cache-from", '\0', "Images to consider as cache sources");
        flags.String("cgroup-parent", '\0', "Set the parent cgroup for the \"RUN\" instructions during build");
        flags.Bool("compress", '\0', "Compress the build context using gzip");
        flags.Int("cpu-period", '\0', "Limit the CPU CFS (Completely Fair Scheduler) period");
        flags.Int("cpu-quota", '\0', "Limit the CPU CFS (Completely Fair Scheduler) quota");
        flags.Int("cpu-shares", 'c', "CPU shares (relative weight)");
        flags.String("cpuset-cpus", '\0', "CPUs in which to allow execution (0-3, 0,1)");
        flags.String("cpuset-mems", '\0', "MEMs in which to allow execution (0-3, 0,1)");
        flags.Bool("disable-content-trust", '\0', "Skip image verification", dflt: true);
        flags.String("file", 'f', "Name of the Dockerfile (Default is \"PATH/Dockerfile\")");
        flags.Bool("force-rm", '\0', "Always remove intermediate containers");
        flags.String("iidfile", '\0', "Write the image ID to the file");
        flags.String("isolation", '\0', "Container isolation technology");
        flags.List("label", '\0', "Set metadata for an image", Requests.CheckLabel);
        flags.String("memory", 'm', "Memory limit", ContainerOptions.CheckMemory);
        flags.String("memory-swap", '\0', "Swap limit equal to memory plus swap: -1 to enable unlimited swap", ContainerOptions.CheckMemorySwap);
        flags.String("network", '\0', "Set the networking mode for the RUN instructions during build", dflt: "default");
        flags.Bool("no-cache", '\0', "Do not use cache when building the image");
        flags.String("platform", '\0', "Set platform if server is multi-platform capable");
        flags.Bool("pull", '\0', "Always attempt to pull a newer version of the image");
        flags.Bool("quiet", 'q', "Suppress the build output and print image ID on success");
        flags.Bool("rm", '\0', "Remove intermediate containers after a successful build", dflt: true);
        flags.Strings("security-opt", '\0', "Security options");
        flags.String("shm-size", '\0', "Size of \"/dev/shm\"", ContainerOptions.CheckMemory);
        flags.Bool("squash", '\0', "Squash newly built layers into a single new layer");
        flags.List("tag", 't', "Name and optionally a tag in the \"name:tag\" format", CheckTag);
        flags.String("target", '\0', "Set the target build stage to build.");
    }

    /// <summary>docker's validateTag: the name must parse as a reference.</summary>
    private static string? CheckTag(string v) => ImageReference.TryParseNormalized(v, out _, out var error) ? null : error;

    /// <summary>docker's opts.ValidateEnv (the value taken from the environment at run time when missing).</summary>
    private static string? CheckBuildArg(string v) =>
        v.Split('=', 2)[0].Length == 0 ? "invalid environment variable: " + v : null;

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var contextArg = inv.Args[0];
        var dockerfile = f.GetString("file") ?? "";
        var quiet = f.GetBool("quiet");
        if (dockerfile == "-" && contextArg == "-")
        {
            throw new StatusException("invalid argument: can't use stdin for both build context and dockerfile", 1);
        }
        var iidFile = f.GetString("iidfile") ?? "";
        if (iidFile.Length > 0)
        {
            // compat(docker): no stale id file is left behind when the build fails.
            try
            {
                File.Delete(iidFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StatusException($"Removing image ID file: remove {iidFile}: {e.Message}", 1);
            }
        }
        if (contextArg != "-" && !Berth.Linux.Fs.TryStat(contextArg, out _) && IsRemote(contextArg))
        {
            throw new StatusException($"unable to prepare context: berth does not fetch remote build contexts: {contextArg}", 1);
        }
        Sent? sent = null;
        string? stoppedAt = null;
        // Berth's: a berthd takes the larger files by digest first and builds until a step must read one of them;
        // only then is the whole context sent, as the docker CLI always does, and the build shown from that step on.
        if (contextArg != "-" && dockerfile != "-" && Directory.Exists(contextArg) && !f.GetBool("no-cache")
            && ctx.GetEnv("BERTH_CONTEXT_DIGESTS") != "0" && ctx.Client.TakesContextDigests)
        {
            var byDigest = Prepare(ctx, contextArg, dockerfile, f.GetBool("compress"), ContextDigests.DefaultDirectory(ctx.GetEnv));
            var digestQuery = Query(f, byDigest.RelDockerfile, ctx.GetEnv);
            digestQuery.Add(Common.ContextByDigest.QueryParameter, "1");
            var steps = new BuildStepLines(ctx.Io.Out);
            sent = Send(ctx, byDigest, digestQuery, quiet, steps);
            stoppedAt = steps.LastStep;
        }
        if (sent is not { ContextNeeded: false })
        {
            var prepared = Prepare(ctx, contextArg, dockerfile, f.GetBool("compress"), null);
            sent = Send(ctx, prepared, Query(f, prepared.RelDockerfile, ctx.GetEnv), quiet, new BuildStepLines(ctx.Io.Out, stoppedAt));
        }
        var imageId = sent.Value.ImageId;
        if (quiet)
        {
            // compat(docker): -q prints what the daemon said (the id and a newline), and that is also what --iidfile gets.
            imageId = Encoding.UTF8.GetString(sent.Value.Output!.ToArray());
            ctx.Io.Write(imageId);
        }
        if (iidFile.Length > 0)
        {
            if (imageId.Length == 0)
            {
                throw new StatusException($"Server did not provide an image ID. Cannot write {iidFile}", 1);
            }
            File.WriteAllText(iidFile, imageId);
        }
        return 0;
    }

    /// <summary>What one <c>POST /build</c> gave: the image ID (from <c>aux</c>), what the daemon said when it was
    /// kept back (<c>-q</c>), and whether the daemon asked for the whole context instead.</summary>
    private readonly record struct Sent(string ImageId, MemoryStream? Output, bool ContextNeeded);

    private static PreparedContext Prepare(CommandContext ctx, string contextArg, string dockerfile, bool compress, string? digestCache)
    {
        try
        {
            return PreparedContext.Prepare(contextArg, dockerfile, ctx.Io.In, Directory.GetCurrentDirectory(), compress, ctx.Now(), digestCache);
        }
        catch (ContextException e)
        {
            throw new StatusException("unable to prepare context: " + e.Message, 1);
        }
    }

    /// <summary>Sends one context and shows the answer (through <paramref name="output"/> unless quiet).</summary>
    private static Sent Send(CommandContext ctx, PreparedContext prepared, GoQuery query, bool quiet, Stream output)
    {
        // compat(docker): with -q the progress and the daemon's output are kept and shown on stderr only on failure.
        var progress = quiet ? new MemoryStream() : ctx.Io.Out;
        var buildOut = quiet ? new MemoryStream() : output;
        var body = new ProgressReadStream(prepared.Body, ctx.Io.OutIsTerminal, (total, last) =>
        {
            progress.Write(Encoding.UTF8.GetBytes(ProgressLine(total, last)));
            progress.Flush();
        });
        var headers = new HttpHeaders();
        // compat(docker): the registry credentials map, empty without a login.
        headers["X-Registry-Config"] = "e30=";
        var imageId = "";
        var contextNeeded = false;
        try
        {
            var (conn, _, response) = ctx.Client.Stream("POST", "/build", query, upload: body, contentType: "application/x-tar", extraHeaders: headers);
            using (conn)
            {
                JsonMessageDisplay.Display(response, buildOut, aux =>
                {
                    if (aux.ValueKind != JsonValueKind.Object)
                    {
                        return;
                    }
                    if (aux.TryGetProperty("ID", out var id) && id.ValueKind == JsonValueKind.String)
                    {
                        imageId = id.GetString() ?? "";
                    }
                    contextNeeded |= aux.TryGetProperty("ContextNeeded", out _);
                }, exitWithErrorCode: true);
            }
        }
        catch (Exception e) when (e is DaemonException or StatusException)
        {
            if (quiet)
            {
                ctx.Io.Err.Write(((MemoryStream)progress).ToArray());
                if (e is StatusException)
                {
                    ctx.Io.Err.Write(((MemoryStream)buildOut).ToArray());
                }
                ctx.Io.Err.Flush();
            }
            throw;
        }
        finally
        {
            body.Dispose();
        }
        if (prepared.WriterError is { } writerError)
        {
            throw new StatusException("error sending build context: " + writerError.Message, 1);
        }
        return new Sent(imageId, quiet ? (MemoryStream)buildOut : null, contextNeeded);
    }

    /// <summary>compat(docker): urlutil.IsURL / IsGitURL, the contexts the docker CLI downloads.</summary>
    private static bool IsRemote(string c) =>
        c.StartsWith("http://", StringComparison.Ordinal) || c.StartsWith("https://", StringComparison.Ordinal) ||
        c.StartsWith("git://", StringComparison.Ordinal) || c.StartsWith("git@", StringComparison.Ordinal) ||
        c.StartsWith("github.com/", StringComparison.Ordinal);

    /// <summary>
    /// moby's raw progress formatter for a reader of unknown size: the action, the size so far (<c>%8v</c> of
    /// go-units HumanSize) and "\r"; the last update adds an empty status line ("\r\n").
    /// </summary>
    internal static string ProgressLine(long total, bool last)
    {
        var amount = total <= 0 ? "" : HumanUnits.Size(total, 4).PadLeft(8);
        var line = SendingContext + " " + amount + "\r" + (amount.Length == 0 ? "\n" : "");
        return last ? line + "\r\n" : line;
    }

    /// <summary>The moby client's imageBuildOptionsToQuery for the legacy builder (<c>version=1</c>).</summary>
    internal static GoQuery Query(FlagSet f, string relDockerfile, Func<string, string?> getEnv)
    {
        var q = new GoQuery();
        foreach (var t in f.GetList("tag"))
        {
            q.Add("t", t);
        }
        foreach (var s in f.GetStrings("security-opt"))
        {
            q.Add("securityopt", s);
        }
        foreach (var h in f.GetList("add-host"))
        {
            q.Add("extrahosts", h);
        }
        if (f.GetBool("quiet"))
        {
            q.Add("q", "1");
        }
        if (f.GetBool("no-cache"))
        {
            q.Add("nocache", "1");
        }
        if (!f.GetBool("rm"))
        {
            // compat(docker): only the opt-out is sent; the daemon removes intermediate containers by default.
            q.Add("rm", "0");
        }
        if (f.GetBool("force-rm"))
        {
            q.Add("forcerm", "1");
        }
        if (f.GetBool("pull"))
        {
            q.Add("pull", "1");
        }
        if (f.GetBool("squash"))
        {
            q.Add("squash", "1");
        }
        if (f.GetString("isolation") is { Length: > 0 } isolation && !isolation.Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            q.Add("isolation", isolation);
        }
        AddIfSet(q, "cpusetcpus", f.GetString("cpuset-cpus"));
        if (f.GetString("network") is { Length: > 0 } network && network != "default")
        {
            q.Add("networkmode", network);
        }
        AddIfSet(q, "cpusetmems", f.GetString("cpuset-mems"));
        AddIfNonZero(q, "cpushares", f.GetLong("cpu-shares"));
        AddIfNonZero(q, "cpuquota", f.GetLong("cpu-quota"));
        AddIfNonZero(q, "cpuperiod", f.GetLong("cpu-period"));
        AddIfNonZero(q, "memory", Bytes(f.GetString("memory")));
        AddIfNonZero(q, "memswap", f.GetString("memory-swap") == "-1" ? -1 : Bytes(f.GetString("memory-swap")));
        AddIfSet(q, "cgroupparent", f.GetString("cgroup-parent"));
        AddIfNonZero(q, "shmsize", Bytes(f.GetString("shm-size")));
        AddIfSet(q, "dockerfile", relDockerfile);
        AddIfSet(q, "target", f.GetString("target"));
        if (BuildArgsJson(f.GetList("build-arg"), getEnv) is { } buildArgs)
        {
            q.Add("buildargs", buildArgs);
        }
        if (LabelsJson(f.GetList("label")) is { } labels)
        {
            q.Add("labels", labels);
        }
        if (f.GetStrings("cache-from") is { Count: > 0 } cacheFrom)
        {
            var sb = new StringBuilder("[");
            for (var i = 0; i < cacheFrom.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(',');
                }
                GoJson.WriteString(sb, cacheFrom[i], escapeHtml: true);
            }
            q.Add("cachefrom", sb.Append(']').ToString());
        }
        var platform = f.Changed("platform") ? f.GetString("platform") : getEnv("DOCKER_DEFAULT_PLATFORM");
        if (!string.IsNullOrEmpty(platform))
        {
            q.Add("platform", platform.ToLowerInvariant());
        }
        q.Add("version", "1");
        return q;
    }

    private static void AddIfSet(GoQuery q, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            q.Add(key, value);
        }
    }

    private static void AddIfNonZero(GoQuery q, string key, long value)
    {
        if (value != 0)
        {
            q.Add(key, value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static long Bytes(string? value) => !string.IsNullOrEmpty(value) && HumanUnits.TryParseRam(value, out var b, out _) ? b : 0;

    /// <summary>
    /// opts.ConvertKVStringsToMapWithNil as JSON (keys sorted, the last value of a key wins): <c>K</c> alone takes
    /// the environment's value, or null (the Dockerfile's default) when unset.
    /// </summary>
    internal static string? BuildArgsJson(IReadOnlyList<string> args, Func<string, string?> getEnv)
    {
        var map = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var a in args)
        {
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            map[eq < 0 ? a : a[..eq]] = eq < 0 ? getEnv(a) : a[(eq + 1)..];
        }
        return map.Count == 0 ? null : JsonObject(map);
    }

    /// <summary>opts.ConvertKVStringsToMap as JSON: <c>K</c> alone is an empty value.</summary>
    internal static string? LabelsJson(IReadOnlyList<string> labels)
    {
        var map = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var l in labels)
        {
            var eq = l.IndexOf('=', StringComparison.Ordinal);
            map[eq < 0 ? l : l[..eq]] = eq < 0 ? "" : l[(eq + 1)..];
        }
        return map.Count == 0 ? null : JsonObject(map);
    }

    private static string JsonObject(SortedDictionary<string, string?> map)
    {
        var sb = new StringBuilder("{");
        foreach (var (k, v) in map)
        {
            if (sb.Length > 1)
            {
                sb.Append(',');
            }
            GoJson.WriteString(sb, k, escapeHtml: true);
            sb.Append(':');
            if (v is null)
            {
                sb.Append("null");
            }
            else
            {
                GoJson.WriteString(sb, v, escapeHtml: true);
            }
        }
        return sb.Append('}').ToString();
    }
}
