using System.Text;
using System.Text.Json;
using Berth.Api.Docker.Models;
using Berth.Api.Docker.Routes;
using Berth.Build.Dockerfile;
using Berth.Common;
using Berth.Engine;
using Berth.Images;
using Berth.Images.Layers;
using Berth.Oci;

namespace Berth.Fuzz;

/// <summary>
/// The fuzz targets: each feeds untrusted bytes to the entry point that meets them in the engine. A target returns
/// normally for input the engine accepts and for input it refuses the documented way (the exception its callers
/// turn into a 400: <see cref="BerthException"/>, and what each caller catches besides); anything else escapes and
/// is a finding.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The layer tar stream (plain or compressed), as a pull or <c>docker load</c> applies it.</summary>
    public const string Tar = "tar";

    /// <summary>A Dockerfile, as a build parses it.</summary>
    public const string Dockerfile = "dockerfile";

    /// <summary>A manifest list/index, an image manifest and an image config, as a pull reads them.</summary>
    public const string Manifest = "manifest";

    /// <summary>The JSON body of <c>POST /containers/create</c>.</summary>
    public const string CreateBody = "create";

    public static readonly IReadOnlyList<string> Names = [Tar, Dockerfile, Manifest, CreateBody];

    // The fuzzer's inputs are small: a layer that inflates past this is a bomb the limit must stop.
    private const long MaxLayerBytes = 16 << 20;

    private static long _seq;

    public static void Run(string target, byte[] data)
    {
        switch (target)
        {
            case Tar:
                ApplyLayer(data);
                break;
            case Dockerfile:
                ParseDockerfile(data);
                break;
            case Manifest:
                ParseManifest(data);
                break;
            case CreateBody:
                ParseCreateBody(data);
                break;
            default:
                throw new ArgumentException($"unknown fuzz target \"{target}\"", nameof(target));
        }
    }

    private static void ApplyLayer(byte[] data)
    {
        var root = Path.Join(Path.GetTempPath(), $"berth-fuzz-{Environment.ProcessId}-{Interlocked.Increment(ref _seq)}");
        Directory.CreateDirectory(root);
        try
        {
            LayerApplier.Apply(new MemoryStream(data, writable: false), root, new LayerApplyOptions { MaxUncompressedBytes = MaxLayerBytes, MaxEntries = 10_000 });
        }
        catch (BerthException)
        {
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void ParseDockerfile(byte[] data)
    {
        try
        {
            var ast = DockerfileParser.Parse(Encoding.UTF8.GetString(data));
            _ = ast.Stages.Sum(s => s.Commands.Count);
        }
        catch (DockerfileException)
        {
            // Builder turns it into a BerthException (400).
        }
        catch (BerthException)
        {
        }
    }

    private static void ParseManifest(byte[] data)
    {
        try
        {
            var index = ImageService.ParseIndex(data);
            _ = ImageService.ChoosePlatform(index, new Platform { Os = "linux", Architecture = "arm64", Variant = "v8" });
            if (ImageService.ChoosePlatform(index, new Platform { Os = "linux", Architecture = "amd64" }) is { } chosen)
            {
                _ = Digest.Parse(chosen.Digest);
            }
        }
        catch (BerthException)
        {
        }
        try
        {
            _ = ImageService.ParseManifest(data);
        }
        catch (BerthException)
        {
        }
        try
        {
            var config = ImageService.DeserializeConfig(data);
            _ = config.Rootfs.DiffIds.Count;
        }
        catch (BerthException)
        {
        }
    }

    private static void ParseCreateBody(byte[] data)
    {
        JsonDocument? doc;
        try
        {
            doc = data.Length == 0 ? null : JsonSerializer.Deserialize(data, ApiJson.Default.JsonDocument);
        }
        catch (JsonException)
        {
            // ApiContext.ReadJsonAsync turns it into a BerthException (400).
            return;
        }
        using (doc)
        {
            try
            {
                var (config, host, _) = ContainerRoutes.ParseCreateBody(doc);
                // The checks of ContainerService.Create that need no engine state.
                HealthCheck.Validate(config.Healthcheck);
                Sysctls.Validate(host);
                ContainerDevices.Validate(host);
                _ = ContainerService.PortRequests(config, host);
            }
            catch (BerthException)
            {
            }
        }
    }
}
