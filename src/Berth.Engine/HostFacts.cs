using System.Globalization;

namespace Berth.Engine;

/// <summary>Facts about the host for <c>docker info</c> and <c>docker version</c>.</summary>
public static class HostFacts
{
    public static string KernelVersion => Read("/proc/sys/kernel/osrelease");

    public static string Hostname => Read("/proc/sys/kernel/hostname");

    public static string OperatingSystem
    {
        get
        {
            try
            {
                foreach (var line in File.ReadLines("/etc/os-release"))
                {
                    if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                    {
                        return line[12..].Trim('"');
                    }
                }
            }
            catch (IOException)
            {
            }
            return "Linux";
        }
    }

    public static string OsVersion
    {
        get
        {
            try
            {
                foreach (var line in File.ReadLines("/etc/os-release"))
                {
                    if (line.StartsWith("VERSION_ID=", StringComparison.Ordinal))
                    {
                        return line[11..].Trim('"');
                    }
                }
            }
            catch (IOException)
            {
            }
            return "";
        }
    }

    public static long MemTotal
    {
        get
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var kb = line[9..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
            return 0;
        }
    }

    public static int OpenFiles => Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : 0;

    public static bool IPv4Forwarding => Read("/proc/sys/net/ipv4/ip_forward") == "1";

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
