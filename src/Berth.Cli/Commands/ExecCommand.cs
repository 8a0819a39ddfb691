using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth exec</c>, as the docker CLI does it: create the exec, start it on a hijacked connection (or detached),
/// then read its exit code from <c>GET /exec/{id}/json</c>.
/// </summary>
internal sealed class ExecCommand : Command
{
    public override string Name => "exec";

    public override string Usage => "[OPTIONS] CONTAINER COMMAND [ARG...]";

    public override string Summary => "Execute a command in a running container";

    public override ArgRule Args => ArgRule.AtLeast(2);

    public override bool Interspersed => false;

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("detach", 'd', "Detached mode: run command in the background");
        flags.String("detach-keys", '\0', "Override the key sequence for detaching a container");
        flags.List("env", 'e', "Set environment variables");
        flags.List("env-file", '\0', "Read in a file of environment variables");
        flags.Bool("interactive", 'i', "Keep STDIN open even if not attached");
        flags.Bool("privileged", '\0', "Give extended privileges to the command");
        flags.Bool("tty", 't', "Allocate a pseudo-TTY");
        flags.String("user", 'u', "Username or UID (format: \"<name|uid>[:<group|gid>]\")");
        flags.String("workdir", 'w', "Working directory inside the container");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var container = inv.Args[0];
        var detach = f.GetBool("detach");
        var detachKeys = AttachSession.ParseDetachKeys(f.GetString("detach-keys"));
        var tty = f.GetBool("tty");
        var interactive = f.GetBool("interactive");
        var env = new List<string>();
        foreach (var file in f.GetList("env-file"))
        {
            env.AddRange(ContainerOptions.ReadKeyValueFile(file, ctx.GetEnv));
        }
        foreach (var e in f.GetList("env"))
        {
            env.Add(e.Contains('=', StringComparison.Ordinal) ? e : ctx.GetEnv(e) is { } value ? e + "=" + value : e);
        }
        var (rows, cols) = tty && ctx.Io.OutIsTerminal ? Terminal.TerminalMode.Size() : (0, 0);
        var body = new GoJsonWriter().BeginObject()
            .String("User", f.GetString("user") ?? "")
            .Bool("Privileged", f.GetBool("privileged"))
            .Bool("Tty", tty)
            .Bool("AttachStdin", interactive && !detach)
            .Bool("AttachStderr", !detach)
            .Bool("AttachStdout", !detach)
            .Bool("Detach", detach)
            .String("DetachKeys", f.GetString("detach-keys") ?? "");
        if (env.Count > 0)
        {
            body.Strings("Env", env);
        }
        else
        {
            body.Null("Env");
        }
        body.String("WorkingDir", f.GetString("workdir") ?? "").Strings("Cmd", [.. inv.Args.Skip(1)]);
        if (rows > 0)
        {
            body.BeginArray("ConsoleSize").Number(rows).Number(cols).EndArray();
        }
        body.EndObject();

        string execId;
        try
        {
            var (_, created, _) = ctx.Client.Call("POST", Requests.ContainerPath(container, "/exec"), json: body.ToBody());
            using var doc = JsonDocument.Parse(created);
            execId = doc.RootElement.GetProperty("Id").GetString()!;
        }
        catch (DaemonException e)
        {
            throw new StatusException(e.Message, 1);
        }
        var start = new GoJsonWriter().BeginObject().Bool("Detach", detach).Bool("Tty", tty);
        if (rows > 0)
        {
            start.BeginArray("ConsoleSize").Number(rows).Number(cols).EndArray();
        }
        var startBody = start.EndObject().ToBody();
        if (detach)
        {
            ctx.Client.Call("POST", "/exec/" + GoQuery.EscapePath(execId) + "/start", json: startBody);
            return 0;
        }
        var conn = ctx.Client.Hijack("/exec/" + GoQuery.EscapePath(execId) + "/start", new GoQuery(), startBody);
        using var session = AttachSession.ForExec(ctx, conn, interactive, tty, detachKeys);
        var raw = interactive && tty && ctx.Io.InIsTerminal ? Terminal.TerminalMode.MakeRaw() : null;
        PosixSignalRegistration? winch = null;
        try
        {
            if (tty && ctx.Io.OutIsTerminal)
            {
                winch = ContainerRunner.MonitorResize(ctx, "/exec/" + GoQuery.EscapePath(execId) + "/resize", redraw: false);
            }
            session.Wait();
        }
        finally
        {
            raw?.Dispose();
            winch?.Dispose();
        }
        if (session.Detached)
        {
            ctx.Io.ErrorLine("\r\nread escape sequence");
            return 0;
        }
        var (_, inspect, _) = ctx.Client.Call("GET", "/exec/" + GoQuery.EscapePath(execId) + "/json");
        using var state = JsonDocument.Parse(inspect);
        var code = state.RootElement.TryGetProperty("ExitCode", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0;
        return code == 0 ? 0 : throw new StatusException("", code);
    }
}
