namespace Berth.Cli.Api;

/// <summary>
/// The daemon refused a request (<c>{"message": ...}</c>), or could not be reached (<see cref="Status"/> 0).
/// <see cref="Exception.Message"/> is what the docker CLI prints: <c>Error response from daemon: ...</c>.
/// </summary>
internal sealed class DaemonException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public bool IsNotFound => Status == 404;
}
