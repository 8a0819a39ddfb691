using System.Text.Json;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Seccomp;
using Berth.Runtime.Shim;

namespace Berth.Runtime.Init;

/// <summary>
/// <c>berth-runtime exec</c>: a process that joins a running container (<c>docker exec</c>). The shim spawns it
/// from a thread that has entered the container's pid, ipc, uts, net and cgroup namespaces; the mount namespace
/// can only be entered by a thread with its own filesystem context, so this process enters it itself (fd 5),
/// which also puts its root and working directory at the container's root. Then it takes the container's user,
/// capabilities, no_new_privs and seccomp filter from the request — never the shim's — and execs.
/// The pipes are the init's: fd 3 in ('X' + length + the request, then 'G' once it is in the container's cgroup),
/// fd 4 out ('T' terminal, 'C' ready, 'E' error; end-of-file means exec'd).
/// </summary>
public static class ExecInit
{
    public const int MountNamespaceFd = 5;

    /// <summary>The request message the shim writes on fd 3.</summary>
    public static byte[] RequestMessage(ExecRequest request)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(request, ShimJson.Default.ExecRequest);
        var message = new byte[5 + json.Length];
        message[0] = (byte)'X';
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), json.Length);
        json.CopyTo(message, 5);
        return message;
    }

    public static int Run()
    {
        var syncIn = new SafeFd(ContainerInit.SyncInFd);
        var syncOut = new SafeFd(ContainerInit.SyncOutFd);
        Fs.SetCloexec(syncIn, true);
        Fs.SetCloexec(syncOut, true);
        try
        {
            var request = ReadRequest(syncIn);
            var process = request.Process;
            var filter = request.Seccomp is not { } seccomp ? null
                : request.SeccompProgram is { } compiled ? SeccompProgramFile.Load(compiled, request.SeccompProgramName, seccomp)
                : SeccompCompiler.Compile(seccomp);
            using (var mountNs = new SafeFd(MountNamespaceFd))
            {
                Proc.Unshare(LibC.CLONE_FS);
                Sys.Check(LibC.setns(mountNs.Fd, LibC.CLONE_NEWNS), "setns", "mount namespace");
            }
            var terminal = process.Terminal ? ContainerInit.AttachTerminal(process, syncOut, console: false) : null;
            foreach (var r in process.Rlimits ?? [])
            {
                var resource = Proc.RlimitResource(r.Type);
                if (resource >= 0)
                {
                    Proc.SetRlimit(resource, r.Soft, r.Hard);
                }
            }
            var env = process.Env ?? [];
            var program = ExecLookup.Find(process.Args.FirstOrDefault() ?? throw new InvalidOperationException("no command given"), env);
            Fs.WriteAll(syncOut, "C"u8, "sync");
            if (ContainerInit.ReadByte(syncIn) != 'G')
            {
                return 1;
            }
            ContainerInit.LoadSeccomp(filter, process, beforeUser: true);
            ContainerInit.BecomeUser(process);
            if (LibC.chdir(process.Cwd) != 0)
            {
                // compat(runc): the words the docker CLI shows for `docker exec -w /missing`.
                var text = System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Sys.LastErrno).ToLowerInvariant();
                throw new InvalidOperationException($"chdir to cwd (\"{process.Cwd}\") set in config.json failed: {text}");
            }
            Proc.ResetSignalsForExec();
            ContainerInit.LoadSeccomp(filter, process, beforeUser: false);
            Proc.Exec(program, process.Args, env);
            GC.KeepAlive(terminal);
            return 1;
        }
        catch (ExecLookupException e)
        {
            ContainerInit.Report(syncOut, e.Message);
            return 127;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or JsonException or ArgumentException)
        {
            ContainerInit.Report(syncOut, e.Message);
            return 126;
        }
    }

    private static ExecRequest ReadRequest(SafeFd syncIn)
    {
        Span<byte> head = stackalloc byte[5];
        if (ContainerInit.ReadExact(syncIn, head) != 5 || head[0] != 'X')
        {
            throw new InvalidOperationException("the shim went away before it sent the process");
        }
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head[1..]);
        if (length is <= 0 or > ShimFrame.MaxPayload)
        {
            throw new InvalidOperationException("bad exec message");
        }
        var json = new byte[length];
        if (ContainerInit.ReadExact(syncIn, json) != length)
        {
            throw new InvalidOperationException("the shim went away before it sent the process");
        }
        return JsonSerializer.Deserialize(json, ShimJson.Default.ExecRequest) ?? throw new InvalidOperationException("empty exec request");
    }
}
