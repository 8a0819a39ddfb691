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
    ];

    public static BundleVariant Named(string name) => All.Single(v => v.Name == name);

    public override string ToString() => Name;
}
