namespace Berth.Distribution.Server;

/// <summary>The edge: spec error codes to their wire names and HTTP statuses.</summary>
public static class RegistryHttp
{
    public static int StatusOf(RegistryErrorCode code) => code switch
    {
        RegistryErrorCode.BlobUnknown or RegistryErrorCode.BlobUploadUnknown or RegistryErrorCode.ManifestUnknown or RegistryErrorCode.NameUnknown or RegistryErrorCode.NotFound => 404,
        RegistryErrorCode.Unauthorized => 401,
        RegistryErrorCode.Denied => 403,
        RegistryErrorCode.Unsupported => 405,
        RegistryErrorCode.RangeInvalid => 416,
        RegistryErrorCode.ManifestTooLarge => 413,
        RegistryErrorCode.TooManyRequests => 429,
        _ => 400,
    };

    public static string CodeOf(RegistryErrorCode code) => code switch
    {
        RegistryErrorCode.BlobUnknown => "BLOB_UNKNOWN",
        RegistryErrorCode.BlobUploadInvalid or RegistryErrorCode.RangeInvalid => "BLOB_UPLOAD_INVALID",
        RegistryErrorCode.BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
        RegistryErrorCode.DigestInvalid => "DIGEST_INVALID",
        RegistryErrorCode.ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
        RegistryErrorCode.ManifestInvalid => "MANIFEST_INVALID",
        RegistryErrorCode.ManifestUnknown => "MANIFEST_UNKNOWN",
        RegistryErrorCode.NameInvalid => "NAME_INVALID",
        RegistryErrorCode.NameUnknown => "NAME_UNKNOWN",
        RegistryErrorCode.SizeInvalid or RegistryErrorCode.ManifestTooLarge => "SIZE_INVALID",
        RegistryErrorCode.Unauthorized => "UNAUTHORIZED",
        RegistryErrorCode.Denied => "DENIED",
        RegistryErrorCode.Unsupported or RegistryErrorCode.NotFound => "UNSUPPORTED",
        RegistryErrorCode.PaginationNumberInvalid => "PAGINATION_NUMBER_INVALID",
        RegistryErrorCode.TooManyRequests => "TOOMANYREQUESTS",
        _ => "UNKNOWN",
    };

    public static string Reason(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Request Entity Too Large",
        416 => "Requested Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    };
}
