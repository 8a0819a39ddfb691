using System.Net;
using System.Runtime.InteropServices;
using Berth.Cli.Flags;
using Berth.Common;
using Berth.Distribution.Server;

namespace Berth.Cli.Commands;

/// <summary><c>berth registry serve</c>: an OCI distribution registry in the foreground, until SIGINT or SIGTERM.</summary>
internal sealed class RegistryServeCommand : Command
{
    public override string Name => "serve";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Serve an OCI registry (distribution spec v1.1) from a directory";

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("addr", '\0', "Address to listen on (host:port, or unix:///path)", null, "127.0.0.1:5000");
        flags.String("root", '\0', "Directory of the registry's storage", null, "/var/lib/berth-registry");
        flags.Bool("read-only", '\0', "Refuse every write (push, delete) with 405 UNSUPPORTED");
        flags.String("log-level", 'l', "Set the logging level (\"debug\", \"info\", \"warn\", \"error\")", null, "info");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var addr = inv.Flags.GetString("addr")!;
        IPEndPoint? endpoint = null;
        var unixPath = addr.StartsWith("unix://", StringComparison.Ordinal) && addr.Length > 7 ? addr[7..] : null;
        if (unixPath is null && (!IPEndPoint.TryParse(addr, out endpoint) || !addr.Contains(':', StringComparison.Ordinal)))
        {
            throw new StatusException($"berth: invalid --addr \"{addr}\": expected host:port with an IP address, or unix:///path", 125);
        }
        Log.Level = inv.Flags.GetString("log-level") switch
        {
            "debug" => LogLevel.Debug,
            "warn" or "warning" => LogLevel.Warn,
            "error" => LogLevel.Error,
            "fatal" => LogLevel.Fatal,
            _ => LogLevel.Info,
        };
        var root = inv.Flags.GetString("root")!;
        var readOnly = inv.Flags.GetBool("read-only");
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext c)
        {
            c.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        return ServeAsync(endpoint, unixPath, root, readOnly, stop.Token).GetAwaiter().GetResult();
    }

    private static async Task<int> ServeAsync(IPEndPoint? endpoint, string? unixPath, string root, bool readOnly, CancellationToken stop)
    {
        var store = new RegistryStore(root);
        var server = new RegistryServer(store, new RegistryServerOptions { ReadOnly = readOnly });
        await using (server.ConfigureAwait(false))
        {
            string bound;
            try
            {
                if (unixPath is not null)
                {
                    server.ListenUnix(unixPath);
                    bound = "unix://" + unixPath;
                }
                else
                {
                    bound = server.ListenTcp(endpoint!).ToString();
                }
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new StatusException($"berth: listen {(object?)unixPath ?? endpoint}: {e.Message}", 1);
            }
            server.Start();
            Log.Info("registry listening", ("addr", bound), ("root", store.Root), ("read-only", readOnly));
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Log.Info("registry stopping");
        }
        return 0;
    }
}
