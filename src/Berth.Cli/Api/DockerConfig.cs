using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Distribution.Client;

namespace Berth.Cli.Api;

/// <summary>
/// The docker CLI's own configuration file (<c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>):
/// Berth reads and writes registry credentials in the same place, so a <c>docker login</c> serves <c>berth push</c>
/// and the other way round; a credential helper (<c>credsStore</c>, <c>credHelpers</c>) is run as docker runs it.
/// Everything else in the file is left as it is.
/// </summary>
internal sealed class DockerConfig
{
    /// <summary>compat(docker): Docker Hub's credentials are filed under its old index address.</summary>
    public const string DockerHubKey = "https://index.docker.io/v1/";

    private readonly string _path;

    public DockerConfig(string? path = null)
    {
        var dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } d ? d : Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        _path = path ?? Path.Join(dir, "config.json");
    }

    public string FilePath => _path;

    /// <summary>The key credentials for a registry are filed under.</summary>
    public static string KeyOf(string domain) => domain == "docker.io" ? DockerHubKey : domain;

    /// <summary>The <c>X-Registry-Auth</c> value for <paramref name="domain"/>: the stored credentials, or <c>{}</c>.</summary>
    public string AuthHeader(string domain)
    {
        var (user, secret, identity) = Get(domain);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (user is not null)
            {
                w.WriteString("username", user);
                w.WriteString("password", secret ?? "");
            }
            if (identity is not null)
            {
                w.WriteString("identitytoken", identity);
            }
            if (user is not null || identity is not null)
            {
                w.WriteString("serveraddress", KeyOf(domain));
            }
            w.WriteEndObject();
        }
        return Convert.ToBase64String(buffer.ToArray()).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The credentials for <paramref name="domain"/>, from its helper or the file.</summary>
    public (string? User, string? Secret, string? IdentityToken) Get(string domain)
    {
        var root = Load();
        var key = KeyOf(domain);
        if (Helper(root, domain) is { } helper)
        {
            var output = RunHelper(helper, "get", key, allowFailure: true);
            if (output is null)
            {
                return (null, null, null);
            }
            using var doc = JsonDocument.Parse(output);
            var user = doc.RootElement.TryGetProperty("Username", out var u) ? u.GetString() : null;
            var secret = doc.RootElement.TryGetProperty("Secret", out var s) ? s.GetString() : null;
            // compat(docker): a helper's username "<token>" means the secret is an identity token.
            return user == "<token>" ? (null, null, secret) : (user, secret, null);
        }
        if (root?["auths"] is JsonObject auths)
        {
            foreach (var (k, v) in auths)
            {
                if (NormalizeKey(k) != NormalizeKey(key) || v is not JsonObject entry)
                {
                    continue;
                }
                string? user = null, secret = null;
                if (entry["auth"]?.GetValue<string>() is { Length: > 0 } auth)
                {
                    var text = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                    var colon = text.IndexOf(':', StringComparison.Ordinal);
                    if (colon >= 0)
                    {
                        (user, secret) = (text[..colon], text[(colon + 1)..]);
                    }
                }
                var identity = entry["identitytoken"]?.GetValue<string>();
                return (user, secret, string.IsNullOrEmpty(identity) ? null : identity);
            }
        }
        return (null, null, null);
    }

    public void Store(string domain, string user, string secret)
    {
        var root = Load() ?? new JsonObject();
        var key = KeyOf(domain);
        if (Helper(root, domain) is { } helper)
        {
            RunHelper(helper, "store", JsonSerializerHelper.Credentials(key, user, secret), allowFailure: false);
            return;
        }
        if (root["auths"] is not JsonObject auths)
        {
            root["auths"] = auths = new JsonObject();
        }
        auths[key] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + secret)) };
        Save(root);
    }

    /// <summary>Removes the credentials of <paramref name="domain"/>; false when there were none.</summary>
    public bool Erase(string domain)
    {
        var root = Load();
        var key = KeyOf(domain);
        if (root is not null && Helper(root, domain) is { } helper)
        {
            return RunHelper(helper, "erase", key, allowFailure: true) is not null;
        }
        if (root?["auths"] is not JsonObject auths)
        {
            return false;
        }
        var found = auths.Select(a => a.Key).Where(k => NormalizeKey(k) == NormalizeKey(key)).ToList();
        foreach (var k in found)
        {
            auths.Remove(k);
        }
        if (found.Count > 0)
        {
            Save(root);
        }
        return found.Count > 0;
    }

    private static string NormalizeKey(string key) => RegistryHosts.NormalizeServerAddress(key).ToLowerInvariant();

    private static string? Helper(JsonNode? root, string domain)
    {
        if (root?["credHelpers"] is JsonObject helpers)
        {
            foreach (var (k, v) in helpers)
            {
                if (NormalizeKey(k) == NormalizeKey(KeyOf(domain)) && v?.GetValue<string>() is { Length: > 0 } h)
                {
                    return h;
                }
            }
        }
        return root?["credsStore"]?.GetValue<string>() is { Length: > 0 } store ? store : null;
    }

    private JsonNode? Load()
    {
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(_path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new StatusException($"loading config file {_path}: {e.Message}", 1);
        }
    }

    private void Save(JsonNode root)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temp = _path + ".tmp" + Environment.ProcessId;
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var w = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
            root.WriteTo(w);
        }
        File.Move(temp, _path, overwrite: true);
    }

    /// <summary>Runs <c>docker-credential-NAME ACTION</c> with <paramref name="input"/> on stdin.</summary>
    private static string? RunHelper(string name, string action, string input, bool allowFailure)
    {
        var program = "docker-credential-" + name;
        var start = new ProcessStartInfo(program, [action]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new StatusException($"error getting credentials - err: exec: \"{program}\": executable file not found in $PATH", 1);
        }
        using (process)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode == 0)
            {
                return output;
            }
            if (allowFailure && (output + error).Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            throw new StatusException($"error {(action == "get" ? "getting" : action == "store" ? "storing" : "erasing")} credentials - err: exit status {process.ExitCode}, out: `{(output + error).Trim()}`", 1);
        }
    }

    private static class JsonSerializerHelper
    {
        public static string Credentials(string server, string user, string secret)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("ServerURL", server);
                w.WriteString("Username", user);
                w.WriteString("Secret", secret);
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}
