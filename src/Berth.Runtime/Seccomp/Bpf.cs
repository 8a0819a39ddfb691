using Berth.Linux;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// Classic BPF, the part a seccomp filter uses (linux/filter.h, linux/seccomp.h), and a writer with labels.
/// Conditional jumps reach at most 255 instructions ahead, so the compiler keeps them local (the next rule, the
/// end of one comparison) and crosses longer distances with <c>ja</c>, whose offset is 32 bits.
/// </summary>
internal sealed class Bpf
{
    public const ushort BPF_LD_W_ABS = 0x20, BPF_ALU_AND_K = 0x54, BPF_JA = 0x05, BPF_JEQ_K = 0x15, BPF_JGT_K = 0x25,
        BPF_JGE_K = 0x35, BPF_JSET_K = 0x45, BPF_RET_K = 0x06;

    /// <summary>Offsets in <c>struct seccomp_data</c>.</summary>
    public const uint OffsetNr = 0, OffsetArch = 4;

    public static uint OffsetArgLow(uint index) => 16 + (8 * index);

    public static uint OffsetArgHigh(uint index) => 20 + (8 * index);

    public const uint SECCOMP_RET_KILL_PROCESS = 0x80000000, SECCOMP_RET_KILL_THREAD = 0x00000000,
        SECCOMP_RET_TRAP = 0x00030000, SECCOMP_RET_ERRNO = 0x00050000, SECCOMP_RET_TRACE = 0x7ff00000,
        SECCOMP_RET_LOG = 0x7ffc0000, SECCOMP_RET_ALLOW = 0x7fff0000, SECCOMP_RET_DATA = 0x0000ffff;

    /// <summary>The kernel's limit (<c>BPF_MAXINSNS</c>).</summary>
    public const int MaxInstructions = 4096;

    private readonly List<(ushort Code, uint K, int True, int False)> _code = [];
    private readonly List<int> _labels = [];

    /// <summary>A jump target meaning "the next instruction".</summary>
    public const int Next = -1;

    /// <summary>A jump target meaning "the instruction after the next".</summary>
    public const int SkipOne = -2;

    public int Count => _code.Count;

    public int NewLabel()
    {
        _labels.Add(-1);
        return _labels.Count - 1;
    }

    public void Mark(int label) => _labels[label] = _code.Count;

    public void Load(uint offset) => _code.Add((BPF_LD_W_ABS, offset, Next, Next));

    public void And(uint k) => _code.Add((BPF_ALU_AND_K, k, Next, Next));

    public void Return(uint k) => _code.Add((BPF_RET_K, k, Next, Next));

    public void Goto(int label) => _code.Add((BPF_JA, 0, label, Next));

    /// <summary>A conditional jump on the accumulator against <paramref name="k"/>; <see cref="Next"/> falls through.</summary>
    public void Jump(ushort code, uint k, int whenTrue, int whenFalse) => _code.Add((code, k, whenTrue, whenFalse));

    /// <summary>Resolves the labels; a label marked after the last instruction is refused.</summary>
    public LibC.SockFilter[] Build()
    {
        if (_code.Count > MaxInstructions)
        {
            throw new SeccompException($"seccomp: the filter needs {_code.Count} BPF instructions, more than the kernel's {MaxInstructions}");
        }
        var program = new LibC.SockFilter[_code.Count];
        for (var i = 0; i < _code.Count; i++)
        {
            var (code, k, t, f) = _code[i];
            if (code == BPF_JA)
            {
                program[i] = new LibC.SockFilter { code = code, k = (uint)Distance(i, t) };
            }
            else if ((code & 0x07) == 0x05)
            {
                program[i] = new LibC.SockFilter { code = code, k = k, jt = Short(i, t), jf = Short(i, f) };
            }
            else
            {
                program[i] = new LibC.SockFilter { code = code, k = k };
            }
        }
        return program;
    }

    private int Distance(int at, int label)
    {
        if (label is Next or SkipOne)
        {
            return label == Next ? 0 : 1;
        }
        var target = _labels[label];
        if (target < 0 || target >= _code.Count || target <= at)
        {
            throw new InvalidOperationException($"BPF label {label} is not a later instruction");
        }
        return target - at - 1;
    }

    private byte Short(int at, int label)
    {
        var d = Distance(at, label);
        return d <= byte.MaxValue ? (byte)d : throw new InvalidOperationException($"BPF conditional jump of {d} at {at}");
    }
}
