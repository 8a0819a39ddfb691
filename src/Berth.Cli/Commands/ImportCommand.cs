using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth import FILE|- [REPO[:TAG]]</c>: <c>POST /images/create?fromSrc=-&amp;repo=...&amp;message=...&amp;changes=...</c>
/// with the tarball as a chunked <c>text/plain</c> body (sic, as docker), printing the daemon's JSON messages.
/// </summary>
internal sealed class ImportCommand : Command
{
    public override string Name => "import";

    public override string Usage => "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]";

    public override string Summary => "Import the contents from a tarball to create a filesystem image";

    public override ArgRule Args => ArgRule.Between(1, 2);

    public override void DefineFlags(FlagSet flags)
    {
        flags.List("change", 'c', "Apply Dockerfile instruction to the created image");
        flags.String("message", 'm', "Set commit message for imported image");
        flags.String("platform", '\0', "Set platform if server is multi-platform capable");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var source = inv.Args[0];
        var repo = inv.Args.Count > 1 ? inv.Args[1] : "";
        if (repo.Length > 0 && !ImageReference.TryParseNormalized(repo, out _, out var error))
        {
            throw new StatusException(error, 1);
        }
        var query = new GoQuery();
        Stream? upload = null;
        if (source == "-")
        {
            query.Add("fromSrc", "-");
            upload = ctx.Io.In;
        }
        else if (source.StartsWith("http://", StringComparison.Ordinal) || source.StartsWith("https://", StringComparison.Ordinal))
        {
            query.Add("fromSrc", source);
        }
        else
        {
            try
            {
                upload = File.OpenRead(source);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new StatusException($"open {source}: no such file or directory", 1);
            }
            catch (UnauthorizedAccessException)
            {
                throw new StatusException($"open {source}: permission denied", 1);
            }
            query.Add("fromSrc", "-");
        }
        if (repo.Length > 0)
        {
            query.Add("repo", repo);
        }
        if (inv.Flags.GetString("message") is { Length: > 0 } message)
        {
            query.Add("message", message);
        }
        if (inv.Flags.GetString("platform") is { Length: > 0 } platform)
        {
            query.Add("platform", platform.ToLowerInvariant());
        }
        foreach (var change in inv.Flags.GetList("change"))
        {
            query.Add("changes", change);
        }
        var (conn, _, body) = ctx.Client.Stream("POST", "/images/create", query,
            upload: upload is null ? null : new SyncReadStream(upload), contentType: "text/plain");
        using (conn)
        {
            JsonMessageDisplay.Display(body, ctx.Io.Out);
        }
        upload?.Dispose();
        return 0;
    }
}
