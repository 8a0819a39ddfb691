using Berth.Oci;

namespace Berth.Runtime.Tests.Support;

/// <summary>A change to Docker's default spec, as a <c>docker run</c> flag would make it.</summary>
internal sealed record BundleVariant(string Name, string DockerFlags, Action<RuntimeSpec> Edit)
{
    public const long MemoryLimit = 64 * 1024 * 1024;
    public const long PidsLimit = 32;

    public static readonly IReadOnlyList<BundleVariant> All =
    [
        new("defaults", "", _ => { }),
        new("nobody", "--user 65534:65534", s => s.Process!.User = new User { Uid = 65534, Gid = 65534 }),
        new("readonly-rootfs", "--read-only", s => s.Root!.Readonly = true),
        new("workdir", "--workdir " + ProbeRootfs.WorkDir, s => s.Process!.Cwd = ProbeRootfs.WorkDir),
        new("env", "-e GREETING='hello world' -e EMPTY= -e UNICODE=héllo", s => s.Process!.Env!.AddRange(["GREETING=hello world", "EMPTY=", "UNICODE=héllo"])),
        new("limits", "--memory 64m --pids-limit 32", s =>
        {
            // Docker's -m 64m allows as much swap again: memory+swap = 128m.
            s.Linux!.Resources!.Memory = new LinuxMemory { Limit = MemoryLimit, Swap = 2 * MemoryLimit };
            s.Linux.Resources.Pids = new LinuxPids { Limit = PidsLimit };
        }),
        // A filter loaded while the init still has CAP_SYS_ADMIN (Docker's case), and one loaded last under no_new_privs.
        new("seccomp", "--security-opt seccomp=deny.json", s => s.Linux!.Seccomp = DenyNamespaces()),
        new("seccomp-nnp", "--security-opt seccomp=deny.json --security-opt no-new-privileges", s =>
        {
            s.Linux!.Seccomp = DenyNamespaces();
            s.Process!.NoNewPrivileges = true;
        }),
    ];

    /// <summary>A deny-list: no new namespaces by unshare, setns or clone's flags; mkdir EROFS.</summary>
    private static LinuxSeccomp DenyNamespaces() => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        Syscalls =
        [
            new LinuxSyscall { Names = ["unshare", "setns"], Action = "SCMP_ACT_ERRNO" },
            new LinuxSyscall { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 30 },
            new LinuxSyscall
            {
                Names = ["clone"], Action = "SCMP_ACT_ERRNO",
                Args = [new LinuxSeccompArg { Index = 0, Op = "SCMP_CMP_MASKED_EQ", Value = 0x7E020000, ValueTwo = 0x10000000 }],
            },
        ],
    };

    public static BundleVariant Named(string name) => All.Single(v => v.Name == name);

    public override string ToString() => Name;
}
