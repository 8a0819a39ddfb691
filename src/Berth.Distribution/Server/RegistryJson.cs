using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Distribution.Server;

public sealed class ErrorsBody
{
    public List<ErrorEntry> Errors { get; set; } = [];
}

public sealed class ErrorEntry
{
    public string Code { get; set; } = "";
    public string Message { get; set; } = "";
    public string? Detail { get; set; }
}

public sealed class TagList
{
    public string Name { get; set; } = "";
    public List<string> Tags { get; set; } = [];
}

public sealed class Catalog
{
    public List<string> Repositories { get; set; } = [];
}

/// <summary>The fields of any manifest or index the registry must look at: what it is, what it references.</summary>
public sealed class ManifestProbe
{
    public int? SchemaVersion { get; set; }
    public string? MediaType { get; set; }
    public string? ArtifactType { get; set; }
    public DescriptorProbe? Config { get; set; }
    public List<DescriptorProbe>? Layers { get; set; }
    public List<DescriptorProbe>? Manifests { get; set; }
    public DescriptorProbe? Subject { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}

public sealed class DescriptorProbe
{
    [JsonPropertyOrder(-3)]
    public string MediaType { get; set; } = "";
    [JsonPropertyOrder(-2)]
    public string Digest { get; set; } = "";
    [JsonPropertyOrder(-1)]
    public long Size { get; set; }
    public string? ArtifactType { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<string>? Urls { get; set; }
}

/// <summary>The referrers API's answer: an OCI image index.</summary>
public sealed class ReferrersIndex
{
    public int SchemaVersion { get; set; } = 2;
    public string MediaType { get; set; } = Berth.Oci.MediaTypes.OciIndex;
    public List<DescriptorProbe> Manifests { get; set; } = [];
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ErrorsBody))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(Catalog))]
[JsonSerializable(typeof(ManifestProbe))]
[JsonSerializable(typeof(ReferrersIndex))]
public sealed partial class RegistryJson : JsonSerializerContext
{
    /// <summary>As the reference registry writes: media types keep their <c>+</c> (no <c>\u002B</c>).</summary>
    public static RegistryJson Wire { get; } = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
