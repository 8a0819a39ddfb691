using System.IO.Compression;
using System.IO.Pipes;
using System.Text;
using Berth.Common;

namespace Berth.Cli.BuildContexts;

/// <summary>
/// What <c>berth build</c> sends: the context's bytes and the Dockerfile's name inside it (empty: the daemon's
/// default). A directory context is written by a background thread; <see cref="WriterError"/> says whether it failed.
/// </summary>
internal sealed class PreparedContext
{
    private Exception? _writerError;

    private PreparedContext(Stream body, string relDockerfile)
    {
        Body = body;
        RelDockerfile = relDockerfile;
    }

    public Stream Body { get; }

    public string RelDockerfile { get; }

    public Exception? WriterError => Volatile.Read(ref _writerError);

    public const string DefaultDockerfileName = "Dockerfile";

    /// <summary>
    /// The docker CLI's runBuild up to the upload: a directory (with .dockerignore), or <c>-</c>: an archive on stdin
    /// passed through as is, or a Dockerfile on stdin as the whole context. <paramref name="dockerfile"/> is
    /// <c>-f</c> (relative to <paramref name="cwd"/>, <c>-</c> for stdin). Throws <see cref="ContextException"/>
    /// for what the CLI reports as "unable to prepare context".
    /// </summary>
    /// <param name="digestCache">Non-null: send the larger files of a directory context by digest (berthd's
    /// <c>contextdigests=1</c>), their digests cached in this directory (see <see cref="ContextDigests"/>).</param>
    public static PreparedContext Prepare(string context, string dockerfile, Stream stdin, string cwd, bool compress, DateTimeOffset now, string? digestCache = null)
    {
        if (context == "-")
        {
            return FromStdin(stdin, dockerfile, compress, now);
        }
        // compat(docker): isLocalDir is os.Stat; anything else that is no URL is "not found".
        if (context.Length == 0 || !Berth.Linux.Fs.TryStat(HostPaths.Abs(context, cwd), out _))
        {
            throw new ContextException($"path {Formatting.GoFormat.Quote(context)} not found");
        }
        var root = ResolveContextDir(context, cwd);
        var relDockerfile = DockerfileRelPath(root, dockerfile, cwd);
        byte[]? dockerfileContent = null;
        if (dockerfile == "-")
        {
            dockerfileContent = ReadAll(stdin);
        }
        else if (relDockerfile.StartsWith("../", StringComparison.Ordinal))
        {
            // compat(docker): a Dockerfile outside the context is sent inside it, under a random name.
            try
            {
                dockerfileContent = File.ReadAllBytes(HostPaths.Abs(dockerfile, cwd));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StatusException($"unable to open Dockerfile: open {dockerfile}: {(e is UnauthorizedAccessException ? "permission denied" : "no such file or directory")}", 1);
            }
        }
        var ignore = ReadDockerIgnore(root, relDockerfile, dockerfile == "-");
        var entries = DirectoryContext.Scan(root, ignore);
        InjectedDockerfile? injected = null;
        if (dockerfileContent is not null)
        {
            injected = InjectedDockerfile.Create(dockerfileContent, now);
            relDockerfile = injected.Name;
        }
        if (digestCache is null)
        {
            return Pump(relDockerfile, compress, output => ContextTar.Write(output, entries, injected));
        }
        // The Dockerfile and .dockerignore always go whole: the daemon reads them first.
        var digests = ContextDigests.Open(digestCache, root);
        var whole = relDockerfile;
        return Pump(relDockerfile, compress, output =>
        {
            ContextTar.Write(output, entries, injected, e => ContextDigests.Applies(e) && e.Name != whole && e.Name != ".dockerignore" ? digests.Of(e) : null);
            digests.Save();
        });
    }

    private static PreparedContext FromStdin(Stream stdin, string dockerfile, bool compress, DateTimeOffset now)
    {
        if (dockerfile == "-")
        {
            throw new StatusException("invalid argument: can't use stdin for both build context and dockerfile", 1);
        }
        var head = new byte[ArchiveDetector.PeekSize];
        var got = 0;
        int n;
        while (got < head.Length && (n = stdin.Read(head, got, head.Length - got)) > 0)
        {
            got += n;
        }
        if (ArchiveDetector.IsArchive(head.AsSpan(0, got)))
        {
            var prefix = head[..got];
            if (compress)
            {
                return Pump(dockerfile, compress, output =>
                {
                    output.Write(prefix);
                    stdin.CopyTo(output);
                });
            }
            return new PreparedContext(new ConcatStream(new MemoryStream(prefix), stdin), dockerfile);
        }
        if (dockerfile.Length > 0)
        {
            throw new ContextException("ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles");
        }
        var rest = ReadAll(stdin);
        var tar = ContextTar.SingleFile(DefaultDockerfileName, [.. head.AsSpan(0, got), .. rest], now);
        return compress
            ? Pump(DefaultDockerfileName, compress, output => output.Write(tar))
            : new PreparedContext(new MemoryStream(tar), DefaultDockerfileName);
    }

    /// <summary>compat(docker): ResolveAndValidateContextPath's checks and words.</summary>
    private static string ResolveContextDir(string given, string cwd)
    {
        string resolved;
        try
        {
            resolved = HostPaths.EvalSymlinks(HostPaths.Abs(given, cwd));
        }
        catch (ContextException e)
        {
            throw new ContextException("unable to evaluate symlinks in context path: " + e.Message);
        }
        if (!Directory.Exists(resolved))
        {
            throw new ContextException("context must be a directory: " + resolved);
        }
        return resolved;
    }

    /// <summary>compat(docker): getDockerfileRelPath: <c>Dockerfile</c> (or <c>dockerfile</c>) in the context by default,
    /// <c>-f</c> taken from the working directory, symlinks resolved; <c>../…</c> when it lies outside.</summary>
    private static string DockerfileRelPath(string root, string given, string cwd)
    {
        if (given == "-")
        {
            return given;
        }
        string abs;
        if (given.Length == 0)
        {
            abs = root + "/" + DefaultDockerfileName;
            var alt = root + "/" + DefaultDockerfileName.ToLowerInvariant();
            if (!Exists(abs) && Exists(alt))
            {
                abs = alt;
            }
        }
        else
        {
            abs = HostPaths.Abs(given, cwd);
        }
        try
        {
            abs = HostPaths.EvalSymlinks(abs);
        }
        catch (ContextException e)
        {
            throw new ContextException("unable to evaluate symlinks in Dockerfile path: " + e.Message);
        }
        if (!Exists(abs))
        {
            throw new ContextException($"Cannot locate Dockerfile: {Formatting.GoFormat.Quote(abs)}");
        }
        return HostPaths.Rel(root, abs);
    }

    private static bool Exists(string path) => Berth.Linux.Fs.TryLstat(path, out _);

    /// <summary>
    /// The context's .dockerignore, with the CLI's TrimBuildFilesFromExcludes: the .dockerignore and the Dockerfile
    /// are always sent (the daemon leaves them out of the build itself). Null when there is no .dockerignore.
    /// </summary>
    private static DockerIgnore? ReadDockerIgnore(string root, string relDockerfile, bool dockerfileFromStdin)
    {
        string text;
        try
        {
            text = File.ReadAllText(root + "/.dockerignore", Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            throw new StatusException($"open {root}/.dockerignore: permission denied", 1);
        }
        try
        {
            var ignore = DockerIgnore.Parse(text);
            var extra = new StringBuilder();
            if (ignore.IsExcluded(".dockerignore"))
            {
                extra.Append("\n!.dockerignore");
            }
            if (!dockerfileFromStdin && !relDockerfile.StartsWith("../", StringComparison.Ordinal) && ignore.IsExcluded(relDockerfile))
            {
                extra.Append("\n!").Append(relDockerfile);
            }
            return extra.Length == 0 ? ignore : DockerIgnore.Parse(text + extra);
        }
        catch (BerthException e)
        {
            throw new StatusException("error checking context: " + e.Message, 1);
        }
    }

    private static byte[] ReadAll(Stream s)
    {
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>Runs <paramref name="write"/> on a thread into a pipe (gzip when <paramref name="compress"/>); the context's body reads the other end.</summary>
    private static PreparedContext Pump(string relDockerfile, bool compress, Action<Stream> write)
    {
        var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var prepared = new PreparedContext(client, relDockerfile);
        var thread = new Thread(() =>
        {
            try
            {
                if (compress)
                {
                    using var gz = new GZipStream(server, CompressionLevel.Optimal, leaveOpen: true);
                    write(gz);
                }
                else
                {
                    write(server);
                }
            }
            catch (Exception e)
            {
                // The daemon going away shows as a broken pipe; its own answer is the error to report then.
                Volatile.Write(ref prepared._writerError, e);
            }
            finally
            {
                server.Dispose();
            }
        })
        { IsBackground = true, Name = "berth build context" };
        thread.Start();
        return prepared;
    }
}
