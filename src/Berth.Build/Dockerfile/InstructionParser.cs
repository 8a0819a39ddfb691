using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Berth.Build.Dockerfile;

/// <summary>
/// The second half of Docker's parsing (<c>instructions.ParseInstruction</c>): each node becomes a typed
/// instruction, its flags and argument counts checked with Docker's messages (thrown as
/// <see cref="InstructionError"/>).
/// </summary>
internal static partial class InstructionParser
{
    private static readonly string[] Keywords =
    [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
        "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ];

    public static Instruction Parse(SyntaxNode node) => Parse(node, node.Heredocs);

    private static Instruction Parse(SyntaxNode node, IReadOnlyList<ParsedHeredoc> heredocs)
    {
        var flags = new BuilderFlags(node.Flags);
        var args = node.Args;
        Instruction instruction = node.Keyword.ToLowerInvariant() switch
        {
            "env" => new EnvInstruction(KeyValues(args, "ENV", flags)),
            "label" => new LabelInstruction(KeyValues(args, "LABEL", flags)),
            "maintainer" => new MaintainerInstruction(ExactlyOne(args, "MAINTAINER", flags)),
            "workdir" => new WorkdirInstruction(ExactlyOne(args, "WORKDIR", flags)),
            "user" => new UserInstruction(ExactlyOne(args, "USER", flags)),
            // compat(docker): STOPSIGNAL never checks its flags.
            "stopsignal" => new StopSignalInstruction(ExactlyOne(args, "STOPSIGNAL", null)),
            "add" => ParseCopy(node, heredocs, flags, isAdd: true),
            "copy" => ParseCopy(node, heredocs, flags, isAdd: false),
            "from" => ParseFrom(args, flags),
            "onbuild" => ParseOnbuild(node, flags),
            "run" => ParseRun(node, heredocs, flags),
            "cmd" => new CmdInstruction(ParseCommandLine(node, flags)),
            "entrypoint" => new EntrypointInstruction(ParseCommandLine(node, flags)),
            "healthcheck" => ParseHealthcheck(node, flags),
            "expose" => ParseExpose(args, flags),
            "volume" => ParseVolume(args, flags),
            "arg" => ParseArg(args, flags),
            "shell" => ParseShell(node, flags),
            _ => throw new InstructionError(Suggest.Wrap($"unknown instruction: {node.Keyword}", node.Keyword, Keywords, caseSensitive: false)),
        };
        return instruction with { Line = node.StartLine, Original = GoText.TrimSpace(node.Original) };
    }

    private static List<KeyValue> KeyValues(IReadOnlyList<string> args, string keyword, BuilderFlags flags)
    {
        flags.Parse();
        if (args.Count == 0)
        {
            throw AtLeastOne(keyword);
        }
        if (args.Count % 3 != 0)
        {
            throw new InstructionError($"Bad input to {keyword}, too many arguments");
        }
        var result = new List<KeyValue>();
        for (var i = 0; i < args.Count; i += 3)
        {
            if (args[i].Length == 0)
            {
                throw new InstructionError($"{keyword} names can not be blank");
            }
            result.Add(new KeyValue(args[i], args[i + 1]));
        }
        return result;
    }

    private static string ExactlyOne(IReadOnlyList<string> args, string keyword, BuilderFlags? flags)
    {
        if (args.Count != 1)
        {
            throw new InstructionError($"{keyword} requires exactly one argument");
        }
        flags?.Parse();
        return args[0];
    }

    private static InstructionError AtLeastOne(string keyword) => new($"{keyword} requires at least one argument");

    private static CopyInstruction ParseCopy(SyntaxNode node, IReadOnlyList<ParsedHeredoc> heredocs, BuilderFlags flags, bool isAdd)
    {
        var keyword = isAdd ? "ADD" : "COPY";
        var args = node.Args;
        if (args.Count < 2)
        {
            throw new InstructionError($"{keyword} requires at least two arguments, but only one was provided. Destination could not be determined");
        }
        flags.AddString("chown");
        flags.AddString("chmod");
        flags.AddBool("link");
        flags.AddStrings("exclude");
        if (isAdd)
        {
            flags.AddBool("keep-git-dir");
            flags.AddString("checksum");
            flags.AddBool("unpack");
        }
        else
        {
            flags.AddString("from");
            flags.AddBool("parents");
        }
        flags.Parse();

        var dest = args[^1];
        if (MustParseHeredoc(dest) is not null)
        {
            throw new InstructionError($"{keyword} cannot accept a heredoc as a destination");
        }
        var sources = new List<string>();
        var contents = new List<Heredoc>();
        foreach (var src in args.Take(args.Count - 1))
        {
            if (MustParseHeredoc(src) is { } word)
            {
                // The word names the heredoc; its content was collected under that name by the line parser.
                var found = heredocs.FirstOrDefault(h => h.Name == word.Name);
                var content = found?.Content ?? "";
                if (word.Chomp)
                {
                    content = Chomp(content);
                }
                contents.Add(new Heredoc(word.Name, content, word.Expand));
                sources.Add(word.Name);
            }
            else
            {
                sources.Add(src);
            }
        }
        return new CopyInstruction(
            IsAdd: isAdd,
            Sources: sources,
            Dest: dest,
            Heredocs: contents,
            From: isAdd ? null : flags.String("from"),
            Chown: flags.String("chown"),
            Chmod: flags.String("chmod"),
            Link: flags.Bool("link"),
            Checksum: isAdd ? flags.String("checksum") : null,
            KeepGitDir: isAdd && flags.Bool("keep-git-dir"),
            Exclude: flags.Strings("exclude"),
            Parents: !isAdd && flags.Bool("parents"))
        {
            Unpack = isAdd && flags.IsUsed("unpack") ? flags.Bool("unpack") : null,
        };
    }

    private static ParsedHeredoc? MustParseHeredoc(string word)
    {
        try
        {
            return LineParser.ParseHeredoc(word);
        }
        catch (Exception e) when (e is DockerfileException or DockerfileSyntaxError)
        {
            return null;
        }
    }

    /// <summary>What <c>&lt;&lt;-</c> means: leading tabs removed from every line.</summary>
    private static string Chomp(string content) => LeadingTabs().Replace(content, "");

    private static FromInstruction ParseFrom(IReadOnlyList<string> args, BuilderFlags flags)
    {
        string? stageName = null;
        if (args.Count == 3 && args[1].Equals("as", StringComparison.OrdinalIgnoreCase))
        {
            stageName = args[2].ToLowerInvariant();
            if (!StageName().IsMatch(stageName))
            {
                throw new InstructionError($"invalid name for build stage: {GoText.Quote(args[2])}, name can't start with a number or contain symbols");
            }
        }
        else if (args.Count != 1)
        {
            throw new InstructionError("FROM requires either one or three arguments");
        }
        flags.AddString("platform");
        flags.Parse();
        var platform = flags.String("platform");
        return new FromInstruction(args[0], stageName, string.IsNullOrEmpty(platform) ? null : platform);
    }

    private static OnbuildInstruction ParseOnbuild(SyntaxNode node, BuilderFlags flags)
    {
        if (node.Child is null)
        {
            throw AtLeastOne("ONBUILD");
        }
        flags.Parse();
        var trigger = GoText.TrimSpace(node.Child.Keyword).ToUpperInvariant();
        switch (trigger)
        {
            case "ONBUILD":
                throw new InstructionError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER" or "FROM":
                throw new InstructionError($"{trigger} isn't allowed as an ONBUILD trigger");
        }
        var expression = new StringBuilder(OnbuildPrefix().Replace(node.Original, ""));
        foreach (var heredoc in node.Heredocs)
        {
            expression.Append('\n').Append(heredoc.Content).Append(heredoc.Name);
        }
        // The trigger is checked now, though Docker only does at the child build: a typo should fail early.
        node.Child.StartLine = node.StartLine;
        node.Child.EndLine = node.EndLine;
        var inner = Parse(node.Child, node.Heredocs);
        return new OnbuildInstruction(expression.ToString(), inner);
    }

    private static RunInstruction ParseRun(SyntaxNode node, IReadOnlyList<ParsedHeredoc> heredocs, BuilderFlags flags)
    {
        // BuildKit-only flags: kept so the builder can say which one it does not support.
        flags.AddStrings("mount");
        flags.AddString("network");
        flags.AddString("security");
        flags.AddStrings("device");
        flags.Parse();
        var used = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in flags.Used)
        {
            used[name] = string.Join('\n', flags.Strings(name));
        }
        var docs = heredocs.Select(h => new Heredoc(h.Name, h.Chomp ? Chomp(h.Content) : h.Content, h.Expand)).ToList();
        return new RunInstruction(CommandLineOf(node), docs, used);
    }

    private static CommandLine ParseCommandLine(SyntaxNode node, BuilderFlags flags)
    {
        flags.Parse();
        return CommandLineOf(node);
    }

    /// <summary>Docker's <c>handleJSONArgs</c>: exec form as is, shell form as one string.</summary>
    private static CommandLine CommandLineOf(SyntaxNode node) => new(JoinArgs(node.Args, node.IsJson), !node.IsJson);

    private static List<string> JoinArgs(IReadOnlyList<string> args, bool json) =>
        args.Count == 0 ? [] : json ? [.. args] : [string.Join(' ', args)];

    private static HealthcheckInstruction ParseHealthcheck(SyntaxNode node, BuilderFlags flags)
    {
        if (node.Args.Count == 0)
        {
            throw AtLeastOne("HEALTHCHECK");
        }
        var type = node.Args[0].ToUpperInvariant();
        var rest = node.Args.Skip(1).ToList();
        if (type == "NONE")
        {
            if (rest.Count != 0)
            {
                throw new InstructionError("HEALTHCHECK NONE takes no arguments");
            }
            return new HealthcheckInstruction(["NONE"], 0, 0, 0, 0, 0);
        }
        flags.AddString("interval");
        flags.AddString("timeout");
        flags.AddString("start-period");
        flags.AddString("start-interval");
        flags.AddString("retries");
        flags.Parse();
        if (type != "CMD")
        {
            throw new InstructionError($"Unknown type {GoText.Quote(type)} in HEALTHCHECK (try CMD)");
        }
        var cmd = JoinArgs(rest, node.IsJson);
        if (cmd.Count == 0)
        {
            throw new InstructionError("Missing command after HEALTHCHECK CMD");
        }
        cmd.Insert(0, node.IsJson ? "CMD" : "CMD-SHELL");
        var interval = Interval(flags, "interval");
        var timeout = Interval(flags, "timeout");
        var startPeriod = Interval(flags, "start-period");
        var startInterval = Interval(flags, "start-interval");
        var retries = 0;
        if (flags.String("retries") is { Length: > 0 } r)
        {
            retries = ParseInt32(r);
            if (retries < 0)
            {
                throw new InstructionError($"--retries cannot be negative ({retries})");
            }
        }
        return new HealthcheckInstruction(cmd, interval, timeout, startPeriod, startInterval, retries);
    }

    /// <summary>A duration flag in nanoseconds: 0 when absent or zero, else at least 1ms.</summary>
    private static long Interval(BuilderFlags flags, string name)
    {
        var s = flags.String(name);
        if (string.IsNullOrEmpty(s))
        {
            return 0;
        }
        var ns = GoDurationNs.Parse(s);
        if (ns == 0)
        {
            return 0;
        }
        if (ns < 1_000_000)
        {
            throw new InstructionError($"Interval {GoText.Quote(name)} cannot be less than 1ms");
        }
        return ns;
    }

    /// <summary>Go's <c>strconv.ParseInt(s, 10, 32)</c> with its messages.</summary>
    private static int ParseInt32(string s)
    {
        var digits = s.Length > 0 && s[0] is '+' or '-' ? s[1..] : s;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            throw new InstructionError($"strconv.ParseInt: parsing {GoText.Quote(s)}: invalid syntax");
        }
        if (!int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new InstructionError($"strconv.ParseInt: parsing {GoText.Quote(s)}: value out of range");
        }
        return value;
    }

    private static ExposeInstruction ParseExpose(IReadOnlyList<string> args, BuilderFlags flags)
    {
        if (args.Count == 0)
        {
            throw AtLeastOne("EXPOSE");
        }
        flags.Parse();
        // compat(docker): the ports are sorted (as strings).
        var ports = args.ToList();
        ports.Sort(StringComparer.Ordinal);
        return new ExposeInstruction(ports);
    }

    private static VolumeInstruction ParseVolume(IReadOnlyList<string> args, BuilderFlags flags)
    {
        if (args.Count == 0)
        {
            throw AtLeastOne("VOLUME");
        }
        flags.Parse();
        var paths = new List<string>();
        foreach (var arg in args)
        {
            var v = GoText.TrimSpace(arg);
            if (v.Length == 0)
            {
                throw new InstructionError("VOLUME specified can not be an empty string");
            }
            paths.Add(v);
        }
        return new VolumeInstruction(paths);
    }

    private static ArgInstruction ParseArg(IReadOnlyList<string> args, BuilderFlags flags)
    {
        if (args.Count == 0)
        {
            throw AtLeastOne("ARG");
        }
        // compat(docker): ARG's flags are never checked either.
        _ = flags;
        var result = new List<ArgDeclaration>();
        foreach (var arg in args)
        {
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                result.Add(new ArgDeclaration(arg, null));
                continue;
            }
            if (eq == 0)
            {
                throw new InstructionError("ARG names can not be blank");
            }
            result.Add(new ArgDeclaration(arg[..eq], arg[(eq + 1)..]));
        }
        return new ArgInstruction(result);
    }

    private static ShellInstruction ParseShell(SyntaxNode node, BuilderFlags flags)
    {
        flags.Parse();
        var shell = JoinArgs(node.Args, node.IsJson);
        if (shell.Count == 0)
        {
            throw AtLeastOne("SHELL");
        }
        if (!node.IsJson)
        {
            throw new InstructionError("SHELL requires the arguments to be in JSON form");
        }
        return new ShellInstruction(shell);
    }

    [GeneratedRegex("^[a-z][a-z0-9_.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex StageName();

    [GeneratedRegex(@"(?i)^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*", RegexOptions.CultureInvariant)]
    private static partial Regex OnbuildPrefix();

    [GeneratedRegex("(?m)^\t+", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingTabs();
}
