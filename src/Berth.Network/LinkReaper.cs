using System.Threading.Channels;
using Berth.Common;
using Berth.Linux;

namespace Berth.Network;

/// <summary>
/// Deletes host links off the path of a container's exit: deleting a veth waits for the kernel's RCU grace period
/// (15–30 ms here), which <c>docker run --rm</c> would otherwise wait for. The kernel removes a stopped container's
/// veth with its namespace anyway; this makes sure of it when something else still holds that namespace.
/// </summary>
internal sealed class LinkReaper : IDisposable
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;

    public LinkReaper() => _worker = Task.Run(RunAsync);

    public void Delete(string link) => _queue.Writer.TryWrite(link);

    private async Task RunAsync()
    {
        using var netlink = Netlink.Open();
        await foreach (var link in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                netlink.TryDeleteLink(link);
            }
            catch (LinuxException e)
            {
                Log.Warn("could not delete a container's host link", ("link", link), ("error", e.Message));
            }
        }
    }

    /// <summary>Finishes the deletions already asked for (briefly) before the daemon exits.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _worker.Wait(TimeSpan.FromSeconds(5));
    }
}
