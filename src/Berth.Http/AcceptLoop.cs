using System.Net.Sockets;

namespace Berth.Http;

/// <summary>Accepts connections on a listening socket until it is stopped or closed, handing each to
/// <paramref name="handle"/> without waiting for it: the API server's, the registry's, the port proxy's and the
/// overlay peers' listeners.</summary>
public static class AcceptLoop
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
