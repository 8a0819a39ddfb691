using Berth.Distribution.Server;

namespace Berth.Distribution.Auth;

/// <summary>A scope of the token spec: <c>repository:samalba/my-app:pull,push</c>, <c>registry:catalog:*</c>.</summary>
internal sealed record RegistryScope(string Type, string Name, IReadOnlyList<string> Actions)
{
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";
    public const string All = "*";

    public static RegistryScope Catalog { get; } = new("registry", "catalog", [All]);

    /// <summary>Parses one scope; the name may hold colons (a port in a name is not ours to judge), the type and the
    /// actions may not. A type with a resource class (<c>repository(plugin)</c>) is kept as written.</summary>
    public static RegistryScope? Parse(string text)
    {
        var first = text.IndexOf(':', StringComparison.Ordinal);
        var last = text.LastIndexOf(':');
        if (first <= 0 || last <= first + 1 || last == text.Length - 1)
        {
            return null;
        }
        var actions = text[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return actions.Length == 0 ? null : new RegistryScope(text[..first], text[(first + 1)..last], [.. actions.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>The scopes a request needs, as the reference registry asks for them in its challenge.</summary>
    public static IReadOnlyList<RegistryScope> For(RegistryAccess access)
    {
        var scopes = new List<RegistryScope>(2);
        if (access.Catalog)
        {
            scopes.Add(Catalog);
        }
        if (access.Repository is { } name && access.Actions != RegistryActions.None)
        {
            scopes.Add(new RegistryScope("repository", name, ActionNames(access.Actions)));
        }
        if (access.MountFrom is { } from)
        {
            scopes.Add(new RegistryScope("repository", from, [Pull]));
        }
        return scopes;
    }

    public static IReadOnlyList<string> ActionNames(RegistryActions actions)
    {
        var names = new List<string>(3);
        if (actions.HasFlag(RegistryActions.Pull))
        {
            names.Add(Pull);
        }
        if (actions.HasFlag(RegistryActions.Push))
        {
            names.Add(Push);
        }
        if (actions.HasFlag(RegistryActions.Delete))
        {
            names.Add(Delete);
        }
        return names;
    }

    /// <summary>True when <paramref name="granted"/> holds every action of this scope (<c>*</c> granted holds all).</summary>
    public bool IsCoveredBy(IReadOnlyCollection<string> granted) =>
        granted.Contains(All) || Actions.All(granted.Contains);

    public override string ToString() => $"{Type}:{Name}:{string.Join(',', Actions)}";
}
