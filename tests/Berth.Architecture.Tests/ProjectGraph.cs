using System.Xml.Linq;

namespace Berth.Architecture.Tests;

/// <summary>Projects and their project references, as the .csproj files say.</summary>
internal sealed class ProjectGraph
{
    public ProjectGraph(IReadOnlyDictionary<string, IReadOnlyList<string>> references) => References = references;

    /// <summary>Project name → the names of the projects it references directly.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> References { get; }

    public static ProjectGraph Load(string srcDir)
    {
        var refs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var csproj in Directory.EnumerateFiles(srcDir, "*.csproj", SearchOption.AllDirectories)
                     .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")))
        {
            var doc = XDocument.Load(csproj);
            refs[Path.GetFileNameWithoutExtension(csproj)] = doc.Descendants()
                .Where(e => e.Name.LocalName == "ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(((string?)e.Attribute("Include") ?? "").Replace('\\', '/')))
                .ToList();
        }
        return new ProjectGraph(refs);
    }

    /// <summary>Everything <paramref name="project"/> reaches through references, itself excluded.</summary>
    public IReadOnlySet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>(References.GetValueOrDefault(project) ?? []);
        while (todo.TryPop(out var p))
        {
            if (seen.Add(p))
            {
                foreach (var next in References.GetValueOrDefault(p) ?? [])
                {
                    todo.Push(next);
                }
            }
        }
        return seen;
    }

    /// <summary>Every broken rule of the tiers, one line each; empty when the graph is sound.</summary>
    public List<string> Violations()
    {
        var found = new List<string>();
        foreach (var (project, refs) in References.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (Tiers.Executables.Contains(project))
            {
                if (project == "Berth.Cli")
                {
                    foreach (var forbidden in Tiers.CliMustNotReach.Where(Closure(project).Contains))
                    {
                        found.Add($"{project} reaches {forbidden}: the CLI talks to the engine only through the API");
                    }
                }
                continue;
            }
            if (Tiers.Of(project) is not { } tier)
            {
                found.Add($"{project} has no tier: add it to the table in docs/design.md and to Tiers");
                continue;
            }
            foreach (var r in refs)
            {
                if (Tiers.Executables.Contains(r))
                {
                    found.Add($"{project} references the executable {r}");
                }
                else if (Tiers.Of(r) is { } other && other >= tier)
                {
                    found.Add($"{project} (tier {tier}) references {r} (tier {other}): {(other == tier ? "sideways" : "upwards")}");
                }
            }
        }
        return found;
    }
}
