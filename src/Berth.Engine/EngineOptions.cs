namespace Berth.Engine;

/// <summary>Where the engine keeps its state and which runtimes it may use.</summary>
public sealed class EngineOptions
{
    /// <summary>Persistent state (<c>--data-root</c>, default <c>/var/lib/berth</c>).</summary>
    public required string DataRoot { get; init; }

    /// <summary>Runtime state (<c>--exec-root</c>, default <c>/run/berth</c>).</summary>
    public required string ExecRoot { get; init; }

    /// <summary>The <c>berth-runtime</c> executable (shim and init).</summary>
    public required string RuntimeBinary { get; init; }

    /// <summary>The <c>berth-init</c> executable that <c>--init</c> puts in front of the program; null if absent.</summary>
    public string? InitBinary { get; init; }

    /// <summary>Name of the default runtime: <c>berth</c>, or a key of <see cref="Runtimes"/> (<c>runc</c>).</summary>
    public string DefaultRuntime { get; init; } = "berth";

    /// <summary>OCI runtime CLIs by name, e.g. <c>runc → /usr/sbin/runc</c>. <c>berth</c> is always present.</summary>
    public IReadOnlyDictionary<string, string> Runtimes { get; init; } = new Dictionary<string, string>();

    /// <summary>The seccomp profile of containers that name none (<c>--seccomp-profile</c>): <c>builtin</c> (Docker's
    /// default), <c>unconfined</c>, or a profile's JSON.</summary>
    public string SeccompProfile { get; init; } = "builtin";

    /// <summary>What <c>docker info</c> names that profile by: <c>builtin</c>, <c>unconfined</c> or the file's path.</summary>
    public string SeccompProfileName { get; init; } = "builtin";

    /// <summary><c>--userns-remap</c>: the user namespace containers run in unless they ask for the host's
    /// (<c>--userns host</c>); null runs them in the host's.</summary>
    public UserNamespaces.UsernsRemap? UsernsRemap { get; init; }

    public string ContainersDir => Path.Join(DataRoot, "containers");
}
