using Berth.Cli.Api;

namespace Berth.Cli;

/// <summary>berth: Berth's command-line client; speaks the Docker Engine API like the docker CLI.</summary>
internal static class Program
{
    private const int EPIPE = 32;

    private static int Main(string[] args)
    {
        var io = ConsoleStreams.System();
        try
        {
            return Dispatcher.Run(args, io, Environment.GetEnvironmentVariable);
        }
        catch (StatusException e)
        {
            if (e.Message.Length > 0)
            {
                io.ErrorLine(e.Message);
            }
            return e.ExitCode;
        }
        catch (DaemonException e)
        {
            io.ErrorLine(e.Message);
            return 1;
        }
        catch (IOException e) when (e.HResult == EPIPE && e.InnerException is null)
        {
            // Output piped into a reader that went away (`berth build . | head`): a Go CLI dies of SIGPIPE quietly;
            // so does this one, with the shell's status for it.
            return 128 + 13;
        }
    }
}
