using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth run</c>: create, attach (unless -d), register the wait, start, stream, exit with the container's status.
/// Exit codes as docker: 125 for berth's own errors, 126/127 when the command cannot run.
/// </summary>
internal sealed class RunCommand : Command
{
    public override string Name => "run";

    public override string Usage => "[OPTIONS] IMAGE [COMMAND] [ARG...]";

    public override string Summary => "Create and run a new container from an image";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override bool Interspersed => false;

    public override void DefineFlags(FlagSet flags) => ContainerOptions.Define(flags, run: true);

    public override int Run(CommandContext ctx, Invocation inv)
    {
        ContainerSpec spec;
        try
        {
            spec = ContainerOptions.Parse(inv.Flags, inv.Args, run: true, ctx.GetEnv);
        }
        catch (UsageException e)
        {
            throw new StatusException($"berth: {e.Message}\n\nRun 'berth run --help' for more information", 125);
        }
        if (!spec.Detach)
        {
            if (spec.Tty && spec.AttachStdin && !ctx.Io.InIsTerminal)
            {
                throw new StatusException("the input device is not a TTY", 1);
            }
        }
        else
        {
            if (inv.Flags.GetList("attach").Count != 0)
            {
                throw new StatusException("conflicting options: cannot specify both --attach and --detach", 1);
            }
            spec.AttachStdin = spec.AttachStdout = spec.AttachStderr = false;
            spec.StdinOnce = false;
        }
        AttachSession.ParseDetachKeys(spec.DetachKeys); // refused before anything is created
        string id;
        try
        {
            id = ContainerRunner.Create(ctx, spec);
        }
        catch (DaemonException e)
        {
            throw ContainerRunner.RunError(e);
        }
        var attach = spec.AttachStdin || spec.AttachStdout || spec.AttachStderr;
        if (!attach)
        {
            var waiter = new ContainerRunner.Waiter(ctx, id, spec.AutoRemove);
            try
            {
                ctx.Client.Call("POST", Requests.ContainerPath(id, "/start"));
            }
            catch (DaemonException e)
            {
                if (spec.AutoRemove)
                {
                    waiter.Result();
                }
                throw ContainerRunner.RunError(e);
            }
            ctx.Io.WriteLine(id);
            waiter.Connection.Dispose();
            return 0;
        }
        var status = ContainerRunner.StartAttached(ctx, id, spec.AttachStdin, spec.AttachStdout, spec.AttachStderr, spec.Tty, spec.AutoRemove, spec.SigProxy, "run", spec.DetachKeys);
        return status == 0 ? 0 : throw new StatusException("", status);
    }
}
