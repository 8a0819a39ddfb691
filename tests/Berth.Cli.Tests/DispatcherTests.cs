using System.Text;

namespace Berth.Cli.Tests;

/// <summary>Command-line handling that needs no daemon: exit codes and messages as docker's.</summary>
public sealed class DispatcherTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new MemoryStream();
        var error = new MemoryStream();
        var io = new ConsoleStreams(new MemoryStream(), output, error, false, false);
        int code;
        try
        {
            code = Dispatcher.Run(args, io, _ => null);
        }
        catch (StatusException e)
        {
            io.ErrorLine(e.Message);
            code = e.ExitCode;
        }
        return (code, Encoding.UTF8.GetString(output.ToArray()), Encoding.UTF8.GetString(error.ToArray()));
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-v")]
    public void PrintsVersion(string flag)
    {
        var (code, output, _) = Run(flag);
        Assert.Equal(0, code);
        Assert.Equal("Berth version " + BerthInfo.Version + "\n", output);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, 1, "berth: 'frobnicate' is not a berth command.\nSee 'berth --help'\n")]
    [InlineData(new[] { "ps", "--bogus" }, 125, "unknown flag: --bogus\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n")]
    [InlineData(new[] { "run", "--bogus", "img" }, 125, "unknown flag: --bogus\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth run --help' for more information\n")]
    [InlineData(new[] { "ps", "x" }, 1, "berth: 'berth ps' accepts no arguments\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n")]
    [InlineData(new[] { "run" }, 1, "berth: 'berth run' requires at least 1 argument\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'berth run --help' for more information\n")]
    [InlineData(new[] { "container", "ls", "-x" }, 125, "unknown shorthand flag: 'x' in -x\n\nUsage:  berth container ls [OPTIONS]\n\nRun 'berth container ls --help' for more information\n")]
    [InlineData(new[] { "tag", "a" }, 1, "berth: 'berth tag' requires 2 arguments\n\nUsage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\nRun 'berth tag --help' for more information\n")]
    [InlineData(new[] { "run", "--restart", "always", "--rm", "img" }, 125, "berth: conflicting options: cannot specify both --restart and --rm\n\nRun 'berth run --help' for more information\n")]
    [InlineData(new[] { "-H", "tcp://1.2.3.4:2375", "ps" }, 1, "berth: unsupported daemon address tcp://1.2.3.4:2375: only unix:// sockets are supported\n")]
    public void UsageErrors(string[] args, int code, string stderr)
    {
        var (c, _, err) = Run(args);
        Assert.Equal(code, c);
        Assert.Equal(stderr, err);
    }

    [Fact]
    public void UnreachableDaemon()
    {
        var e = Assert.Throws<Berth.Cli.Api.DaemonException>(() => Run("-H", "unix:///nonexistent/berth.sock", "ps"));
        Assert.Equal("Cannot connect to the Docker daemon at unix:///nonexistent/berth.sock. Is the docker daemon running?", e.Message);
    }

    [Fact]
    public void SaveRefusesTerminal()
    {
        var io = new ConsoleStreams(new MemoryStream(), new MemoryStream(), new MemoryStream(), false, outIsTerminal: true);
        var e = Assert.Throws<StatusException>(() => Dispatcher.Run(["-H", "unix:///nonexistent.sock", "save", "img"], io, _ => null));
        Assert.Equal("cowardly refusing to save to a terminal. Use the -o flag or redirect", e.Message);
        Assert.Equal(1, e.ExitCode);
    }

    [Fact]
    public void HelpGoesToStdout()
    {
        var (code, output, _) = Run("ps", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:  berth ps [OPTIONS]", output);
        Assert.Contains("-a, --all", output);
    }
}
