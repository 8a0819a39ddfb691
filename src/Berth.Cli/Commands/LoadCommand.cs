using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth load</c>: <c>POST /images/load?quiet=1</c> with the tarball (chunked <c>application/x-tar</c>) from <c>-i FILE</c> or stdin.</summary>
internal sealed class LoadCommand : Command
{
    public override string Name => "load";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Load an image from a tar archive or STDIN";

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("input", 'i', "Read from tar archive file, instead of STDIN");
        flags.Bool("quiet", 'q', "Suppress the load output");
        flags.String("platform", '\0', "Load only the given platform variant. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var input = inv.Flags.GetString("input") ?? "";
        Stream source;
        if (input.Length == 0)
        {
            if (ctx.Io.InIsTerminal)
            {
                throw new StatusException("requested load from stdin, but stdin is empty", 1);
            }
            source = ctx.Io.In;
        }
        else
        {
            try
            {
                source = File.OpenRead(input);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new StatusException($"open {input}: no such file or directory", 1);
            }
        }
        var query = new GoQuery();
        // compat(docker): quiet when asked, and whenever stdout is not a terminal (no progress bars to draw).
        if (inv.Flags.GetBool("quiet") || !ctx.Io.OutIsTerminal)
        {
            query.Add("quiet", "1");
        }
        var (conn, head, body) = ctx.Client.Stream("POST", "/images/load", query, upload: new SyncReadStream(source), contentType: "application/x-tar");
        using (conn)
        {
            if (head.Headers["Content-Type"]?.StartsWith("application/json", StringComparison.Ordinal) == true)
            {
                JsonMessageDisplay.Display(body, ctx.Io.Out);
            }
            else
            {
                body.CopyTo(ctx.Io.Out);
            }
        }
        source.Dispose();
        return 0;
    }
}
