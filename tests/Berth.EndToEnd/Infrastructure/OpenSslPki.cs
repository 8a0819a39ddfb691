namespace Berth.EndToEnd.Infrastructure;

/// <summary>
/// A CA and the certificates it signs, made with the real <c>openssl</c> as Docker's "Protect the Docker daemon
/// socket" page makes them: the server's for IP 127.0.0.1 (serverAuth), clients' for clientAuth. Files go in
/// <see cref="Dir"/>: ca.pem, NAME-cert.pem, NAME-key.pem.
/// </summary>
public sealed class OpenSslPki
{
    public OpenSslPki(string dir, string caName)
    {
        Dir = Directory.CreateDirectory(dir).FullName;
        OpenSsl("genrsa", "-out", CaKeyFile, "2048");
        OpenSsl("req", "-new", "-x509", "-days", "2", "-key", CaKeyFile, "-sha256", "-subj", "/CN=" + caName, "-out", CaFile);
    }

    public string Dir { get; }

    public string CaFile => Path.Join(Dir, "ca.pem");

    private string CaKeyFile => Path.Join(Dir, "ca-key.pem");

    public string CertFile(string name) => Path.Join(Dir, name + "-cert.pem");

    public string KeyFile(string name) => Path.Join(Dir, name + "-key.pem");

    /// <summary>The daemon's certificate: subjectAltName IP:127.0.0.1.</summary>
    public void IssueServer(string name) => Issue(name, "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n");

    public void IssueClient(string name) => Issue(name, "extendedKeyUsage = clientAuth\n");

    private void Issue(string name, string extensions)
    {
        var csr = Path.Join(Dir, name + ".csr");
        var ext = Path.Join(Dir, name + "-ext.cnf");
        File.WriteAllText(ext, extensions);
        OpenSsl("genrsa", "-out", KeyFile(name), "2048");
        OpenSsl("req", "-new", "-sha256", "-subj", "/CN=" + name, "-key", KeyFile(name), "-out", csr);
        OpenSsl("x509", "-req", "-days", "2", "-sha256", "-in", csr, "-CA", CaFile, "-CAkey", CaKeyFile, "-CAcreateserial",
            "-CAserial", Path.Join(Dir, "ca.srl"), "-out", CertFile(name), "-extfile", ext);
    }

    private static void OpenSsl(params string[] args) => ProcessRunner.Run("openssl", args).ExpectExit(0);
}
