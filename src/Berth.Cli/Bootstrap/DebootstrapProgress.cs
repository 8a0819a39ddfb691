namespace Berth.Cli.Bootstrap;

/// <summary>
/// Shortens debootstrap's output (about 460 lines for bookworm minbase) to its steps: one line where a run of
/// per-package lines (<c>I: Retrieving libc6 2.36-9</c>…) begins, every other <c>I:</c>, <c>W:</c> and <c>E:</c> line
/// as it is. The last lines of all are kept for an error report.
/// </summary>
internal sealed class DebootstrapProgress
{
    private const int TailLength = 30;

    private static readonly HashSet<string> PerPackageVerbs = new(StringComparer.Ordinal) { "Retrieving", "Validating", "Extracting", "Unpacking", "Configuring" };

    private readonly Queue<string> _tail = new();
    private readonly HashSet<string> _shownInRun = new(StringComparer.Ordinal);

    public int Packages { get; private set; }

    /// <summary>The last lines debootstrap printed, whatever they were.</summary>
    public IReadOnlyCollection<string> Tail => _tail;

    /// <summary>The line to show for one line of debootstrap's output, or null to show nothing.</summary>
    public string? Line(string line)
    {
        _tail.Enqueue(line);
        if (_tail.Count > TailLength)
        {
            _tail.Dequeue();
        }
        if (line.StartsWith("W: ", StringComparison.Ordinal) || line.StartsWith("E: ", StringComparison.Ordinal))
        {
            return line;
        }
        if (!line.StartsWith("I: ", StringComparison.Ordinal))
        {
            return null;
        }
        var words = line[3..].Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        // Debian package names are lower case ("Retrieving InRelease" and "Validating Packages" are steps of their
        // own), and the phases end in "required packages..." or "the base system...".
        var perPackage = words.Length >= 2 && PerPackageVerbs.Contains(words[0])
            && (char.IsAsciiLetterLower(words[1][0]) || char.IsAsciiDigit(words[1][0]))
            && !line.EndsWith(" packages...", StringComparison.Ordinal) && !line.EndsWith(" system...", StringComparison.Ordinal);
        if (!perPackage)
        {
            _shownInRun.Clear();
            return line;
        }
        if (words[0] == "Retrieving")
        {
            Packages++;
        }
        // Retrieving and Validating alternate package by package: each verb once per run.
        return _shownInRun.Add(words[0]) ? $"I: {words[0]} packages..." : null;
    }
}
