using System.Text.Json;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth attach</c>: the running container's streams on this terminal, as the docker CLI attaches.</summary>
internal sealed class AttachCommand : Command
{
    public override string Name => "attach";

    public override string Usage => "[OPTIONS] CONTAINER";

    public override string Summary => "Attach local standard input, output, and error streams to a running container";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("detach-keys", '\0', "Override the key sequence for detaching a container");
        flags.Bool("no-stdin", '\0', "Do not attach STDIN");
        flags.String("sig-proxy", '\0', "Proxy all received signals to the process", null, "true");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        string id;
        bool tty, openStdin, running, paused;
        using (var doc = Requests.InspectContainer(ctx.Client, inv.Args[0]))
        {
            var root = doc.RootElement;
            id = root.GetProperty("Id").GetString()!;
            var config = root.GetProperty("Config");
            tty = config.TryGetProperty("Tty", out var t) && t.ValueKind == JsonValueKind.True;
            openStdin = config.TryGetProperty("OpenStdin", out var o) && o.ValueKind == JsonValueKind.True;
            var state = root.GetProperty("State");
            running = state.GetProperty("Running").GetBoolean();
            paused = state.TryGetProperty("Paused", out var p) && p.ValueKind == JsonValueKind.True;
        }
        if (!running)
        {
            throw new StatusException("You cannot attach to a stopped container, start it first", 1);
        }
        if (paused)
        {
            throw new StatusException("You cannot attach to a paused container, unpause it first", 1);
        }
        var stdin = openStdin && !inv.Flags.GetBool("no-stdin");
        var sigProxy = inv.Flags.GetString("sig-proxy") != "false" && !tty;
        var status = ContainerRunner.Attach(ctx, id, stdin, tty, sigProxy, inv.Flags.GetString("detach-keys"));
        return status == 0 ? 0 : throw new StatusException("", status);
    }
}
