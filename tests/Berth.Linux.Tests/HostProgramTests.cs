namespace Berth.Linux.Tests;

/// <summary>Host programs run to completion with their output captured (ps for docker top, useradd,
/// iptables-legacy-restore fed its rules on stdin).</summary>
public sealed class HostProgramTests
{
    [Fact]
    public async Task Stdin_is_fed_and_stdout_captured()
    {
        var r = await HostProgram.RunAsync(HostProgram.Find("cat")!, [], "*filter\nCOMMIT\n");
        Assert.Equal((0, "*filter\nCOMMIT\n", ""), (r.ExitCode, r.Stdout, r.Stderr));
    }

    [Fact]
    public async Task Without_input_stdin_is_empty_and_the_exit_code_and_stderr_are_kept()
    {
        var r = await HostProgram.RunAsync(HostProgram.Find("sh")!, ["-c", "wc -c; echo oops >&2; exit 3"]);
        Assert.Equal((3, "0\n", "oops\n"), (r.ExitCode, r.Stdout.TrimStart(), r.Stderr));
    }

    [Fact]
    public async Task A_program_that_stops_reading_early_does_not_fail_the_caller()
    {
        var r = await HostProgram.RunAsync(HostProgram.Find("sh")!, ["-c", "exit 1"], new string('x', 1 << 20));
        Assert.Equal(1, r.ExitCode);
    }

    [Fact]
    public void Programs_are_found_on_PATH_and_in_the_extra_directories()
    {
        Assert.NotNull(HostProgram.Find("sh"));
        Assert.Null(HostProgram.Find("no-such-program-berth"));
        var dir = Directory.CreateTempSubdirectory("berth-hostprogram-").FullName;
        try
        {
            var tool = Path.Join(dir, "berth-extra-tool");
            File.WriteAllText(tool, "#!/bin/sh\n");
            Assert.Null(HostProgram.Find("berth-extra-tool", dir)); // not executable
            File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            Assert.Equal(tool, HostProgram.Find("berth-extra-tool", dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
