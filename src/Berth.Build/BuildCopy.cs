using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Berth.Build.Dockerfile;
using Berth.Common;
using Berth.Engine;
using Berth.Engine.Model;
using Berth.Images;
using Berth.Images.Archive;

namespace Berth.Build;

/// <summary>COPY and ADD: sources from the context, another stage, an image, a here-document or (ADD) a URL.</summary>
internal sealed partial class BuildRun
{
    /// <summary>One thing to copy: where it comes from and the hash of what it holds.</summary>
    /// <param name="SniffArchive">ADD of a local file: whether it is an archive to unpack is looked at once the
    /// cache has missed (reading it before would fetch a held or unsent file for nothing).</param>
    private sealed record CopySource(string Name, string? HostPath, string? Text, bool IsDirectory, bool IsArchive, string Hash, DateTime? Modified = null, byte[]? Bytes = null, bool SniffArchive = false);

    // A download is held in memory until it is copied: bounded, so an endless or huge answer cannot exhaust it.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 10 })
    {
        Timeout = TimeSpan.FromMinutes(10),
        MaxResponseContentBufferSize = 1L << 30,
    };

    private async Task CopyAsync(StageState st, CopyInstruction c, Dictionary<string, string> env)
    {
        var verb = c.Keyword;
        var destWord = st.Lex.ProcessWord(c.Dest, env);
        var dest = destWord.StartsWith('/') ? destWord : GoPath.Join(st.Config.WorkingDir is { Length: > 0 } wd ? wd : "/", destWord) + (destWord.EndsWith('/') || destWord is "." or "./" ? "/" : "");
        var chown = c.Chown is null ? null : st.Lex.ProcessWord(c.Chown, env);
        UnixFileMode? chmod = null;
        if (c.Chmod is not null)
        {
            var mode = st.Lex.ProcessWord(c.Chmod, env);
            chmod = int.TryParse(mode, NumberStyles.None, CultureInfo.InvariantCulture, out _) && mode.All(ch => ch is >= '0' and <= '7') && mode.Length <= 4
                ? (UnixFileMode)Convert.ToInt32(mode, 8)
                : throw new BuildFailedException($"invalid chmod parameter: {mode}");
        }
        // --link only changes how BuildKit stores the layer; the files copied are the same, so it is taken.
        if (c.Parents || c.Exclude.Count > 0)
        {
            throw new BuildFailedException($"the --{(c.Parents ? "parents" : "exclude")} option of {verb} requires BuildKit, which berthd's builder does not provide");
        }
        var fromImage = c.From is null ? null : ResolveCopyFrom(st.Lex.ProcessWord(c.From, env));
        Container? sourceContainer = null;
        Container? target = null;
        try
        {
            if (fromImage is not null)
            {
                sourceContainer = Containers.Create(null, new ContainerConfig
                {
                    Image = fromImage.Id,
                    Cmd = ["/bin/sh", "-c", "#(nop) copy source"],
                    Entrypoint = [""],
                    Labels = new Dictionary<string, string> { ["berth.build"] = "step" },
                }, new HostConfig { NetworkMode = "none" });
            }
            // The work runs with the source's root mounted (another image), or the context directly.
            async Task<T> WithSource<T>(Func<SourceTree, Task<T>> work)
            {
                if (sourceContainer is null)
                {
                    return await work(_context).ConfigureAwait(false);
                }
                var inner = await Containers.WithBuildRootfsAsync(sourceContainer.Id, root => work(new SourceTree(root.Path, "stage")).GetAwaiter().GetResult(), _ct).ConfigureAwait(false);
                return inner;
            }
            await WithSource(async src =>
            {
                var sources = await GatherAsync(st, c, src, env).ConfigureAwait(false);
                if (sources.Count > 1 && !dest.EndsWith('/'))
                {
                    throw new BuildFailedException($"When using {verb} with more than one source file, the destination must be a directory and end with a /");
                }
                var hash = sources.Count == 1 ? sources[0].Hash : "multi:" + Sha(string.Join('\n', sources.Select(s => s.Hash)));
                var createdBy = $"{string.Join(' ', st.Shell)} #(nop) {verb} {hash} in {destWord} ";
                var key = createdBy + "\n" + chown + "\n" + chmod + "\n" + fromImage?.Id;
                if (Cached(st, key) is not null)
                {
                    return 0;
                }
                foreach (var s in sources.Where(s => s.HostPath is not null))
                {
                    src.Fill(s.HostPath!);
                }
                sources = [.. sources.Select(s => s.SniffArchive ? s with { IsArchive = IsArchive(s.HostPath!) } : s)];
                target = CreateFileContainer(st, verb);
                await Containers.WithBuildRootfsAsync(target.Id, root =>
                {
                    var owner = chown is null ? (0u, 0u) : root.ResolveUser(chown);
                    foreach (var s in sources)
                    {
                        Place(root, s, dest, sources.Count, owner, chmod, chown is not null);
                    }
                    return 0;
                }, _ct).ConfigureAwait(false);
                StepResult((await CommitContainerAsync(st, target, createdBy, key).ConfigureAwait(false)).Id);
                return 0;
            }).ConfigureAwait(false);
        }
        finally
        {
            if (target is not null)
            {
                await RemoveQuietlyAsync(target.Id).ConfigureAwait(false);
            }
            if (sourceContainer is not null)
            {
                await RemoveQuietlyAsync(sourceContainer.Id).ConfigureAwait(false);
            }
        }
    }

    /// <summary>COPY --from: an earlier stage (by name or index) or an image.</summary>
    private ImageRecord ResolveCopyFrom(string from)
    {
        var current = _dockerfile.Stages.Count;
        if (StageIndex(from, current) is { } index)
        {
            return _stageImages.TryGetValue(index, out var id) && id is not null && Images.TryResolve(id) is { } built
                ? built
                : throw new BuildFailedException($"invalid from flag value {from}: stage was not built");
        }
        return Images.TryResolve(from) ?? throw new BuildFailedException($"invalid from flag value {from}: No such image: {from}");
    }

    private async Task<List<CopySource>> GatherAsync(StageState st, CopyInstruction c, SourceTree tree, Dictionary<string, string> env)
    {
        var verb = c.Keyword;
        var result = new List<CopySource>();
        foreach (var raw in c.Sources)
        {
            var heredoc = c.Heredocs.FirstOrDefault(h => raw == h.Name || raw == "<<" + h.Name || raw == "<<-" + h.Name);
            if (heredoc is not null)
            {
                // compat(buildkit): a here-document's variables expand, its quotes and escapes stay as written.
                var text = heredoc.Expand ? new ShellLex(st.Lex.EscapeToken) { RawQuotes = true, RawEscapes = true }.ProcessWord(heredoc.Content, env) : heredoc.Content;
                result.Add(new CopySource(heredoc.Name, null, text, false, false, "heredoc:" + Sha(text)));
                continue;
            }
            var source = st.Lex.ProcessWord(raw, env);
            if (c.IsAdd && (source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
            {
                result.Add(await DownloadAsync(source, c.Checksum is null ? null : st.Lex.ProcessWord(c.Checksum, env)).ConfigureAwait(false));
                continue;
            }
            if (c.Checksum is not null)
            {
                throw new BuildFailedException("checksum can't be specified for non-HTTP(S) sources");
            }
            var clean = GoPath.Clean(source);
            if (clean == ".." || clean.StartsWith("../", StringComparison.Ordinal))
            {
                throw new BuildFailedException($"{verb} failed: forbidden path outside the build context: {source} ()");
            }
            var matches = tree.Expand(source);
            if (matches.Count == 0)
            {
                throw new BuildFailedException($"{verb} failed: no source files were specified");
            }
            foreach (var m in matches)
            {
                var host = tree.Resolve(m);
                if (!Path.Exists(host))
                {
                    throw new BuildFailedException(tree == _context
                        ? $"{verb} failed: file not found in build context or excluded by .dockerignore: stat {source.TrimStart('/')}: file does not exist"
                        : $"{verb} failed: stat {m}: file does not exist");
                }
                var isDir = Directory.Exists(host);
                var entries = SourceTree.Walk(host, "").ToList();
                var hash = (isDir ? "dir:" : "file:") + tree.Checksum(entries);
                result.Add(new CopySource(GoPath.Base(m), host, null, isDir, false, hash, SniffArchive: c.IsAdd && !isDir));
            }
        }
        return result;
    }

    /// <summary>ADD of a URL: the daemon fetches it; <c>--checksum</c> must match what came.</summary>
    private async Task<CopySource> DownloadAsync(string url, string? checksum)
    {
        byte[] body;
        DateTime? modified;
        try
        {
            using var response = await Http.GetAsync(new Uri(url), _ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new BuildFailedException($"failed to GET {url} with status {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            body = await response.Content.ReadAsByteArrayAsync(_ct).ConfigureAwait(false);
            modified = response.Content.Headers.LastModified?.UtcDateTime;
        }
        catch (HttpRequestException e)
        {
            throw new BuildFailedException($"failed to GET {url}: {e.Message}");
        }
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        if (checksum is not null && !string.Equals(checksum, digest, StringComparison.Ordinal))
        {
            throw new BuildFailedException($"digest mismatch {digest}: {checksum}");
        }
        var path = new Uri(url).AbsolutePath;
        var name = GoPath.Base(path) is { Length: > 0 } b && b != "/" && b != "." ? b : "__unnamed__";
        return new CopySource(name, null, null, false, false, "url:" + digest, modified, body);
    }

    /// <summary>compat(docker): ADD unpacks a local tar archive, plain or gzip, instead of copying it.</summary>
    private static bool IsArchive(string host)
    {
        using var f = File.OpenRead(host);
        Span<byte> head = stackalloc byte[512];
        var n = f.ReadAtLeast(head, 512, throwOnEndOfStream: false);
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            return true;
        }
        return n >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8);
    }

    private static string Sha(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    /// <summary>Writes one source into the step container's root, with Docker's rules: a directory's content
    /// goes into the destination; a file goes into it when it is (or ends in "/" as) a directory, else becomes it.</summary>
    private static void Place(BuildRootfs root, CopySource s, string dest, int count, (uint Uid, uint Gid) owner, UnixFileMode? chmod, bool chowned)
    {
        var destIsDir = dest.EndsWith('/') || count > 1 || root.Fs.IsDirectory(dest);
        if (s.IsDirectory || s.IsArchive)
        {
            root.Fs.MakeDirectories(dest, owner);
            if (s.IsArchive)
            {
                using var archive = File.OpenRead(s.HostPath!);
                root.Fs.Extract(dest, archive, new CopyInOptions { Owner = chowned ? owner : null });
                return;
            }
            Extract(root, dest, tar =>
            {
                foreach (var (name, info) in SourceTree.Walk(s.HostPath!, "").Skip(1))
                {
                    SourceTree.WriteEntry(tar, name, info, owner, chmod);
                }
            });
            return;
        }
        var dir = destIsDir ? dest : GoPath.Dir(dest);
        var name2 = destIsDir ? s.Name : GoPath.Base(dest);
        root.Fs.MakeDirectories(dir, owner);
        Extract(root, dir, tar =>
        {
            if (s.HostPath is not null)
            {
                var info = new FileInfo(s.HostPath);
                SourceTree.WriteEntry(tar, name2, info, owner, chmod);
                return;
            }
            var bytes = s.Bytes ?? Encoding.UTF8.GetBytes(s.Text ?? "");
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name2)
            {
                Uid = (int)owner.Uid,
                Gid = (int)owner.Gid,
                // compat(docker): a downloaded file is 0600, a here-document 0644.
                Mode = chmod ?? (s.Bytes is not null ? (UnixFileMode)0x180 : (UnixFileMode)0x1a4),
                ModificationTime = s.Modified ?? DateTime.UtcNow,
                DataStream = new MemoryStream(bytes),
            };
            tar.WriteEntry(entry);
        });
    }

    private static void Extract(BuildRootfs root, string dir, Action<TarWriter> write)
    {
        var (reader, writer) = TarPipe(write);
        using (reader)
        {
            root.Fs.Extract(dir, reader, new CopyInOptions());
        }
        writer.GetAwaiter().GetResult();
    }
}
