using System.Diagnostics;
using Berth.Common;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Containers;

/// <summary>Exit codes, failures at create, and how long a container takes, under both runtimes.</summary>
[Collection(ContainerCollection.Name)]
public sealed class LifecycleTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int> ExitCodes
    {
        get
        {
            var rows = new TheoryData<string, string, int>();
            foreach (var runtime in Runtimes.Both)
            {
                rows.Add(runtime, "true", 0);
                rows.Add(runtime, "exit 7", 7);
                rows.Add(runtime, "exit 255", 255);
                rows.Add(runtime, "echo out; echo err >&2; exit 3", 3);
            }
            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(ExitCodes))]
    public async Task The_exit_code_is_passed_through(string runtime, string script, int code)
    {
        await using var container = await TestContainer.CreateBundleAsync(runtime, ["sh", "-c", script]);
        var run = await container.RunAsync();

        Assert.Equal(code, run.Exit.ExitCode);
        Assert.Equal(0, run.Exit.Signal);
        Assert.Null(run.Exit.Error);
        Assert.Equal(code, ContainerRuntime.ReadExit(container.Bundle)?.ExitCode); // exit.json, for a daemon that restarted
        if (script.Contains("echo", StringComparison.Ordinal))
        {
            Assert.Equal("out\n", run.Stdout);
            Assert.Equal("err\n", run.Stderr);
        }
        await container.AssertNothingLeftAsync();
    }

    public static TheoryData<string, string, string> MissingPrograms
    {
        get
        {
            var rows = new TheoryData<string, string, string>();
            foreach (var runtime in Runtimes.Both)
            {
                // The docker CLI picks exit status 127 or 126 by matching these texts (Go's exec.LookPath).
                rows.Add(runtime, "x", "exec: \"x\": executable file not found in $PATH");
                rows.Add(runtime, "/nope/x", "exec: \"/nope/x\": stat /nope/x: no such file or directory");
                rows.Add(runtime, "/etc/passwd", "exec: \"/etc/passwd\": permission denied");
            }
            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(MissingPrograms))]
    public async Task A_missing_executable_fails_at_create(string runtime, string program, string message)
    {
        await using var container = await TestContainer.CreateBundleAsync(runtime, [program]);

        var e = await Assert.ThrowsAsync<BerthException>(() => container.CreateAsync());

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.True(await Host.EventuallyAsync(() => !File.Exists(container.Socket)), "the failed shim left its socket");
        container.AssertNoCgroupsOrMounts();
    }

    [Theory]
    [MemberData(nameof(Runtimes.Names), MemberType = typeof(Runtimes))]
    public async Task Timings(string runtime)
    {
        // Not a benchmark (bench/ is): a record in the test output, and a bound that only a hang would break.
        foreach (var (name, args) in new (string, string[])[] { ("true", ["true"]), ("probe", ["berth-probe"]) })
        {
            var created = new List<double>();
            var exited = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                await using var container = await TestContainer.CreateBundleAsync(runtime, args);
                var run = await container.RunAsync();
                Assert.Equal(0, run.Exit.ExitCode);
                created.Add(run.Created.TotalMilliseconds);
                exited.Add(run.Exited.TotalMilliseconds);
                await container.AssertNothingLeftAsync();
            }
            output.WriteLine($"{runtime} {name}: CreateAsync {Median(created):F1} ms, CreateAsync to exit {Median(exited):F1} ms (median of 5; runs {string.Join(", ", exited.Select(e => e.ToString("F0")))})");
            Assert.True(Median(exited) < 5000, $"{runtime} {name} took {Median(exited)} ms");
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
