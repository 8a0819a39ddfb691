namespace Berth.Distribution.Server;

/// <summary>A refusal of the registry: a spec error code, a message, and an optional detail.</summary>
public sealed class RegistryException(RegistryErrorCode code, string message, string? detail = null) : Exception(message)
{
    public RegistryErrorCode Code { get; } = code;

    public string? Detail { get; } = detail;

    public static RegistryException DigestInvalid(string detail) => new(RegistryErrorCode.DigestInvalid, "provided digest did not match uploaded content", detail);

    public static RegistryException BlobUnknown(string digest) => new(RegistryErrorCode.BlobUnknown, "blob unknown to registry", digest);

    public static RegistryException ManifestUnknown(string reference) => new(RegistryErrorCode.ManifestUnknown, "manifest unknown", reference);

    public static RegistryException ManifestInvalid(string detail) => new(RegistryErrorCode.ManifestInvalid, "manifest invalid", detail);

    public static RegistryException UploadUnknown(string id) => new(RegistryErrorCode.BlobUploadUnknown, "blob upload unknown to registry", id);

    public static RegistryException NameUnknown(string name) => new(RegistryErrorCode.NameUnknown, "repository name not known to registry", name);
}
