using Berth.Common;

namespace Berth.Engine.Seccomp;

/// <summary>berthd's <c>--seccomp-profile</c>, as dockerd's: <c>builtin</c> (or empty), <c>unconfined</c>, or the
/// path of a profile in Docker's format, read once at start.</summary>
public static class DaemonSeccompProfile
{
    /// <summary>The profile for <see cref="EngineOptions.SeccompProfile"/> and its name for <c>docker info</c>.</summary>
    public static (string Profile, string Name) Load(string? flag)
    {
        switch (flag)
        {
            case null or "" or ContainerSeccomp.Builtin:
                return (ContainerSeccomp.Builtin, ContainerSeccomp.Builtin);
            case ContainerSeccomp.Unconfined:
                return (ContainerSeccomp.Unconfined, ContainerSeccomp.Unconfined);
        }
        string json;
        try
        {
            json = File.ReadAllText(flag);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BerthException.Invalid($"opening seccomp profile ({flag}) failed: {e.Message}");
        }
        DockerSeccompProfile.Parse(json); // a profile that cannot be read fails the start, not every container
        return (json, flag);
    }
}
