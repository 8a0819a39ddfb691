using Berth.Common;

namespace Berth.Engine;

/// <summary>compat(docker): parseSecurityOpt: <c>--security-opt</c> values, <c>key=value</c> or the old
/// <c>key:value</c>. Berth takes <c>no-new-privileges</c> and <c>seccomp</c>; the others are named in
/// <see cref="Unsupported"/> for the caller to refuse.</summary>
internal sealed record SecurityOptions(bool NoNewPrivileges, string? Seccomp, IReadOnlyList<string> Unsupported)
{
    public static SecurityOptions Parse(IEnumerable<string>? options)
    {
        var nnp = false;
        string? seccomp = null;
        var unsupported = new List<string>();
        foreach (var opt in options ?? [])
        {
            if (opt == "no-new-privileges")
            {
                nnp = true;
                continue;
            }
            if (opt is "writable-cgroups" or "disable")
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
                case "label" or "apparmor" or "writable-cgroups":
                    unsupported.Add(opt);
                    break;
                default:
                    throw BerthException.Invalid($"invalid --security-opt 2: \"{opt}\"");
            }
        }
        return new SecurityOptions(nnp, seccomp, unsupported);
    }
}
