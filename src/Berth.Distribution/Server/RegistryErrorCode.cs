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
    /// <summary>compat(distribution): an <c>n</c> that is not a number.</summary>
    PaginationNumberInvalid,
    /// <summary>A path that is no endpoint of the API: 404 with UNSUPPORTED.</summary>
    NotFound,
    /// <summary>A manifest above the size limit: SIZE_INVALID with 413.</summary>
    ManifestTooLarge,
    /// <summary>A chunk that does not start where the session ends: BLOB_UPLOAD_INVALID with 416.</summary>
    RangeInvalid,
}
