using Xunit.Abstractions;
using Xunit.Sdk;

namespace Berth.EndToEnd.Infrastructure.Skipping;

/// <summary>Turns "test failed with <see cref="SkipException"/>" into "test skipped" on its way to the runner.</summary>
internal sealed class SkippingMessageBus(IMessageBus inner) : IMessageBus
{
    public int Skipped { get; private set; }

    public bool QueueMessage(IMessageSinkMessage message)
    {
        if (message is ITestFailed failed && failed.ExceptionTypes.FirstOrDefault() == typeof(SkipException).FullName)
        {
            Skipped++;
            return inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages.FirstOrDefault() ?? "skipped"));
        }
        return inner.QueueMessage(message);
    }

    public void Dispose()
    {
        // The inner bus belongs to the runner.
    }
}
