using Berth.Build.Dockerfile;

namespace Berth.Build.Tests;

/// <summary>The parser against Docker's rules, one instruction family at a time.</summary>
public sealed class DockerfileParserTests
{
    private static IReadOnlyList<Instruction> Commands(string body) =>
        DockerfileParser.Parse("FROM busybox\n" + body).Stages[0].Commands;

    private static T Single<T>(string body) where T : Instruction => Assert.IsType<T>(Assert.Single(Commands(body)));

    private static DockerfileException Error(string text) => Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(text));

    // ---- directives, comments, continuations ----

    [Fact]
    public void DirectivesAtTheTop()
    {
        var ast = DockerfileParser.Parse("# syntax=docker/dockerfile:1.7\n# escape=`\n# check=skip=all\nFROM a\nRUN echo `\n  hi\n");
        Assert.Equal('`', ast.EscapeToken);
        Assert.Equal("docker/dockerfile:1.7", ast.Syntax);
        var run = Assert.IsType<RunInstruction>(ast.Stages[0].Commands[0]);
        Assert.Equal(["echo   hi"], run.Command.Args);
        Assert.Equal(5, run.Line);
    }

    [Theory]
    [InlineData("# comment\n# escape=`\nFROM a\n")]
    [InlineData("\n# escape=`\nFROM a\n")]
    [InlineData("FROM a\n# escape=`\n")]
    public void DirectivesAfterAnythingElseAreComments(string text) => Assert.Equal('\\', DockerfileParser.Parse(text).EscapeToken);

    [Fact]
    public void DirectiveSpellingIsLoose()
    {
        var ast = DockerfileParser.Parse("#  ESCAPE =  `  \nFROM a\n");
        Assert.Equal('`', ast.EscapeToken);
        Assert.Null(ast.Syntax);
    }

    [Theory]
    [InlineData("# escape=x\nFROM a\n", "invalid escape token 'x' does not match ` or \\", 1)]
    [InlineData("# escape=`\n# escape=\\\nFROM a\n", "only one escape parser directive can be used", 2)]
    public void BadDirectives(string text, string message, int line)
    {
        var e = Error(text);
        Assert.Equal(message, e.Message);
        Assert.Equal(line, e.Line);
    }

    [Fact]
    public void ContinuationsJoinAsDockerDoes()
    {
        var run = Single<RunInstruction>("RUN a && \\\n    b\n");
        Assert.Equal("RUN a &&     b", run.Original);
        Assert.Equal(["a &&     b"], run.Command.Args);
        Assert.Equal(2, run.Line);
    }

    public static TheoryData<string, string, string> Continuations => new()
    {
        // row, RUN body, the command as joined
        { "no blank before the escape", "RUN echo hello\\\n  world\\\n  goodnight  \\\n  moon\\\n  light\\\nning", "echo hello  world  goodnight    moon  lightning" },
        { "blanks after the escape", "RUN echo hello  \\  \nworld", "echo hello  world" },
        { "escape-only lines", "RUN echo hi \\\n \\\n world \\\n\\\n good\\\n\\\nnight", "echo hi   world  goodnight" },
        { "comments and blank lines inside", "RUN echo hello \\\n# a comment\n\n   # indented comment\nworld", "echo hello world" },
        { "escaped escape ends the line", "RUN echo a\\\\\nRUN b", "echo a\\\\" },
        { "continued to the end of the file", "RUN something \\", "something" },
    };

    [Theory]
    [MemberData(nameof(Continuations))]
    public void ContinuationCases(string row, string body, string expected)
    {
        var run = Assert.IsType<RunInstruction>(Commands(body)[0]);
        Assert.True(expected == run.Command.Args[0], $"{row}: got '{run.Command.Args[0]}'");
    }

    [Fact]
    public void CommentsBlankLinesAndCase()
    {
        var ast = DockerfileParser.Parse("\uFEFF# hi\n\n   # indented\nfrom a\n\trun  echo #not a comment\r\nWorkDir /x\n");
        var cmds = ast.Stages[0].Commands;
        Assert.Equal(["echo #not a comment"], Assert.IsType<RunInstruction>(cmds[0]).Command.Args);
        Assert.Equal(5, cmds[0].Line);
        Assert.Equal("run  echo #not a comment", cmds[0].Original);
        Assert.Equal("/x", Assert.IsType<WorkdirInstruction>(cmds[1]).Path);
        Assert.Equal("WORKDIR", cmds[1].Keyword);
    }

    // ---- FROM and stages ----

    [Fact]
    public void FromStagesAndMetaArgs()
    {
        var ast = DockerfileParser.Parse("ARG VERSION=1.21 OTHER\nFROM --platform=$BUILDPLATFORM golang:${VERSION} AS Build\nRUN go build\nfrom scratch as final\nCOPY --from=build /out /\n");
        var meta = Assert.Single(ast.MetaArgs);
        Assert.Equal([new ArgDeclaration("VERSION", "1.21"), new ArgDeclaration("OTHER", null)], meta.Args);
        Assert.Equal(2, ast.Stages.Count);
        Assert.Equal(new FromInstruction("golang:${VERSION}", "build", "$BUILDPLATFORM"), ast.Stages[0].From with { Line = 0, Original = "" });
        Assert.Equal("build", ast.Stages[0].Name);
        Assert.Equal(2, ast.Stages[0].From.Line);
        Assert.Equal("final", ast.Stages[1].Name);
        Assert.Null(ast.Stages[1].From.Platform);
        Assert.Equal("build", Assert.IsType<CopyInstruction>(ast.Stages[1].Commands[0]).From);
    }

    [Fact]
    public void ArgAfterFromBelongsToTheStage()
    {
        var ast = DockerfileParser.Parse("FROM a\nARG X\n");
        Assert.Empty(ast.MetaArgs);
        Assert.IsType<ArgInstruction>(Assert.Single(ast.Stages[0].Commands));
    }

    // ---- errors with Docker's words ----

    public static TheoryData<string, string, string, int> Errors => new()
    {
        // row, Dockerfile, message, line
        { "unknown instruction", "FROM a\nRUN x\nBOGUS bar\n", "dockerfile parse error on line 3: unknown instruction: BOGUS", 3 },
        { "unknown instruction keeps its case", "FROM a\nbogus bar\n", "dockerfile parse error on line 2: unknown instruction: bogus", 2 },
        { "unknown instruction near one", "FROM a\nFOO bar\n", "dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)", 2 },
        { "misspelt instruction", "FROM a\nRUNN x\n", "dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)", 2 },
        { "misspelt lower case", "FROM a\ncopyy a b\n", "dockerfile parse error on line 2: unknown instruction: copyy (did you mean copy?)", 2 },
        { "empty file", "", "file with no instructions", 0 },
        { "comments only", "# a\n\n# b\n", "file with no instructions", 3 },
        { "instruction before FROM", "RUN x\nFROM a\n", "no build stage in current context", 1 },
        { "only ARGs", "ARG a\n", "dockerfile contains no stages to build", 1 },
        { "FROM without args", "FROM\n", "dockerfile parse error on line 1: FROM requires either one or three arguments", 1 },
        { "FROM with two args", "FROM a b\n", "dockerfile parse error on line 1: FROM requires either one or three arguments", 1 },
        { "FROM with a bad name", "FROM a AS 1st\n", "dockerfile parse error on line 1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols", 1 },
        { "FROM with a symbol in its name", "FROM a AS my$stage\n", "dockerfile parse error on line 1: invalid name for build stage: \"my$stage\", name can't start with a number or contain symbols", 1 },
        { "FROM with an unknown flag", "FROM --plaform=linux a\n", "dockerfile parse error on line 1: unknown flag: --plaform (did you mean platform?)", 1 },
        { "ENV without args", "FROM a\nENV\n", "dockerfile parse error on line 2: ENV requires at least one argument", 2 },
        { "ENV with a blank name", "FROM a\nENV =x\n", "dockerfile parse error on line 2: ENV names can not be blank", 2 },
        { "ENV old form without value", "FROM a\nENV x\n", "ENV must have two arguments", 2 },
        { "ENV missing =", "FROM a\nENV a=b c\n", "Syntax error - can't find = in \"c\". Must be of the form: name=value", 2 },
        { "LABEL without args", "FROM a\nLABEL\n", "dockerfile parse error on line 2: LABEL requires at least one argument", 2 },
        { "LABEL with a blank name", "FROM a\nLABEL =x\n", "dockerfile parse error on line 2: LABEL names can not be blank", 2 },
        { "ARG without args", "FROM a\nARG\n", "dockerfile parse error on line 2: ARG requires at least one argument", 2 },
        { "ARG with a blank name", "FROM a\nARG =x\n", "dockerfile parse error on line 2: ARG names can not be blank", 2 },
        { "MAINTAINER without args", "FROM a\nMAINTAINER\n", "dockerfile parse error on line 2: MAINTAINER requires exactly one argument", 2 },
        { "MAINTAINER unknown flag", "FROM a\nMAINTAINER --boo joe@example.com\n", "dockerfile parse error on line 2: unknown flag: --boo", 2 },
        { "WORKDIR without args", "FROM a\nWORKDIR\n", "dockerfile parse error on line 2: WORKDIR requires exactly one argument", 2 },
        { "USER without args", "FROM a\nUSER\n", "dockerfile parse error on line 2: USER requires exactly one argument", 2 },
        { "STOPSIGNAL without args", "FROM a\nSTOPSIGNAL\n", "dockerfile parse error on line 2: STOPSIGNAL requires exactly one argument", 2 },
        { "EXPOSE without args", "FROM a\nEXPOSE\n", "dockerfile parse error on line 2: EXPOSE requires at least one argument", 2 },
        { "VOLUME without args", "FROM a\nVOLUME\n", "dockerfile parse error on line 2: VOLUME requires at least one argument", 2 },
        { "VOLUME empty JSON", "FROM a\nVOLUME []\n", "dockerfile parse error on line 2: VOLUME requires at least one argument", 2 },
        { "VOLUME empty string", "FROM a\nVOLUME [\"/a\", \" \"]\n", "dockerfile parse error on line 2: VOLUME specified can not be an empty string", 2 },
        { "COPY one arg", "FROM a\nCOPY x\n", "dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined", 2 },
        { "ADD one arg", "FROM a\nADD x\n", "dockerfile parse error on line 2: ADD requires at least two arguments, but only one was provided. Destination could not be determined", 2 },
        { "COPY split over blank lines", "FROM a\nCOPY\t\n\t\tquux \\\n      bar\n", "dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined", 2 },
        { "COPY unknown flag", "FROM a\nCOPY --chmown=1 a b\n", "dockerfile parse error on line 2: unknown flag: --chmown (did you mean chown?)", 2 },
        { "COPY takes no checksum", "FROM a\nCOPY --checksum=sha256:x a b\n", "dockerfile parse error on line 2: unknown flag: --checksum", 2 },
        { "ADD takes no --from", "FROM a\nADD --from=x a b\n", "dockerfile parse error on line 2: unknown flag: --from", 2 },
        { "flag without value", "FROM a\nCOPY --from a b\n", "dockerfile parse error on line 2: missing a value on flag: --from", 2 },
        { "duplicate flag", "FROM a\nCOPY --from=a --from=b a b\n", "dockerfile parse error on line 2: duplicate flag specified: --from", 2 },
        { "bad boolean", "FROM a\nCOPY --link=yes a b\n", "dockerfile parse error on line 2: expecting boolean value for flag --link, not: yes", 2 },
        { "heredoc destination", "FROM a\nCOPY x <<EOF\nhi\nEOF\n", "dockerfile parse error on line 2: COPY cannot accept a heredoc as a destination", 2 },
        { "unterminated heredoc", "FROM a\nRUN <<EOF\necho hi\n", "unterminated heredoc", 2 },
        { "RUN unknown flag", "FROM a\nRUN --mnt=type=cache x\n", "dockerfile parse error on line 2: unknown flag: --mnt (did you mean mount?)", 2 },
        { "CMD with flags", "FROM a\nCMD --doit [\"a\"]\n", "dockerfile parse error on line 2: unknown flag: --doit", 2 },
        { "JSON with a number", "FROM a\nCMD [\"a\", 1]\n", "when using JSON array syntax, arrays must be comprised of strings only", 2 },
        { "SHELL in shell form", "FROM a\nSHELL powershell -command\n", "dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form", 2 },
        { "SHELL empty", "FROM a\nSHELL []\n", "dockerfile parse error on line 2: SHELL requires at least one argument", 2 },
        { "ONBUILD without args", "FROM a\nONBUILD\n", "dockerfile parse error on line 2: ONBUILD requires at least one argument", 2 },
        { "ONBUILD ONBUILD", "FROM a\nONBUILD ONBUILD RUN touch foobar\n", "dockerfile parse error on line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", 2 },
        { "ONBUILD FROM", "FROM a\nONBUILD FROM scratch\n", "dockerfile parse error on line 2: FROM isn't allowed as an ONBUILD trigger", 2 },
        { "ONBUILD MAINTAINER", "FROM a\nonbuild maintainer me\n", "dockerfile parse error on line 2: MAINTAINER isn't allowed as an ONBUILD trigger", 2 },
        { "HEALTHCHECK without args", "FROM a\nHEALTHCHECK\n", "dockerfile parse error on line 2: HEALTHCHECK requires at least one argument", 2 },
        { "HEALTHCHECK CMD alone", "FROM a\nHEALTHCHECK CMD\n", "dockerfile parse error on line 2: Missing command after HEALTHCHECK CMD", 2 },
        { "HEALTHCHECK NONE with args", "FROM a\nHEALTHCHECK NONE x\n", "dockerfile parse error on line 2: HEALTHCHECK NONE takes no arguments", 2 },
        { "HEALTHCHECK other type", "FROM a\nHEALTHCHECK CONNECT TCP 7000\n", "dockerfile parse error on line 2: Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)", 2 },
        { "HEALTHCHECK tiny interval", "FROM a\nHEALTHCHECK --interval=50ns CMD x\n", "dockerfile parse error on line 2: Interval \"interval\" cannot be less than 1ms", 2 },
        { "HEALTHCHECK duration without unit", "FROM a\nHEALTHCHECK --timeout=30 CMD x\n", "dockerfile parse error on line 2: time: missing unit in duration \"30\"", 2 },
        { "HEALTHCHECK bad duration", "FROM a\nHEALTHCHECK --timeout=abc CMD x\n", "dockerfile parse error on line 2: time: invalid duration \"abc\"", 2 },
        { "HEALTHCHECK duration past decimal's range (fuzz)", "FROM a\nHEALTHCHECK --start-interval=1111111111111111111111111h CMD x\n", "dockerfile parse error on line 2: time: invalid duration \"1111111111111111111111111h\"", 2 },
        { "HEALTHCHECK unknown unit", "FROM a\nHEALTHCHECK --start-period=3d CMD x\n", "dockerfile parse error on line 2: time: unknown unit \"d\" in duration \"3d\"", 2 },
        { "HEALTHCHECK negative retries", "FROM a\nHEALTHCHECK --retries=-1 CMD x\n", "dockerfile parse error on line 2: --retries cannot be negative (-1)", 2 },
        { "HEALTHCHECK bad retries", "FROM a\nHEALTHCHECK --retries=x CMD x\n", "dockerfile parse error on line 2: strconv.ParseInt: parsing \"x\": invalid syntax", 2 },
        { "HEALTHCHECK unknown flag", "FROM a\nHEALTHCHECK --intervl=1s CMD x\n", "dockerfile parse error on line 2: unknown flag: --intervl (did you mean interval?)", 2 },
        { "line too long", "FROM a\nRUN " + new string('x', 70_000) + "\n", "dockerfile line greater than max allowed size of 65535", 2 },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void ErrorsAsDocker(string row, string text, string message, int line)
    {
        var e = Error(text);
        Assert.True(message == e.Message, $"{row}: got '{e.Message}'");
        Assert.True(line == e.Line, $"{row}: line {e.Line}");
    }

    [Fact]
    public void TooLargeIsRefused()
    {
        var e = Error("FROM a\n" + new string('#', DockerfileParser.MaxBytes));
        Assert.Contains("larger than", e.Message, StringComparison.Ordinal);
    }

    // ---- exec and shell forms ----

    public static TheoryData<string, string, string[], bool> Forms => new()
    {
        // row, instruction, args, shell form
        { "shell form", "RUN apt-get update && apt-get install -y x", ["apt-get update && apt-get install -y x"], true },
        { "exec form", "RUN [\"echo\", \"hi\"]", ["echo", "hi"], false },
        { "exec form with blanks", "CMD\t[\t\"a\",\t\"b\"\t]\t", ["a", "b"], false },
        { "empty exec form", "CMD []", [], false },
        { "one empty string", "CMD [\"\"]", [""], false },
        { "JSON escapes", "CMD [\"\\\" \\\\ \\/ \\n \\u0041\"]", ["\" \\ / \n A"], false },
        { "single quotes are not JSON", "CMD ['a', 'b']", ["['a', 'b']"], true },
        { "unterminated bracket is shell", "CMD [\"a\"", ["[\"a\""], true },
        { "JSON inside a string is shell", "CMD \"[\\\"a\\\"]\"", ["\"[\\\"a\\\"]\""], true },
        { "trailing text is shell", "ENTRYPOINT [\"a\"] b", ["[\"a\"] b"], true },
        { "exec entrypoint", "ENTRYPOINT [\"/docker-entrypoint.sh\"]", ["/docker-entrypoint.sh"], false },
        { "empty CMD", "CMD", [], true },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void ExecAndShellForms(string row, string line, string[] args, bool shell)
    {
        var command = Commands(line)[0] switch
        {
            RunInstruction r => r.Command,
            CmdInstruction c => c.Command,
            EntrypointInstruction e => e.Command,
            var other => throw new InvalidOperationException(other.Keyword),
        };
        Assert.True(args.SequenceEqual(command.Args), $"{row}: got [{string.Join("|", command.Args)}]");
        Assert.Equal(shell, command.PrependShell);
    }

    [Fact]
    public void Shell()
    {
        Assert.Equal(["powershell", "-command"], Single<ShellInstruction>("SHELL [\"powershell\", \"-command\"]").Shell);
    }

    // ---- ENV, LABEL, ARG ----

    public static TheoryData<string, string, string[]> Envs => new()
    {
        // row, ENV arguments, key=value pairs as stored (quotes kept for the expansion at dispatch)
        { "old form", "name value", ["name=value"] },
        { "old form, value with blanks", "SCUBA 1 DUBA 3", ["SCUBA=1 DUBA 3"] },
        { "old form keeps quotes", "SCUBA \"1 DUBA 3\"", ["SCUBA=\"1 DUBA 3\""] },
        { "new form", "name=value", ["name=value"] },
        { "several", "name=value name2=value2", ["name=value", "name2=value2"] },
        { "quoted value", "name=\"value value1\"", ["name=\"value value1\""] },
        { "escaped blank", "name=value\\ value2", ["name=value\\ value2"] },
        { "mixed quotes", "name='value\"double quote\"value2'", ["name='value\"double quote\"value2'"] },
        { "empty value", "name= other=\"\"", ["name=", "other=\"\""] },
        { "value with =", "opts=a=b", ["opts=a=b"] },
    };

    [Theory]
    [MemberData(nameof(Envs))]
    public void Env(string row, string args, string[] expected)
    {
        var env = Single<EnvInstruction>("ENV " + args);
        Assert.True(expected.SequenceEqual(env.Vars.Select(v => v.Key + "=" + v.Value)), row);
    }

    [Fact]
    public void EnvOverContinuationLines()
    {
        var env = Single<EnvInstruction>("ENV name=value \\\n    name1=value1 \\\n    name2=\"value2a \\\n           value2b\" \\\n    name3=\"v\\n\\\"q\\\"\"\n");
        Assert.Equal(["name", "name1", "name2", "name3"], env.Vars.Select(v => v.Key));
        Assert.Equal("\"value2a            value2b\"", env.Vars[2].Value);
        Assert.Equal("\"v\\n\\\"q\\\"\"", env.Vars[3].Value);
    }

    [Fact]
    public void Label()
    {
        var label = Single<LabelInstruction>("LABEL org.opencontainers.image.title=\"My app\" version=1.0 \"with space\"=x");
        Assert.Equal(
            [new KeyValue("org.opencontainers.image.title", "\"My app\""), new KeyValue("version", "1.0"), new KeyValue("\"with space\"", "x")],
            label.Labels);
        var old = Single<LabelInstruction>("LABEL maintainer James Turnbull \"james@example.com\"");
        Assert.Equal([new KeyValue("maintainer", "James Turnbull \"james@example.com\"")], old.Labels);
    }

    [Fact]
    public void Arg()
    {
        var arg = Single<ArgInstruction>("ARG a=b c d= e=\"x y\"");
        Assert.Equal([new("a", "b"), new("c", null), new("d", ""), new("e", "\"x y\"")], arg.Args);
    }

    // ---- the simple ones ----

    [Fact]
    public void SimpleInstructions()
    {
        var cmds = Commands("MAINTAINER Jane Doe <jane@example.com>\nEXPOSE 9000 5000/udp 80\nWORKDIR /go/src/app\nUSER docker:root\nSTOPSIGNAL SIGQUIT\nVOLUME /a /b\nVOLUME [\"/c d\"]\n");
        Assert.Equal("Jane Doe <jane@example.com>", Assert.IsType<MaintainerInstruction>(cmds[0]).Maintainer);
        // compat(docker): EXPOSE's ports are sorted.
        Assert.Equal(["5000/udp", "80", "9000"], Assert.IsType<ExposeInstruction>(cmds[1]).Ports);
        Assert.Equal("/go/src/app", Assert.IsType<WorkdirInstruction>(cmds[2]).Path);
        Assert.Equal("docker:root", Assert.IsType<UserInstruction>(cmds[3]).User);
        Assert.Equal("SIGQUIT", Assert.IsType<StopSignalInstruction>(cmds[4]).Signal);
        Assert.Equal(["/a", "/b"], Assert.IsType<VolumeInstruction>(cmds[5]).Paths);
        Assert.Equal(["/c d"], Assert.IsType<VolumeInstruction>(cmds[6]).Paths);
    }

    // ---- COPY and ADD ----

    [Fact]
    public void CopyFlags()
    {
        var copy = Single<CopyInstruction>("COPY --from=builder --chown=app:app --chmod=0755 --link --exclude=*.md --exclude=tmp/ --parents a b /dest/");
        Assert.False(copy.IsAdd);
        Assert.Equal("COPY", copy.Keyword);
        Assert.Equal(["a", "b"], copy.Sources);
        Assert.Equal("/dest/", copy.Dest);
        Assert.Equal("builder", copy.From);
        Assert.Equal("app:app", copy.Chown);
        Assert.Equal("0755", copy.Chmod);
        Assert.True(copy.Link);
        Assert.True(copy.Parents);
        Assert.Equal(["*.md", "tmp/"], copy.Exclude);
        Assert.Empty(copy.Heredocs);
    }

    [Fact]
    public void AddFlags()
    {
        var add = Single<CopyInstruction>("ADD --checksum=sha256:abc --keep-git-dir=true --link=false --unpack=false https://x/y.tar.gz /src/");
        Assert.True(add.IsAdd);
        Assert.Equal("ADD", add.Keyword);
        Assert.Equal("sha256:abc", add.Checksum);
        Assert.True(add.KeepGitDir);
        Assert.False(add.Link);
        Assert.False(add.Unpack);
        Assert.Null(add.From);
        Assert.Null(Single<CopyInstruction>("ADD a b").Unpack);
    }

    [Fact]
    public void CopyForms()
    {
        var json = Single<CopyInstruction>("COPY [\"a file\", \"/dest dir/\"]");
        Assert.Equal(["a file"], json.Sources);
        Assert.Equal("/dest dir/", json.Dest);
        var flagsEnd = Single<CopyInstruction>("COPY -- --weird /d");
        Assert.Equal(["--weird"], flagsEnd.Sources);
        var quoted = Single<CopyInstruction>("COPY --from=\"x y\" a b");
        Assert.Equal("x y", quoted.From);
        var notFlag = Single<CopyInstruction>("COPY \"--from=x\" a b");
        Assert.Null(notFlag.From);
        Assert.Equal(["\"--from=x\"", "a"], notFlag.Sources);
    }

    // ---- RUN flags ----

    [Fact]
    public void RunKeepsBuildKitFlags()
    {
        var run = Single<RunInstruction>("RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=x --network=none --security=insecure pip install x");
        Assert.Equal("type=cache,target=/root/.cache\ntype=secret,id=x", run.Flags["mount"]);
        Assert.Equal("none", run.Flags["network"]);
        Assert.Equal("insecure", run.Flags["security"]);
        Assert.Equal(["pip install x"], run.Command.Args);
        Assert.Empty(Single<RunInstruction>("RUN x").Flags);
    }

    // ---- HEALTHCHECK ----

    [Fact]
    public void Healthchecks()
    {
        var cmds = Commands(
            "HEALTHCHECK --interval=5s --timeout=3s --retries=3 \\\n  CMD /app/check.sh --quiet\n" +
            "HEALTHCHECK --timeout=1m30s --start-period=500ms --start-interval=1.5s CMD [\"curl\", \"-f\", \"http://localhost/\"]\n" +
            "healthcheck none\n" +
            "HEALTHCHECK   cmd   a b\n" +
            "HEALTHCHECK --interval=0s CMD x\n");
        var h = Assert.IsType<HealthcheckInstruction>(cmds[0]);
        Assert.Equal(["CMD-SHELL", "/app/check.sh --quiet"], h.Test);
        Assert.Equal(5_000_000_000, h.Interval);
        Assert.Equal(3_000_000_000, h.Timeout);
        Assert.Equal(3, h.Retries);
        h = Assert.IsType<HealthcheckInstruction>(cmds[1]);
        Assert.Equal(["CMD", "curl", "-f", "http://localhost/"], h.Test);
        Assert.Equal(90_000_000_000, h.Timeout);
        Assert.Equal(500_000_000, h.StartPeriod);
        Assert.Equal(1_500_000_000, h.StartInterval);
        Assert.Equal(0, h.Interval);
        Assert.Equal(["NONE"], Assert.IsType<HealthcheckInstruction>(cmds[2]).Test);
        Assert.Equal(["CMD-SHELL", "a b"], Assert.IsType<HealthcheckInstruction>(cmds[3]).Test);
        Assert.Equal(0, Assert.IsType<HealthcheckInstruction>(cmds[4]).Interval);
    }

    // ---- ONBUILD ----

    [Fact]
    public void Onbuild()
    {
        var cmds = Commands("ONBUILD RUN [\"echo\", \"test\"]\nonbuild  copy --chown=1 . /app\nONBUILD RUN <<EOF\necho hi\nEOF\n");
        var exec = Assert.IsType<OnbuildInstruction>(cmds[0]);
        Assert.Equal("RUN [\"echo\", \"test\"]", exec.Expression);
        Assert.Equal(["echo", "test"], Assert.IsType<RunInstruction>(exec.Inner).Command.Args);
        Assert.Equal(2, exec.Inner.Line);
        var copy = Assert.IsType<OnbuildInstruction>(cmds[1]);
        Assert.Equal("copy --chown=1 . /app", copy.Expression);
        Assert.Equal("1", Assert.IsType<CopyInstruction>(copy.Inner).Chown);
        var heredoc = Assert.IsType<OnbuildInstruction>(cmds[2]);
        Assert.Equal("RUN <<EOF\necho hi\nEOF", heredoc.Expression);
        Assert.Equal("echo hi\n", Assert.Single(Assert.IsType<RunInstruction>(heredoc.Inner).Heredocs).Content);
    }

    // ---- heredocs ----

    [Fact]
    public void RunHeredoc()
    {
        var cmds = Commands("RUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nRUN echo after\n");
        var run = Assert.IsType<RunInstruction>(cmds[0]);
        Assert.Equal(["<<EOF"], run.Command.Args);
        Assert.True(run.Command.PrependShell);
        Assert.Equal(new Heredoc("EOF", "apt-get update\napt-get install -y curl\n", true), Assert.Single(run.Heredocs));
        Assert.Equal("RUN <<EOF", run.Original);
        Assert.Equal(6, cmds[1].Line);
    }

    public static TheoryData<string, string, string, string, bool> Heredocs => new()
    {
        // row, RUN line and body, name, content, expand
        { "<<- strips leading tabs", "RUN <<-EOT\n\tbaz\n\t\tquux\n\tEOT\n", "EOT", "baz\nquux\n", true },
        { "<< keeps tabs", "RUN <<EOT\n\tfoo\nEOT\n", "EOT", "\tfoo\n", true },
        { "double-quoted delimiter", "RUN <<\"EOT\"\n$HOME\nEOT\n", "EOT", "$HOME\n", false },
        { "single-quoted delimiter", "RUN <<-'EOT'\n\tdon't expand $NAME\nEOT\n", "EOT", "don't expand $NAME\n", false },
        { "partly quoted delimiter", "RUN <<E\"O\"T\nx\nEOT\n", "EOT", "x\n", false },
        { "blank after <<", "RUN cat << EOT\nx\nEOT\n", "EOT", "x\n", true },
        { "empty heredoc", "RUN <<EMPTY\nEMPTY\n", "EMPTY", "", true },
        { "file descriptor", "RUN 3<<FD\nx\nFD\n", "FD", "x\n", true },
        { "comments are content", "RUN <<C\n# internal\necho hi # trailing\nC\n", "C", "# internal\necho hi # trailing\n", true },
        { "after flags", "RUN --mount=type=cache,target=/foo <<M\necho hello\nM\n", "M", "echo hello\n", true },
        { "CRLF content kept", "RUN <<E\r\nx\r\nE\r\n", "E", "x\r\n", true },
    };

    [Theory]
    [MemberData(nameof(Heredocs))]
    public void HeredocCases(string row, string body, string name, string content, bool expand)
    {
        var run = Assert.IsType<RunInstruction>(Commands(body)[0]);
        var doc = Assert.Single(run.Heredocs);
        Assert.True(new Heredoc(name, content, expand) == doc, $"{row}: got {doc}");
    }

    [Fact]
    public void NotHeredocs()
    {
        Assert.Empty(Single<RunInstruction>("RUN \"<<NOHEREDOC\"").Heredocs);
        Assert.Empty(Single<RunInstruction>("RUN [\"cat\", \"<<EOF\"]").Heredocs);
        Assert.Empty(Single<RunInstruction>("RUN echo a<b").Heredocs);
        // USER takes no heredoc: the next line is an instruction of its own (here an unknown one).
        var e = Error("FROM a\nUSER <<INVALID\nINVALID\n");
        Assert.Equal("dockerfile parse error on line 3: unknown instruction: INVALID", e.Message);
    }

    [Fact]
    public void HeredocAsStdinKeepsTheCommandLine()
    {
        var run = Single<RunInstruction>("RUN python3 <<EOF\nprint('hi')\nEOF");
        Assert.Equal(["python3 <<EOF"], run.Command.Args);
        Assert.Equal("print('hi')\n", Assert.Single(run.Heredocs).Content);
    }

    [Fact]
    public void SeveralHeredocs()
    {
        var run = Single<RunInstruction>("RUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\n");
        Assert.Equal(["FILE1", "FILE2"], run.Heredocs.Select(h => h.Name));
        Assert.Equal("I am\nsecond\n", run.Heredocs[1].Content);
    }

    [Fact]
    public void CopyHeredocs()
    {
        var cmds = Commands("COPY <<FILE1 <<-FILE2 /dest/\ncontent 1\nFILE1\n\tcontent 2\n\tFILE2\nCOPY --chmod=755 <<'EOF' /run.sh\n#!/bin/sh\necho $HOME\nEOF\n");
        var copy = Assert.IsType<CopyInstruction>(cmds[0]);
        Assert.Equal(["FILE1", "FILE2"], copy.Sources);
        Assert.Equal("/dest/", copy.Dest);
        Assert.Equal([new Heredoc("FILE1", "content 1\n", true), new Heredoc("FILE2", "content 2\n", true)], copy.Heredocs);
        var script = Assert.IsType<CopyInstruction>(cmds[1]);
        Assert.Equal(new Heredoc("EOF", "#!/bin/sh\necho $HOME\n", false), Assert.Single(script.Heredocs));
        Assert.Equal("755", script.Chmod);
        Assert.Equal(7, script.Line);
    }

    [Fact]
    public void HeredocTerminatorInsideAnother()
    {
        // The second delimiter inside the first heredoc is content.
        var copy = Single<CopyInstruction>("COPY <<X <<Y /dest\nY\nX\nX\nY\n");
        Assert.Equal("Y\n", copy.Heredocs[0].Content);
        Assert.Equal("X\n", copy.Heredocs[1].Content);
    }

    // ---- escape directive ----

    [Fact]
    public void BacktickEscapeKeepsBackslashes()
    {
        var ast = DockerfileParser.Parse("# escape=`\n\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nENV GOPATH `\n\\go\nWORKDIR C:\\app\nRUN dir c:\\ `\n    && echo done\n");
        var cmds = ast.Stages[0].Commands;
        Assert.Equal([new KeyValue("GOPATH", "\\go")], Assert.IsType<EnvInstruction>(cmds[0]).Vars);
        Assert.Equal("C:\\app", Assert.IsType<WorkdirInstruction>(cmds[1]).Path);
        Assert.Equal(["dir c:\\     && echo done"], Assert.IsType<RunInstruction>(cmds[2]).Command.Args);
    }

    [Fact]
    public void TrailingEscapedBackslashes()
    {
        var cmds = Commands("ENV C trailing\\\\backslash\\\\\nENV D not appended\nENV E hello\\\n\\\nworld\nENV G hello \\\n\\\nworld\n");
        Assert.Equal("trailing\\\\backslash\\\\", Assert.IsType<EnvInstruction>(cmds[0]).Vars[0].Value);
        Assert.Equal("not appended", Assert.IsType<EnvInstruction>(cmds[1]).Vars[0].Value);
        Assert.Equal("helloworld", Assert.IsType<EnvInstruction>(cmds[2]).Vars[0].Value);
        Assert.Equal("hello world", Assert.IsType<EnvInstruction>(cmds[3]).Vars[0].Value);
    }
}
