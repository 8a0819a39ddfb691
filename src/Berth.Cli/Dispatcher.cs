using System.Text;
using Berth.Cli.Commands;
using Berth.Cli.Flags;

namespace Berth.Cli;

/// <summary>
/// Reads the global flags (<c>-H</c>, <c>-v</c>), finds the command (plus docker's <c>container</c>/<c>image</c>
/// management aliases and the <c>network</c> and <c>volume</c> commands), parses its flags and runs it.
/// </summary>
internal static class Dispatcher
{
    public const string DefaultHost = "unix:///run/berth/berth.sock";

    private static Command? TopLevel(string name) => name switch
    {
        "version" => new VersionCommand(),
        "info" => new InfoCommand(),
        "run" => new RunCommand(),
        "create" => new CreateCommand(),
        "start" => new StartCommand(),
        "exec" => new ExecCommand(),
        "attach" => new AttachCommand(),
        "ps" => new PsCommand("ps"),
        "logs" => new LogsCommand(),
        "inspect" => new InspectCommand(InspectKind.Any),
        "wait" => new WaitCommand(),
        "stop" => new StopCommand(),
        "kill" => new KillCommand(),
        "rm" => new RmCommand(),
        "images" => new ImagesCommand("images"),
        "build" => new BuildCommand(),
        "commit" => new CommitCommand(),
        "history" => new HistoryCommand(),
        "import" => new ImportCommand(),
        "save" => new SaveCommand(),
        "load" => new LoadCommand(),
        "pull" => new PullCommand(),
        "push" => new PushCommand(),
        "login" => new LoginCommand(),
        "logout" => new LogoutCommand(),
        "tag" => new TagCommand(),
        "rmi" => new RmiCommand("rmi"),
        "top" => new TopCommand(),
        "stats" => new StatsCommand(),
        "pause" => new PauseCommand(pause: true),
        "unpause" => new PauseCommand(pause: false),
        "rename" => new RenameCommand(),
        "update" => new UpdateCommand(),
        "cp" => new CpCommand(),
        "diff" => new DiffCommand(),
        "export" => new ExportCommand(),
        "events" => new EventsCommand(),
        "port" => new PortCommand(),
        _ => null,
    };

    private static Command? ContainerSub(string name) => name switch
    {
        "ls" or "ps" or "list" => new PsCommand("ls"),
        "run" => new RunCommand(),
        "create" => new CreateCommand(),
        "start" => new StartCommand(),
        "exec" => new ExecCommand(),
        "attach" => new AttachCommand(),
        "stop" => new StopCommand(),
        "kill" => new KillCommand(),
        "rm" or "remove" => new RmCommand(),
        "inspect" => new InspectCommand(InspectKind.Container),
        "logs" => new LogsCommand(),
        "wait" => new WaitCommand(),
        "top" => new TopCommand(),
        "stats" => new StatsCommand(),
        "pause" => new PauseCommand(pause: true),
        "unpause" => new PauseCommand(pause: false),
        "rename" => new RenameCommand(),
        "update" => new UpdateCommand(),
        "cp" => new CpCommand(),
        "diff" => new DiffCommand(),
        "export" => new ExportCommand(),
        "port" => new PortCommand(),
        "commit" => new CommitCommand(),
        "prune" => new ContainerPruneCommand(),
        _ => null,
    };

    private static Command? ImageSub(string name) => name switch
    {
        "ls" or "list" => new ImagesCommand("ls"),
        "rm" or "remove" or "rmi" => new RmiCommand("rm"),
        "tag" => new TagCommand(),
        "save" => new SaveCommand(),
        "load" => new LoadCommand(),
        "pull" => new PullCommand(),
        "push" => new PushCommand(),
        "import" => new ImportCommand(),
        "inspect" => new InspectCommand(InspectKind.Image),
        "bootstrap" => new BootstrapCommand(),
        "build" => new BuildCommand(),
        "history" => new HistoryCommand(),
        "prune" => new ImagePruneCommand(),
        _ => null,
    };

    /// <summary>The management groups beside network, container and image: name, summary, subcommands.</summary>
    private static readonly Dictionary<string, (string Summary, string[] Commands)> Groups = new(StringComparer.Ordinal)
    {
        ["builder"] = ("Manage builds", ["build", "prune"]),
        ["registry"] = ("Serve an OCI registry", ["gc", "serve"]),
        ["system"] = ("Manage Berth", ["df", "prune"]),
    };

    private static Command? GroupSub(string group, string name) => (group, name) switch
    {
        ("builder", "build") => new BuildCommand(),
        ("builder", "prune") => new BuilderPruneCommand(),
        ("registry", "gc") => new RegistryGcCommand(),
        ("registry", "serve") => new RegistryServeCommand(),
        ("system", "df") => new SystemDfCommand(),
        ("system", "prune") => new SystemPruneCommand(),
        _ => null,
    };

    private static readonly string[] NetworkCommands = ["connect", "create", "disconnect", "inspect", "ls", "prune", "rm"];

    private static Command? NetworkSub(string name) => name switch
    {
        "connect" => new NetworkConnectCommand(),
        "create" => new NetworkCreateCommand(),
        "disconnect" => new NetworkDisconnectCommand(),
        "inspect" => new InspectCommand(InspectKind.Network),
        "ls" or "list" => new NetworkLsCommand(),
        "prune" => new NetworkPruneCommand(),
        "rm" or "remove" => new NetworkRmCommand(),
        _ => null,
    };

    private static readonly string[] VolumeCommands = ["create", "inspect", "ls", "prune", "rm"];

    private static Command? VolumeSub(string name) => name switch
    {
        "create" => new VolumeCreateCommand(),
        "inspect" => new InspectCommand(InspectKind.Volume),
        "ls" or "list" => new VolumeLsCommand(),
        "prune" => new VolumePruneCommand(),
        "rm" or "remove" => new VolumeRmCommand(),
        _ => null,
    };

    public static int Run(IReadOnlyList<string> args, ConsoleStreams io, Func<string, string?> getEnv)
    {
        var global = new FlagSet(interspersed: false);
        global.List("host", 'H', "Daemon socket to connect to");
        global.Bool("version", 'v', "Print version information and quit");
        global.Bool("debug", 'D', "Enable debug mode");
        global.String("log-level", 'l', "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\")", null, "info");
        global.String("config", '\0', "Location of client config files");
        global.String("context", 'c', "Name of the context to use to connect to the daemon");
        List<string> rest;
        try
        {
            rest = global.Parse(args);
        }
        catch (UsageException e)
        {
            throw new StatusException($"{e.Message}\n\nUsage:  berth [OPTIONS] COMMAND\n\nRun 'berth --help' for more information", 125);
        }
        if (global.GetBool("version"))
        {
            io.WriteLine("Berth version " + BerthInfo.Version);
            return 0;
        }
        if (rest.Count == 0 || global.HelpRequested || rest[0] == "help")
        {
            io.Write(TopHelp(global));
            return 0;
        }
        var host = global.GetList("host") is { Count: > 0 } hosts ? hosts[^1] : getEnv("DOCKER_HOST") is { Length: > 0 } env ? env : DefaultHost;
        if (!host.StartsWith("unix://", StringComparison.Ordinal) || host.Length <= "unix://".Length)
        {
            throw new StatusException($"berth: unsupported daemon address {host}: only unix:// sockets are supported", 1);
        }

        var name = rest[0];
        var path = "berth " + name;
        var cmdArgs = rest.Skip(1).ToList();
        Command? command;
        if (name is "network" or "volume")
        {
            var help = name == "network" ? NetworkHelp() : VolumeHelp();
            if (cmdArgs.Count == 0)
            {
                // compat(docker): without a subcommand the help is shown on stderr, and that is no error.
                io.Err.Write(Encoding.UTF8.GetBytes(help));
                return 0;
            }
            if (cmdArgs[0] is "--help" or "-h")
            {
                io.Write(help);
                return 0;
            }
            command = (name == "network" ? NetworkSub(cmdArgs[0]) : VolumeSub(cmdArgs[0])) ??
                throw new StatusException($"berth: unknown command: berth {name} {cmdArgs[0]}\n\nUsage:  berth {name}\n\nRun 'berth {name} --help' for more information", 1);
            path = $"berth {name} {command.Name}";
            cmdArgs.RemoveAt(0);
        }
        else if (Groups.ContainsKey(name))
        {
            if (cmdArgs.Count == 0 || cmdArgs[0] is "--help" or "-h")
            {
                io.Write(GroupHelp(name));
                return 0;
            }
            command = GroupSub(name, cmdArgs[0]) ??
                throw new StatusException($"berth: unknown command: berth {name} {cmdArgs[0]}\n\nUsage:  berth {name} COMMAND\n\nRun 'berth {name} --help' for more information", 1);
            path = $"berth {name} {command.Name}";
            cmdArgs.RemoveAt(0);
        }
        else if (name is "container" or "image")
        {
            if (cmdArgs.Count == 0 || cmdArgs[0] is "--help" or "-h")
            {
                io.Write(ManagementHelp(name));
                return 0;
            }
            var sub = cmdArgs[0];
            command = name == "container" ? ContainerSub(sub) : ImageSub(sub);
            if (command is null)
            {
                throw new StatusException($"berth: unknown command: berth {name} {sub}\n\nUsage:  berth {name} COMMAND\n\nRun 'berth {name} --help' for more information", 1);
            }
            path = $"berth {name} {command.Name}";
            cmdArgs.RemoveAt(0);
        }
        else
        {
            command = TopLevel(name);
            if (command is null)
            {
                // compat(docker): the classic wording and exit status for an unknown command.
                throw new StatusException($"berth: '{name}' is not a berth command.\nSee 'berth --help'", 1);
            }
        }

        var useLine = $"{path} {command.Usage}";
        var flags = new FlagSet(command.Interspersed);
        command.DefineFlags(flags);
        List<string> positionals;
        try
        {
            positionals = flags.Parse(cmdArgs);
        }
        catch (UsageException e)
        {
            throw new StatusException($"{e.Message}\n\nUsage:  {useLine}\n\nRun '{path} --help' for more information", 125);
        }
        if (flags.HelpRequested)
        {
            io.Write($"\nUsage:  {useLine}\n\n{command.Summary}\n\nOptions:\n{flags.Describe()}");
            return 0;
        }
        if (command.Args.Check(positionals.Count, path, useLine) is { } argError)
        {
            throw new StatusException(argError, 1);
        }
        var ctx = new CommandContext(io, host, getEnv);
        try
        {
            return command.Run(ctx, new Invocation(path, useLine, flags, positionals));
        }
        finally
        {
            ctx.Dispose();
        }
    }

    private static string TopHelp(FlagSet global)
    {
        var sb = new StringBuilder();
        sb.Append("\nUsage:  berth [OPTIONS] COMMAND\n\nBerth: a Docker-compatible container engine\n\nCommon Commands:\n");
        (string, string)[] common =
        [
            ("run", "Create and run a new container from an image"), ("exec", "Execute a command in a running container"),
            ("ps", "List containers"), ("build", "Build an image from a Dockerfile"), ("images", "List images"),
            ("version", "Show the Berth version information"), ("info", "Display system-wide information"),
        ];
        (string, string)[] management = [("builder", "Manage builds"), ("container", "Manage containers"), ("image", "Manage images"), ("network", "Manage networks"), ("registry", "Serve an OCI registry"), ("system", "Manage Berth"), ("volume", "Manage volumes")];
        (string, string)[] commands =
        [
            ("attach", "Attach local standard input, output, and error streams to a running container"),
            ("commit", "Create a new image from a container's changes"),
            ("cp", "Copy files/folders between a container and the local filesystem"),
            ("create", "Create a new container"), ("diff", "Inspect changes to files or directories on a container's filesystem"),
            ("events", "Get real time events from the server"),
            ("export", "Export a container's filesystem as a tar archive"),
            ("history", "Show the history of an image"), ("import", "Import the contents from a tarball to create a filesystem image"),
            ("inspect", "Return low-level information on Docker objects"), ("kill", "Kill one or more running containers"),
            ("load", "Load an image from a tar archive or STDIN"), ("logs", "Fetch the logs of a container"),
            ("login", "Authenticate to a registry"), ("logout", "Log out from a registry"),
            ("pause", "Pause all processes within one or more containers"),
            ("port", "List port mappings or a specific mapping for the container"),
            ("pull", "Download an image from a registry"), ("push", "Upload an image to a registry"), ("rename", "Rename a container"),
            ("rm", "Remove one or more containers"), ("rmi", "Remove one or more images"),
            ("save", "Save one or more images to a tar archive (streamed to STDOUT by default)"),
            ("start", "Start one or more stopped containers"),
            ("stats", "Display a live stream of container(s) resource usage statistics"), ("stop", "Stop one or more running containers"),
            ("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"), ("top", "Display the running processes of a container"),
            ("unpause", "Unpause all processes within one or more containers"), ("update", "Update configuration of one or more containers"),
            ("wait", "Block until one or more containers stop, then print their exit codes"),
        ];
        foreach (var (n, d) in common)
        {
            sb.Append("  ").Append(n.PadRight(11)).Append(d).Append('\n');
        }
        sb.Append("\nManagement Commands:\n");
        foreach (var (n, d) in management)
        {
            sb.Append("  ").Append(n.PadRight(11)).Append(d).Append('\n');
        }
        sb.Append("\nCommands:\n");
        foreach (var (n, d) in commands)
        {
            sb.Append("  ").Append(n.PadRight(11)).Append(d).Append('\n');
        }
        sb.Append("\nGlobal Options:\n").Append(global.Describe());
        sb.Append("\nRun 'berth COMMAND --help' for more information on a command.\n");
        return sb.ToString();
    }

    /// <summary>The <c>network</c> command list, from the subcommands' own summaries.</summary>
    private static string NetworkHelp()
    {
        var sb = new StringBuilder("\nUsage:  berth network COMMAND\n\nManage networks\n\nCommands:\n");
        foreach (var n in NetworkCommands)
        {
            sb.Append("  ").Append(n.PadRight(12)).Append(NetworkSub(n)!.Summary).Append('\n');
        }
        return sb.Append("\nRun 'berth network COMMAND --help' for more information on a command.\n").ToString();
    }

    /// <summary>The <c>volume</c> command list, from the subcommands' own summaries.</summary>
    private static string VolumeHelp()
    {
        var sb = new StringBuilder("\nUsage:  berth volume COMMAND\n\nManage volumes\n\nCommands:\n");
        foreach (var n in VolumeCommands)
        {
            sb.Append("  ").Append(n.PadRight(12)).Append(VolumeSub(n)!.Summary).Append('\n');
        }
        return sb.Append("\nRun 'berth volume COMMAND --help' for more information on a command.\n").ToString();
    }

    /// <summary>A group's command list, from the subcommands' own summaries.</summary>
    private static string GroupHelp(string group)
    {
        var (summary, commands) = Groups[group];
        var sb = new StringBuilder($"\nUsage:  berth {group} COMMAND\n\n{summary}\n\nCommands:\n");
        foreach (var n in commands)
        {
            sb.Append("  ").Append(n.PadRight(12)).Append(GroupSub(group, n)!.Summary).Append('\n');
        }
        return sb.Append($"\nRun 'berth {group} COMMAND --help' for more information on a command.\n").ToString();
    }

    private static string ManagementHelp(string name) => name == "container"
        ? "\nUsage:  berth container COMMAND\n\nManage containers\n\nCommands:\n  attach      Attach local standard input, output, and error streams to a running container\n  commit      Create a new image from a container's changes\n  cp          Copy files/folders between a container and the local filesystem\n  create      Create a new container\n  diff        Inspect changes to files or directories on a container's filesystem\n  exec        Execute a command in a running container\n  export      Export a container's filesystem as a tar archive\n  inspect     Display detailed information on one or more containers\n  kill        Kill one or more running containers\n  logs        Fetch the logs of a container\n  ls          List containers\n  pause       Pause all processes within one or more containers\n  port        List port mappings or a specific mapping for the container\n  prune       Remove all stopped containers\n  rename      Rename a container\n  rm          Remove one or more containers\n  run         Create and run a new container from an image\n  start       Start one or more stopped containers\n  stats       Display a live stream of container(s) resource usage statistics\n  stop        Stop one or more running containers\n  top         Display the running processes of a container\n  unpause     Unpause all processes within one or more containers\n  update      Update configuration of one or more containers\n  wait        Block until one or more containers stop, then print their exit codes\n\nRun 'berth container COMMAND --help' for more information on a command.\n"
        : "\nUsage:  berth image COMMAND\n\nManage images\n\nCommands:\n  bootstrap   Build a base image (busybox, hello-world, debian) on this machine\n  build       Build an image from a Dockerfile\n  history     Show the history of an image\n  import      Import the contents from a tarball to create a filesystem image\n  inspect     Display detailed information on one or more images\n  load        Load an image from a tar archive or STDIN\n  ls          List images\n  prune       Remove unused images\n  rm          Remove one or more images\n  save        Save one or more images to a tar archive (streamed to STDOUT by default)\n  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n\nRun 'berth image COMMAND --help' for more information on a command.\n";
}
