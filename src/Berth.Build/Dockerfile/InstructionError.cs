namespace Berth.Build.Dockerfile;

/// <summary>An instruction that cannot be parsed; <see cref="DockerfileParser"/> adds Docker's
/// <c>dockerfile parse error on line N: </c> prefix and the line.</summary>
internal sealed class InstructionError(string message) : Exception(message);
