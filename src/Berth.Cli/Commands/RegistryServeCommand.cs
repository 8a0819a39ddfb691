using System.Net;
using System.Runtime.InteropServices;
using Berth.Cli.Flags;
using Berth.Common;
using Berth.Distribution.Auth;
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
        flags.String("tls-cert", '\0', "Serve HTTPS only (TLS 1.2+) with this PEM certificate (the chain may follow the leaf)");
        flags.String("tls-key", '\0', "PEM private key (RSA or EC) of --tls-cert");
        flags.String("tls-client-ca", '\0', "Require client certificates issued by a CA of this PEM bundle");
        flags.String("auth", '\0', "Authentication: \"none\", \"htpasswd\" (Basic) or \"token\" (bearer tokens from this server's /token)", null, "none");
        flags.String("htpasswd", '\0', "Users and bcrypt passwords (htpasswd -B); re-read when it changes");
        flags.String("realm", '\0', "Realm of the Basic challenge", null, "berth-registry");
        flags.String("access", '\0', "Access rules, lines of USER REPOSITORY-GLOB|registry:catalog pull,push,delete|* (default: users may do everything)");
        flags.Bool("anonymous-pull", '\0', "With --auth token: requests without credentials get pull tokens for every repository");
        flags.String("token-key", '\0', "With --auth token: PEM private key signing the tokens (EC P-256/P-384 or RSA; default: an ES256 key made at start)");
        flags.String("token-realm", '\0', "With --auth token: the token endpoint's URL in challenges (default: this server's /token at the request's Host)");
        flags.String("token-service", '\0', "With --auth token: the service named in challenges and tokens", null, "berth-registry");
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
        var certFile = inv.Flags.GetString("tls-cert");
        var keyFile = inv.Flags.GetString("tls-key");
        var clientCa = inv.Flags.GetString("tls-client-ca");
        if ((certFile is null) != (keyFile is null) || (clientCa is not null && certFile is null))
        {
            throw new StatusException("berth: --tls-cert and --tls-key go together, and --tls-client-ca needs both", 125);
        }
        RegistryTls? tls = null;
        RegistryAuth auth;
        try
        {
            tls = certFile is null ? null : RegistryTls.Load(certFile, keyFile!, clientCa);
            auth = RegistryAuth.Create(new RegistryAuthSettings
            {
                Mode = inv.Flags.GetString("auth")!,
                HtpasswdFile = inv.Flags.GetString("htpasswd"),
                AccessFile = inv.Flags.GetString("access"),
                Realm = inv.Flags.GetString("realm")!,
                AnonymousPull = inv.Flags.GetBool("anonymous-pull"),
                TokenKeyFile = inv.Flags.GetString("token-key"),
                TokenRealm = inv.Flags.GetString("token-realm"),
                Service = inv.Flags.GetString("token-service")!,
                Tls = tls is not null,
                DefaultHost = unixPath is null ? addr : "localhost",
            });
        }
        catch (BerthException e)
        {
            tls?.Dispose();
            throw new StatusException("berth: " + e.Message, 1);
        }
        using var tlsOwner = tls;
        using var authOwner = auth;
        if (auth.AccessControl is not null && tls is null && unixPath is null)
        {
            Log.Warn("registry authentication without TLS: credentials and tokens cross the network in clear text");
        }
        var options = new RegistryServerOptions
        {
            ReadOnly = readOnly,
            ConnectionFilter = tls is null ? null : tls.Filter,
            AccessControl = auth.AccessControl ?? new RegistryServerOptions().AccessControl,
            Endpoints = auth.Endpoints,
        };
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext c)
        {
            c.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        return ServeAsync(endpoint, unixPath, root, options, inv.Flags.GetString("auth")!, stop.Token).GetAwaiter().GetResult();
    }

    private static async Task<int> ServeAsync(IPEndPoint? endpoint, string? unixPath, string root, RegistryServerOptions options, string auth, CancellationToken stop)
    {
        var store = new RegistryStore(root);
        var server = new RegistryServer(store, options);
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
            Log.Info("registry listening", ("addr", bound), ("root", store.Root), ("read-only", options.ReadOnly), ("tls", options.ConnectionFilter is not null), ("auth", auth));
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Log.Info("registry stopping");
        }
        return 0;
    }
}
