using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Berth.Common;

namespace Berth.Http.Plugins;

/// <summary>What a plugin answered to one call: the HTTP status and the body.</summary>
public readonly record struct PluginReply(int Status, byte[] Body);

/// <summary>
/// Docker's plugin transport: each call is an HTTP/1.1 POST of a JSON body to <c>/Method.Name</c> over the plugin's
/// unix socket, on a connection of its own. A plugin is another program, trusted no more than its socket: every
/// call has a deadline (connecting, which is retried while the plugin is not listening yet, included), answers are
/// capped, and a broken answer becomes an error that names the call.
/// </summary>
public sealed class PluginClient(string plugin, string socketPath, TimeSpan timeout)
{
    /// <summary>The version of the plugin API Docker asks for.</summary>
    public const string MediaType = "application/vnd.docker.plugins.v1.2+json";

    /// <summary>No answer of the protocol comes near this; a plugin sending more is broken or hostile.</summary>
    public const int MaxAnswer = 1024 * 1024;

    public string Plugin => plugin;

    public string SocketPath => socketPath;

    public TimeSpan Timeout => timeout;

    /// <summary>Posts <paramref name="body"/> to <paramref name="method"/> and returns whatever status came back;
    /// throws a <see cref="BerthException"/> when no complete answer did.</summary>
    public PluginReply Post(string method, byte[] body)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            // The controller is synchronous; the socket work is async only to be cancellable at the deadline.
            return PostAsync(method, body, deadline.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (deadline.IsCancellationRequested && e is OperationCanceledException or IOException or SocketException)
        {
            throw new BerthException(ErrorKind.Unavailable, $"{method}: plugin \"{plugin}\" did not answer within {Seconds(timeout)}", e);
        }
        catch (HttpProtocolException e)
        {
            throw BadAnswer(method, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new BerthException(ErrorKind.Unavailable, $"{method}: connection to plugin \"{plugin}\" failed: {e.Message}", e);
        }
    }

    public BerthException BadAnswer(string method, string why) =>
        new(ErrorKind.Unknown, $"{method}: bad answer from plugin \"{plugin}\": {why}");

    private async Task<PluginReply> PostAsync(string method, byte[] body, CancellationToken ct)
    {
        var socket = await ConnectAsync(method, ct).ConfigureAwait(false);
        await using var connection = HttpClientConnection.Over(new NetworkStream(socket, ownsSocket: true));
        var headers = new HttpHeaders
        {
            { "Host", "plugin" },
            { "Accept", MediaType },
            { "Content-Type", "application/json" },
            // One call per connection: nothing of a plugin's connection state outlives a call.
            { "Connection", "close" },
        };
        using var content = new MemoryStream(body, writable: false);
        var head = await connection.SendAsync("POST", "/" + method, headers, content, body.Length, ct).ConfigureAwait(false);
        if (head.Headers.ContentLength > MaxAnswer)
        {
            throw new HttpProtocolException($"an answer of {head.Headers.ContentLength} bytes is over the limit of {MaxAnswer}");
        }
        await using var answer = connection.OpenBody(head);
        using var read = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await answer.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            if (read.Length + n > MaxAnswer)
            {
                throw new HttpProtocolException($"the answer is over the limit of {MaxAnswer} bytes");
            }
            read.Write(buffer, 0, n);
        }
        return new PluginReply(head.Status, read.ToArray());
    }

    /// <summary>Connects, retrying with backoff until the deadline while nothing listens: Docker does the same for
    /// 30 s, which gives a plugin that starts with (or after) the daemon time to come up.</summary>
    private async Task<Socket> ConnectAsync(string method, CancellationToken ct)
    {
        var pause = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                try
                {
                    await Task.Delay(pause, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    throw new BerthException(ErrorKind.Unavailable, $"{method}: cannot connect to plugin \"{plugin}\" at {socketPath}: {e.Message}", e);
                }
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>The plugin's error text from a failed call: its <c>Err</c>, else the body itself, made printable
    /// and short, since it ends up in an API answer and a log.</summary>
    public static string ErrorText(byte[] body, string? err)
    {
        var text = string.IsNullOrEmpty(err) ? Encoding.UTF8.GetString(body).Trim() : err;
        var clean = new StringBuilder(Math.Min(text.Length, 1024));
        foreach (var c in text)
        {
            if (clean.Length == 1024)
            {
                clean.Append('…');
                break;
            }
            clean.Append(char.IsControl(c) ? ' ' : c);
        }
        return clean.ToString();
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
