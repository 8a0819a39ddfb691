using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Common;
using Berth.Http;
using Berth.Images.Archive;

namespace Berth.Api.Docker.Routes;

/// <summary>/containers/{id}/archive (docker cp), /export and /changes (docker diff).</summary>
internal static class ArchiveRoutes
{
    public const string PathStatHeader = "X-Docker-Container-Path-Stat";

    public static void Map(Router router, EngineServices s)
    {
        router.Map("HEAD", "/containers/{id}/archive", async c =>
        {
            var stat = await s.Containers.StatPathAsync(c.Route("id"), PathOf(c), c.Aborted).ConfigureAwait(false);
            await c.WriteHeadAsync(200, StatHeaders(stat), 0).ConfigureAwait(false);
        });
        router.Map("GET", "/containers/{id}/archive", c => StreamAsync(c, (begin, ct) =>
            s.Containers.ArchivePathAsync(c.Route("id"), PathOf(c), stat => begin(StatHeaders(stat), "application/x-tar"), ct)));
        router.Map("PUT", "/containers/{id}/archive", PutAsync(s));
        router.Map("GET", "/containers/{id}/export", c => StreamAsync(c, (begin, ct) =>
            s.Containers.ExportAsync(c.Route("id"), () => begin(null, "application/octet-stream"), ct)));
        router.Map("GET", "/containers/{id}/changes", c =>
            c.WriteBytesAsync(200, ChangesJson(s.Containers.Changes(c.Route("id"))), "application/json"));
    }

    // An error leaves the rest of the upload unread: the server drains it after the answer, so a client still
    // sending gets to read that answer instead of a reset connection.
    private static ApiHandler PutAsync(EngineServices s) => async c =>
    {
        await s.Containers.ExtractToDirAsync(c.Route("id"), PathOf(c), c.Body, c.Query.Bool("noOverwriteDirNonDir"), c.Query.Bool("copyUIDGID"), c.Aborted).ConfigureAwait(false);
        await c.WriteEmptyAsync(200).ConfigureAwait(false);
    };

    private static string PathOf(ApiContext c) =>
        c.Query["path"] is { Length: > 0 } p ? p : throw BerthException.Invalid("path required");

    /// <summary>A tar answer: the handler calls <c>begin</c> (headers, content type) once it knows the request
    /// can be served; an error before that is an ordinary error answer, one after it cuts the stream short so the
    /// client sees a truncated archive rather than a complete one.</summary>
    private static async Task StreamAsync(ApiContext c, Func<Func<HttpHeaders?, string, Task<Stream>>, CancellationToken, Task> handler)
    {
        try
        {
            await handler(async (headers, contentType) =>
            {
                await c.WriteHeadAsync(200, headers, null, contentType).ConfigureAwait(false);
                return c.ResponseBody;
            }, c.Aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (c.ResponseStarted && e is BerthException or IOException or UnauthorizedAccessException)
        {
            c.CloseConnection = true;
            Log.Error("archive stream for " + c.Path + " failed: " + e.Message);
            return;
        }
        await c.EndStreamAsync().ConfigureAwait(false);
    }

    /// <summary>compat(docker): base64 of <c>{"name","size","mode","mtime","linkTarget"}</c>, mode a Go FileMode and
    /// mtime Go's RFC 3339 with nanoseconds.</summary>
    internal static HttpHeaders StatHeaders(PathStat stat)
    {
        var json = new Utf8JsonBuffer();
        var w = json.Writer;
        w.WriteStartObject();
        w.WriteString("name", stat.Name);
        w.WriteNumber("size", stat.Size);
        w.WriteNumber("mode", stat.Mode);
        w.WriteString("mtime", GoTime(stat.MTime));
        w.WriteString("linkTarget", stat.LinkTarget);
        w.WriteEndObject();
        var bytes = json.ToBytesWithNewline();
        var h = new HttpHeaders();
        h[PathStatHeader] = Convert.ToBase64String(bytes, 0, bytes.Length - 1);
        return h;
    }

    /// <summary>Go's <c>time.RFC3339Nano</c> in UTC: the fraction without trailing zeros, none when zero.</summary>
    internal static string GoTime(DateTimeOffset t)
    {
        var utc = t.UtcDateTime;
        var text = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var ticks = utc.Ticks % TimeSpan.TicksPerSecond;
        if (ticks > 0)
        {
            text += "." + (ticks * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        }
        return text + "Z";
    }

    private static byte[] ChangesJson(IReadOnlyList<FsChange> changes)
    {
        if (changes.Count == 0)
        {
            // compat(docker): no change is a nil slice: null.
            return Encoding.ASCII.GetBytes("null\n");
        }
        var json = new Utf8JsonBuffer();
        var w = json.Writer;
        w.WriteStartArray();
        foreach (var ch in changes)
        {
            w.WriteStartObject();
            w.WriteString("Path", ch.Path);
            w.WriteNumber("Kind", (int)ch.Kind);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        return json.ToBytesWithNewline();
    }
}
