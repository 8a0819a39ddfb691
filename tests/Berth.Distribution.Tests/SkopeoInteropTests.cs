using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Berth.Distribution.Tests;

/// <summary>A client no one here wrote: skopeo copies an OCI layout to the registry and back, and inspects it.</summary>
public sealed class SkopeoInteropTests : IAsyncLifetime
{
    private RegistryFixture _r = null!;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "berth-skopeo-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        _r = RegistryFixture.Start();
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _r.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    internal static string Skopeo()
    {
        var path = new[] { "/usr/bin/skopeo", "/usr/local/bin/skopeo" }.FirstOrDefault(File.Exists);
        return path ?? throw new InvalidOperationException("skopeo is not installed: run scripts/install-deps.sh (Debian package skopeo)");
    }

    internal static async Task<string> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryRunAsync(args);
        Assert.True(code == 0, $"skopeo {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>Runs skopeo and returns its exit code and output, whatever they are.</summary>
    internal static async Task<(int Code, string Stdout, string Stderr)> TryRunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Skopeo()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>An OCI image layout with one image (a one-file layer), tagged <paramref name="tag"/>.</summary>
    private string WriteLayout(string tag) => WriteLayout(_dir, tag);

    internal static string WriteLayout(string dir, string tag)
    {
        var layout = Path.Combine(dir, "src");
        var blobs = Path.Combine(layout, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        File.WriteAllText(Path.Combine(layout, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        string Put(byte[] content)
        {
            var hex = Convert.ToHexStringLower(SHA256.HashData(content));
            File.WriteAllBytes(Path.Combine(blobs, hex), content);
            return "sha256:" + hex;
        }
        using var tar = new MemoryStream();
        using (var w = new System.Formats.Tar.TarWriter(tar, leaveOpen: true))
        {
            var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "hello.txt") { DataStream = new MemoryStream("hello from berth\n"u8.ToArray()) };
            w.WriteEntry(entry);
        }
        var layer = tar.ToArray();
        var layerDigest = Put(layer);
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{layerDigest}\"]}}}}");
        var configDigest = Put(config);
        var manifest = Encoding.UTF8.GetBytes(RegistryFixture.Manifest(configDigest, config.Length, layerDigest, layer.Length));
        var manifestDigest = Put(manifest);
        File.WriteAllText(Path.Combine(layout, "index.json"),
            $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{manifestDigest}\",\"size\":{manifest.Length},\"annotations\":{{\"org.opencontainers.image.ref.name\":\"{tag}\"}}}}]}}");
        return layout;
    }

    [Theory]
    [InlineData("oci")]
    [InlineData("v2s2")]
    public async Task Skopeo_copies_to_the_registry_and_back(string format)
    {
        var layout = WriteLayout("v1");
        var remote = $"docker://{_r.EndPoint}/interop/{format}:v1";
        await RunAsync("copy", "--dest-tls-verify=false", "--format", format, $"oci:{layout}:v1", remote);

        using var inspect = JsonDocument.Parse(await RunAsync("inspect", "--tls-verify=false", remote));
        Assert.Equal("amd64", inspect.RootElement.GetProperty("Architecture").GetString());
        Assert.Equal(["v1"], inspect.RootElement.GetProperty("RepoTags").EnumerateArray().Select(e => e.GetString()!));
        var digest = inspect.RootElement.GetProperty("Digest").GetString()!;

        var raw = await RunAsync("inspect", "--tls-verify=false", "--raw", remote);
        var expectedType = format == "oci" ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json";
        using (var doc = JsonDocument.Parse(raw))
        {
            Assert.Equal(expectedType, doc.RootElement.GetProperty("mediaType").GetString());
        }

        var back = Path.Combine(_dir, "back");
        await RunAsync("copy", "--src-tls-verify=false", remote, $"oci:{back}:v1");
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(back, "index.json")));
        if (format == "oci")
        {
            Assert.Equal(digest, index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString());
        }
        else
        {
            // An OCI layout cannot hold a Docker manifest: skopeo converts it, so only its layers compare.
            Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray());
        }

        // Registry to registry, so the copy mounts or re-uploads through the same server.
        await RunAsync("copy", "--src-tls-verify=false", "--dest-tls-verify=false", remote, $"docker://{_r.EndPoint}/interop/copy:latest");
        using var tags = JsonDocument.Parse(await RunAsync("list-tags", "--tls-verify=false", $"docker://{_r.EndPoint}/interop/copy"));
        Assert.Equal(["latest"], tags.RootElement.GetProperty("Tags").EnumerateArray().Select(e => e.GetString()!));
    }
}
