using System.Text.RegularExpressions;

namespace Berth.Architecture.Tests;

public sealed partial class TierTests
{
    public static TheoryData<string> Projects
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var p in ProjectGraph.Load(Repo.Src).References.Keys.Order(StringComparer.Ordinal))
            {
                data.Add(p);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Each_project_references_only_lower_tiers(string project)
    {
        var graph = ProjectGraph.Load(Repo.Src);
        var mine = graph.Violations().Where(v => v.StartsWith(project + " ", StringComparison.Ordinal)).ToList();
        Assert.True(mine.Count == 0, string.Join('\n', mine));
    }

    [Fact]
    public void The_graph_has_the_projects_it_should()
    {
        var projects = ProjectGraph.Load(Repo.Src).References.Keys.ToHashSet();
        Assert.Superset(new HashSet<string> { "Berth.Common", "Berth.Linux", "Berth.Engine", "Berth.Cli", "Berth.Host" }, projects);
        Assert.Contains("Berth.Common", ProjectGraph.Load(Repo.Src).References["Berth.Linux"]);
    }

    [Fact]
    public void The_CLI_reaches_none_of_the_engines_insides()
    {
        var reach = ProjectGraph.Load(Repo.Src).Closure("Berth.Cli");
        Assert.All(Tiers.CliMustNotReach, forbidden => Assert.DoesNotContain(forbidden, reach));
    }

    public static TheoryData<string, string[], string?> Graphs => new()
    {
        // row, edges "A>B", the violation expected (null: none)
        { "downwards is fine", ["Berth.Content>Berth.Linux", "Berth.Linux>Berth.Common"], null },
        { "sideways", ["Berth.Content>Berth.Snapshots"], "Berth.Content (tier 2) references Berth.Snapshots (tier 2): sideways" },
        { "upwards", ["Berth.Images>Berth.Engine"], "Berth.Images (tier 4) references Berth.Engine (tier 5): upwards" },
        { "a library on an executable", ["Berth.Engine>Berth.Runtime.Cli"], "Berth.Engine references the executable Berth.Runtime.Cli" },
        { "an unknown project", ["Berth.Mystery>Berth.Common"], "Berth.Mystery has no tier: add it to the table in docs/design.md and to Tiers" },
        { "a cluster project", ["Berth.Cluster.Kubelet>Berth.Cluster.Storage"], null },
        { "two cluster projects of tier 7", ["Berth.Cluster.Kubelet>Berth.Cluster.ApiServer"], "Berth.Cluster.Kubelet (tier 7) references Berth.Cluster.ApiServer (tier 7): sideways" },
        { "the CLI through a library", ["Berth.Cli>Berth.Http", "Berth.Http>Berth.Runtime"], "Berth.Cli reaches Berth.Runtime: the CLI talks to the engine only through the API" },
        { "the runtime CLI may use the runtime", ["Berth.Runtime.Cli>Berth.Runtime"], null },
    };

    [Theory]
    [MemberData(nameof(Graphs))]
    public void The_checker_catches_each_kind_of_violation(string row, string[] edges, string? violation)
    {
        var refs = new Dictionary<string, List<string>>();
        foreach (var e in edges)
        {
            var (from, to) = (e.Split('>')[0], e.Split('>')[1]);
            refs.TryAdd(to, []);
            if (!refs.TryGetValue(from, out var list))
            {
                refs[from] = list = [];
            }
            list.Add(to);
        }
        var found = new ProjectGraph(refs.ToDictionary(r => r.Key, r => (IReadOnlyList<string>)r.Value)).Violations();
        if (violation is null)
        {
            Assert.True(found.Count == 0, $"{row}: {string.Join('\n', found)}");
        }
        else
        {
            Assert.True(found.Contains(violation), $"{row}: {string.Join('\n', found)}");
        }
    }

    [GeneratedRegex(@"^\|\s*(?<tier>\d+)\s*\|(?<projects>[^|]*)\|")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"`(?<name>Berth\.[A-Za-z.]+)`")]
    private static partial Regex ProjectName();

    [Fact]
    public void The_tiers_agree_with_docs_design_md()
    {
        var rows = 0;
        foreach (var line in File.ReadLines(Path.Join(Repo.Root, "docs", "design.md")))
        {
            var m = TableRow().Match(line);
            if (!m.Success)
            {
                continue;
            }
            var tier = int.Parse(m.Groups["tier"].Value, System.Globalization.CultureInfo.InvariantCulture);
            foreach (Match name in ProjectName().Matches(m.Groups["projects"].Value))
            {
                var project = name.Groups["name"].Value;
                if (Tiers.Executables.Contains(project))
                {
                    continue;
                }
                rows++;
                Assert.True(Tiers.Of(project) == tier, $"{project}: docs/design.md says tier {tier}, the test says {Tiers.Of(project)}");
            }
        }
        Assert.True(rows >= 15, $"only {rows} projects read from the table in docs/design.md");
    }
}
