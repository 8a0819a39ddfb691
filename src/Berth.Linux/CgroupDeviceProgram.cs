using System.Buffers.Binary;
using System.Text;

namespace Berth.Linux;

/// <summary>
/// bpf(2) for cgroup v2's device controller, which has no files: an eBPF program of type
/// <c>BPF_PROG_TYPE_CGROUP_DEVICE</c> is loaded and attached to the cgroup's directory, and the kernel runs it at
/// every open and mknod of a device by the cgroup's processes (0 denies, 1 allows).
/// </summary>
public static unsafe class CgroupDeviceProgram
{
    private const int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_GET_FD_BY_ID = 13, BPF_PROG_QUERY = 16;
    private const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6, BPF_F_ALLOW_MULTI = 2;
    private const long SYS_bpf = 321;

    /// <summary>Loads <paramref name="instructions"/> (eBPF, 8 bytes each) and attaches it to the cgroup at
    /// <paramref name="cgroupDir"/>, then detaches the device programs that were there before, so a cgroup
    /// has one program of Berth's however often its rules are set (runc does the same).</summary>
    public static void Replace(string cgroupDir, ReadOnlySpan<ulong> instructions)
    {
        using var cgroup = Fs.Open(cgroupDir, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        var before = AttachedIds(cgroup.Fd);
        using var program = Load(instructions);
        var attach = stackalloc byte[32];
        new Span<byte>(attach, 32).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attach, 4), (uint)cgroup.Fd);
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attach + 4, 4), (uint)program.Fd);
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attach + 8, 4), BPF_CGROUP_DEVICE);
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attach + 12, 4), BPF_F_ALLOW_MULTI);
        Sys.Check(LibC.syscall(SYS_bpf, BPF_PROG_ATTACH, (long)attach, 32, 0, 0), "bpf(BPF_PROG_ATTACH)", cgroupDir);
        var byId = stackalloc byte[16];
        foreach (var id in before)
        {
            new Span<byte>(byId, 16).Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(byId, 4), id);
            var fd = (int)LibC.syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, (long)byId, 16, 0, 0);
            if (fd < 0)
            {
                continue; // gone meanwhile
            }
            using var old = new SafeFd(fd);
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attach + 4, 4), (uint)old.Fd);
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attach + 12, 4), 0);
            Sys.Check(LibC.syscall(SYS_bpf, BPF_PROG_DETACH, (long)attach, 32, 0, 0), "bpf(BPF_PROG_DETACH)", cgroupDir);
        }
    }

    /// <summary>The ids of the device programs attached to the cgroup itself (not those inherited).</summary>
    public static IReadOnlyList<uint> AttachedIds(string cgroupDir)
    {
        using var cgroup = Fs.Open(cgroupDir, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        return AttachedIds(cgroup.Fd);
    }

    private static List<uint> AttachedIds(int cgroupFd)
    {
        const int Max = 64;
        var ids = stackalloc uint[Max];
        var query = stackalloc byte[40];
        new Span<byte>(query, 40).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(query, 4), (uint)cgroupFd);
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(query + 4, 4), BPF_CGROUP_DEVICE);
        BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(query + 16, 8), (ulong)ids);
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(query + 24, 4), Max);
        Sys.Check(LibC.syscall(SYS_bpf, BPF_PROG_QUERY, (long)query, 40, 0, 0), "bpf(BPF_PROG_QUERY)");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(new Span<byte>(query + 24, 4));
        return [.. new Span<uint>(ids, (int)Math.Min(count, Max)).ToArray()];
    }

    private static SafeFd Load(ReadOnlySpan<ulong> instructions)
    {
        var license = "Apache\0"u8;
        const int LogSize = 16 * 1024;
        var log = new byte[LogSize];
        var attr = stackalloc byte[128];
        new Span<byte>(attr, 128).Clear();
        fixed (ulong* insns = instructions)
        fixed (byte* lic = license)
        fixed (byte* logBuf = log)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attr, 4), BPF_PROG_TYPE_CGROUP_DEVICE);
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attr + 4, 4), (uint)instructions.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(attr + 8, 8), (ulong)insns);
            BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(attr + 16, 8), (ulong)lic);
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attr + 24, 4), 1); // log level: errors
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attr + 28, 4), LogSize);
            BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(attr + 32, 8), (ulong)logBuf);
            var fd = (int)LibC.syscall(SYS_bpf, BPF_PROG_LOAD, (long)attr, 128, 0, 0);
            if (fd < 0)
            {
                var errno = Sys.LastErrno;
                var text = Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
                throw new LinuxException("bpf(BPF_PROG_LOAD)", text.Length > 0 ? "device program: " + text : "device program", errno);
            }
            return new SafeFd(fd);
        }
    }
}
