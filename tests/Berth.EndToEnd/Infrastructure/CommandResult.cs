using System.Text;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>What a finished command printed and how it exited.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, byte[] StdoutBytes, string Stderr, TimeSpan Elapsed)
{
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

    /// <summary>Standard output without surrounding white space: one value, such as an id or a template's result.</summary>
    public string Text => Stdout.Trim();

    /// <summary>Standard output's non-empty lines.</summary>
    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Fails the test, showing everything the command printed, unless it exited with <paramref name="exitCode"/>.</summary>
    public CommandResult ExpectExit(int exitCode)
    {
        if (ExitCode != exitCode)
        {
            Assert.Fail($"expected exit code {exitCode}, got {ExitCode}\n{this}");
        }
        return this;
    }

    /// <summary>Fails the test unless the command succeeded; returns <see cref="Text"/>.</summary>
    public string Ok() => ExpectExit(0).Text;

    public override string ToString() =>
        $"$ {CommandLine}\n[exit {ExitCode} after {Elapsed.TotalMilliseconds:F0} ms]\n[stdout]\n{Stdout}\n[stderr]\n{Stderr}";
}
