namespace Berth.Build.Dockerfile;

/// <summary>
/// One instruction of a Dockerfile as written: its line, its text as the legacy builder prints it in
/// <c>Step N/M : …</c> (continuation lines joined), and its arguments still unexpanded. The builder expands
/// variables when it dispatches the instruction, with the stage's environment and build args at that point,
/// the way Docker's dispatchers do.
/// </summary>
public abstract record Instruction
{
    /// <summary>1-based line of the instruction's first line.</summary>
    public int Line { get; init; }

    /// <summary>The instruction as written, continuation lines joined (Docker's <c>node.Original</c>).</summary>
    public string Original { get; init; } = "";

    /// <summary>The keyword in upper case: <c>RUN</c>, <c>COPY</c>, …</summary>
    public abstract string Keyword { get; }
}

/// <summary>A here-document attached to RUN, COPY or ADD (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>, <c>&lt;&lt;"EOF"</c>).</summary>
/// <param name="Name">The delimiter word (for COPY/ADD: the file name the content is copied as).</param>
/// <param name="Content">The lines between the instruction and the delimiter, each ending in a newline; with
/// <c>&lt;&lt;-</c> leading tabs already removed.</param>
/// <param name="Expand">False when the delimiter was quoted: no variable expansion in the content.</param>
public sealed record Heredoc(string Name, string Content, bool Expand);

/// <summary>A command in shell form (one string run by the stage's SHELL) or exec form (a JSON array).</summary>
/// <param name="Args">Exec form: the array; shell form: one element, the command line.</param>
/// <param name="PrependShell">True for the shell form.</param>
public sealed record CommandLine(IReadOnlyList<string> Args, bool PrependShell);

public sealed record KeyValue(string Key, string Value);

/// <summary><c>FROM [--platform=P] image [AS name]</c>.</summary>
public sealed record FromInstruction(string BaseName, string? StageName, string? Platform) : Instruction
{
    public override string Keyword => "FROM";
}

/// <summary><c>RUN</c>. <see cref="Flags"/> keeps BuildKit-only flags (<c>--mount</c>, <c>--network</c>,
/// <c>--security</c>) so the builder can refuse them clearly.</summary>
public sealed record RunInstruction(CommandLine Command, IReadOnlyList<Heredoc> Heredocs, IReadOnlyDictionary<string, string> Flags) : Instruction
{
    public override string Keyword => "RUN";
}

public sealed record CmdInstruction(CommandLine Command) : Instruction
{
    public override string Keyword => "CMD";
}

public sealed record EntrypointInstruction(CommandLine Command) : Instruction
{
    public override string Keyword => "ENTRYPOINT";
}

/// <summary><c>ENV k=v …</c> or the old <c>ENV k v</c>; values unexpanded.</summary>
public sealed record EnvInstruction(IReadOnlyList<KeyValue> Vars) : Instruction
{
    public override string Keyword => "ENV";
}

/// <summary><c>ARG name[=default] …</c>; <see cref="KeyValue.Value"/> null when no default.</summary>
public sealed record ArgInstruction(IReadOnlyList<ArgDeclaration> Args) : Instruction
{
    public override string Keyword => "ARG";
}

public sealed record ArgDeclaration(string Name, string? Default);

public sealed record LabelInstruction(IReadOnlyList<KeyValue> Labels) : Instruction
{
    public override string Keyword => "LABEL";
}

public sealed record MaintainerInstruction(string Maintainer) : Instruction
{
    public override string Keyword => "MAINTAINER";
}

public sealed record ExposeInstruction(IReadOnlyList<string> Ports) : Instruction
{
    public override string Keyword => "EXPOSE";
}

/// <summary>COPY and ADD: sources (unexpanded; heredoc names among them) and destination.</summary>
/// <param name="From">COPY <c>--from=stage|index|image</c>.</param>
/// <param name="Chown"><c>--chown=user[:group]</c>.</param>
/// <param name="Chmod"><c>--chmod=mode</c> (octal).</param>
/// <param name="Link"><c>--link</c>.</param>
/// <param name="Checksum">ADD <c>--checksum=sha256:…</c>.</param>
/// <param name="KeepGitDir">ADD <c>--keep-git-dir</c>.</param>
/// <param name="Exclude"><c>--exclude=pattern</c> (repeatable).</param>
/// <param name="Parents"><c>--parents</c>.</param>
public sealed record CopyInstruction(
    bool IsAdd,
    IReadOnlyList<string> Sources,
    string Dest,
    IReadOnlyList<Heredoc> Heredocs,
    string? From,
    string? Chown,
    string? Chmod,
    bool Link,
    string? Checksum,
    bool KeepGitDir,
    IReadOnlyList<string> Exclude,
    bool Parents) : Instruction
{
    public override string Keyword => IsAdd ? "ADD" : "COPY";

    /// <summary>ADD <c>--unpack[=bool]</c>; null when not given (archives from the context are unpacked, remote
    /// ones are not).</summary>
    public bool? Unpack { get; init; }
}

public sealed record WorkdirInstruction(string Path) : Instruction
{
    public override string Keyword => "WORKDIR";
}

public sealed record UserInstruction(string User) : Instruction
{
    public override string Keyword => "USER";
}

/// <summary><c>VOLUME /a /b</c> or <c>VOLUME ["/a", "/b"]</c>.</summary>
public sealed record VolumeInstruction(IReadOnlyList<string> Paths) : Instruction
{
    public override string Keyword => "VOLUME";
}

public sealed record StopSignalInstruction(string Signal) : Instruction
{
    public override string Keyword => "STOPSIGNAL";
}

/// <summary><c>HEALTHCHECK [opts] CMD …</c> or <c>HEALTHCHECK NONE</c> (Test = ["NONE"]). Durations in
/// nanoseconds, 0 when not given; Test as the image config stores it: <c>["CMD-SHELL", "…"]</c> or
/// <c>["CMD", …]</c>.</summary>
public sealed record HealthcheckInstruction(
    IReadOnlyList<string> Test,
    long Interval,
    long Timeout,
    long StartPeriod,
    long StartInterval,
    int Retries) : Instruction
{
    public override string Keyword => "HEALTHCHECK";
}

/// <summary><c>SHELL ["executable", "args"…]</c> (exec form only).</summary>
public sealed record ShellInstruction(IReadOnlyList<string> Shell) : Instruction
{
    public override string Keyword => "SHELL";
}

/// <summary><c>ONBUILD INSTRUCTION …</c>: <see cref="Expression"/> is the inner instruction's text as it goes into
/// the image config's OnBuild list (<c>RUN echo hi</c>); <see cref="Inner"/> the parsed inner instruction.</summary>
public sealed record OnbuildInstruction(string Expression, Instruction Inner) : Instruction
{
    public override string Keyword => "ONBUILD";
}

/// <summary>A <c>FROM</c> and the instructions up to the next one.</summary>
public sealed record Stage(FromInstruction From, IReadOnlyList<Instruction> Commands)
{
    /// <summary>The <c>AS</c> name, lower-cased as Docker compares them; null when unnamed.</summary>
    public string? Name => From.StageName;
}

/// <summary>A parsed Dockerfile: the <c>ARG</c>s before the first <c>FROM</c> and the stages.</summary>
public sealed record DockerfileAst(IReadOnlyList<ArgInstruction> MetaArgs, IReadOnlyList<Stage> Stages, char EscapeToken, string? Syntax);

/// <summary>A Dockerfile that cannot be parsed; the message is Docker's (<c>dockerfile parse error on line 3:
/// unknown instruction: FOO</c>).</summary>
public sealed class DockerfileException(string message, int line = 0) : Exception(message)
{
    public int Line { get; } = line;
}
