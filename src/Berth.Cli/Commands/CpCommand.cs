using System.Globalization;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Common;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth cp</c>, the docker CLI's copy: from a container, <c>GET /containers/{id}/archive</c> and an extraction
/// on the host (or the tar itself on stdout with <c>-</c>); to a container, <c>HEAD …/archive</c> to learn what the
/// destination is, then <c>PUT …/archive?noOverwriteDirNonDir=true</c> with a tar whose entries are named for it
/// (or stdin's tar with <c>-</c>). Trailing "/" and "/." mean what they mean to docker.
/// </summary>
internal sealed class CpCommand : Command
{
    public override string Name => "cp";

    public override string Usage => "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH";

    public override string Summary => "Copy files/folders between a container and the local filesystem";

    public override ArgRule Args => ArgRule.Exactly(2);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("follow-link", 'L', "Always follow symbol link in SRC_PATH");
        flags.Bool("archive", 'a', "Archive mode (copy all uid/gid information)");
        flags.Bool("quiet", 'q', "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached");
    }

    private sealed record Stat(string Name, long Size, uint Mode, string LinkTarget)
    {
        public bool IsDir => (Mode & (1u << 31)) != 0;

        public bool IsSymlink => (Mode & (1u << 27)) != 0;
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        if (inv.Args[0].Length == 0)
        {
            throw new StatusException("source can not be empty", 1);
        }
        if (inv.Args[1].Length == 0)
        {
            throw new StatusException("destination can not be empty", 1);
        }
        var quiet = inv.Flags.Changed("quiet") ? inv.Flags.GetBool("quiet") : !ctx.Io.OutIsTerminal;
        var (srcContainer, srcPath) = SplitCpArg(inv.Args[0]);
        var (dstContainer, dstPath) = SplitCpArg(inv.Args[1]);
        try
        {
            return (srcContainer.Length > 0, dstContainer.Length > 0) switch
            {
                (true, true) => throw new StatusException("copying between containers is not supported", 1),
                (false, false) => throw new StatusException("must specify at least one container source", 1),
                (true, false) => FromContainer(ctx, srcContainer, srcPath, dstPath, inv.Flags.GetBool("follow-link"), quiet),
                _ => ToContainer(ctx, dstContainer, srcPath, dstPath, inv.Flags.GetBool("follow-link"), inv.Flags.GetBool("archive"), quiet),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not DaemonException)
        {
            throw new StatusException(e.Message, 1);
        }
    }

    /// <summary>compat(docker): splitCpArg; a local path holding ':' must start with '/' or '.'.</summary>
    internal static (string Container, string Path) SplitCpArg(string arg)
    {
        if (arg.StartsWith('/'))
        {
            return ("", arg);
        }
        var colon = arg.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || arg.StartsWith('.'))
        {
            return ("", arg);
        }
        return (arg[..colon], arg[(colon + 1)..]);
    }

    private static int FromContainer(CommandContext ctx, string container, string srcPath, string dstPath, bool followLink, bool quiet)
    {
        if (dstPath != "-")
        {
            dstPath = LocalPaths.ResolveLocalPath(dstPath);
            if (LocalPaths.ValidateOutputPath(dstPath) is { } invalid)
            {
                throw new StatusException(invalid, 1);
            }
        }
        var rebaseName = "";
        if (followLink && TryStat(ctx, container, srcPath) is { IsSymlink: true } link)
        {
            var target = link.LinkTarget;
            if (!target.StartsWith('/'))
            {
                target = GoPath.Join(LocalPaths.SplitPathDirEntry(srcPath).Dir, target);
            }
            (srcPath, rebaseName) = GetRebaseName(srcPath, target);
        }
        var (conn, head, body) = ctx.Client.Stream("GET", ArchivePath(container), new GoQuery().Add("path", srcPath));
        using (conn)
        {
            if (dstPath == "-")
            {
                body.CopyTo(ctx.Io.Out, 1 << 16);
                ctx.Io.Out.Flush();
                return 0;
            }
            var stat = ParseStat(head.Headers["X-Docker-Container-Path-Stat"]) ?? new Stat("", 0, 0, "");
            var counting = new CountingStream(body);
            var srcBase = LocalPaths.SplitPathDirEntry(srcPath).Base;
            Func<string, string> rebase = rebaseName.Length > 0 ? Replacer(srcBase, rebaseName) : n => n;
            // compat(docker): archive.CopyTo.
            var dst = DestinationInfo(dstPath);
            var (dstDir, rename) = PrepareArchiveCopy(srcPath, stat.IsDir, rebaseName, dst.Path, dst.Exists, dst.IsDir);
            LocalArchive.Extract(counting, dstDir, n => rename(rebase(n)));
            if (!quiet)
            {
                ctx.Io.ErrorLine($"Successfully copied {HumanSize(stat.IsDir ? counting.Count : stat.Size)} to {dstPath}");
            }
        }
        return 0;
    }

    private static int ToContainer(CommandContext ctx, string container, string srcPath, string dstPath, bool followLink, bool copyUidGid, bool quiet)
    {
        if (srcPath != "-")
        {
            srcPath = LocalPaths.ResolveLocalPath(srcPath);
        }
        var dstInfoPath = dstPath;
        var dstExists = false;
        var dstIsDir = false;
        if (TryStat(ctx, container, dstPath) is { } dst)
        {
            if (dst.IsSymlink)
            {
                var target = dst.LinkTarget;
                if (!target.StartsWith('/'))
                {
                    target = GoPath.Join(LocalPaths.SplitPathDirEntry(dstPath).Dir, target);
                }
                dstInfoPath = target;
                dst = TryStat(ctx, container, target);
            }
            if (dst is not null)
            {
                if ((dst.Mode & (1u << 26)) != 0)
                {
                    throw new StatusException($"destination \"{container}:{dstPath}\" must be a directory or a regular file: got a device", 1);
                }
                (dstExists, dstIsDir) = (true, dst.IsDir);
            }
        }

        Stream content;
        string resolvedDst;
        long contentSize = -1;
        if (srcPath == "-")
        {
            if (!dstIsDir)
            {
                throw new StatusException($"destination \"{container}:{dstPath}\" must be a directory", 1);
            }
            content = ctx.Io.In;
            resolvedDst = dstInfoPath;
        }
        else
        {
            var (resolvedSrc, srcRebase) = ResolveHostSourcePath(srcPath, followLink);
            var srcStat = new FileInfo(resolvedSrc);
            var srcIsDir = Directory.Exists(resolvedSrc) && srcStat.LinkTarget is null;
            if (!srcIsDir && !srcStat.Exists && srcStat.LinkTarget is null)
            {
                throw new StatusException($"lstat {resolvedSrc}: no such file or directory", 1);
            }
            contentSize = srcIsDir ? Directory.EnumerateFiles(resolvedSrc, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Sum(f => new FileInfo(f).LinkTarget is null ? new FileInfo(f).Length : 0)
                : srcStat.LinkTarget is null ? srcStat.Length : 0;
            var (dstDir, rename) = PrepareArchiveCopy(resolvedSrc, srcIsDir, srcRebase, dstInfoPath, dstExists, dstIsDir);
            var srcBase = LocalPaths.SplitPathDirEntry(resolvedSrc).Base;
            var baseName = rename(srcRebase.Length > 0 ? srcRebase : srcBase);
            content = LocalArchive.Create(resolvedSrc, baseName);
            resolvedDst = dstDir;
        }
        var query = new GoQuery().Add("path", resolvedDst).Add("noOverwriteDirNonDir", "true");
        if (copyUidGid)
        {
            query.Add("copyUIDGID", "true");
        }
        var counting = new CountingStream(content);
        var (conn, _, body) = ctx.Client.Stream("PUT", ArchivePath(container), query, upload: new SyncReadStream(counting), contentType: "text/plain");
        using (conn)
        {
            body.CopyTo(Stream.Null);
        }
        if (!quiet)
        {
            ctx.Io.ErrorLine($"Successfully copied {HumanSize(contentSize >= 0 ? contentSize : counting.Count)} to {container}:{dstInfoPath}");
        }
        return 0;
    }

    private static string ArchivePath(string container) => "/containers/" + Uri.EscapeDataString(container) + "/archive";

    private static Stat? TryStat(CommandContext ctx, string container, string path)
    {
        try
        {
            var (_, _, headers) = ctx.Client.Call("HEAD", ArchivePath(container), new GoQuery().Add("path", path));
            return ParseStat(headers["X-Docker-Container-Path-Stat"]);
        }
        catch (DaemonException e) when (e.Status is 404)
        {
            return null;
        }
    }

    private static Stat? ParseStat(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }
        using var doc = JsonDocument.Parse(Convert.FromBase64String(header));
        var r = doc.RootElement;
        return new Stat(
            r.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "",
            r.TryGetProperty("size", out var s) && s.TryGetInt64(out var size) ? size : 0,
            r.TryGetProperty("mode", out var m) && m.TryGetUInt32(out var mode) ? mode : 0,
            r.TryGetProperty("linkTarget", out var l) ? l.GetString() ?? "" : "");
    }

    /// <summary>compat(docker): <c>archive.GetRebaseName</c>.</summary>
    private static (string Path, string RebaseName) GetRebaseName(string path, string resolved)
    {
        if (GoPath.SpecifiesCurrentDir(path) && !GoPath.SpecifiesCurrentDir(resolved))
        {
            resolved += "/.";
        }
        if (path.EndsWith('/') && !resolved.EndsWith('/'))
        {
            resolved += "/";
        }
        var rebase = GoPath.Base(path) != GoPath.Base(resolved) ? GoPath.Base(path) : "";
        return (resolved, rebase);
    }

    /// <summary>compat(docker): <c>archive.ResolveHostSourcePath</c>: symlinks before the last element are
    /// evaluated; the last one too with -L.</summary>
    private static (string Path, string RebaseName) ResolveHostSourcePath(string path, bool followLink)
    {
        if (followLink)
        {
            var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? GoPath.Clean(path);
            return GetRebaseName(path, target);
        }
        var slash = path.LastIndexOf('/');
        var (dir, file) = (path[..(slash + 1)], path[(slash + 1)..]);
        var resolvedDir = dir.Length == 0 ? "." : RealPath(dir);
        var resolved = (resolvedDir == "/" ? "" : resolvedDir) + "/" + file;
        var rebase = path.EndsWith('/') && GoPath.Base(path) != GoPath.Base(resolved) ? GoPath.Base(path) : "";
        return (resolved, rebase);
    }

    private static string RealPath(string dir)
    {
        var full = GoPath.Clean(Path.GetFullPath(dir));
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        foreach (var part in parts)
        {
            var next = GoPath.Join(current, part);
            var info = new DirectoryInfo(next);
            if (!info.Exists && !File.Exists(next) && info.LinkTarget is null)
            {
                throw new StatusException($"lstat {next}: no such file or directory", 1);
            }
            current = info.LinkTarget is not null ? GoPath.Clean(info.ResolveLinkTarget(returnFinalTarget: true)!.FullName) : next;
        }
        return current;
    }

    /// <summary>compat(docker): <c>archive.CopyInfoDestinationPath</c> on the host.</summary>
    private static (string Path, bool Exists, bool IsDir) DestinationInfo(string path)
    {
        for (var n = 0; ; n++)
        {
            var info = new FileInfo(path);
            var target = info.LinkTarget;
            if (target is null)
            {
                if (Directory.Exists(path))
                {
                    return (path, true, true);
                }
                if (info.Exists)
                {
                    return (path, true, false);
                }
                var parent = LocalPaths.SplitPathDirEntry(path).Dir;
                if (File.Exists(parent))
                {
                    throw new StatusException("not a directory", 1);
                }
                if (!Directory.Exists(parent))
                {
                    throw new StatusException($"stat {parent}: no such file or directory", 1);
                }
                return (path, false, false);
            }
            if (n > 10)
            {
                throw new StatusException("too many symlinks in " + path, 1);
            }
            path = target.StartsWith('/') ? target : GoPath.Join(LocalPaths.SplitPathDirEntry(path).Dir, target);
        }
    }

    /// <summary>compat(docker): <c>archive.PrepareArchiveCopy</c>: the directory to extract into and how entry
    /// names change so the copy lands where the destination says.</summary>
    private static (string Dir, Func<string, string> Rename) PrepareArchiveCopy(string srcPath, bool srcIsDir, string srcRebase, string dstPath, bool dstExists, bool dstIsDir)
    {
        var (dstDir, dstBase) = LocalPaths.SplitPathDirEntry(dstPath);
        var srcBase = srcRebase.Length > 0 ? srcRebase : LocalPaths.SplitPathDirEntry(srcPath).Base;
        if (dstExists && dstIsDir)
        {
            return (dstPath, n => n);
        }
        if (dstExists && srcIsDir)
        {
            throw new StatusException("cannot copy directory", 1);
        }
        if (!dstExists && !srcIsDir && LocalPaths.AssertsDirectory(dstPath))
        {
            throw new StatusException("no such directory", 1);
        }
        return (dstDir, Replacer(srcBase, dstBase));
    }

    /// <summary>compat(docker): RebaseArchiveEntries, <c>strings.Replace(name, old, new, 1)</c>.</summary>
    private static Func<string, string> Replacer(string oldBase, string newBase)
    {
        if (oldBase == "/")
        {
            oldBase = "";
        }
        return name =>
        {
            var at = name.IndexOf(oldBase, StringComparison.Ordinal);
            return at < 0 ? name : name[..at] + newBase + name[(at + oldBase.Length)..];
        };
    }

    /// <summary>compat(docker): go-units HumanSizeWithPrecision(n, 3): decimal units, three significant digits.</summary>
    internal static string HumanSize(long n)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
        double size = n;
        var i = 0;
        while (size >= 1000 && i < units.Length - 1)
        {
            size /= 1000;
            i++;
        }
        return size.ToString("G3", CultureInfo.InvariantCulture).Replace("E+", "e+", StringComparison.Ordinal) + units[i];
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Count += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
