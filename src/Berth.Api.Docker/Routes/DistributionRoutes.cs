using System.Text.Json;
using System.Threading.Channels;
using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Distribution.Client;
using Berth.Images;

namespace Berth.Api.Docker.Routes;

/// <summary>Pull (<c>POST /images/create?fromImage=</c>), push (<c>POST /images/{name}/push</c>) and login
/// (<c>POST /auth</c>): the engine as a registry client.</summary>
internal static class DistributionRoutes
{
    public static void Map(Router router, EngineServices s)
    {
        router.Map("POST", "/images/{name*}/push", c => PushAsync(c, s));
        router.Map("POST", "/auth", c => LoginAsync(c, s));
    }

    private static RegistryCredentials? Credentials(ApiContext c) => RegistryCredentials.FromHeader(c.Head.Headers["X-Registry-Auth"]);

    /// <summary><c>docker pull</c>: one tag or digest, or with no tag every tag of the repository.</summary>
    public static Task PullAsync(ApiContext c, EngineServices s, string fromImage, string? tag)
    {
        var reference = Reference.TryParse(fromImage, out var r, out var error) && r is not null ? r : throw BerthException.Invalid(error!);
        if (!string.IsNullOrEmpty(tag))
        {
            reference = Digest.TryParse(tag, out var d) ? reference with { Tag = null, Digest = d } : Reference.Parse(reference.Repository + ":" + tag);
        }
        var allTags = reference.Tag is null && reference.Digest is null;
        var credentials = Credentials(c);
        var platform = c.Query["platform"] is { Length: > 0 } p ? p : null;
        return StreamAsync(c, async (report, ct) =>
        {
            var tags = allTags ? await s.Images.ListRemoteTagsAsync(reference, credentials, ct).ConfigureAwait(false) : [];
            if (allTags && tags.Count == 0)
            {
                throw BerthException.NotFound($"no tags found for {reference.FamiliarRepository}");
            }
            var anyNewer = false;
            foreach (var one in allTags ? tags.Select(t => reference.WithTag(t)) : [reference])
            {
                var result = await s.Images.PullAsync(one, new PullOptions(credentials, platform), report, ct).ConfigureAwait(false);
                report(new TransferProgress(null, "Digest: " + result.ManifestDigest.Value));
                anyNewer |= !result.UpToDate;
                if (!allTags)
                {
                    report(new TransferProgress(null, $"Status: {(result.UpToDate ? "Image is up to date" : "Downloaded newer image")} for {one.Familiar}"));
                }
            }
            if (allTags)
            {
                report(new TransferProgress(null, $"Status: {(anyNewer ? "Downloaded newer image" : "Image is up to date")} for {reference.FamiliarRepository}"));
            }
        });
    }

    private static Task PushAsync(ApiContext c, EngineServices s)
    {
        var name = c.Route("name");
        var tag = c.Query["tag"];
        if (c.Query["platform"] is { Length: > 0 })
        {
            throw BerthException.Invalid("pushing one platform of an image (push --platform) is not supported: push the image itself");
        }
        var reference = Reference.TryParse(string.IsNullOrEmpty(tag) ? name : name + ":" + tag, out var r, out var error) && r is not null ? r : throw BerthException.Invalid(error!);
        var credentials = Credentials(c);
        return StreamAsync(c, (report, ct) => s.Images.PushAsync(reference, credentials, report, ct));
    }

    private static async Task LoginAsync(ApiContext c, EngineServices s)
    {
        using var body = await c.ReadJsonAsync(ApiJson.Default.JsonDocument, 64 << 10).ConfigureAwait(false) ?? throw BerthException.Invalid("login: no credentials in the request body");
        var credentials = RegistryCredentials.FromJson(System.Text.Encoding.UTF8.GetBytes(body.RootElement.GetRawText()), out var server);
        var domain = RegistryHosts.NormalizeServerAddress(server);
        var client = new RegistryClient(s.Images.Registries, domain, "", credentials);
        await client.LoginAsync(c.Aborted).ConfigureAwait(false);
        await c.WriteJsonAsync(200, new AuthResponse { Status = "Login Succeeded", IdentityToken = "" }, ApiJson.Default.AuthResponse).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a transfer, streaming its progress as JSON messages. A failure before its first message is a plain
    /// error response (status and <c>{"message"}</c>, as dockerd answers a pull of an unknown manifest); one after
    /// it ends the stream with an <c>errorDetail</c>. A client that goes away cancels the transfer.
    /// </summary>
    private static async Task StreamAsync(ApiContext c, Func<Action<TransferProgress>, CancellationToken, Task> transfer)
    {
        c.WatchForDisconnect();
        var messages = Channel.CreateUnbounded<TransferProgress>();
        var run = Task.Run(async () =>
        {
            try
            {
                await transfer(p => messages.Writer.TryWrite(p), c.Aborted).ConfigureAwait(false);
            }
            finally
            {
                messages.Writer.TryComplete();
            }
        });
        if (!await messages.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await run.ConfigureAwait(false);
        }
        await c.StartStreamAsync(200, "application/json").ConfigureAwait(false);
        try
        {
            await foreach (var p in messages.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                await c.WriteChunkAsync(Serialize(p), flush: messages.Reader.Count == 0).ConfigureAwait(false);
            }
            await run.ConfigureAwait(false);
        }
        catch (Exception e) when (!c.Aborted.IsCancellationRequested)
        {
            if (e is not (BerthException or HttpRequestException or IOException or OperationCanceledException))
            {
                Log.Error("transfer failed", ("path", c.Path), ("error", e.ToString()));
            }
            var message = e is OperationCanceledException ? "context canceled" : e.Message;
            var error = new TransferMessage { Error = message, ErrorDetail = new ErrorDetail { Message = message } };
            await c.WriteChunkAsync((byte[])[.. JsonSerializer.SerializeToUtf8Bytes(error, ApiJson.Default.TransferMessage), (byte)'\n']).ConfigureAwait(false);
        }
        await c.EndStreamAsync().ConfigureAwait(false);
    }

    private static byte[] Serialize(TransferProgress p)
    {
        var m = new TransferMessage { Status = p.Status, Id = p.Id };
        if (p.Layer)
        {
            m.ProgressDetail = new TransferDetail { Current = p.Current ?? 0, Total = p.Total ?? 0 };
            if (p.Current is { } current)
            {
                m.Progress = ProgressBar(current, p.Total ?? 0);
            }
        }
        if (p.Pushed is { } pushed)
        {
            m.Status = null;
            // compat(docker): the status line and the aux message are two messages.
            var line = JsonSerializer.SerializeToUtf8Bytes(new TransferMessage { Status = p.Status }, ApiJson.Default.TransferMessage);
            m.ProgressDetail = new TransferDetail();
            m.Aux = new PushAux { Tag = pushed.Tag, Digest = pushed.Digest, Size = pushed.Size };
            return [.. line, (byte)'\n', .. JsonSerializer.SerializeToUtf8Bytes(m, ApiJson.Default.TransferMessage), (byte)'\n'];
        }
        return [.. JsonSerializer.SerializeToUtf8Bytes(m, ApiJson.Default.TransferMessage), (byte)'\n'];
    }

    /// <summary>compat(docker): jsonmessage's bar: 50 columns of <c>=</c> up to a <c>&gt;</c>, then the sizes.</summary>
    internal static string ProgressBar(long current, long total)
    {
        if (total <= 0 || current > total)
        {
            return (total <= 0 ? "" : "[" + new string('=', 50) + ">] ") + HumanUnits.Size(current).PadLeft(8);
        }
        var filled = (int)Math.Min(50, current * 50 / total);
        return "[" + new string('=', filled) + ">" + new string(' ', 50 - filled) + "] " + $"{HumanUnits.Size(current),8}/{HumanUnits.Size(total)}";
    }
}
