using System.Text.Json;
using Berth.Api.Docker.Models;
using Berth.Engine.Model;

namespace Berth.Api.Docker.Routes;

/// <summary>/containers/{id}/…: pause, unpause, rename, update, top, stats.</summary>
internal static class ContainerOperationRoutes
{
    public static void Map(Router router, EngineServices s)
    {
        router.Map("POST", "/containers/{id}/pause", async c =>
        {
            await s.Containers.PauseAsync(c.Route("id"), c.Aborted).ConfigureAwait(false);
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("POST", "/containers/{id}/unpause", async c =>
        {
            await s.Containers.UnpauseAsync(c.Route("id"), c.Aborted).ConfigureAwait(false);
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("POST", "/containers/{id}/rename", async c =>
        {
            s.Containers.Rename(c.Route("id"), c.Query["name"] ?? "");
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("POST", "/containers/{id}/update", UpdateAsync(s));
        router.Map("GET", "/containers/{id}/top", async c =>
        {
            var top = await s.Containers.TopAsync(c.Route("id"), c.Query["ps_args"], c.Aborted).ConfigureAwait(false);
            var body = new TopResponse { Titles = [.. top.Titles], Processes = top.Processes.Select(p => p.ToList()).ToList() };
            await c.WriteJsonAsync(200, body, OperationsJson.Default.TopResponse).ConfigureAwait(false);
        });
        router.Map("GET", "/containers/{id}/stats", c => StatsAsync(c, s));
    }

    private static ApiHandler UpdateAsync(EngineServices s) => async c =>
    {
        var update = await c.ReadJsonAsync(OperationsJson.Default.ContainerUpdate).ConfigureAwait(false) ?? new ContainerUpdate();
        var warnings = await s.Containers.UpdateAsync(c.Route("id"), update, c.Aborted).ConfigureAwait(false);
        await c.WriteJsonAsync(200, new UpdateResponse { Warnings = [.. warnings] }, OperationsJson.Default.UpdateResponse).ConfigureAwait(false);
    };

    private static async Task StatsAsync(ApiContext c, EngineServices s)
    {
        var stream = c.Query.Bool("stream", fallback: true);
        var frames = s.Containers.Stats(c.Route("id"), stream, c.Query.Bool("one-shot"), c.Aborted);
        if (!stream)
        {
            await foreach (var frame in frames.ConfigureAwait(false))
            {
                await c.WriteJsonAsync(200, StatsMapper.Map(frame), OperationsJson.Default.StatsResponse).ConfigureAwait(false);
                return;
            }
            return;
        }
        // compat(docker): the headers go out at once; then one JSON document a line as the readings come.
        await c.StartStreamAsync(200).ConfigureAwait(false);
        c.WatchForDisconnect();
        try
        {
            await foreach (var frame in frames.ConfigureAwait(false))
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(StatsMapper.Map(frame), OperationsJson.Default.StatsResponse);
                await c.WriteChunkAsync((byte[])[.. json, (byte)'\n']).ConfigureAwait(false);
            }
            await c.EndStreamAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
        {
        }
    }
}
