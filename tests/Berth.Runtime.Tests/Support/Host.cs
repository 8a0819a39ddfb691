using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux;

namespace Berth.Runtime.Tests.Support;

/// <summary>Small helpers on the test host: running a program (through Berth's own spawner, because the
/// <see cref="ChildReaper"/> this process runs would steal System.Diagnostics.Process's children), polling.</summary>
internal static class Host
{
    public static async Task<(int Code, string Output)> RunAsync(string path, IReadOnlyList<string> args, TimeSpan timeout, string? cwd = null)
    {
        var (read, write) = Fs.Pipe();
        using (read)
        {
            int pid;
            using (write)
            using (var devnull = Fs.Open("/dev/null", LibC.O_RDWR))
            {
                pid = Spawner.Spawn(new SpawnRequest
                {
                    Path = path,
                    Args = [Path.GetFileName(path), .. args],
                    Fds = new Dictionary<int, SafeHandle> { [0] = devnull, [1] = write, [2] = write },
                    WorkingDirectory = cwd,
                });
            }
            var output = Task.Run(() => ReadToEnd(read));
            var exited = ChildReaper.WaitAsync(pid);
            if (await Task.WhenAny(exited, Task.Delay(timeout)) != exited)
            {
                Proc.Kill(pid, LibC.SIGKILL);
                throw new TimeoutException($"{path} {string.Join(' ', args)} did not finish within {timeout}");
            }
            return ((await exited).Code, await output.WaitAsync(timeout));
        }
    }

    public static string ReadToEnd(SafeFd fd)
    {
        var ms = new MemoryStream();
        var buf = new byte[16384];
        int n;
        while ((n = Fs.Read(fd, buf)) > 0)
        {
            ms.Write(buf, 0, n);
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(10);
        }
        return true;
    }

    /// <summary>Fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [2] pgrp, [3] session;
    /// null when the process is gone.</summary>
    public static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True while <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsAlive(int pid) => Stat(pid) is { } s && s[0] != "Z" && s[0] != "X";

    public static string NamespaceLink(string ns) => new FileInfo("/proc/self/ns/" + ns).LinkTarget ?? "";
}
