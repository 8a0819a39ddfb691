using System.Globalization;
using Berth.Cli.Flags;
using Berth.Distribution.Server;

namespace Berth.Cli.Commands;

/// <summary><c>berth registry gc</c>: deletes the blobs no manifest references, and upload sessions untouched for a
/// week. Run it while nothing pushes.</summary>
internal sealed class RegistryGcCommand : Command
{
    public override string Name => "gc";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Remove blobs no manifest references from a registry's storage";

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("root", '\0', "Directory of the registry's storage", null, "/var/lib/berth-registry");
        flags.Bool("dry-run", '\0', "List what would be removed; remove nothing");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var root = inv.Flags.GetString("root")!;
        if (!Directory.Exists(Path.Combine(root, "blobs")))
        {
            throw new StatusException($"berth: {root} is not a registry's storage (no blobs directory)", 1);
        }
        var dryRun = inv.Flags.GetBool("dry-run");
        var report = new RegistryStore(root).CollectGarbage(dryRun);
        foreach (var (digest, size) in report.Removed)
        {
            ctx.Io.WriteLine((dryRun ? "would delete " : "deleted ") + digest + " " + size.ToString(CultureInfo.InvariantCulture));
        }
        foreach (var id in report.AbandonedUploads)
        {
            ctx.Io.WriteLine((dryRun ? "would remove upload " : "removed upload ") + id);
        }
        ctx.Io.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.Marked} blobs marked, {report.Removed.Count} {(dryRun ? "eligible for deletion" : "deleted")}, {report.Removed.Sum(r => r.Size)} bytes"));
        return 0;
    }
}
