using System.Text;
using Berth.Common;
using Berth.Images;

namespace Berth.Images.Tests.Pull;

/// <summary>Manifests, indexes and configs from a registry are untrusted bytes: malformed JSON and JSON nulls where
/// the types declare none are refused as invalid arguments (400), never a JsonException or NullReferenceException
/// (found by the manifest fuzz target, fuzz/).</summary>
public sealed class UntrustedManifestTests
{
    private const string Digest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    public static TheoryData<string, string> BadManifests => new()
    {
        { "truncated", "{\"layers\":[" },
        { "an array", "[1]" },
        { "config null", "{\"config\":null,\"layers\":[]}" },
        { "layers null", $"{{\"config\":{{\"digest\":\"{Digest}\"}},\"layers\":null}}" },
        { "a layer null", $"{{\"config\":{{\"digest\":\"{Digest}\"}},\"layers\":[null]}}" },
    };

    public static TheoryData<string, string> BadIndexes => new()
    {
        { "truncated", "{" },
        { "a string", "\"x\"" },
        { "manifests null", "{\"manifests\":null}" },
        { "a manifest null", "{\"manifests\":[null]}" },
    };

    public static TheoryData<string, string> BadConfigs => new()
    {
        { "a number", "1" },
        { "rootfs null", "{\"rootfs\":null}" },
        { "diff_ids null", "{\"rootfs\":{\"diff_ids\":null}}" },
        { "a diffID null", "{\"rootfs\":{\"diff_ids\":[null]}}" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public void Manifest_is_refused(string name, string json)
    {
        var e = Assert.Throws<BerthException>(() => ImageService.ParseManifest(Encoding.UTF8.GetBytes(json)));
        Assert.True(e.Kind == ErrorKind.InvalidArgument, name);
    }

    [Theory]
    [MemberData(nameof(BadIndexes))]
    public void Index_is_refused(string name, string json)
    {
        var e = Assert.Throws<BerthException>(() => ImageService.ParseIndex(Encoding.UTF8.GetBytes(json)));
        Assert.True(e.Kind == ErrorKind.InvalidArgument, name);
    }

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Config_is_refused(string name, string json)
    {
        var e = Assert.Throws<BerthException>(() => ImageService.DeserializeConfig(Encoding.UTF8.GetBytes(json)));
        Assert.True(e.Kind == ErrorKind.InvalidArgument, name);
    }

    [Fact]
    public void Good_manifest_is_read()
    {
        var json = $"{{\"schemaVersion\":2,\"config\":{{\"digest\":\"{Digest}\",\"size\":2}},\"layers\":[{{\"digest\":\"{Digest}\",\"size\":3}}]}}";
        var (config, layers) = ImageService.ParseManifest(Encoding.UTF8.GetBytes(json));
        Assert.Equal(2, config.Size);
        Assert.Equal(3, Assert.Single(layers).Size);
    }
}
