namespace Berth.Engine.Tests;

/// <summary>The host-side readings behind docker top and docker stats: ps output, /proc/PID/net/dev, /proc/stat.</summary>
public sealed class OperationsParsingTests
{
    private const string PsEf =
        "UID          PID    PPID  C STIME TTY          TIME CMD\n" +
        "root           1       0  0 12:00 ?        00:00:01 /sbin/init\n" +
        "root       24396   24376  0 11:52 ?        00:00:00 sh -c i=0; while true; do echo \"line $i\"; sleep 1; done\n" +
        "root       10647   24396  0 12:04 ?        00:00:00 sleep 1\n";

    [Fact]
    public void Ps_rows_are_those_of_the_container_with_the_command_in_one_column()
    {
        var top = PsOutput.Parse(PsEf, new HashSet<int> { 24396, 10647 });

        Assert.Equal(["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], top.Titles);
        Assert.Equal(2, top.Processes.Count);
        Assert.Equal(["root", "24396", "24376", "0", "11:52", "?", "00:00:00", "sh -c i=0; while true; do echo \"line $i\"; sleep 1; done"], top.Processes[0]);
        Assert.Equal("sleep 1", top.Processes[1][7]);
    }

    [Fact]
    public void Thread_rows_follow_their_process()
    {
        var output = "  PID   TID COMMAND\n  100     - sh\n    -   100 -\n  200     - other\n    -   200 -\n";
        var top = PsOutput.Parse(output, new HashSet<int> { 100 });
        Assert.Equal([["100", "-", "sh"], ["-", "100", "-"]], top.Processes);
    }

    [Fact]
    public void Ps_output_without_a_pid_column_is_an_error() =>
        Assert.Contains("Couldn't find PID field", Assert.Throws<Common.BerthException>(() => PsOutput.Parse("COMMAND\nsh\n", new HashSet<int>())).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("-o pid,comm")]
    [InlineData("-ef")]
    [InlineData("-o pid=PID")]
    public void Ps_arguments_that_keep_the_pid_column_are_allowed(string args) => PsOutput.ValidateArgs(args);

    [Fact]
    public void Renaming_another_column_to_pid_is_refused() =>
        Assert.Equal("specifying \"ppid=PID\" is not allowed", Assert.Throws<Common.BerthException>(() => PsOutput.ValidateArgs("-o ppid=PID")).Message);

    [Fact]
    public void Net_dev_gives_every_interface_but_loopback()
    {
        var text = "Inter-|   Receive                                                |  Transmit\n" +
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
            "    lo:     560       8    0    0    0     0          0         0      560       8    0    0    0     0       0          0\n" +
            "  eth0:    1226      15    1    2    0     0          0         0      648       7    3    4    0     0       0          0\n";

        var n = Assert.Single(NetDev.Parse(text));

        Assert.Equal(new NetworkCounters("eth0", 1226, 15, 1, 2, 648, 7, 3, 4), n);
    }

    [Fact]
    public void System_cpu_usage_sums_the_first_seven_fields_of_the_cpu_line() =>
        // (1360943 + 0 + 252746 + 892940 + 36076 + 0 + 4236) ticks of 10 ms; steal and guest are left out.
        Assert.Equal(25469410000000UL, HostCpu.ParseSystemUsage("cpu  1360943 0 252746 892940 36076 0 4236 10341 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"));

    [Theory]
    [InlineData("0-1\n", 2U)]
    [InlineData("0\n", 1U)]
    [InlineData("0-3,6,8-9", 7U)]
    public void Cpu_lists_count_their_cpus(string list, uint count) => Assert.Equal(count, HostCpu.ParseCpuList(list));
}
