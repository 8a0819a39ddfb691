using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth save</c>: <c>GET /images/get?names=...</c> streamed to <c>-o FILE</c> (written atomically) or stdout.</summary>
internal sealed class SaveCommand : Command
{
    public override string Name => "save";

    public override string Usage => "[OPTIONS] IMAGE [IMAGE...]";

    public override string Summary => "Save one or more images to a tar archive (streamed to STDOUT by default)";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("output", 'o', "Write to a file, instead of STDOUT");
        flags.String("platform", '\0', "Save only the given platform variant. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var output = inv.Flags.GetString("output") ?? "";
        if (output.Length == 0 && ctx.Io.OutIsTerminal)
        {
            // compat(docker): the docker CLI's wording.
            throw new StatusException("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
        }
        var query = new GoQuery();
        foreach (var name in inv.Args)
        {
            query.Add("names", name);
        }
        if (inv.Flags.GetString("platform") is { Length: > 0 } platform)
        {
            query.Add("platform", PlatformJson(platform));
        }
        string? temp = null;
        Stream destination = ctx.Io.Out;
        if (output.Length > 0)
        {
            var full = Path.GetFullPath(output);
            var dir = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(dir))
            {
                throw new StatusException($"failed to save image: invalid output path: stat {dir}: no such file or directory", 1);
            }
            temp = Path.Combine(dir, "." + Path.GetFileName(full) + ".tmp" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            destination = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                BufferSize = 1 << 16,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        try
        {
            var (conn, _, body) = ctx.Client.Stream("GET", "/images/get", query);
            using (conn)
            {
                body.CopyTo(destination, 1 << 16);
            }
            destination.Flush();
            if (temp is not null)
            {
                ((FileStream)destination).Flush(flushToDisk: true);
                destination.Dispose();
                File.Move(temp, Path.GetFullPath(output), overwrite: true);
                temp = null;
            }
        }
        finally
        {
            if (temp is not null)
            {
                destination.Dispose();
                File.Delete(temp);
            }
        }
        return 0;
    }

    internal static string PlatformJson(string platform)
    {
        var parts = platform.ToLowerInvariant().Split('/');
        var sb = new System.Text.StringBuilder("{\"architecture\":");
        Formatting.GoJson.WriteString(sb, parts.Length > 1 ? parts[1] : "");
        sb.Append(",\"os\":");
        Formatting.GoJson.WriteString(sb, parts[0]);
        if (parts.Length > 2)
        {
            sb.Append(",\"variant\":");
            Formatting.GoJson.WriteString(sb, parts[2]);
        }
        return sb.Append('}').ToString();
    }
}
