using System.Net.Sockets;

namespace Berth.Network;

/// <summary>Accepts connections on a listening socket until it is stopped or closed, handing each to
/// <paramref name="handle"/> without waiting for it.</summary>
internal static class AcceptLoop
{
    public static async Task RunAsync(Socket listener, Func<Socket, Task> handle, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = handle(client);
        }
    }
}
