namespace Berth.Build.Dockerfile;

/// <summary>An error of the line parser (before instructions are typed): Docker reports these without the
/// <c>dockerfile parse error on line N</c> prefix; <see cref="DockerfileParser"/> adds the line.</summary>
internal sealed class DockerfileSyntaxError(string message) : Exception(message);
