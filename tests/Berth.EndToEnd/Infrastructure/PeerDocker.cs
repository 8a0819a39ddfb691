using System.Text.RegularExpressions;
using Berth.EndToEnd.Infrastructure.Skipping;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>
/// The real Docker (Debian's docker.io) on its own socket, started by the shared <c>peer-dockerd</c> tool, for
/// interoperability tests. Tests load and remove their own images there; they never stop the peer.
/// </summary>
internal static partial class PeerDocker
{
    private const string Tool = "/work/shared/tools/peer-dockerd";

    /// <summary>Starts the peer when it is not up (<c>eval "$(peer-dockerd start)"</c>) and returns its DOCKER_HOST;
    /// skips the test, saying why, when it cannot start.</summary>
    public static string Start()
    {
        if (!File.Exists(Tool))
        {
            throw new SkipException($"{Tool} is not on this machine, so there is no real Docker to exchange images with");
        }
        CommandResult start;
        try
        {
            start = ProcessRunner.Run(Tool, ["start"], timeout: TimeSpan.FromMinutes(10));
        }
        catch (TimeoutException e)
        {
            throw new SkipException("the peer dockerd did not start within 10 minutes: " + e.Message);
        }
        var host = PeerHostLine().Match(start.Stdout);
        if (start.ExitCode != 0 || !host.Success)
        {
            throw new SkipException($"the peer dockerd could not start (its log is /tmp/peer-dockerd.log):\n{start}");
        }
        return host.Groups[1].Value;
    }

    /// <summary>The real docker CLI against the peer.</summary>
    public static CommandResult Docker(string host, params string[] args) =>
        ProcessRunner.Run("docker", args, new Dictionary<string, string> { ["DOCKER_HOST"] = host });

    [GeneratedRegex(@"export PEER_DOCKER_HOST=(\S+)")]
    private static partial Regex PeerHostLine();
}
