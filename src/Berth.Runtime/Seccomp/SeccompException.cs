namespace Berth.Runtime.Seccomp;

/// <summary>A seccomp profile that cannot be turned into a filter: the words say which field and why.</summary>
public sealed class SeccompException(string message) : InvalidOperationException(message);
