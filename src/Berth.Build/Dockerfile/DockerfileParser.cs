namespace Berth.Build.Dockerfile;

/// <summary>
/// Parses Dockerfile text as Docker's <c>parser.Parse</c> and <c>instructions.Parse</c> do: parser directives,
/// the escape token, comments, line continuations, here-documents, JSON (exec) and shell forms, flags.
/// </summary>
public static class DockerfileParser
{
    /// <summary>The largest Dockerfile accepted (bytes); a larger one is refused before parsing.</summary>
    public const int MaxBytes = 4 << 20;

    public static DockerfileAst Parse(string text) => throw new NotImplementedException();
}
