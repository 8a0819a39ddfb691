namespace Berth.Build.Dockerfile;

/// <summary>One instruction as the line parser leaves it (Docker's <c>parser.Node</c>): the keyword as written,
/// its flags, its arguments split by the keyword's rule, and the here-documents that followed it.</summary>
internal sealed class SyntaxNode
{
    public required string Keyword { get; init; }

    /// <summary>The logical line: continuation lines joined, the first one left-trimmed.</summary>
    public required string Original { get; init; }

    public required IReadOnlyList<string> Flags { get; init; }

    /// <summary>The arguments; for ENV and LABEL triples of key, value and "=" (or "" for the old
    /// <c>ENV key value</c> form), as Docker's node list has them.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>The arguments were a JSON string array (exec form).</summary>
    public bool IsJson { get; init; }

    /// <summary>ONBUILD's inner instruction.</summary>
    public SyntaxNode? Child { get; init; }

    public List<ParsedHeredoc> Heredocs { get; } = [];

    public int StartLine { get; set; }

    public int EndLine { get; set; }
}

/// <summary>A here-document as the line parser finds it: content not yet chomped.</summary>
internal sealed record ParsedHeredoc(string Name, bool Expand, bool Chomp, string Content);
