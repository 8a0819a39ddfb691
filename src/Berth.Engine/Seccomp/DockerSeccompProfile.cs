using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Berth.Common;
using Berth.Oci;

namespace Berth.Engine.Seccomp;

/// <summary>
/// A seccomp profile in Docker's format (what <c>--security-opt seccomp=FILE</c> sends and dockerd's
/// <c>--seccomp-profile</c> reads): the OCI <c>linux.seccomp</c> fields, plus <c>archMap</c> and, on each rule,
/// <c>name</c>, <c>comment</c> and <c>includes</c>/<c>excludes</c> (capabilities, architectures, a minimum kernel)
/// that <see cref="Resolve"/> settles for one container.
/// </summary>
internal sealed partial class DockerSeccompProfile
{
    public string? DefaultAction { get; set; }
    public uint? DefaultErrnoRet { get; set; }
    public List<string>? Architectures { get; set; }
    public List<DockerSeccompArch>? ArchMap { get; set; }
    public List<string>? Flags { get; set; }
    public string? ListenerPath { get; set; }
    public string? ListenerMetadata { get; set; }
    public List<DockerSyscall?>? Syscalls { get; set; }

    /// <summary>Go's names for the architectures (<c>includes.arches</c>), by libseccomp's.</summary>
    private static readonly Dictionary<string, string> GoNames = new(StringComparer.Ordinal)
    {
        ["SCMP_ARCH_X86_64"] = "amd64",
        ["SCMP_ARCH_X86"] = "x86",
        ["SCMP_ARCH_AARCH64"] = "arm64",
        ["SCMP_ARCH_ARM"] = "arm",
    };

    /// <summary>compat(docker): LoadProfile's decoding: field names in any case, unknown fields ignored.</summary>
    public static DockerSeccompProfile Parse(string json)
    {
        DockerSeccompProfile profile;
        try
        {
            profile = JsonSerializer.Deserialize(json, SeccompJson.Default.DockerSeccompProfile)
                ?? throw BerthException.Invalid("Decoding seccomp profile failed: the profile is null");
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid($"Decoding seccomp profile failed: {e.Message}");
        }
        foreach (var call in profile.Syscalls ?? [])
        {
            foreach (var filter in new[] { call?.Includes, call?.Excludes })
            {
                if (filter?.MinKernel is { Length: > 0 } v)
                {
                    KernelVersion(v);
                }
            }
        }
        return profile;
    }

    /// <summary>
    /// compat(docker): setupSeccomp: the OCI filter for a container whose bounding set is <paramref name="bounding"/>,
    /// on a host of architecture <paramref name="nativeArch"/> (libseccomp's name) and kernel <paramref name="kernel"/>.
    /// Null when the profile has neither a default action nor rules (seccomp off).
    /// </summary>
    public LinuxSeccomp? Resolve(IReadOnlyCollection<string> bounding, string nativeArch, string kernel)
    {
        if (string.IsNullOrEmpty(DefaultAction) && (Syscalls is null || Syscalls.Count == 0))
        {
            return null;
        }
        if (Architectures is { Count: > 0 } && ArchMap is { Count: > 0 })
        {
            throw BerthException.Invalid("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
        }
        var arch = GoNames.GetValueOrDefault(nativeArch, nativeArch);
        var result = new LinuxSeccomp
        {
            DefaultAction = DefaultAction ?? "",
            DefaultErrnoRet = DefaultErrnoRet,
            Architectures = Architectures is { Count: > 0 } ? [.. Architectures] : null,
            Flags = Flags is { Count: > 0 } ? [.. Flags] : null,
            ListenerPath = string.IsNullOrEmpty(ListenerPath) ? null : ListenerPath,
            ListenerMetadata = string.IsNullOrEmpty(ListenerMetadata) ? null : ListenerMetadata,
            Syscalls = [],
        };
        if (ArchMap?.FirstOrDefault(a => a.Architecture == nativeArch) is { } native)
        {
            result.Architectures = [native.Architecture, .. native.SubArchitectures ?? []];
        }
        var (kernelMajor, kernelMinor) = KernelVersion(kernel, release: true);
        bool AtLeast(string v)
        {
            var (major, minor) = KernelVersion(v);
            return kernelMajor > major || kernelMajor == major && kernelMinor >= minor;
        }
        foreach (var call in Syscalls ?? [])
        {
            if (call is null)
            {
                continue;
            }
            if (!string.IsNullOrEmpty(call.Name) && call.Names is { Count: > 0 })
            {
                throw BerthException.Invalid("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
            }
            if (call.Excludes is { } ex)
            {
                if (ex.Arches?.Contains(arch) == true
                    || ex.Caps?.Any(bounding.Contains) == true
                    || ex.MinKernel is { Length: > 0 } k && AtLeast(k))
                {
                    continue;
                }
            }
            if (call.Includes is { } inc)
            {
                if (inc.Arches is { Count: > 0 } && !inc.Arches.Contains(arch)
                    || inc.Caps?.Any(c => !bounding.Contains(c)) == true
                    || inc.MinKernel is { Length: > 0 } k && !AtLeast(k))
                {
                    continue;
                }
            }
            result.Syscalls.Add(new LinuxSyscall
            {
                Names = string.IsNullOrEmpty(call.Name) ? [.. call.Names ?? []] : [call.Name],
                Action = call.Action ?? "",
                ErrnoRet = call.ErrnoRet,
                Args = call.Args is { Count: > 0 } ? [.. call.Args] : null,
            });
        }
        return result;
    }

    /// <summary>compat(docker): a minKernel is exactly "&lt;kernel&gt;.&lt;major&gt;" (not 0.0, each below 256); a host's
    /// release only starts with one ("6.1.0-13-amd64", "3.12-1-amd64").</summary>
    private static (uint Major, uint Minor) KernelVersion(string v, bool release = false)
    {
        var m = (release ? ReleasePrefix() : MinKernel()).Match(v);
        if (!m.Success
            || !uint.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var major) || major > 255
            || !uint.TryParse(m.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var minor) || minor > 255
            || major == 0 && minor == 0)
        {
            throw BerthException.Invalid(release
                ? $"failed to parse kernel version \"{v}\""
                : $"invalid kernel version: \"{v}\", expected \"<kernel>.<major>\"");
        }
        return (major, minor);
    }

    [GeneratedRegex(@"^(\d+)\.(\d+)$")]
    private static partial Regex MinKernel();

    [GeneratedRegex(@"^(\d+)\.(\d+)")]
    private static partial Regex ReleasePrefix();
}

internal sealed class DockerSeccompArch
{
    public string Architecture { get; set; } = "";
    public List<string>? SubArchitectures { get; set; }
}

internal sealed class DockerSyscall
{
    public List<string>? Names { get; set; }
    public string? Name { get; set; }
    public string? Action { get; set; }
    public uint? ErrnoRet { get; set; }
    public List<LinuxSeccompArg>? Args { get; set; }
    public string? Comment { get; set; }
    public DockerSeccompFilter? Includes { get; set; }
    public DockerSeccompFilter? Excludes { get; set; }
}

internal sealed class DockerSeccompFilter
{
    public List<string>? Caps { get; set; }
    public List<string>? Arches { get; set; }
    public string? MinKernel { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DockerSeccompProfile))]
internal sealed partial class SeccompJson : JsonSerializerContext;
