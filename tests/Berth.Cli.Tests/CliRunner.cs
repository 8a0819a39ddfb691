using System.Text;
using Berth.Cli.Api;

namespace Berth.Cli.Tests;

/// <summary>Runs a berth command line in-process as Program.Main does: exit code, stdout, stderr.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var output = new MemoryStream();
        var error = new MemoryStream();
        var io = new ConsoleStreams(new MemoryStream(Encoding.UTF8.GetBytes(stdin)), output, error, false, false);
        int code;
        try
        {
            code = Dispatcher.Run(args, io, _ => null);
        }
        catch (StatusException e)
        {
            if (e.Message.Length > 0)
            {
                io.ErrorLine(e.Message);
            }
            code = e.ExitCode;
        }
        catch (DaemonException e)
        {
            io.ErrorLine(e.Message);
            code = 1;
        }
        return (code, Encoding.UTF8.GetString(output.ToArray()), Encoding.UTF8.GetString(error.ToArray()));
    }

    /// <summary>The command line run against <paramref name="daemon"/>.</summary>
    public static (int Code, string Out, string Err) Run(FakeDaemon daemon, params string[] args) => Run("", ["-H", daemon.Host, .. args]);
}
