using System.Globalization;

namespace Berth.Engine.UserNamespaces;

/// <summary>
/// /etc/subuid and /etc/subgid (subuid(5)): lines <c>NAME:START:COUNT</c>, where NAME is a user or group name or its
/// numeric id. Comments, blank and malformed lines are skipped, as shadow-utils does.
/// </summary>
public static class SubIdFile
{
    /// <summary>The ranges of <paramref name="name"/> (or of the numeric <paramref name="id"/>), in file order.</summary>
    public static IReadOnlyList<SubIdRange> Ranges(IEnumerable<string> lines, string name, uint? id = null)
    {
        var idText = id?.ToString(CultureInfo.InvariantCulture);
        return [.. Entries(lines).Where(e => e.Owner == name || e.Owner == idText).Select(e => e.Range)];
    }

    /// <summary>
    /// The first id at or above <paramref name="min"/> where <paramref name="count"/> ids fit after every range in
    /// the file (how useradd picks a new user's range, and dockerd the one of <c>dockremap</c>).
    /// </summary>
    public static uint NextFree(IEnumerable<string> lines, uint count, uint min = 100_000)
    {
        ulong start = min;
        foreach (var (_, range) in Entries(lines))
        {
            start = Math.Max(start, range.End);
        }
        if (start + count > uint.MaxValue)
        {
            throw new InvalidOperationException("no free range of subordinate ids is left");
        }
        return (uint)start;
    }

    /// <summary>A line for <paramref name="owner"/>.</summary>
    public static string Line(string owner, SubIdRange range) =>
        string.Create(CultureInfo.InvariantCulture, $"{owner}:{range.Start}:{range.Count}");

    private static IEnumerable<(string Owner, SubIdRange Range)> Entries(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var f = line.Split(':');
            if (f.Length != 3 || f[0].Length == 0
                || !uint.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                || !uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                || count == 0 || (ulong)start + count > (ulong)uint.MaxValue + 1)
            {
                continue;
            }
            yield return (f[0], new SubIdRange(start, count));
        }
    }
}
