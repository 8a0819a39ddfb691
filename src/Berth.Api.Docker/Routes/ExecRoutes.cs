using System.Globalization;
using System.Text;
using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Engine;
using Berth.Engine.Model;
using Berth.Runtime.Logging;

namespace Berth.Api.Docker.Routes;

/// <summary><c>docker exec</c>: /containers/{id}/exec and /exec/{id}/start|resize|json.</summary>
internal static class ExecRoutes
{
    public static void Map(Router router, EngineServices s)
    {
        router.Map("POST", "/containers/{id}/exec", async c =>
        {
            var config = await c.ReadJsonAsync(ApiJson.Default.ExecConfig).ConfigureAwait(false)
                ?? throw BerthException.Invalid("config cannot be empty in order to create an exec");
            var id = s.Containers.CreateExec(c.Route("id"), config);
            await c.WriteJsonAsync(201, new IdResponse { Id = id }, ApiJson.Default.IdResponse).ConfigureAwait(false);
        });
        router.Map("POST", "/exec/{id}/start", c => StartAsync(c, s));
        router.Map("POST", "/exec/{id}/resize", async c =>
        {
            var (h, w) = Size(c);
            await s.Containers.ResizeExecAsync(c.Route("id"), h, w).ConfigureAwait(false);
            await c.WriteEmptyAsync(200).ConfigureAwait(false);
        });
        router.Map("GET", "/exec/{id}/json", c => c.WriteJsonAsync(200, s.Containers.InspectExec(c.Route("id")), ApiJson.Default.ExecInstance));
    }

    /// <summary>The h and w of a resize request.</summary>
    internal static (ushort Rows, ushort Columns) Size(ApiContext c) => (Dimension(c.Query["h"], "height"), Dimension(c.Query["w"], "width"));

    private static ushort Dimension(string? value, string name) =>
        ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw BerthException.Invalid($"invalid resize {name} \"{value}\"");

    private static async Task StartAsync(ApiContext c, EngineServices s)
    {
        var body = await c.ReadJsonAsync(ApiJson.Default.ExecStartConfig).ConfigureAwait(false) ?? new ExecStartConfig();
        var execId = c.Route("id");
        var exec = s.Containers.InspectExec(execId);
        if (body.Detach)
        {
            var detached = await s.Containers.StartExecAsync(execId, body.ConsoleSize, c.Aborted).ConfigureAwait(false);
            _ = DrainAsync(detached);
            await c.WriteEmptyAsync(200).ConfigureAwait(false);
            return;
        }
        var tty = exec.ProcessConfig.Tty;
        var (input, connection, socket) = await c.HijackAsync().ConfigureAwait(false);
        ExecSession session;
        try
        {
            session = await s.Containers.StartExecAsync(execId, body.ConsoleSize).ConfigureAwait(false);
        }
        catch (BerthException e)
        {
            // compat(docker): once hijacked, a start failure is told in the stream, as output.
            var text = Encoding.UTF8.GetBytes(e.Message + "\r\n");
            await connection.WriteAsync(tty ? text : Framing.Frame(Framing.Stdout, text)).ConfigureAwait(false);
            await connection.FlushAsync().ConfigureAwait(false);
            socket?.Shutdown(System.Net.Sockets.SocketShutdown.Both);
            return;
        }
        using var done = new CancellationTokenSource();
        var stdin = exec.OpenStdin ? PumpStdinAsync(input, session, done.Token) : Task.CompletedTask;
        try
        {
            await foreach (var chunk in session.Output.ReadAllAsync().ConfigureAwait(false))
            {
                if (chunk.Stream == LogStream.Stdout ? !exec.OpenStdout : !exec.OpenStderr)
                {
                    continue;
                }
                await connection.WriteAsync(tty ? chunk.Data.ToArray() : Framing.Frame(chunk.Stream == LogStream.Stderr ? Framing.Stderr : Framing.Stdout, chunk.Data.Span)).ConfigureAwait(false);
                await connection.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The client went away: the process runs on, as with dockerd.
            _ = DrainAsync(session);
        }
        await done.CancelAsync().ConfigureAwait(false);
        socket?.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        await stdin.ConfigureAwait(false);
    }

    /// <summary>Client bytes to the process's stdin; the client's end of input closes it.</summary>
    private static async Task PumpStdinAsync(Http.HttpReader input, ExecSession session, CancellationToken ct)
    {
        var buf = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await input.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
            {
                await session.WriteStdinAsync(buf.AsMemory(0, n).ToArray()).ConfigureAwait(false);
            }
            await session.CloseStdinAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task DrainAsync(ExecSession session)
    {
        await foreach (var _ in session.Output.ReadAllAsync().ConfigureAwait(false))
        {
        }
    }
}
