using System.Text;
using Berth.Common;
using Berth.Linux;

namespace Berth.Images.Layers;

/// <summary>
/// Creates the entries of one layer under its root. Every operation is relative to a directory fd: the directory of
/// an entry is resolved with openat2(RESOLVE_IN_ROOT), so symlinks and ".." in the tree resolve as if the root were
/// "/" (as Docker gets by unpacking in a chroot), and the entry itself is made with *at calls that never follow a
/// symlink standing in its place.
/// </summary>
internal sealed unsafe class LayerWriter : IDisposable
{
    private const string WhiteoutPrefix = ".wh.";
    private const string WhiteoutMetaPrefix = ".wh..wh.";
    private const string OpaqueMarker = ".wh..wh..opq";
    private const uint NewFileMode = 0x180; // 0600 until the entry's own mode is set, after the data and the owner

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SafeFd _root;
    private readonly LayerApplyOptions _options;

    // Delete mode: every path this layer put, with its ancestors, so an opaque marker spares them.
    private readonly HashSet<string>? _created;

    // compat(docker): directory times are set after all entries, since creating children changes them.
    private readonly List<(string Path, LibC.Timespec ATime, LibC.Timespec MTime)> _dirTimes = [];

    // The directory of the previous entry: tar streams list a directory's entries together, so most entries need
    // no path resolution at all. Dropped (made stale) when a directory or symlink is removed, since that may change
    // what the cached path resolves to; the fd itself stays valid until replaced.
    private string? _cachedPath;
    private SafeFd? _cached;

    public LayerWriter(SafeFd root, LayerApplyOptions options)
    {
        _root = root;
        _options = options;
        _created = options.Whiteouts == WhiteoutMode.Delete ? new HashSet<string>(StringComparer.Ordinal) : null;
    }

    public void Apply(TarHeader h, TarStreamReader reader)
    {
        try
        {
            ApplyEntry(h, reader);
        }
        catch (LinuxException ex)
        {
            throw new BerthException(KindOf(ex.Errno), $"apply layer entry \"{h.Name}\": {ex.Message}", ex);
        }
    }

    /// <summary>Sets the times of the layer's directories, now that nothing will be added to them.</summary>
    public void Finish()
    {
        var times = stackalloc LibC.Timespec[2];
        var how = new LibC.OpenHow
        {
            flags = (ulong)(LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC),
            resolve = LibC.RESOLVE_IN_ROOT | LibC.RESOLVE_NO_MAGICLINKS,
        };
        foreach (var (path, atime, mtime) in _dirTimes)
        {
            var fd = LibC.openat2(_root.Fd, LayerPath.ForSyscall(path), how);
            if (fd < 0)
            {
                var errno = Sys.LastErrno;
                // A later entry of the layer replaced or whited out the directory: its times are no longer ours to set.
                if (errno is LibC.ENOENT or LibC.ENOTDIR or LibC.ELOOP)
                {
                    continue;
                }
                throw new BerthException(KindOf(errno), $"apply layer: set the times of \"{path}\": {new LinuxException("openat2", path, errno).Message}");
            }
            using var dir = new SafeFd(fd);
            times[0] = atime;
            times[1] = mtime;
            if (LibC.futimens(dir.Fd, times) < 0)
            {
                var errno = Sys.LastErrno;
                throw new BerthException(KindOf(errno), $"apply layer: set the times of \"{path}\": {new LinuxException("futimens", path, errno).Message}");
            }
        }
    }

    public void Dispose() => _cached?.Dispose();

    private void ApplyEntry(TarHeader h, TarStreamReader reader)
    {
        var path = LayerPath.Clean(h.Name)
            ?? throw BerthException.Invalid($"invalid layer entry \"{h.Name}\": the path leaves the layer root");
        if (path.Length == 0)
        {
            if (h.Kind != TarEntryKind.Other && (_options.ApplyRootEntry || h.Kind != TarEntryKind.Directory))
            {
                ApplyRoot(h);
            }
            return;
        }
        var literal = _options.Whiteouts == WhiteoutMode.Literal;
        // compat(docker): AUFS metadata at the top of a layer (.wh..wh.plnk, .wh..wh.aufs) is not content.
        if (!literal && path.StartsWith(WhiteoutMetaPrefix, StringComparison.Ordinal) && path != OpaqueMarker)
        {
            return;
        }
        var (dir, name) = LayerPath.Split(path);
        if (!literal && name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            ApplyWhiteout(h, dir, name);
            return;
        }
        switch (h.Kind)
        {
            case TarEntryKind.Other:
                return;
            case TarEntryKind.CharDevice or TarEntryKind.BlockDevice when !_options.AllowDeviceNodes:
                throw BerthException.Invalid($"invalid layer entry \"{h.Name}\": device nodes ({Describe(h)}) are not allowed in this layer");
            case TarEntryKind.Symlink when h.LinkName.Length == 0:
                throw BerthException.Invalid($"invalid symlink \"{h.Name}\": empty target");
            case TarEntryKind.Symlink when !LayerPath.TargetStaysInRoot(dir, h.LinkName):
                // compat(docker): "invalid symlink"; the link would point out of the root from where it stands.
                throw BerthException.Invalid($"invalid symlink \"{h.Name}\" -> \"{h.LinkName}\": the target leaves the layer root");
        }
        var linkTarget = h.Kind == TarEntryKind.Hardlink ? HardlinkTarget(h) : null;

        var parent = Parent(dir, h.Name);
        // Whatever stood at the path is replaced: its digest no longer describes it (WriteFile records a new one).
        _options.FileDigests?.Remove(path);
        if (_options.NoOverwriteDirNonDir)
        {
            CheckDirNonDir(parent, name, path, h);
        }
        switch (h.Kind)
        {
            case TarEntryKind.File:
                WriteFile(parent, name, h, reader);
                break;
            case TarEntryKind.Directory:
                MakeDirectory(parent, name, path, h);
                break;
            case TarEntryKind.Symlink:
                MakeSymlink(parent, name, h);
                break;
            case TarEntryKind.Hardlink:
                if (linkTarget == path)
                {
                    // A link to itself: the entry already is what it names.
                    break;
                }
                MakeHardlink(parent, name, h, linkTarget!);
                break;
            default:
                MakeNode(parent, name, h);
                break;
        }
        Record(path);
    }

    /// <summary>compat(docker): Untar's NoOverwriteDirNonDir, with its wording; paths as seen from the target
    /// directory, which Docker's unpacker has as its chroot.</summary>
    private static void CheckDirNonDir(SafeFd parent, string name, string path, TarHeader h)
    {
        var existing = FdTree.TypeOf(parent, name);
        if (existing == LibC.S_IFDIR && h.Kind != TarEntryKind.Directory)
        {
            throw new BerthException(ErrorKind.Unknown, $"cannot overwrite directory \"/{path}\" with non-directory \"/\"");
        }
        if (existing != 0 && existing != LibC.S_IFDIR && h.Kind == TarEntryKind.Directory)
        {
            throw new BerthException(ErrorKind.Unknown, $"cannot overwrite non-directory \"/{path}\" with directory \"/\"");
        }
    }

    private void ApplyRoot(TarHeader h)
    {
        if (h.Kind != TarEntryKind.Directory)
        {
            throw BerthException.Invalid($"invalid layer entry \"{h.Name}\": the layer root cannot become a {Describe(h)}");
        }
        // compat(docker): a "./" entry carries the metadata of the root directory itself.
        SetOwnerAndMode(_root, h, OwnerOf(h));
        SetXattrs(_root.Fd, h);
        _dirTimes.Add(("", ATimeOf(h), h.MTime));
    }

    private void ApplyWhiteout(TarHeader h, string dir, string name)
    {
        if (name == OpaqueMarker)
        {
            var d = Parent(dir, h.Name);
            if (_options.Whiteouts == WhiteoutMode.Overlay)
            {
                fixed (byte* y = "y"u8)
                {
                    Sys.Check(LibC.fsetxattr(d.Fd, "trusted.overlay.opaque", y, 1, 0), "fsetxattr", LayerPath.ForSyscall(dir) + " trusted.overlay.opaque");
                }
            }
            else
            {
                PruneOpaque(d, dir);
                _cachedPath = null;
            }
            return;
        }
        if (name.StartsWith(WhiteoutMetaPrefix, StringComparison.Ordinal))
        {
            // AUFS metadata below the top: nothing in the image refers to it.
            return;
        }
        var target = name[WhiteoutPrefix.Length..];
        if (target is "" or "." or "..")
        {
            throw BerthException.Invalid($"invalid whiteout \"{h.Name}\": it names no entry");
        }
        var parent = Parent(dir, h.Name);
        FdTree.RemoveAll(parent, target);
        _cachedPath = null;
        if (_options.Whiteouts == WhiteoutMode.Overlay)
        {
            // kernel: overlayfs shows a 0/0 character device in the upper directory as "deleted".
            Sys.Check(LibC.mknodat(parent.Fd, target, LibC.S_IFCHR, 0), "mknod", LayerPath.Join(dir, target));
            Sys.Check(LibC.fchownat(parent.Fd, target, h.Uid, h.Gid, LibC.AT_SYMLINK_NOFOLLOW), "lchown", LayerPath.Join(dir, target));
        }
    }

    /// <summary>Delete mode's opaque marker: removes everything under the directory that this layer did not put
    /// there, at any depth, so the result matches overlayfs hiding the whole lower directory.</summary>
    private void PruneOpaque(SafeFd dir, string dirPath)
    {
        foreach (var (raw, type) in FdTree.List(dir))
        {
            var childPath = TryDecode(raw) is { } text ? LayerPath.Join(dirPath, text) : null;
            if (childPath is null || !_created!.Contains(childPath))
            {
                FdTree.RemoveAll(dir.Fd, raw);
            }
            else if (FdTree.IsDirectory(dir, raw, type))
            {
                using var child = FdTree.OpenChildDirectory(dir, raw);
                PruneOpaque(child, childPath);
            }
        }
    }

    private void WriteFile(SafeFd parent, string name, TarHeader h, TarStreamReader reader)
    {
        // A file sent by digest: its name, owner, mode and times are here, its bytes stayed with the sender.
        var sent = _options.AcceptDigestOnlyFiles && h.ContentDigest is { } record ? SentDigest(h, record) : null;
        // O_EXCL: an existing file is unlinked, never truncated in place, so hardlinks to it keep their content
        // and a symlink in its place is never followed.
        const int flags = LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC;
        var fd = LibC.openat(parent.Fd, name, flags, NewFileMode);
        if (fd < 0 && Sys.LastErrno == LibC.EEXIST)
        {
            Replace(parent, name);
            fd = LibC.openat(parent.Fd, name, flags, NewFileMode);
        }
        var file = new SafeFd(Sys.Check(fd, "openat", h.Name));
        if (sent is not null)
        {
            _options.Hold!.MarkNotSent(file);
        }
        // A held file's fd belongs to the holder, which writes the data when it is needed.
        var hold = sent is null && _options.Hold is { } holder && holder.TryHold(file, h.Size, ATimeOf(h), h.MTime) ? holder : null;
        using var owned = hold is null ? file : null;
        using var hash = _options.FileDigests is null ? null : System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var offset = 0L;
        while (reader.ReadData() is { IsEmpty: false } chunk)
        {
            if (hold is null)
            {
                Fs.WriteAll(file, chunk, h.Name);
            }
            else
            {
                hold.Append(chunk);
            }
            offset += chunk.Length;
            hash?.AppendData(chunk);
        }
        if (hold is not null && offset != h.Size)
        {
            // Never leave held data short: its tail would be whatever the pool's memory held before.
            throw BerthException.Invalid($"archive entry \"{h.Name}\": {offset} bytes of data where the header says {h.Size}");
        }
        if (hash is not null && LayerPath.Clean(h.Name) is { } path)
        {
            _options.FileDigests![path] = sent ?? hash.GetHashAndReset();
        }
        SetOwnerAndMode(file, h, OwnerOf(h));
        SetXattrs(file.Fd, h);
        SetTimes(file, ATimeOf(h), h.MTime);
    }

    /// <summary>The digest of an entry sent without its data; refused when data came with it, or where the
    /// digest has nowhere to go.</summary>
    private byte[] SentDigest(TarHeader h, byte[] hex)
    {
        if (h.Size != 0 || _options.Hold is null || _options.FileDigests is null)
        {
            throw BerthException.Invalid($"archive entry \"{h.Name}\": a file sent by digest carries no data");
        }
        return hex.Length == 64 && hex.All(b => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f'))
            ? Convert.FromHexString(System.Text.Encoding.ASCII.GetString(hex))
            : throw BerthException.Invalid($"archive entry \"{h.Name}\": {ContextByDigest.PaxRecord} is not a SHA-256 in lower-case hex");
    }

    private void MakeDirectory(SafeFd parent, string name, string path, TarHeader h)
    {
        if (LibC.mkdirat(parent.Fd, name, 0x1c0) < 0)
        {
            if (Sys.LastErrno != LibC.EEXIST)
            {
                throw new LinuxException("mkdirat", h.Name, Sys.LastErrno);
            }
            // compat(docker): an existing directory stays (its content is the lower layers'); anything else goes.
            if (FdTree.TypeOf(parent, name) != LibC.S_IFDIR)
            {
                Replace(parent, name);
                Sys.Check(LibC.mkdirat(parent.Fd, name, 0x1c0), "mkdirat", h.Name);
            }
        }
        var dir = new SafeFd(Sys.Check(LibC.openat(parent.Fd, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0), "openat", h.Name));
        try
        {
            SetOwnerAndMode(dir, h, OwnerOf(h));
            SetXattrs(dir.Fd, h);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
        _dirTimes.Add((path, ATimeOf(h), h.MTime));
        // The entries that follow are most likely this directory's.
        Cache(path, dir);
    }

    private void MakeSymlink(SafeFd parent, string name, TarHeader h)
    {
        if (LibC.symlinkat(h.LinkName, parent.Fd, name) < 0)
        {
            if (Sys.LastErrno != LibC.EEXIST)
            {
                throw new LinuxException("symlinkat", h.Name, Sys.LastErrno);
            }
            Replace(parent, name);
            Sys.Check(LibC.symlinkat(h.LinkName, parent.Fd, name), "symlinkat", h.Name);
        }
        Sys.Check(LibC.fchownat(parent.Fd, name, OwnerOf(h).Uid, OwnerOf(h).Gid, LibC.AT_SYMLINK_NOFOLLOW), "lchown", h.Name);
        // No mode (Linux symlinks have none) and no xattrs (user.* is refused on symlinks).
        SetTimesAt(parent, name, h);
    }

    /// <summary>The cleaned target of a hardlink; refused when it leaves the root lexically.</summary>
    private static string HardlinkTarget(TarHeader h)
    {
        // compat(docker): the link name is relative to the root, not to the link's directory.
        var target = LayerPath.Clean(h.LinkName);
        if (target is null)
        {
            throw BerthException.Invalid($"invalid hardlink \"{h.Name}\" -> \"{h.LinkName}\": the target leaves the layer root");
        }
        if (target.Length == 0)
        {
            throw BerthException.Invalid($"invalid hardlink \"{h.Name}\" -> \"{h.LinkName}\": the target is a directory");
        }
        return target;
    }

    private void MakeHardlink(SafeFd parent, string name, TarHeader h, string target)
    {
        var (targetDir, targetName) = LayerPath.Split(target);
        // No symlink at all on the way to the target: a link through one would pin whatever it points at, and the
        // new name must share an inode that the layer itself put under the root.
        var how = new LibC.OpenHow
        {
            flags = (ulong)(LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC),
            resolve = LibC.RESOLVE_BENEATH | LibC.RESOLVE_NO_SYMLINKS | LibC.RESOLVE_NO_MAGICLINKS,
        };
        var fd = LibC.openat2(_root.Fd, LayerPath.ForSyscall(targetDir), how);
        if (fd < 0)
        {
            var errno = Sys.LastErrno;
            throw errno switch
            {
                LibC.ELOOP or LibC.EXDEV => BerthException.Invalid($"invalid hardlink \"{h.Name}\" -> \"{h.LinkName}\": the target is reached through a symlink"),
                LibC.ENOENT or LibC.ENOTDIR => BerthException.Invalid($"invalid hardlink \"{h.Name}\" -> \"{h.LinkName}\": the target does not exist"),
                _ => new LinuxException("openat2", targetDir, errno),
            };
        }
        using var targetParent = new SafeFd(fd);
        if (LibC.fstatat(targetParent.Fd, targetName, out var st, LibC.AT_SYMLINK_NOFOLLOW) < 0)
        {
            throw Sys.LastErrno == LibC.ENOENT
                ? BerthException.Invalid($"invalid hardlink \"{h.Name}\" -> \"{h.LinkName}\": the target does not exist")
                : new LinuxException("lstat", h.LinkName, Sys.LastErrno);
        }
        if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFDIR)
        {
            throw BerthException.Invalid($"invalid hardlink \"{h.Name}\" -> \"{h.LinkName}\": the target is a directory");
        }
        // flags 0: a target that is a symlink is linked itself, not followed.
        if (LibC.linkat(targetParent.Fd, targetName, parent.Fd, name, 0) < 0)
        {
            if (Sys.LastErrno != LibC.EEXIST)
            {
                throw new LinuxException("linkat", h.Name, Sys.LastErrno);
            }
            if (LibC.fstatat(parent.Fd, name, out var existing, LibC.AT_SYMLINK_NOFOLLOW) == 0 && existing.st_dev == st.st_dev && existing.st_ino == st.st_ino)
            {
                return;
            }
            Replace(parent, name);
            Sys.Check(LibC.linkat(targetParent.Fd, targetName, parent.Fd, name, 0), "linkat", h.Name);
        }
        // The inode's owner, mode and times are those of the target's own entry: a link adds a name, nothing else.
    }

    private void MakeNode(SafeFd parent, string name, TarHeader h)
    {
        var (type, dev) = h.Kind switch
        {
            TarEntryKind.CharDevice => (LibC.S_IFCHR, LibC.makedev(h.DevMajor, h.DevMinor)),
            TarEntryKind.BlockDevice => (LibC.S_IFBLK, LibC.makedev(h.DevMajor, h.DevMinor)),
            _ => (LibC.S_IFIFO, 0UL),
        };
        if (LibC.mknodat(parent.Fd, name, type | NewFileMode, dev) < 0)
        {
            if (Sys.LastErrno != LibC.EEXIST)
            {
                throw new LinuxException("mknodat", h.Name, Sys.LastErrno);
            }
            Replace(parent, name);
            Sys.Check(LibC.mknodat(parent.Fd, name, type | NewFileMode, dev), "mknodat", h.Name);
        }
        // Opening a fifo or a device to get an fd would block or reach a driver: work by name under the parent fd.
        Sys.Check(LibC.fchownat(parent.Fd, name, OwnerOf(h).Uid, OwnerOf(h).Gid, LibC.AT_SYMLINK_NOFOLLOW), "lchown", h.Name);
        Sys.Check(LibC.fchmodat(parent.Fd, name, h.Mode, 0), "chmod", h.Name);
        if (h.Xattrs.Count > 0)
        {
            var viaParent = parent.ProcPath + "/" + name;
            foreach (var (key, value) in h.Xattrs)
            {
                if (IsAllowedXattr(key))
                {
                    fixed (byte* v = value)
                    {
                        CheckXattr(LibC.lsetxattr(viaParent, key, v, value.Length, 0), h, key);
                    }
                }
            }
        }
        SetTimesAt(parent, name, h);
    }

    /// <summary>Removes whatever stands at <paramref name="name"/> so a new entry can take its place.</summary>
    private void Replace(SafeFd parent, string name)
    {
        var type = FdTree.TypeOf(parent, name);
        FdTree.RemoveAll(parent, name);
        if (type is LibC.S_IFDIR or LibC.S_IFLNK)
        {
            _cachedPath = null;
        }
    }

    /// <summary>An fd of the entry's directory, resolved inside the root and created (0755, as Docker does) when
    /// missing.</summary>
    private SafeFd Parent(string dir, string entry)
    {
        if (_cached is not null && _cachedPath == dir)
        {
            return _cached;
        }
        var fd = TryOpenDirectory(dir, entry);
        if (fd is null)
        {
            try
            {
                Fs.MkdirAllInRoot(_root, dir).Dispose();
            }
            catch (LinuxException ex) when (IsResolutionError(ex.Errno))
            {
                throw ParentError(entry, dir, ex.Errno);
            }
            fd = TryOpenDirectory(dir, entry) ?? throw ParentError(entry, dir, LibC.ENOENT);
        }
        Cache(dir, fd);
        return fd;
    }

    private SafeFd? TryOpenDirectory(string dir, string entry)
    {
        var how = new LibC.OpenHow
        {
            flags = (ulong)(LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC),
            resolve = LibC.RESOLVE_IN_ROOT | LibC.RESOLVE_NO_MAGICLINKS,
        };
        for (var attempt = 0; ; attempt++)
        {
            var fd = LibC.openat2(_root.Fd, LayerPath.ForSyscall(dir), how);
            if (fd >= 0)
            {
                return new SafeFd(fd);
            }
            var errno = Sys.LastErrno;
            if (errno == LibC.ENOENT)
            {
                return null;
            }
            // kernel: RESOLVE_IN_ROOT answers EAGAIN when a rename elsewhere raced its ".." checks; retrying is the contract.
            if (errno == LibC.EAGAIN && attempt < 16)
            {
                continue;
            }
            throw IsResolutionError(errno) ? ParentError(entry, dir, errno) : new LinuxException("openat2", dir, errno);
        }
    }

    private void Cache(string path, SafeFd fd)
    {
        if (!ReferenceEquals(_cached, fd))
        {
            _cached?.Dispose();
        }
        _cached = fd;
        _cachedPath = path;
    }

    private void Record(string path)
    {
        if (_created is null || !_created.Add(path))
        {
            return;
        }
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (!_created.Add(path[..slash]))
            {
                return;
            }
        }
    }

    /// <summary>The entry's owner on disk: the archive's, or the one every entry gets, moved by the id shift.</summary>
    private (uint Uid, uint Gid) OwnerOf(TarHeader h) =>
        ((_options.Owner?.Uid ?? h.Uid) + _options.IdShift.Uid, (_options.Owner?.Gid ?? h.Gid) + _options.IdShift.Gid);

    private static void SetOwnerAndMode(SafeFd fd, TarHeader h, (uint Uid, uint Gid) owner)
    {
        // Owner first: chown(2) clears setuid and setgid, and the mode puts them back.
        Sys.Check(LibC.fchown(fd.Fd, owner.Uid, owner.Gid), "fchown", h.Name);
        Sys.Check(LibC.fchmod(fd.Fd, h.Mode), "fchmod", h.Name);
    }

    private static void SetXattrs(int fd, TarHeader h)
    {
        foreach (var (key, value) in h.Xattrs)
        {
            if (IsAllowedXattr(key))
            {
                fixed (byte* v = value)
                {
                    CheckXattr(LibC.fsetxattr(fd, key, v, value.Length, 0), h, key);
                }
            }
        }
    }

    /// <summary>user.* is the image's own data and security.capability is how file capabilities ship. Everything
    /// else is refused silently: trusted.overlay.* would steer overlayfs over the upper directory, and
    /// security.selinux or system.posix_acl_* belong to the host's policy.</summary>
    private static bool IsAllowedXattr(string key) =>
        key.StartsWith("user.", StringComparison.Ordinal) || key == "security.capability";

    private static void CheckXattr(int rc, TarHeader h, string key)
    {
        if (rc >= 0)
        {
            return;
        }
        var errno = Sys.LastErrno;
        // compat(docker): a file system without xattrs (or without user.* on this file type) is not an error.
        if (errno is LibC.EOPNOTSUPP or LibC.EPERM)
        {
            return;
        }
        throw errno == LibC.EINVAL
            ? BerthException.Invalid($"invalid layer entry \"{h.Name}\": xattr {key} is malformed")
            : new LinuxException("setxattr", h.Name + " " + key, errno);
    }

    private static void SetTimes(SafeFd fd, LibC.Timespec atime, LibC.Timespec mtime)
    {
        var times = stackalloc LibC.Timespec[2];
        times[0] = atime;
        times[1] = mtime;
        Sys.Check(LibC.futimens(fd.Fd, times), "futimens");
    }

    private static void SetTimesAt(SafeFd parent, string name, TarHeader h)
    {
        var times = stackalloc LibC.Timespec[2];
        times[0] = ATimeOf(h);
        times[1] = h.MTime;
        Sys.Check(LibC.utimensat(parent.Fd, name, times, LibC.AT_SYMLINK_NOFOLLOW), "utimensat", h.Name);
    }

    // compat(docker): an access time older than the modification time (or none) becomes the modification time.
    private static LibC.Timespec ATimeOf(TarHeader h) =>
        h.ATime is { } a && (a.tv_sec > h.MTime.tv_sec || (a.tv_sec == h.MTime.tv_sec && a.tv_nsec > h.MTime.tv_nsec)) ? a : h.MTime;

    private static string? TryDecode(byte[] nulTerminated)
    {
        try
        {
            return StrictUtf8.GetString(nulTerminated, 0, nulTerminated.Length - 1);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool IsResolutionError(int errno) =>
        errno is LibC.ENOENT or LibC.ENOTDIR or LibC.ELOOP or LibC.EXDEV or LibC.ENAMETOOLONG;

    private static BerthException ParentError(string entry, string dir, int errno) =>
        BerthException.Invalid($"invalid layer entry \"{entry}\": its directory \"{dir}\" is not a directory inside the layer root ({new LinuxException("openat2", null, errno).Message})");

    private static ErrorKind KindOf(int errno) => errno switch
    {
        LibC.EINVAL or LibC.ENOTDIR or LibC.EISDIR or LibC.ELOOP or LibC.ENAMETOOLONG or LibC.EEXIST
            or LibC.ENOENT or LibC.EMLINK or LibC.EXDEV => ErrorKind.InvalidArgument,
        _ => ErrorKind.Unknown,
    };

    private static string Describe(TarHeader h) => h.Kind switch
    {
        TarEntryKind.File => "regular file",
        TarEntryKind.Directory => "directory",
        TarEntryKind.Symlink => "symlink",
        TarEntryKind.Hardlink => "hardlink",
        TarEntryKind.CharDevice => $"character device {h.DevMajor}:{h.DevMinor}",
        TarEntryKind.BlockDevice => $"block device {h.DevMajor}:{h.DevMinor}",
        TarEntryKind.Fifo => "fifo",
        _ => $"entry of type '{(char)h.TypeFlag}'",
    };
}
