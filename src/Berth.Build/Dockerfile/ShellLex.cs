using System.Text;
using System.Text.RegularExpressions;

namespace Berth.Build.Dockerfile;

/// <summary>
/// Docker's shell-word processing for Dockerfile arguments (<c>shell.Lex</c>): quotes, the escape token,
/// <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-word}</c>, <c>${VAR-word}</c>, <c>${VAR:+word}</c>, <c>${VAR+word}</c>,
/// <c>${VAR:?msg}</c>, <c>${VAR?msg}</c>, and BuildKit's <c>${VAR#pat}</c>, <c>${VAR##pat}</c>, <c>${VAR%pat}</c>,
/// <c>${VAR%%pat}</c>, <c>${VAR/pat/repl}</c>, <c>${VAR//pat/repl}</c>. A malformed word throws
/// <see cref="DockerfileException"/> with Docker's message (<c>failed to process "…": …</c>).
/// </summary>
public sealed class ShellLex(char escapeToken = '\\')
{
    private const int Eof = -1;

    public char EscapeToken { get; } = escapeToken;

    /// <summary>Keep quote characters in the result (the parser's heredoc detection).</summary>
    internal bool RawQuotes { get; init; }

    /// <summary>Keep escape tokens in the result (the parser's heredoc detection).</summary>
    internal bool RawEscapes { get; init; }

    /// <summary>Leave references to unset variables as written instead of expanding them to nothing.</summary>
    internal bool SkipUnsetEnv { get; init; }

    /// <summary>Expands one word (quotes removed), as for ENV values, WORKDIR, USER, COPY sources.</summary>
    public string ProcessWord(string word, IReadOnlyDictionary<string, string> env) => Process(word, env).Word;

    /// <summary>Expands and splits on unquoted whitespace, as for EXPOSE, VOLUME and COPY/ADD in shell form.</summary>
    public IReadOnlyList<string> ProcessWords(string word, IReadOnlyDictionary<string, string> env) => Process(word, env).Words;

    private (string Word, List<string> Words) Process(string word, IReadOnlyDictionary<string, string> env)
    {
        try
        {
            return new Scanner(this, word, env).ProcessStopOn(Eof, RawEscapes);
        }
        catch (SyntaxError e)
        {
            throw new DockerfileException($"failed to process {GoText.Quote(word)}: {e.Message}");
        }
    }

    private sealed class SyntaxError(string message) : Exception(message);

    /// <summary>The words being collected by <c>ProcessWords</c>: unquoted whitespace ends a word, quoted text
    /// and escaped characters never do.</summary>
    private sealed class Words
    {
        private readonly StringBuilder _buf = new();
        private readonly List<string> _words = [];
        private bool _inWord;

        public void AddChar(char ch)
        {
            if (GoText.IsSpace(ch))
            {
                if (_inWord && _buf.Length != 0)
                {
                    _words.Add(_buf.ToString());
                    _buf.Clear();
                    _inWord = false;
                }
            }
            else
            {
                AddRawChar(ch);
            }
        }

        public void AddRawChar(char ch)
        {
            _buf.Append(ch);
            _inWord = true;
        }

        public void AddString(string s)
        {
            foreach (var ch in s)
            {
                AddChar(ch);
            }
        }

        public void AddRawString(string s)
        {
            _buf.Append(s);
            _inWord = true;
        }

        public List<string> Finish()
        {
            if (_buf.Length > 0)
            {
                _words.Add(_buf.ToString());
                _buf.Clear();
                _inWord = false;
            }
            return _words;
        }
    }

    private sealed class Scanner(ShellLex lex, string text, IReadOnlyDictionary<string, string> env)
    {
        private int _pos;
        private bool _rawEscapes = lex.RawEscapes;

        private int Peek() => _pos < text.Length ? text[_pos] : Eof;

        private int Next() => _pos < text.Length ? text[_pos++] : Eof;

        public (string Word, List<string> Words) ProcessStopOn(int stopChar, bool rawEscapes)
        {
            var result = new StringBuilder();
            var words = new Words();
            var saved = _rawEscapes;
            _rawEscapes = rawEscapes;
            try
            {
                while (Peek() != Eof)
                {
                    var ch = Peek();
                    if (stopChar != Eof && ch == stopChar)
                    {
                        Next();
                        return (result.ToString(), words.Finish());
                    }
                    switch (ch)
                    {
                        case '$':
                            {
                                var value = ProcessDollar();
                                result.Append(value);
                                words.AddString(value);
                                continue;
                            }
                        case '<':
                            {
                                var value = ProcessPossibleHeredoc();
                                result.Append(value);
                                words.AddRawString(value);
                                continue;
                            }
                        case '\'':
                            {
                                var value = ProcessSingleQuote();
                                result.Append(value);
                                words.AddRawString(value);
                                continue;
                            }
                        case '"':
                            {
                                var value = ProcessDoubleQuote();
                                result.Append(value);
                                words.AddRawString(value);
                                continue;
                            }
                    }
                    ch = Next();
                    if (ch == lex.EscapeToken)
                    {
                        if (_rawEscapes)
                        {
                            words.AddRawChar((char)ch);
                            result.Append((char)ch);
                        }
                        // The escape token escapes the next character; at the end of the word it is dropped.
                        ch = Next();
                        if (ch == Eof)
                        {
                            break;
                        }
                        words.AddRawChar((char)ch);
                    }
                    else
                    {
                        words.AddChar((char)ch);
                    }
                    result.Append((char)ch);
                }
                if (stopChar != Eof)
                {
                    throw new SyntaxError($"unexpected end of statement while looking for matching {(char)stopChar}");
                }
                return (result.ToString(), words.Finish());
            }
            finally
            {
                _rawEscapes = saved;
            }
        }

        private string ProcessSingleQuote()
        {
            // Everything up to the next single quote is literal; a single quote cannot be escaped inside.
            var result = new StringBuilder();
            var ch = Next();
            if (lex.RawQuotes)
            {
                result.Append((char)ch);
            }
            while (true)
            {
                ch = Next();
                if (ch == Eof)
                {
                    throw new SyntaxError("unexpected end of statement while looking for matching single-quote");
                }
                if (ch == '\'')
                {
                    if (lex.RawQuotes)
                    {
                        result.Append((char)ch);
                    }
                    return result.ToString();
                }
                result.Append((char)ch);
            }
        }

        private string ProcessDoubleQuote()
        {
            // Literal except $ (expanded) and the escape token, which escapes only " $ and itself.
            var result = new StringBuilder();
            var ch = Next();
            if (lex.RawQuotes)
            {
                result.Append((char)ch);
            }
            while (true)
            {
                switch (Peek())
                {
                    case Eof:
                        throw new SyntaxError("unexpected end of statement while looking for matching double-quote");
                    case '"':
                        ch = Next();
                        if (lex.RawQuotes)
                        {
                            result.Append((char)ch);
                        }
                        return result.ToString();
                    case '$':
                        result.Append(ProcessDollar());
                        break;
                    default:
                        ch = Next();
                        if (ch == lex.EscapeToken)
                        {
                            if (_rawEscapes)
                            {
                                result.Append((char)ch);
                            }
                            var next = Peek();
                            if (next == Eof)
                            {
                                continue;
                            }
                            if (next == '"' || next == '$' || next == lex.EscapeToken)
                            {
                                ch = Next();
                            }
                        }
                        result.Append((char)ch);
                        break;
                }
            }
        }

        private string ProcessDollar()
        {
            Next();
            if (Peek() != '{')
            {
                var bare = ProcessName();
                if (bare.Length == 0)
                {
                    return "$";
                }
                if (!env.TryGetValue(bare, out var v))
                {
                    return lex.SkipUnsetEnv ? "$" + bare : "";
                }
                return v;
            }
            Next();
            switch (Peek())
            {
                case Eof:
                    throw new SyntaxError("syntax error: missing '}'");
                case '{' or '}' or ':':
                    throw new SyntaxError("syntax error: bad substitution");
            }
            var name = ProcessName();
            var ch = Next();
            if (ch == Eof)
            {
                throw new SyntaxError("syntax error: missing '}'");
            }
            var modifier = ((char)ch).ToString();
            var set = env.TryGetValue(name, out var value);
            value ??= "";
            switch (ch)
            {
                case '}':
                    return !set && lex.SkipUnsetEnv ? "${" + name + "}" : value;
                case ':' or '+' or '-' or '?' or '#' or '%':
                    {
                        var nullIsUnset = false;
                        if (ch == ':')
                        {
                            nullIsUnset = true;
                            ch = Next();
                            modifier += ch == Eof ? "" : ((char)ch).ToString();
                        }
                        var patternModifier = ch is '#' or '%';
                        if (nullIsUnset && patternModifier)
                        {
                            throw new SyntaxError($"unsupported modifier ({modifier}) in substitution");
                        }
                        var word = StopOn('}', patternModifier);
                        if (!set && lex.SkipUnsetEnv)
                        {
                            return "${" + name + modifier + word + "}";
                        }
                        var unset = !set || nullIsUnset && value.Length == 0;
                        switch (ch)
                        {
                            case '-':
                                return unset ? word : value;
                            case '+':
                                return unset ? "" : word;
                            case '?':
                                if (!set)
                                {
                                    throw new SyntaxError($"{name}: {(word.Length > 0 ? word : "is not allowed to be unset")}");
                                }
                                if (nullIsUnset && value.Length == 0)
                                {
                                    throw new SyntaxError($"{name}: {(word.Length > 0 ? word : "is not allowed to be empty")}");
                                }
                                return value;
                            case '#' or '%':
                                {
                                    // One # or % removes the shortest match, two the longest.
                                    var greedy = word.Length > 0 && word[0] == ch;
                                    if (greedy)
                                    {
                                        word = word[1..];
                                    }
                                    return ch == '%' ? TrimSuffix(word, value, greedy) : TrimPrefix(word, value, greedy);
                                }
                            default:
                                throw new SyntaxError($"unsupported modifier ({modifier}) in substitution");
                        }
                    }
                case '/':
                    {
                        var replaceAll = Peek() == '/';
                        if (replaceAll)
                        {
                            Next();
                        }
                        string pattern;
                        try
                        {
                            pattern = ProcessStopOn('/', true).Word;
                        }
                        catch (SyntaxError) when (Peek() == Eof)
                        {
                            throw new SyntaxError("syntax error: missing '/' in ${}");
                        }
                        var replacement = StopOn('}', true);
                        if (!set && lex.SkipUnsetEnv)
                        {
                            return "${" + name + "/" + pattern + "/" + replacement + "}";
                        }
                        var re = PatternToRegex(pattern, greedy: true, anchored: false);
                        return replaceAll
                            ? re.Replace(value, _ => replacement)
                            : re.Replace(value, _ => replacement, 1);
                    }
                default:
                    throw new SyntaxError($"unsupported modifier ({modifier}) in substitution");
            }
        }

        private string StopOn(char stop, bool rawEscapes)
        {
            try
            {
                return ProcessStopOn(stop, rawEscapes).Word;
            }
            catch (SyntaxError) when (Peek() == Eof)
            {
                throw new SyntaxError("syntax error: missing '}'");
            }
        }

        /// <summary>A variable name: letters, digits and '_'; or a run of digits (positional); or one special
        /// parameter character. Neither of the last two is ever set in a Dockerfile.</summary>
        private string ProcessName()
        {
            var name = new StringBuilder();
            while (Peek() != Eof)
            {
                var ch = (char)Peek();
                if (name.Length == 0 && char.IsDigit(ch))
                {
                    while (Peek() != Eof && char.IsDigit((char)Peek()))
                    {
                        name.Append((char)Next());
                    }
                    return name.ToString();
                }
                if (name.Length == 0 && ch is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0')
                {
                    Next();
                    return ch.ToString();
                }
                if (!char.IsLetterOrDigit(ch) && ch != '_')
                {
                    break;
                }
                name.Append((char)Next());
            }
            return name.ToString();
        }

        private string ProcessPossibleHeredoc()
        {
            Next();
            if (Peek() != '<')
            {
                return "<";
            }
            Next();
            // "<< EOF" stays one word so the parser can find the heredoc in it.
            var result = new StringBuilder("<<");
            while (Peek() is '\t' or '\r' or ' ')
            {
                result.Append((char)Next());
            }
            return result.ToString();
        }
    }

    /// <summary>A shell pattern (<c>*</c>, <c>?</c>, <c>\</c> escapes; no bracket expressions) as a regex.</summary>
    private static Regex PatternToRegex(string pattern, bool greedy, bool anchored)
    {
        var re = new StringBuilder(anchored ? "^" : "");
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            switch (ch)
            {
                case '*':
                    re.Append(greedy ? ".*" : ".*?");
                    continue;
                case '?':
                    re.Append('.');
                    continue;
                case '\\':
                    {
                        // "\}" and "\/" are escapes of the ${} syntax, not of the pattern.
                        var next = i + 1 < pattern.Length ? pattern[i + 1] : '\0';
                        if (next is '}' or '/')
                        {
                            continue;
                        }
                        if (next is not ('*' or '?' or '\\'))
                        {
                            throw new SyntaxError($"invalid pattern ({pattern}) in substitution: invalid escape '\\{(i + 1 < pattern.Length ? next.ToString() : "")}'");
                        }
                        re.Append('\\').Append(next);
                        i++;
                        continue;
                    }
                case '[' or ']' or '{' or '}' or '.' or '+' or '(' or ')' or '|' or '^' or '$':
                    re.Append('\\').Append(ch);
                    continue;
                default:
                    re.Append(Regex.Escape(ch.ToString()));
                    continue;
            }
        }
        return new Regex(re.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    private static string TrimPrefix(string pattern, string value, bool greedy)
    {
        var m = PatternToRegex(pattern, greedy, anchored: true).Match(value);
        return m.Success ? value[(m.Index + m.Length)..] : value;
    }

    private static string TrimSuffix(string pattern, string value, bool greedy)
    {
        // A regex finds the leftmost match only: reverse pattern and value to find the rightmost one.
        return Reverse(TrimPrefix(ReversePattern(pattern), Reverse(value), greedy));
    }

    private static string Reverse(string s)
    {
        var runes = s.EnumerateRunes().ToArray();
        Array.Reverse(runes);
        var b = new StringBuilder(s.Length);
        foreach (var r in runes)
        {
            b.Append(r.ToString());
        }
        return b.ToString();
    }

    /// <summary>Reverses a pattern keeping each escape before the character it escapes.</summary>
    private static string ReversePattern(string pattern)
    {
        var tokens = new List<string>();
        var runes = pattern.EnumerateRunes().Select(r => r.ToString()).ToList();
        for (var i = 0; i < runes.Count; i++)
        {
            if (runes[i] == "\\" && i + 1 < runes.Count)
            {
                tokens.Add(runes[i] + runes[i + 1]);
                i++;
            }
            else
            {
                tokens.Add(runes[i]);
            }
        }
        tokens.Reverse();
        return string.Concat(tokens);
    }
}
