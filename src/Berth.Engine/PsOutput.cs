using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine;

/// <summary>
/// Docker's reading of host <c>ps</c> output for <c>docker top</c>: the first line gives the titles, the PID column
/// picks the rows whose process is in the container, and a row's overhanging fields join the last column (the
/// command line). Thread rows (PID "-", from <c>-L</c>/<c>m</c>) follow the process they belong to.
/// </summary>
internal static partial class PsOutput
{
    /// <summary>compat(docker): <c>-o ppid=PID</c> style renames of another column to "PID" would fool the filter.</summary>
    public static void ValidateArgs(string psArgs)
    {
        foreach (Match m in RenamedPid().Matches(psArgs))
        {
            if (m.Groups[1].Value != "pid")
            {
                throw BerthException.Invalid($"specifying \"{m.Groups[1].Value}={m.Groups[2].Value}\" is not allowed");
            }
        }
    }

    public static ContainerTop Parse(string output, IReadOnlyCollection<int> pids)
    {
        var lines = output.Split('\n');
        var titles = Fields(lines[0]);
        var pidIndex = titles.IndexOf("PID");
        if (pidIndex < 0)
        {
            throw new BerthException(ErrorKind.Unknown, "Couldn't find PID field in ps output");
        }
        var rows = new List<IReadOnlyList<string>>();
        var inContainer = false;
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0)
            {
                continue;
            }
            var fields = Fields(line);
            if (fields.Count < titles.Count)
            {
                continue;
            }
            if (fields[pidIndex] == "-")
            {
                if (inContainer)
                {
                    rows.Add(Row(fields, titles.Count));
                }
                continue;
            }
            if (!int.TryParse(fields[pidIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                throw new BerthException(ErrorKind.Unknown, $"Unexpected pid '{fields[pidIndex]}': strconv.Atoi: parsing \"{fields[pidIndex]}\": invalid syntax");
            }
            inContainer = pids.Contains(pid);
            if (inContainer)
            {
                rows.Add(Row(fields, titles.Count));
            }
        }
        return new ContainerTop(titles, rows);
    }

    private static List<string> Row(List<string> fields, int columns) =>
        [.. fields.Take(columns - 1), string.Join(' ', fields.Skip(columns - 1))];

    /// <summary>Fields split on ASCII white space only, so a command with other spaces stays one field.</summary>
    private static List<string> Fields(string line) =>
        line.Split([' ', '\t', '\n', '\f', '\r'], StringSplitOptions.RemoveEmptyEntries).ToList();

    [GeneratedRegex(@"\s+(\S*)=\s*(PID\S*)")]
    private static partial Regex RenamedPid();
}
