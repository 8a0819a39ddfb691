using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth rmi</c> / <c>image rm</c>: <c>DELETE /images/X[?force=1][&amp;noprune=1]</c>, printing Untagged/Deleted lines.</summary>
internal sealed class RmiCommand(string name) : Command
{
    public override string Name => name;

    public override string Usage => "[OPTIONS] IMAGE [IMAGE...]";

    public override string Summary => "Remove one or more images";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("force", 'f', "Force removal of the image");
        flags.Bool("no-prune", '\0', "Do not delete untagged parents");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var force = inv.Flags.GetBool("force");
        var query = new GoQuery();
        if (force)
        {
            query.Add("force", "1");
        }
        if (inv.Flags.GetBool("no-prune"))
        {
            query.Add("noprune", "1");
        }
        var errors = new List<string>();
        var fatal = false;
        foreach (var image in inv.Args)
        {
            try
            {
                var (_, body, _) = ctx.Client.Call("DELETE", Requests.ImagePath(image), query);
                using var doc = JsonDocument.Parse(body);
                var sb = new System.Text.StringBuilder();
                foreach (var item in doc.RootElement.EnumerateArray())
                {
                    if (item.TryGetProperty("Deleted", out var d) && d.GetString() is { Length: > 0 } deleted)
                    {
                        sb.Append("Deleted: ").Append(deleted).Append('\n');
                    }
                    else if (item.TryGetProperty("Untagged", out var u))
                    {
                        sb.Append("Untagged: ").Append(u.GetString()).Append('\n');
                    }
                }
                ctx.Io.Write(sb.ToString());
            }
            catch (DaemonException e)
            {
                if (!e.IsNotFound)
                {
                    fatal = true;
                }
                errors.Add(e.Message);
            }
        }
        if (errors.Count > 0)
        {
            // compat(docker): with -f, images that were not there are only reported.
            if (!force || fatal)
            {
                throw new StatusException(string.Join('\n', errors), 1);
            }
            ctx.Io.ErrorLine(string.Join('\n', errors));
        }
        return 0;
    }
}
