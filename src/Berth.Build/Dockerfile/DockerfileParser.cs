using System.Text;

namespace Berth.Build.Dockerfile;

/// <summary>
/// Parses Dockerfile text as Docker's <c>parser.Parse</c> and <c>instructions.Parse</c> do: parser directives,
/// the escape token, comments, line continuations, here-documents, JSON (exec) and shell forms, flags.
/// </summary>
public static class DockerfileParser
{
    /// <summary>The largest Dockerfile accepted (bytes); a larger one is refused before parsing.</summary>
    public const int MaxBytes = 4 << 20;

    public static DockerfileAst Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxBytes / 3 && Encoding.UTF8.GetByteCount(text) > MaxBytes)
        {
            throw new DockerfileException($"the Dockerfile is larger than the maximum of {MaxBytes} bytes");
        }
        var syntax = LineParser.Parse(text);
        var metaArgs = new List<ArgInstruction>();
        var stages = new List<(FromInstruction From, List<Instruction> Commands)>();
        foreach (var node in syntax.Nodes)
        {
            Instruction instruction;
            try
            {
                instruction = InstructionParser.Parse(node);
            }
            catch (InstructionError e)
            {
                throw new DockerfileException($"dockerfile parse error on line {node.StartLine}: {e.Message}", node.StartLine);
            }
            switch (instruction)
            {
                case ArgInstruction arg when stages.Count == 0:
                    metaArgs.Add(arg);
                    break;
                case FromInstruction from:
                    stages.Add((from, []));
                    break;
                default:
                    if (stages.Count == 0)
                    {
                        throw new DockerfileException("no build stage in current context", node.StartLine);
                    }
                    stages[^1].Commands.Add(instruction);
                    break;
            }
        }
        if (stages.Count == 0)
        {
            // compat(docker): BuildKit's words; the file had instructions, only ARGs.
            throw new DockerfileException("dockerfile contains no stages to build", syntax.Nodes[^1].StartLine);
        }
        return new DockerfileAst(metaArgs, [.. stages.Select(s => new Stage(s.From, s.Commands))], syntax.EscapeToken, syntax.Syntax);
    }
}
