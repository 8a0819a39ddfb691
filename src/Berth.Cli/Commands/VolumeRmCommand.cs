using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth volume rm</c>: <c>DELETE /volumes/{name}[?force=1]</c> for each; the failures are joined into
/// one error at the end, as docker's errors.Join.</summary>
internal sealed class VolumeRmCommand : Command
{
    public override string Name => "rm";

    public override string Usage => "[OPTIONS] VOLUME [VOLUME...]";

    public override string Summary => "Remove one or more volumes";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("force", 'f', "Force the removal of one or more volumes");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var force = inv.Flags.GetBool("force");
        var errors = new List<string>();
        foreach (var name in inv.Args)
        {
            try
            {
                // compat(docker): the client sends force=1 only when set.
                ctx.Client.Call("DELETE", "/volumes/" + GoQuery.EscapePath(name), force ? new GoQuery().Add("force", "1") : null);
            }
            catch (DaemonException e)
            {
                errors.Add(e.Message);
                continue;
            }
            ctx.Io.WriteLine(name);
        }
        if (errors.Count > 0)
        {
            throw new StatusException(string.Join('\n', errors), 1);
        }
        return 0;
    }
}
