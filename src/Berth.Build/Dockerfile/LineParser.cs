using System.Text;
using System.Text.RegularExpressions;

namespace Berth.Build.Dockerfile;

/// <summary>
/// The first half of Docker's parsing (<c>parser.Parse</c>): parser directives, comments, line continuations,
/// the keyword and its flags, each keyword's argument rule (JSON or not, words, key=value) and here-documents.
/// Unknown keywords pass here; the second half (<see cref="InstructionParser"/>) refuses them.
/// </summary>
internal static partial class LineParser
{
    /// <summary>compat(docker): Go's bufio.Scanner refuses a line of 64 KiB or more.</summary>
    private const int MaxLineBytes = 64 * 1024;

    internal sealed record Result(List<SyntaxNode> Nodes, char EscapeToken, string? Syntax);

    private sealed class Directives
    {
        private bool _done;
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public char EscapeToken { get; private set; } = '\\';

        public string? Syntax { get; private set; }

        /// <summary>Looks at a line for a parser directive. Directives are only valid in the leading run of
        /// comment lines that are directives; the first other line ends them.</summary>
        /// <returns>True when the line was a directive.</returns>
        public bool Check(string line)
        {
            if (_done)
            {
                return false;
            }
            if (!line.StartsWith('#'))
            {
                _done = true;
                return false;
            }
            var m = DirectiveRegex().Match(GoText.TrimLeftSpace(line[1..]));
            if (!m.Success)
            {
                _done = true;
                return false;
            }
            var key = m.Groups[1].Value.ToLowerInvariant();
            if (key is not ("syntax" or "escape" or "check"))
            {
                _done = true;
                return false;
            }
            if (!_seen.Add(key))
            {
                throw new DockerfileSyntaxError($"only one {key} parser directive can be used");
            }
            var value = m.Groups[2].Value;
            switch (key)
            {
                case "escape":
                    if (value is not ("`" or "\\"))
                    {
                        throw new DockerfileSyntaxError($"invalid escape token '{value}' does not match ` or \\");
                    }
                    EscapeToken = value[0];
                    break;
                case "syntax":
                    Syntax = value;
                    break;
            }
            return true;
        }
    }

    public static Result Parse(string text)
    {
        var d = new Directives();
        var lines = SplitLines(text);
        var nodes = new List<SyntaxNode>();
        var current = 0;
        var next = 0;
        while (next < lines.Count)
        {
            var raw = lines[next++];
            current++;
            CheckLength(raw, current);
            var (bytesRead, _) = ProcessLine(d, raw, stripLeftWhitespace: true, current);
            var startLine = current;
            var (line, endOfLine) = TrimContinuation(bytesRead, d.EscapeToken);
            if (endOfLine && line.Length == 0)
            {
                continue;
            }
            var buf = new StringBuilder(line);
            while (!endOfLine && next < lines.Count)
            {
                raw = lines[next++];
                current++;
                CheckLength(raw, current);
                var (continued, _) = ProcessLine(d, raw, stripLeftWhitespace: false, current);
                // Comment lines and blank lines inside a continuation are skipped.
                if (IsComment(raw) || GoText.TrimLeftSpace(TrimNewline(continued)).Length == 0)
                {
                    continue;
                }
                (continued, endOfLine) = TrimContinuation(continued, d.EscapeToken);
                buf.Append(continued);
            }
            var logical = buf.ToString();
            SyntaxNode node;
            try
            {
                node = NodeFromLine(logical, d.EscapeToken);
            }
            catch (DockerfileSyntaxError e)
            {
                throw new DockerfileException(e.Message, startLine);
            }
            if (CanContainHeredoc(node) && logical.Contains("<<", StringComparison.Ordinal))
            {
                List<ParsedHeredoc> heredocs;
                try
                {
                    heredocs = HeredocsFromLine(logical);
                }
                catch (DockerfileException e)
                {
                    throw new DockerfileException(e.Message, startLine);
                }
                foreach (var heredoc in heredocs)
                {
                    var content = new StringBuilder();
                    var terminated = false;
                    while (next < lines.Count)
                    {
                        raw = lines[next++];
                        current++;
                        var candidate = TrimNewline(raw);
                        if (heredoc.Chomp)
                        {
                            candidate = candidate.TrimStart('\t');
                        }
                        if (candidate == heredoc.Name)
                        {
                            terminated = true;
                            break;
                        }
                        content.Append(raw);
                    }
                    if (!terminated)
                    {
                        throw new DockerfileException("unterminated heredoc", startLine);
                    }
                    node.Heredocs.Add(heredoc with { Content = content.ToString() });
                }
            }
            node.StartLine = startLine;
            node.EndLine = current;
            nodes.Add(node);
        }
        if (nodes.Count == 0)
        {
            throw new DockerfileException("file with no instructions", current);
        }
        return new Result(nodes, d.EscapeToken, d.Syntax);
    }

    /// <summary>Lines with their line endings kept (heredoc content keeps them); a UTF-8 BOM dropped.</summary>
    private static List<string> SplitLines(string text)
    {
        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }
        var lines = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var nl = text.IndexOf('\n', start);
            var end = nl < 0 ? text.Length : nl + 1;
            lines.Add(text[start..end]);
            start = end;
        }
        return lines;
    }

    private static void CheckLength(string raw, int line)
    {
        if (raw.Length >= MaxLineBytes / 3 && Encoding.UTF8.GetByteCount(raw) >= MaxLineBytes)
        {
            throw new DockerfileException($"dockerfile line greater than max allowed size of {MaxLineBytes - 1}", line);
        }
    }

    private static string TrimNewline(string s) => s.TrimEnd('\r', '\n');

    private static bool IsComment(string line)
    {
        var t = GoText.TrimLeftSpace(line);
        return t.Length > 0 && t[0] == '#';
    }

    private static (string Line, bool Directive) ProcessLine(Directives d, string raw, bool stripLeftWhitespace, int lineNumber)
    {
        var token = TrimNewline(raw);
        if (stripLeftWhitespace)
        {
            token = GoText.TrimLeftSpace(token);
        }
        bool directive;
        try
        {
            directive = d.Check(token);
        }
        catch (DockerfileSyntaxError e)
        {
            throw new DockerfileException(e.Message, lineNumber);
        }
        return (IsComment(token) ? "" : token, directive);
    }

    /// <summary>An escape token that ends the line (trailing blanks allowed) continues the instruction on the next
    /// line; an escaped escape token does not.</summary>
    private static (string Line, bool EndOfLine) TrimContinuation(string line, char escape)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] is ' ' or '\t')
        {
            end--;
        }
        if (end == 0 || line[end - 1] != escape)
        {
            return (line, true);
        }
        if (end == 1)
        {
            return ("", false);
        }
        if (line[end - 2] == escape)
        {
            return (line, true);
        }
        return (line[..(end - 1)], false);
    }

    private static readonly HashSet<string> JsonOrList = new(StringComparer.Ordinal) { "add", "copy", "volume" };
    private static readonly HashSet<string> JsonOrString = new(StringComparer.Ordinal) { "cmd", "entrypoint", "run", "shell" };
    private static readonly HashSet<string> Whitespace = new(StringComparer.Ordinal) { "expose", "from" };
    private static readonly HashSet<string> WholeString = new(StringComparer.Ordinal) { "maintainer", "stopsignal", "user", "workdir" };

    /// <summary>Docker's <c>newNodeFromLine</c>: keyword, flags, then the keyword's argument rule.</summary>
    internal static SyntaxNode NodeFromLine(string line, char escape)
    {
        var parts = GoText.SplitSeparators(GoText.TrimSpace(line), 2);
        var keyword = parts[0];
        var flags = new List<string>();
        var rest = "";
        if (parts.Count == 2)
        {
            (rest, flags) = ExtractBuilderFlags(parts[1], escape);
        }
        rest = GoText.TrimSpace(rest);
        var lower = keyword.ToLowerInvariant();
        List<string> args = [];
        var json = false;
        SyntaxNode? child = null;
        if (JsonOrList.Contains(lower))
        {
            var array = JsonStringArray.TryParse(rest);
            json = array is not null;
            args = array ?? WhitespaceDelimited(rest);
        }
        else if (JsonOrString.Contains(lower))
        {
            (args, json) = MaybeJson(rest);
        }
        else if (Whitespace.Contains(lower))
        {
            args = WhitespaceDelimited(rest);
        }
        else if (WholeString.Contains(lower))
        {
            args = rest.Length == 0 ? [] : [rest];
        }
        else if (lower is "env" or "label")
        {
            args = NameValues(rest, lower.ToUpperInvariant(), escape);
        }
        else if (lower == "arg")
        {
            args = ParseWords(rest, escape);
        }
        else if (lower == "healthcheck")
        {
            (args, json) = HealthConfig(rest);
        }
        else if (lower == "onbuild")
        {
            if (rest.Length > 0)
            {
                child = NodeFromLine(rest, escape);
            }
        }
        return new SyntaxNode { Keyword = keyword, Original = line, Flags = flags, Args = args, IsJson = json, Child = child };
    }

    private static (List<string> Args, bool Json) MaybeJson(string rest)
    {
        if (rest.Length == 0)
        {
            return ([], false);
        }
        var array = JsonStringArray.TryParse(rest);
        return array is null ? ([rest], false) : (array, true);
    }

    private static List<string> WhitespaceDelimited(string rest) => rest.Length == 0 ? [] : GoText.SplitSeparators(rest);

    /// <summary>HEALTHCHECK: the type word (CMD, NONE, …), then the command as RUN takes it.</summary>
    private static (List<string> Args, bool Json) HealthConfig(string rest)
    {
        var sep = 0;
        while (sep < rest.Length && !GoText.IsSpace(rest[sep]))
        {
            sep++;
        }
        if (sep == 0)
        {
            return ([], false);
        }
        var next = sep;
        while (next < rest.Length && GoText.IsSpace(rest[next]))
        {
            next++;
        }
        var (cmd, json) = MaybeJson(rest[next..]);
        cmd.Insert(0, rest[..sep]);
        return (cmd, json);
    }

    /// <summary>ENV and LABEL: <c>k=v k2="v 2"</c> (quotes kept for the expansion at dispatch), or the old
    /// <c>k v w</c> where everything after the first blank is the value.</summary>
    private static List<string> NameValues(string rest, string keyword, char escape)
    {
        var words = ParseWords(rest, escape);
        if (words.Count == 0)
        {
            return [];
        }
        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            var parts = GoText.SplitSeparators(rest, 2);
            if (parts.Count < 2)
            {
                throw new DockerfileSyntaxError($"{keyword} must have two arguments");
            }
            return [parts[0], parts[1], ""];
        }
        var result = new List<string>();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new DockerfileSyntaxError($"Syntax error - can't find = in {GoText.Quote(word)}. Must be of the form: name=value");
            }
            result.Add(word[..eq]);
            result.Add(word[(eq + 1)..]);
            result.Add("=");
        }
        return result;
    }

    /// <summary>Docker's <c>parseWords</c>: splits on unquoted blanks, keeping quotes and escapes in the words.</summary>
    internal static List<string> ParseWords(string rest, char escape)
    {
        var words = new List<string>();
        var b = new StringBuilder();
        var inWord = false;
        var quote = '\0';
        var blankOk = false;
        for (var pos = 0; pos < rest.Length; pos++)
        {
            var ch = rest[pos];
            if (!inWord && quote == '\0')
            {
                if (GoText.IsSpace(ch))
                {
                    continue;
                }
                inWord = true;
            }
            if (quote == '\0')
            {
                if (GoText.IsSpace(ch))
                {
                    if (blankOk || b.Length > 0)
                    {
                        words.Add(b.ToString());
                    }
                    b.Clear();
                    blankOk = false;
                    inWord = false;
                    continue;
                }
                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                }
                else if (ch == escape)
                {
                    if (pos + 1 == rest.Length)
                    {
                        continue;
                    }
                    // An escaped character, even a quote, is kept with its escape for the later expansion.
                    b.Append(ch);
                    ch = rest[++pos];
                }
                b.Append(ch);
                continue;
            }
            if (ch == quote)
            {
                quote = '\0';
            }
            else if (ch == escape && quote != '\'')
            {
                if (pos + 1 == rest.Length)
                {
                    quote = '\0';
                    continue;
                }
                b.Append(ch);
                ch = rest[++pos];
            }
            b.Append(ch);
        }
        if (inWord && (blankOk || b.Length > 0))
        {
            words.Add(b.ToString());
        }
        return words;
    }

    /// <summary>Docker's <c>extractBuilderFlags</c>: leading <c>--words</c> (quotes and escapes removed) until the
    /// first word that is not one, or a lone <c>--</c>.</summary>
    private static (string Remainder, List<string> Flags) ExtractBuilderFlags(string line, char escape)
    {
        var words = new List<string>();
        var b = new StringBuilder();
        var inWord = false;
        var quote = '\0';
        var blankOk = false;
        for (var pos = 0; pos <= line.Length; pos++)
        {
            if (!inWord)
            {
                if (pos == line.Length)
                {
                    break;
                }
                var c = line[pos];
                if (GoText.IsSpace(c))
                {
                    continue;
                }
                if (c != '-' || pos + 1 == line.Length || line[pos + 1] != '-')
                {
                    return (line[pos..], words);
                }
                inWord = true;
            }
            if (pos == line.Length)
            {
                var word = b.ToString();
                if (word != "--" && (blankOk || word.Length > 0))
                {
                    words.Add(word);
                }
                break;
            }
            var ch = line[pos];
            if (quote == '\0')
            {
                if (GoText.IsSpace(ch))
                {
                    var word = b.ToString();
                    inWord = false;
                    if (word == "--")
                    {
                        return (line[pos..], words);
                    }
                    if (blankOk || word.Length > 0)
                    {
                        words.Add(word);
                    }
                    b.Clear();
                    blankOk = false;
                    continue;
                }
                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                    continue;
                }
                if (ch == escape)
                {
                    if (pos + 1 == line.Length)
                    {
                        continue;
                    }
                    ch = line[++pos];
                }
                b.Append(ch);
                continue;
            }
            if (ch == quote)
            {
                quote = '\0';
                continue;
            }
            if (ch == escape)
            {
                if (pos + 1 == line.Length)
                {
                    quote = '\0';
                    continue;
                }
                ch = line[++pos];
            }
            b.Append(ch);
        }
        return ("", words);
    }

    private static bool CanContainHeredoc(SyntaxNode node)
    {
        if (node.Keyword.Equals("onbuild", StringComparison.OrdinalIgnoreCase) && node.Child is not null)
        {
            node = node.Child;
        }
        var lower = node.Keyword.ToLowerInvariant();
        return lower is "add" or "copy" or "run" && !node.IsJson;
    }

    private static List<ParsedHeredoc> HeredocsFromLine(string line)
    {
        // compat(docker): heredoc words are found with the backslash escape whatever the escape directive says.
        var lex = new ShellLex('\\') { RawQuotes = true, RawEscapes = true, SkipUnsetEnv = true };
        IReadOnlyList<string> words;
        try
        {
            words = lex.ProcessWords(line, Empty);
        }
        catch (DockerfileException)
        {
            return [];
        }
        var docs = new List<ParsedHeredoc>();
        foreach (var word in words)
        {
            if (ParseHeredoc(word) is { } heredoc)
            {
                docs.Add(heredoc);
            }
        }
        return docs;
    }

    private static readonly Dictionary<string, string> Empty = [];

    /// <summary>Docker's <c>ParseHeredoc</c>: <c>[n]&lt;&lt;[-]WORD</c>; a quote anywhere in WORD turns expansion off.</summary>
    internal static ParsedHeredoc? ParseHeredoc(string word)
    {
        var m = HeredocRegex().Match(word);
        if (!m.Success || m.Groups[3].Value.Length == 0)
        {
            return null;
        }
        var rest = m.Groups[3].Value;
        var words = new ShellLex('\\') { SkipUnsetEnv = true }.ProcessWords(rest, Empty);
        if (words.Count != 1)
        {
            return null;
        }
        var raw = new ShellLex('\\') { SkipUnsetEnv = true, RawQuotes = true }.ProcessWords(rest, Empty);
        if (raw.Count != words.Count)
        {
            throw new DockerfileSyntaxError($"internal lexing of heredoc produced inconsistent results: {rest}");
        }
        static int Quotes(string s) => s.Count(c => c is '\'' or '"');
        return new ParsedHeredoc(words[0], Quotes(words[0]) == Quotes(raw[0]), m.Groups[2].Value == "-", "");
    }

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$", RegexOptions.CultureInvariant)]
    private static partial Regex DirectiveRegex();

    [GeneratedRegex(@"^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex HeredocRegex();
}
