using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth wait</c>: <c>POST /containers/{id}/wait</c> for each, printing the exit codes.</summary>
internal sealed class WaitCommand : Command
{
    public override string Name => "wait";

    public override string Usage => "CONTAINER [CONTAINER...]";

    public override string Summary => "Block until one or more containers stop, then print their exit codes";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
    }

    /// <summary>Reads a wait answer: the StatusCode, or the error the daemon reported in the body.</summary>
    internal static long ReadStatus(Stream body, out string? error)
    {
        var ms = new MemoryStream();
        body.CopyTo(ms);
        error = null;
        using var doc = JsonDocument.Parse(ms.ToArray());
        if (doc.RootElement.TryGetProperty("Error", out var e) && e.ValueKind == JsonValueKind.Object &&
            e.TryGetProperty("Message", out var m) && m.GetString() is { Length: > 0 } message)
        {
            error = message;
        }
        return doc.RootElement.TryGetProperty("StatusCode", out var s) ? s.GetInt64() : 0;
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var errors = new List<string>();
        foreach (var name in inv.Args)
        {
            try
            {
                var (conn, _, body) = ctx.Client.Stream("POST", Requests.ContainerPath(name, "/wait"));
                using (conn)
                {
                    var status = ReadStatus(body, out var error);
                    if (error is not null)
                    {
                        errors.Add(error);
                        continue;
                    }
                    ctx.Io.WriteLine(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            catch (DaemonException e)
            {
                errors.Add(e.Message);
            }
        }
        if (errors.Count > 0)
        {
            throw new StatusException(string.Join('\n', errors), 1);
        }
        return 0;
    }
}
