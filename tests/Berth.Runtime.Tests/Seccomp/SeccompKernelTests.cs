using System.Runtime.InteropServices;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>Compiled filters loaded into the real kernel: on a thread of the test's own (a filter is per thread and
/// inherited by the children it spawns), which ends with the test.</summary>
public sealed class SeccompKernelTests
{
    private static readonly LinuxSeccomp Profile = new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Syscalls =
        [
            new LinuxSyscall { Names = ["unshare", "setns"], Action = "SCMP_ACT_ERRNO" },
            new LinuxSyscall { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 30 },
            new LinuxSyscall { Names = ["rmdir"], Action = "SCMP_ACT_KILL_PROCESS" },
            new LinuxSyscall
            {
                // clone with CLONE_NEWUSER, as `unshare -U` would ask for from a forked child.
                Names = ["clone"], Action = "SCMP_ACT_ERRNO",
                Args = [new LinuxSeccompArg { Index = 0, Op = "SCMP_CMP_MASKED_EQ", Value = 0x10000000, ValueTwo = 0x10000000 }],
            },
        ],
    };

    /// <summary>Runs <paramref name="action"/> on a fresh thread with no_new_privs and the filter loaded.</summary>
    private static T UnderFilter<T>(LinuxSeccomp profile, Func<T> action)
    {
        ChildReaper.EnsureStarted(); // before: a thread started from the filtered one would inherit the filter
        var program = SeccompCompiler.Compile(profile);
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Proc.Prctl(LibC.PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS");
                SeccompFilter.Load(program.Instructions, program.Flags);
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("filtered thread failed", failure);
    }

    [Fact]
    public void A_refused_call_fails_with_its_errno_and_others_go_through()
    {
        var (unshare, unshareErrno, pid) = UnderFilter(Profile, () =>
        {
            var rc = LibC.unshare(LibC.CLONE_NEWUTS);
            var errno = Marshal.GetLastPInvokeError();
            return (rc, errno, LibC.getpid());
        });
        Assert.Equal(-1, unshare);
        Assert.Equal(1, unshareErrno); // EPERM
        Assert.Equal(Environment.ProcessId, pid);
        // The test's own thread is not under it.
        Assert.Equal(0, LibC.unshare(0));
    }

    [Theory]
    [InlineData("mkdir {0}/x", 1, "Read-only file system")] // errnoRet 30 = EROFS, through the child's mkdirat
    [InlineData("unshare -U true", 1, "Operation not permitted")]
    [InlineData("rmdir {0}; echo $?", 0, "159")]             // SCMP_ACT_KILL_PROCESS: rmdir dies of SIGSYS
    [InlineData("echo fine > {0}/file && cat {0}/file", 0, "fine")]
    public void A_spawned_child_inherits_the_filter(string command, int code, string output)
    {
        var dir = Directory.CreateTempSubdirectory("berth-seccomp-");
        try
        {
            var (outRead, outWrite) = Fs.Pipe();
            using (outRead)
            {
                var pid = UnderFilter(Profile, () =>
                {
                    using (outWrite)
                    {
                        return Spawner.Spawn(new SpawnRequest
                        {
                            Path = "/bin/sh",
                            Args = ["sh", "-c", string.Format(System.Globalization.CultureInfo.InvariantCulture, command, dir.FullName)],
                            Env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"],
                            Fds = new Dictionary<int, SafeHandle> { [1] = outWrite, [2] = outWrite },
                        });
                    }
                });
                var status = Spawner.Wait(pid);
                var text = ReadAll(outRead);
                Assert.Equal(code, status.Code);
                Assert.Contains(output, text, StringComparison.Ordinal);
                Assert.False(Directory.Exists(Path.Join(dir.FullName, "x")));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string ReadAll(SafeFd fd)
    {
        var buffer = new byte[4096];
        using var text = new MemoryStream();
        int n;
        while ((n = Fs.Read(fd, buffer)) > 0)
        {
            text.Write(buffer, 0, n);
        }
        return System.Text.Encoding.UTF8.GetString(text.ToArray());
    }
}
