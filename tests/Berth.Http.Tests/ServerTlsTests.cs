using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Http.Tests;

/// <summary>dockerd's <c>--tls</c> and <c>--tlsverify</c> from PEM files: real handshakes over loopback TCP between
/// an SslStream with <see cref="ServerTls.Load"/>'s settings and a client with or without a certificate.</summary>
public sealed class ServerTlsTests : IDisposable
{
    private readonly TestPki _pki = new("berth test CA");
    private readonly TestPki _otherPki = new("another CA");

    public void Dispose()
    {
        _pki.Dispose();
        _otherPki.Dispose();
    }

    public static TheoryData<string, bool, string, string> Handshakes => new()
    {
        // row, --tlsverify, the client's certificate, what the server saw
        { "verify: a client certificate from the CA", true, "client", "ok" },
        { "verify: no client certificate", true, "none", "refused: tls: client didn't provide a certificate" },
        { "verify: a client certificate from another CA", true, "other", "refused: tls: " },
        { "verify: the CA's certificate for servers only", true, "server", "refused: tls: failed to verify certificate: x509: certificate specifies an incompatible key usage" },
        { "tls only: no client certificate", false, "none", "ok" },
        { "tls only: any client certificate", false, "other", "ok" },
    };

    [Theory]
    [MemberData(nameof(Handshakes))]
    public async Task Only_clients_of_the_CA_complete_the_handshake_under_tlsverify(string row, bool verify, string clientCert, string expected)
    {
        using var cts = Timeouts.Source();
        _pki.Issue("daemon", server: true);
        var presented = clientCert switch
        {
            "client" => _pki.Issue("client", server: false),
            "server" => _pki.Issue("other-server", server: true),
            "other" => _otherPki.Issue("client", server: false),
            _ => null,
        };
        var options = ServerTls.Load(_pki.CertFile("daemon"), _pki.KeyFile("daemon"), _pki.CaFile, verify);

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var serve = ServeOnceAsync(listener, options, cts.Token);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, cts.Token);
        await using var ssl = new SslStream(new NetworkStream(client), leaveInnerStreamOpen: false);
        var clientSaw = "";
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                ClientCertificates = presented is null ? null : new X509CertificateCollection { presented },
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && TrustsServer(cert),
            }, cts.Token);
            var buf = new byte[2];
            // TLS 1.3 reports a refused client certificate after the client's side of the handshake: on the read.
            clientSaw = await ssl.ReadAsync(buf, cts.Token) == 2 ? System.Text.Encoding.ASCII.GetString(buf) : "eof";
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            clientSaw = "refused";
        }
        var serverSaw = await serve;

        var succeeds = expected == "ok";
        Assert.True(serverSaw.StartsWith(expected, StringComparison.Ordinal), $"{row}: server: {serverSaw}");
        Assert.True(succeeds == (clientSaw == "hi"), $"{row}: client: {clientSaw}");
        presented?.Dispose();
    }

    [Fact]
    public void A_missing_CA_file_is_an_error_that_names_it()
    {
        _pki.Issue("daemon", server: true);
        var missing = Path.Join(_pki.Dir, "nope.pem");
        var e = Assert.Throws<InvalidDataException>(() => ServerTls.Load(_pki.CertFile("daemon"), _pki.KeyFile("daemon"), missing, verifyClients: true));
        Assert.Contains($"could not read CA certificate \"{missing}\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_does_not_match_is_an_error_that_names_both_files()
    {
        _pki.Issue("daemon", server: true);
        _pki.Issue("client", server: false);
        var e = Assert.Throws<InvalidDataException>(() => ServerTls.Load(_pki.CertFile("daemon"), _pki.KeyFile("client"), _pki.CaFile, verifyClients: true));
        Assert.Contains($"could not load X509 key pair (cert: \"{_pki.CertFile("daemon")}\", key: \"{_pki.KeyFile("client")}\")", e.Message, StringComparison.Ordinal);
    }

    private bool TrustsServer(X509Certificate cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_pki.Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var c = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
        return chain.Build(c);
    }

    /// <summary>Accepts one connection and answers "hi" after the handshake: "ok", or what refused it.</summary>
    private static async Task<string> ServeOnceAsync(Socket listener, SslServerAuthenticationOptions options, CancellationToken ct)
    {
        using var socket = await listener.AcceptAsync(ct);
        await using var ssl = new SslStream(new NetworkStream(socket), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(options, ct);
            await ssl.WriteAsync("hi"u8.ToArray(), ct);
            await ssl.FlushAsync(ct);
            return "ok";
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            return "refused: " + (ServerTls.RefusalOf(ssl) ?? e.Message);
        }
    }
}
