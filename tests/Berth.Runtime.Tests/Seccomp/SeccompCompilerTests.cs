using Berth.Oci;
using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>The BPF the compiler writes, run by <see cref="BpfInterpreter"/>: what each (arch, call, arguments)
/// gets, with libseccomp's and runc's meaning of a profile.</summary>
public sealed class SeccompCompilerTests
{
    private const uint X86_64 = 0xC000003E, I386 = 0x40000003, Aarch64 = 0xC00000B7;
    private const uint Allow = 0x7fff0000, KillProcess = 0x80000000, KillThread = 0, Trap = 0x00030000, Log = 0x7ffc0000;

    private static uint Errno(uint e) => 0x00050000 | e;

    private static uint Trace(uint e) => 0x7ff00000 | e;

    // x86_64 numbers (asm/unistd_64.h) and i386 ones (unistd_32.h).
    private const int Read = 0, Getpid = 39, Clone = 56, Mkdir = 83, Personality = 135, Unshare = 272, Mkdirat = 258, Socket = 41;
    private const int I386Getpid = 20, I386Mkdir = 39, I386Clone = 120, I386Unshare = 310;

    private static LinuxSyscall Rule(string names, string action, uint? errnoRet = null, params LinuxSeccompArg[] args) =>
        new() { Names = [.. names.Split(' ')], Action = action, ErrnoRet = errnoRet, Args = args.Length > 0 ? [.. args] : null };

    private static LinuxSeccompArg Arg(uint index, string op, ulong value, ulong valueTwo = 0) => new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    private static Filter Compile(string defaultAction, uint? defaultErrno, List<string>? arches, params LinuxSyscall[] rules) =>
        new(SeccompCompiler.Compile(new LinuxSeccomp { DefaultAction = defaultAction, DefaultErrnoRet = defaultErrno, Architectures = arches, Syscalls = [.. rules] }, SyscallTable.X86_64));

    private sealed record Filter(SeccompProgram Program)
    {
        public uint Run(int nr, params ulong[] args) => BpfInterpreter.Run(Program.Instructions, X86_64, nr, args);

        public uint RunAs(uint arch, int nr, params ulong[] args) => BpfInterpreter.Run(Program.Instructions, arch, nr, args);
    }

    [Fact]
    public void An_allow_list_allows_what_it_names_and_gives_the_default_errno_to_the_rest()
    {
        var p = Compile("SCMP_ACT_ERRNO", null, null, Rule("read getpid mkdir", "SCMP_ACT_ALLOW"));
        Assert.Equal(Allow, p.Run(Read));
        Assert.Equal(Allow, p.Run(Getpid));
        Assert.Equal(Allow, p.Run(Mkdir));
        Assert.Equal(Errno(1), p.Run(Clone)); // EPERM when no errno is given, as runc
        Assert.Equal(Errno(13), Compile("SCMP_ACT_ERRNO", 13, null, Rule("read mkdir", "SCMP_ACT_ALLOW")).Run(Clone));
    }

    [Fact]
    public void Every_call_of_a_big_list_is_found_by_the_binary_search()
    {
        var names = SyscallTable.X86_64.Syscalls.Keys.Where(n => n != "unshare").ToList();
        var p = Compile("SCMP_ACT_ERRNO", null, null, Rule(string.Join(' ', names), "SCMP_ACT_ALLOW"));
        foreach (var name in names)
        {
            Assert.Equal(Allow, p.Run(SyscallTable.X86_64.Syscalls[name]));
        }
        Assert.Equal(Errno(1), p.Run(Unshare));
        Assert.Equal(Errno(38), p.Run(999)); // above every named call
        Assert.Equal(KillProcess, p.Run(-1)); // 0xffffffff: in the x32 range
        Assert.InRange(p.Program.Instructions.Length, 1, 4096);
    }

    [Theory]
    [InlineData("SCMP_ACT_KILL", KillThread)]
    [InlineData("SCMP_ACT_KILL_THREAD", KillThread)]
    [InlineData("SCMP_ACT_KILL_PROCESS", KillProcess)]
    [InlineData("SCMP_ACT_TRAP", Trap)]
    [InlineData("SCMP_ACT_LOG", Log)]
    [InlineData("SCMP_ACT_ALLOW", Allow)]
    public void Each_action_becomes_its_seccomp_return(string action, uint expected)
    {
        var p = Compile(action == "SCMP_ACT_ALLOW" ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW", null, null, Rule("mkdir", action));
        Assert.Equal(expected, p.Run(Mkdir));
    }

    [Fact]
    public void Errno_and_trace_carry_errnoRet()
    {
        var p = Compile("SCMP_ACT_ALLOW", null, null, Rule("mkdir", "SCMP_ACT_ERRNO", 30), Rule("unshare", "SCMP_ACT_TRACE", 7), Rule("getpid", "SCMP_ACT_ERRNO"));
        Assert.Equal(Errno(30), p.Run(Mkdir));
        Assert.Equal(Trace(7), p.Run(Unshare));
        Assert.Equal(Errno(1), p.Run(Getpid));
        Assert.Equal(Allow, p.Run(Read));
    }

    // Docker's clone rule: allowed only when none of the namespace flags is set.
    [Theory]
    [InlineData(0x01200011ul, Allow)]              // fork's flags (CLONE_CHILD_SETTID|CLEARTID|SIGCHLD)
    [InlineData(0x003d0f00ul, Allow)]              // pthread_create's
    [InlineData(0x10000000ul, 1u)]                 // CLONE_NEWUSER
    [InlineData(0x20000011ul, 1u)]                 // CLONE_NEWPID with others
    [InlineData(0x00020000ul, 1u)]                 // CLONE_NEWNS
    [InlineData(0xffffffff00000000ul, Allow)]      // high word outside the mask
    public void Masked_eq_compares_under_the_mask(ulong flags, uint expected)
    {
        var p = Compile("SCMP_ACT_ERRNO", null, null, Rule("clone", "SCMP_ACT_ALLOW", null, Arg(0, "SCMP_CMP_MASKED_EQ", 0x7E020000, 0)));
        Assert.Equal(expected == Allow ? Allow : Errno(expected), p.Run(Clone, flags));
    }

    [Theory]
    [InlineData("SCMP_CMP_EQ", 5ul, new ulong[] { 5 }, new ulong[] { 4, 6, 0x100000005 })]
    [InlineData("SCMP_CMP_NE", 5ul, new ulong[] { 4, 6, 0x100000005 }, new ulong[] { 5 })]
    [InlineData("SCMP_CMP_LT", 0x100000000ul, new ulong[] { 0, 0xffffffff }, new ulong[] { 0x100000000, 0x100000001, 0x200000000 })]
    [InlineData("SCMP_CMP_LE", 0x100000000ul, new ulong[] { 0, 0xffffffff, 0x100000000 }, new ulong[] { 0x100000001, 0x200000000 })]
    [InlineData("SCMP_CMP_GT", 0x100000000ul, new ulong[] { 0x100000001, 0x200000000 }, new ulong[] { 0, 0xffffffff, 0x100000000 })]
    [InlineData("SCMP_CMP_GE", 0x100000000ul, new ulong[] { 0x100000000, 0x100000001, 0x200000000 }, new ulong[] { 0, 0xffffffff })]
    [InlineData("SCMP_CMP_GT", 40ul, new ulong[] { 41, ulong.MaxValue }, new ulong[] { 0, 40 })]
    public void Sixty_four_bit_comparisons_hold_across_both_words(string op, ulong value, ulong[] allowed, ulong[] refused)
    {
        var p = Compile("SCMP_ACT_ERRNO", null, null, Rule("socket", "SCMP_ACT_ALLOW", null, Arg(0, op, value)));
        Assert.All(allowed, a => Assert.Equal(Allow, p.Run(Socket, a)));
        Assert.All(refused, a => Assert.Equal(Errno(1), p.Run(Socket, a)));
    }

    [Fact]
    public void Arguments_of_one_rule_must_all_hold_and_a_later_rule_is_tried_when_one_fails()
    {
        var p = Compile("SCMP_ACT_ERRNO", null, null,
            Rule("personality", "SCMP_ACT_ALLOW", null, Arg(0, "SCMP_CMP_EQ", 8), Arg(1, "SCMP_CMP_EQ", 1)),
            Rule("personality", "SCMP_ACT_ALLOW", null, Arg(0, "SCMP_CMP_EQ", 0xffffffff)));
        Assert.Equal(Allow, p.Run(Personality, 8, 1));
        Assert.Equal(Errno(1), p.Run(Personality, 8, 2));
        Assert.Equal(Errno(1), p.Run(Personality, 7, 1));
        Assert.Equal(Allow, p.Run(Personality, 0xffffffff));
    }

    [Fact]
    public void Two_comparisons_of_one_argument_are_each_a_rule_of_their_own_as_runc_makes_them()
    {
        var p = Compile("SCMP_ACT_ERRNO", null, null,
            Rule("socket", "SCMP_ACT_ALLOW", null, Arg(0, "SCMP_CMP_EQ", 1), Arg(0, "SCMP_CMP_EQ", 2)));
        Assert.Equal(Allow, p.Run(Socket, 1));
        Assert.Equal(Allow, p.Run(Socket, 2));
        Assert.Equal(Errno(1), p.Run(Socket, 3));
    }

    [Fact]
    public void A_rule_with_arguments_comes_before_one_without_for_the_same_call()
    {
        var p = Compile("SCMP_ACT_ALLOW", null, null,
            Rule("mkdir", "SCMP_ACT_ERRNO", 13),
            Rule("mkdir", "SCMP_ACT_ERRNO", 30, Arg(1, "SCMP_CMP_EQ", 0x1ff)));
        Assert.Equal(Errno(30), p.Run(Mkdir, 0, 0x1ff));
        Assert.Equal(Errno(13), p.Run(Mkdir, 0, 0x1ed));
    }

    [Fact]
    public void A_rule_with_the_default_action_changes_nothing()
    {
        var p = Compile("SCMP_ACT_ERRNO", null, null, Rule("mkdir", "SCMP_ACT_ERRNO"), Rule("mkdir", "SCMP_ACT_ALLOW"));
        Assert.Equal(Allow, p.Run(Mkdir));
    }

    [Fact]
    public void Other_architectures_and_x32_calls_kill_and_i386_gets_its_own_numbers_when_listed()
    {
        var native = Compile("SCMP_ACT_ALLOW", null, null, Rule("unshare", "SCMP_ACT_ERRNO"));
        Assert.Equal(KillProcess, native.RunAs(I386, I386Getpid));
        Assert.Equal(KillProcess, native.RunAs(Aarch64, Getpid));
        Assert.Equal(KillProcess, native.Run(unchecked((int)0x40000000) | Unshare));
        Assert.Equal(Errno(1), native.Run(Unshare));

        var both = Compile("SCMP_ACT_ERRNO", null, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], Rule("getpid mkdir mkdirat", "SCMP_ACT_ALLOW"));
        Assert.Equal(Allow, both.RunAs(I386, I386Getpid));
        Assert.Equal(Allow, both.RunAs(I386, I386Mkdir));
        Assert.Equal(Errno(1), both.RunAs(I386, I386Clone));
        Assert.Equal(Errno(38), both.RunAs(I386, I386Unshare)); // above i386's mkdirat (296)
        Assert.Equal(Allow, both.Run(Mkdirat));
        Assert.Equal(Errno(1), both.Run(Clone));
        Assert.Equal(KillProcess, both.Run(unchecked((int)0x40000000) | Getpid));
    }

    // aarch64 numbers: the kernel's generic table (asm-generic/unistd.h), which has no mkdir, open or fork.
    private const int A64Read = 63, A64Getpid = 172, A64Mkdirat = 34, A64Openat = 56, A64Unshare = 97, A64Clone = 220;

    private static Filter CompileAarch64(string defaultAction, List<string>? arches, params LinuxSyscall[] rules) =>
        new(SeccompCompiler.Compile(new LinuxSeccomp { DefaultAction = defaultAction, Architectures = arches, Syscalls = [.. rules] }, SyscallTable.Aarch64));

    [Fact]
    public void On_aarch64_the_arch_check_is_aarch64s_and_the_calls_have_its_numbers()
    {
        var p = CompileAarch64("SCMP_ACT_ERRNO", ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], Rule("read getpid mkdir mkdirat openat", "SCMP_ACT_ALLOW"), Rule("clone", "SCMP_ACT_ERRNO", 22));
        Assert.Equal(Allow, p.RunAs(Aarch64, A64Read));
        Assert.Equal(Allow, p.RunAs(Aarch64, A64Getpid));
        Assert.Equal(Allow, p.RunAs(Aarch64, A64Mkdirat));
        Assert.Equal(Allow, p.RunAs(Aarch64, A64Openat));
        Assert.Equal(Errno(22), p.RunAs(Aarch64, A64Clone));
        Assert.Equal(Errno(1), p.RunAs(Aarch64, A64Unshare));
        // x86_64's numbers mean other calls here: its getpid (39) is aarch64's umount2, refused.
        Assert.Equal(Errno(1), p.RunAs(Aarch64, Getpid));
        // Above every named call (clone, 220): ENOSYS; no x32 range on aarch64.
        Assert.Equal(Errno(38), p.RunAs(Aarch64, 435));
        Assert.Equal(Errno(38), p.RunAs(Aarch64, unchecked((int)0x40000000) | A64Getpid));
        // Any other architecture is killed: x86_64, and 32-bit arm, which has no table here.
        Assert.Equal(KillProcess, p.RunAs(X86_64, Getpid));
        Assert.Equal(KillProcess, p.RunAs(I386, I386Getpid));
        Assert.Equal(KillProcess, p.RunAs(0x40000028, 20)); // AUDIT_ARCH_ARM, getpid
    }

    [Fact]
    public void The_aarch64_table_is_the_generic_one()
    {
        var t = SyscallTable.Aarch64.Syscalls;
        Assert.Equal(0, t["io_setup"]);
        Assert.Equal(25, t["fcntl"]);
        Assert.Equal(79, t["newfstatat"]);
        Assert.Equal(80, t["fstat"]);
        Assert.Equal(163, t["getrlimit"]);
        Assert.Equal(221, t["execve"]);
        Assert.Equal(222, t["mmap"]);
        Assert.Equal(435, t["clone3"]);
        Assert.Equal(447, t["memfd_secret"]);
        Assert.Equal(462, t["mseal"]);
        Assert.DoesNotContain("open", t.Keys);
        Assert.DoesNotContain("mkdir", t.Keys);
        Assert.DoesNotContain("fork", t.Keys);
        Assert.DoesNotContain("fcntl64", t.Keys);
        Assert.DoesNotContain("clock_gettime64", t.Keys);
        Assert.DoesNotContain("arch_specific_syscall", t.Keys);
        Assert.Equal(t.Count, t.Values.Distinct().Count());
    }

    [Fact]
    public void A_profile_naming_aarch64_on_x86_64_keeps_the_x86_64_filter()
    {
        // The x86_64 kernel runs no aarch64 calls: the name is taken, and aarch64 gets no branch.
        var p = Compile("SCMP_ACT_ERRNO", null, ["SCMP_ARCH_AARCH64"], Rule("getpid", "SCMP_ACT_ALLOW"));
        Assert.Equal(Allow, p.Run(Getpid));
        Assert.Equal(Errno(1), p.Run(Read));
        Assert.Equal(KillProcess, p.RunAs(Aarch64, A64Getpid));
    }

    [Fact]
    public void On_i386_only_the_low_word_of_an_argument_is_compared()
    {
        var p = Compile("SCMP_ACT_ERRNO", null, ["SCMP_ARCH_X86"], Rule("getpid", "SCMP_ACT_ALLOW", null, Arg(0, "SCMP_CMP_EQ", 0xffffffffffffffff)));
        Assert.Equal(Allow, p.RunAs(I386, I386Getpid, 0xffffffff));
        Assert.Equal(Errno(1), p.Run(Getpid, 0xffffffff));
        Assert.Equal(Allow, p.Run(Getpid, 0xffffffffffffffff));
    }

    [Fact]
    public void Names_this_architecture_lacks_are_skipped()
    {
        var p = Compile("SCMP_ACT_ERRNO", null, null, Rule("getpid arm_fadvise64_64 no_such_call", "SCMP_ACT_ALLOW"));
        Assert.Equal(Allow, p.Run(Getpid));
    }

    [Fact]
    public void A_call_newer_than_every_named_one_gets_ENOSYS_when_the_default_refuses()
    {
        // mkdirat (258) is the highest named; unshare (272) is above it, getpid and mkdir below.
        var p = Compile("SCMP_ACT_ERRNO", null, null, Rule("getpid mkdirat", "SCMP_ACT_ALLOW"), Rule("mkdir", "SCMP_ACT_ERRNO"));
        Assert.Equal(Errno(38), p.Run(Unshare));
        Assert.Equal(Errno(38), p.Run(467));
        Assert.Equal(Errno(1), p.Run(Mkdir));
        Assert.Equal(Errno(1), p.Run(Read));
        Assert.Equal(Allow, p.Run(Mkdirat));
        var kill = Compile("SCMP_ACT_KILL", null, null, Rule("getpid", "SCMP_ACT_ALLOW"));
        Assert.Equal(Errno(38), kill.Run(Mkdirat));
        Assert.Equal(KillThread, kill.Run(Read));
        // A default that lets calls through needs no stub.
        Assert.Equal(Allow, Compile("SCMP_ACT_ALLOW", null, null, Rule("getpid", "SCMP_ACT_ERRNO")).Run(Unshare));
        Assert.Equal(Log, Compile("SCMP_ACT_LOG", null, null, Rule("getpid", "SCMP_ACT_ERRNO")).Run(Unshare));
    }

    [Fact]
    public void Flags_become_seccomp_filter_flags()
    {
        var program = SeccompCompiler.Compile(new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"] }, SyscallTable.X86_64);
        Assert.Equal(6u, program.Flags);
    }

    [Theory]
    [InlineData("""{"defaultAction":"SCMP_ACT_BOGUS"}""", "unknown action \"SCMP_ACT_BOGUS\"")]
    [InlineData("""{"defaultAction":""}""", "defaultAction is missing")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_FOO"}]}""", "unknown action \"SCMP_ACT_FOO\"")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}""", "argument index 6")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_ABOUT"}]}]}""", "unknown comparison operator")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_KILL","errnoRet":5}]}""", "errnoRet is only for")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_KILL"}]}""", "has no names")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_VAX"]}""", "unknown architecture")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_BOGUS"]}""", "unknown flag")]
    [InlineData("""{"defaultAction":"SCMP_ACT_NOTIFY"}""", "SCMP_ACT_NOTIFY is not supported")]
    public void A_bad_filter_is_refused_with_what_is_wrong(string json, string message)
    {
        var spec = System.Text.Json.JsonSerializer.Deserialize("{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":" + json + "}}", OciJson.Default.RuntimeSpec)!;
        var e = Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(spec.Linux!.Seccomp!, SyscallTable.X86_64));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
