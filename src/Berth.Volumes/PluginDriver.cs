using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Common;
using Berth.Http.Plugins;

namespace Berth.Volumes;

/// <summary>
/// A volume plugin of Docker's legacy protocol: each call is a POST of JSON to <c>/VolumeDriver.Method</c> on the
/// plugin's socket (<see cref="PluginClient"/>), and an answer's <c>Err</c> is the failure, in the plugin's words.
/// </summary>
internal sealed class PluginDriver : VolumeDriver
{
    public const string Protocol = "VolumeDriver";

    private readonly PluginClient _client;
    private string? _scope;

    private PluginDriver(PluginClient client) => _client = client;

    public override string Name => _client.Plugin;

    /// <summary>Where the plugin listens.</summary>
    public string SocketPath => _client.SocketPath;

    /// <summary>compat(docker): from <c>/VolumeDriver.Capabilities</c>, asked once; <c>local</c> when the plugin does
    /// not say, or says something else than local or global.</summary>
    public override string Scope
    {
        get
        {
            if (_scope is null)
            {
                string scope;
                try
                {
                    scope = Call("Capabilities", new JsonObject())?["Capabilities"]?["Scope"]?.GetValue<string>()?.ToLowerInvariant() ?? "";
                }
                catch (Exception e) when (e is BerthException or InvalidOperationException)
                {
                    scope = "";
                }
                _scope = scope is "local" or "global" ? scope : "local";
            }
            return _scope;
        }
    }

    /// <summary>Says hello (<c>/Plugin.Activate</c>) and checks that the plugin drives volumes.</summary>
    public static PluginDriver Activate(PluginClient client)
    {
        var reply = client.Post("Plugin.Activate", "{}"u8.ToArray());
        if (reply.Status != 200)
        {
            throw new BerthException(ErrorKind.Unknown, $"Plugin.Activate: {PluginClient.ErrorText(reply.Body, null)}");
        }
        PluginActivateAnswer? answer;
        try
        {
            answer = JsonSerializer.Deserialize(reply.Body, PluginActivateJson.Default.PluginActivateAnswer);
        }
        catch (JsonException e)
        {
            throw client.BadAnswer("Plugin.Activate", e.Message);
        }
        if (answer?.Implements?.Contains(Protocol) != true)
        {
            // compat(docker): plugins.ErrNotImplements.
            throw BerthException.NotFound("Plugin does not implement the requested driver");
        }
        return new PluginDriver(client);
    }

    public override void Create(string name, IReadOnlyDictionary<string, string>? options)
    {
        var opts = new JsonObject();
        foreach (var (k, v) in options ?? new Dictionary<string, string>())
        {
            opts[k] = v;
        }
        Call("Create", new JsonObject { ["Name"] = name, ["Opts"] = opts });
    }

    public override void Remove(string name) => Call("Remove", new JsonObject { ["Name"] = name });

    public override (string Mountpoint, Dictionary<string, object?>? Status)? Get(string name)
    {
        JsonNode? answer;
        try
        {
            answer = Call("Get", new JsonObject { ["Name"] = name });
        }
        catch (BerthException e) when (e.Kind == ErrorKind.Unknown)
        {
            // The plugin answered, with an error: it does not know the volume (or will not say).
            Log.Debug("volume plugin has no such volume", ("plugin", Name), ("volume", name), ("error", e.Message));
            return null;
        }
        if (answer?["Volume"] is not JsonObject volume)
        {
            return null;
        }
        var mountpoint = volume["Mountpoint"]?.GetValue<string>() ?? "";
        Dictionary<string, object?>? status = null;
        if (volume["Status"] is JsonObject s && s.Count > 0)
        {
            status = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (k, v) in s)
            {
                status[k] = v is null ? null : JsonSerializer.SerializeToElement(v, PluginActivateJson.Default.JsonNode);
            }
        }
        return (mountpoint, status);
    }

    /// <summary>The plugin's volumes and their mount points (<c>/VolumeDriver.List</c>).</summary>
    public IReadOnlyList<(string Name, string Mountpoint)> List()
    {
        var answer = Call("List", new JsonObject());
        var list = new List<(string, string)>();
        if (answer?["Volumes"] is JsonArray volumes)
        {
            foreach (var v in volumes)
            {
                if (v?["Name"]?.GetValue<string>() is { Length: > 0 } name)
                {
                    list.Add((name, v["Mountpoint"]?.GetValue<string>() ?? ""));
                }
            }
        }
        return list;
    }

    public override string Mount(string name, string mountId)
    {
        var answer = Call("Mount", new JsonObject { ["Name"] = name, ["ID"] = mountId });
        return answer?["Mountpoint"]?.GetValue<string>() ?? "";
    }

    public override void Unmount(string name, string mountId) =>
        Call("Unmount", new JsonObject { ["Name"] = name, ["ID"] = mountId });

    /// <summary>One call; the answer's <c>Err</c>, or a status other than 200, is the failure.</summary>
    private JsonNode? Call(string method, JsonObject body)
    {
        var full = Protocol + "." + method;
        var reply = _client.Post(full, Encoding.UTF8.GetBytes(body.ToJsonString()));
        JsonNode? answer;
        try
        {
            answer = reply.Body.Length == 0 ? null : JsonNode.Parse(reply.Body);
        }
        catch (JsonException e)
        {
            if (reply.Status != 200)
            {
                // compat(docker): a failed call's body is the error when it is not JSON.
                throw new BerthException(ErrorKind.Unknown, $"{full}: {PluginClient.ErrorText(reply.Body, null)}");
            }
            throw _client.BadAnswer(full, e.Message);
        }
        var err = answer is JsonObject o && o["Err"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
        if (reply.Status != 200)
        {
            throw new BerthException(ErrorKind.Unknown, $"{full}: {PluginClient.ErrorText(reply.Body, err)}");
        }
        if (!string.IsNullOrEmpty(err))
        {
            // compat(docker): an Err in a 200 answer is the error as the plugin wrote it.
            throw new BerthException(ErrorKind.Unknown, PluginClient.ErrorText([], err));
        }
        return answer;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(PluginActivateAnswer))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonNode))]
internal sealed partial class PluginActivateJson : System.Text.Json.Serialization.JsonSerializerContext;
