using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>A registry that wants credentials (<c>berth registry serve --auth token</c>, bcrypt htpasswd users):
/// login, push and pull through berthd with the credentials the clients filed, and without them.</summary>
[Collection(BerthCollection.Name)]
public sealed class RegistryAuthTests(BerthEngine engine, RegistryAuthTests.TokenRegistry registry) : IClassFixture<RegistryAuthTests.TokenRegistry>
{
    public sealed class TokenRegistry : IDisposable
    {
        private readonly string _dir = Path.Join(Path.GetTempPath(), "berth-e2e-auth-" + Guid.NewGuid().ToString("N")[..8]);

        public TokenRegistry()
        {
            Directory.CreateDirectory(_dir);
            var htpasswd = Path.Join(_dir, "htpasswd");
            ProcessRunner.Run("htpasswd", ["-B", "-b", "-c", htpasswd, "alice", "s3cret"]).Ok();
            Registry = new LocalRegistry(["--auth", "token", "--htpasswd", htpasswd]);
        }

        public LocalRegistry Registry { get; }

        public void Dispose()
        {
            Registry.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void WithTheCredentialsFiledByLoginPushAndPullWorkAndWithoutThemTheyAreRefused(string client)
    {
        var address = registry.Registry.Address;
        var image = $"{address}/e2e/private-{client}:v1";
        engine.Cli(client, "tag", "busybox", image).Ok();
        try
        {
            var wrong = engine.Cli(client, "login", "-u", "alice", "-p", "wrong", address).ExpectExit(1);
            Assert.Contains("Error response from daemon: ", wrong.Stderr);
            Assert.Contains("unauthorized", wrong.Stderr);

            Assert.EndsWith("Login Succeeded", engine.Cli(client, "login", "-u", "alice", "-p", "s3cret", address).Ok());
            Assert.Contains("v1: digest: sha256:", engine.CliSlow(client, "push", image).Ok());
            engine.Cli(client, "rmi", image).Ok();
            Assert.Contains("Status: Downloaded newer image for " + image, engine.CliSlow(client, "pull", image).Ok());

            engine.Cli(client, "logout", address).Ok();
            var anonymous = engine.Cli(client, "pull", image).ExpectExit(1);
            Assert.Contains($"pull access denied for {address}/e2e/private-{client}", anonymous.Stderr);
            var push = engine.Cli(client, "push", image).ExpectExit(1);
            Assert.Contains("unauthorized", push.Stderr + push.Stdout);
        }
        finally
        {
            engine.Cli(client, "rmi", image);
            engine.Cli(client, "logout", address);
        }
    }
}
