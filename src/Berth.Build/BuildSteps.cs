using System.Formats.Tar;
using System.Globalization;
using System.IO.Pipes;
using System.Text;
using System.Text.Json;
using Berth.Build.Dockerfile;
using Berth.Common;
using Berth.Distribution.Client;
using Berth.Engine;
using Berth.Engine.Model;
using Berth.Images;
using Berth.Oci;

namespace Berth.Build;

/// <summary>The instructions of one stage, dispatched as Docker's legacy builder does.</summary>
internal sealed partial class BuildRun
{
    [System.Text.RegularExpressions.GeneratedRegex("""^\s*\d?<<-?\s*["']?[A-Za-z0-9_.-]+["']?\s*$""")]
    private static partial System.Text.RegularExpressions.Regex LoneHeredoc();

    /// <summary>What a stage has built so far.</summary>
    private sealed class StageState(ShellLex lex)
    {
        public ShellLex Lex { get; } = lex;
        public ImageRecord? Image { get; set; }
        public ImageRuntimeConfig Config { get; set; } = new();
        /// <summary>ARGs declared in the stage, in order, with their values (null: declared without one).</summary>
        public List<(string Name, string? Value)> Args { get; } = [];
        public bool CmdSet { get; set; }
        public string? Maintainer { get; set; }

        public string ParentId => Image?.Id ?? "";

        /// <summary>The variables instructions expand with: the config's environment, then the stage's ARGs that
        /// it does not shadow.</summary>
        public Dictionary<string, string> Env()
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in Args)
            {
                if (value is not null)
                {
                    env[name] = value;
                }
            }
            foreach (var e in Config.Env ?? [])
            {
                var eq = e.IndexOf('=', StringComparison.Ordinal);
                env[eq < 0 ? e : e[..eq]] = eq < 0 ? "" : e[(eq + 1)..];
            }
            return env;
        }

        public IReadOnlyList<string> Shell => Config.Shell is { Count: > 0 } s ? s : ["/bin/sh", "-c"];
    }

    /// <summary>compat(docker): a base image the store lacks (or every one, with <c>--pull</c>) is pulled, its
    /// progress in the build's output; an image ID is never pulled.</summary>
    private async Task<ImageRecord> PullBaseAsync(string baseName)
    {
        if (!Reference.TryParse(baseName, out var parsed, out var error) || parsed is null)
        {
            return Images.TryResolve(baseName) ?? throw new BuildFailedException($"invalid reference format: {error}");
        }
        var reference = parsed.Tag is null && parsed.Digest is null ? parsed.WithTag(Reference.DefaultTag) : parsed;
        var credentials = _options.RegistryCredentials.GetValueOrDefault(reference.Domain)
            ?? (reference.Domain == RegistryHosts.DockerHub ? _options.RegistryCredentials.GetValueOrDefault("https://index.docker.io/v1/") : null);
        try
        {
            var result = await Images.PullAsync(reference, new PullOptions(credentials, _options.Platform), p =>
            {
                // Status changes only: byte counts are for terminals, and a build's output is text.
                if (p.Current is null)
                {
                    _output.Stream(p.Id is null ? p.Status + "\n" : $"{p.Id}: {p.Status}\n");
                }
            }, _ct).ConfigureAwait(false);
            _output.Stream($"Digest: {result.ManifestDigest}\nStatus: {(result.UpToDate ? "Image is up to date" : "Downloaded newer image")} for {reference.Familiar}\n");
            return result.Image;
        }
        catch (BerthException e) when (e.Kind is not ErrorKind.Canceled)
        {
            // Without --pull, a base that is here after all (an ID, a local-only name) is used as it is.
            return _options.Pull && Images.TryResolve(baseName) is { } local ? local
                : throw new BuildFailedException(e.Message.Contains(reference.FamiliarRepository, StringComparison.Ordinal) ? e.Message : $"pulling {reference.Familiar}: {e.Message}");
        }
    }

    private async Task<string?> BuildStageAsync(int index, Dictionary<string, string> metaArgs, bool isTarget)
    {
        var stage = _dockerfile.Stages[index];
        var st = new StageState(new ShellLex(_dockerfile.EscapeToken));
        StepHeader(stage.From);
        var baseName = st.Lex.ProcessWord(stage.From.BaseName, metaArgs);
        if (StageIndex(baseName, index) is { } from)
        {
            st.Image = _stageImages[from] is { } id ? Images.TryResolve(id) : null;
        }
        else if (!string.Equals(baseName, "scratch", StringComparison.OrdinalIgnoreCase))
        {
            st.Image = _options.Pull || Images.TryResolve(baseName) is null ? await PullBaseAsync(baseName).ConfigureAwait(false) : Images.TryResolve(baseName);
        }
        if (st.Image is { } image)
        {
            st.Config = Clone(Images.Config(image).Config);
            StepResult(image.Id);
        }
        // compat(docker): beginStage's setDefaultPath: a stage whose base sets no PATH gets the default one.
        if (!(st.Config.Env ?? []).Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            st.Config.Env = [.. st.Config.Env ?? [], "PATH=" + DefaultPath];
        }
        // Triggers of the base image run first, then are cleared from the new image.
        if (st.Config.OnBuild is { Count: > 0 } triggers)
        {
            st.Config.OnBuild = null;
            Say($"# Executing {triggers.Count} build trigger{(triggers.Count == 1 ? "" : "s")}\n");
            foreach (var trigger in triggers)
            {
                Instruction parsed;
                try
                {
                    parsed = DockerfileParser.Parse("FROM scratch\n" + trigger).Stages[0].Commands[0];
                }
                catch (DockerfileException e)
                {
                    throw new BuildFailedException("failed to process ONBUILD trigger: " + e.Message);
                }
                await DispatchAsync(st, parsed, metaArgs, counted: false).ConfigureAwait(false);
            }
        }
        foreach (var instruction in stage.Commands)
        {
            await DispatchAsync(st, instruction, metaArgs, counted: true).ConfigureAwait(false);
        }
        if (isTarget && _options.Labels.Count > 0)
        {
            var labels = _options.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
            var text = "LABEL " + string.Join(' ', labels.Select(l => $"{Quote(l.Key)}={Quote(l.Value)}"));
            Say($"Step {++_step}/{_steps} : {text}\n");
            st.Config.Labels ??= [];
            foreach (var (k, v) in labels)
            {
                st.Config.Labels[k] = v;
            }
            SortMaps(st.Config);
            await CommitConfigAsync(st, "LABEL " + string.Join(' ', labels.Select(l => l.Key + "=" + l.Value))).ConfigureAwait(false);
        }
        if (st.Image is null)
        {
            // FROM scratch with only config: an image without layers still has its config.
            st.Image = Images.Commit(null, new ImageCommit { Config = Clone(st.Config), History = null, BuildKey = "scratch" });
        }
        return st.Image.Id;
    }

    /// <summary>Docker's default PATH for Linux (system.DefaultPathEnv).</summary>
    internal const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static string Quote(string s) => s.Any(c => char.IsWhiteSpace(c) || c == '"') ? JsonSerializer.Serialize(s, BuildJson.Default.String) : s;

    private async Task DispatchAsync(StageState st, Instruction instruction, Dictionary<string, string> metaArgs, bool counted)
    {
        _ct.ThrowIfCancellationRequested();
        if (counted)
        {
            StepHeader(instruction);
        }
        var env = st.Env();
        string W(string word) => st.Lex.ProcessWord(word, env);
        switch (instruction)
        {
            case EnvInstruction e:
                {
                    var pairs = e.Vars.Select(v => (Key: W(v.Key), Value: W(v.Value))).ToList();
                    st.Config.Env ??= [];
                    foreach (var (k, v) in pairs)
                    {
                        if (k.Length == 0)
                        {
                            throw new BuildFailedException("ENV names can not be blank");
                        }
                        var i = st.Config.Env.FindIndex(x => x == k || x.StartsWith(k + "=", StringComparison.Ordinal));
                        if (i >= 0)
                        {
                            st.Config.Env[i] = k + "=" + v;
                        }
                        else
                        {
                            st.Config.Env.Add(k + "=" + v);
                        }
                    }
                    await CommitConfigAsync(st, "ENV " + string.Join(' ', pairs.Select(p => p.Key + "=" + p.Value))).ConfigureAwait(false);
                    break;
                }
            case LabelInstruction l:
                {
                    var pairs = l.Labels.Select(v => (Key: W(v.Key), Value: W(v.Value))).ToList();
                    st.Config.Labels ??= [];
                    foreach (var (k, v) in pairs)
                    {
                        st.Config.Labels[k] = v;
                    }
                    SortMaps(st.Config);
                    // compat(docker): the history line joins KeyValuePair.String(), key=value unquoted.
                    await CommitConfigAsync(st, "LABEL " + string.Join(' ', pairs.Select(p => p.Key + "=" + p.Value))).ConfigureAwait(false);
                    break;
                }
            case MaintainerInstruction m:
                st.Maintainer = W(m.Maintainer);
                await CommitConfigAsync(st, "MAINTAINER " + st.Maintainer).ConfigureAwait(false);
                break;
            case CmdInstruction c:
                st.Config.Cmd = CommandOf(st, c.Command);
                st.CmdSet = true;
                await CommitConfigAsync(st, "CMD " + GoQuotedList(st.Config.Cmd)).ConfigureAwait(false);
                break;
            case EntrypointInstruction ep:
                st.Config.Entrypoint = CommandOf(st, ep.Command);
                if (!st.CmdSet)
                {
                    // compat(docker): an ENTRYPOINT drops the CMD inherited from the base image.
                    st.Config.Cmd = null;
                }
                await CommitConfigAsync(st, "ENTRYPOINT " + GoQuotedList(st.Config.Entrypoint)).ConfigureAwait(false);
                break;
            case ExposeInstruction x:
                {
                    st.Config.ExposedPorts ??= [];
                    var words = x.Ports.SelectMany(p => st.Lex.ProcessWords(p, env)).ToList();
                    foreach (var port in words)
                    {
                        foreach (var p in ExpandPort(port))
                        {
                            st.Config.ExposedPorts[p] = new EmptyObject();
                        }
                    }
                    SortMaps(st.Config);
                    // compat(docker): the history line has the ports as written ("EXPOSE 8080 9000-9001/tcp").
                    await CommitConfigAsync(st, "EXPOSE " + string.Join(' ', words)).ConfigureAwait(false);
                    break;
                }
            case UserInstruction u:
                st.Config.User = W(u.User);
                await CommitConfigAsync(st, "USER " + st.Config.User).ConfigureAwait(false);
                break;
            case VolumeInstruction v:
                {
                    st.Config.Volumes ??= [];
                    var paths = v.Paths.SelectMany(p => st.Lex.ProcessWords(p, env)).ToList();
                    foreach (var p in paths)
                    {
                        if (p.Trim().Length == 0)
                        {
                            throw new BuildFailedException("VOLUME specified can not be an empty string");
                        }
                        st.Config.Volumes[p] = new EmptyObject();
                    }
                    SortMaps(st.Config);
                    await CommitConfigAsync(st, "VOLUME " + GoList(paths)).ConfigureAwait(false);
                    break;
                }
            case StopSignalInstruction s:
                st.Config.StopSignal = W(s.Signal);
                await CommitConfigAsync(st, "STOPSIGNAL " + st.Config.StopSignal).ConfigureAwait(false);
                break;
            case HealthcheckInstruction h:
                st.Config.Healthcheck = new HealthConfig
                {
                    Test = [.. h.Test],
                    Interval = h.Interval,
                    Timeout = h.Timeout,
                    StartPeriod = h.StartPeriod,
                    StartInterval = h.StartInterval,
                    Retries = h.Retries,
                };
                await CommitConfigAsync(st, $"HEALTHCHECK &{{{GoQuotedList(h.Test)} \"{GoDuration(h.Interval)}\" \"{GoDuration(h.Timeout)}\" \"{GoDuration(h.StartPeriod)}\" \"{GoDuration(h.StartInterval)}\" '\\x{h.Retries:x2}'}}").ConfigureAwait(false);
                break;
            case ShellInstruction sh:
                st.Config.Shell = [.. sh.Shell];
                await CommitConfigAsync(st, "SHELL " + GoList(st.Config.Shell)).ConfigureAwait(false);
                break;
            case OnbuildInstruction o:
                st.Config.OnBuild ??= [];
                st.Config.OnBuild.Add(o.Expression);
                await CommitConfigAsync(st, "ONBUILD " + o.Expression).ConfigureAwait(false);
                break;
            case ArgInstruction a:
                {
                    var parts = new List<string>();
                    foreach (var arg in a.Args)
                    {
                        string? value;
                        if (_options.BuildArgs.TryGetValue(arg.Name, out var given))
                        {
                            value = given ?? Environment.GetEnvironmentVariable(arg.Name);
                            _usedArgs.Add(arg.Name);
                        }
                        else if (arg.Default is not null)
                        {
                            value = W(arg.Default);
                        }
                        else
                        {
                            value = metaArgs.GetValueOrDefault(arg.Name);
                        }
                        st.Args.RemoveAll(x => x.Name == arg.Name);
                        st.Args.Add((arg.Name, value));
                        parts.Add(arg.Default is null ? arg.Name : arg.Name + "=" + W(arg.Default));
                    }
                    // compat(docker): the key is the history line only, so another --build-arg value still finds
                    // the ARG step in the cache; the steps that use the value have it in their own keys (a RUN's
                    // "|N NAME=value" prefix, the expanded words of the others).
                    await CommitConfigAsync(st, "ARG " + string.Join(' ', parts)).ConfigureAwait(false);
                    break;
                }
            case WorkdirInstruction w:
                await WorkdirAsync(st, W(w.Path)).ConfigureAwait(false);
                break;
            case RunInstruction r:
                await RunAsync(st, r).ConfigureAwait(false);
                break;
            case CopyInstruction c:
                await CopyAsync(st, c, env).ConfigureAwait(false);
                break;
            default:
                throw new BuildFailedException($"{instruction.Keyword} is not supported here");
        }
    }

    private static List<string> CommandOf(StageState st, CommandLine command) =>
        command.PrependShell ? [.. st.Shell, command.Args.Count > 0 ? command.Args[0] : ""] : [.. command.Args];

    /// <summary>Go's <c>%v</c> of a string slice, as Docker writes commands into history lines.</summary>
    private static string GoList(IEnumerable<string>? items) => "[" + string.Join(' ', items ?? []) + "]";

    /// <summary>Go's <c>%q</c> of a string slice: Docker writes CMD, ENTRYPOINT and HEALTHCHECK history lines
    /// with it (<c>CMD ["cat" "/f"]</c>).</summary>
    private static string GoQuotedList(IEnumerable<string>? items) => "[" + string.Join(' ', (items ?? []).Select(GoQuote)) + "]";

    private static string GoQuote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in s)
        {
            sb.Append(ch switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                < ' ' or '\x7f' => $"\\x{(int)ch:x2}",
                _ => ch.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }

    /// <summary>compat(docker): Go writes a map's keys sorted, so an image config's labels, volumes and exposed
    /// ports are sorted (and the config, hence the image ID, does not depend on the order they were given in).</summary>
    private static void SortMaps(ImageRuntimeConfig config)
    {
        Sort(config.Labels);
        Sort(config.Volumes);
        Sort(config.ExposedPorts);

        static void Sort<T>(Dictionary<string, T>? map)
        {
            if (map is not { Count: > 1 })
            {
                return;
            }
            var sorted = map.OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
            map.Clear();
            foreach (var (k, v) in sorted)
            {
                map[k] = v;
            }
        }
    }

    private static string GoDuration(long ns) => ns == 0 ? "0s" : Common.GoDuration.Format(TimeSpan.FromTicks(ns / 100));

    private static IEnumerable<string> ExpandPort(string port)
    {
        var slash = port.IndexOf('/', StringComparison.Ordinal);
        var proto = slash < 0 ? "tcp" : port[(slash + 1)..].ToLowerInvariant();
        var number = slash < 0 ? port : port[..slash];
        var dash = number.IndexOf('-', StringComparison.Ordinal);
        if (!int.TryParse(dash < 0 ? number : number[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || first is < 1 or > 65535
            || dash >= 0 && !int.TryParse(number[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            || proto is not ("tcp" or "udp" or "sctp"))
        {
            throw new BuildFailedException($"Invalid containerPort: {port}");
        }
        var last = dash < 0 ? first : int.Parse(number[(dash + 1)..], CultureInfo.InvariantCulture);
        if (last < first || last > 65535)
        {
            throw new BuildFailedException($"Invalid range format for --expose: {port}");
        }
        for (var p = first; p <= last; p++)
        {
            yield return p.ToString(CultureInfo.InvariantCulture) + "/" + proto;
        }
    }

    internal static ImageRuntimeConfig Clone(ImageRuntimeConfig? config)
    {
        if (config is null)
        {
            return new ImageRuntimeConfig();
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(new ImageConfig { Config = config }, OciJson.Default.ImageConfig);
        return JsonSerializer.Deserialize(json, OciJson.Default.ImageConfig)!.Config ?? new ImageRuntimeConfig();
    }

    /// <summary>The cached image for this step, if the cache may be used and has one.</summary>
    private ImageRecord? Cached(StageState st, string key)
    {
        if (_options.NoCache || Images.FindBuildStep(st.ParentId, key) is not { } hit)
        {
            return null;
        }
        Say(" ---> Using cache\n");
        st.Image = hit;
        st.Config = Clone(Images.Config(hit).Config);
        StepResult(hit.Id);
        return hit;
    }

    /// <summary>A step that changes only the config: an image without a new layer.</summary>
    private Task CommitConfigAsync(StageState st, string comment, string? extraKey = null)
    {
        var createdBy = string.Join(' ', st.Shell) + " #(nop)  " + comment;
        var key = createdBy + "\n" + extraKey;
        if (Cached(st, key) is null)
        {
            CommitWithoutLayer(st, createdBy, key);
        }
        return Task.CompletedTask;
    }

    /// <summary>The stage's config as a child image with no new layer.</summary>
    private void CommitWithoutLayer(StageState st, string createdBy, string key)
    {
        st.Image = Images.Commit(st.Image, new ImageCommit
        {
            Config = Clone(st.Config),
            History = new HistoryEntry { CreatedBy = createdBy, Author = st.Maintainer },
            Author = st.Maintainer,
            BuildKey = key,
        });
        StepResult(st.Image.Id);
    }

    /// <summary>The image to make a step container from: a scratch stage gets an empty image first.</summary>
    private ImageRecord BaseForContainer(StageState st) =>
        st.Image ?? Images.FindBuildStep("", "scratch") ?? Images.Commit(null, new ImageCommit { Config = new ImageRuntimeConfig(), History = null, BuildKey = "scratch" });

    /// <summary>A container for a step's file work, never started.</summary>
    private Container CreateFileContainer(StageState st, string what)
    {
        var image = BaseForContainer(st);
        return Containers.Create(null, new ContainerConfig
        {
            Image = image.Id,
            Cmd = [.. st.Shell, "#(nop) " + what],
            Entrypoint = [""],
            Env = st.Config.Env?.ToList(),
            User = st.Config.User ?? "",
            WorkingDir = st.Config.WorkingDir ?? "",
            Labels = new Dictionary<string, string> { ["berth.build"] = "step" },
        }, new HostConfig { NetworkMode = "none" });
    }

    private async Task<ImageRecord> CommitContainerAsync(StageState st, Container c, string createdBy, string key)
    {
        var image = await Containers.CommitAsync(c.Id, new CommitOptions
        {
            Config = Clone(st.Config),
            CreatedBy = createdBy,
            Author = st.Maintainer,
            BuildKey = key,
            Pause = false,
        }, _ct).ConfigureAwait(false);
        st.Image = image;
        return image;
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await Containers.RemoveAsync(id, force: true, removeVolumes: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (BerthException)
        {
        }
    }

    private async Task WorkdirAsync(StageState st, string path)
    {
        if (path.Length == 0)
        {
            throw new BuildFailedException("WORKDIR requires exactly one argument");
        }
        st.Config.WorkingDir = GoPath.Clean(path.StartsWith('/') ? path : GoPath.Join(st.Config.WorkingDir is { Length: > 0 } wd ? wd : "/", path));
        var createdBy = string.Join(' ', st.Shell) + " #(nop) WORKDIR " + st.Config.WorkingDir;
        if (st.Image is null)
        {
            await CommitConfigAsync(st, "WORKDIR " + st.Config.WorkingDir).ConfigureAwait(false);
            return;
        }
        if (Cached(st, createdBy) is not null)
        {
            return;
        }
        var c = CreateFileContainer(st, "WORKDIR");
        try
        {
            var dir = st.Config.WorkingDir;
            var created = await Containers.WithBuildRootfsAsync(c.Id, root => root.Fs.MakeDirectories(dir, null), _ct).ConfigureAwait(false);
            if (created)
            {
                StepResult((await CommitContainerAsync(st, c, createdBy, createdBy).ConfigureAwait(false)).Id);
            }
            else
            {
                CommitWithoutLayer(st, createdBy, createdBy);
            }
        }
        finally
        {
            await RemoveQuietlyAsync(c.Id).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(StageState st, RunInstruction r)
    {
        if (r.Flags.Count > 0)
        {
            throw new BuildFailedException($"the --{r.Flags.Keys.First()} option requires BuildKit, which berthd's builder does not provide");
        }
        var line = r.Command.Args.Count > 0 ? r.Command.Args[0] : "";
        List<string> command;
        if (r.Command.PrependShell)
        {
            if (r.Heredocs.Count == 1 && LoneHeredoc().IsMatch(line))
            {
                // RUN <<EOF: the here-document is the script (expanded by the shell that runs it).
                command = [.. st.Shell, r.Heredocs[0].Content];
            }
            else
            {
                // A command reading here-documents: they go to the shell as written, which expands them (or not,
                // for a quoted delimiter).
                var script = new StringBuilder(line);
                foreach (var h in r.Heredocs)
                {
                    script.Append('\n').Append(h.Content).Append(h.Name);
                }
                command = [.. st.Shell, script.ToString()];
            }
        }
        else
        {
            command = [.. r.Command.Args];
        }
        var env = st.Env();
        var argEnv = st.Args
            .Where(a => a.Value is not null && !(st.Config.Env ?? []).Any(e => e.StartsWith(a.Name + "=", StringComparison.Ordinal)))
            .Select(a => a.Name + "=" + a.Value).ToList();
        var history = argEnv.Where(a => !Builder.PredefinedArgs.Contains(a[..a.IndexOf('=', StringComparison.Ordinal)])).ToList();
        var createdBy = (history.Count > 0 ? $"|{history.Count} {string.Join(' ', history)} " : "") + string.Join(' ', command);
        if (Cached(st, createdBy) is not null)
        {
            return;
        }
        var proxies = _options.BuildArgs.Where(a => Builder.PredefinedArgs.Contains(a.Key) && a.Value is not null && !env.ContainsKey(a.Key)).Select(a => a.Key + "=" + a.Value);
        var image = st.Image ?? throw new BuildFailedException($"The command '{string.Join(' ', command)}' cannot run: the stage has no file system yet (FROM scratch)", 127);
        var c = Containers.Create(null, new ContainerConfig
        {
            Image = image.Id,
            Cmd = command,
            Entrypoint = [""],
            Env = [.. st.Config.Env ?? [], .. argEnv, .. proxies],
            User = st.Config.User ?? "",
            WorkingDir = st.Config.WorkingDir ?? "",
            AttachStdout = true,
            AttachStderr = true,
            Labels = new Dictionary<string, string> { ["berth.build"] = "step" },
        }, new HostConfig
        {
            NetworkMode = _options.NetworkMode,
            ShmSize = _options.ShmSize,
            Memory = _options.Memory,
            MemorySwap = _options.MemorySwap,
            CpuShares = _options.CpuShares,
        });
        Say($" ---> Running in {Ids.Short(c.Id)}\n");
        var removed = false;
        try
        {
            var output = Containers.Streams(c.Id).Subscribe(out var subscription);
            int code;
            using (subscription)
            {
                var exit = Containers.WaitAsync(c.Id, "next-exit");
                await Containers.StartAsync(c.Id, _ct).ConfigureAwait(false);
                var decoders = new[] { Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder() };
                using var stop = _ct.Register(() => _ = Containers.KillAsync(c.Id, "KILL", CancellationToken.None));
                await foreach (var chunk in output.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    var decoder = decoders[(int)chunk.Stream % 3];
                    var chars = new char[decoder.GetCharCount(chunk.Data.Span, flush: false)];
                    var n = decoder.GetChars(chunk.Data.Span, chars, flush: false);
                    if (n > 0)
                    {
                        Say(new string(chars, 0, n));
                    }
                }
                code = (await exit.ConfigureAwait(false)).StatusCode;
            }
            _ct.ThrowIfCancellationRequested();
            if (code != 0)
            {
                throw new BuildFailedException($"The command '{string.Join(' ', command)}' returned a non-zero code: {code}", code);
            }
            StepResultAfter(await CommitContainerAsync(st, c, createdBy, createdBy).ConfigureAwait(false), c);
            removed = true;
        }
        finally
        {
            if (!removed || _options.Remove)
            {
                await RemoveQuietlyAsync(c.Id).ConfigureAwait(false);
            }
        }
    }

    private void StepResultAfter(ImageRecord image, Container c)
    {
        if (_options.Remove)
        {
            Say($"Removing intermediate container {Ids.Short(c.Id)}\n");
        }
        StepResult(image.Id);
    }

    /// <summary>A tar written by <paramref name="write"/> on another thread, read as a stream.</summary>
    private static (Stream Reader, Task Writer) TarPipe(Action<TarWriter> write)
    {
        var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var writer = Task.Run(() =>
        {
            using (server)
            {
                try
                {
                    using var tar = new TarWriter(server, TarEntryFormat.Pax, leaveOpen: true);
                    write(tar);
                }
                catch (IOException)
                {
                    // The reader stopped (its own error is the one reported).
                }
            }
        });
        return (client, writer);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class BuildJson : System.Text.Json.Serialization.JsonSerializerContext;
