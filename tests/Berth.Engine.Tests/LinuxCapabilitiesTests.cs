using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine.Tests;

public sealed class LinuxCapabilitiesTests
{
    private static readonly IReadOnlyList<string> Available = LinuxCapabilities.OnHost("40", "CapBnd:\t000001fffeffffff");

    private static List<string> For(bool privileged = false, string[]? add = null, string[]? drop = null) =>
        LinuxCapabilities.For(new HostConfig { Privileged = privileged, CapAdd = add?.ToList(), CapDrop = drop?.ToList() }, SpecBuilder.DefaultCapabilities, Available);

    [Fact]
    public void The_host_set_is_the_kernels_less_what_the_bounding_set_lacks()
    {
        Assert.Equal(40, Available.Count); // 41 known, CAP_SYS_RESOURCE (24) dropped by this VM
        Assert.DoesNotContain("CAP_SYS_RESOURCE", Available);
        Assert.Equal(["CAP_CHOWN", "CAP_DAC_OVERRIDE"], LinuxCapabilities.OnHost("1", "CapBnd:\tffffffffffffffff"));
    }

    [Fact]
    public void Defaults_less_dropped_plus_added()
    {
        var caps = For(add: ["net_admin", "CAP_SYS_PTRACE"], drop: ["chown"]);
        Assert.DoesNotContain("CAP_CHOWN", caps);
        Assert.Contains("CAP_NET_ADMIN", caps);
        Assert.Contains("CAP_SYS_PTRACE", caps);
        Assert.Equal(SpecBuilder.DefaultCapabilities.Count + 1, caps.Count);
    }

    [Fact]
    public void All_in_drop_keeps_only_the_added_and_all_in_add_takes_every_available_but_the_dropped()
    {
        Assert.Equal(["CAP_NET_ADMIN"], For(add: ["NET_ADMIN"], drop: ["ALL"]));
        Assert.Equal(Available.Where(c => c != "CAP_KILL"), For(add: ["all"], drop: ["kill"]));
        Assert.Equal(Available, For(privileged: true, drop: ["ALL"]));
    }

    [Theory]
    [InlineData("FOO", "invalid CapAdd: unknown capability: \"CAP_FOO\"")]
    [InlineData("SYS_RESOURCE", "invalid CapAdd: capability \"CAP_SYS_RESOURCE\" is not available on this host (berthd's own bounding set lacks it)")]
    public void Unknown_or_unavailable_capabilities_are_refused(string cap, string message)
    {
        var e = Assert.Throws<BerthException>(() => For(add: [cap]));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal(message, e.Message);
    }
}
