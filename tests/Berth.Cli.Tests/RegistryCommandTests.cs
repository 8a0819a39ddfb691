using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Berth.Cli.Tests;

/// <summary><c>berth registry serve</c> and <c>berth registry gc</c>: the commands around Berth.Distribution.</summary>
public sealed partial class RegistryCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "berth-cli-registry-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void The_group_lists_its_commands()
    {
        var (code, output, _) = CliRunner.Run("", "registry");
        Assert.Equal(0, code);
        Assert.Contains("  gc ", output, StringComparison.Ordinal);
        Assert.Contains("  serve ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Gc_removes_an_unreferenced_blob_and_dry_run_only_lists_it()
    {
        var content = "orphan"u8.ToArray();
        var hex = Convert.ToHexStringLower(SHA256.HashData(content));
        var blob = Path.Combine(_root, "blobs", "sha256", hex[..2], hex);
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        File.WriteAllBytes(blob, content);

        var (code, output, _) = CliRunner.Run("", "registry", "gc", "--root", _root, "--dry-run");
        Assert.Equal(0, code);
        Assert.Contains($"would delete sha256:{hex} 6", output, StringComparison.Ordinal);
        Assert.True(File.Exists(blob));

        (code, output, _) = CliRunner.Run("", "registry", "gc", "--root", _root);
        Assert.Equal(0, code);
        Assert.Contains("0 blobs marked, 1 deleted, 6 bytes", output, StringComparison.Ordinal);
        Assert.False(File.Exists(blob));
    }

    [Fact]
    public void Gc_refuses_a_directory_that_is_no_registry()
    {
        Directory.CreateDirectory(_root);
        var (code, _, err) = CliRunner.Run("", "registry", "gc", "--root", _root);
        Assert.Equal(1, code);
        Assert.Contains("is not a registry's storage", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_refuses_an_address_without_a_port()
    {
        var (code, _, err) = CliRunner.Run("", "registry", "serve", "--addr", "localhost", "--root", _root);
        Assert.Equal(125, code);
        Assert.Contains("invalid --addr", err, StringComparison.Ordinal);
    }

    [GeneratedRegex("registry listening\"? addr=(127\\.0\\.0\\.1:\\d+)")]
    private static partial Regex Listening();

    [Fact]
    public async Task Serve_answers_and_stops_cleanly_on_SIGTERM()
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var psi = new ProcessStartInfo(dotnet) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "berth.dll"), "registry", "serve", "--addr", "127.0.0.1:0", "--root", _root, "--log-level", "debug" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        try
        {
            var line = await p.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var addr = Listening().Match(line ?? "").Groups[1].Value;
            Assert.True(addr.Length > 0, line);
            using (var http = new HttpClient())
            {
                Assert.Equal("{}", await http.GetStringAsync($"http://{addr}/v2/"));
            }
            Assert.Contains("method=GET path=/v2/ status=200", await p.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, p.ExitCode);
            Assert.True(Directory.Exists(Path.Combine(_root, "blobs")));
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }
}
