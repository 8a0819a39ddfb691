using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// berthd's remote API as dockerd's: a daemon of this class's own listens on its unix socket (group: a throwaway
/// group of the test's, <c>-G</c>) and on 127.0.0.1 over TLS with <c>--tlsverify</c>, with a CA, server and client
/// certificates made by openssl. The real docker CLI with the client certificate works; without one, or with one from
/// another CA, the handshake fails. Plain TCP is refused unless <c>--tls=false</c> asks for it.
/// </summary>
public sealed class RemoteApiTlsTests(RemoteApiTlsTests.TlsEngine tls) : IClassFixture<RemoteApiTlsTests.TlsEngine>
{
    public sealed class TlsEngine : IDisposable
    {
        public TlsEngine()
        {
            Dir = Directory.CreateTempSubdirectory("berth-tls-").FullName;
            Pki = new OpenSslPki(Path.Join(Dir, "pki"), "berth e2e CA");
            Pki.IssueServer("daemon");
            Pki.IssueClient("client");
            OtherPki = new OpenSslPki(Path.Join(Dir, "other-pki"), "another CA");
            OtherPki.IssueClient("client");
            Group = "berth-e2e-" + Convert.ToHexStringLower(BitConverter.GetBytes(Environment.ProcessId))[..6];
            ProcessRunner.Run("groupadd", ["--system", Group]).ExpectExit(0);
            Gid = uint.Parse(ProcessRunner.Run("getent", ["group", Group]).Ok().Split(':')[2], CultureInfo.InvariantCulture);
            Port = FreePort();
            try
            {
                Engine = new BerthEngine(["-H", "tcp://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture), "--tlsverify",
                    "--tlscacert", Pki.CaFile, "--tlscert", Pki.CertFile("daemon"), "--tlskey", Pki.KeyFile("daemon"), "-G", Group]);
            }
            catch
            {
                ProcessRunner.Run("groupdel", [Group]);
                throw;
            }
        }

        public string Dir { get; }
        public OpenSslPki Pki { get; }
        public OpenSslPki OtherPki { get; }
        public string Group { get; }
        public uint Gid { get; }
        public int Port { get; }
        public BerthEngine Engine { get; }
        public string TcpHost => "tcp://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

        /// <summary>The real docker CLI against the TCP listener, with exactly the flags given.</summary>
        public CommandResult Docker(params string[] args) =>
            ProcessRunner.Run("docker", args, new Dictionary<string, string> { ["DOCKER_CONFIG"] = Engine.DockerConfig });

        public string[] ClientTls(OpenSslPki pki) =>
            ["--tlsverify", "--tlscacert", Pki.CaFile, "--tlscert", pki.CertFile("client"), "--tlskey", pki.KeyFile("client"), "-H", TcpHost];

        public void Dispose()
        {
            try
            {
                Engine.Dispose();
            }
            finally
            {
                ProcessRunner.Run("groupdel", [Group]);
                // The explicit --tls=false daemon's mounts (its exec root's propagation), if any are left.
                foreach (var mount in HostTraces.MountPoints().Where(m => m.StartsWith(Dir + "/", StringComparison.Ordinal)).Reverse())
                {
                    ProcessRunner.Run("umount", ["-l", mount]);
                }
                Directory.Delete(Dir, recursive: true);
            }
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    [Fact]
    public void TheDockerCliWithAClientCertificateFromTheCaWorksOverTcp()
    {
        var version = tls.Docker([.. tls.ClientTls(tls.Pki), "version", "--format", "{{.Server.Os}}/{{.Server.APIVersion}}"]).Ok();
        Assert.StartsWith("linux/1.", version, StringComparison.Ordinal);

        Assert.Equal("hi", tls.Docker([.. tls.ClientTls(tls.Pki), "run", "--rm", "busybox", "echo", "hi"]).Ok());

        // The unix socket serves as before, beside it.
        Assert.Equal("hi", tls.Engine.Docker("run", "--rm", "busybox", "echo", "hi").Ok());
        Assert.Contains("API listen on 127.0.0.1:" + tls.Port.ToString(CultureInfo.InvariantCulture), File.ReadAllText(tls.Engine.Daemon.LogFile), StringComparison.Ordinal);
    }

    [Fact]
    public void AClientWithoutACertificateIsRefusedAtTheHandshake()
    {
        // Plain HTTP to the TLS port gets Go's answer, which the CLI shows.
        var plain = tls.Docker("-H", tls.TcpHost, "version");
        Assert.NotEqual(0, plain.ExitCode);
        Assert.DoesNotContain("Server:", plain.Stdout, StringComparison.Ordinal);
        Assert.Contains("Client sent an HTTP request to an HTTPS server.", plain.Stderr, StringComparison.Ordinal);

        // TLS that trusts the daemon but has no certificate of its own: refused by the daemon's handshake.
        var caOnly = Directory.CreateDirectory(Path.Join(tls.Dir, "ca-only")).FullName;
        File.Copy(tls.Pki.CaFile, Path.Join(caOnly, "ca.pem"), overwrite: true);
        var noCert = ProcessRunner.Run("docker", ["--tlsverify", "-H", tls.TcpHost, "version"],
            new Dictionary<string, string> { ["DOCKER_CONFIG"] = tls.Engine.DockerConfig, ["DOCKER_CERT_PATH"] = caOnly });
        Assert.NotEqual(0, noCert.ExitCode);
        Assert.DoesNotContain("Server:", noCert.Stdout, StringComparison.Ordinal);
        Assert.Contains("error during connect", noCert.Stderr, StringComparison.Ordinal);

        var curl = ProcessRunner.Run("curl", ["-sS", "--max-time", "10", "--cacert", tls.Pki.CaFile, $"https://127.0.0.1:{tls.Port}/_ping"]);
        Assert.NotEqual(0, curl.ExitCode);
        Assert.NotEqual("OK", curl.Stdout);
        Poll.Until("the refused handshake in berthd's log", () => File.ReadAllText(tls.Engine.Daemon.LogFile),
            log => log.Contains("http: TLS handshake error from 127.0.0.1:", StringComparison.Ordinal) && log.Contains("tls: client didn't provide a certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void AClientCertificateFromAnotherCaIsRefusedAtTheHandshake()
    {
        var other = tls.Docker([.. tls.ClientTls(tls.OtherPki), "version"]);
        Assert.NotEqual(0, other.ExitCode);
        Assert.DoesNotContain("Server:", other.Stdout, StringComparison.Ordinal);

        string[] curl = ["-sS", "--max-time", "10", "--cacert", tls.Pki.CaFile, $"https://127.0.0.1:{tls.Port}/_ping"];
        var refused = ProcessRunner.Run("curl", [.. curl, "--cert", tls.OtherPki.CertFile("client"), "--key", tls.OtherPki.KeyFile("client")]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.NotEqual("OK", refused.Stdout);
        Poll.Until("the refused certificate in berthd's log", () => File.ReadAllText(tls.Engine.Daemon.LogFile),
            log => log.Contains("x509: certificate signed by unknown authority", StringComparison.Ordinal));

        // The same request with the CA's client certificate answers.
        Assert.Equal("OK", ProcessRunner.Run("curl", [.. curl, "--cert", tls.Pki.CertFile("client"), "--key", tls.Pki.KeyFile("client")]).Ok());
    }

    [Fact]
    public void TheUnixSocketIsRootAndTheGroupsWithMode0660()
    {
        var stat = ProcessRunner.Run("stat", ["-c", "%a %u %g %F", tls.Engine.Daemon.Socket]).Ok();
        Assert.Equal($"660 0 {tls.Gid} socket", stat);
        Assert.DoesNotContain("could not change group", File.ReadAllText(tls.Engine.Daemon.LogFile), StringComparison.Ordinal);
    }

    [Fact]
    public void PlainTcpWithoutTlsFlagsIsRefused()
    {
        var dir = Path.Join(tls.Dir, "plain");
        var port = FreePort();
        var result = ProcessRunner.Run(RepoLayout.Binary("berthd"),
            ["-H", "unix://" + Path.Join(dir, "s.sock"), "-H", $"tcp://127.0.0.1:{port}", "--data-root", Path.Join(dir, "data"),
                "--exec-root", Path.Join(dir, "exec"), "--pidfile", Path.Join(dir, "pid")]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"failed to load listeners: refusing to listen on tcp://127.0.0.1:{port} without --tlsverify: anyone who can reach it has root access on this machine",
            result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Join(dir, "s.sock")));
    }

    [Fact]
    public void PlainTcpServesWhenTlsFalseIsExplicitAndTheMissingDefaultGroupLeavesTheSocketToRoot()
    {
        var port = FreePort();
        var daemon = new BerthDaemon(Path.Join(tls.Dir, "insecure"), ["-H", $"tcp://127.0.0.1:{port}", "--tls=false"]);
        Directory.CreateDirectory(daemon.Directory);
        daemon.Start();
        try
        {
            Assert.Equal("OK", ProcessRunner.Run("curl", ["-sS", "--max-time", "10", $"http://127.0.0.1:{port}/_ping"]).Ok());
            var log = File.ReadAllText(daemon.LogFile);
            Assert.Contains("Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network.", log, StringComparison.Ordinal);

            var stat = ProcessRunner.Run("stat", ["-c", "%a %u %g", daemon.Socket]).Ok();
            var berth = ProcessRunner.Run("getent", ["group", "berth"]);
            if (berth.ExitCode == 0)
            {
                Assert.Equal("660 0 " + berth.Text.Split(':')[2], stat);
            }
            else
            {
                Assert.Equal("660 0 0", stat);
                Assert.Contains($"could not change group {daemon.Socket} to berth: group berth not found", log, StringComparison.Ordinal);
            }
        }
        finally
        {
            Assert.Equal(0, daemon.Stop("TERM"));
            HostNetwork.Uninstall(daemon);
        }
    }
}
