using System.Globalization;
using System.Text;

namespace Berth.Cli.Templates;

/// <summary>
/// Parses the subset of Go's text/template grammar that docker users write: text, actions with trim markers,
/// comments, pipelines, fields, variables, literals, parenthesized pipelines, <c>if/else if/else</c>,
/// <c>range</c> (with <c>$i, $e :=</c>), <c>with</c>, <c>break</c>, <c>continue</c>.
/// </summary>
internal sealed class TemplateParser
{
    private readonly string _text;
    private readonly Func<string, bool> _isFunction;
    private int _pos;
    // Tokens of the action being parsed.
    private List<Token> _tokens = [];
    private int _next;

    private TemplateParser(string text, Func<string, bool> isFunction)
    {
        _text = text;
        _isFunction = isFunction;
    }

    public static TemplateNode.List Parse(string text, Func<string, bool> isFunction)
    {
        var parser = new TemplateParser(text, isFunction);
        var (list, end) = parser.ParseList(topLevel: true);
        if (end is not null)
        {
            throw parser.Error($"unexpected {{{{{end}}}}}");
        }
        return list;
    }

    private enum Kind { Field, Dot, Variable, Identifier, String, RawString, Char, Number, LeftParen, RightParen, Pipe, Comma, Declare, Assign }

    private readonly record struct Token(Kind Kind, string Text, int Pos, bool SpaceBefore);

    private int Line(int pos)
    {
        var line = 1;
        for (var i = 0; i < pos && i < _text.Length; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
            }
        }
        return line;
    }

    private TemplateException Error(string message) => new($"template: :{Line(_pos)}: {message}");

    /// <summary>Parses nodes until end of text, or until an <c>{{end}}</c>/<c>{{else ...}}</c> action, which it returns.</summary>
    private (TemplateNode.List List, string? End) ParseList(bool topLevel)
    {
        var nodes = new List<TemplateNode>();
        var start = _pos;
        while (_pos < _text.Length)
        {
            var open = _text.IndexOf("{{", _pos, StringComparison.Ordinal);
            var textEnd = open < 0 ? _text.Length : open;
            var trimLeft = open >= 0 && open + 3 < _text.Length && _text[open + 2] == '-' && IsSpace(_text[open + 3]);
            var text = _text[_pos..textEnd];
            if (trimLeft)
            {
                text = text.TrimEnd(' ', '\t', '\r', '\n');
            }
            if (text.Length > 0)
            {
                nodes.Add(new TemplateNode.Text(_pos, text));
            }
            if (open < 0)
            {
                _pos = _text.Length;
                break;
            }
            _pos = open + (trimLeft ? 4 : 2);
            var actionPos = _pos;
            var trimRight = LexAction(out var isComment);
            if (isComment)
            {
                if (trimRight)
                {
                    SkipSpaceAfterTrim();
                }
                continue;
            }
            if (trimRight)
            {
                SkipSpaceAfterTrim();
            }
            var node = ParseAction(actionPos, out var end);
            if (end is not null)
            {
                if (topLevel && end == "end")
                {
                    throw Error("unexpected {{end}}");
                }
                if (topLevel && end.StartsWith("else", StringComparison.Ordinal))
                {
                    throw Error("unexpected {{else}}");
                }
                return (new TemplateNode.List(start, nodes), end);
            }
            if (node is not null)
            {
                nodes.Add(node);
            }
        }
        return (new TemplateNode.List(start, nodes), null);
    }

    private void SkipSpaceAfterTrim()
    {
        while (_pos < _text.Length && IsSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    /// <summary>Tokenizes one action up to its closing delimiter; returns whether it ends with a trim marker.</summary>
    private bool LexAction(out bool isComment)
    {
        _tokens = [];
        _next = 0;
        isComment = false;
        var p = _pos;
        // Comment: {{/* ... */}}
        if (p + 1 < _text.Length && _text[p] == '/' && _text[p + 1] == '*')
        {
            var close = _text.IndexOf("*/", p + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw Error("unclosed comment");
            }
            p = close + 2;
            var trim = false;
            if (_text.AsSpan(p).StartsWith(" -}}", StringComparison.Ordinal))
            {
                trim = true;
                p += 4;
            }
            else if (_text.AsSpan(p).StartsWith("}}", StringComparison.Ordinal))
            {
                p += 2;
            }
            else
            {
                throw Error("comment ends before closing delimiter");
            }
            _pos = p;
            isComment = true;
            return trim;
        }
        var space = true;
        while (true)
        {
            if (p >= _text.Length)
            {
                _pos = p;
                throw Error("unclosed action");
            }
            var c = _text[p];
            if (IsSpace(c))
            {
                // " -}}" closes with a trim marker.
                if (_text.AsSpan(p).StartsWith(" -}}", StringComparison.Ordinal) || _text.AsSpan(p).StartsWith("\t-}}", StringComparison.Ordinal)
                    || _text.AsSpan(p).StartsWith("\n-}}", StringComparison.Ordinal))
                {
                    _pos = p + 4;
                    return true;
                }
                if (c == '\n' || c == '\r')
                {
                    // Go 1.16+ allows newlines inside actions.
                }
                space = true;
                p++;
                continue;
            }
            if (c == '}' && p + 1 < _text.Length && _text[p + 1] == '}')
            {
                _pos = p + 2;
                return false;
            }
            var start = p;
            Kind kind;
            switch (c)
            {
                case '(':
                    kind = Kind.LeftParen;
                    p++;
                    break;
                case ')':
                    kind = Kind.RightParen;
                    p++;
                    break;
                case '|':
                    kind = Kind.Pipe;
                    p++;
                    break;
                case ',':
                    kind = Kind.Comma;
                    p++;
                    break;
                case ':' when p + 1 < _text.Length && _text[p + 1] == '=':
                    kind = Kind.Declare;
                    p += 2;
                    break;
                case '=':
                    kind = Kind.Assign;
                    p++;
                    break;
                case '"':
                    kind = Kind.String;
                    p = ScanQuoted(p, '"');
                    break;
                case '\'':
                    kind = Kind.Char;
                    p = ScanQuoted(p, '\'');
                    break;
                case '`':
                    {
                        kind = Kind.RawString;
                        var close = _text.IndexOf('`', p + 1);
                        if (close < 0)
                        {
                            _pos = p;
                            throw Error("unterminated raw quoted string");
                        }
                        p = close + 1;
                        break;
                    }
                case '.':
                    p++;
                    if (p < _text.Length && IsAlnum(_text[p]))
                    {
                        kind = Kind.Field;
                        while (p < _text.Length && IsAlnum(_text[p]))
                        {
                            p++;
                        }
                    }
                    else if (p < _text.Length && char.IsAsciiDigit(_text[p]))
                    {
                        kind = Kind.Number;
                        p = ScanNumber(start);
                    }
                    else
                    {
                        kind = Kind.Dot;
                    }
                    break;
                case '$':
                    kind = Kind.Variable;
                    p++;
                    while (p < _text.Length && IsAlnum(_text[p]))
                    {
                        p++;
                    }
                    break;
                default:
                    if (char.IsAsciiDigit(c) || ((c == '-' || c == '+') && p + 1 < _text.Length && (char.IsAsciiDigit(_text[p + 1]) || _text[p + 1] == '.')))
                    {
                        kind = Kind.Number;
                        p = ScanNumber(p);
                    }
                    else if (IsAlnum(c))
                    {
                        kind = Kind.Identifier;
                        while (p < _text.Length && IsAlnum(_text[p]))
                        {
                            p++;
                        }
                    }
                    else
                    {
                        _pos = p;
                        throw Error($"unexpected \"{c}\" in command");
                    }
                    break;
            }
            _tokens.Add(new Token(kind, _text[start..p], start, space));
            space = false;
        }
    }

    private static bool IsAlnum(char c) => c == '_' || char.IsLetterOrDigit(c);

    private int ScanQuoted(int p, char quote)
    {
        var i = p + 1;
        while (i < _text.Length && _text[i] != quote)
        {
            if (_text[i] == '\\')
            {
                i++;
            }
            else if (_text[i] == '\n')
            {
                break;
            }
            i++;
        }
        if (i >= _text.Length || _text[i] != quote)
        {
            _pos = p;
            throw Error("unterminated quoted string");
        }
        return i + 1;
    }

    private int ScanNumber(int p)
    {
        var i = p;
        if (i < _text.Length && (_text[i] == '-' || _text[i] == '+'))
        {
            i++;
        }
        while (i < _text.Length && (char.IsAsciiLetterOrDigit(_text[i]) || _text[i] is '.' or '_'
            || ((_text[i] is '+' or '-') && i > 0 && _text[i - 1] is 'e' or 'E' or 'p' or 'P')))
        {
            i++;
        }
        return i;
    }

    private Token? Peek() => _next < _tokens.Count ? _tokens[_next] : null;

    private Token NextToken() => _next < _tokens.Count ? _tokens[_next++] : throw Error("unexpected end of action");

    private TemplateNode? ParseAction(int pos, out string? end)
    {
        end = null;
        if (_tokens.Count == 0)
        {
            throw Error("missing value for command");
        }
        var first = _tokens[0];
        if (first.Kind == Kind.Identifier)
        {
            switch (first.Text)
            {
                case "end":
                    ExpectEndOfAction(1, "end");
                    end = "end";
                    return null;
                case "else":
                    if (_tokens.Count == 1)
                    {
                        end = "else";
                        return null;
                    }
                    if (_tokens[1].Kind == Kind.Identifier && _tokens[1].Text is "if" or "with")
                    {
                        // "else if"/"else with": the rest of this action opens a nested branch.
                        end = "else " + _tokens[1].Text;
                        _next = 2;
                        return null;
                    }
                    throw Error("unexpected \"" + _tokens[1].Text + "\" in else");
                case "if":
                case "range":
                case "with":
                    _next = 1;
                    return ParseBranch(first.Pos, first.Text);
                case "break":
                    ExpectEndOfAction(1, "break");
                    return new TemplateNode.Break(first.Pos);
                case "continue":
                    ExpectEndOfAction(1, "continue");
                    return new TemplateNode.Continue(first.Pos);
                case "define":
                case "template":
                case "block":
                    throw Error($"{first.Text} is not supported");
            }
        }
        _next = 0;
        var pipe = ParsePipeline(pos, allowDecl: true, allowTwoVars: false);
        if (_next < _tokens.Count)
        {
            throw Error($"unexpected \"{_tokens[_next].Text}\" in command");
        }
        return new TemplateNode.Action(pos, pipe);
    }

    private void ExpectEndOfAction(int count, string keyword)
    {
        if (_tokens.Count != count)
        {
            throw Error($"unexpected \"{_tokens[count].Text}\" in {keyword}");
        }
    }

    private TemplateNode.Branch ParseBranch(int pos, string keyword)
    {
        var pipe = ParsePipeline(pos, allowDecl: true, allowTwoVars: keyword == "range");
        if (_next < _tokens.Count)
        {
            throw Error($"unexpected \"{_tokens[_next].Text}\" in {keyword}");
        }
        if (pipe.Commands.Count == 0)
        {
            throw Error($"missing value for {keyword}");
        }
        var (body, end) = ParseList(topLevel: false);
        TemplateNode.List? elseList = null;
        if (end is null)
        {
            throw Error("unexpected EOF");
        }
        if (end == "else")
        {
            var (e, end2) = ParseList(topLevel: false);
            if (end2 != "end")
            {
                throw Error(end2 is null ? "unexpected EOF" : "expected end; found {{else}}");
            }
            elseList = e;
        }
        else if (end.StartsWith("else ", StringComparison.Ordinal))
        {
            // {{else if x}}...{{end}}: the nested branch consumes the single {{end}}.
            var nestedKeyword = end[5..];
            var nested = ParseBranch(_pos, nestedKeyword);
            elseList = new TemplateNode.List(nested.Pos, [nested]);
        }
        return new TemplateNode.Branch(pos, keyword, pipe, body, elseList);
    }

    private TemplateNode.Pipeline ParsePipeline(int pos, bool allowDecl, bool allowTwoVars)
    {
        var decl = new List<string>();
        var isAssign = false;
        if (allowDecl && Peek() is { Kind: Kind.Variable } v)
        {
            var save = _next;
            _next++;
            if (Peek() is { Kind: Kind.Declare or Kind.Assign } op)
            {
                _next++;
                decl.Add(v.Text);
                isAssign = op.Kind == Kind.Assign;
            }
            else if (allowTwoVars && Peek() is { Kind: Kind.Comma })
            {
                _next++;
                if (Peek() is { Kind: Kind.Variable } v2)
                {
                    _next++;
                    if (Peek() is { Kind: Kind.Declare or Kind.Assign } op2)
                    {
                        _next++;
                        decl.Add(v.Text);
                        decl.Add(v2.Text);
                        isAssign = op2.Kind == Kind.Assign;
                    }
                    else
                    {
                        throw Error("expected :=");
                    }
                }
                else
                {
                    throw Error("too many declarations");
                }
            }
            else
            {
                _next = save;
            }
        }
        var commands = new List<TemplateNode.Command>();
        while (true)
        {
            var t = Peek();
            if (t is null || t.Value.Kind == Kind.RightParen)
            {
                break;
            }
            commands.Add(ParseCommand());
            if (Peek() is { Kind: Kind.Pipe })
            {
                _next++;
                if (Peek() is null or { Kind: Kind.RightParen })
                {
                    throw Error("missing command");
                }
                continue;
            }
            break;
        }
        if (decl.Count > 0 && commands.Count == 0)
        {
            throw Error("missing value for command");
        }
        return new TemplateNode.Pipeline(pos, decl, isAssign, commands);
    }

    private TemplateNode.Command ParseCommand()
    {
        var args = new List<TemplateNode>();
        var pos = Peek()!.Value.Pos;
        while (Peek() is { } t && t.Kind is not (Kind.Pipe or Kind.RightParen))
        {
            if (args.Count > 0 && !t.SpaceBefore)
            {
                throw Error($"missing space?");
            }
            args.Add(ParseOperand());
        }
        if (args.Count == 0)
        {
            throw Error("empty command");
        }
        return new TemplateNode.Command(pos, args);
    }

    private TemplateNode ParseOperand()
    {
        var t = NextToken();
        TemplateNode node;
        switch (t.Kind)
        {
            case Kind.Field:
                {
                    var names = new List<string> { t.Text[1..] };
                    while (Peek() is { Kind: Kind.Field, SpaceBefore: false } f)
                    {
                        _next++;
                        names.Add(f.Text[1..]);
                    }
                    return new TemplateNode.Field(t.Pos, names);
                }
            case Kind.Variable:
                {
                    var names = new List<string>();
                    while (Peek() is { Kind: Kind.Field, SpaceBefore: false } f)
                    {
                        _next++;
                        names.Add(f.Text[1..]);
                    }
                    return new TemplateNode.Variable(t.Pos, t.Text, names);
                }
            case Kind.Dot:
                node = new TemplateNode.Dot(t.Pos);
                break;
            case Kind.Identifier:
                switch (t.Text)
                {
                    case "true":
                        node = new TemplateNode.Bool(t.Pos, true);
                        break;
                    case "false":
                        node = new TemplateNode.Bool(t.Pos, false);
                        break;
                    case "nil":
                        node = new TemplateNode.Nil(t.Pos);
                        break;
                    default:
                        if (!_isFunction(t.Text))
                        {
                            throw Error($"function \"{t.Text}\" not defined");
                        }
                        node = new TemplateNode.Identifier(t.Pos, t.Text);
                        break;
                }
                break;
            case Kind.String:
                node = new TemplateNode.Str(t.Pos, t.Text, Unquote(t.Text));
                break;
            case Kind.RawString:
                node = new TemplateNode.Str(t.Pos, t.Text, t.Text[1..^1]);
                break;
            case Kind.Char:
                {
                    var s = Unquote("\"" + t.Text[1..^1] + "\"");
                    var rune = char.ConvertToUtf32(s, 0);
                    node = new TemplateNode.Number(t.Pos, t.Text, rune, rune);
                    break;
                }
            case Kind.Number:
                node = ParseNumber(t);
                break;
            case Kind.LeftParen:
                {
                    var pipe = ParsePipeline(t.Pos, allowDecl: true, allowTwoVars: false);
                    if (Peek() is not { Kind: Kind.RightParen })
                    {
                        throw Error("unclosed left paren");
                    }
                    _next++;
                    node = new TemplateNode.PipeArg(t.Pos, pipe);
                    break;
                }
            default:
                throw Error($"unexpected \"{t.Text}\" in operand");
        }
        // A field chain glued to the operand: (x).Field, .Field after a literal is an error in Go.
        if (Peek() is { Kind: Kind.Field, SpaceBefore: false })
        {
            var names = new List<string>();
            while (Peek() is { Kind: Kind.Field, SpaceBefore: false } f)
            {
                _next++;
                names.Add(f.Text[1..]);
            }
            if (node is TemplateNode.Bool or TemplateNode.Str or TemplateNode.Number or TemplateNode.Nil)
            {
                throw Error($"unexpected . after term \"{node}\"");
            }
            node = new TemplateNode.Chain(node.Pos, node, names);
        }
        return node;
    }

    private TemplateNode.Number ParseNumber(Token t)
    {
        var s = t.Text.Replace("_", "", StringComparison.Ordinal);
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return new TemplateNode.Number(t.Pos, t.Text, l, l);
        }
        var neg = s.StartsWith('-');
        var body = s.TrimStart('-', '+');
        if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
            long.TryParse(body[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return new TemplateNode.Number(t.Pos, t.Text, neg ? -hex : hex, neg ? -hex : hex);
        }
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            long? asInt = d == Math.Floor(d) && Math.Abs(d) < 9e18 && !s.Contains('.', StringComparison.Ordinal) && !s.Contains('e', StringComparison.OrdinalIgnoreCase) ? (long)d : null;
            return new TemplateNode.Number(t.Pos, t.Text, asInt, d);
        }
        throw Error($"bad number syntax: \"{t.Text}\"");
    }

    /// <summary>Go's strconv.Unquote for double-quoted strings.</summary>
    internal static string Unquote(string quoted)
    {
        var sb = new StringBuilder();
        for (var i = 1; i < quoted.Length - 1; i++)
        {
            var c = quoted[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            i++;
            var e = quoted[i];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '"': sb.Append('"'); break;
                case '\'': sb.Append('\''); break;
                case 'x':
                    sb.Append((char)Convert.ToInt32(quoted.Substring(i + 1, 2), 16));
                    i += 2;
                    break;
                case 'u':
                    sb.Append(char.ConvertFromUtf32(Convert.ToInt32(quoted.Substring(i + 1, 4), 16)));
                    i += 4;
                    break;
                case 'U':
                    sb.Append(char.ConvertFromUtf32(Convert.ToInt32(quoted.Substring(i + 1, 8), 16)));
                    i += 8;
                    break;
                default:
                    if (e is >= '0' and <= '7')
                    {
                        sb.Append((char)Convert.ToInt32(quoted.Substring(i, 3), 8));
                        i += 2;
                        break;
                    }
                    throw new TemplateException("template: :1: invalid syntax");
            }
        }
        return sb.ToString();
    }
}
