namespace Berth.Cli.Flags;

/// <summary>A flag the command line got wrong; the command adds its usage line to the message.</summary>
internal sealed class UsageException(string message) : Exception(message);
