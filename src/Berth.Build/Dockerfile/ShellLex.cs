namespace Berth.Build.Dockerfile;

/// <summary>
/// Docker's shell-word processing for Dockerfile arguments (<c>shell.Lex</c>): quotes, the escape token,
/// <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-word}</c>, <c>${VAR-word}</c>, <c>${VAR:+word}</c>, <c>${VAR+word}</c>,
/// <c>${VAR:?msg}</c>, <c>${VAR?msg}</c>.
/// </summary>
public sealed class ShellLex(char escapeToken = '\\')
{
    public char EscapeToken { get; } = escapeToken;

    /// <summary>Expands one word (quotes removed), as for ENV values, WORKDIR, USER, COPY sources.</summary>
    public string ProcessWord(string word, IReadOnlyDictionary<string, string> env) => throw new NotImplementedException();

    /// <summary>Expands and splits on unquoted whitespace, as for EXPOSE, VOLUME and COPY/ADD in shell form.</summary>
    public IReadOnlyList<string> ProcessWords(string word, IReadOnlyDictionary<string, string> env) => throw new NotImplementedException();
}
