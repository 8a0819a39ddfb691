using System.Globalization;

namespace Berth.Engine;

/// <summary>One network interface's counters, as <c>/proc/PID/net/dev</c> gives them.</summary>
public sealed record NetworkCounters(string Name, ulong RxBytes, ulong RxPackets, ulong RxErrors, ulong RxDropped,
    ulong TxBytes, ulong TxPackets, ulong TxErrors, ulong TxDropped);

/// <summary>Reads the interfaces of a process's network namespace from <c>/proc/PID/net/dev</c>.</summary>
internal static class NetDev
{
    /// <summary>The interfaces of <paramref name="pid"/>'s network namespace, loopback left out (compat(docker): the
    /// daemon reports the container's endpoints, and lo is none); empty when the process is gone.</summary>
    public static IReadOnlyList<NetworkCounters> Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/net/dev"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public static IReadOnlyList<NetworkCounters> Parse(string text)
    {
        var result = new List<NetworkCounters>();
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue; // the two header lines
            }
            var name = line[..colon].Trim();
            var f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (name == "lo" || f.Length < 16)
            {
                continue;
            }
            ulong N(int i) => ulong.Parse(f[i], NumberStyles.None, CultureInfo.InvariantCulture);
            // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs drop ...
            result.Add(new NetworkCounters(name, N(0), N(1), N(2), N(3), N(8), N(9), N(10), N(11)));
        }
        return result;
    }
}
