using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth rename OLD NEW</c>: <c>POST /containers/{id}/rename?name=NEW</c>.</summary>
internal sealed class RenameCommand : Command
{
    public override string Name => "rename";

    public override string Usage => "CONTAINER NEW_NAME";

    public override string Summary => "Rename a container";

    public override ArgRule Args => ArgRule.Exactly(2);

    public override void DefineFlags(FlagSet flags)
    {
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var oldName = inv.Args[0].Trim();
        var newName = inv.Args[1].Trim();
        if (oldName.Length == 0 || newName.Length == 0)
        {
            throw new StatusException("Error: Neither old nor new names may be empty", 1);
        }
        var query = new GoQuery();
        query.Add("name", newName);
        try
        {
            ctx.Client.Call("POST", Requests.ContainerPath(oldName, "/rename"), query);
        }
        catch (DaemonException e)
        {
            // compat(docker): the daemon's error, then the CLI's own line.
            ctx.Io.ErrorLine(e.Message);
            throw new StatusException($"Error: failed to rename container named {oldName}", 1);
        }
        return 0;
    }
}
