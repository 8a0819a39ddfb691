namespace Berth.Distribution.Client;

/// <summary>
/// One line of a pull's or push's progress, as Docker's JSON messages carry it: a status, for a layer (its short
/// id) or for the whole operation, with bytes done and total while a layer moves.
/// </summary>
public sealed record TransferProgress(string? Id, string Status, long? Current = null, long? Total = null)
{
    /// <summary>Whether the line is about a layer (Docker then always sends a <c>progressDetail</c>).</summary>
    public bool Layer { get; init; }

    /// <summary>A push's result for one tag: the manifest's digest and size (Docker's <c>aux</c> message).</summary>
    public PushedManifest? Pushed { get; init; }

    public static TransferProgress ForLayer(string id, string status, long? current = null, long? total = null) =>
        new(id, status, current, total) { Layer = true };
}

public sealed record PushedManifest(string Tag, string Digest, long Size);
