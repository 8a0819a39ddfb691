using System.Text;
using Berth.Common;
using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Archive;

/// <summary>
/// <c>docker cp</c> and <c>docker export</c> over a container's root file system (a mounted rootfs on the host):
/// stat a path, archive it, extract an archive into a directory, archive the whole tree. Paths are the container's:
/// they resolve inside the root (symlinks and ".." never leave it) with Docker's rules for a trailing "/" or "/.".
/// </summary>
public sealed class ContainerFs : IDisposable
{
    private readonly SafeFd _root;
    private readonly string _container;
    private readonly IReadOnlyDictionary<string, string>? _overlays;

    /// <param name="rootfs">The host directory where the container's root is mounted.</param>
    /// <param name="container">The container as the client named it, for Docker's messages.</param>
    /// <param name="overlays">Files the container sees bind-mounted over its root (container path to host file:
    /// /etc/hostname, /etc/hosts, /etc/resolv.conf); reads give their content, as Docker's, which mounts them.</param>
    public ContainerFs(string rootfs, string container, IReadOnlyDictionary<string, string>? overlays = null)
    {
        _root = Fs.Open(rootfs, LibC.O_RDONLY | LibC.O_DIRECTORY);
        _container = container;
        _overlays = overlays;
    }

    public void Dispose() => _root.Dispose();

    /// <summary>Set for a running remapped container, whose idmapped root shows host ids: archives carry the
    /// container's ids.</summary>
    public IdRangeShift? Unshift { get; init; }

    /// <summary><c>HEAD /containers/{id}/archive</c>: what <paramref name="path"/> names, its last element not
    /// followed (Docker's ResolvePath + StatPath).</summary>
    public PathStat Stat(string path)
    {
        using var target = Locate(path);
        return target.Stat;
    }

    /// <summary><c>GET /containers/{id}/archive</c>: the stat of <paramref name="path"/>, then a tar of it whose
    /// entries start with the path's own base name, written to the stream <paramref name="open"/> returns once it
    /// has the stat (the response headers carry it).</summary>
    public void Archive(string path, Func<PathStat, Stream> open)
    {
        using var target = Locate(path);
        var tar = new TarStreamWriter(open(target.Stat));
        var archiver = new TreeArchiver(tar, _overlays) { Unshift = Unshift };
        // compat(docker): TarResourceRebase(resolvedPath, filepath.Base(absPath)).
        var rebase = GoPath.Base(target.AbsPath);
        if (target.Name is null)
        {
            archiver.AddDirectory(target.Fd, rebase, target.ContainerPath);
        }
        else
        {
            archiver.AddEntry(target.Fd, Encoding.UTF8.GetBytes(target.Name + "\0"), rebase, target.ContainerPath);
        }
        archiver.Finish();
    }

    /// <summary><c>PUT /containers/{id}/archive</c>: unpacks <paramref name="tar"/> (plain or gzip) into the
    /// directory <paramref name="path"/> names, every symlink of the path followed inside the root. Hostile entries
    /// (climbing "..", links out of the target, writes through a symlink) are refused or stay under the target.</summary>
    public void Extract(string path, Stream tar, CopyInOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var absPath = GoPath.ContainerAbsolute(path);
        SafeFd? dir;
        try
        {
            // compat(docker): the last element is followed too, so an archive can be extracted through a link to a
            // directory.
            var resolved = ScopedPath.Resolve(_root, absPath);
            dir = ScopedPath.TryOpen(_root, resolved, LibC.O_RDONLY | LibC.O_DIRECTORY);
        }
        catch (LinuxException e) when (e.Errno == LibC.ENOTDIR)
        {
            throw BerthException.Invalid("extraction point is not a directory");
        }
        if (dir is null)
        {
            throw NotFound(path);
        }
        using (dir)
        {
            LayerApplier.Apply(tar, dir, new LayerApplyOptions
            {
                Whiteouts = WhiteoutMode.Literal,
                ApplyRootEntry = false,
                NoOverwriteDirNonDir = options.NoOverwriteDirNonDir,
                Owner = options.Owner,
                IdShift = options.IdShift,
                MaxUncompressedBytes = options.MaxUncompressedBytes,
                MaxEntries = options.MaxEntries,
                FileDigests = options.FileDigests,
                Hold = options.Hold,
                AcceptDigestOnlyFiles = options.AcceptDigestOnlyFiles,
                ComputeDiffId = false,
            });
        }
    }

    /// <summary>Creates the directory <paramref name="path"/> and its missing parents inside the root (a build's
    /// WORKDIR and COPY destination), symlinks on the way resolved in the root; new ones get
    /// <paramref name="owner"/>. Returns whether any was created.</summary>
    public bool MakeDirectories(string path, (uint Uid, uint Gid)? owner)
    {
        var resolved = ScopedPath.Resolve(_root, GoPath.ContainerAbsolute(path));
        try
        {
            using var dir = Fs.MkdirAllInRoot(_root, resolved, 0x1ed, owner, out var created);
            return created;
        }
        catch (LinuxException e) when (e.Errno is LibC.ENOTDIR or LibC.EEXIST)
        {
            throw BerthException.Invalid($"mkdir {path}: not a directory");
        }
    }

    /// <summary>The container path <paramref name="path"/> leads to, every symlink on the way followed inside the
    /// root (Docker's FollowSymlinkInScope).</summary>
    public string Resolve(string path) => ScopedPath.Resolve(_root, GoPath.ContainerAbsolute(path));

    /// <summary>Whether <paramref name="path"/> (symlinks followed in the root) names a directory.</summary>
    public bool IsDirectory(string path)
    {
        try
        {
            using var dir = ScopedPath.TryOpen(_root, ScopedPath.Resolve(_root, GoPath.ContainerAbsolute(path)), LibC.O_PATH | LibC.O_DIRECTORY);
            return dir is not null;
        }
        catch (LinuxException e) when (e.Errno is LibC.ENOTDIR or LibC.ELOOP)
        {
            return false;
        }
    }

    /// <summary><c>GET /containers/{id}/export</c>: the whole tree, entries named relative to the root.</summary>
    public void Export(Stream output)
    {
        var archiver = new TreeArchiver(new TarStreamWriter(output)) { Unshift = Unshift };
        archiver.AddDirectory(_root, null, "/");
        archiver.Finish();
    }

    private BerthException NotFound(string path) =>
        // compat(docker): containerFileNotFound, with the path and the container as the client gave them.
        BerthException.NotFound($"Could not find the file {path} in container {_container}");

    private Target Locate(string path)
    {
        var absPath = GoPath.ContainerAbsolute(path);
        var (dir, file) = GoPath.Split(absPath);
        try
        {
            var resolvedDir = ScopedPath.Resolve(_root, dir);
            if (file is "" or ".")
            {
                var fd = ScopedPath.TryOpen(_root, resolvedDir, LibC.O_RDONLY | LibC.O_DIRECTORY) ?? throw NotFound(path);
                return new Target(absPath, resolvedDir, fd, null, MakeStat(absPath, Fs.Fstat(fd), ""));
            }
            var parent = ScopedPath.TryOpen(_root, resolvedDir, LibC.O_RDONLY | LibC.O_DIRECTORY) ?? throw NotFound(path);
            if (LibC.fstatat(parent.Fd, file, out var st, LibC.AT_SYMLINK_NOFOLLOW) < 0)
            {
                var errno = Sys.LastErrno;
                parent.Dispose();
                throw errno == LibC.ENOENT ? NotFound(path) : new LinuxException("lstat", absPath, errno);
            }
            var link = "";
            var containerPath = ScopedPath.JoinPath(resolvedDir, file);
            if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFREG && _overlays is not null && _overlays.TryGetValue(containerPath, out var hostFile))
            {
                using var bound = Fs.Open(hostFile, LibC.O_RDONLY | LibC.O_NOFOLLOW);
                st = Fs.Fstat(bound);
            }
            if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFLNK)
            {
                // compat(docker): the link fully evaluated in the scope of the root, as an absolute container path.
                link = ScopedPath.Resolve(_root, absPath);
            }
            return new Target(absPath, containerPath, parent, file, MakeStat(absPath, st, link));
        }
        catch (LinuxException e) when (e.Errno == LibC.ENOTDIR)
        {
            throw new BerthException(ErrorKind.Unknown, $"lstat {absPath}: not a directory", e);
        }
    }

    private static PathStat MakeStat(string absPath, LibC.Stat st, string link) => new(
        GoPath.Base(absPath),
        st.st_size,
        PathStat.GoFileMode(st.st_mode),
        DateTimeOffset.FromUnixTimeSeconds(st.st_mtim.tv_sec).AddTicks(st.st_mtim.tv_nsec / 100),
        link);

    /// <summary>A located path: the directory itself (<see cref="Name"/> null) or an entry of it.</summary>
    private sealed record Target(string AbsPath, string ContainerPath, SafeFd Fd, string? Name, PathStat Stat) : IDisposable
    {
        public void Dispose() => Fd.Dispose();
    }
}
