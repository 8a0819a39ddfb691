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
    public const uint AUDIT_ARCH_X86_64 = 0xC000003E, AUDIT_ARCH_I386 = 0x40000003;

    /// <summary>x86_64 calls with this bit set are the x32 ABI's (<c>__X32_SYSCALL_BIT</c>).</summary>
    public const uint X32SyscallBit = 0x40000000;

    public static SeccompArch X86_64 { get; } = new() { Name = "SCMP_ARCH_X86_64", AuditArch = AUDIT_ARCH_X86_64, Is64Bit = true, Syscalls = Parse(X86_64Names) };

    public static SeccompArch X86 { get; } = new() { Name = "SCMP_ARCH_X86", AuditArch = AUDIT_ARCH_I386, Is64Bit = false, Syscalls = Parse(X86Names) };

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

    /// <summary>The architecture this process runs as, with the ones its kernel also runs (x86 on x86_64).</summary>
    public static SeccompArch Native => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => X86_64,
        var a => throw new SeccompException($"seccomp: no system call table for {a.ToString().ToLowerInvariant()} in this build"),
    };

    /// <summary>The architectures of <paramref name="native"/>'s kernel that Berth has tables for, by name.</summary>
    public static SeccompArch? Compatible(SeccompArch native, string name) =>
        native == X86_64 && name == X86.Name ? X86 : name == native.Name ? native : null;

    private static FrozenDictionary<string, int> Parse(string names) =>
        names.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('='))
            .ToFrozenDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
}
