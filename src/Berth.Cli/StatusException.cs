namespace Berth.Cli;

/// <summary>
/// Ends the command: <see cref="Exception.Message"/> goes to stderr (when not empty) and the process exits with
/// <see cref="ExitCode"/>, like the docker CLI's <c>cli.StatusError</c>.
/// </summary>
internal sealed class StatusException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
