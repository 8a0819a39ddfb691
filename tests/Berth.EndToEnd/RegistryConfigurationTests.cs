using System.Text.Json;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// berthd's registry settings, with a daemon of this class's own: <c>--registry-mirror</c> (Docker Hub's names are
/// pulled from the mirror), <c>--insecure-registry</c> (<c>docker info</c>, and a TLS registry reached unverified),
/// and certs.d (<c>--registry-certs-dir</c>): a registry on 127.0.0.1 speaking HTTPS with a certificate of a private
/// CA and wanting a client certificate and a password (htpasswd) is used with the CA and client certificate filed
/// for it; logins through the filed credentials and through a credential helper.
/// </summary>
public sealed class RegistryConfigurationTests(RegistryConfigurationTests.ConfiguredEngine configured) : IClassFixture<RegistryConfigurationTests.ConfiguredEngine>
{
    public sealed class ConfiguredEngine : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("berth-e2e-registries-").FullName;
        private readonly List<IDisposable> _owned = [];

        public ConfiguredEngine()
        {
            try
            {
                var pki = new OpenSslPki(Path.Join(_dir, "pki"), "Berth E2E Registry CA");
                pki.IssueServer("registry");
                pki.IssueClient("client");
                var otherPki = new OpenSslPki(Path.Join(_dir, "other-pki"), "Some Other CA");
                var htpasswd = Path.Join(_dir, "htpasswd");
                ProcessRunner.Run("htpasswd", ["-B", "-b", "-c", htpasswd, "alice", "s3cret"]).Ok();
                string[] tls = ["--tls-cert", pki.CertFile("registry"), "--tls-key", pki.KeyFile("registry")];

                Mirror = Own(new LocalRegistry());
                Private = Own(new LocalRegistry([.. tls, "--tls-client-ca", pki.CaFile, "--auth", "htpasswd", "--htpasswd", htpasswd]));
                Insecure = Own(new LocalRegistry(tls));
                Untrusted = Own(new LocalRegistry(tls));

                CertsDir = Path.Join(_dir, "certs.d");
                AddFile(Private, "ca.crt", pki.CaFile);
                AddFile(Private, "client.cert", pki.CertFile("client"));
                AddFile(Private, "client.key", pki.KeyFile("client"));
                // The wrong CA for both: verified, neither would be trusted.
                AddFile(Insecure, "ca.crt", otherPki.CaFile);
                AddFile(Untrusted, "ca.crt", otherPki.CaFile);

                Engine = Own(new BerthEngine(["--registry-mirror", "http://" + Mirror.Address, "--insecure-registry", Insecure.Address,
                    "--insecure-registry", "10.99.0.0/16", "--registry-certs-dir", CertsDir]));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public BerthEngine Engine { get; } = null!;

        /// <summary>Plain HTTP, the daemon's Docker Hub mirror.</summary>
        public LocalRegistry Mirror { get; } = null!;

        /// <summary>HTTPS with a certificate of the test CA, client certificates of it, and Basic authentication.</summary>
        public LocalRegistry Private { get; } = null!;

        /// <summary>HTTPS, with another CA in its certs.d directory, and listed with <c>--insecure-registry</c>.</summary>
        public LocalRegistry Insecure { get; } = null!;

        /// <summary>HTTPS, with another CA in its certs.d directory.</summary>
        public LocalRegistry Untrusted { get; } = null!;

        public string CertsDir { get; } = "";

        public string Dir => _dir;

        private T Own<T>(T disposable)
            where T : IDisposable
        {
            _owned.Add(disposable);
            return disposable;
        }

        /// <summary>A file in certs.d/127.0.0.1:PORT/.</summary>
        private void AddFile(LocalRegistry registry, string name, string source)
        {
            var dir = Directory.CreateDirectory(Path.Join(CertsDir, registry.Address)).FullName;
            File.Copy(source, Path.Join(dir, name));
        }

        public void Dispose()
        {
            foreach (var owned in Enumerable.Reverse(_owned))
            {
                owned.Dispose();
            }
            Directory.Delete(_dir, recursive: true);
        }
    }

    private BerthEngine Engine => configured.Engine;

    [Fact]
    public void DockerInfoListsTheMirrorAndTheInsecureRegistries()
    {
        var info = Engine.Docker("info").Ok();

        Assert.Contains($"Insecure Registries:\n  {configured.Insecure.Address}\n", info);
        Assert.Contains(" 10.99.0.0/16\n", info);
        Assert.Contains($"Registry Mirrors:\n  http://{configured.Mirror.Address}/\n", info);
    }

    [Fact]
    public void ADockerHubNameIsPulledFromTheMirror()
    {
        // The mirror serves Docker Hub's paths: library/NAME for an official image's name.
        var onMirror = $"{configured.Mirror.Address}/library/berth-e2e-mirrored:v1";
        Engine.Docker("tag", "busybox", onMirror).Ok();
        Engine.CliSlow("docker", "push", onMirror).Ok();
        Engine.Docker("rmi", onMirror).Ok();

        var pull = Engine.CliSlow("docker", "pull", "berth-e2e-mirrored:v1").Ok();

        Assert.Contains("Status: Downloaded newer image for berth-e2e-mirrored:v1", pull);
        Assert.Equal(Engine.Inspect("busybox", "{{.Id}}"), Engine.Inspect("berth-e2e-mirrored:v1", "{{.Id}}"));
        // compat(docker): Docker Hub's repositories are shown by their short names.
        Assert.Equal("berth-e2e-mirrored", Engine.Inspect("berth-e2e-mirrored:v1", "{{index .RepoDigests 0}}").Split('@')[0]);
        Engine.Docker("rmi", "berth-e2e-mirrored:v1").Ok();
    }

    [Fact]
    public void AnInsecureRegistryIsReachedThoughItsCertificateIsNotTrusted()
    {
        var image = $"{configured.Insecure.Address}/e2e/insecure:v1";
        Engine.Docker("tag", "busybox", image).Ok();
        try
        {
            Assert.Contains("v1: digest: sha256:", Engine.CliSlow("docker", "push", image).Ok());
        }
        finally
        {
            Engine.Docker("rmi", image);
        }
    }

    [Fact]
    public void ALoopbackRegistryWithACaInCertsDIsVerifiedAgainstIt()
    {
        var image = $"{configured.Untrusted.Address}/e2e/untrusted:v1";
        Engine.Docker("tag", "busybox", image).Ok();
        try
        {
            var push = Engine.CliSlow("docker", "push", image).ExpectExit(1);

            Assert.Contains($"https://{configured.Untrusted.Address}/v2/", push.Stderr);
            Assert.Contains("certificate", push.Stderr, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Engine.Docker("rmi", image);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ARegistryWantingAPasswordAndAClientCertificateIsUsedWithTheFilesInCertsD(string client)
    {
        var address = configured.Private.Address;
        var image = $"{address}/e2e/private-{client}:v1";
        Engine.Cli(client, "tag", "busybox", image).Ok();
        try
        {
            var wrong = Engine.Cli(client, "login", "-u", "alice", "-p", "wrong", address).ExpectExit(1);
            Assert.Contains($"Error response from daemon: login attempt to https://{address}/v2/ failed with status: 401 Unauthorized", wrong.Stderr);

            Assert.EndsWith("Login Succeeded", Engine.Cli(client, "login", "-u", "alice", "-p", "s3cret", address).Ok());
            Assert.Contains("v1: digest: sha256:", Engine.CliSlow(client, "push", image).Ok());
            Engine.Cli(client, "rmi", image).Ok();
            Assert.Contains("Status: Downloaded newer image for " + image, Engine.CliSlow(client, "pull", image).Ok());

            Engine.Cli(client, "logout", address).Ok();
            var anonymous = Engine.Cli(client, "pull", image).ExpectExit(1);
            Assert.Contains($"pull access denied for {address}/e2e/private-{client}", anonymous.Stderr);
        }
        finally
        {
            Engine.Cli(client, "rmi", image);
            Engine.Cli(client, "logout", address);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ACredentialHelperKeepsTheLoginThatPullAndPushUse(string client)
    {
        var dir = Directory.CreateDirectory(Path.Join(configured.Dir, "helper-" + client)).FullName;
        var store = Directory.CreateDirectory(Path.Join(dir, "store")).FullName;
        var config = Directory.CreateDirectory(Path.Join(dir, "config")).FullName;
        File.WriteAllText(Path.Join(config, "config.json"), """{"credsStore":"berth-e2e"}""");
        // docker-credential-helpers' protocol: the verb as argument, JSON (or the server's URL) on stdin.
        var helper = Path.Join(dir, "docker-credential-berth-e2e");
        File.WriteAllText(helper, $$"""
            #!/bin/sh
            store={{store}}
            echo "$1" >> "$store/calls"
            key() { printf '%s' "$1" | tr -c 'A-Za-z0-9' _; }
            case "$1" in
            store) json=$(cat); server=$(printf '%s' "$json" | sed -n 's/.*"ServerURL" *: *"\([^"]*\)".*/\1/p'); printf '%s' "$json" > "$store/$(key "$server")" ;;
            get) read -r server; if [ -f "$store/$(key "$server")" ]; then cat "$store/$(key "$server")"; else echo "credentials not found in native keychain"; exit 1; fi ;;
            erase) read -r server; rm -f "$store/$(key "$server")" ;;
            list) echo '{}' ;;
            esac

            """);
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = Engine.Daemon.Host,
            ["DOCKER_CONFIG"] = config,
            ["PATH"] = dir + ":" + Environment.GetEnvironmentVariable("PATH"),
        };
        CommandResult Cli(params string[] args) =>
            ProcessRunner.Run(client == "berth" ? RepoLayout.Binary("berth") : "docker", args, environment, timeout: TimeSpan.FromMinutes(3));
        var address = configured.Private.Address;
        var image = $"{address}/e2e/helped-{client}:v1";
        Cli("tag", "busybox", image).Ok();
        try
        {
            Assert.EndsWith("Login Succeeded", Cli("login", "-u", "alice", "-p", "s3cret", address).Ok());
            using (var filed = JsonDocument.Parse(File.ReadAllText(Path.Join(config, "config.json"))))
            {
                // The password is the helper's, not in config.json.
                Assert.DoesNotContain("auth\"", filed.RootElement.GetRawText().Replace(" ", "", StringComparison.Ordinal));
            }
            Assert.Contains("store", File.ReadAllLines(Path.Join(store, "calls")));

            Assert.Contains("v1: digest: sha256:", Cli("push", image).Ok());
            Cli("rmi", image).Ok();
            Assert.Contains("Status: Downloaded newer image for " + image, Cli("pull", image).Ok());
            Assert.Contains("get", File.ReadAllLines(Path.Join(store, "calls")));

            Cli("logout", address).Ok();
            Assert.Contains("erase", File.ReadAllLines(Path.Join(store, "calls")));
            Assert.Contains($"pull access denied for {address}/e2e/helped-{client}", Cli("pull", image).ExpectExit(1).Stderr);
        }
        finally
        {
            Cli("rmi", image);
        }
    }
}
