using System.Diagnostics;
using System.Text;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>
/// A client run on a real terminal, for the <c>-t</c> cases: util-linux <c>script</c> gives the command a pty of
/// its own (of the size set with stty) and relays what the test types; the test reads what the terminal shows.
/// </summary>
public sealed class TerminalSession : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _screen = new();
    private readonly Thread _reader;

    public TerminalSession(BerthEngine engine, string client, string arguments, int rows = 30, int columns = 100)
    {
        var program = client == "berth" ? RepoLayout.Binary("berth") : "docker";
        var psi = new ProcessStartInfo("script", ["-qefc", $"stty rows {rows} cols {columns}; exec {program} {arguments}", "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["DOCKER_HOST"] = engine.Daemon.Host;
        psi.Environment["TERM"] = "xterm";
        _process = Process.Start(psi) ?? throw new InvalidOperationException("script did not start");
        _reader = new Thread(() =>
        {
            var buf = new char[4096];
            int n;
            while ((n = _process.StandardOutput.Read(buf, 0, buf.Length)) > 0)
            {
                lock (_screen)
                {
                    _screen.Append(buf, 0, n);
                }
            }
        })
        { IsBackground = true };
        _reader.Start();
    }

    /// <summary>Everything the terminal has shown so far.</summary>
    public string Screen
    {
        get
        {
            lock (_screen)
            {
                return _screen.ToString();
            }
        }
    }

    /// <summary>Types text, as keystrokes (a carriage return ends a line on a terminal).</summary>
    public void Type(string keys)
    {
        _process.StandardInput.Write(keys);
        _process.StandardInput.Flush();
    }

    public void WaitFor(string text, TimeSpan? timeout = null) =>
        Poll.Until($"\"{text}\" on the terminal", () => Screen, s => s.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>Waits for the client to end; its exit status.</summary>
    public int Exit(TimeSpan? timeout = null)
    {
        if (!_process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail("the client on the terminal did not end; it showed:\n" + Screen);
        }
        _reader.Join(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
