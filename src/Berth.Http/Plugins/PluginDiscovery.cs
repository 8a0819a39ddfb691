using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Common;

namespace Berth.Http.Plugins;

/// <summary>
/// Docker's discovery of legacy (v1) plugins: a plugin is named by its file. Sockets are looked for first, in every
/// directory; then spec files, whose text is the plugin's address (<c>.spec</c>) or a JSON object with an
/// <c>Addr</c> (<c>.json</c>). Only unix sockets are reached: Berth refuses a TCP or HTTPS plugin address.
/// Shared by the network room (remote drivers) and the volume room (volume plugins).
/// </summary>
public static class PluginDiscovery
{
    /// <summary>The unix socket of plugin <paramref name="name"/>; throws NotFound in Docker's words when there is
    /// none.</summary>
    /// <param name="isSocket">stat(2)'s answer for a path (<c>Berth.Linux.Fs.IsSocket</c>): this tier makes no system
    /// calls of its own.</param>
    public static string Find(string name, IReadOnlyList<string> dirs, Func<string, bool> isSocket)
    {
        // A name is a file name: anything that could walk out of the plugin directories is no plugin.
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || name is "." or "..")
        {
            throw NotFound(name);
        }
        foreach (var dir in dirs)
        {
            foreach (var path in Candidates(dir, name, ".sock"))
            {
                if (isSocket(path))
                {
                    return path;
                }
            }
        }
        foreach (var dir in dirs)
        {
            foreach (var path in Candidates(dir, name, ".spec").Concat(Candidates(dir, name, ".json")))
            {
                if (File.Exists(path))
                {
                    return SocketOf(name, path, ReadAddress(name, path));
                }
            }
        }
        throw NotFound(name);
    }

    public static BerthException NotFound(string name) => BerthException.NotFound($"plugin \"{name}\" not found");

    private static IEnumerable<string> Candidates(string dir, string name, string extension) =>
        [Path.Join(dir, name + extension), Path.Join(dir, name, name + extension)];

    private static string ReadAddress(string name, string path)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            // A spec file is one line; a large one is not a spec file.
            if (info.Length > 64 * 1024)
            {
                throw Invalid(name, path, "the file is too large");
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(name, path, e.Message);
        }
        if (!path.EndsWith(".json", StringComparison.Ordinal))
        {
            return text.Trim();
        }
        try
        {
            var spec = JsonSerializer.Deserialize(text, PluginJson.Default.PluginSpec);
            return spec?.Addr?.Trim() ?? "";
        }
        catch (JsonException e)
        {
            throw Invalid(name, path, e.Message);
        }
    }

    private static string SocketOf(string name, string specPath, string address)
    {
        const string Unix = "unix://";
        if (address.StartsWith(Unix, StringComparison.OrdinalIgnoreCase) && address.Length > Unix.Length)
        {
            var socket = address[Unix.Length..];
            if (!socket.StartsWith('/'))
            {
                throw Invalid(name, specPath, $"{address} is not an absolute socket path");
            }
            return socket;
        }
        var scheme = address.IndexOf("://", StringComparison.Ordinal) is > 0 and var end ? address[..end] : "";
        if (scheme.Length == 0)
        {
            // compat(docker): Docker's words for an address without a scheme.
            throw Invalid(name, specPath, "Unknown protocol");
        }
        throw new BerthException(ErrorKind.NotImplemented,
            $"plugin \"{name}\" is at {address} ({specPath}): only plugins on a unix socket are supported by this berthd");
    }

    private static BerthException Invalid(string name, string path, string why) =>
        new(ErrorKind.Unknown, $"plugin \"{name}\": invalid spec file {path}: {why}");
}

/// <summary>A <c>.json</c> spec file: where the plugin listens.</summary>
public sealed class PluginSpec
{
    public string? Name { get; set; }
    public string? Addr { get; set; }
}

/// <summary>The answer to <c>/Plugin.Activate</c>: the protocols the plugin implements.</summary>
public sealed class PluginActivateAnswer
{
    public List<string>? Implements { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PluginSpec))]
[JsonSerializable(typeof(PluginActivateAnswer))]
internal sealed partial class PluginJson : JsonSerializerContext;
