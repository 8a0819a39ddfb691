namespace Berth.Distribution.Server;

/// <summary>The error codes of the OCI distribution spec (section "Error Codes"); the HTTP status of each is
/// chosen only at the edge (<see cref="RegistryHttp.StatusOf"/>).</summary>
public enum RegistryErrorCode
{
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    /// <summary>A chunk that does not start where the session ends: BLOB_UPLOAD_INVALID with 416.</summary>
    RangeInvalid,
}
