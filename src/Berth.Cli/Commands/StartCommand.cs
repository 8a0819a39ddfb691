using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth start</c>: start each container (names echoed), or with -a/-i attach to one and exit with its status.</summary>
internal sealed class StartCommand : Command
{
    public override string Name => "start";

    public override string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public override string Summary => "Start one or more stopped containers";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("attach", 'a', "Attach STDOUT/STDERR and forward signals");
        flags.String("detach-keys", '\0', "Override the key sequence for detaching a container");
        flags.Bool("interactive", 'i', "Attach container's STDIN");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var attach = inv.Flags.GetBool("attach");
        var interactive = inv.Flags.GetBool("interactive");
        if (attach || interactive)
        {
            if (inv.Args.Count > 1)
            {
                throw new StatusException("you cannot start and attach multiple containers at once", 1);
            }
            string id;
            bool tty, openStdin, autoRemove;
            using (var doc = Requests.InspectContainer(ctx.Client, inv.Args[0]))
            {
                var root = doc.RootElement;
                id = root.GetProperty("Id").GetString()!;
                var config = root.GetProperty("Config");
                tty = config.TryGetProperty("Tty", out var t) && t.ValueKind == JsonValueKind.True;
                openStdin = config.TryGetProperty("OpenStdin", out var o) && o.ValueKind == JsonValueKind.True;
                autoRemove = root.TryGetProperty("HostConfig", out var hc) && hc.TryGetProperty("AutoRemove", out var ar) && ar.ValueKind == JsonValueKind.True;
            }
            var status = ContainerRunner.StartAttached(ctx, id, interactive && openStdin, true, true, tty, autoRemove, sigProxy: !tty, "start", inv.Flags.GetString("detach-keys"));
            return status == 0 ? 0 : throw new StatusException("", status);
        }
        var failed = new List<string>();
        foreach (var name in inv.Args)
        {
            try
            {
                ctx.Client.Call("POST", Requests.ContainerPath(name, "/start"));
                ctx.Io.WriteLine(name);
            }
            catch (DaemonException e)
            {
                ctx.Io.ErrorLine(e.Message);
                failed.Add(name);
            }
        }
        if (failed.Count > 0)
        {
            throw new StatusException("Error: failed to start containers: " + string.Join(", ", failed), 1);
        }
        return 0;
    }
}
