using Berth.Common;
using Berth.Engine.Model;
using Berth.Engine.Seccomp;
using Berth.Oci;
using Berth.Runtime.Seccomp;

namespace Berth.Engine.Tests;

/// <summary>Docker's profile format resolved for one container (moby's setupSeccomp), Docker's default profile, and
/// which profile a container gets (moby's WithSeccomp).</summary>
public sealed class SeccompProfileTests
{
    private static readonly string[] DefaultCaps = [.. SpecBuilder.DefaultCapabilities];

    private static HashSet<string> Allowed(LinuxSeccomp s) =>
        s.Syscalls!.Where(c => c.Action == "SCMP_ACT_ALLOW" && c.Args is null).SelectMany(c => c.Names).ToHashSet();

    private static LinuxSeccomp Default(params string[] caps) =>
        DefaultSeccompProfile.Create().Resolve(caps, "SCMP_ARCH_X86_64", "6.18.44-fc-v1272")!;

    [Fact]
    public void The_default_profile_refuses_what_an_unprivileged_container_must_not_do()
    {
        var s = Default(DefaultCaps);
        Assert.Equal(("SCMP_ACT_ERRNO", 1u), (s.DefaultAction, s.DefaultErrnoRet!.Value));
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], s.Architectures!);
        var allowed = Allowed(s);
        Assert.All(
            ["unshare", "mount", "umount2", "keyctl", "add_key", "request_key", "bpf", "kexec_load", "open_by_handle_at",
             "init_module", "swapon", "reboot", "setns", "pivot_root", "userfaultfd", "perf_event_open", "clone3",
             "settimeofday", "acct", "iopl", "kcmp", "pidfd_getfd"],
            n => Assert.DoesNotContain(n, allowed));
        Assert.All(["read", "execve", "getpid", "mkdirat", "capset", "setresuid", "prctl", "chroot", "ptrace", "arch_prctl", "modify_ldt"],
            n => Assert.Contains(n, allowed));
        // clone only without namespace flags; clone3 ENOSYS so that libc falls back to clone.
        var clone = Assert.Single(s.Syscalls!, c => c.Names.Contains("clone"));
        Assert.Equal(("SCMP_CMP_MASKED_EQ", 0u, 0x7E020000ul, 0ul), (clone.Args![0].Op, clone.Args[0].Index, clone.Args[0].Value, clone.Args[0].ValueTwo));
        var clone3 = Assert.Single(s.Syscalls!, c => c.Names.Contains("clone3"));
        Assert.Equal(("SCMP_ACT_ERRNO", 38u), (clone3.Action, clone3.ErrnoRet!.Value));
    }

    [Theory]
    [InlineData("CAP_SYS_ADMIN", "mount umount2 unshare setns clone clone3 sethostname bpf perf_event_open")]
    [InlineData("CAP_SYS_PTRACE", "ptrace process_vm_readv kcmp pidfd_getfd")]
    [InlineData("CAP_SYS_MODULE", "init_module finit_module delete_module")]
    [InlineData("CAP_SYS_BOOT", "reboot")]
    [InlineData("CAP_SYS_TIME", "settimeofday clock_settime")]
    [InlineData("CAP_SYSLOG", "syslog")]
    [InlineData("CAP_SYS_NICE", "mbind set_mempolicy")]
    [InlineData("CAP_SYS_RAWIO", "iopl ioperm")]
    [InlineData("CAP_SYS_PACCT", "acct")]
    [InlineData("CAP_BPF", "bpf")]
    [InlineData("CAP_PERFMON", "perf_event_open")]
    [InlineData("CAP_DAC_READ_SEARCH", "open_by_handle_at")]
    public void A_capability_added_allows_its_calls(string cap, string calls)
    {
        var allowed = Allowed(Default([.. DefaultCaps, cap]));
        Assert.All(calls.Split(' '), n => Assert.Contains(n, allowed));
        if (cap == "CAP_SYS_ADMIN")
        {
            var s = Default([.. DefaultCaps, cap]);
            Assert.DoesNotContain(s.Syscalls!, c => c.Names.Contains("clone") && c.Args is not null);
            Assert.DoesNotContain(s.Syscalls!, c => c.Names.Contains("clone3") && c.Action == "SCMP_ACT_ERRNO");
        }
    }

    [Fact]
    public void Without_CAP_SYS_CHROOT_chroot_is_refused()
    {
        Assert.DoesNotContain("chroot", Allowed(Default([.. DefaultCaps.Where(c => c != "CAP_SYS_CHROOT")])));
    }

    [Fact]
    public void The_default_profile_compiles_within_the_kernels_limit()
    {
        var program = SeccompCompiler.Compile(Default(DefaultCaps));
        Assert.InRange(program.Instructions.Length, 500, 4096);
    }

    [Theory]
    [InlineData("4.8", "4.7.1-generic", false)]
    [InlineData("4.8", "4.8.0", true)]
    [InlineData("4.8", "6.1-1-amd64", true)]
    [InlineData("5.10", "5.9.9", false)]
    public void Min_kernel_compares_kernel_and_major(string minKernel, string release, bool included)
    {
        var p = DockerSeccompProfile.Parse($$$"""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"{{{minKernel}}}"}}]}""");
        Assert.Equal(included, p.Resolve(DefaultCaps, "SCMP_ARCH_X86_64", release)!.Syscalls!.Count == 1);
    }

    [Fact]
    public void Includes_and_excludes_by_arch_name_and_caps_as_moby()
    {
        var p = DockerSeccompProfile.Parse("""
            {"DefaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
              {"name":"arch_prctl","action":"SCMP_ACT_ALLOW","includes":{"arches":["amd64"]}},
              {"names":["breakpoint"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["arm64"]}},
              {"names":["a"],"action":"SCMP_ACT_ALLOW","excludes":{"arches":["amd64"]}},
              {"names":["b"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN","CAP_CHOWN"]}},
              {"names":["c"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["CAP_NET_ADMIN","CAP_CHOWN"]}},
              {"names":["d"],"action":"SCMP_ACT_ALLOW","comment":"kept","unknownField":1}
            ]}
            """);
        var s = p.Resolve(["CAP_CHOWN"], "SCMP_ARCH_X86_64", "6.1.0")!;
        Assert.Equal(["arch_prctl", "d"], s.Syscalls!.SelectMany(c => c.Names));
        Assert.Equal(["SCMP_ARCH_X86_64"], s.Architectures!);
        Assert.Equal(["arch_prctl", "b", "d"], p.Resolve(["CAP_CHOWN", "CAP_SYS_ADMIN"], "SCMP_ARCH_X86_64", "6.1.0")!.Syscalls!.SelectMany(c => c.Names));
    }

    [Theory]
    [InlineData("{", "Decoding seccomp profile failed")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4"}}]}""", "invalid kernel version")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":"zero"}]}]}""", "Decoding seccomp profile failed")]
    public void A_profile_that_cannot_be_read_is_refused(string json, string message)
    {
        var e = Assert.Throws<BerthException>(() => DockerSeccompProfile.Parse(json));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}""", "both 'architectures' and 'archMap'")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]}""", "both 'name' and 'names'")]
    [InlineData("""{"defaultAction":"SCMP_ACT_BOGUS"}""", "unknown action \"SCMP_ACT_BOGUS\"")]
    public void A_profile_that_makes_no_sense_is_refused_at_create(string json, string message)
    {
        var host = new HostConfig { SecurityOpt = ["seccomp=" + json] };
        var e = Assert.Throws<BerthException>(() => ContainerSeccomp.For(host, DefaultCaps, ContainerSeccomp.Builtin));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private const string DenyMkdir = """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}""";

    [Theory]
    [InlineData(null, false, "builtin", "default")]
    [InlineData(null, true, "builtin", "none")]
    [InlineData("seccomp=unconfined", false, "builtin", "none")]
    [InlineData("seccomp:unconfined", false, "builtin", "none")]
    [InlineData("seccomp=builtin", false, "unconfined", "default")]
    [InlineData(null, false, "unconfined", "none")]
    [InlineData(null, false, DenyMkdir, "deny-mkdir")]
    [InlineData("seccomp=" + DenyMkdir, false, "builtin", "deny-mkdir")]
    [InlineData("seccomp=" + DenyMkdir, true, "builtin", "deny-mkdir")]
    [InlineData("seccomp=builtin", true, "builtin", "default")]
    public void Which_profile_a_container_gets(string? option, bool privileged, string daemon, string expected)
    {
        var host = new HostConfig { Privileged = privileged, SecurityOpt = option is null ? null : [option] };
        var s = ContainerSeccomp.For(host, DefaultCaps, daemon);
        var got = s switch
        {
            null => "none",
            { DefaultAction: "SCMP_ACT_ERRNO" } => "default",
            _ when s.Syscalls!.Single().Names.SequenceEqual(["mkdir", "mkdirat"]) => "deny-mkdir",
            _ => "other",
        };
        Assert.Equal(expected, got);
    }

    [Theory]
    [InlineData("no-new-privileges", true, null)]
    [InlineData("no-new-privileges=true", true, null)]
    [InlineData("no-new-privileges:true", true, null)]
    [InlineData("no-new-privileges=false", false, null)]
    [InlineData("seccomp=unconfined", false, "unconfined")]
    [InlineData("seccomp:{\"a\":1}", false, "{\"a\":1}")]
    public void Security_options_are_read_as_dockerd_reads_them(string option, bool nnp, string? seccomp)
    {
        var o = SecurityOptions.Parse([option]);
        Assert.Equal((nnp, seccomp), (o.NoNewPrivileges, o.Seccomp));
    }

    [Theory]
    [InlineData("bogus", "invalid --security-opt 1: \"bogus\"")]
    [InlineData("foo=bar", "invalid --security-opt 2: \"foo=bar\"")]
    [InlineData("no-new-privileges=maybe", "invalid --security-opt 2")]
    public void A_bad_security_option_is_refused(string option, string message)
    {
        var e = Assert.Throws<BerthException>(() => SecurityOptions.Parse([option]));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unconfined_apparmor_and_disabled_labels_ask_for_nothing_and_pass()
    {
        foreach (var host in new[] { (false, false), (true, true) })
        {
            var o = SecurityOptions.Parse(["apparmor=unconfined", "label=disable", "label:disable", "disable", "seccomp=unconfined"], host);
            Assert.Empty(o.Unsupported);
            Assert.Empty(o.Warnings);
        }
    }

    [Fact]
    public void A_profile_or_label_the_host_cannot_apply_is_ignored_with_a_warning()
    {
        var o = SecurityOptions.Parse(["apparmor=docker-default", "label=type:svirt_apache_t"], (AppArmor: false, SELinux: false));
        Assert.Empty(o.Unsupported);
        Assert.Equal(
            ["AppArmor is not enabled on this host: the apparmor profile \"docker-default\" is ignored",
             "SELinux is not enabled on this host: the label \"type:svirt_apache_t\" is ignored"],
            o.Warnings);
    }

    [Fact]
    public void A_profile_or_label_on_a_host_that_has_the_module_is_refused_until_berth_applies_it()
    {
        var o = SecurityOptions.Parse(["apparmor=docker-default", "label=level:s0:c100,c200", "writable-cgroups"], (AppArmor: true, SELinux: true));
        Assert.Equal(["apparmor=docker-default", "label=level:s0:c100,c200", "writable-cgroups"], o.Unsupported);
    }

    [Fact]
    public void A_malformed_label_is_refused()
    {
        var e = Assert.Throws<BerthException>(() => SecurityOptions.Parse(["label=bogus"], (false, false)));
        Assert.Contains("bad label option \"bogus\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_is_compiled_once_and_every_bundle_gets_the_program_by_name()
    {
        var host = new HostConfig();
        var first = ContainerSeccomp.For(host, DefaultCaps, ContainerSeccomp.Builtin)!;
        Assert.Same(first, ContainerSeccomp.For(host, DefaultCaps, ContainerSeccomp.Builtin));

        var bundle = Directory.CreateTempSubdirectory("berth-seccomp-bundle-").FullName;
        try
        {
            var spec = new RuntimeSpec { Linux = new LinuxConfig { Seccomp = first } };
            ContainerSeccomp.WriteProgram(bundle, spec);
            var path = Path.Join(bundle, SeccompProgramFile.FileName);
            var name = spec.Annotations![SeccompProgramFile.Annotation];
            Assert.Equal(Convert.FromHexString(name), File.ReadAllBytes(path)[..32]);
            Assert.Equal(SeccompCompiler.Compile(first).Instructions, SeccompProgramFile.Load(path, name, first).Instructions);

            // Another container with the same profile: the same program under the same name.
            var second = new RuntimeSpec { Linux = new LinuxConfig { Seccomp = ContainerSeccomp.For(host, DefaultCaps, ContainerSeccomp.Builtin) } };
            ContainerSeccomp.WriteProgram(bundle, second);
            Assert.Equal(name, second.Annotations![SeccompProgramFile.Annotation]);

            // Without a filter the bundle has neither the program nor its name (a restart may drop one).
            spec.Linux.Seccomp = null;
            ContainerSeccomp.WriteProgram(bundle, spec);
            Assert.False(File.Exists(path));
            Assert.False(spec.Annotations.ContainsKey(SeccompProgramFile.Annotation));
        }
        finally
        {
            Directory.Delete(bundle, recursive: true);
        }
    }

    [Fact]
    public void Another_bounding_set_is_another_filter()
    {
        var host = new HostConfig();
        var plain = ContainerSeccomp.For(host, DefaultCaps, ContainerSeccomp.Builtin);
        var admin = ContainerSeccomp.For(host, [.. DefaultCaps, "CAP_SYS_ADMIN"], ContainerSeccomp.Builtin);
        Assert.NotSame(plain, admin);
        Assert.NotEqual(plain!.Syscalls!.Count, admin!.Syscalls!.Count);
    }
}
