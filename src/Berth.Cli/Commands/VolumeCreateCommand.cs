using System.Text.Json;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth volume create</c>: <c>POST /volumes/create</c> with the docker CLI's body; prints the name.</summary>
internal sealed class VolumeCreateCommand : Command
{
    public override string Name => "create";

    public override string Usage => "[OPTIONS] [VOLUME]";

    public override string Summary => "Create a volume";

    public override ArgRule Args => ArgRule.Between(0, 1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("driver", 'd', "Specify volume driver name", null, "local");
        flags.List("label", '\0', "Set metadata for a volume", Requests.CheckLabel);
        flags.String("name", '\0', "Specify volume name");
        flags.Map("opt", 'o', "Set driver specific options");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var name = inv.Flags.GetString("name") ?? "";
        if (inv.Args.Count == 1)
        {
            if (name.Length > 0)
            {
                throw new StatusException("conflicting options: cannot specify a volume-name through both --name and as a positional arg", 1);
            }
            name = inv.Args[0];
        }
        var (_, body, _) = ctx.Client.Call("POST", "/volumes/create", json: Body(inv.Flags, name));
        using var doc = JsonDocument.Parse(body);
        ctx.Io.WriteLine(doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("Name", out var n) ? n.GetString() ?? "" : "");
        return 0;
    }

    /// <summary>volume.CreateOptions as the docker CLI marshals it: every field omitempty, in struct order.</summary>
    internal static byte[] Body(FlagSet f, string name)
    {
        var w = new GoJsonWriter();
        w.BeginObject();
        if (f.GetString("driver") is { Length: > 0 } driver)
        {
            w.String("Driver", driver);
        }
        if (f.GetMap("opt") is { Count: > 0 } opts)
        {
            w.StringMap("DriverOpts", opts);
        }
        if (f.GetMap("label") is { Count: > 0 } labels)
        {
            w.StringMap("Labels", labels);
        }
        if (name.Length > 0)
        {
            w.String("Name", name);
        }
        w.EndObject();
        return w.ToBody();
    }
}
