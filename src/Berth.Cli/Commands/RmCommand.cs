using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth rm</c>: <c>DELETE /containers/{id}[?force=1][&amp;v=1]</c>, in parallel; with -f a missing container is only reported.</summary>
internal sealed class RmCommand : Command
{
    public override string Name => "rm";

    public override string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public override string Summary => "Remove one or more containers";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("force", 'f', "Force the removal of a running container (uses SIGKILL)");
        flags.Bool("link", 'l', "Remove the specified link");
        flags.Bool("volumes", 'v', "Remove anonymous volumes associated with the container");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var force = inv.Flags.GetBool("force");
        var query = new GoQuery();
        if (inv.Flags.GetBool("volumes"))
        {
            query.Add("v", "1");
        }
        if (inv.Flags.GetBool("link"))
        {
            query.Add("link", "1");
        }
        if (force)
        {
            query.Add("force", "1");
        }
        _ = ctx.Client.Version;
        var results = Requests.Parallel(inv.Args, name =>
        {
            var id = name.Trim('/');
            if (id.Length == 0)
            {
                throw new DaemonException(0, "container name cannot be empty");
            }
            using var conn = ctx.Client.Connect();
            var (_, _, body) = ctx.Client.Stream("DELETE", Requests.ContainerPath(id), query, conn: conn);
            body.CopyTo(Stream.Null);
        });
        var errors = new List<Exception>();
        for (var i = 0; i < inv.Args.Count; i++)
        {
            if (results[i] is { } e)
            {
                if (force && e is DaemonException { IsNotFound: true })
                {
                    ctx.Io.ErrorLine(e.Message);
                    continue;
                }
                errors.Add(e);
                continue;
            }
            ctx.Io.WriteLine(inv.Args[i]);
        }
        if (errors.Count > 0)
        {
            throw new StatusException(Requests.JoinErrors(errors), 1);
        }
        return 0;
    }
}
