using System.Text;
using Berth.Common;

namespace Berth.Cli.Commands;

/// <summary>
/// The build's output on its way to the terminal, watched for its step headers (<c>Step 4/12 : COPY …</c>). A build
/// from a context sent by digest that stops at a step for the rest of the context is built again with the whole
/// context; the second build's output is shown from where the first one stopped: everything up to and including
/// the header <see cref="LastStep"/> of the first is dropped, so each step reads once.
/// </summary>
internal sealed class BuildStepLines(Stream inner, string? skipThrough = null) : WriteOnlyStream
{
    private const int MaxLine = 4096;

    private readonly MemoryStream _line = new();
    private bool _skipping = skipThrough is not null;

    /// <summary>The last step header written through, without its line end; null before the first.</summary>
    public string? LastStep { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var end = buffer.IndexOf((byte)'\n');
            var part = end < 0 ? buffer : buffer[..(end + 1)];
            if (!_skipping)
            {
                inner.Write(part);
            }
            if (_line.Length < MaxLine)
            {
                _line.Write(part[..Math.Min(part.Length, MaxLine - (int)_line.Length)]);
            }
            if (end >= 0)
            {
                EndOfLine();
            }
            buffer = buffer[part.Length..];
        }
    }

    private void EndOfLine()
    {
        var text = Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length).TrimEnd('\n', '\r');
        _line.SetLength(0);
        if (_skipping)
        {
            _skipping = text != skipThrough;
            return;
        }
        if (text.StartsWith("Step ", StringComparison.Ordinal))
        {
            LastStep = text;
        }
    }

    public override void Flush() => inner.Flush();
}
