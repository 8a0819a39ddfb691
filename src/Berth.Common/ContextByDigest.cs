namespace Berth.Common;

/// <summary>
/// The names of Berth's build context sent by digest (<c>berth build</c> to berthd; docs/building.md), kept in one
/// place for both sides: berthd's ping says it takes one, the build asks for it, and each larger file of the tar is
/// a PAX record of its SHA-256 without data.
/// </summary>
public static class ContextByDigest
{
    /// <summary>The <c>/_ping</c> answer's header, <c>1</c> when <c>POST /build</c> takes a context by digest.</summary>
    public const string PingHeader = "Berth-Context-Digests";

    /// <summary>The <c>POST /build</c> query parameter (<c>=1</c>) that says the context was sent by digest.</summary>
    public const string QueryParameter = "contextdigests";

    /// <summary>The PAX record with a file's SHA-256 in lower-case hex, on an entry that carries no data.</summary>
    public const string PaxRecord = "BERTH.sha256";
}
