using System.Text.Json.Serialization;

namespace Berth.Images;

/// <summary>What the engine keeps about an image beside its content: the config digest is the image ID.</summary>
public sealed class ImageRecord
{
    /// <summary><c>sha256:&lt;hex&gt;</c> of the image config.</summary>
    public string Id { get; set; } = "";
    /// <summary>Digest of the manifest in the content store.</summary>
    public string Manifest { get; set; } = "";
    /// <summary>Sum of the uncompressed layers.</summary>
    public long Size { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? LastTagTime { get; set; }
    /// <summary>Local parent (images committed or built here); empty otherwise.</summary>
    public string Parent { get; set; } = "";
    /// <summary>diffIDs of the layers, bottom first (a copy of the config's, for chain IDs without parsing it).</summary>
    public List<string> DiffIds { get; set; } = [];
    public List<string> RepoDigests { get; set; } = [];
    /// <summary>For an image a build step made: what the step was (its instruction, the files it copied, the build
    /// args it saw), so a later build with the same parent and key reuses it (the build cache).</summary>
    public string? BuildKey { get; set; }
}

/// <summary>One line of <c>DELETE /images/{name}</c>'s answer.</summary>
public sealed record ImageDeleteItem(string? Untagged, string? Deleted);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ImageRecord))]
internal sealed partial class ImageRecordJson : JsonSerializerContext;
