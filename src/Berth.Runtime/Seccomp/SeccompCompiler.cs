using Berth.Linux;
using Berth.Oci;

namespace Berth.Runtime.Seccomp;

/// <summary>A filter ready for seccomp(2): the program and the <c>SECCOMP_FILTER_FLAG_*</c> bits to load it with.</summary>
public sealed record SeccompProgram(LibC.SockFilter[] Instructions, uint Flags);

/// <summary>
/// Turns an OCI <c>linux.seccomp</c> into a classic BPF program, with libseccomp's and runc's meaning:
/// <list type="bullet">
/// <item>the architecture is checked first; the native one (x86_64 or aarch64) and each listed one its kernel also
/// runs that Berth has a table for (x86 on x86_64) get their own branch, with that architecture's numbers; any other
/// (32-bit arm on aarch64), and x32 calls (<c>nr ≥ 0x40000000</c> under x86_64, which Berth has no table for), kill
/// the process — else a 32-bit or x32 call would pass a filter written in another architecture's numbers;</item>
/// <item>a name this architecture does not have is skipped, as libseccomp skips it;</item>
/// <item>a rule whose action is the default action is left out (runc);</item>
/// <item>the arguments of one rule must all hold (AND), unless two compare the same argument: then each is a rule
/// of its own (OR), as runc does for libseccomp;</item>
/// <item>for one call, rules with arguments are tried in the profile's order, then the first without, then the
/// default action;</item>
/// <item>a 64-bit argument is compared as its high then low 32-bit words (unsigned), as libseccomp does;</item>
/// <item>when the default action refuses, a call numbered above every call the profile names gets ENOSYS (runc's
/// stub), so that a program probing a newer call falls back.</item>
/// </list>
/// The calls are found by a binary search on their numbers, so a call costs about a dozen comparisons.
/// </summary>
public static class SeccompCompiler
{
    private const int Leaf = 6;

    /// <summary>libseccomp's name for the architecture filters are compiled for (<c>SCMP_ARCH_X86_64</c>,
    /// <c>SCMP_ARCH_AARCH64</c>).</summary>
    public static string NativeArchitecture => SyscallTable.Native.Name;

    public static SeccompProgram Compile(LinuxSeccomp spec) => Compile(spec, SyscallTable.Native);

    internal static SeccompProgram Compile(LinuxSeccomp spec, SeccompArch native)
    {
        var defaultAction = Action(spec.DefaultAction, spec.DefaultErrnoRet, "defaultAction");
        if (!string.IsNullOrEmpty(spec.ListenerPath))
        {
            throw new SeccompException("seccomp: listenerPath (SCMP_ACT_NOTIFY) is not supported by this runtime");
        }
        var flags = 0u;
        foreach (var flag in spec.Flags ?? [])
        {
            flags |= flag switch
            {
                "SECCOMP_FILTER_FLAG_TSYNC" => LibC.SECCOMP_FILTER_FLAG_TSYNC,
                "SECCOMP_FILTER_FLAG_LOG" => LibC.SECCOMP_FILTER_FLAG_LOG,
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => LibC.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" => LibC.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
                _ => throw new SeccompException($"seccomp: unknown flag \"{flag}\""),
            };
        }

        var arches = new List<SeccompArch> { native };
        foreach (var name in spec.Architectures ?? [])
        {
            if (!SyscallTable.KnownArchitectures.Contains(name))
            {
                throw new SeccompException($"seccomp: unknown architecture \"{name}\"");
            }
            if (SyscallTable.Compatible(native, name) is { } arch && !arches.Contains(arch))
            {
                arches.Add(arch);
            }
        }

        // Every rule checked once, whatever the architecture: an error must not depend on the host.
        var rules = new List<(string Name, uint Action, List<LinuxSeccompArg> Args)>();
        foreach (var call in spec.Syscalls ?? [])
        {
            var action = Action(call.Action, call.ErrnoRet, "syscalls[].action");
            if (call.Names.Count == 0)
            {
                throw new SeccompException("seccomp: a syscalls entry has no names");
            }
            foreach (var arg in call.Args ?? [])
            {
                if (arg.Index >= 6)
                {
                    throw new SeccompException($"seccomp: argument index {arg.Index} of {call.Names[0]} is out of range (0-5)");
                }
                Comparison(arg.Op);
            }
            if (action == defaultAction)
            {
                continue;
            }
            var args = call.Args ?? [];
            var split = args.GroupBy(a => a.Index).Any(g => g.Count() > 1);
            foreach (var name in call.Names)
            {
                if (split)
                {
                    rules.AddRange(args.Select(a => (name, action, new List<LinuxSeccompArg> { a })));
                }
                else
                {
                    rules.Add((name, action, args));
                }
            }
        }

        // compat(runc): a call newer than every one the profile names fails with ENOSYS rather than the default
        // errno, so that libc and programs fall back as on an older kernel — unless the default lets calls through.
        var enosysAfterLast = defaultAction is not (Bpf.SECCOMP_RET_ALLOW or Bpf.SECCOMP_RET_LOG) && (defaultAction & 0xffff0000) != Bpf.SECCOMP_RET_TRACE;
        var bpf = new Bpf();
        const uint kill = Bpf.SECCOMP_RET_KILL_PROCESS;
        var branches = arches.Select(_ => bpf.NewLabel()).ToList();
        bpf.Load(Bpf.OffsetArch);
        for (var i = 0; i < arches.Count; i++)
        {
            bpf.Jump(Bpf.BPF_JEQ_K, arches[i].AuditArch, Bpf.Next, Bpf.SkipOne);
            bpf.Goto(branches[i]);
        }
        bpf.Return(kill);
        for (var i = 0; i < arches.Count; i++)
        {
            var arch = arches[i];
            bpf.Mark(branches[i]);
            bpf.Load(Bpf.OffsetNr);
            if (arch.AuditArch == SyscallTable.AUDIT_ARCH_X86_64)
            {
                bpf.Jump(Bpf.BPF_JGE_K, SyscallTable.X32SyscallBit, Bpf.Next, Bpf.SkipOne);
                bpf.Return(kill);
            }
            if (enosysAfterLast && LastNamed(spec, arch) is > 0 and var last)
            {
                bpf.Jump(Bpf.BPF_JGT_K, (uint)last, Bpf.Next, Bpf.SkipOne);
                bpf.Return(Bpf.SECCOMP_RET_ERRNO | ENOSYS);
            }
            var calls = rules
                .Where(r => arch.Syscalls.ContainsKey(r.Name))
                .GroupBy(r => arch.Syscalls[r.Name])
                .OrderBy(g => g.Key)
                .Select(g => (Nr: g.Key, Rules: g.Select(r => (r.Action, r.Args)).ToList()))
                .ToList();
            var bodies = new List<(int Label, List<(uint Action, List<LinuxSeccompArg> Args)> Rules)>();
            Tree(bpf, calls, defaultAction, bodies);
            foreach (var (label, callRules) in bodies)
            {
                bpf.Mark(label);
                Body(bpf, arch, callRules, defaultAction);
            }
        }
        return new SeccompProgram(bpf.Build(), flags);
    }

    /// <summary>The highest number, on <paramref name="arch"/>, of a call the profile names (in any rule).</summary>
    private static int LastNamed(LinuxSeccomp spec, SeccompArch arch) =>
        (spec.Syscalls ?? []).SelectMany(c => c.Names).Select(n => arch.Syscalls.GetValueOrDefault(n, -1)).DefaultIfEmpty(-1).Max();

    private static void Tree(Bpf bpf, List<(int Nr, List<(uint Action, List<LinuxSeccompArg> Args)> Rules)> calls, uint defaultAction,
        List<(int Label, List<(uint Action, List<LinuxSeccompArg> Args)> Rules)> bodies)
    {
        if (calls.Count <= Leaf)
        {
            foreach (var (nr, callRules) in calls)
            {
                if (callRules.Any(r => r.Args.Count > 0))
                {
                    // Arguments to compare: the body goes after the tree, reached by a long jump.
                    var body = bpf.NewLabel();
                    bodies.Add((body, callRules));
                    bpf.Jump(Bpf.BPF_JEQ_K, (uint)nr, Bpf.Next, Bpf.SkipOne);
                    bpf.Goto(body);
                }
                else
                {
                    bpf.Jump(Bpf.BPF_JEQ_K, (uint)nr, Bpf.Next, Bpf.SkipOne);
                    bpf.Return(callRules[0].Action);
                }
            }
            bpf.Return(defaultAction);
            return;
        }
        var mid = calls.Count / 2;
        var right = bpf.NewLabel();
        bpf.Jump(Bpf.BPF_JGE_K, (uint)calls[mid].Nr, Bpf.Next, Bpf.SkipOne);
        bpf.Goto(right);
        Tree(bpf, calls[..mid], defaultAction, bodies);
        bpf.Mark(right);
        Tree(bpf, calls[mid..], defaultAction, bodies);
    }

    /// <summary>One call's rules: each with arguments falls through to the next when one comparison fails.</summary>
    private static void Body(Bpf bpf, SeccompArch arch, List<(uint Action, List<LinuxSeccompArg> Args)> callRules, uint defaultAction)
    {
        foreach (var (action, args) in callRules.Where(r => r.Args.Count > 0))
        {
            var next = bpf.NewLabel();
            foreach (var arg in args)
            {
                Compare(bpf, arch, arg, next);
            }
            bpf.Return(action);
            bpf.Mark(next);
        }
        var otherwise = callRules.FirstOrDefault(r => r.Args.Count == 0);
        bpf.Return(otherwise.Args is null ? defaultAction : otherwise.Action);
    }

    /// <summary>Falls through when the comparison holds, jumps to <paramref name="fail"/> when not.</summary>
    private static void Compare(Bpf bpf, SeccompArch arch, LinuxSeccompArg arg, int fail)
    {
        var op = Comparison(arg.Op);
        var hi = (uint)(arg.Value >> 32);
        var lo = (uint)arg.Value;
        var low = Bpf.OffsetArgLow(arg.Index);
        var high = Bpf.OffsetArgHigh(arg.Index);
        var wide = arch.Is64Bit;
        var pass = bpf.NewLabel();
        switch (op)
        {
            case Op.MaskedEq:
                if (wide)
                {
                    bpf.Load(high);
                    bpf.And(hi);
                    bpf.Jump(Bpf.BPF_JEQ_K, (uint)(arg.ValueTwo >> 32), Bpf.Next, fail);
                }
                bpf.Load(low);
                bpf.And(lo);
                bpf.Jump(Bpf.BPF_JEQ_K, (uint)arg.ValueTwo, Bpf.Next, fail);
                break;
            case Op.Eq:
                if (wide)
                {
                    bpf.Load(high);
                    bpf.Jump(Bpf.BPF_JEQ_K, hi, Bpf.Next, fail);
                }
                bpf.Load(low);
                bpf.Jump(Bpf.BPF_JEQ_K, lo, Bpf.Next, fail);
                break;
            case Op.Ne:
                if (wide)
                {
                    bpf.Load(high);
                    bpf.Jump(Bpf.BPF_JEQ_K, hi, Bpf.Next, pass);
                }
                bpf.Load(low);
                bpf.Jump(Bpf.BPF_JEQ_K, lo, fail, Bpf.Next);
                break;
            case Op.Gt or Op.Ge:
                // high > hi: holds; high < hi: fails; equal: the low words decide.
                if (wide)
                {
                    bpf.Load(high);
                    bpf.Jump(Bpf.BPF_JGT_K, hi, pass, Bpf.Next);
                    bpf.Jump(Bpf.BPF_JEQ_K, hi, Bpf.Next, fail);
                }
                bpf.Load(low);
                bpf.Jump(op == Op.Gt ? Bpf.BPF_JGT_K : Bpf.BPF_JGE_K, lo, Bpf.Next, fail);
                break;
            case Op.Lt or Op.Le:
                // high < hi: holds; high > hi: fails; equal: the low words decide.
                if (wide)
                {
                    bpf.Load(high);
                    bpf.Jump(Bpf.BPF_JGE_K, hi, Bpf.Next, pass);
                    bpf.Jump(Bpf.BPF_JEQ_K, hi, Bpf.Next, fail);
                }
                bpf.Load(low);
                bpf.Jump(op == Op.Lt ? Bpf.BPF_JGE_K : Bpf.BPF_JGT_K, lo, fail, Bpf.Next);
                break;
        }
        bpf.Mark(pass);
    }

    private enum Op { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq }

    private static Op Comparison(string op) => op switch
    {
        "SCMP_CMP_NE" => Op.Ne,
        "SCMP_CMP_LT" => Op.Lt,
        "SCMP_CMP_LE" => Op.Le,
        "SCMP_CMP_EQ" => Op.Eq,
        "SCMP_CMP_GE" => Op.Ge,
        "SCMP_CMP_GT" => Op.Gt,
        "SCMP_CMP_MASKED_EQ" => Op.MaskedEq,
        _ => throw new SeccompException($"seccomp: unknown comparison operator \"{op}\""),
    };

    private const uint EPERM = 1, ENOSYS = 38;

    /// <summary>An action's <c>SECCOMP_RET_*</c> value; ERRNO and TRACE carry errnoRet (EPERM when absent, as runc).</summary>
    internal static uint Action(string action, uint? errnoRet, string field)
    {
        if (errnoRet is not null && action is not ("SCMP_ACT_ERRNO" or "SCMP_ACT_TRACE"))
        {
            throw new SeccompException($"seccomp: errnoRet is only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not {action}");
        }
        var data = (errnoRet ?? EPERM) & Bpf.SECCOMP_RET_DATA;
        return action switch
        {
            "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => Bpf.SECCOMP_RET_KILL_THREAD,
            "SCMP_ACT_KILL_PROCESS" => Bpf.SECCOMP_RET_KILL_PROCESS,
            "SCMP_ACT_TRAP" => Bpf.SECCOMP_RET_TRAP,
            "SCMP_ACT_ERRNO" => Bpf.SECCOMP_RET_ERRNO | data,
            "SCMP_ACT_TRACE" => Bpf.SECCOMP_RET_TRACE | data,
            "SCMP_ACT_LOG" => Bpf.SECCOMP_RET_LOG,
            "SCMP_ACT_ALLOW" => Bpf.SECCOMP_RET_ALLOW,
            "SCMP_ACT_NOTIFY" => throw new SeccompException("seccomp: SCMP_ACT_NOTIFY is not supported by this runtime"),
            "" => throw new SeccompException($"seccomp: {field} is missing"),
            _ => throw new SeccompException($"seccomp: unknown action \"{action}\" in {field}"),
        };
    }
}
