using System.Text.Json;
using Berth.Common;
using Berth.Oci;

namespace Berth.Distribution.Client;

/// <summary>The manifest formats a pull accepts, and the check that a manifest is what it says it is.</summary>
public static class ManifestMediaTypes
{
    /// <summary>The <c>Accept</c> header of a manifest request: OCI and Docker v2 schema 2, single and multi-platform.</summary>
    public static readonly string[] Accepted =
    [
        MediaTypes.OciIndex, MediaTypes.DockerManifestList, MediaTypes.OciManifest, MediaTypes.DockerManifest,
    ];

    public static bool IsIndex(string mediaType) => mediaType is MediaTypes.OciIndex or MediaTypes.DockerManifestList;

    /// <summary>
    /// The media type of a manifest, from its own <c>mediaType</c> field, the response's Content-Type, or its shape;
    /// refuses a document that could be read as both a manifest and an index, or whose field disagrees with the
    /// Content-Type (CVE-2021-41190: the same bytes must not mean two different things).
    /// </summary>
    public static string Check(ReadOnlySpan<byte> manifest, string? contentType)
    {
        string? field = null;
        bool hasManifests, hasLayers, hasConfig;
        int schemaVersion;
        try
        {
            var reader = new Utf8JsonReader(manifest);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw BerthException.Invalid("invalid manifest: not a JSON object");
            }
            if (root.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String)
            {
                field = mt.GetString();
            }
            hasManifests = root.TryGetProperty("manifests", out _);
            hasLayers = root.TryGetProperty("layers", out _);
            hasConfig = root.TryGetProperty("config", out _);
            schemaVersion = root.TryGetProperty("schemaVersion", out var v) && v.TryGetInt32(out var n) ? n : 0;
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid manifest: " + e.Message);
        }
        if (schemaVersion == 1 || contentType is "application/vnd.docker.distribution.manifest.v1+prettyjws" or "application/vnd.docker.distribution.manifest.v1+json")
        {
            throw BerthException.Invalid("Docker Image manifest version 2, schema 1 is not supported; push the image again with a current client");
        }
        if (hasManifests && (hasLayers || hasConfig))
        {
            throw BerthException.Invalid("invalid manifest: it has both \"manifests\" and \"layers\"/\"config\", so it could be read as an index and as a manifest");
        }
        if (field is not null && contentType is not null && !IsGeneric(contentType) && field != contentType)
        {
            throw BerthException.Invalid($"invalid manifest: its mediaType {field} does not match the Content-Type {contentType} it was served with");
        }
        var type = field ?? (contentType is not null && !IsGeneric(contentType) ? contentType : hasManifests ? MediaTypes.OciIndex : MediaTypes.OciManifest);
        if (!Accepted.Contains(type))
        {
            throw BerthException.Invalid($"unsupported manifest media type {type}");
        }
        if (IsIndex(type) ? hasLayers || hasConfig : hasManifests)
        {
            throw BerthException.Invalid($"invalid manifest: a document of type {type} must not have {(IsIndex(type) ? "\"layers\" or \"config\"" : "\"manifests\"")}");
        }
        return type;
    }

    private static bool IsGeneric(string contentType) => contentType is "application/json" or "application/octet-stream" or "text/plain";
}
