using Berth.Build.Dockerfile;

namespace Berth.Build.Tests;

/// <summary>Docker's shell-word rules (the cases of BuildKit's envVarTest and wordsTest, in our words).</summary>
public sealed class ShellLexTests
{
    private static readonly Dictionary<string, string> Env = new()
    {
        ["PWD"] = "/home",
        ["SHELL"] = "bash",
        ["KOREAN"] = "한국어",
        ["NULL"] = "",
        ["FILE"] = "archive.tar.gz",
        ["PATHS"] = "/usr/local/bin:/usr/bin:/bin",
        ["SPACED"] = "abc  def",
        ["LEADING"] = "  ab c",
    };

    public static TheoryData<string, string, string?> Words => new()
    {
        // row, input, expected (null: an error)
        { "plain", "hello", "hello" },
        { "single quotes removed", "he'll'o", "hello" },
        { "unterminated single quote", "he'llo", null },
        { "escaped quote", "he\\'llo", "he'llo" },
        { "escaped escape then quote", "he\\\\'llo", null },
        { "escape outside quotes eats itself", "abc\\tdef", "abctdef" },
        { "escape in double quotes kept before other chars", "\"abc\\tdef\"", "abc\\tdef" },
        { "escaped escape in double quotes", "\"abc\\\\tdef\"", "abc\\tdef" },
        { "escape in single quotes literal", "'abc\\tdef'", "abc\\tdef" },
        { "escape at the end dropped", "hello\\", "hello" },
        { "escaped escape at the end", "hello\\\\", "hello\\" },
        { "unterminated double quote", "\"hello", null },
        { "escaped closing double quote", "\"hello\\\"", null },
        { "single quote inside double", "\"hel'lo\"", "hel'lo" },
        { "single quotes cannot escape", "'hello\\'", "hello\\" },
        { "empty single quotes inside double", "\"''\"", "''" },
        { "dollar before a non-name", "$.", "$." },
        { "dollar at the end", "a$", "a$" },
        { "positional parameter is empty", "he$1x", "hex" },
        { "many digits are one positional", "$999aaa", "aaa" },
        { "special parameter is empty", "$@aaa", "aaa" },
        { "special parameter once", "$@@@", "@@" },
        { "variable", "he$PWD", "he/home" },
        { "unset variable", "he$pwd.", "he." },
        { "escaped dollar", "he\\$PWD", "he$PWD" },
        { "escaped escape then variable", "he\\\\$PWD", "he\\/home" },
        { "escaped dollar in double quotes", "\"he\\$PWD\"", "he$PWD" },
        { "escaped escape in double quotes then variable", "\"he\\\\$PWD\"", "he\\/home" },
        { "escaped braces", "\\${}aaa", "${}aaa" },
        { "empty braces", "${}", null },
        { "empty braces after text", "he${}xx", null },
        { "braces", "he${PWD}", "he/home" },
        { "braces unset", "he${hi}xx", "hexx" },
        { "bad name", "he${.}", null },
        { "missing brace", "he${PWD", null },
        { "double open brace", "${{aaa}", null },
        { "extra closing brace is literal", "${aaa}}", "}" },
        { "colon first", "${:}", null },
        { "colon dash without name", "${:-bbb}", null },
        { ":- unset", "he${XXX:-000}xx", "he000xx" },
        { ":- set", "he${PWD:-000}xx", "he/homexx" },
        { ":- nested variable", "he${XXX:-$PWD}xx", "he/homexx" },
        { ":- nested braces", "he${XXX:-${PWD:-yyy}}xx", "he/homexx" },
        { ":- nested default", "he${XXX:-${YYY:-yyy}}xx", "heyyyxx" },
        { ":- empty counts as unset", "${NULL:-d}", "d" },
        { "- empty counts as set", "${NULL-d}", "" },
        { "- unset", "${XXX-d}", "d" },
        { ":- missing brace", "${aaa:-bbb", null },
        { ":- nested missing brace", "${aaa:-bbb ${foo}", null },
        { ":- braces in the word", "${aaa:-bbb {foo}", "bbb {foo" },
        { ":- extra brace", "${aaa:-bbb}}", "bbb}" },
        { ":- escaped dollar in the word", "he${XXX:-\\$PWD:}xx", "he$PWD:xx" },
        { ":- escaped braces in the word", "he${XXX:-\\${PWD}z}xx", "he${PWDz}xx" },
        { ":+ unset", "he${XXX:+000}xx", "hexx" },
        { ":+ set", "he${PWD:+000}xx", "he000xx" },
        { ":+ nested", "he${PWD:+${SHELL}}xx", "hebashxx" },
        { ":+ nested unset", "he${PWD:+${XXX}}xx", "hexx" },
        { ":+ with colon", "he${PWD:+${PWD}:}xx", "he/home:xx" },
        { ":+ empty is unset", "${NULL:+w}", "" },
        { "+ empty is set", "${NULL+w}", "w" },
        { "? set", "he${PWD?}", "he/home" },
        { "? empty", "he${NULL?}", "he" },
        { "? unset", "he${XXX?}", null },
        { ":? set", "he${PWD:?}", "he/home" },
        { ":? empty", "he${NULL:?}", null },
        { ":? unset", "he${XXX:?}", null },
        { "unknown modifier", "he${XXX:YYY}", null },
        { "assignment is not supported", "he${PWD:=000}xx", null },
        { "positional default", "${1:-bbb}", "bbb" },
        { "special default", "${#:-bbb}aaa", "bbbaaa" },
        { "single quotes keep variables", "'he${XX}'", "he${XX}" },
        { "double quotes expand", "\"he'$PWD'\"", "he'/home'" },
        { "double quotes inside single", "'\"hello\"'", "\"hello\"" },
        { "unicode", "안'녕'하세요", "안녕하세요" },
        { "unicode variable", "안녕$KOREAN", "안녕한국어" },
        { "# shortest prefix", "${FILE#*.}", "tar.gz" },
        { "## longest prefix", "${FILE##*.}", "gz" },
        { "% shortest suffix", "${FILE%.*}", "archive.tar" },
        { "%% longest suffix", "${FILE%%.*}", "archive" },
        { "# no match", "${FILE#x*}", "archive.tar.gz" },
        { "# literal pattern", "${PATHS#/usr/local/bin:}", "/usr/bin:/bin" },
        { "% escaped star", "${FILE%\\*}", "archive.tar.gz" },
        { ":# not supported", "${FILE:#a}", null },
        { "/ first", "${PATHS/bin/sbin}", "/usr/local/sbin:/usr/bin:/bin" },
        { "// all", "${PATHS//bin/sbin}", "/usr/local/sbin:/usr/sbin:/sbin" },
        { "/ with ?", "${FILE/t?r/zip}", "archive.zip.gz" },
        { "/ unset", "${XXX/a/b}", "" },
        { "/ missing slash", "${FILE/a", null },
        { "/ missing brace", "${FILE/a/b", null },
        { "heredoc marker kept", "cat <<EOF", "cat <<EOF" },
    };

    [Theory]
    [MemberData(nameof(Words))]
    public void ProcessWord(string row, string input, string? expected)
    {
        var lex = new ShellLex();
        if (expected is null)
        {
            Assert.Throws<DockerfileException>(() => lex.ProcessWord(input, Env));
        }
        else
        {
            Assert.True(expected == lex.ProcessWord(input, Env), $"{row}: got {lex.ProcessWord(input, Env)}");
        }
    }

    public static TheoryData<string, string, string[]?> Split => new()
    {
        // row, input, expected words (null: an error)
        { "one word", "hello", ["hello"] },
        { "blanks split", "hello there     ", ["hello", "there"] },
        { "variable inside a word", "hello${SPACED}bye", ["helloabc", "defbye"] },
        { "quoted variable", "hello\"${SPACED}\"bye", ["helloabc  defbye"] },
        { "quoted variable after a blank", "hello \"${SPACED}\"bye", ["hello", "abc  defbye"] },
        { "leading blanks of a value split", "hello${LEADING}def", ["hello", "ab", "cdef"] },
        { "quoted leading blanks kept", "hello\"${LEADING}\" def", ["hello  ab c", "def"] },
        { "quoted blanks", "hello\" there  \"", ["hello there  "] },
        { "escaped blank", "hello\\ there", ["hello there"] },
        { "unterminated quote", "hello\" there", null },
        { "escaped quote", "hello\\\" there", ["hello\"", "there"] },
        { "escaped escape in double quotes", "hello\"\\\\there\"", ["hello\\there"] },
        { "escape kept before others in double quotes", "hello\"\\there\"", ["hello\\there"] },
        { "single quotes literal", "hello'\\\\there'", ["hello\\\\there"] },
        { "single quotes keep dollar", "hello'$there'", ["hello$there"] },
        { "empty quotes are no word", "a '' b", ["a", "b"] },
        { "heredoc with a blank stays one word", "cat << EOF", ["cat", "<< EOF"] },
    };

    [Theory]
    [MemberData(nameof(Split))]
    public void ProcessWords(string row, string input, string[]? expected)
    {
        var lex = new ShellLex();
        if (expected is null)
        {
            Assert.Throws<DockerfileException>(() => lex.ProcessWords(input, Env));
        }
        else
        {
            var got = lex.ProcessWords(input, Env);
            Assert.True(expected.SequenceEqual(got), $"{row}: got [{string.Join("|", got)}]");
        }
    }

    [Theory]
    [InlineData("${VAR:?message here$ARG}", "plain", "plain")]
    [InlineData("${VAR:?message here$ARG}", "", "failed to process \"${VAR:?message here$ARG}\": VAR: message herex")]
    [InlineData("${VAR:?message here$ARG}", null, "failed to process \"${VAR:?message here$ARG}\": VAR: message herex")]
    [InlineData("${VAR?message here$ARG}", "", "")]
    [InlineData("${VAR?message here$ARG}", null, "failed to process \"${VAR?message here$ARG}\": VAR: message herex")]
    [InlineData("${VAR?}", null, "failed to process \"${VAR?}\": VAR: is not allowed to be unset")]
    [InlineData("${VAR:?}", "", "failed to process \"${VAR:?}\": VAR: is not allowed to be empty")]
    [InlineData("${VAR:=x}", "", "failed to process \"${VAR:=x}\": unsupported modifier (:=) in substitution")]
    [InlineData("${}", "", "failed to process \"${}\": syntax error: bad substitution")]
    [InlineData("${VAR", "", "failed to process \"${VAR\": syntax error: missing '}'")]
    [InlineData("'a", "", "failed to process \"'a\": unexpected end of statement while looking for matching single-quote")]
    public void MandatoryVariablesAndMessages(string word, string? value, string expected)
    {
        var env = new Dictionary<string, string> { ["ARG"] = "x" };
        if (value is not null)
        {
            env["VAR"] = value;
        }
        var lex = new ShellLex();
        string result;
        try
        {
            result = lex.ProcessWord(word, env);
        }
        catch (DockerfileException e)
        {
            result = e.Message;
        }
        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData("C:`Windows`System32", "C:WindowsSystem32")]
    [InlineData("C:\\Windows\\System32", "C:\\Windows\\System32")]
    [InlineData("`$PWD", "$PWD")]
    [InlineData("\"a`\"b\"", "a\"b")]
    public void BacktickEscape(string input, string expected)
    {
        Assert.Equal(expected, new ShellLex('`').ProcessWord(input, Env));
    }
}
