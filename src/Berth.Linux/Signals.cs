using System.Globalization;

namespace Berth.Linux;

/// <summary>Signal names and numbers (signal(7), x86-64), parsed as Docker does: <c>KILL</c>, <c>SIGKILL</c> or <c>9</c>.</summary>
public static class Signals
{
    private static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM",
        "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    public static bool TryParse(string? text, out int signal)
    {
        signal = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out signal))
        {
            return signal is > 0 and <= 64;
        }
        var name = text.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = name[3..];
        }
        if (name == "IOT")
        {
            name = "ABRT";
        }
        if (name == "CLD")
        {
            name = "CHLD";
        }
        if (name.StartsWith("RTMIN", StringComparison.Ordinal) || name.StartsWith("RTMAX", StringComparison.Ordinal))
        {
            var baseSig = name.StartsWith("RTMIN", StringComparison.Ordinal) ? 34 : 64;
            var rest = name[5..];
            if (rest.Length == 0)
            {
                signal = baseSig;
                return true;
            }
            if (int.TryParse(rest, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var off))
            {
                signal = baseSig + off;
                return signal is >= 34 and <= 64;
            }
            return false;
        }
        signal = Array.IndexOf(Names, name);
        return signal > 0;
    }

    public static string Name(int signal) =>
        signal > 0 && signal < Names.Length ? "SIG" + Names[signal] : "SIG" + signal.ToString(CultureInfo.InvariantCulture);
}
