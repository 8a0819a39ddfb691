using System.Text.Json.Serialization;

namespace Berth.Oci;

// OCI image-spec v1.1 types, also the Docker v2 schema 2 shapes (which share them).

public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
}

public sealed class Descriptor
{
    [JsonPropertyOrder(-3)]
    public string MediaType { get; set; } = "";
    [JsonPropertyOrder(-2)]
    public string Digest { get; set; } = "";
    [JsonPropertyOrder(-1)]
    public long Size { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public Platform? Platform { get; set; }
}

public sealed class Platform
{
    public string Architecture { get; set; } = "";
    public string Os { get; set; } = "";
    [JsonPropertyName("os.version")]
    public string? OsVersion { get; set; }
    public string? Variant { get; set; }
}

public sealed class ImageManifest
{
    public int SchemaVersion { get; set; } = 2;
    public string? MediaType { get; set; }
    public Descriptor Config { get; set; } = new();
    public List<Descriptor> Layers { get; set; } = [];
    public Dictionary<string, string>? Annotations { get; set; }
}

public sealed class ImageIndex
{
    public int SchemaVersion { get; set; } = 2;
    public string? MediaType { get; set; }
    public List<Descriptor> Manifests { get; set; } = [];
    public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>The image configuration (the JSON whose digest is the image ID).</summary>
public sealed class ImageConfig
{
    public string? Created { get; set; }
    public string? Author { get; set; }
    public string Architecture { get; set; } = "amd64";
    public string Os { get; set; } = "linux";
    public string? Variant { get; set; }
    public ImageRuntimeConfig? Config { get; set; }
    public RootFs Rootfs { get; set; } = new();
    public List<HistoryEntry>? History { get; set; }

    // compat(docker): fields Docker's image configs carry beyond the OCI ones.
    public string? Comment { get; set; }
    [JsonPropertyName("docker_version")]
    public string? DockerVersion { get; set; }
    public string? Parent { get; set; }
}

/// <summary>The runtime defaults inside an image config; the spec keeps Docker's capitalised names here.</summary>
public sealed class ImageRuntimeConfig
{
    [JsonPropertyName("User")]
    public string? User { get; set; }
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    [JsonPropertyName("Env")]
    public List<string>? Env { get; set; }
    [JsonPropertyName("Entrypoint")]
    public List<string>? Entrypoint { get; set; }
    [JsonPropertyName("Cmd")]
    public List<string>? Cmd { get; set; }
    public Dictionary<string, EmptyObject>? Volumes { get; set; }
    [JsonPropertyName("WorkingDir")]
    public string? WorkingDir { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    [JsonPropertyName("StopSignal")]
    public string? StopSignal { get; set; }
    [JsonPropertyName("Shell")]
    public List<string>? Shell { get; set; }
    [JsonPropertyName("OnBuild")]
    public List<string>? OnBuild { get; set; }
    [JsonPropertyName("Healthcheck")]
    public HealthConfig? Healthcheck { get; set; }
}

/// <summary>compat(docker): every field is <c>omitempty</c> in Docker's HealthConfig, so zeros are left out of the
/// image config (whose digest is the image ID) and of inspect.</summary>
public sealed class HealthConfig
{
    [JsonPropertyName("Test")]
    public List<string>? Test { get; set; }
    [JsonPropertyName("Interval")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Interval { get; set; }
    [JsonPropertyName("Timeout")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Timeout { get; set; }
    [JsonPropertyName("StartPeriod")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long StartPeriod { get; set; }
    [JsonPropertyName("StartInterval")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long StartInterval { get; set; }
    [JsonPropertyName("Retries")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Retries { get; set; }
}

public sealed class EmptyObject
{
}

public sealed class RootFs
{
    public string Type { get; set; } = "layers";
    [JsonPropertyName("diff_ids")]
    public List<string> DiffIds { get; set; } = [];
}

public sealed class HistoryEntry
{
    public string? Created { get; set; }
    [JsonPropertyName("created_by")]
    public string? CreatedBy { get; set; }
    public string? Author { get; set; }
    public string? Comment { get; set; }
    [JsonPropertyName("empty_layer")]
    public bool? EmptyLayer { get; set; }
}
