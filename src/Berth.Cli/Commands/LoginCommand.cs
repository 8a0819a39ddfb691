using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth login [SERVER]</c>: checks the credentials through the daemon (<c>POST /auth</c>), then files
/// them where the docker CLI does (<c>~/.docker/config.json</c> or its credential helper).</summary>
internal sealed class LoginCommand : Command
{
    public override string Name => "login";

    public override string Usage => "[OPTIONS] [SERVER]";

    public override string Summary => "Authenticate to a registry";

    public override ArgRule Args => ArgRule.Between(0, 1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("password", 'p', "Password or Personal Access Token (PAT)");
        flags.Bool("password-stdin", '\0', "Take the Password or Personal Access Token (PAT) from stdin");
        flags.String("username", 'u', "Username");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var server = inv.Args.Count > 0 ? inv.Args[0] : DockerConfig.DockerHubKey;
        var domain = LogoutCommand.Domain(server);
        var user = inv.Flags.GetString("username") ?? "";
        var password = inv.Flags.GetString("password") ?? "";
        if (inv.Flags.GetBool("password-stdin"))
        {
            if (password.Length > 0)
            {
                throw new StatusException("--password and --password-stdin are mutually exclusive", 1);
            }
            if (user.Length == 0)
            {
                throw new StatusException("Must provide --username with --password-stdin", 1);
            }
            password = new StreamReader(ctx.Io.In, Encoding.UTF8).ReadToEnd().TrimEnd('\n', '\r');
        }
        else if (password.Length > 0)
        {
            ctx.Io.ErrorLine("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        var config = new DockerConfig();
        if (user.Length == 0 || password.Length == 0)
        {
            var stored = config.Get(domain);
            if (user.Length == 0 && password.Length == 0 && stored.User is not null && stored.Secret is not null)
            {
                (user, password) = (stored.User, stored.Secret);
            }
            else if (!ctx.Io.InIsTerminal)
            {
                throw new StatusException("Error: Cannot perform an interactive login from a non TTY device", 1);
            }
            else
            {
                if (user.Length == 0)
                {
                    ctx.Io.Write($"Username{(stored.User is null ? "" : $" ({stored.User})")}: ");
                    user = ReadLine(ctx) is { Length: > 0 } typed ? typed : stored.User ?? "";
                }
                if (user.Length == 0)
                {
                    throw new StatusException("Error: Non-null Username Required", 1);
                }
                ctx.Io.Write("Password: ");
                using (Terminal.TerminalMode.NoEcho())
                {
                    password = ReadLine(ctx);
                }
                ctx.Io.WriteLine("");
                if (password.Length == 0)
                {
                    throw new StatusException("Error: Password Required", 1);
                }
            }
        }
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("username", user);
            w.WriteString("password", password);
            w.WriteString("serveraddress", DockerConfig.KeyOf(domain));
            w.WriteEndObject();
        }
        ctx.Client.Call("POST", "/auth", null, buffer.ToArray());
        config.Store(domain, user, password);
        ctx.Io.WriteLine("Login Succeeded");
        return 0;
    }

    private static string ReadLine(CommandContext ctx)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (ctx.Io.In.Read(one) == 1 && one[0] != '\n')
        {
            bytes.Add(one[0]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
    }
}
