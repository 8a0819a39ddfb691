using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Distribution.Client;

namespace Berth.Cli.Commands;

/// <summary><c>berth logout [SERVER]</c>: forgets the stored credentials of a registry.</summary>
internal sealed class LogoutCommand : Command
{
    public override string Name => "logout";

    public override string Usage => "[SERVER]";

    public override string Summary => "Log out from a registry";

    public override ArgRule Args => ArgRule.Between(0, 1);

    public override void DefineFlags(FlagSet flags)
    {
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var server = inv.Args.Count > 0 ? inv.Args[0] : DockerConfig.DockerHubKey;
        var domain = Domain(server);
        var config = new DockerConfig();
        if (!config.Erase(domain))
        {
            ctx.Io.WriteLine($"Not logged in to {DockerConfig.KeyOf(domain)}");
            return 0;
        }
        ctx.Io.WriteLine($"Removing login credentials for {DockerConfig.KeyOf(domain)}");
        return 0;
    }

    /// <summary>The registry a <c>login</c>/<c>logout</c> argument names (scheme and path dropped; Docker Hub's
    /// addresses are <c>docker.io</c>).</summary>
    internal static string Domain(string server) => RegistryHosts.NormalizeServerAddress(server);
}
