using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Containers;

/// <summary>
/// The same bundle under Berth and under runc must look the same from inside. The probe's report is normalised
/// first (namespace and pipe inodes, container ids, mount sources); every remaining line must match, except the
/// ones listed in <see cref="KnownDifferences"/>, each with the reason it is allowed to differ.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class RuncParityTests(ITestOutputHelper output)
{
    /// <summary>Report lines where Berth legitimately differs from runc 1.1, and why.</summary>
    private static readonly Dictionary<string, string> KnownDifferences = new(StringComparer.Ordinal)
    {
        ["mount./sys/fs/cgroup"] =
            "on cgroup v1 the spec's \"ro\" cgroup mount is a tmpfs holding one bind per hierarchy: runc 1.1 leaves that " +
            "tmpfs rw and makes only the binds ro; Berth makes the tmpfs ro as well (stricter; nothing under it is writable in either)",
    };

    [Theory]
    [MemberData(nameof(Runtimes.Variants), MemberType = typeof(Runtimes))]
    public async Task Berth_and_runc_give_the_probe_the_same_view(string variant)
    {
        var edit = BundleVariant.Named(variant).Edit;
        var reports = new Dictionary<string, SortedDictionary<string, string>>();
        foreach (var runtime in Runtimes.Both)
        {
            await using var container = await TestContainer.CreateBundleAsync(runtime, edit: edit);
            var run = await container.RunAsync();
            Assert.True(run.Exit.ExitCode == 0, $"{runtime}: probe exited {run.Exit.ExitCode} ({run.Exit.Error}): {run.Stderr}");
            reports[runtime] = run.Probe.Normalise(container.Id);
            await container.AssertNothingLeftAsync();
        }

        var berth = reports["berth"];
        var runc = reports["runc"];
        var differences = berth.Keys.Union(runc.Keys).Order(StringComparer.Ordinal)
            .Where(k => berth.GetValueOrDefault(k) != runc.GetValueOrDefault(k))
            .ToList();
        foreach (var key in differences)
        {
            output.WriteLine($"{key}:\n  berth: {berth.GetValueOrDefault(key) ?? "(none)"}\n  runc:  {runc.GetValueOrDefault(key) ?? "(none)"}" +
                (KnownDifferences.TryGetValue(key, out var why) ? "\n  known: " + why : ""));
        }
        var unexplained = differences.Where(k => !KnownDifferences.ContainsKey(k)).ToList();
        Assert.True(unexplained.Count == 0, "Berth differs from runc in: " + string.Join(", ", unexplained) + " (details in the test output)");
    }
}
