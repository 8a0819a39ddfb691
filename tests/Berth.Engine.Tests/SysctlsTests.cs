using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine.Tests;

public sealed class SysctlsTests
{
    private static void Validate(string key, string? value = "1", string network = "", string ipc = "") =>
        Sysctls.Validate(new HostConfig { Sysctls = new() { [key] = value! }, NetworkMode = network, IpcMode = ipc });

    [Theory]
    [InlineData("net.ipv4.ip_forward")]
    [InlineData("net.ipv4.conf.eth0.rp_filter")]
    [InlineData("kernel.shmmax")]
    [InlineData("fs.mqueue.msg_max")]
    public void Namespaced_sysctls_are_taken(string key) => Validate(key);

    [Theory]
    [InlineData("kernel.core_pattern", "1", "", "", "sysctl \"kernel.core_pattern\" is not in a separate kernel namespace")]
    [InlineData("vm.overcommit_memory", "1", "", "", "sysctl \"vm.overcommit_memory\" is not in a separate kernel namespace")]
    [InlineData("net.ipv4.ip_forward", "1", "host", "", "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace")]
    [InlineData("kernel.shmmax", "1", "", "host", "sysctl \"kernel.shmmax\" not allowed in host IPC namespace")]
    [InlineData("net/../../kernel/core_pattern", "|/x", "", "", "invalid sysctl key \"net/../../kernel/core_pattern\": a dotted name such as net.ipv4.ip_forward")]
    [InlineData("net..ipv4", "1", "", "", "invalid sysctl key \"net..ipv4\": a dotted name such as net.ipv4.ip_forward")]
    [InlineData("net.ipv4.ip_forward", "1\nkernel.core_pattern=|/x", "", "", "invalid value for sysctl \"net.ipv4.ip_forward\": one line expected")]
    [InlineData("net.ipv4.ip_forward", null, "", "", "invalid value for sysctl \"net.ipv4.ip_forward\": one line expected")]
    public void Others_are_refused_with_the_reason(string key, string? value, string network, string ipc, string message)
    {
        var e = Assert.Throws<BerthException>(() => Validate(key, value, network, ipc));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal(message, e.Message);
    }
}
