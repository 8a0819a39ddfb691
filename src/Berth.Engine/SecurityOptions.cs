using Berth.Common;

namespace Berth.Engine;

/// <summary>compat(docker): parseSecurityOpt: <c>--security-opt</c> values, <c>key=value</c> or the old
/// <c>key:value</c>. Berth takes <c>no-new-privileges</c> and <c>seccomp</c>. An AppArmor profile or SELinux
/// label on a host without that security module is ignored with a warning, as dockerd ignores it (asking for
/// <c>apparmor=unconfined</c> or <c>label=disable</c> there changes nothing); where the module is present Berth
/// cannot apply it yet, so it is named in <see cref="Unsupported"/> for the caller to refuse.</summary>
internal sealed record SecurityOptions(bool NoNewPrivileges, string? Seccomp, IReadOnlyList<string> Unsupported, IReadOnlyList<string> Warnings)
{
    /// <summary>Whether the kernel runs AppArmor and SELinux (the files their tools read).</summary>
    public static readonly Lazy<(bool AppArmor, bool SELinux)> HostModules = new(() =>
        (File.Exists("/sys/module/apparmor/parameters/enabled") && File.ReadAllText("/sys/module/apparmor/parameters/enabled").StartsWith('Y'),
         File.Exists("/sys/fs/selinux/enforce")));

    public static SecurityOptions Parse(IEnumerable<string>? options) => Parse(options, HostModules.Value);

    internal static SecurityOptions Parse(IEnumerable<string>? options, (bool AppArmor, bool SELinux) host)
    {
        var nnp = false;
        string? seccomp = null;
        var unsupported = new List<string>();
        var warnings = new List<string>();
        foreach (var opt in options ?? [])
        {
            if (opt == "no-new-privileges")
            {
                nnp = true;
                continue;
            }
            if (opt == "disable")
            {
                Label(opt, "disable");
                continue;
            }
            if (opt == "writable-cgroups")
            {
                unsupported.Add(opt);
                continue;
            }
            var sep = opt.Contains('=', StringComparison.Ordinal) ? '=' : ':';
            var at = opt.IndexOf(sep, StringComparison.Ordinal);
            if (at < 0)
            {
                throw BerthException.Invalid($"invalid --security-opt 1: \"{opt}\"");
            }
            var (key, value) = (opt[..at], opt[(at + 1)..]);
            switch (key)
            {
                case "seccomp":
                    seccomp = value;
                    break;
                case "no-new-privileges":
                    nnp = bool.TryParse(value, out var b) || value is "1" or "0" or "t" or "f" or "T" or "F"
                        ? b || value is "1" or "t" or "T"
                        : throw BerthException.Invalid($"invalid --security-opt 2: \"{opt}\"");
                    break;
                case "label":
                    Label(opt, value);
                    break;
                case "apparmor":
                    if (value != "unconfined")
                    {
                        if (host.AppArmor)
                        {
                            unsupported.Add(opt);
                        }
                        else
                        {
                            warnings.Add($"AppArmor is not enabled on this host: the apparmor profile \"{value}\" is ignored");
                        }
                    }
                    break;
                case "writable-cgroups":
                    unsupported.Add(opt);
                    break;
                default:
                    throw BerthException.Invalid($"invalid --security-opt 2: \"{opt}\"");
            }
        }
        return new SecurityOptions(nnp, seccomp, unsupported, warnings);

        void Label(string opt, string value)
        {
            if (value == "disable")
            {
                return; // no labelling is what a container gets without SELinux anyway
            }
            if (!(value.StartsWith("user:", StringComparison.Ordinal) || value.StartsWith("role:", StringComparison.Ordinal)
                || value.StartsWith("type:", StringComparison.Ordinal) || value.StartsWith("level:", StringComparison.Ordinal)
                || value.StartsWith("filetype:", StringComparison.Ordinal) || value == "nested"))
            {
                throw BerthException.Invalid($"bad label option \"{value}\", valid options 'disable' or 'user, role, level, type, filetype' followed by ':' and a value");
            }
            if (host.SELinux)
            {
                unsupported.Add(opt);
            }
            else
            {
                warnings.Add($"SELinux is not enabled on this host: the label \"{value}\" is ignored");
            }
        }
    }
}
