using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Linux;
using Berth.Oci;
using Capabilities = Berth.Linux.Capabilities;
using Process = Berth.Oci.Process;

namespace Berth.Runtime.Init;

/// <summary>
/// The container's first process before it becomes the user's program: PID 1 in the new namespaces, started by
/// the shim. It talks to the shim over two pipes: fd 3 (shim → init: 'G' in the cgroup, 'S' start) and fd 4
/// (init → shim: 'C' created, or 'E' and an error). fd 4 is close-on-exec, so a successful exec reads as end-of-file.
/// </summary>
public static class ContainerInit
{
    public const int SyncInFd = 3;
    public const int SyncOutFd = 4;

    public static int Run(string bundle)
    {
        var syncIn = new SafeFd(SyncInFd);
        var syncOut = new SafeFd(SyncOutFd);
        Fs.SetCloexec(syncIn, true);
        Fs.SetCloexec(syncOut, true);
        try
        {
            var spec = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Join(bundle, "config.json")), OciJson.Default.RuntimeSpec)
                ?? throw new InvalidOperationException("config.json is empty");
            var process = spec.Process ?? throw new InvalidOperationException("config.json has no process");
            var gate = new CgroupGate(syncIn, spec.Linux?.Namespaces.Any(n => n.Type == "cgroup" && n.Path is null) == true);
            Create(spec, bundle, gate);
            gate.Enter();
            var env = process.Env ?? [];
            var program = ExecLookup.Find(process.Args.FirstOrDefault() ?? throw new InvalidOperationException("process.args is empty"), env);
            Fs.WriteAll(syncOut, "C"u8, "sync");
            if (ReadByte(syncIn) != 'S')
            {
                return 1;
            }
            BecomeUser(process);
            Sys.Check(LibC.chdir(process.Cwd), "chdir", process.Cwd);
            Proc.ResetSignalsForExec(); // or the container's program would start with SIGPIPE ignored, as .NET runs
            Proc.Exec(program, process.Args, env);
            return 1;
        }
        catch (ExecLookupException e)
        {
            Report(syncOut, e.Message);
            return 127;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or JsonException or ArgumentException)
        {
            Report(syncOut, e.Message);
            return 1;
        }
    }

    private static void Create(RuntimeSpec spec, string bundle, CgroupGate gate)
    {
        LibC.umask(0);
        var linux = spec.Linux;
        var namespaces = linux?.Namespaces ?? [];
        if (namespaces.Any(n => n.Type == "network" && n.Path is null))
        {
            Net.SetUp("lo");
        }
        if (namespaces.Any(n => n.Type == "mount"))
        {
            new RootfsBuilder(spec, bundle, gate).Prepare();
        }
        if (namespaces.Any(n => n.Type == "uts"))
        {
            if (!string.IsNullOrEmpty(spec.Hostname))
            {
                Proc.SetHostname(spec.Hostname);
            }
            if (!string.IsNullOrEmpty(spec.Domainname))
            {
                Proc.SetDomainname(spec.Domainname);
            }
        }
        foreach (var (key, value) in linux?.Sysctl ?? [])
        {
            Fs.WriteFile("/proc/sys/" + key.Replace('.', '/'), value);
        }
        RootfsBuilder.ProtectPaths(linux);
        if (spec.Root?.Readonly == true)
        {
            Mounts.Mount(null, "/", null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY | LibC.MS_REC);
        }
        var process = spec.Process!;
        foreach (var r in process.Rlimits ?? [])
        {
            var resource = Proc.RlimitResource(r.Type);
            if (resource < 0)
            {
                throw new InvalidOperationException($"unknown rlimit {r.Type}");
            }
            Proc.SetRlimit(resource, r.Soft, r.Hard);
        }
        if (process.OomScoreAdj is { } adj)
        {
            Fs.WriteFile("/proc/self/oom_score_adj", adj.ToString(CultureInfo.InvariantCulture));
        }
        LibC.umask(process.User.Umask ?? 0x12);
    }

    /// <summary>runc's order: shrink the bounding set, keep capabilities across the uid change, change ids,
    /// then set the capability sets the process runs with.</summary>
    private static void BecomeUser(Process process)
    {
        var caps = process.Capabilities;
        var bounding = Capabilities.Mask(caps?.Bounding);
        Capabilities.DropBounding(bounding);
        Proc.Prctl(LibC.PR_SET_KEEPCAPS, 1, "PR_SET_KEEPCAPS");
        var user = process.User;
        Proc.SetGroups(user.AdditionalGids ?? []);
        Proc.SetIds(user.Uid, user.Gid);
        Proc.Prctl(LibC.PR_SET_KEEPCAPS, 0, "PR_SET_KEEPCAPS");
        Capabilities.Set(Capabilities.Mask(caps?.Effective), Capabilities.Mask(caps?.Permitted), Capabilities.Mask(caps?.Inheritable));
        Capabilities.RaiseAmbient(Capabilities.Mask(caps?.Ambient));
        if (process.NoNewPrivileges)
        {
            Proc.Prctl(LibC.PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS");
        }
    }

    private static int ReadByte(SafeFd fd)
    {
        Span<byte> b = stackalloc byte[1];
        return Fs.Read(fd, b) == 1 ? b[0] : -1;
    }

    private static void Report(SafeFd syncOut, string message)
    {
        try
        {
            Fs.WriteAll(syncOut, Encoding.UTF8.GetBytes("E" + message), "sync");
        }
        catch (IOException)
        {
        }
    }
}
