using System.Net;
using System.Net.Sockets;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>A <c>berth registry serve</c> on a free port of 127.0.0.1 with a root of its own, for one test class;
/// stopped and its root removed at Dispose.</summary>
public sealed class LocalRegistry : IDisposable
{
    private readonly BackgroundCommand _process;

    /// <summary>The xunit class fixture: a registry without authentication.</summary>
    public LocalRegistry()
        : this(Array.Empty<string>())
    {
    }

    internal LocalRegistry(IReadOnlyList<string> flags)
    {
        Root = Path.Join(Path.GetTempPath(), "berth-e2e-registry-" + Guid.NewGuid().ToString("N")[..8]);
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _process = new BackgroundCommand(RepoLayout.Binary("berth"), ["registry", "serve", "--addr", Address, "--root", Root, .. flags], new Dictionary<string, string>());
        Poll.Until($"the registry on {Address}", () =>
        {
            using var client = new TcpClient();
            try
            {
                client.Connect(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return _process.HasExited ? throw new InvalidOperationException("berth registry serve exited: " + _process.Stderr) : false;
            }
        }, ok => ok);
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>: a loopback registry, so plain HTTP, as Docker allows.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public string Root { get; }

    public string Log => _process.Stderr;

    public void Dispose()
    {
        _process.Dispose();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
