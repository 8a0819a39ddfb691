using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Linux;

/// <summary>
/// Runs a host program to completion and captures its output (<c>docker top</c>'s <c>ps</c>, <c>useradd</c>,
/// iptables-legacy). Started with posix_spawn and reaped by <see cref="ChildReaper"/>, the process's one waitpid
/// loop, so it never competes with it (System.Diagnostics.Process would); the child inherits the calling thread's
/// namespaces.
/// </summary>
public static class HostProgram
{
    public sealed record Result(ExitStatus Status, string Stdout, string Stderr)
    {
        public int ExitCode => Status.Code;
    }

    /// <summary>The program's path found on PATH (then in <paramref name="alsoIn"/>), as exec.LookPath finds it, or null.</summary>
    public static string? Find(string name, params string[] alsoIn)
    {
        var path = Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } p ? p : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(alsoIn))
        {
            var candidate = Path.Join(dir, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Runs <paramref name="path"/> with <paramref name="input"/> on its stdin (/dev/null when null).</summary>
    public static async Task<Result> RunAsync(string path, IReadOnlyList<string> args, string? input = null)
    {
        ChildReaper.EnsureStarted();
        SafeFd stdin, inWrite;
        if (input is null)
        {
            stdin = Fs.Open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC);
            inWrite = null!;
        }
        else
        {
            (stdin, inWrite) = Fs.Pipe();
        }
        var (outRead, outWrite) = Fs.Pipe();
        var (errRead, errWrite) = Fs.Pipe();
        int pid;
        using (stdin)
        using (outWrite)
        using (errWrite)
        {
            pid = Spawner.Spawn(new SpawnRequest
            {
                Path = path,
                Args = [Path.GetFileName(path), .. args],
                Fds = new Dictionary<int, SafeHandle> { [0] = stdin, [1] = outWrite, [2] = errWrite },
            });
        }
        using (outRead)
        using (errRead)
        {
            var stdout = Task.Run(() => ReadAll(outRead), CancellationToken.None);
            var stderr = Task.Run(() => ReadAll(errRead), CancellationToken.None);
            if (input is not null)
            {
                using (inWrite)
                {
                    try
                    {
                        Fs.WriteText(inWrite, input, path);
                    }
                    catch (LinuxException e) when (e.Errno == LibC.EPIPE)
                    {
                        // The program quit before reading everything: its exit status and message say why.
                    }
                }
            }
            var status = await ChildReaper.WaitAsync(pid).ConfigureAwait(false);
            return new Result(status, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
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
