using Berth.Common;
using Berth.Distribution.Server;

namespace Berth.Distribution.Auth;

/// <summary>
/// Who may do what: the access file, one rule a line, <c>USER RESOURCE ACTIONS</c>. USER is a user of the htpasswd
/// file, <c>*</c> (any authenticated user) or <c>anonymous</c> (no credentials); RESOURCE is a repository glob
/// (<c>*</c> matches any run of characters, <c>/</c> included: <c>team/*</c>, <c>*</c>) or <c>registry:catalog</c>;
/// ACTIONS is a comma-separated list of <c>pull</c>, <c>push</c>, <c>delete</c>, or <c>*</c> for all. Rules add up;
/// <c>#</c> starts a comment. Without a file every authenticated user may do everything and anonymous nothing
/// (as the reference registry's htpasswd); <c>--anonymous-pull</c> lets anonymous pull every repository.
/// </summary>
internal sealed class AccessRules
{
    private static readonly HashSet<string> KnownActions = new(StringComparer.Ordinal) { RegistryScope.Pull, RegistryScope.Push, RegistryScope.Delete, RegistryScope.All };

    private readonly List<Rule> _rules;

    private AccessRules(List<Rule>? rules, bool anonymousPull)
    {
        _rules = rules ?? [];
        HasFile = rules is not null;
        AnonymousPull = anonymousPull;
    }

    public bool HasFile { get; }

    public bool AnonymousPull { get; }

    /// <summary>True when a request without credentials may be granted anything.</summary>
    public bool AnonymousMayAccess => AnonymousPull || _rules.Exists(r => r.User == Anonymous);

    private const string Anonymous = "anonymous";

    public static AccessRules Default(bool anonymousPull = false) => new(null, anonymousPull);

    public static AccessRules Parse(string text, bool anonymousPull = false, string source = "access file")
    {
        var rules = new List<Rule>();
        var n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var line = raw;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }
            var fields = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }
            if (fields.Length != 3)
            {
                throw BerthException.Invalid($"{source}:{n}: expected USER RESOURCE ACTIONS, got {fields.Length} fields");
            }
            var actions = fields[2].Split(',', StringSplitOptions.RemoveEmptyEntries);
            if (actions.Length == 0 || actions.Any(a => !KnownActions.Contains(a)))
            {
                throw BerthException.Invalid($"{source}:{n}: unknown action in \"{fields[2]}\" (pull, push, delete or *)");
            }
            var catalog = fields[1] == "registry:catalog";
            rules.Add(new Rule(fields[0], catalog ? null : fields[1], catalog, [.. actions]));
        }
        return new AccessRules(rules, anonymousPull);
    }

    public static AccessRules Load(string path, bool anonymousPull = false)
    {
        return Parse(ConfigFile.Read("--access", path), anonymousPull, "--access " + path);
    }

    /// <summary>The actions <paramref name="user"/> (null: anonymous) holds on the scope's resource.</summary>
    public HashSet<string> Allowed(string? user, RegistryScope scope)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        var isRepository = scope.Type == "repository";
        var isCatalog = scope.Type == "registry" && scope.Name == "catalog";
        if (!isRepository && !isCatalog)
        {
            return allowed;
        }
        if (user is null && AnonymousPull && isRepository)
        {
            allowed.Add(RegistryScope.Pull);
        }
        if (!HasFile)
        {
            if (user is not null)
            {
                allowed.Add(RegistryScope.All);
            }
            return allowed;
        }
        foreach (var r in _rules)
        {
            var who = user is null ? r.User == Anonymous : r.User == "*" || r.User == user;
            var what = isCatalog ? r.Catalog : !r.Catalog && Glob.Match(r.Repository!, scope.Name, '\0');
            if (who && what)
            {
                allowed.UnionWith(r.Actions);
            }
        }
        return allowed;
    }

    /// <summary>What of the scope to grant: the requested actions the user holds (the intersection, as the
    /// reference token servers grant); <c>*</c> is granted only where held.</summary>
    public IReadOnlyList<string> Grant(string? user, RegistryScope scope)
    {
        var allowed = Allowed(user, scope);
        return [.. scope.Actions.Where(a => allowed.Contains(RegistryScope.All) || allowed.Contains(a))];
    }

    private sealed record Rule(string User, string? Repository, bool Catalog, string[] Actions);
}
