using System.Text;
using Berth.Common;
using Berth.Distribution.Client;
using Berth.Oci;

namespace Berth.Distribution.Tests.Client;

public sealed class ManifestChecksTests
{
    private const string Manifest = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aa","size":1},"layers":[]}""";
    private const string Index = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""";

    [Fact]
    public void TheDocumentsOwnMediaTypeDecides()
    {
        Assert.Equal(MediaTypes.OciManifest, ManifestMediaTypes.Check(Encoding.UTF8.GetBytes(Manifest), MediaTypes.OciManifest));
        Assert.Equal(MediaTypes.OciIndex, ManifestMediaTypes.Check(Encoding.UTF8.GetBytes(Index), "application/json"));
        Assert.Equal(MediaTypes.OciIndex, ManifestMediaTypes.Check(Encoding.UTF8.GetBytes("""{"schemaVersion":2,"manifests":[]}"""), null));
    }

    [Fact]
    public void ADocumentThatIsBothAnIndexAndAManifestIsRefused()
    {
        // CVE-2021-41190: the same bytes must not be read as two different things by two clients.
        var both = """{"schemaVersion":2,"manifests":[],"config":{"mediaType":"x","digest":"sha256:aa","size":1},"layers":[]}""";

        var e = Assert.Throws<BerthException>(() => ManifestMediaTypes.Check(Encoding.UTF8.GetBytes(both), MediaTypes.OciIndex));

        Assert.Contains("could be read as an index and as a manifest", e.Message);
    }

    [Fact]
    public void AMediaTypeThatDisagreesWithTheContentTypeIsRefused()
    {
        var e = Assert.Throws<BerthException>(() => ManifestMediaTypes.Check(Encoding.UTF8.GetBytes(Manifest), MediaTypes.DockerManifest));

        Assert.Contains("does not match the Content-Type", e.Message);
    }

    [Fact]
    public void AnIndexTypedDocumentWithLayersIsRefused() =>
        Assert.Throws<BerthException>(() => ManifestMediaTypes.Check(Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","layers":[]}"""), null));

    [Theory]
    [InlineData("""{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}""", "schema 1")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.example+json","layers":[]}""", "unsupported manifest media type")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{", "invalid manifest")]
    public void WhatIsNotAnImageIsRefused(string json, string message) =>
        Assert.Contains(message, Assert.Throws<BerthException>(() => ManifestMediaTypes.Check(Encoding.UTF8.GetBytes(json), null)).Message);
}
