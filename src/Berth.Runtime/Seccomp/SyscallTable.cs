using System.Collections.Frozen;
using System.Globalization;

namespace Berth.Runtime.Seccomp;

/// <summary>An architecture a filter can name: libseccomp's name, the kernel's <c>AUDIT_ARCH_*</c> value that
/// <c>seccomp_data.arch</c> carries, and its system call numbers by name.</summary>
internal sealed class SeccompArch
{
    public required string Name { get; init; }
    public required uint AuditArch { get; init; }
    /// <summary>Arguments are 64 bits wide; a 32-bit architecture's are compared on their low word only, as libseccomp does.</summary>
    public required bool Is64Bit { get; init; }
    public required FrozenDictionary<string, int> Syscalls { get; init; }
}

internal static partial class SyscallTable
{
    // kernel: AUDIT_ARCH_* = the ELF machine | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000).
    public const uint AUDIT_ARCH_X86_64 = 0xC000003E, AUDIT_ARCH_I386 = 0x40000003, AUDIT_ARCH_AARCH64 = 0xC00000B7;

    /// <summary>x86_64 calls with this bit set are the x32 ABI's (<c>__X32_SYSCALL_BIT</c>).</summary>
    public const uint X32SyscallBit = 0x40000000;

    public static SeccompArch X86_64 { get; } = new() { Name = "SCMP_ARCH_X86_64", AuditArch = AUDIT_ARCH_X86_64, Is64Bit = true, Syscalls = Parse(X86_64Names) };

    public static SeccompArch X86 { get; } = new() { Name = "SCMP_ARCH_X86", AuditArch = AUDIT_ARCH_I386, Is64Bit = false, Syscalls = Parse(X86Names) };

    /// <summary>arm64: the kernel's generic table (asm-generic/unistd.h), so no open, mkdir or fork, only their *at
    /// and clone forms.</summary>
    public static SeccompArch Aarch64 { get; } = new() { Name = "SCMP_ARCH_AARCH64", AuditArch = AUDIT_ARCH_AARCH64, Is64Bit = true, Syscalls = Parse(Aarch64Names) };

    /// <summary>Every architecture name of the OCI spec (libseccomp's), so that a profile naming one of another
    /// host is accepted and the name only checked for spelling.</summary>
    public static readonly FrozenSet<string> KnownArchitectures = new[]
    {
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
        "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
        "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The architecture this process runs as.</summary>
    public static SeccompArch Native => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => X86_64,
        System.Runtime.InteropServices.Architecture.Arm64 => Aarch64,
        var a => throw new SeccompException($"seccomp: no system call table for {a.ToString().ToLowerInvariant()} in this build"),
    };

    /// <summary>The architectures of <paramref name="native"/>'s kernel that Berth has tables for, by name: the native
    /// one, and i386 on x86_64. arm64 kernels also run 32-bit arm (SCMP_ARCH_ARM), which has no table here: its calls
    /// are killed, as every architecture's a filter has no branch for.</summary>
    public static SeccompArch? Compatible(SeccompArch native, string name) =>
        native == X86_64 && name == X86.Name ? X86 : name == native.Name ? native : null;

    private static FrozenDictionary<string, int> Parse(string names) =>
        names.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('='))
            .ToFrozenDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
}
