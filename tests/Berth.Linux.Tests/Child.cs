using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Linux.Tests;

/// <summary>Runs a short program through <see cref="Spawner"/> with its stdout on a pipe, bounded in time.</summary>
internal static class Child
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs <c>/bin/sh -c script</c>; <paramref name="fds"/> adds to stdin, stdout and stderr.</summary>
    public static async Task<(ExitStatus Status, string Stdout)> ShellAsync(string script, IReadOnlyDictionary<int, SafeHandle>? fds = null, bool newSession = false)
    {
        var (read, write) = Fs.Pipe();
        using (read)
        {
            int pid;
            using (write)
            using (var devnull = Fs.Open("/dev/null", LibC.O_RDWR))
            {
                var all = new Dictionary<int, SafeHandle> { [0] = devnull, [1] = write, [2] = write };
                foreach (var (n, h) in fds ?? new Dictionary<int, SafeHandle>())
                {
                    all[n] = h;
                }
                pid = Spawner.Spawn(new SpawnRequest { Path = "/bin/sh", Args = ["sh", "-c", script], Fds = all, NewSession = newSession });
            }
            var output = Task.Run(() => ReadToEnd(read));
            var status = await ChildReaper.WaitAsync(pid).WaitAsync(Timeout);
            return (status, await output.WaitAsync(Timeout));
        }
    }

    public static string ReadToEnd(SafeFd fd)
    {
        var sb = new StringBuilder();
        var buf = new byte[4096];
        int n;
        while ((n = Fs.Read(fd, buf)) > 0)
        {
            sb.Append(Encoding.UTF8.GetString(buf, 0, n));
        }
        return sb.ToString();
    }

    /// <summary>A field of /proc/PID/status, e.g. <c>SigIgn</c>.</summary>
    public static string? Status(int pid, string field) =>
        File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal))?[(field.Length + 1)..].Trim();

    /// <summary>Fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [2] pgrp, [3] session.</summary>
    public static string[] Stat(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        return text[(text.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the time is up.</summary>
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
}
