namespace Berth.Common;

/// <summary>The one exception of the engine: a message for the user and the kind of failure.</summary>
public sealed class BerthException : Exception
{
    public BerthException(ErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public ErrorKind Kind { get; }

    /// <summary>Exit status a CLI should use for this failure, when the failure belongs to a process start.</summary>
    public int? ExitStatus { get; init; }

    public static BerthException NotFound(string message) => new(ErrorKind.NotFound, message);
    public static BerthException Invalid(string message) => new(ErrorKind.InvalidArgument, message);
    public static BerthException Conflict(string message) => new(ErrorKind.Conflict, message);
    public static BerthException Precondition(string message) => new(ErrorKind.FailedPrecondition, message);
}
