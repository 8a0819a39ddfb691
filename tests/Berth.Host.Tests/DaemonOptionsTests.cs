namespace Berth.Host.Tests;

/// <summary>berthd's listener flags, as dockerd reads them: -H, -G, --tls, --tlsverify and the certificate files.</summary>
public sealed class DaemonOptionsTests
{
    private static DaemonOptions Parse(params string[] args)
    {
        var o = DaemonOptions.Parse(args);
        // The machine's DOCKER_TLS_VERIFY and DOCKER_CERT_PATH play no part here.
        o.TlsVerifyFromEnvironment = false;
        o.CertDirectory = "/root/.docker";
        return o;
    }

    public static TheoryData<string, string[], bool, bool> TlsModes => new()
    {
        // row, flags, TLS on TCP, client certificates verified
        { "nothing", [], false, false },
        { "--tls", ["--tls"], true, false },
        { "--tlsverify implies --tls", ["--tlsverify"], true, true },
        { "--tlsverify=true", ["--tlsverify=true"], true, true },
        { "--tls=false", ["--tls=false"], false, false },
        { "--tlsverify=false", ["--tlsverify=false"], false, false },
        { "--tls --tlsverify=false", ["--tls", "--tlsverify=false"], true, false },
    };

    [Theory]
    [MemberData(nameof(TlsModes))]
    public void Tls_flags_combine_as_dockerds(string row, string[] flags, bool tls, bool verify)
    {
        var o = Parse(flags);
        Assert.True(tls == o.UseTls, row);
        Assert.True(verify == o.VerifyClients, row);
    }

    [Fact]
    public void Docker_tls_verify_in_the_environment_turns_verification_on_as_for_dockerd()
    {
        var o = Parse();
        o.TlsVerifyFromEnvironment = true;
        Assert.True(o.UseTls && o.VerifyClients);
        Assert.Null(o.UnauthenticatedTcpRefusal(o.ListenAddresses()));
    }

    [Fact]
    public void Certificate_files_default_to_the_docker_directory_and_follow_the_flags()
    {
        var o = Parse();
        Assert.Equal(("/root/.docker/ca.pem", "/root/.docker/cert.pem", "/root/.docker/key.pem"), (o.CaCertFile, o.CertFile, o.KeyFile));
        o = Parse("--tlscacert", "/etc/berth/ca.pem", "--tlscert=/etc/berth/server.pem", "--tlskey", "/etc/berth/server-key.pem");
        Assert.Equal(("/etc/berth/ca.pem", "/etc/berth/server.pem", "/etc/berth/server-key.pem"), (o.CaCertFile, o.CertFile, o.KeyFile));
    }

    [Fact]
    public void Hosts_are_every_dash_H_in_order_with_the_default_socket_when_none()
    {
        Assert.Equal(["unix:///run/berth/berth.sock"], Parse().ListenAddresses().Select(a => a.ToString()));
        Assert.Equal(["unix:///tmp/b/s.sock", "tcp://127.0.0.1:2376", "tcp://0.0.0.0:3000"],
            Parse("-H", "unix:///tmp/b/s.sock", "--host", "tcp://127.0.0.1", "--tlsverify", "--host=tcp://0.0.0.0:3000").ListenAddresses().Select(a => a.ToString()));
        Assert.Equal(["unix:///x/berth.sock"], Parse("--exec-root", "/x").ListenAddresses().Select(a => a.ToString()));
    }

    [Fact]
    public void Registry_certs_dirs_are_berths_and_dockers_unless_given()
    {
        Assert.Equal(["/etc/berth/certs.d", "/etc/docker/certs.d"], Parse().RegistryCertsDirectories);
        Assert.Equal(["/tmp/a", "/tmp/b"], Parse("--registry-certs-dir", "/tmp/a", "--registry-certs-dir=/tmp/b").RegistryCertsDirectories);
    }

    [Fact]
    public void Fd_hosts_are_refused_with_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => Parse("-H", "fd://").ListenAddresses());
        Assert.Contains("fd:// (systemd socket activation) is not supported by berthd", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[], bool> Refusals => new()
    {
        // row, flags, refused
        { "tcp without any TLS flag", ["-H", "tcp://127.0.0.1:2375"], true },
        { "tcp with --tlsverify", ["-H", "tcp://127.0.0.1:2376", "--tlsverify"], false },
        { "tcp with an explicit --tls=false", ["-H", "tcp://127.0.0.1:2375", "--tls=false"], false },
        { "tcp with an explicit --tlsverify=false", ["-H", "tcp://127.0.0.1:2375", "--tlsverify=false"], false },
        { "tcp with --tls only", ["-H", "tcp://127.0.0.1:2376", "--tls"], false },
        { "tcp after a unix socket", ["-H", "unix:///tmp/s.sock", "-H", "tcp://0.0.0.0:2375"], true },
        { "unix only", ["-H", "unix:///tmp/s.sock"], false },
        { "the default socket", [], false },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Tcp_without_client_verification_is_refused_unless_asked_for_explicitly(string row, string[] flags, bool refused)
    {
        var o = Parse(flags);
        var refusal = o.UnauthenticatedTcpRefusal(o.ListenAddresses());
        Assert.True(refused == refusal is not null, $"{row}: {refusal}");
        if (refusal is not null)
        {
            Assert.Contains("without --tlsverify", refusal, StringComparison.Ordinal);
            Assert.Contains("--tls=false", refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Group_defaults_to_berth_and_takes_a_name_or_a_gid()
    {
        Assert.Equal("berth", Parse().Group);
        Assert.Equal("docker", Parse("-G", "docker").Group);
        Assert.Equal("0", Parse("--group=0").Group);
    }

    [Theory]
    [InlineData("--tls=maybe")]
    [InlineData("--tlsverify=2")]
    public void A_boolean_flag_with_another_value_is_an_error(string flag)
    {
        var e = Assert.Throws<ArgumentException>(() => Parse(flag));
        Assert.Contains("parse error", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], Berth.Network.FirewallBackend.Auto)]
    [InlineData(new[] { "--firewall-backend", "iptables" }, Berth.Network.FirewallBackend.Iptables)]
    [InlineData(new[] { "--firewall-backend=nftables" }, Berth.Network.FirewallBackend.Nftables)]
    public void Firewall_backend_is_nftables_or_iptables_and_otherwise_chosen_by_what_the_host_has(string[] flags, Berth.Network.FirewallBackend backend) =>
        Assert.Equal(backend, Parse(flags).FirewallBackend);

    [Fact]
    public void An_unknown_firewall_backend_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => Parse("--firewall-backend", "pf"));
        Assert.Contains("nftables or iptables", e.Message, StringComparison.Ordinal);
    }
}
