using Xunit.Sdk;

namespace Berth.EndToEnd.Infrastructure.Skipping;

/// <summary>A theory whose rows may find at run time that they cannot run here (a prerequisite such as the peer
/// dockerd is unavailable): they throw <see cref="SkipException"/> and show as skipped with the reason.
/// xunit 2 has no dynamic skip of its own.</summary>
[XunitTestCaseDiscoverer("Berth.EndToEnd.Infrastructure.Skipping.SkippableTheoryDiscoverer", "Berth.EndToEnd")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SkippableTheoryAttribute : TheoryAttribute;
