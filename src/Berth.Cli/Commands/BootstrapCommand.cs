using System.Runtime.InteropServices;
using System.Text;
using Berth.Cli.Api;
using Berth.Cli.Bootstrap;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth image bootstrap busybox|hello-world|debian:bookworm</c>: builds a base image on this machine, where no
/// registry is reachable, and imports it (<c>POST /images/create?fromSrc=-</c>) under its usual name.
/// </summary>
internal sealed class BootstrapCommand : Command
{
    public override string Name => "bootstrap";

    public override string Usage => "[OPTIONS] busybox|hello-world|debian[:bookworm|:12]";

    public override string Summary => "Build a base image on this machine and load it into the daemon";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("tag", 't', "Name the image (default: the image's usual name, e.g. busybox:latest)");
        flags.String("busybox", '\0', "The static busybox binary to use", null, "/bin/busybox");
        flags.String("mirror", '\0', "debian: the Debian mirror (default: the one in this machine's apt sources, else http://deb.debian.org/debian)");
        flags.Bool("no-cache", '\0', "debian: run debootstrap again rather than import the cached root filesystem");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var what = inv.Args[0];
        var target = BootstrapTarget.Parse(what)
            ?? throw new StatusException($"berth: cannot bootstrap \"{what}\": choose {BootstrapTarget.Choices}", 1);
        var tag = inv.Flags.GetString("tag") is { Length: > 0 } t ? t : target.Tag;
        List<string> changes;
        var message = "Bootstrapped by berth on this machine";
        Stream tarball;
        switch (target.Kind)
        {
            case BootstrapKind.Busybox:
                var busybox = inv.Flags.GetString("busybox") ?? "/bin/busybox";
                if (!File.Exists(busybox))
                {
                    throw new StatusException($"{busybox} not found: install Debian's busybox-static (apt-get install busybox-static)", 1);
                }
                tarball = new MemoryStream();
                RootfsArchive.WriteBusybox(tarball, busybox);
                tarball.Position = 0;
                changes = ["""CMD ["sh"]"""];
                break;
            case BootstrapKind.HelloWorld:
                if (RuntimeInformation.OSArchitecture != Architecture.X64)
                {
                    throw new StatusException("berth: the hello-world bootstrap builds an x86-64 program; this machine is " + RuntimeInformation.OSArchitecture, 1);
                }
                tarball = new MemoryStream();
                RootfsArchive.WriteHelloWorld(tarball);
                tarball.Position = 0;
                changes = ["""CMD ["/hello"]"""];
                break;
            default:
                var debian = Debian(ctx, inv, target.Suite!);
                tarball = File.OpenRead(debian.CachedTar);
                changes = ["""CMD ["bash"]""", "ENV PATH=" + DebianRootfs.PathEnv];
                message = $"Bootstrapped by berth on this machine from debootstrap {debian.Suite} ({debian.Mirrors.Archive})";
                break;
        }
        var query = new GoQuery();
        query.Add("fromSrc", "-");
        query.Add("repo", tag);
        query.Add("message", message);
        foreach (var change in changes)
        {
            query.Add("changes", change);
        }
        using (tarball)
        {
            var (conn, _, body) = ctx.Client.Stream("POST", "/images/create", query, upload: new SyncReadStream(tarball), contentType: "text/plain");
            using (conn)
            {
                JsonMessageDisplay.Display(body, ctx.Io.Out);
            }
        }
        return 0;
    }

    /// <summary>The Debian root filesystem, from the cache or built now (progress on stderr).</summary>
    private static DebianImage Debian(CommandContext ctx, Invocation inv, string suite)
    {
        void Progress(string line)
        {
            ctx.Io.Err.Write(Encoding.UTF8.GetBytes(line + "\n"));
        }
        var discovered = AptMirrors.Discover();
        var mirrors = inv.Flags.GetString("mirror") is { Length: > 0 } mirror ? AptMirrors.WithArchive(mirror, discovered) : discovered;
        var image = new DebianImage(suite, mirrors, DebianImage.DefaultCacheDir(ctx.GetEnv), Progress);
        if (!inv.Flags.GetBool("no-cache") && File.Exists(image.CachedTar))
        {
            Progress($"Using {image.CachedTar} (built {File.GetLastWriteTimeUtc(image.CachedTar):yyyy-MM-dd HH:mm} UTC; --no-cache builds it again)");
            return image;
        }
        // Not installed for the user: a CLI that adds system packages behind one's back surprises (it changes the
        // host, takes apt's lock, may need answers); the busybox bootstrap asks the same way.
        var debootstrap = DebianImage.FindDebootstrap(ctx.GetEnv)
            ?? throw new StatusException("berth: debootstrap not found: install Debian's debootstrap (apt-get install debootstrap)", 1);
        if (!Environment.IsPrivilegedProcess)
        {
            throw new StatusException("berth: debootstrap must run as root (it creates device nodes and chroots into the tree)", 1);
        }
        using var cancel = new CancellationTokenSource();
        // Ctrl-C, kill or a closed terminal stops debootstrap and removes its tree, mounts included.
        var signals = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }
            .Select(s => PosixSignalRegistration.Create(s, c =>
            {
                c.Cancel = true;
                cancel.Cancel();
            }))
            .ToList();
        try
        {
            image.Build(debootstrap, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new StatusException("berth: bootstrap cancelled; its build directory is removed", 130);
        }
        finally
        {
            signals.ForEach(s => s.Dispose());
        }
        return image;
    }
}
