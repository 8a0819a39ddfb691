using System.Diagnostics;
using System.Globalization;

namespace Berth.Cli.Terminal;

/// <summary>
/// Puts the controlling terminal in raw mode for <c>run -it</c> and restores it after, through stty(1): a fork only
/// for interactive sessions, and no terminal ioctls in the CLI.
/// </summary>
internal sealed class TerminalMode : IDisposable
{
    private readonly string _saved;

    private TerminalMode(string saved) => _saved = saved;

    public static TerminalMode? MakeRaw()
    {
        var saved = Stty("-g");
        if (saved is null)
        {
            return null;
        }
        Stty("raw -echo");
        return new TerminalMode(saved.Trim());
    }

    /// <summary>Echo off (a password prompt), until disposed; null when stdin is not a terminal.</summary>
    public static TerminalMode? NoEcho()
    {
        var saved = Stty("-g");
        if (saved is null)
        {
            return null;
        }
        Stty("-echo");
        return new TerminalMode(saved.Trim());
    }

    /// <summary>Rows and columns of the terminal on stdin, or (0, 0).</summary>
    public static (int Rows, int Cols) Size()
    {
        var s = Stty("size")?.Trim().Split(' ');
        return s is { Length: 2 } && int.TryParse(s[0], NumberStyles.None, CultureInfo.InvariantCulture, out var r) &&
               int.TryParse(s[1], NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? (r, c) : (0, 0);
    }

    private static string? Stty(string args)
    {
        try
        {
            var psi = new ProcessStartInfo("stty", args)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null)
            {
                return null;
            }
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public void Dispose() => Stty(_saved);
}
