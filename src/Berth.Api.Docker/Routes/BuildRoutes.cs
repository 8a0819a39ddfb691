using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Berth.Api.Docker.Models;
using Berth.Build;
using Berth.Common;

namespace Berth.Api.Docker.Routes;

/// <summary><c>POST /build</c>: the legacy builder. The body is the context tar; the answer a JSON-lines stream.</summary>
internal static class BuildRoutes
{
    public static void Map(Router router, EngineServices s) => router.Map("POST", "/build", c => BuildAsync(c, s));

    private static async Task BuildAsync(ApiContext c, EngineServices s)
    {
        var q = c.Query;
        if (!string.IsNullOrEmpty(q["remote"]))
        {
            throw BerthException.Invalid("remote build contexts (git repositories and URLs) are not supported by this berthd: send the context as a tar");
        }
        if (q["version"] == "2")
        {
            throw BerthException.Invalid("BuildKit (version=2) is not supported by this berthd; its legacy builder (version=1) is");
        }
        // The builder runs steps on this host only: a foreign platform is refused rather than built for the host.
        if (q["platform"] is { Length: > 0 } platform && platform != "linux" && !platform.StartsWith("linux/" + Images.ImageService.Architecture, StringComparison.Ordinal))
        {
            throw BerthException.Invalid($"--platform {platform}: this berthd builds for linux/{Images.ImageService.Architecture} only");
        }
        var tags = q.All("t").Where(t => t.Length > 0).ToList();
        foreach (var t in tags)
        {
            Images.Reference.ParseNormalizedTagged(t); // a bad tag fails before the context is read
        }
        var options = new BuildOptions
        {
            Dockerfile = q["dockerfile"] is { Length: > 0 } f ? f : "Dockerfile",
            Tags = tags,
            BuildArgs = ParseMap(q["buildargs"], "build args"),
            Labels = ParseMap(q["labels"], "labels").ToDictionary(p => p.Key, p => p.Value ?? ""),
            Target = q["target"],
            NoCache = q.Bool("nocache"),
            Pull = q.Bool("pull"),
            Quiet = q.Bool("q"),
            Remove = q.Bool("rm", fallback: true) || q.Bool("forcerm"),
            NetworkMode = q["networkmode"] is { Length: > 0 } n && n != "default" ? n : "",
            ShmSize = Long(q["shmsize"]),
            Memory = Long(q["memory"]),
            MemorySwap = Long(q["memswap"]),
            CpuShares = Long(q["cpushares"]),
            Platform = q["platform"],
            RegistryCredentials = RegistryConfig(c.Head.Headers["X-Registry-Config"]),
            ContextByDigest = q.Bool(Common.ContextByDigest.QueryParameter),
        };
        var output = new StreamOutput(c.WatchForDisconnect);
        var pump = PumpAsync(c, output.Messages.Reader);
        string? failure = null;
        var code = 0;
        try
        {
            await s.Builder.BuildAsync(c.Body, options, output, c.Aborted).ConfigureAwait(false);
        }
        catch (BuildFailedException e)
        {
            failure = e.Message;
            code = e.Code;
        }
        catch (ContextNeededException e)
        {
            // Not a failure: the client sends the whole context next.
            Log.Debug("build needs the context", ("reason", e.Message));
            output.Write(new ProgressMessage { Aux = new BuildResult { ContextNeeded = e.Message } });
        }
        catch (BerthException e) when (output.Started)
        {
            failure = e.Message;
        }
        catch (Exception e) when (output.Started && e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            failure = e.Message;
        }
        catch (Exception)
        {
            output.Messages.Writer.TryComplete();
            await pump.ConfigureAwait(false);
            throw; // nothing sent yet: an ordinary error response
        }
        if (failure is not null)
        {
            output.Write(new ProgressMessage { ErrorDetail = new ErrorDetail { Code = code, Message = failure }, Error = failure });
        }
        output.Messages.Writer.TryComplete();
        await pump.ConfigureAwait(false);
        await c.EndStreamAsync().ConfigureAwait(false);
    }

    /// <summary>Writes the builder's messages as they come; the first one starts the 200 response.</summary>
    private static async Task PumpAsync(ApiContext c, ChannelReader<ProgressMessage> messages)
    {
        var started = false;
        await foreach (var m in messages.ReadAllAsync().ConfigureAwait(false))
        {
            if (!started)
            {
                await c.StartStreamAsync(200, "application/json").ConfigureAwait(false);
                started = true;
            }
            try
            {
                await c.WriteChunkAsync((byte[])[.. JsonSerializer.SerializeToUtf8Bytes(m, ApiJson.Default.ProgressMessage), (byte)'\n']).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The client went away; the build is cancelled through c.Aborted.
            }
        }
        if (!started)
        {
            return;
        }
    }

    private static long Long(string? s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static Dictionary<string, string?> ParseMap(string? json, string what)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize(json, BuildQueryJson.Default.DictionaryStringString) ?? [];
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid($"invalid {what}: {e.Message}");
        }
    }

    private sealed class StreamOutput(Action contextReceived) : IBuildOutput
    {
        public void ContextReceived() => contextReceived();

        public Channel<ProgressMessage> Messages { get; } = Channel.CreateUnbounded<ProgressMessage>(new UnboundedChannelOptions { SingleReader = true });

        public bool Started { get; private set; }

        public void Write(ProgressMessage m)
        {
            Started = true;
            Messages.Writer.TryWrite(m);
        }

        public void Stream(string text) => Write(new ProgressMessage { Stream = text });

        public void Aux(string imageId) => Write(new ProgressMessage { Aux = new BuildResult { Id = imageId } });
    }

    /// <summary><c>X-Registry-Config</c>: base64url JSON of the client's credentials by registry, for pulling bases.</summary>
    private static Dictionary<string, Berth.Distribution.Client.RegistryCredentials> RegistryConfig(string? header)
    {
        var result = new Dictionary<string, Berth.Distribution.Client.RegistryCredentials>();
        if (string.IsNullOrWhiteSpace(header) || header.Length > 1 << 20)
        {
            return result;
        }
        try
        {
            using var doc = JsonDocument.Parse(Berth.Distribution.Client.RegistryCredentials.DecodeHeader(header, "X-Registry-Config"));
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in doc.RootElement.EnumerateObject())
                {
                    var credentials = Berth.Distribution.Client.RegistryCredentials.FromJson(System.Text.Encoding.UTF8.GetBytes(entry.Value.GetRawText()));
                    if (!credentials.IsEmpty)
                    {
                        result[Berth.Distribution.Client.RegistryHosts.NormalizeServerAddress(entry.Name)] = credentials;
                    }
                }
            }
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid X-Registry-Config header: " + e.Message);
        }
        return result;
    }
}

[JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class BuildQueryJson : JsonSerializerContext;
