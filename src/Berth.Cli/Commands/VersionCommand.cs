using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary><c>berth version</c>: the client's version and the daemon's <c>GET /version</c>, through docker's version template.</summary>
internal sealed class VersionCommand : Command
{
    // compat(docker): docker's defaultVersionTemplate; the client block shows what a .NET client has.
    private const string DefaultTemplate = """
        {{with .Client -}}
        Client:
         Version:	{{.Version}}
         API version:	{{.ApiVersion}}{{if ne .ApiVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
         OS/Arch:	{{.Os}}/{{.Arch}}
         Context:	{{.Context}}
        {{- end}}

        {{- if ne .Server nil}}{{with .Server}}

        Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
         {{- range $component := .Components}}
         {{$component.Name}}:
          {{- if eq $component.Name "Engine" }}
          Version:	{{.Version}}
          API version:	{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
          Go version:	{{index .Details "GoVersion"}}
          Git commit:	{{index .Details "GitCommit"}}
          Built:	{{index .Details "BuildTime"}}
          OS/Arch:	{{index .Details "Os"}}/{{index .Details "Arch"}}
          Experimental:	{{index .Details "Experimental"}}
          {{- else }}
          Version:	{{$component.Version}}
          {{- $detailsOrder := getDetailsOrder $component}}
          {{- range $key := $detailsOrder}}
          {{$key}}:	{{index $component.Details $key}}
           {{- end}}
          {{- end}}
         {{- end}}
         {{- end}}{{- end}}
        """;

    public override string Name => "version";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Show the Berth version information";

    public override void DefineFlags(FlagSet flags) => flags.String("format", 'f', "Format output using a custom template");

    internal static string Arch => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        var a => a.ToString().ToLowerInvariant(),
    };

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var format = inv.Flags.GetString("format") ?? "";
        GoTemplate template;
        var functions = new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
        {
            ["getDetailsOrder"] = args =>
            {
                var keys = new List<object?>();
                if (args.Count == 1 && args[0] is JsonElement c && c.TryGetProperty("Details", out var d) && d.ValueKind == JsonValueKind.Object)
                {
                    var names = d.EnumerateObject().Select(p => p.Name).ToList();
                    names.Sort(StringComparer.Ordinal);
                    keys.AddRange(names);
                }
                return keys;
            },
        };
        try
        {
            template = GoTemplate.Parse(format.Length == 0 ? DefaultTemplate.Replace("\r", "", StringComparison.Ordinal) : format == "json" ? "{{json .}}" : format, functions);
        }
        catch (TemplateException e)
        {
            throw new StatusException("template parsing error: " + e.Message, 64);
        }

        string? serverJson = null;
        DaemonException? error = null;
        string apiVersion;
        try
        {
            apiVersion = ctx.Client.Version;
            var (_, body, _) = ctx.Client.Call("GET", "/version");
            using var doc = JsonDocument.Parse(body);
            serverJson = RewriteServer(doc.RootElement);
        }
        catch (DaemonException e)
        {
            error = e;
            apiVersion = DockerClient.MaxApiVersion;
        }
        var data = new StringBuilder();
        data.Append("{\"Client\":{\"Version\":");
        GoJson.WriteString(data, BerthInfo.Version);
        data.Append(",\"ApiVersion\":");
        GoJson.WriteString(data, apiVersion);
        data.Append(",\"DefaultAPIVersion\":\"").Append(DockerClient.MaxApiVersion).Append("\",\"Os\":\"linux\",\"Arch\":\"").Append(Arch)
            .Append("\",\"Context\":\"default\"},\"Server\":").Append(serverJson ?? "null").Append('}');
        using var dataDoc = JsonDocument.Parse(data.ToString());
        var output = new StringBuilder();
        try
        {
            template.Execute(output, TemplateValues.FromJson(dataDoc.RootElement));
        }
        catch (TemplateException e)
        {
            ctx.Io.Write(TabWriter.Format(output + "\n", 20, 1));
            throw new StatusException("template: " + e.Message, 1);
        }
        ctx.Io.Write(TabWriter.Format(output + "\n", 20, 1));
        if (error is not null)
        {
            throw new StatusException(error.Message, 1);
        }
        return 0;
    }

    /// <summary>docker reformats the Engine's BuildTime (RFC 3339) as ANSIC, and synthesizes the Engine component when missing.</summary>
    private static string RewriteServer(JsonElement server)
    {
        var sb = new StringBuilder("{");
        var first = true;
        var sawEngine = false;
        foreach (var p in server.EnumerateObject())
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            GoJson.WriteString(sb, p.Name);
            sb.Append(':');
            if (p.Name == "Components" && p.Value.ValueKind == JsonValueKind.Array)
            {
                sb.Append('[');
                var firstComponent = true;
                foreach (var c in p.Value.EnumerateArray())
                {
                    if (!firstComponent)
                    {
                        sb.Append(',');
                    }
                    firstComponent = false;
                    if (c.TryGetProperty("Name", out var n) && n.GetString() == "Engine")
                    {
                        sawEngine = true;
                        WriteEngine(sb, c);
                    }
                    else
                    {
                        GoJson.WriteElement(sb, c);
                    }
                }
                if (!sawEngine)
                {
                    if (!firstComponent)
                    {
                        sb.Append(',');
                    }
                    sawEngine = true;
                    SynthesizeEngine(sb, server);
                }
                sb.Append(']');
            }
            else
            {
                GoJson.WriteElement(sb, p.Value);
            }
        }
        if (!sawEngine)
        {
            sb.Append(first ? "" : ",").Append("\"Components\":[");
            SynthesizeEngine(sb, server);
            sb.Append(']');
        }
        if (!server.TryGetProperty("Platform", out _))
        {
            sb.Append(",\"Platform\":{\"Name\":\"\"}");
        }
        return sb.Append('}').ToString();
    }

    private static void WriteEngine(StringBuilder sb, JsonElement c)
    {
        sb.Append('{');
        var first = true;
        foreach (var p in c.EnumerateObject())
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            GoJson.WriteString(sb, p.Name);
            sb.Append(':');
            if (p.Name == "Details" && p.Value.ValueKind == JsonValueKind.Object)
            {
                sb.Append('{');
                var firstDetail = true;
                foreach (var d in p.Value.EnumerateObject())
                {
                    if (!firstDetail)
                    {
                        sb.Append(',');
                    }
                    firstDetail = false;
                    GoJson.WriteString(sb, d.Name);
                    sb.Append(':');
                    if (d.Name == "BuildTime" && d.Value.ValueKind == JsonValueKind.String)
                    {
                        GoJson.WriteString(sb, ReformatDate(d.Value.GetString()!));
                    }
                    else
                    {
                        GoJson.WriteElement(sb, d.Value);
                    }
                }
                sb.Append('}');
            }
            else
            {
                GoJson.WriteElement(sb, p.Value);
            }
        }
        sb.Append('}');
    }

    private static void SynthesizeEngine(StringBuilder sb, JsonElement server)
    {
        string Get(string k) => server.TryGetProperty(k, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : "";
        sb.Append("{\"Name\":\"Engine\",\"Version\":");
        GoJson.WriteString(sb, Get("Version"));
        sb.Append(",\"Details\":{");
        (string, string)[] details =
        [
            ("ApiVersion", Get("ApiVersion")), ("Arch", Get("Arch")), ("BuildTime", ReformatDate(Get("BuildTime"))),
            ("Experimental", Get("Experimental") == "true" ? "true" : "false"), ("GitCommit", Get("GitCommit")),
            ("GoVersion", Get("GoVersion")), ("MinAPIVersion", Get("MinAPIVersion")), ("Os", Get("Os")),
        ];
        for (var i = 0; i < details.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            GoJson.WriteString(sb, details[i].Item1);
            sb.Append(':');
            GoJson.WriteString(sb, details[i].Item2);
        }
        sb.Append("}}");
    }

    /// <summary>RFC 3339 to Go's time.ANSIC ("Thu May  7 21:09:36 2026"), else unchanged.</summary>
    internal static string ReformatDate(string s)
    {
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return s;
        }
        return t.ToString("ddd MMM ", CultureInfo.InvariantCulture) + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
            + t.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
    }
}
