using Berth.Cli.Flags;
using Berth.Common;

namespace Berth.Cli.Commands;

/// <summary><c>berth export [-o FILE] CONTAINER</c>: <c>GET /containers/{id}/export</c> streamed to the file (written
/// beside it and renamed into place) or to stdout.</summary>
internal sealed class ExportCommand : Command
{
    public override string Name => "export";

    public override string Usage => "[OPTIONS] CONTAINER";

    public override string Summary => "Export a container's filesystem as a tar archive";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags) => flags.String("output", 'o', "Write to a file, instead of STDOUT");

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var output = inv.Flags.GetString("output") ?? "";
        if (output.Length == 0 && ctx.Io.OutIsTerminal)
        {
            // compat(docker): the docker CLI's wording.
            throw new StatusException("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
        }
        if (output.Length > 0 && LocalPaths.ValidateOutputPath(output) is { } invalid)
        {
            throw new StatusException("failed to export container: " + invalid, 1);
        }
        var (conn, _, body) = ctx.Client.Stream("GET", "/containers/" + Uri.EscapeDataString(inv.Args[0]) + "/export");
        using (conn)
        {
            if (output.Length == 0)
            {
                body.CopyTo(ctx.Io.Out, 1 << 16);
                ctx.Io.Out.Flush();
                return 0;
            }
            AtomicFile.Write(Path.GetFullPath(output), body, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        return 0;
    }
}
