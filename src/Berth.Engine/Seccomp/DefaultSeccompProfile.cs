using Berth.Oci;

namespace Berth.Engine.Seccomp;

/// <summary>
/// Docker's default seccomp profile (moby's profiles/seccomp/default.json, the current one), as data: an allow-list
/// whose default is EPERM. Calls that only a capability makes useful are allowed only when the container holds it
/// (mount, unshare, setns … with CAP_SYS_ADMIN; ptrace's kin with CAP_SYS_PTRACE; …); without CAP_SYS_ADMIN clone is
/// allowed only without the namespace flags, and clone3 fails with ENOSYS so that libc falls back to clone.
/// </summary>
internal static class DefaultSeccompProfile
{
    /// <summary>Allowed whatever the capabilities.</summary>
    private const string Always =
        "accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32 " +
        "clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 " +
        "clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3 " +
        "epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old " +
        "eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate " +
        "fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr " +
        "flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate " +
        "ftruncate64 futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat getcpu getcwd " +
        "getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer " +
        "getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid " +
        "getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid " +
        "gettimeofday getuid getuid32 getxattr getxattrat inotify_add_watch inotify_init inotify_init1 " +
        "inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get " +
        "ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self " +
        "lchown lchown32 lgetxattr link linkat listen listmount listxattr listxattrat llistxattr _llseek " +
        "lremovexattr lseek lsetxattr lstat lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret " +
        "mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify " +
        "mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap mseal " +
        "msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat " +
        "_newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free " +
        "pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 " +
        "pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg " +
        "recvmmsg_time64 recvmsg remap_file_pages removexattr removexattrat rename renameat renameat2 " +
        "restart_syscall riscv_hwprobe rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo " +
        "rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity " +
        "sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler " +
        "sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam " +
        "sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send " +
        "sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 " +
        "setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid " +
        "setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area " +
        "set_tid_address setuid setuid32 setxattr setxattrat shmat shmctl shmdt shmget shutdown sigaltstack " +
        "signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64 statfs statfs64 " +
        "statmount statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create " +
        "timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create " +
        "timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 " +
        "ugetrlimit umask uname unlink unlinkat uretprobe utime utimensat utimensat_time64 utimes vfork vmsplice " +
        "wait4 waitid waitpid write writev";

    private const uint ENOSYS = 38;

    /// <summary>CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET.</summary>
    private const ulong CloneNamespaceFlags = 0x7E020000;

    public static DockerSeccompProfile Create() => new()
    {
        DefaultAction = "SCMP_ACT_ERRNO",
        DefaultErrnoRet = 1,
        ArchMap =
        [
            Arch("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
            Arch("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"),
            Arch("SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"),
            Arch("SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"),
            Arch("SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"),
            Arch("SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"),
            Arch("SCMP_ARCH_S390X", "SCMP_ARCH_S390"),
            Arch("SCMP_ARCH_RISCV64"),
            Arch("SCMP_ARCH_LOONGARCH64"),
        ],
        Syscalls =
        [
            Allow(Always),
            Allow("process_vm_readv process_vm_writev ptrace", minKernel: "4.8"),
            // socket: every family but AF_ALG (38) and AF_VSOCK (40).
            Allow("socket", args: [Arg(0, 38, "SCMP_CMP_LT")]),
            Allow("socket", args: [Arg(0, 39, "SCMP_CMP_EQ")]),
            Allow("socket", args: [Arg(0, 40, "SCMP_CMP_GT")]),
            // personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff.
            Allow("personality", args: [Arg(0, 0x0, "SCMP_CMP_EQ")]),
            Allow("personality", args: [Arg(0, 0x8, "SCMP_CMP_EQ")]),
            Allow("personality", args: [Arg(0, 0x20000, "SCMP_CMP_EQ")]),
            Allow("personality", args: [Arg(0, 0x20008, "SCMP_CMP_EQ")]),
            Allow("personality", args: [Arg(0, 0xffffffff, "SCMP_CMP_EQ")]),
            Allow("sync_file_range2 swapcontext", arches: ["ppc64le"]),
            Allow("arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls", arches: ["arm", "arm64"]),
            Allow("arch_prctl", arches: ["amd64", "x32"]),
            Allow("modify_ldt", arches: ["amd64", "x32", "x86"]),
            Allow("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", arches: ["s390", "s390x"]),
            Allow("riscv_flush_icache", arches: ["riscv64"]),
            Allow("open_by_handle_at", cap: "CAP_DAC_READ_SEARCH"),
            Allow("bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie lsm_get_self_attr " +
                "lsm_list_modules lsm_set_self_attr mount mount_setattr move_mount open_tree perf_event_open quotactl " +
                "quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare", cap: "CAP_SYS_ADMIN"),
            new DockerSyscall
            {
                Names = ["clone"], Action = "SCMP_ACT_ALLOW", Args = [Arg(0, CloneNamespaceFlags, "SCMP_CMP_MASKED_EQ")],
                Excludes = new DockerSeccompFilter { Caps = ["CAP_SYS_ADMIN"], Arches = ["s390", "s390x"] },
            },
            new DockerSyscall
            {
                // s390 has clone's flags in the second argument.
                Names = ["clone"], Action = "SCMP_ACT_ALLOW", Args = [Arg(1, CloneNamespaceFlags, "SCMP_CMP_MASKED_EQ")],
                Includes = new DockerSeccompFilter { Arches = ["s390", "s390x"] },
                Excludes = new DockerSeccompFilter { Caps = ["CAP_SYS_ADMIN"] },
            },
            new DockerSyscall
            {
                Names = ["clone3"], Action = "SCMP_ACT_ERRNO", ErrnoRet = ENOSYS,
                Excludes = new DockerSeccompFilter { Caps = ["CAP_SYS_ADMIN"] },
            },
            Allow("reboot", cap: "CAP_SYS_BOOT"),
            Allow("chroot", cap: "CAP_SYS_CHROOT"),
            Allow("delete_module init_module finit_module", cap: "CAP_SYS_MODULE"),
            Allow("acct", cap: "CAP_SYS_PACCT"),
            Allow("kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace", cap: "CAP_SYS_PTRACE"),
            Allow("iopl ioperm", cap: "CAP_SYS_RAWIO"),
            Allow("settimeofday stime clock_settime clock_settime64", cap: "CAP_SYS_TIME"),
            Allow("vhangup", cap: "CAP_SYS_TTY_CONFIG"),
            Allow("get_mempolicy mbind set_mempolicy set_mempolicy_home_node", cap: "CAP_SYS_NICE"),
            Allow("syslog", cap: "CAP_SYSLOG"),
            Allow("bpf", cap: "CAP_BPF"),
            Allow("perf_event_open", cap: "CAP_PERFMON"),
        ],
    };

    private static DockerSeccompArch Arch(string arch, params string[] sub) =>
        new() { Architecture = arch, SubArchitectures = sub.Length > 0 ? [.. sub] : null };

    private static LinuxSeccompArg Arg(uint index, ulong value, string op) => new() { Index = index, Value = value, Op = op };

    private static DockerSyscall Allow(string names, List<LinuxSeccompArg>? args = null, string? cap = null, List<string>? arches = null, string? minKernel = null) => new()
    {
        Names = [.. names.Split(' ')],
        Action = "SCMP_ACT_ALLOW",
        Args = args,
        Includes = cap is null && arches is null && minKernel is null
            ? null
            : new DockerSeccompFilter { Caps = cap is null ? null : [cap], Arches = arches, MinKernel = minKernel },
    };
}
