namespace Berth.Linux.Tests;

/// <summary>Names and numbers as Docker's API and CLI accept them.</summary>
public sealed class ParsingTests
{
    [Theory]
    [InlineData("CAP_CHOWN", true, 0)]
    [InlineData("chown", true, 0)]
    [InlineData("cap_net_admin", true, 12)]
    [InlineData("NET_ADMIN", true, 12)]
    [InlineData("SYS_ADMIN", true, 21)]
    [InlineData("CAP_AUDIT_WRITE", true, 29)]
    [InlineData("CAP_CHECKPOINT_RESTORE", true, 40)]
    [InlineData("CAP_", false, -1)]
    [InlineData("ALL", false, -1)]   // "ALL" is the caller's shorthand (--cap-add ALL), not a capability
    [InlineData("CAP_BOGUS", false, -1)]
    public void Capabilities_TryParse(string name, bool ok, int cap)
    {
        Assert.Equal(ok, Capabilities.TryParse(name, out var parsed));
        Assert.Equal(cap, parsed);
    }

    [Fact]
    public void Capabilities_Mask_of_Dockers_defaults_is_the_well_known_a80425fb()
    {
        string[] defaults =
        [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
        ];
        Assert.Equal(0xa80425fbUL, Capabilities.Mask(defaults));
        Assert.Throws<ArgumentException>(() => Capabilities.Mask(["CAP_NOPE"]));
    }

    [Theory]
    [InlineData("KILL", true, 9)]
    [InlineData("SIGKILL", true, 9)]
    [InlineData("9", true, 9)]
    [InlineData("sigterm", true, 15)]
    [InlineData("term", true, 15)]
    [InlineData("HUP", true, 1)]
    [InlineData("SIGWINCH", true, 28)]
    [InlineData("IOT", true, 6)]
    [InlineData("CLD", true, 17)]
    [InlineData("RTMIN", true, 34)]
    [InlineData("RTMIN+3", true, 37)]
    [InlineData("SIGRTMIN+3", true, 37)]
    [InlineData("RTMAX", true, 64)]
    [InlineData("RTMAX-2", true, 62)]
    [InlineData("64", true, 64)]
    [InlineData("RTMIN+31", false, 65)]
    [InlineData("RTMAX+1", false, 65)]
    [InlineData("0", false, 0)]
    [InlineData("65", false, 65)]
    [InlineData("-9", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("bogus", false, -1)]
    [InlineData("SIG", false, -1)]
    public void Signals_TryParse(string text, bool ok, int signal)
    {
        Assert.Equal(ok, Signals.TryParse(text, out var parsed));
        if (ok)
        {
            Assert.Equal(signal, parsed);
        }
    }

    [Theory]
    [InlineData(9, "SIGKILL")]
    [InlineData(15, "SIGTERM")]
    [InlineData(37, "SIG37")]
    public void Signals_Name(int signal, string name) => Assert.Equal(name, Signals.Name(signal));

    [Theory]
    [InlineData(0x0000, 0, 0)]     // exit(0)
    [InlineData(0x0300, 3, 0)]     // exit(3)
    [InlineData(0xff00, 255, 0)]   // exit(255)
    [InlineData(0x0009, 137, 9)]   // killed by SIGKILL
    [InlineData(0x000f, 143, 15)]  // killed by SIGTERM
    [InlineData(0x008b, 139, 11)]  // SIGSEGV with a core dump (0x80)
    public void ExitStatus_FromWaitStatus(int raw, int code, int signal) =>
        Assert.Equal(new ExitStatus(code, signal), ExitStatus.FromWaitStatus(raw));
}
