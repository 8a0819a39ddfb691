namespace Berth.Cli.Templates;

/// <summary>
/// The parse tree of a Go text/template, as <c>text/template/parse</c> builds it. <see cref="Pos"/> is the byte offset
/// of the node in the template text, used for Go-shaped error locations (<c>template: :1:2: executing ...</c>).
/// </summary>
internal abstract record TemplateNode(int Pos)
{
    internal sealed record List(int Pos, IReadOnlyList<TemplateNode> Nodes) : TemplateNode(Pos);

    internal sealed record Text(int Pos, string Value) : TemplateNode(Pos);

    internal sealed record Action(int Pos, Pipeline Pipe) : TemplateNode(Pos);

    /// <summary><c>if</c>, <c>range</c> and <c>with</c> share one shape.</summary>
    internal sealed record Branch(int Pos, string Keyword, Pipeline Pipe, List Body, List? Else) : TemplateNode(Pos);

    internal sealed record Break(int Pos) : TemplateNode(Pos);

    internal sealed record Continue(int Pos) : TemplateNode(Pos);

    internal sealed record Pipeline(int Pos, IReadOnlyList<string> Decl, bool IsAssign, IReadOnlyList<Command> Commands) : TemplateNode(Pos);

    internal sealed record Command(int Pos, IReadOnlyList<TemplateNode> Args) : TemplateNode(Pos);

    /// <summary><c>.A.B</c>: fields looked up from dot.</summary>
    internal sealed record Field(int Pos, IReadOnlyList<string> Names) : TemplateNode(Pos)
    {
        public override string ToString() => "." + string.Join('.', Names);
    }

    /// <summary><c>$x.A.B</c> (or <c>$</c>).</summary>
    internal sealed record Variable(int Pos, string Name, IReadOnlyList<string> Names) : TemplateNode(Pos)
    {
        public override string ToString() => Names.Count == 0 ? Name : Name + "." + string.Join('.', Names);
    }

    /// <summary><c>(pipeline).A.B</c>.</summary>
    internal sealed record Chain(int Pos, TemplateNode Node, IReadOnlyList<string> Names) : TemplateNode(Pos)
    {
        public override string ToString() => "(" + Node + ")." + string.Join('.', Names);
    }

    internal sealed record Identifier(int Pos, string Name) : TemplateNode(Pos)
    {
        public override string ToString() => Name;
    }

    internal sealed record Dot(int Pos) : TemplateNode(Pos)
    {
        public override string ToString() => ".";
    }

    internal sealed record Nil(int Pos) : TemplateNode(Pos)
    {
        public override string ToString() => "nil";
    }

    internal sealed record Bool(int Pos, bool Value) : TemplateNode(Pos)
    {
        public override string ToString() => Value ? "true" : "false";
    }

    internal sealed record Number(int Pos, string Literal, long? Int, double Float) : TemplateNode(Pos)
    {
        public override string ToString() => Literal;
    }

    internal sealed record Str(int Pos, string Quoted, string Value) : TemplateNode(Pos)
    {
        public override string ToString() => Quoted;
    }

    internal sealed record PipeArg(int Pos, Pipeline Pipe) : TemplateNode(Pos)
    {
        public override string ToString() => "(pipeline)";
    }
}
