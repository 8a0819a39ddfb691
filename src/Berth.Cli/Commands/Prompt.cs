using System.Text;

namespace Berth.Cli.Commands;

/// <summary>docker's prompt.Confirm: the question and " [y/N] " on stdout, one line read from stdin, yes only for y/Y.</summary>
internal static class Prompt
{
    public static bool Confirm(ConsoleStreams io, string message)
    {
        io.Write(message + " [y/N] ");
        var line = new List<byte>();
        var one = new byte[1];
        while (io.In.Read(one, 0, 1) == 1 && one[0] != '\n')
        {
            line.Add(one[0]);
        }
        // bufio.Scanner drops a trailing '\r'; TrimSpace takes the rest.
        return Encoding.UTF8.GetString([.. line]).Trim().Equals("y", StringComparison.OrdinalIgnoreCase);
    }
}
