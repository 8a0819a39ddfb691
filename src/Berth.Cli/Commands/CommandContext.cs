using Berth.Cli.Api;

namespace Berth.Cli.Commands;

/// <summary>What every command gets: the console, the daemon client (connected lazily), the clock and the environment.</summary>
internal sealed class CommandContext(ConsoleStreams io, string host, Func<string, string?> getEnv)
{
    private DockerClient? _client;

    public ConsoleStreams Io { get; } = io;

    public string Host { get; } = host;

    public Func<string, string?> GetEnv { get; } = getEnv;

    public Func<DateTimeOffset> Now { get; init; } = () => DateTimeOffset.UtcNow;

    public DockerClient Client => _client ??= new DockerClient(Host);

    public void Dispose() => _client?.Dispose();
}
