using Xunit.Abstractions;
using Xunit.Sdk;

namespace Berth.EndToEnd.Infrastructure.Skipping;

/// <summary>A test case that reports a <see cref="SkipException"/> as a skip instead of a failure.</summary>
public sealed class SkippableTestCase : XunitTestCase
{
    [Obsolete("For the xunit de-serializer only.")]
    public SkippableTestCase()
    {
    }

    public SkippableTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod, object[] arguments)
        : base(diagnosticMessageSink, display, options, testMethod, arguments)
    {
    }

    public override async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        var bus = new SkippingMessageBus(messageBus);
        var summary = await base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource);
        if (bus.Skipped > 0)
        {
            summary.Failed -= bus.Skipped;
            summary.Skipped += bus.Skipped;
        }
        return summary;
    }
}
