using System.Text;
using System.Text.Json;
using Berth.Cli.Api;

namespace Berth.Cli.Tests;

/// <summary>Credentials where the docker CLI keeps them: <c>config.json</c>'s <c>auths</c>, or a credential helper
/// (<c>docker-credential-NAME get|store|erase</c>, here a small shell script of the test's own).</summary>
public sealed class DockerConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-docker-config-").FullName;

    private string ConfigPath => Path.Join(_dir, "config.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CredentialsAreFiledUnderTheRegistryAndTheRestOfTheFileIsKept()
    {
        File.WriteAllText(ConfigPath, """{"psFormat":"table {{.ID}}","auths":{"other.example":{"auth":"eDp5"}}}""");
        var config = new DockerConfig(ConfigPath);

        config.Store("localhost:5000", "alice", "s3:cret");
        config.Store("docker.io", "bob", "hub");

        using (var doc = JsonDocument.Parse(File.ReadAllText(ConfigPath)))
        {
            var auths = doc.RootElement.GetProperty("auths");
            Assert.Equal("table {{.ID}}", doc.RootElement.GetProperty("psFormat").GetString());
            Assert.Equal("alice:s3:cret", Encoding.UTF8.GetString(Convert.FromBase64String(auths.GetProperty("localhost:5000").GetProperty("auth").GetString()!)));
            Assert.True(auths.TryGetProperty("https://index.docker.io/v1/", out _));
            Assert.True(auths.TryGetProperty("other.example", out _));
        }
        Assert.Equal(("alice", "s3:cret", null), config.Get("localhost:5000"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
        var header = JsonDocument.Parse(Convert.FromBase64String(Pad(config.AuthHeader("localhost:5000").Replace('-', '+').Replace('_', '/'))));
        Assert.Equal("alice", header.RootElement.GetProperty("username").GetString());
        Assert.Equal("e30=", config.AuthHeader("nowhere.example:5000"));

        Assert.True(config.Erase("http://localhost:5000/"));
        Assert.False(config.Erase("localhost:5000"));
        Assert.Equal((null, null, null), config.Get("localhost:5000"));
    }

    [Fact]
    public void ACredentialHelperIsRunAsTheDockerCliRunsIt()
    {
        // A helper keeping one secret in a file: it gets the server URL on stdin for get and erase, JSON for store.
        var store = Path.Join(_dir, "helper-store");
        var helper = Path.Join(_dir, "docker-credential-berthtest");
        File.WriteAllText(helper, $$"""
            #!/bin/sh
            case "$1" in
              store) cat > {{store}} ;;
              get) read server; [ -f {{store}} ] || { echo "credentials not found in native keychain"; exit 1; }; sed 's/"ServerURL"[^,]*,//' {{store}} ;;
              erase) [ -f {{store}} ] || { echo "credentials not found in native keychain"; exit 1; }; rm {{store}} ;;
            esac
            """.Replace("\r", ""));
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(ConfigPath, """{"credsStore":"berthtest"}""");
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", _dir + ":" + path);
        try
        {
            var config = new DockerConfig(ConfigPath);

            Assert.Equal((null, null, null), config.Get("localhost:5000"));
            config.Store("localhost:5000", "carol", "pw");

            Assert.Contains("\"Username\":\"carol\"", File.ReadAllText(store));
            Assert.Equal(("carol", "pw", null), config.Get("localhost:5000"));
            Assert.DoesNotContain("carol", File.ReadAllText(ConfigPath));
            Assert.True(config.Erase("localhost:5000"));
            Assert.False(File.Exists(store));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }

    private static string Pad(string s) => s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
}
