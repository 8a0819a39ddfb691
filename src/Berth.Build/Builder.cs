using System.Text;
using Berth.Build.Dockerfile;
using Berth.Common;
using Berth.Engine;
using Berth.Images;
using Berth.Images.Archive;
using Berth.Images.Layers;
using Berth.Oci;

namespace Berth.Build;

/// <summary>
/// Docker's legacy builder (<c>POST /build</c>): the context is unpacked in the builder's own directory, the
/// Dockerfile parsed, and the stages the target needs are built in order, each instruction making one image whose
/// parent is the one before. RUN runs in a container through the engine; COPY, ADD and WORKDIR write into a
/// created container's root; the rest only change the config. A step whose parent and key match an earlier one's
/// reuses its image (the cache).
/// </summary>
public sealed class Builder(ContainerService containers, ImageService images, string workDir)
{
    /// <summary>Build args Docker lets through without an ARG (proxies), kept out of the image's history.</summary>
    internal static readonly IReadOnlySet<string> PredefinedArgs = new HashSet<string>(StringComparer.Ordinal)
    {
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    };

    /// <summary>Builds; returns the image ID. Failures are <see cref="BuildFailedException"/> (with the step's
    /// exit code) or the engine's exceptions; either way no step container is left.</summary>
    public async Task<string> BuildAsync(Stream context, BuildOptions options, IBuildOutput output, CancellationToken ct = default)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Directory.CreateDirectory(workDir);
        var dir = Path.Join(workDir, "context-" + Ids.New()[..12]);
        Directory.CreateDirectory(dir);
        // The context's larger files stay in memory until a step copies them: a build served from the cache
        // only receives and hashes its context.
        using var held = new HeldFileContents(HeldContextBytes);
        try
        {
            var digests = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            await Task.Run(() =>
            {
                using var fs = new ContainerFs(dir, "build context");
                using var prefetch = new PrefetchStream(context, ct);
                Span<byte> magic = stackalloc byte[2];
                var compressed = prefetch.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
                Stream tar = new ConcatStream(new MemoryStream(magic.ToArray()), prefetch);
                fs.Extract("/", compressed ? tar : new PaddedTarStream(tar), new CopyInOptions { MaxUncompressedBytes = options.MaxContextBytes, FileDigests = digests, Hold = held, AcceptDigestOnlyFiles = options.ContextByDigest });
            }, ct).ConfigureAwait(false);
            output.ContextReceived();
            var received = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var tree = new SourceTree(dir, "build context", digests, held);
            string id;
            try
            {
                var dockerfile = ReadDockerfile(tree, options.Dockerfile);
                var run = new BuildRun(this, tree, dockerfile, options, output, ct);
                id = await run.RunAsync().ConfigureAwait(false);
            }
            catch (ContentNotSentException e) when (options.ContextByDigest)
            {
                throw new ContextNeededException($"the build reads {Path.GetRelativePath(dir, e.Path)}");
            }
            Log.Debug("built", ("image", id), ("context", received.TotalMilliseconds), ("total", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            return id;
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The most of a context's contents held in memory.</summary>
    internal const long HeldContextBytes = 256L << 20;

    internal ContainerService Containers => containers;

    internal ImageService Images => images;

    private static DockerfileAst ReadDockerfile(SourceTree tree, string name)
    {
        var path = tree.Resolve(GoPath.Clean("/" + name));
        // A held file is empty on disk until filled: filled first, so the size checked is the real one.
        tree.Fill(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            // compat(docker): the legacy builder's words.
            throw BerthException.Invalid($"Cannot locate specified Dockerfile: {name}");
        }
        if (info.Length > DockerfileParser.MaxBytes)
        {
            throw BerthException.Invalid($"dockerfile {name} is larger than {DockerfileParser.MaxBytes} bytes");
        }
        var text = File.ReadAllText(path);
        try
        {
            var ast = DockerfileParser.Parse(text);
            RemoveIgnored(tree, name);
            return ast;
        }
        catch (DockerfileException e)
        {
            throw BerthException.Invalid(e.Message);
        }
    }

    /// <summary>compat(docker): the Dockerfile and .dockerignore leave the context when .dockerignore lists them,
    /// so COPY . does not copy them.</summary>
    private static void RemoveIgnored(SourceTree tree, string dockerfile)
    {
        var ignoreFile = Path.Join(tree.Root, ".dockerignore");
        if (!File.Exists(ignoreFile) || new FileInfo(ignoreFile).LinkTarget is not null)
        {
            return;
        }
        tree.Fill(ignoreFile);
        var ignore = DockerIgnore.Parse(File.ReadAllText(ignoreFile));
        foreach (var name in new[] { GoPath.Clean(dockerfile).TrimStart('/'), ".dockerignore" })
        {
            if (ignore.IsExcluded(name))
            {
                var host = Path.Join(tree.Root, name);
                if (File.Exists(host))
                {
                    File.Delete(host);
                }
            }
        }
    }
}

/// <summary>One build: the stages it needs, the steps' output and counters.</summary>
internal sealed partial class BuildRun
{
    private readonly Builder _builder;
    private readonly SourceTree _context;
    private readonly DockerfileAst _dockerfile;
    private readonly BuildOptions _options;
    private readonly IBuildOutput _output;
    private readonly CancellationToken _ct;
    private readonly Dictionary<int, string?> _stageImages = [];
    private readonly HashSet<string> _usedArgs = new(StringComparer.Ordinal);
    private int _step;
    private int _steps;

    public BuildRun(Builder builder, SourceTree context, DockerfileAst dockerfile, BuildOptions options, IBuildOutput output, CancellationToken ct)
    {
        _builder = builder;
        _context = context;
        _dockerfile = dockerfile;
        _options = options;
        _output = output;
        _ct = ct;
    }

    private ContainerService Containers => _builder.Containers;

    private ImageService Images => _builder.Images;

    public async Task<string> RunAsync()
    {
        if (_dockerfile.Stages.Count == 0)
        {
            throw BerthException.Invalid("the Dockerfile (Dockerfile) cannot be empty");
        }
        var metaArgs = MetaArgs();
        var target = TargetIndex();
        var needed = NeededStages(target, metaArgs);
        _steps = needed.Sum(i => 1 + _dockerfile.Stages[i].Commands.Count) + (_options.Labels.Count > 0 ? 1 : 0);
        string? last = null;
        foreach (var index in needed)
        {
            last = await BuildStageAsync(index, metaArgs, index == target).ConfigureAwait(false);
            _stageImages[index] = last;
        }
        if (last is null)
        {
            throw new BuildFailedException("No image was generated. Is your Dockerfile empty?");
        }
        var unused = _options.BuildArgs.Keys.Where(k => !_usedArgs.Contains(k) && !Builder.PredefinedArgs.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unused.Count > 0)
        {
            Say($"[Warning] One or more build-args [{string.Join(' ', unused)}] were not consumed\n");
        }
        var image = Images.TryResolve(last)!;
        _output.Aux(image.Id);
        foreach (var tag in _options.Tags)
        {
            Images.Tag(image.Id, tag);
        }
        if (_options.Quiet)
        {
            _output.Stream(image.Id + "\n");
            return image.Id;
        }
        Say($"Successfully built {Ids.Short(image.Id[7..])}\n");
        foreach (var tag in _options.Tags)
        {
            Say($"Successfully tagged {Reference.ParseNormalizedTagged(tag).Familiar}\n");
        }
        return image.Id;
    }

    private void Say(string text)
    {
        if (!_options.Quiet)
        {
            _output.Stream(text);
        }
    }

    /// <summary>The ARGs before the first FROM with their values (build args override defaults).</summary>
    private Dictionary<string, string> MetaArgs()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lex = new ShellLex(_dockerfile.EscapeToken);
        foreach (var arg in _dockerfile.MetaArgs.SelectMany(a => a.Args))
        {
            if (_options.BuildArgs.TryGetValue(arg.Name, out var given) && given is not null)
            {
                values[arg.Name] = given;
                _usedArgs.Add(arg.Name);
            }
            else if (arg.Default is not null)
            {
                values[arg.Name] = lex.ProcessWord(arg.Default, values);
            }
        }
        return values;
    }

    private int TargetIndex()
    {
        if (string.IsNullOrEmpty(_options.Target))
        {
            return _dockerfile.Stages.Count - 1;
        }
        for (var i = 0; i < _dockerfile.Stages.Count; i++)
        {
            if (string.Equals(_dockerfile.Stages[i].Name, _options.Target, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        throw BerthException.Invalid($"failed to reach build target {_options.Target} in Dockerfile");
    }

    /// <summary>The stages the target depends on (FROM a stage, COPY --from a stage), in file order: the others
    /// are skipped.</summary>
    private List<int> NeededStages(int target, Dictionary<string, string> metaArgs)
    {
        var lex = new ShellLex(_dockerfile.EscapeToken);
        var needed = new SortedSet<int>();
        var pending = new Stack<int>();
        pending.Push(target);
        while (pending.Count > 0)
        {
            var i = pending.Pop();
            if (!needed.Add(i))
            {
                continue;
            }
            var stage = _dockerfile.Stages[i];
            var refs = new List<string> { lex.ProcessWord(stage.From.BaseName, metaArgs) };
            refs.AddRange(stage.Commands.OfType<CopyInstruction>().Where(c => c.From is not null).Select(c => c.From!));
            foreach (var r in refs)
            {
                if (StageIndex(r, i) is { } dep)
                {
                    pending.Push(dep);
                }
            }
        }
        return [.. needed];
    }

    /// <summary>The earlier stage a name or index refers to, if it is one.</summary>
    private int? StageIndex(string reference, int before)
    {
        if (int.TryParse(reference, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return n < before ? n : throw new BuildFailedException($"invalid from flag value {reference}: refers to current build stage or a later one");
        }
        for (var i = 0; i < before; i++)
        {
            if (string.Equals(_dockerfile.Stages[i].Name, reference, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return null;
    }

    private void StepHeader(Instruction instruction) => Say($"Step {++_step}/{_steps} : {instruction.Original}\n");

    private void StepResult(string imageId) => Say($" ---> {Ids.Short(imageId[7..])}\n");
}
