using Berth.Linux;

namespace Berth.Runtime.Cgroups;

internal static class CgroupFiles
{
    /// <summary>Writes one knob. O_CREAT is a no-op on cgroupfs, where knobs exist, and lets tests use a plain tree.</summary>
    public static void Write(string dir, string file, string value)
    {
        var path = System.IO.Path.Combine(dir, file);
        using var fd = new SafeFd(Sys.Check(LibC.open(path, LibC.O_WRONLY | LibC.O_TRUNC | LibC.O_CREAT | LibC.O_CLOEXEC, 0x1a4), "open", path));
        var bytes = System.Text.Encoding.ASCII.GetBytes(value);
        Fs.WriteAll(fd, bytes, path + " <- " + value);
    }

    public static string? Read(string dir, string file)
    {
        var path = System.IO.Path.Combine(dir, file);
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static List<int> ReadPids(string dir)
    {
        var text = Read(dir, "cgroup.procs") ?? "";
        var pids = new List<int>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    /// <summary>rmdir until the kernel lets go: processes of a dying container linger for a moment.</summary>
    public static bool RemoveDir(string dir, TimeSpan timeout, Func<string, bool> isKernelTree)
    {
        if (!Directory.Exists(dir))
        {
            return true;
        }
        var deadline = DateTime.UtcNow + timeout;
        var delay = 1;
        while (true)
        {
            try
            {
                if (isKernelTree(dir))
                {
                    Directory.Delete(dir);
                }
                else
                {
                    Directory.Delete(dir, recursive: true); // a test's plain tree holds regular files
                }
                return true;
            }
            catch (DirectoryNotFoundException)
            {
                return true;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                foreach (var pid in ReadPids(dir))
                {
                    Proc.Kill(pid, LibC.SIGKILL);
                }
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 50);
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>The value of <paramref name="key"/> in a flat keyed file ("key value" lines); 0 when absent.</summary>
    public static long ReadKey(string? dir, string file, string key)
    {
        var text = dir is null ? null : Read(dir, file);
        foreach (var line in (text ?? "").Split('\n'))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v))
            {
                return v;
            }
        }
        return 0;
    }
}
