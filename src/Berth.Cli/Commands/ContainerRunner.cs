using System.Runtime.InteropServices;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Formatting;
using Berth.Http;

namespace Berth.Cli.Commands;

/// <summary>The steps <c>run</c>, <c>create</c> and <c>start -a</c> share: create (with the auto-pull), wait, start, signals.</summary>
internal static class ContainerRunner
{
    /// <summary>docker's createContainer; returns the new container's ID.</summary>
    public static string Create(CommandContext ctx, ContainerSpec spec)
    {
        if (!ImageReference.IsValidAny(spec.Image, out var refError))
        {
            throw new DaemonException(0, refError);
        }
        ImageReference? named = ImageReference.TryParseNormalized(spec.Image, out var r, out _) ? r.WithDefaultTag() : null;
        if (spec.ContainerIdFile.Length > 0 && File.Exists(spec.ContainerIdFile))
        {
            throw new DaemonException(0, $"container ID file found, make sure the other container isn't running or delete {spec.ContainerIdFile}");
        }
        if (spec.Pull == "always" && named is not null)
        {
            Pull(ctx, named, spec);
        }
        if (ctx.Io.OutIsTerminal)
        {
            (spec.ConsoleHeight, spec.ConsoleWidth) = Terminal.TerminalMode.Size();
        }
        var query = new GoQuery();
        if (spec.Name.Length > 0)
        {
            query.Add("name", spec.Name);
        }
        if (spec.Platform.Length > 0 && ctx.Client.VersionAtLeast("1.41"))
        {
            query.Add("platform", spec.Platform.ToLowerInvariant());
        }
        // compat(docker): the client refuses what an older daemon would ignore (the CLI 28 sends a MAC address only per
        // endpoint).
        if (spec.HealthStartInterval != 0 && !ctx.Client.VersionAtLeast("1.44"))
        {
            throw new DaemonException(0, $"\"specify health-check start interval\" requires API version 1.44, but the Docker daemon API version is {ctx.Client.Version}");
        }
        if (spec.Endpoints.Any(e => e.MacAddress.Length > 0) && !ctx.Client.VersionAtLeast("1.44"))
        {
            throw new DaemonException(0, $"\"specify mac-address per network\" requires API version 1.44, but the Docker daemon API version is {ctx.Client.Version}");
        }
        var body = CreateBody.Write(spec);
        byte[] answer;
        try
        {
            (_, answer, _) = ctx.Client.Call("POST", "/containers/create", query, body);
        }
        catch (DaemonException e) when (e.IsNotFound && named is not null && spec.Pull == "missing")
        {
            if (!spec.Quiet)
            {
                ctx.Io.ErrorLine($"Unable to find image '{named.FamiliarString}' locally");
            }
            Pull(ctx, named, spec);
            (_, answer, _) = ctx.Client.Call("POST", "/containers/create", query, body);
        }
        using var doc = JsonDocument.Parse(answer);
        var id = doc.RootElement.GetProperty("Id").GetString()!;
        if (doc.RootElement.TryGetProperty("Warnings", out var warnings) && warnings.ValueKind == JsonValueKind.Array)
        {
            foreach (var w in warnings.EnumerateArray())
            {
                ctx.Io.ErrorLine("WARNING: " + w.GetString());
            }
        }
        if (spec.ContainerIdFile.Length > 0)
        {
            File.WriteAllText(spec.ContainerIdFile, id);
        }
        return id;
    }

    /// <summary><c>POST /images/create?fromImage=NAME&amp;tag=TAG</c>, progress to stderr.</summary>
    private static void Pull(CommandContext ctx, ImageReference named, ContainerSpec spec)
    {
        var query = new GoQuery().Add("fromImage", named.Name).Add("tag", named.Digest ?? named.Tag ?? "latest");
        if (spec.Platform.Length > 0)
        {
            query.Add("platform", spec.Platform.ToLowerInvariant());
        }
        try
        {
            PullCommand.Transfer(ctx, "/images/create", query, named.Domain, spec.Quiet ? Stream.Null : ctx.Io.Err);
        }
        catch (StatusException e)
        {
            throw new DaemonException(0, e.Message);
        }
    }

    /// <summary>docker's toStatusError: 127 for a missing executable, 126 for a permission problem, else 125.</summary>
    public static StatusException RunError(Exception e, string command = "run")
    {
        var message = e.Message;
        var code = message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such file or directory", StringComparison.Ordinal) ||
                   message.Contains("system cannot find the file specified", StringComparison.Ordinal)
            ? 127
            : message.Contains("permission denied", StringComparison.Ordinal) || message.Contains("is a directory", StringComparison.Ordinal)
                ? 126
                : 125;
        return new StatusException($"berth: {message}\n\nRun 'berth {command} --help' for more information", code);
    }

    /// <summary>A <c>POST /wait?condition=...</c> registered now (its headers read), answered on a background thread.</summary>
    public sealed class Waiter
    {
        private readonly Thread _thread;
        private int _status = 125;

        public Waiter(CommandContext ctx, string id, bool removed, bool nextExit = true)
        {
            var query = nextExit || removed ? new GoQuery().Add("condition", removed ? "removed" : "next-exit") : new GoQuery();
            var (conn, _, body) = ctx.Client.Stream("POST", Requests.ContainerPath(id, "/wait"), query);
            Connection = conn;
            _thread = new Thread(() =>
            {
                try
                {
                    var status = WaitCommand.ReadStatus(body, out var error);
                    if (error is not null)
                    {
                        ctx.Io.ErrorLine("Error waiting for container: " + error);
                        _status = 125;
                    }
                    else
                    {
                        _status = (int)status;
                    }
                }
                catch (Exception e) when (e is IOException or JsonException or Berth.Http.HttpProtocolException or System.Net.Sockets.SocketException or ObjectDisposedException)
                {
                    _status = 125;
                }
            })
            { IsBackground = true, Name = "wait" };
            _thread.Start();
        }

        public ApiConnection Connection { get; }

        public int Result()
        {
            _thread.Join();
            Connection.Dispose();
            return _status;
        }
    }

    /// <summary>
    /// compat(docker): signals berth receives go to the container (<c>POST /kill?signal=INT</c>) instead of ending berth.
    /// </summary>
    public static List<PosixSignalRegistration> ProxySignals(CommandContext ctx, string id)
    {
        var list = new List<PosixSignalRegistration>();
        foreach (var (signal, name) in new[] { (PosixSignal.SIGINT, "INT"), (PosixSignal.SIGTERM, "TERM"), (PosixSignal.SIGHUP, "HUP"), (PosixSignal.SIGQUIT, "QUIT") })
        {
            list.Add(PosixSignalRegistration.Create(signal, c =>
            {
                c.Cancel = true;
                var t = new Thread(() =>
                {
                    try
                    {
                        using var conn = ctx.Client.Connect();
                        var (_, _, body) = ctx.Client.Stream("POST", Requests.ContainerPath(id, "/kill"), new GoQuery().Add("signal", name), conn: conn);
                        body.CopyTo(Stream.Null);
                    }
                    catch (DaemonException e)
                    {
                        ctx.Io.ErrorLine(e.Message);
                    }
                })
                { IsBackground = true };
                t.Start();
            }));
        }
        return list;
    }

    /// <summary>Sends the terminal size now and whenever it changes.</summary>
    public static PosixSignalRegistration? MonitorTtySize(CommandContext ctx, string id, bool redraw = false) =>
        MonitorResize(ctx, Requests.ContainerPath(id, "/resize"), redraw);

    /// <summary>Sends the terminal size to <paramref name="resizePath"/> (a container's or an exec's) now and on every SIGWINCH.</summary>
    public static PosixSignalRegistration? MonitorResize(CommandContext ctx, string resizePath, bool redraw)
    {
        void Resize() => SendSize(0);
        void SendSize(int extra)
        {
            var (rows, cols) = Terminal.TerminalMode.Size();
            if (rows == 0 && cols == 0)
            {
                return;
            }
            (rows, cols) = (rows + extra, cols + extra);
            try
            {
                using var conn = ctx.Client.Connect();
                var query = new GoQuery().Add("h", rows.ToString(System.Globalization.CultureInfo.InvariantCulture)).Add("w", cols.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var (_, _, body) = ctx.Client.Stream("POST", resizePath, query, conn: conn);
                body.CopyTo(Stream.Null);
            }
            catch (DaemonException e)
            {
                ctx.Io.ErrorLine("Error monitoring TTY size: " + e.Message);
            }
        }
        if (redraw)
        {
            SendSize(1); // compat(docker): attach sizes one larger first, so the program redraws
        }
        Resize();
        return PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c =>
        {
            c.Cancel = true;
            new Thread(Resize) { IsBackground = true }.Start();
        });
    }

    /// <summary>Starts <paramref name="id"/> with everything attached, then returns the container's exit status.</summary>
    public static int StartAttached(CommandContext ctx, string id, bool stdin, bool stdout, bool stderr, bool tty, bool autoRemove, bool sigProxy, string command, string? detachKeys = null)
    {
        var signals = sigProxy ? ProxySignals(ctx, id) : [];
        AttachSession session;
        try
        {
            session = AttachSession.Open(ctx, id, stdin, stdout, stderr, tty, stderrToOut: tty && command == "run", detachKeys);
        }
        catch
        {
            DisposeAll(signals);
            throw;
        }
        Terminal.TerminalMode? raw = null;
        PosixSignalRegistration? winch = null;
        try
        {
            var waiter = new Waiter(ctx, id, autoRemove);
            if (stdin && tty && ctx.Io.InIsTerminal)
            {
                raw = Terminal.TerminalMode.MakeRaw();
            }
            try
            {
                ctx.Client.Call("POST", Requests.ContainerPath(id, "/start"));
            }
            catch (DaemonException e)
            {
                raw?.Dispose();
                raw = null;
                session.Cancel();
                if (autoRemove)
                {
                    waiter.Result();
                }
                throw command == "run" ? RunError(e) : new StatusException(e.Message, 1);
            }
            if (tty && ctx.Io.OutIsTerminal)
            {
                winch = MonitorTtySize(ctx, id);
            }
            session.Wait();
            raw?.Dispose();
            raw = null;
            if (session.Detached)
            {
                return 0; // compat(docker): run and start detach silently; attach says "read escape sequence"
            }
            return waiter.Result();
        }
        finally
        {
            raw?.Dispose();
            winch?.Dispose();
            DisposeAll(signals);
            session.Dispose();
        }
    }

    /// <summary>
    /// <c>attach</c> to a running container: its exit status (from a wait registered first), or 1 after a detach,
    /// as the docker CLI does (it prints <c>read escape sequence</c>).
    /// </summary>
    public static int Attach(CommandContext ctx, string id, bool stdin, bool tty, bool sigProxy, string? detachKeys)
    {
        var waiter = new Waiter(ctx, id, removed: false, nextExit: false);
        var signals = sigProxy ? ProxySignals(ctx, id) : [];
        Terminal.TerminalMode? raw = null;
        PosixSignalRegistration? winch = null;
        try
        {
            using var session = AttachSession.Open(ctx, id, stdin, true, true, tty, stderrToOut: false, detachKeys);
            if (stdin && tty && ctx.Io.InIsTerminal)
            {
                raw = Terminal.TerminalMode.MakeRaw();
            }
            if (tty && ctx.Io.OutIsTerminal)
            {
                winch = MonitorTtySize(ctx, id, redraw: true);
            }
            session.Wait();
            raw?.Dispose();
            raw = null;
            if (session.Detached)
            {
                ctx.Io.ErrorLine("read escape sequence");
                return 1;
            }
            return waiter.Result();
        }
        finally
        {
            raw?.Dispose();
            winch?.Dispose();
            DisposeAll(signals);
        }
    }

    private static void DisposeAll(List<PosixSignalRegistration> list)
    {
        foreach (var r in list)
        {
            r.Dispose();
        }
    }
}
