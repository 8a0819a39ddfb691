using Berth.Oci;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>cgroup v2's device rules as an eBPF program: run by a small interpreter of the instructions it uses,
/// and loaded into the kernel and attached to a real v2 cgroup, where it decides what a process may open.</summary>
public sealed class DeviceFilterTests
{
    private const int Block = 1, Char = 2, Mknod = 1, Read = 2, Write = 4;

    /// <summary>Runs the program on one bpf_cgroup_dev_ctx, as the kernel would: 1 allowed, 0 denied.</summary>
    private static long Run(ulong[] program, int type, int access, long major, long minor)
    {
        var ctx = new[] { (uint)(access << 16 | type), (uint)major, (uint)minor };
        var r = new long[11];
        for (var pc = 0; pc < program.Length; pc++)
        {
            var insn = program[pc];
            var (op, dst, src, off, imm) = ((byte)insn, (int)(insn >> 8) & 0xf, (int)(insn >> 12) & 0xf, (short)(insn >> 16), (int)(insn >> 32));
            switch (op)
            {
                case 0x61: Assert.Equal(1, src); r[dst] = ctx[off / 4]; break;
                case 0x57: r[dst] &= imm; break;
                case 0x77: r[dst] = (long)((ulong)r[dst] >> imm); break;
                case 0xb7: r[dst] = imm; break;
                case 0xbf: r[dst] = r[src]; break;
                case 0x55: if (r[dst] != imm) { pc += off; } break;
                case 0x95: return r[0];
                default: throw new InvalidOperationException($"opcode {op:x2} at {pc}");
            }
        }
        throw new InvalidOperationException("the program ran off its end");
    }

    [Fact]
    public void Dockers_default_rules_allow_the_standard_devices_and_mknod_and_deny_the_rest()
    {
        var program = DeviceFilter.Compile(DockerSpec.DeviceRules());
        Assert.Equal(1, Run(program, Char, Read | Write, 1, 3)); // /dev/null
        Assert.Equal(1, Run(program, Char, Write, 136, 7)); // a pts
        Assert.Equal(1, Run(program, Block, Mknod, 8, 0)); // mknod of a disk: allowed ...
        Assert.Equal(0, Run(program, Block, Read, 8, 0)); // ... opening it is not
        Assert.Equal(0, Run(program, Char, Read, 10, 229)); // /dev/fuse
        Assert.Equal(0, Run(program, Char, Read | Mknod, 1, 1)); // asks for more than "m"
    }

    [Fact]
    public void The_last_matching_rule_decides_and_access_must_be_covered()
    {
        List<LinuxDeviceCgroup> rules =
        [
            new() { Allow = false, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 10, Access = "r" },
            new() { Allow = false, Type = "c", Major = 10, Minor = 200, Access = "rwm" },
        ];
        var program = DeviceFilter.Compile(rules);
        Assert.Equal(1, Run(program, Char, Read, 10, 229));
        Assert.Equal(0, Run(program, Char, Read | Write, 10, 229));
        Assert.Equal(0, Run(program, Char, Read, 10, 200));
        Assert.Equal(0, Run(program, Block, Read, 10, 229));
        Assert.Equal(1, Run(DeviceFilter.Compile([new() { Allow = true, Access = "rwm" }]), Block, Read | Write | Mknod, 8, 1));
    }

    [Fact]
    public async Task The_kernel_enforces_the_program_on_a_v2_cgroup()
    {
        var root = File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).FirstOrDefault(f => f[Array.IndexOf(f, "-") + 1] == "cgroup2")?[4];
        Assert.NotNull(root); // this host has its (controller-less) v2 mount beside v1; a v2 host has only it
        Assert.True(File.Exists("/dev/fuse"));
        var dir = Path.Join(root, "berth-device-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            async Task<string> Probe(string cgroup) => (await Host.RunAsync("/bin/sh", ["-c", $"{(cgroup.Length > 0 ? $"echo $$ > {cgroup}/cgroup.procs; " : "")}" +
                "(exec 3</dev/null) 2>/dev/null && echo null; (exec 4</dev/fuse) 2>/dev/null && echo fuse-read; (exec 5>/dev/fuse) 2>/dev/null && echo fuse-write; true"], TimeSpan.FromSeconds(30))).Output.Trim();
            Assert.Equal("null\nfuse-read\nfuse-write", await Probe("")); // root outside the cgroup may open both

            Berth.Linux.CgroupDeviceProgram.Replace(dir, DeviceFilter.Compile(DockerSpec.DeviceRules()));
            Assert.Equal("null", await Probe(dir));

            // Replacing leaves one program: the new rules, not both.
            Berth.Linux.CgroupDeviceProgram.Replace(dir, DeviceFilter.Compile([.. DockerSpec.DeviceRules(), new() { Allow = true, Type = "c", Major = 10, Minor = 229, Access = "r" }]));
            Assert.Single(Berth.Linux.CgroupDeviceProgram.AttachedIds(dir));
            Assert.Equal("null\nfuse-read", await Probe(dir));
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}
