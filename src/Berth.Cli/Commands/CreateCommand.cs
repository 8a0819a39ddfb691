using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth create</c>: the create half of run; prints the new ID.</summary>
internal sealed class CreateCommand : Command
{
    public override string Name => "create";

    public override string Usage => "[OPTIONS] IMAGE [COMMAND] [ARG...]";

    public override string Summary => "Create a new container";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override bool Interspersed => false;

    public override void DefineFlags(FlagSet flags) => ContainerOptions.Define(flags, run: false);

    public override int Run(CommandContext ctx, Invocation inv)
    {
        ContainerSpec spec;
        try
        {
            spec = ContainerOptions.Parse(inv.Flags, inv.Args, run: false, ctx.GetEnv);
        }
        catch (UsageException e)
        {
            throw new StatusException($"berth: {e.Message}\n\nRun 'berth create --help' for more information", 125);
        }
        var id = ContainerRunner.Create(ctx, spec);
        ctx.Io.WriteLine(id);
        return 0;
    }
}
