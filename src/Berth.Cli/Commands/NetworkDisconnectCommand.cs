using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth network disconnect</c>: <c>POST /networks/{id}/disconnect</c> <c>{"Container":...,"Force":...}</c>.</summary>
internal sealed class NetworkDisconnectCommand : Command
{
    public override string Name => "disconnect";

    public override string Usage => "[OPTIONS] NETWORK CONTAINER";

    public override string Summary => "Disconnect a container from a network";

    public override ArgRule Args => ArgRule.Exactly(2);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("force", 'f', "Force the container to disconnect from a network");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var path = Requests.NetworkPath(inv.Args[0], "/disconnect");
        var container = NetworkConnectCommand.ContainerReference(inv.Args[1]);
        var body = new GoJsonWriter().BeginObject().String("Container", container).Bool("Force", inv.Flags.GetBool("force")).EndObject().ToBody();
        ctx.Client.Call("POST", path, json: body);
        return 0;
    }
}
