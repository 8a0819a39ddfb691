using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>What a process sees from inside its container: its own pid namespace, Docker's default capabilities,
/// no network but loopback, and the host's sensitive /proc and /sys files masked or read-only.</summary>
[Collection(BerthCollection.Name)]
public sealed class IsolationTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheContainerIsPid1InItsOwnPidNamespace(string client)
    {
        Assert.Equal("1", engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", "echo $$").Ok());
    }

    // compat(docker): the 14 default capabilities (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
    // NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP), as the real Docker shows them.
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void OnlyDockersDefaultCapabilitiesAreHeld(string client)
    {
        var status = engine.Cli(client, "run", "--rm", "busybox", "grep", "^Cap", "/proc/self/status").Ok();

        Assert.Equal(
            "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000",
            status);
    }

    /// <summary>The capabilities this host can give: the test runs as root with berthd's bounding set.</summary>
    private static string HostCapBnd() =>
        File.ReadLines("/proc/self/status").Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal))["CapBnd:".Length..].Trim();

    private string CapEff(string client, params string[] options) =>
        engine.Cli(client, ["run", "--rm", .. options, "busybox", "grep", "^CapEff", "/proc/self/status"]).Ok()["CapEff:".Length..].Trim();

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void CapAddAndCapDropChangeTheSetAsDockerDoes(string client)
    {
        // Names with or without CAP_, any case; ALL in --cap-drop leaves only what is added.
        Assert.Equal("0000000000001000", CapEff(client, "--cap-drop", "ALL", "--cap-add", "net_admin"));
        Assert.Equal("00000000a80425fa", CapEff(client, "--cap-drop", "CAP_CHOWN"));
        Assert.Equal("00000000a80435fb", CapEff(client, "--cap-add", "NET_ADMIN"));
        // ALL in --cap-add: every capability this host allows, less the dropped ones.
        var all = Convert.ToUInt64(HostCapBnd(), 16);
        Assert.Equal((all & ~1UL).ToString("x16", System.Globalization.CultureInfo.InvariantCulture), CapEff(client, "--cap-add", "ALL", "--cap-drop", "chown"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnUnknownCapabilityIsRefusedAndCreatesNothing(string client)
    {
        var before = engine.Docker("ps", "-aq").Lines.Count;
        var r = engine.Cli(client, "run", "--rm", "--cap-add", "FOO", "busybox", "true");
        r.ExpectExit(125);
        Assert.Contains("invalid CapAdd: unknown capability: \"CAP_FOO\"", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, engine.Docker("ps", "-aq").Lines.Count);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PrivilegedGetsEveryCapabilityTheHostAllowsItsDevicesAndNoMasking(string client)
    {
        // dockerd 20.10's runc fails here ("unable to apply caps"): this VM's bounding set lacks CAP_SYS_RESOURCE,
        // and runc asks for every capability it knows. Berth gives what the host allows.
        Assert.Equal(HostCapBnd(), CapEff(client, "--privileged"));
        var hostDevice = Directory.EnumerateFileSystemEntries("/dev").First(d => d is "/dev/kmsg" or "/dev/mem" or "/dev/loop-control" || d.StartsWith("/dev/vd", StringComparison.Ordinal) || d.StartsWith("/dev/sd", StringComparison.Ordinal));
        var seen = engine.Cli(client, "run", "--rm", "--privileged", "busybox", "sh", "-c",
            $"test -e {hostDevice} && echo device; grep -cE ' /proc/(kcore|keys|timer_list) ' /proc/self/mountinfo; grep ' /sys ' /proc/self/mountinfo | grep -c ' rw,'").ExpectExit(0).Lines;
        Assert.Equal(["device", "0", "1"], seen);
        // Without it the same device is absent and /sys is read-only.
        Assert.Equal("absent", engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", $"test -e {hostDevice} && echo present || echo absent").Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ANamespacedSysctlIsSetInTheContainerOnly(string client)
    {
        var host = File.ReadAllText("/proc/sys/kernel/shmmni").Trim();
        Assert.Equal("1234", engine.Cli(client, "run", "--rm", "--sysctl", "kernel.shmmni=1234", "busybox", "cat", "/proc/sys/kernel/shmmni").Ok());
        Assert.Equal(host, File.ReadAllText("/proc/sys/kernel/shmmni").Trim());
        var r = engine.Cli(client, "run", "--rm", "--network", "host", "--sysctl", "net.ipv4.ip_forward=1", "busybox", "true");
        r.ExpectExit(125);
        Assert.Contains("sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace", r.Stderr, StringComparison.Ordinal);
    }

    // The docker CLI refuses these itself; the daemon must too, for any client of the API (CVE-2022-0811's kind:
    // a sysctl that is no namespace's, or a key that is a path, would change the host).
    [Theory]
    [InlineData("kernel.core_pattern", "|/tmp/evil")]
    [InlineData("net/../../kernel/core_pattern", "|/tmp/evil")]
    [InlineData("kernel.shmmni", "1\nkernel.core_pattern=|/tmp/evil")]
    public async Task AHostSysctlOverTheApiIsRefusedAndTheHostIsUntouched(string key, string value)
    {
        var pattern = File.ReadAllText("/proc/sys/kernel/core_pattern");
        static string Json(string s) => System.Text.Json.JsonEncodedText.Encode(s).ToString();
        var body = "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"Sysctls\":{\"" + Json(key) + "\":\"" + Json(value) + "\"}}}";
        var response = await engine.Api.PostJsonAsync("/containers/create", body);
        Assert.Equal(400, response.Status);
        Assert.Contains(key.Contains('/', StringComparison.Ordinal) ? "invalid sysctl key" : key, response.Body, StringComparison.Ordinal);
        Assert.Equal(pattern, File.ReadAllText("/proc/sys/kernel/core_pattern"));
    }

    // CVE-2024-21626: a working directory of /proc/self/fd/N must never land outside the container's root through
    // a descriptor the runtime left open. None is open but stdio and the init's own pipes, so every N fails to
    // start (as with runc >= 1.1.12), and with --rm nothing is left and the client does not hang.
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AWorkdirInProcSelfFdNeverLeadsOutOfTheRoot(string client)
    {
        var before = engine.Docker("ps", "-aq").Lines.Count;
        for (var fd = 3; fd <= 9; fd++)
        {
            var r = engine.Cli(client, "run", "--rm", "-w", $"/proc/self/fd/{fd}", "busybox", "pwd");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains($"chdir `/proc/self/fd/{fd}`", r.Stderr, StringComparison.Ordinal);
        }
        Poll.Until("the failed containers to be removed", () => engine.Docker("ps", "-aq").Lines.Count, n => n == before);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void NetworkNoneLeavesOnlyLoopback(string client)
    {
        var netDev = engine.Cli(client, "run", "--rm", "--network", "none", "busybox", "cat", "/proc/net/dev").Ok();

        var interfaces = netDev.Split('\n').Skip(2).Select(l => l.Split(':')[0].Trim());
        Assert.Equal(["lo"], interfaces);
    }

    // compat(docker): masked paths are /dev/null bound over them (character device 1:3). A kernel without the
    // file (this one has no /proc/kcore) has nothing to mask, and the container must not see it either.
    [Theory]
    [InlineData("docker", "/proc/kcore")]
    [InlineData("berth", "/proc/kcore")]
    [InlineData("docker", "/proc/keys")]
    [InlineData("berth", "/proc/keys")]
    [InlineData("docker", "/proc/timer_list")]
    [InlineData("berth", "/proc/timer_list")]
    public void SensitiveProcFilesAreMasked(string client, string path)
    {
        var seen = engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", $"if [ -e {path} ]; then stat -c %t:%T {path}; wc -c < {path}; else echo absent; fi").Ok();

        Assert.Equal(File.Exists(path) ? "1:3\n0" : "absent", seen);
    }

    [Theory]
    [InlineData("docker", "echo x > /proc/sys/kernel/domainname")]
    [InlineData("berth", "echo x > /proc/sys/kernel/domainname")]
    [InlineData("docker", "touch /sys/berth-e2e")]
    [InlineData("berth", "touch /sys/berth-e2e")]
    [InlineData("docker", "mkdir /sys/fs/cgroup/berth-e2e")]
    [InlineData("berth", "mkdir /sys/fs/cgroup/berth-e2e")]
    public void ProcSysAndSysAreReadOnly(string client, string write)
    {
        var run = engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", write);

        run.ExpectExit(1);
        Assert.Contains("Read-only file system", run.Stderr, StringComparison.Ordinal);
    }
}
