namespace Berth.Common;

/// <summary>
/// The closed set of failure classes every service throws (containerd's errdefs).
/// Only the API edge turns a kind into an HTTP status.
/// </summary>
public enum ErrorKind
{
    Unknown,
    InvalidArgument,
    NotFound,
    AlreadyExists,
    Conflict,
    FailedPrecondition,
    NotModified,
    Unavailable,
    Forbidden,
    Unauthorized,
    NotImplemented,
    Canceled,
}
