using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
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

    /// <summary>A profile resolved for a bounding set, and its program: compiled once, written into each bundle.</summary>
    private sealed record Compiled(LinuxSeccomp Seccomp, string Name, SeccompProgram Program);

    private const int CacheLimit = 32;
    private static readonly ConcurrentDictionary<(string Profile, string Bounding), Compiled?> Cache = new();
    private static readonly ConditionalWeakTable<LinuxSeccomp, Compiled> BySeccomp = [];

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
        var key = (profile, string.Join(',', bounding));
        if (!Cache.TryGetValue(key, out var compiled))
        {
            compiled = Compile(profile, bounding);
            if (Cache.Count >= CacheLimit)
            {
                Cache.Clear(); // user profiles are few; a daemon fed many distinct ones recompiles, it does not grow
            }
            Cache[key] = compiled;
        }
        return compiled?.Seccomp;
    }

    /// <summary>Puts the compiled form of the spec's filter (as <see cref="For"/> gave it) beside the bundle's
    /// config.json and names it in the spec's annotations, for the init and every exec to load instead of compiling
    /// it again.</summary>
    public static void WriteProgram(string bundle, RuntimeSpec spec)
    {
        var path = Path.Join(bundle, SeccompProgramFile.FileName);
        if (spec.Linux?.Seccomp is not { } seccomp)
        {
            File.Delete(path);
            spec.Annotations?.Remove(SeccompProgramFile.Annotation);
            return;
        }
        var compiled = BySeccomp.TryGetValue(seccomp, out var c) ? c : Compile(seccomp);
        SeccompProgramFile.Write(path, compiled.Name, compiled.Program);
        (spec.Annotations ??= [])[SeccompProgramFile.Annotation] = compiled.Name;
    }

    private static Compiled? Compile(string profile, IReadOnlyCollection<string> bounding)
    {
        var docker = profile == Builtin ? DefaultSeccompProfile.Create() : DockerSeccompProfile.Parse(profile);
        var seccomp = docker.Resolve(bounding, SeccompCompiler.NativeArchitecture, HostFacts.KernelVersion);
        return seccomp is null ? null : Compile(seccomp);
    }

    private static Compiled Compile(LinuxSeccomp seccomp)
    {
        SeccompProgram program;
        try
        {
            // Refused here, at create, rather than by the runtime at start.
            program = SeccompCompiler.Compile(seccomp);
        }
        catch (SeccompException e)
        {
            throw BerthException.Invalid(e.Message);
        }
        // The program's name: the filter's own digest, so that one filter has one name in every bundle.
        var name = Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(seccomp, OciJson.Default.LinuxSeccomp)));
        var compiled = new Compiled(seccomp, name, program);
        BySeccomp.AddOrUpdate(seccomp, compiled);
        return compiled;
    }
}
