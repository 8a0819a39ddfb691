using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Http;

namespace Berth.Cli.Commands;

/// <summary><c>berth pull NAME[:TAG|@DIGEST]</c>: <c>POST /images/create?fromImage=&amp;tag=</c> with the stored
/// credentials in <c>X-Registry-Auth</c>; the progress as docker prints it, then the reference pulled.</summary>
internal sealed class PullCommand : Command
{
    public override string Name => "pull";

    public override string Usage => "[OPTIONS] NAME[:TAG|@DIGEST]";

    public override string Summary => "Download an image from a registry";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all-tags", 'a', "Download all tagged images in the repository");
        flags.String("platform", '\0', "Set platform if server is multi-platform capable");
        flags.Bool("quiet", 'q', "Suppress verbose output");
        flags.Bool("disable-content-trust", '\0', "Skip image verification", dflt: true);
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var all = inv.Flags.GetBool("all-tags");
        var quiet = inv.Flags.GetBool("quiet");
        if (!ImageReference.TryParseNormalized(inv.Args[0], out var reference, out var error))
        {
            throw new StatusException(error, 1);
        }
        if (all && (reference.Tag is not null || reference.Digest is not null))
        {
            throw new StatusException("tag can't be used with --all-tags/-a", 1);
        }
        if (!all && reference.Tag is null && reference.Digest is null)
        {
            reference = reference.WithDefaultTag();
            if (!quiet)
            {
                ctx.Io.WriteLine("Using default tag: latest");
            }
        }
        var query = new GoQuery().Add("fromImage", reference.Name).Add("tag", reference.Digest ?? reference.Tag ?? "");
        if (inv.Flags.GetString("platform") is { Length: > 0 } platform)
        {
            query.Add("platform", platform.ToLowerInvariant());
        }
        Transfer(ctx, "/images/create", query, reference.Domain, quiet ? Stream.Null : ctx.Io.Out);
        ctx.Io.WriteLine(all ? reference.FamiliarName : reference.FamiliarString);
        return 0;
    }

    /// <summary>Streams a pull or push, with the credentials docker would send for <paramref name="domain"/>.</summary>
    internal static void Transfer(CommandContext ctx, string path, GoQuery query, string domain, Stream output)
    {
        var headers = new HttpHeaders();
        headers["X-Registry-Auth"] = new DockerConfig().AuthHeader(domain);
        var (conn, _, body) = ctx.Client.Stream("POST", path, query, extraHeaders: headers);
        using (conn)
        {
            JsonMessageDisplay.Display(body, output, terminal: ReferenceEquals(output, ctx.Io.Out) && ctx.Io.OutIsTerminal);
        }
    }
}
