using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth commit</c> / <c>berth container commit</c>: <c>POST /commit?container=C&amp;repo=R&amp;tag=T&amp;...</c> without a
/// body; prints the new image's id.
/// </summary>
internal sealed class CommitCommand : Command
{
    public override string Name => "commit";

    public override string Usage => "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]";

    public override string Summary => "Create a new image from a container's changes";

    public override ArgRule Args => ArgRule.Between(1, 2);

    public override bool Interspersed => false;

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("author", 'a', "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
        flags.List("change", 'c', "Apply Dockerfile instruction to the created image");
        flags.String("message", 'm', "Commit message");
        flags.Bool("pause", 'p', "Pause container during commit", dflt: true);
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var query = Query(inv.Args[0], inv.Args.Count > 1 ? inv.Args[1] : "", f.GetString("message") ?? "", f.GetString("author") ?? "",
            f.GetList("change"), f.GetBool("pause"));
        var (_, body, _) = ctx.Client.Call("POST", "/commit", query);
        using var doc = JsonDocument.Parse(body);
        var id = doc.RootElement.TryGetProperty("Id", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : "";
        ctx.Io.WriteLine(id ?? "");
        return 0;
    }

    /// <summary>
    /// The moby client's ContainerCommit query: the reference normalised (<c>docker.io/library/x</c>, tag
    /// <c>latest</c> by default), <c>repo</c>, <c>tag</c>, <c>comment</c> and <c>author</c> always sent, <c>pause=0</c>
    /// only to opt out.
    /// </summary>
    internal static GoQuery Query(string container, string reference, string comment, string author, IReadOnlyList<string> changes, bool pause)
    {
        container = container.Trim();
        if (container.Length == 0)
        {
            throw new StatusException("invalid container name or ID: value is empty", 1);
        }
        string repository = "", tag = "";
        if (reference.Length > 0)
        {
            if (!ImageReference.TryParseNormalized(reference, out var r, out var error))
            {
                throw new StatusException(error, 1);
            }
            if (r.Digest is not null)
            {
                throw new StatusException("refusing to create a tag with a digest reference", 1);
            }
            r = r.WithDefaultTag();
            repository = r.Name;
            tag = r.Tag ?? "";
        }
        var query = new GoQuery().Add("container", container).Add("repo", repository).Add("tag", tag).Add("comment", comment).Add("author", author);
        foreach (var change in changes)
        {
            query.Add("changes", change);
        }
        if (!pause)
        {
            query.Add("pause", "0");
        }
        return query;
    }
}
