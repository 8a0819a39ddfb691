using System.Buffers.Text;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Berth.Distribution.Tests;

/// <summary>Helpers of the authentication tests: htpasswd files made by the real <c>htpasswd -B</c>,
/// credentials, challenges and token claims.</summary>
public static partial class AuthKit
{
    private static string HtpasswdTool() =>
        new[] { "/usr/bin/htpasswd", "/usr/local/bin/htpasswd" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("htpasswd is not installed: run scripts/install-deps.sh (Debian package apache2-utils)");

    /// <summary>One line of <c>htpasswd -nbB</c> (cost 4, the lowest, to keep the tests fast).</summary>
    public static string BcryptLine(string user, string password, string hashFlag = "-B")
    {
        var psi = new ProcessStartInfo(HtpasswdTool()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in hashFlag == "-B" ? new[] { "-nbB", "-C", "4", user, password } : ["-nb" + hashFlag.TrimStart('-'), user, password])
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var line = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return line;
    }

    public static string WriteHtpasswd(string dir, params (string User, string Password)[] users)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "htpasswd");
        File.WriteAllText(path, string.Join('\n', users.Select(u => BcryptLine(u.User, u.Password))) + "\n");
        return path;
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, AuthenticationHeaderValue? auth, HttpContent? content = null)
    {
        using var req = new HttpRequestMessage(method, path) { Content = content };
        req.Headers.Authorization = auth;
        return await client.SendAsync(req);
    }

    /// <summary>The scheme and parameters of a <c>WWW-Authenticate</c> header.</summary>
    public static (string Scheme, Dictionary<string, string> Params) Challenge(HttpResponseMessage r)
    {
        var h = r.Headers.WwwAuthenticate.Single();
        var ps = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in ChallengeParam().Matches(h.Parameter ?? ""))
        {
            ps[m.Groups[1].Value] = m.Groups[2].Value;
        }
        return (h.Scheme, ps);
    }

    [GeneratedRegex("([a-z_]+)=\"([^\"]*)\"")]
    private static partial Regex ChallengeParam();

    public static async Task<string> ErrorCodeAsync(HttpResponseMessage r)
    {
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("errors")[0].GetProperty("code").GetString()!;
    }

    public static JsonDocument Part(string token, int index) => JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[index]));

    public static string B64(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
