using Berth.Runtime.Shim;

namespace Berth.Runtime.Tests.Support;

/// <summary>What one container run produced: its exit, its output (from the json-file log and from an attach),
/// and how long the steps took.</summary>
internal sealed record RunResult(
    ShimReady Ready,
    ExitRecord Exit,
    string Stdout,
    string Stderr,
    string AttachedStdout,
    TimeSpan Created,
    TimeSpan Exited)
{
    public ProbeReport Probe => ProbeReport.Parse(Stdout);
}
