using System.Diagnostics;
using Berth.Fuzz;

namespace Berth.Fuzz.Tests;

/// <summary>
/// Every input the fuzzers kept (fuzz/corpus/TARGET/) goes through its target again: none may throw what the
/// engine does not expect of bad input, and none may take long. A crash or hang afl-fuzz finds is added to the
/// corpus once fixed, so it stays fixed.
/// </summary>
public sealed class CorpusReplayTests
{
    // Generous for a loaded CI machine; an input that hung under the fuzzer runs for seconds or forever.
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Targets => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Corpus_replays_without_a_finding(string target)
    {
        var dir = Path.Join(AppContext.BaseDirectory, "corpus", target);
        var files = Directory.GetFiles(dir);
        Assert.NotEmpty(files);
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var data = File.ReadAllBytes(file);
            var clock = Stopwatch.StartNew();
            var error = Record.Exception(() => FuzzTargets.Run(target, data));
            Assert.True(error is null, $"{target}/{Path.GetFileName(file)}: {error}");
            var took = clock.Elapsed;
            if (took >= PerInput)
            {
                // Once more before calling it slow: the first input JITs the target, and a loaded machine can take the
                // core away or collect mid-run. A slow input is slow both times.
                clock.Restart();
                FuzzTargets.Run(target, data);
                took = TimeSpan.FromTicks(Math.Min(took.Ticks, clock.Elapsed.Ticks));
            }
            Assert.True(took < PerInput, $"{target}/{Path.GetFileName(file)} took {took}");
        }
    }
}
