using Berth.Linux;

namespace Berth.Runtime.Init;

/// <summary>Finds the program to exec the way Go's exec.LookPath does, with its error texts, because the docker
/// CLI picks exit status 127 or 126 by matching them.</summary>
internal static class ExecLookup
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static string Find(string file, IReadOnlyList<string> env)
    {
        if (file.Contains('/', StringComparison.Ordinal))
        {
            var error = Check(file);
            if (error is not null)
            {
                throw new ExecLookupException($"exec: \"{file}\": {error}");
            }
            return file;
        }
        var path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        foreach (var dir in path.Split(':'))
        {
            var candidate = Path.Join(dir.Length == 0 ? "." : dir, file);
            if (Check(candidate) is null)
            {
                return candidate;
            }
        }
        throw new ExecLookupException($"exec: \"{file}\": executable file not found in $PATH");
    }

    private static string? Check(string path)
    {
        if (LibC.fstatat(LibC.AT_FDCWD, path, out var st, 0) < 0)
        {
            return $"stat {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Sys.LastErrno).ToLowerInvariant()}";
        }
        if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFDIR || (st.st_mode & 0x49) == 0)
        {
            return "permission denied";
        }
        return null;
    }
}

internal sealed class ExecLookupException(string message) : Exception(message);
