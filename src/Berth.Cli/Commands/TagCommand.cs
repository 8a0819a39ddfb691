using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth tag SRC TARGET</c>: <c>POST /images/SRC/tag?repo=docker.io/library/x&amp;tag=latest</c> (the target normalized).</summary>
internal sealed class TagCommand : Command
{
    public override string Name => "tag";

    public override string Usage => "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]";

    public override string Summary => "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE";

    public override ArgRule Args => ArgRule.Exactly(2);

    public override bool Interspersed => false;

    public override void DefineFlags(FlagSet flags)
    {
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var source = inv.Args[0];
        var target = inv.Args[1];
        if (!ImageReference.IsValidAny(source, out var e1))
        {
            throw new StatusException($"Error parsing reference: \"{source}\" is not a valid repository/tag: {e1}", 1);
        }
        if (!ImageReference.TryParseNormalized(target, out var reference, out var e2))
        {
            throw new StatusException($"Error parsing reference: \"{target}\" is not a valid repository/tag: {e2}", 1);
        }
        if (reference.Digest is not null)
        {
            throw new StatusException("refusing to create a tag with a digest reference", 1);
        }
        reference = reference.WithDefaultTag();
        var query = new GoQuery().Add("repo", reference.Name).Add("tag", reference.Tag!);
        ctx.Client.Call("POST", Requests.ImagePath(source, "/tag"), query);
        return 0;
    }
}
