using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux;

namespace Berth.Engine;

/// <summary>
/// Runs a host program to completion and captures its output (for <c>docker top</c>'s <c>ps</c>). Started with
/// posix_spawn and reaped by <see cref="ChildReaper"/>, the daemon's one waitpid loop, so it never competes with it.
/// </summary>
internal static class HostCommand
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The program's path found on PATH, as exec.LookPath finds it, or null.</summary>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } p ? p : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Join(dir, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        return null;
    }

    public static async Task<Result> RunAsync(string path, IReadOnlyList<string> args)
    {
        ChildReaper.EnsureStarted();
        using var devnull = Fs.Open("/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC);
        var (outRead, outWrite) = Fs.Pipe();
        var (errRead, errWrite) = Fs.Pipe();
        int pid;
        using (outWrite)
        using (errWrite)
        {
            pid = Spawner.Spawn(new SpawnRequest
            {
                Path = path,
                Args = [Path.GetFileName(path), .. args],
                Fds = new Dictionary<int, SafeHandle> { [0] = devnull, [1] = outWrite, [2] = errWrite },
            });
        }
        using (outRead)
        using (errRead)
        {
            var stdout = Task.Run(() => ReadAll(outRead), CancellationToken.None);
            var stderr = Task.Run(() => ReadAll(errRead), CancellationToken.None);
            var status = await ChildReaper.WaitAsync(pid).ConfigureAwait(false);
            return new Result(status.Code, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }

    private static string ReadAll(SafeFd fd)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = Fs.Read(fd, chunk)) > 0)
        {
            buffer.Write(chunk, 0, n);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
