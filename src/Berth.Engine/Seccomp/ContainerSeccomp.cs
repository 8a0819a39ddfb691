using Berth.Common;
using Berth.Engine.Model;
using Berth.Oci;
using Berth.Runtime.Seccomp;

namespace Berth.Engine.Seccomp;

/// <summary>
/// Which seccomp filter a container gets, as dockerd's WithSeccomp decides: <c>--security-opt seccomp=unconfined</c>
/// none; <c>seccomp=builtin</c> Docker's default; <c>seccomp=&lt;json&gt;</c> (the docker CLI sends the file's
/// content) that profile, even for a privileged container; otherwise none for <c>--privileged</c>, else the daemon's
/// (<c>--seccomp-profile</c>: the default, unconfined, or a file's profile). Docker's format is resolved here against
/// the container's bounding set, the host's architecture and kernel; the runtime gets the OCI form only.
/// </summary>
internal static class ContainerSeccomp
{
    public const string Builtin = "builtin", Unconfined = "unconfined";

    public static LinuxSeccomp? For(HostConfig host, IReadOnlyCollection<string> bounding, string daemonProfile)
    {
        var requested = SecurityOptions.Parse(host.SecurityOpt).Seccomp;
        string? profile = requested switch
        {
            Unconfined => null,
            null or "" when host.Privileged => null,
            null or "" => daemonProfile == Unconfined ? null : daemonProfile,
            _ => requested,
        };
        if (profile is null)
        {
            return null;
        }
        var docker = profile == Builtin ? DefaultSeccompProfile.Create() : DockerSeccompProfile.Parse(profile);
        var seccomp = docker.Resolve(bounding, SeccompCompiler.NativeArchitecture, HostFacts.KernelVersion);
        if (seccomp is not null)
        {
            // Refused here, at create, rather than by the runtime at start.
            try
            {
                SeccompCompiler.Compile(seccomp);
            }
            catch (SeccompException e)
            {
                throw BerthException.Invalid(e.Message);
            }
        }
        return seccomp;
    }
}
