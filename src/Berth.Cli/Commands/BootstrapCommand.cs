using System.Runtime.InteropServices;
using Berth.Cli.Api;
using Berth.Cli.Bootstrap;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth image bootstrap busybox|hello-world</c>: builds a base image on this machine, where no registry is
/// reachable, and imports it (<c>POST /images/create?fromSrc=-</c>) under its usual name.
/// </summary>
internal sealed class BootstrapCommand : Command
{
    public override string Name => "bootstrap";

    public override string Usage => "[OPTIONS] busybox|hello-world";

    public override string Summary => "Build a base image on this machine and load it into the daemon";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("tag", 't', "Name the image (default: the image's usual name, e.g. busybox:latest)");
        flags.String("busybox", '\0', "The static busybox binary to use", null, "/bin/busybox");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var what = inv.Args[0];
        var tag = inv.Flags.GetString("tag") is { Length: > 0 } t ? t : what switch
        {
            "busybox" => "busybox:latest",
            "hello-world" => "hello-world:latest",
            _ => throw new StatusException($"berth: cannot bootstrap \"{what}\": choose busybox or hello-world", 1),
        };
        string cmd;
        var tarball = new MemoryStream();
        switch (what)
        {
            case "busybox":
                var busybox = inv.Flags.GetString("busybox") ?? "/bin/busybox";
                if (!File.Exists(busybox))
                {
                    throw new StatusException($"{busybox} not found: install Debian's busybox-static (apt-get install busybox-static)", 1);
                }
                RootfsArchive.WriteBusybox(tarball, busybox);
                cmd = """CMD ["sh"]""";
                break;
            case "hello-world":
                if (RuntimeInformation.OSArchitecture != Architecture.X64)
                {
                    throw new StatusException("berth: the hello-world bootstrap builds an x86-64 program; this machine is " + RuntimeInformation.OSArchitecture, 1);
                }
                RootfsArchive.WriteHelloWorld(tarball);
                cmd = """CMD ["/hello"]""";
                break;
            default:
                throw new StatusException($"berth: cannot bootstrap \"{what}\": choose busybox or hello-world", 1);
        }
        tarball.Position = 0;
        var query = new GoQuery();
        query.Add("fromSrc", "-");
        query.Add("repo", tag);
        query.Add("message", "Bootstrapped by berth on this machine");
        query.Add("changes", cmd);
        var (conn, _, body) = ctx.Client.Stream("POST", "/images/create", query, upload: new SyncReadStream(tarball), contentType: "text/plain");
        using (conn)
        {
            JsonMessageDisplay.Display(body, ctx.Io.Out);
        }
        return 0;
    }
}
