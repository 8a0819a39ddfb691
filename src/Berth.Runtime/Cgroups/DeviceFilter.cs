using Berth.Oci;

namespace Berth.Runtime.Cgroups;

/// <summary>
/// The device rules of a spec (v1's devices.allow/deny lines) as an eBPF program for cgroup v2. The program reads
/// <c>struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }</c>, where access_type is the access
/// (mknod 1, read 2, write 4) shifted left 16 over the type (block 1, char 2), and tries the rules last to first:
/// the first that matches decides, and nothing matching means denied — v1's semantics for Docker's
/// "deny all, then allow these" list.
/// </summary>
public static class DeviceFilter
{
    // eBPF opcodes (linux/bpf.h): class | op | source.
    private const byte LdxMemW = 0x61, AndK = 0x57, RshK = 0x77, MovK = 0xb7, MovX = 0xbf, JneK = 0x55, Exit = 0x95;
    private const int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

    public static ulong[] Compile(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        var program = new List<ulong>
        {
            Insn(LdxMemW, R2, R1, 0, 0), // r2 = access_type
            Insn(AndK, R2, 0, 0, 0xffff), // r2 = type
            Insn(LdxMemW, R3, R1, 0, 0),
            Insn(RshK, R3, 0, 0, 16), // r3 = access
            Insn(LdxMemW, R4, R1, 4, 0), // r4 = major
            Insn(LdxMemW, R5, R1, 8, 0), // r5 = minor
        };
        for (var i = rules.Count - 1; i >= 0; i--)
        {
            var block = Rule(rules[i]);
            program.AddRange(block);
            if (block.Count == 2)
            {
                return [.. program]; // it matches everything: what follows could never run, and the verifier refuses that
            }
        }
        program.Add(Insn(MovK, R0, 0, 0, 0));
        program.Add(Insn(Exit, 0, 0, 0, 0));
        return [.. program];
    }

    private static List<ulong> Rule(LinuxDeviceCgroup rule)
    {
        // The tests, each jumping past the rest of this rule's block when it fails; offsets are set at the end.
        var tests = new List<(byte Op, int Dst, int Imm)>();
        var type = rule.Type switch
        {
            null or "" or "a" => 0,
            "b" => 1,
            "c" => 2,
            _ => throw new ArgumentException($"invalid device type \"{rule.Type}\""),
        };
        if (type != 0)
        {
            tests.Add((JneK, R2, type));
        }
        if (rule.Major is >= 0 and var major)
        {
            tests.Add((JneK, R4, (int)major));
        }
        if (rule.Minor is >= 0 and var minor)
        {
            tests.Add((JneK, R5, (int)minor));
        }
        var access = Access(rule.Access);
        var block = new List<ulong>();
        var end = tests.Count + (access == 7 ? 0 : 3) + 2; // instructions in the block
        foreach (var (op, dst, imm) in tests)
        {
            block.Add(Insn(op, dst, 0, (short)(end - block.Count - 1), imm));
        }
        if (access != 7)
        {
            // Every access asked for must be in the rule: (requested & ~rule) == 0.
            block.Add(Insn(MovX, R0, R3, 0, 0));
            block.Add(Insn(AndK, R0, 0, 0, ~access & 7));
            block.Add(Insn(JneK, R0, 0, (short)(end - block.Count - 1), 0));
        }
        block.Add(Insn(MovK, R0, 0, 0, rule.Allow ? 1 : 0));
        block.Add(Insn(Exit, 0, 0, 0, 0));
        return block;
    }

    private static int Access(string? access)
    {
        var bits = 0;
        foreach (var ch in string.IsNullOrEmpty(access) ? "rwm" : access)
        {
            bits |= ch switch
            {
                'm' => 1,
                'r' => 2,
                'w' => 4,
                _ => throw new ArgumentException($"invalid device access \"{access}\""),
            };
        }
        return bits;
    }

    /// <summary>One instruction: opcode, dst and src registers, 16-bit offset, 32-bit immediate (little-endian).</summary>
    private static ulong Insn(byte op, int dst, int src, short off, int imm) =>
        op | (ulong)(byte)((src << 4) | dst) << 8 | (ulong)(ushort)off << 16 | (ulong)(uint)imm << 32;
}
