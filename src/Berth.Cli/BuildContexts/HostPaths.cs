using Berth.Common;
using Berth.Linux;

namespace Berth.Cli.BuildContexts;

/// <summary>Go's <c>filepath.Abs</c>, <c>EvalSymlinks</c> and <c>Rel</c> on the host, with Go's error words.</summary>
internal static class HostPaths
{
    public static string Abs(string path, string cwd) => path.StartsWith('/') ? GoPath.Clean(path) : GoPath.Join(cwd, path);

    /// <summary>Go's errno texts for what lstat/open report here.</summary>
    public static string ErrnoText(int errno) => errno switch
    {
        LibC.ENOENT => "no such file or directory",
        LibC.EACCES => "permission denied",
        LibC.ENOTDIR => "not a directory",
        LibC.ELOOP => "too many levels of symbolic links",
        LibC.ENAMETOOLONG => "file name too long",
        _ => "errno " + errno,
    };

    /// <summary>
    /// <c>filepath.EvalSymlinks</c> of an absolute path, resolving component by component as Go's walkSymlinks does;
    /// throws <see cref="ContextException"/> with Go's error (<c>lstat /a/b: no such file or directory</c>).
    /// </summary>
    public static string EvalSymlinks(string path)
    {
        var dest = "/";
        var rest = path;
        var links = 0;
        while (true)
        {
            rest = rest.TrimStart('/');
            if (rest.Length == 0)
            {
                return GoPath.Clean(dest);
            }
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var part = slash < 0 ? rest : rest[..slash];
            rest = slash < 0 ? "" : rest[slash..];
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                dest = GoPath.Dir(dest);
                continue;
            }
            dest = dest == "/" ? "/" + part : dest + "/" + part;
            if (!Fs.TryLstat(dest, out var st))
            {
                throw new ContextException($"lstat {dest}: {ErrnoText(Sys.LastErrno)}");
            }
            var type = st.st_mode & LibC.S_IFMT;
            if (type != LibC.S_IFLNK)
            {
                if (type != LibC.S_IFDIR && rest.Trim('/').Length > 0)
                {
                    throw new ContextException("not a directory");
                }
                continue;
            }
            if (++links > 255)
            {
                throw new ContextException("EvalSymlinks: too many links");
            }
            var link = new FileInfo(dest).LinkTarget ?? "";
            rest = link + rest;
            dest = link.StartsWith('/') ? "/" : GoPath.Dir(dest);
        }
    }

    /// <summary><c>filepath.Rel</c> of two clean absolute paths.</summary>
    public static string Rel(string basePath, string target)
    {
        if (basePath == target)
        {
            return ".";
        }
        var b = basePath == "/" ? [] : basePath[1..].Split('/');
        var t = target == "/" ? [] : target[1..].Split('/');
        var common = 0;
        while (common < b.Length && common < t.Length && b[common] == t[common])
        {
            common++;
        }
        var parts = Enumerable.Repeat("..", b.Length - common).Concat(t.Skip(common));
        return string.Join('/', parts);
    }
}
