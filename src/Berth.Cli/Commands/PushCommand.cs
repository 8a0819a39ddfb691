using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth push NAME[:TAG]</c>: <c>POST /images/NAME/push?tag=</c> with the stored credentials.</summary>
internal sealed class PushCommand : Command
{
    public override string Name => "push";

    public override string Usage => "[OPTIONS] NAME[:TAG]";

    public override string Summary => "Upload an image to a registry";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all-tags", 'a', "Push all tags of an image to the repository");
        flags.String("platform", '\0', "Push a platform-specific manifest as a single-platform image to the registry");
        flags.Bool("quiet", 'q', "Suppress verbose output");
        flags.Bool("disable-content-trust", '\0', "Skip image signing", dflt: true);
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var all = inv.Flags.GetBool("all-tags");
        var quiet = inv.Flags.GetBool("quiet");
        if (!ImageReference.TryParseNormalized(inv.Args[0], out var reference, out var error))
        {
            throw new StatusException(error, 1);
        }
        if (all && reference.Tag is not null)
        {
            throw new StatusException("tag can't be used with --all-tags/-a", 1);
        }
        if (inv.Flags.GetString("platform") is { Length: > 0 })
        {
            throw new StatusException("pushing one platform of an image (--platform) is not supported: push the image itself", 1);
        }
        if (reference.Digest is not null)
        {
            throw new StatusException("cannot push a digest reference", 1);
        }
        if (!all && reference.Tag is null)
        {
            reference = reference.WithDefaultTag();
            if (!quiet)
            {
                ctx.Io.WriteLine("Using default tag: latest");
            }
        }
        var query = new GoQuery().Add("tag", reference.Tag ?? "");
        PullCommand.Transfer(ctx, "/images/" + reference.Name + "/push", query, reference.Domain, quiet ? Stream.Null : ctx.Io.Out);
        if (quiet)
        {
            ctx.Io.WriteLine(reference.FamiliarString);
        }
        return 0;
    }
}
