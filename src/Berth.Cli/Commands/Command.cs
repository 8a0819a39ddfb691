using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary>A berth verb: its name, usage, positional rule, flags and what it does.</summary>
internal abstract class Command
{
    /// <summary>The name as typed (<c>ps</c>, <c>ls</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The rest of cobra's Use line: <c>[OPTIONS] CONTAINER [CONTAINER...]</c>.</summary>
    public abstract string Usage { get; }

    public abstract string Summary { get; }

    public virtual ArgRule Args => ArgRule.None;

    /// <summary>False for <c>run</c>, <c>create</c>, <c>tag</c>: flags stop at the first positional.</summary>
    public virtual bool Interspersed => true;

    /// <summary>compat(docker): flag errors exit 125 everywhere; run and create also use 125 for their own usage errors.</summary>
    public virtual int UsageExitCode => 125;

    public abstract void DefineFlags(FlagSet flags);

    public abstract int Run(CommandContext ctx, Invocation inv);
}
