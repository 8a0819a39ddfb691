namespace Berth.Linux;

/// <summary>Linux capabilities by name (capabilities(7)) and the calls that set them on the calling thread.</summary>
public static unsafe class Capabilities
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    public static IReadOnlyList<string> All => Names;

    /// <summary>The highest capability this kernel knows (<c>/proc/sys/kernel/cap_last_cap</c>).</summary>
    public static int LastCap { get; } = ReadLastCap();

    public static bool TryParse(string name, out int cap)
    {
        var n = name.ToUpperInvariant();
        if (!n.StartsWith("CAP_", StringComparison.Ordinal))
        {
            n = "CAP_" + n;
        }
        cap = Array.IndexOf(Names, n);
        return cap >= 0;
    }

    public static string Name(int cap) => cap < Names.Length ? Names[cap] : "CAP_" + cap;

    public static ulong Mask(IEnumerable<string>? names)
    {
        ulong mask = 0;
        foreach (var n in names ?? [])
        {
            if (!TryParse(n, out var c))
            {
                throw new ArgumentException($"unknown capability \"{n}\"");
            }
            if (c <= LastCap)
            {
                mask |= 1UL << c;
            }
        }
        return mask;
    }

    /// <summary>Drops every capability not in <paramref name="keep"/> from the bounding set.</summary>
    public static void DropBounding(ulong keep)
    {
        for (var c = 0; c <= LastCap; c++)
        {
            if ((keep & (1UL << c)) == 0 && LibC.prctl(LibC.PR_CAPBSET_READ, (ulong)c, 0, 0, 0) == 1)
            {
                Sys.Check(LibC.prctl(LibC.PR_CAPBSET_DROP, (ulong)c, 0, 0, 0), "prctl(PR_CAPBSET_DROP)", Name(c));
            }
        }
    }

    public static void Set(ulong effective, ulong permitted, ulong inheritable)
    {
        var header = new LibC.CapHeader { version = LibC._LINUX_CAPABILITY_VERSION_3, pid = 0 };
        var data = stackalloc LibC.CapData[2];
        data[0] = new LibC.CapData { effective = (uint)effective, permitted = (uint)permitted, inheritable = (uint)inheritable };
        data[1] = new LibC.CapData
        {
            effective = (uint)(effective >> 32),
            permitted = (uint)(permitted >> 32),
            inheritable = (uint)(inheritable >> 32),
        };
        Sys.Check(LibC.capset(ref header, data), "capset");
    }

    public static (ulong Effective, ulong Permitted, ulong Inheritable) Get()
    {
        var header = new LibC.CapHeader { version = LibC._LINUX_CAPABILITY_VERSION_3, pid = 0 };
        var data = stackalloc LibC.CapData[2];
        Sys.Check(LibC.capget(ref header, data), "capget");
        return (data[0].effective | (ulong)data[1].effective << 32,
            data[0].permitted | (ulong)data[1].permitted << 32,
            data[0].inheritable | (ulong)data[1].inheritable << 32);
    }

    public static void RaiseAmbient(ulong mask)
    {
        for (var c = 0; c <= LastCap; c++)
        {
            if ((mask & (1UL << c)) != 0)
            {
                Sys.Check(LibC.prctl(LibC.PR_CAP_AMBIENT, LibC.PR_CAP_AMBIENT_RAISE, (ulong)c, 0, 0), "prctl(PR_CAP_AMBIENT_RAISE)", Name(c));
            }
        }
    }

    private static int ReadLastCap()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return Names.Length - 1;
        }
    }
}
