using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary><c>berth info</c>: <c>GET /info</c> printed as docker's prettyPrintInfo, or through <c>--format</c>.</summary>
internal sealed class InfoCommand : Command
{
    public override string Name => "info";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Display system-wide information";

    public override void DefineFlags(FlagSet flags) => flags.String("format", 'f', "Format output using a custom template");

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var format = inv.Flags.GetString("format") ?? "";
        if (format.Length > 0)
        {
            GoTemplate template;
            try
            {
                template = GoTemplate.Parse(format == "json" ? "{{json .}}" : format);
            }
            catch (TemplateException e)
            {
                throw new StatusException("template parsing error: " + e.Message, 64);
            }
            var (_, raw, _) = ctx.Client.Call("GET", "/info");
            using var d = JsonDocument.Parse(raw);
            try
            {
                ctx.Io.WriteLine(template.Execute(TemplateValues.FromJson(d.RootElement)));
            }
            catch (TemplateException e)
            {
                throw new StatusException("template: " + e.Message, 1);
            }
            return 0;
        }
        var o = new StringBuilder();
        o.Append("Client:\n Version:    ").Append(BerthInfo.Version).Append("\n Context:    default\n Debug Mode: false\n\nServer:\n");
        byte[] body;
        try
        {
            (_, body, _) = ctx.Client.Call("GET", "/info");
        }
        catch (DaemonException e)
        {
            ctx.Io.Write(o.ToString());
            ctx.Io.ErrorLine("ERROR: " + e.Message);
            throw new StatusException("errors pretty printing info", 1);
        }
        using var doc = JsonDocument.Parse(body);
        var info = doc.RootElement;
        string S(JsonElement e, string k) => e.TryGetProperty(k, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Null => "",
            _ => v.GetRawText(),
        } : "";
        void Line(string label, string value) => o.Append(label).Append(' ').Append(value).Append('\n');
        void NonEmpty(string label, string value)
        {
            if (value.Length > 0)
            {
                Line(label, value);
            }
        }
        string Join(JsonElement e, string k) => e.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.Array
            ? string.Join(' ', v.EnumerateArray().Select(x => x.GetString())) : "";

        Line(" Containers:", S(info, "Containers"));
        Line("  Running:", S(info, "ContainersRunning"));
        Line("  Paused:", S(info, "ContainersPaused"));
        Line("  Stopped:", S(info, "ContainersStopped"));
        Line(" Images:", S(info, "Images"));
        NonEmpty(" Server Version:", S(info, "ServerVersion"));
        NonEmpty(" Storage Driver:", S(info, "Driver"));
        foreach (var key in new[] { "DriverStatus", "SystemStatus" })
        {
            if (info.TryGetProperty(key, out var pairs) && pairs.ValueKind == JsonValueKind.Array)
            {
                foreach (var pair in pairs.EnumerateArray())
                {
                    if (pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() >= 2)
                    {
                        o.Append(key == "DriverStatus" ? "  " : " ").Append(pair[0].GetString()).Append(": ").Append(pair[1].GetString()).Append('\n');
                    }
                }
            }
        }
        NonEmpty(" Logging Driver:", S(info, "LoggingDriver"));
        NonEmpty(" Cgroup Driver:", S(info, "CgroupDriver"));
        NonEmpty(" Cgroup Version:", S(info, "CgroupVersion"));
        o.Append(" Plugins:\n");
        var plugins = info.TryGetProperty("Plugins", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        Line("  Volume:", plugins.ValueKind == JsonValueKind.Object ? Join(plugins, "Volume") : "");
        Line("  Network:", plugins.ValueKind == JsonValueKind.Object ? Join(plugins, "Network") : "");
        if (plugins.ValueKind == JsonValueKind.Object && Join(plugins, "Authorization") is { Length: > 0 } authz)
        {
            Line("  Authorization:", authz);
        }
        Line("  Log:", plugins.ValueKind == JsonValueKind.Object ? Join(plugins, "Log") : "");
        var swarm = info.TryGetProperty("Swarm", out var sw) && sw.ValueKind == JsonValueKind.Object ? S(sw, "LocalNodeState") : "";
        Line(" Swarm:", swarm);
        if (info.TryGetProperty("Runtimes", out var runtimes) && runtimes.ValueKind == JsonValueKind.Object && runtimes.EnumerateObject().Any())
        {
            Line(" Runtimes:", string.Join(' ', runtimes.EnumerateObject().Select(r => r.Name)));
            Line(" Default Runtime:", S(info, "DefaultRuntime"));
        }
        if (S(info, "OSType") == "linux")
        {
            string Commit(string k) => info.TryGetProperty(k, out var c) && c.ValueKind == JsonValueKind.Object ? S(c, "ID") : "";
            Line(" Init Binary:", S(info, "InitBinary"));
            Line(" containerd version:", Commit("ContainerdCommit"));
            Line(" runc version:", Commit("RuncCommit"));
            Line(" init version:", Commit("InitCommit"));
            if (info.TryGetProperty("SecurityOptions", out var so) && so.ValueKind == JsonValueKind.Array && so.GetArrayLength() > 0)
            {
                o.Append(" Security Options:\n");
                foreach (var opt in so.EnumerateArray())
                {
                    var kvs = (opt.GetString() ?? "").Split(',');
                    foreach (var kv in kvs)
                    {
                        var eq = kv.IndexOf('=', StringComparison.Ordinal);
                        var k = eq < 0 ? kv : kv[..eq];
                        var v = eq < 0 ? "" : kv[(eq + 1)..];
                        if (k == "name")
                        {
                            o.Append("  ").Append(v).Append('\n');
                        }
                        else if (k == "profile")
                        {
                            o.Append("   Profile: ").Append(v).Append('\n');
                        }
                    }
                }
            }
        }
        NonEmpty(" Kernel Version:", S(info, "KernelVersion"));
        NonEmpty(" Operating System:", S(info, "OperatingSystem"));
        NonEmpty(" OSType:", S(info, "OSType"));
        NonEmpty(" Architecture:", S(info, "Architecture"));
        Line(" CPUs:", S(info, "NCPU"));
        Line(" Total Memory:", HumanUnits.BytesSize(info.TryGetProperty("MemTotal", out var mem) && mem.ValueKind == JsonValueKind.Number ? mem.GetDouble() : 0));
        NonEmpty(" Name:", S(info, "Name"));
        NonEmpty(" ID:", S(info, "ID"));
        Line(" Docker Root Dir:", S(info, "DockerRootDir"));
        Line(" Debug Mode:", S(info, "Debug") is { Length: > 0 } dbg ? dbg : "false");
        NonEmpty(" HTTP Proxy:", S(info, "HttpProxy"));
        NonEmpty(" HTTPS Proxy:", S(info, "HttpsProxy"));
        NonEmpty(" No Proxy:", S(info, "NoProxy"));
        if (info.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Array && labels.GetArrayLength() > 0)
        {
            o.Append(" Labels:\n");
            foreach (var l in labels.EnumerateArray())
            {
                o.Append("  ").Append(l.GetString()).Append('\n');
            }
        }
        Line(" Experimental:", S(info, "ExperimentalBuild") is { Length: > 0 } exp ? exp : "false");
        if (info.TryGetProperty("RegistryConfig", out var rc) && rc.ValueKind == JsonValueKind.Object)
        {
            var insecure = new List<string>();
            if (rc.TryGetProperty("IndexConfigs", out var ic) && ic.ValueKind == JsonValueKind.Object)
            {
                foreach (var c in ic.EnumerateObject())
                {
                    if (c.Value.TryGetProperty("Secure", out var secure) && secure.ValueKind == JsonValueKind.False)
                    {
                        insecure.Add(S(c.Value, "Name"));
                    }
                }
            }
            if (rc.TryGetProperty("InsecureRegistryCIDRs", out var cidrs) && cidrs.ValueKind == JsonValueKind.Array)
            {
                insecure.AddRange(cidrs.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : c.GetRawText()));
            }
            var anyIndex = rc.TryGetProperty("IndexConfigs", out var ic2) && ic2.ValueKind == JsonValueKind.Object && ic2.EnumerateObject().Any();
            if (insecure.Count > 0 || anyIndex)
            {
                o.Append(" Insecure Registries:\n");
                foreach (var r in insecure)
                {
                    o.Append("  ").Append(r).Append('\n');
                }
            }
            if (rc.TryGetProperty("Mirrors", out var mirrors) && mirrors.ValueKind == JsonValueKind.Array && mirrors.GetArrayLength() > 0)
            {
                o.Append(" Registry Mirrors:\n");
                foreach (var m in mirrors.EnumerateArray())
                {
                    o.Append("  ").Append(m.GetString()).Append('\n');
                }
            }
        }
        Line(" Live Restore Enabled:", S(info, "LiveRestoreEnabled") is { Length: > 0 } lr ? lr : "false");
        if (S(info, "ProductLicense") is { Length: > 0 } license)
        {
            Line(" Product License:", license);
        }
        o.Append('\n');
        ctx.Io.Write(o.ToString());
        if (info.TryGetProperty("Warnings", out var warnings) && warnings.ValueKind == JsonValueKind.Array)
        {
            foreach (var w in warnings.EnumerateArray())
            {
                ctx.Io.ErrorLine(w.GetString() ?? "");
            }
        }
        return 0;
    }
}
