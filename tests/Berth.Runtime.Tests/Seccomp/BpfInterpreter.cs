using System.Buffers.Binary;
using Berth.Linux;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>Runs a seccomp program the way the kernel does (classic BPF over <c>struct seccomp_data</c>), so a
/// compiled filter can be asked what it does with one call without loading it.</summary>
internal static class BpfInterpreter
{
    public static uint Run(LibC.SockFilter[] program, uint arch, int nr, params ulong[] args)
    {
        var data = new byte[64];
        BinaryPrimitives.WriteInt32LittleEndian(data, nr);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), arch);
        for (var i = 0; i < args.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(16 + (8 * i)), args[i]);
        }
        uint a = 0;
        for (var pc = 0; ; pc++)
        {
            Assert.InRange(pc, 0, program.Length - 1);
            var insn = program[pc];
            switch (insn.code)
            {
                case 0x20: // ld [k]
                    Assert.True(insn.k % 4 == 0 && insn.k < 64, $"load at {insn.k}");
                    a = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan((int)insn.k));
                    break;
                case 0x54:
                    a &= insn.k;
                    break;
                case 0x05:
                    pc += (int)insn.k;
                    break;
                case 0x15:
                    pc += a == insn.k ? insn.jt : insn.jf;
                    break;
                case 0x25:
                    pc += a > insn.k ? insn.jt : insn.jf;
                    break;
                case 0x35:
                    pc += a >= insn.k ? insn.jt : insn.jf;
                    break;
                case 0x45:
                    pc += (a & insn.k) != 0 ? insn.jt : insn.jf;
                    break;
                case 0x06:
                    return insn.k;
                default:
                    Assert.Fail($"instruction {insn.code:x} at {pc}");
                    break;
            }
        }
    }
}
