using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary>A parsed command line for one command: its path (<c>berth container ls</c>), flags and positionals.</summary>
internal sealed record Invocation(string Path, string UseLine, FlagSet Flags, IReadOnlyList<string> Args);
