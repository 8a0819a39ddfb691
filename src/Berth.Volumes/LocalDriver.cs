using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Berth.Common;
using Berth.Linux;

namespace Berth.Volumes;

/// <summary>
/// Docker's <c>local</c> driver: a volume is <c>&lt;root&gt;/NAME/_data</c>, a directory, or the mount point of what
/// <c>-o type/device/o</c> describe (tmpfs, a block device, nfs, a bind of a host directory), mounted while at
/// least one container has the volume mounted. The options are kept in <c>opts.json</c>, as Docker keeps them.
/// </summary>
internal sealed class LocalDriver(string root, VolumeMounts mounts) : VolumeDriver
{
    public const string DriverName = "local";

    private static readonly string[] ValidOptions = ["type", "o", "device", "size"];

    // compat(docker): the order Docker checks, each option with the ones it needs.
    private static readonly (string Option, string[] Needs)[] MandatoryOptions =
    [
        ("device", ["type"]),
        ("type", ["device"]),
        ("o", ["device", "type"]),
    ];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);

    public override string Name => DriverName;

    public string RootPath(string name) => Path.Join(root, name);

    public string DataPath(string name) => Path.Join(root, name, "_data");

    private string OptsFile(string name) => Path.Join(root, name, "opts.json");

    /// <summary>Whether <c>&lt;root&gt;/NAME</c> holds a local volume (its <c>_data</c> or its <c>opts.json</c>).</summary>
    public bool Exists(string name) => Directory.Exists(DataPath(name)) || File.Exists(OptsFile(name));

    /// <summary>Reads a volume found on disk at start: its options, and whether a daemon before left it mounted
    /// (then the first container to mount it again does not mount it twice).</summary>
    /// <returns>The options as <c>-o</c> gave them, read back from <c>opts.json</c>.</returns>
    public Dictionary<string, string>? Load(string name, IReadOnlyList<MountInfo> mountTable)
    {
        LocalOpts? opts = null;
        try
        {
            if (File.Exists(OptsFile(name)))
            {
                opts = JsonSerializer.Deserialize(File.ReadAllText(OptsFile(name)), VolumeJson.Default.LocalOpts);
                if (opts is { MountType: "", MountDevice: "", MountOpts: "", Quota.Size: 0 })
                {
                    opts = null;
                }
            }
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            Log.Warn("error while loading volume options", ("volume", name), ("error", e.Message));
        }
        var data = Path.GetFullPath(DataPath(name));
        lock (_lock)
        {
            _states[name] = new State { Opts = opts, Mounted = opts is not null && mountTable.Any(m => m.MountPoint == data) };
        }
        if (opts is null)
        {
            return null;
        }
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in new[] { ("type", opts.MountType), ("o", opts.MountOpts), ("device", opts.MountDevice) })
        {
            if (value.Length > 0)
            {
                options[key] = value;
            }
        }
        return options;
    }

    /// <summary>compat(docker): <c>validateOpts</c> of volume/local, with its messages.</summary>
    public static void ValidateOptions(IReadOnlyDictionary<string, string>? options)
    {
        if (options is null || options.Count == 0)
        {
            return;
        }
        foreach (var key in options.Keys.Order(StringComparer.Ordinal))
        {
            if (!ValidOptions.Contains(key))
            {
                throw BerthException.Invalid($"invalid option: {VolumeNames.GoQuote(key)}");
            }
        }
        if (options.GetValueOrDefault("type") == "cifs" && options.GetValueOrDefault("device") is { Length: > 0 } device
            && UrlPort(device).Length > 0)
        {
            throw BerthException.Invalid("port not allowed in CIFS device URL, include 'port' in 'o='");
        }
        if (options.TryGetValue("size", out var size))
        {
            // No quota support (Docker's needs XFS project quotas on the volumes root): a size is refused as Docker
            // refuses it on such a host.
            if (ParseRamSize(size) > 0)
            {
                throw BerthException.Invalid("quota size requested but no quota support");
            }
        }
        foreach (var (option, needs) in MandatoryOptions)
        {
            if (options.ContainsKey(option))
            {
                foreach (var need in needs)
                {
                    if (!options.ContainsKey(need))
                    {
                        throw BerthException.Invalid($"missing required option: {VolumeNames.GoQuote(need)}");
                    }
                }
            }
        }
    }

    /// <summary>The host ids a new volume's <c>_data</c> is given (the remapped root); null leaves it root's.</summary>
    public (uint Uid, uint Gid)? DataOwner { get; set; }

    public override void Create(string name, IReadOnlyDictionary<string, string>? options)
    {
        ValidateOptions(options);
        lock (_lock)
        {
            if (_states.ContainsKey(name))
            {
                return;
            }
        }
        var rootPath = RootPath(name);
        try
        {
            Directory.CreateDirectory(rootPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
            Directory.CreateDirectory(DataPath(name), (UnixFileMode)0x1ed);
            if (DataOwner is { } owner)
            {
                // compat(docker): with --userns-remap, a new volume's root belongs to the containers' root.
                Fs.Lchown(DataPath(name), owner.Uid, owner.Gid);
            }
            LocalOpts? opts = null;
            if (options is { Count: > 0 })
            {
                opts = new LocalOpts
                {
                    MountType = options.GetValueOrDefault("type", ""),
                    MountOpts = options.GetValueOrDefault("o", ""),
                    MountDevice = options.GetValueOrDefault("device", ""),
                };
                AtomicFile.Write(OptsFile(name), JsonSerializer.SerializeToUtf8Bytes(opts, VolumeJson.Default.LocalOpts));
            }
            lock (_lock)
            {
                _states[name] = new State { Opts = opts };
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(rootPath);
            throw new BerthException(ErrorKind.Unknown, $"error while creating volume path '{rootPath}': {e.Message}", e);
        }
    }

    public override (string Mountpoint, Dictionary<string, object?>? Status)? Get(string name)
    {
        lock (_lock)
        {
            return _states.ContainsKey(name) ? (DataPath(name), null) : null;
        }
    }

    public override string Mount(string name, string mountId)
    {
        var state = StateOf(name);
        lock (state)
        {
            if (state.NeedsMount)
            {
                if (!state.Mounted)
                {
                    MountDevice(name, state.Opts!);
                    state.Mounted = true;
                }
                state.Count++;
            }
        }
        return DataPath(name);
    }

    public override void Unmount(string name, string mountId)
    {
        var state = StateOf(name);
        lock (state)
        {
            if (!state.NeedsMount || state.Count == 0)
            {
                return;
            }
            // The count drops even when the unmount fails, as Docker's: otherwise the volume could never be
            // removed until a restart.
            if (--state.Count == 0 && state.Mounted)
            {
                UnmountData(name, state);
            }
        }
    }

    /// <summary>Unmounts the volumes no mount is counted for: a daemon that crashed left them mounted.</summary>
    public IReadOnlyList<string> UnmountUnused()
    {
        List<(string Name, State State)> all;
        lock (_lock)
        {
            all = [.. _states.Select(kv => (kv.Key, kv.Value))];
        }
        var table = Mounts.Read();
        var done = new List<string>();
        foreach (var (name, state) in all)
        {
            lock (state)
            {
                var data = Path.GetFullPath(DataPath(name));
                if (state.Count == 0 && (state.Mounted || table.Any(m => m.MountPoint == data)))
                {
                    try
                    {
                        UnmountData(name, state);
                        done.Add(name);
                    }
                    catch (BerthException e)
                    {
                        Log.Warn("cannot unmount an unused volume", ("volume", name), ("error", e.Message));
                    }
                }
            }
        }
        return done;
    }

    public override void Remove(string name)
    {
        var state = StateOf(name);
        var rootPath = RootPath(name);
        lock (state)
        {
            if (state.Count > 0)
            {
                throw BerthException.Conflict($"remove {name}: volume has active mounts");
            }
            if (state.Mounted)
            {
                UnmountData(name, state);
            }
            // Never delete through a mount: what is mounted in the volume (a bind of a host directory left by
            // someone) is not the volume's to delete.
            var full = Path.GetFullPath(rootPath);
            var beneath = Mounts.Read().FirstOrDefault(m => m.MountPoint == full || m.MountPoint.StartsWith(full + "/", StringComparison.Ordinal))?.MountPoint;
            // mountinfo names resolved paths; a data root reached through a symlink is caught by the device number.
            if (beneath is null && Fs.TryLstat(full, out var rootStat) && Fs.TryLstat(DataPath(name), out var dataStat) && rootStat.st_dev != dataStat.st_dev)
            {
                beneath = DataPath(name);
            }
            if (beneath is not null)
            {
                throw new BerthException(ErrorKind.FailedPrecondition, $"remove {name}: {beneath} is a mount point; unmount it first");
            }
            // Renamed out of the volumes' namespace first ('_' starts no volume name), so a crash in the middle of
            // the delete leaves no half volume; the daemon's next start finishes it.
            var doomed = Path.Join(root, "_removing-" + name + "-" + Ids.New()[..8]);
            try
            {
                if (Directory.Exists(rootPath))
                {
                    Directory.Move(rootPath, doomed);
                    Directory.Delete(doomed, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BerthException(ErrorKind.Unknown, $"remove {name}: error removing volume path '{rootPath}': {e.Message}", e);
            }
        }
        lock (_lock)
        {
            _states.Remove(name);
        }
    }

    /// <summary>Deletes what a crash left of removals.</summary>
    public static void CleanUp(string root)
    {
        foreach (var dir in Directory.EnumerateDirectories(root, "_removing-*"))
        {
            TryDelete(dir);
        }
    }

    public override long Size(string name) => DiskUsage.Of(DataPath(name));

    /// <summary>Whether the volume's data is a filesystem mounted by the driver (then <c>du</c> of it is what it holds).</summary>
    public bool NeedsMount(string name) => StateOf(name).NeedsMount;

    /// <summary>How many mounts the driver counts (device volumes only); for tests and diagnostics.</summary>
    internal int ActiveMounts(string name) => StateOf(name).Count;

    private void MountDevice(string name, LocalOpts opts)
    {
        var (device, data) = MountOptionsOf(opts);
        var m = new Berth.Oci.Mount
        {
            Destination = DataPath(name),
            Type = opts.MountType,
            Source = device,
            Options = data.Length == 0 ? [] : [.. data.Split(',')],
        };
        try
        {
            mounts.Mount(m, DataPath(name));
        }
        catch (Exception e) when (e is BerthException or IOException or UnauthorizedAccessException)
        {
            var message = e.Message;
            if (Password(opts.MountOpts) is { Length: > 0 } password)
            {
                message = message.Replace("password=" + password, "password=********", StringComparison.Ordinal);
            }
            throw new BerthException(ErrorKind.Unknown, $"failed to mount local volume: {message}", e);
        }
    }

    private void UnmountData(string name, State state)
    {
        try
        {
            mounts.Unmount(DataPath(name));
            state.Mounted = false;
        }
        catch (Exception e) when (e is IOException)
        {
            throw new BerthException(ErrorKind.Unknown, $"error while unmounting volume path '{DataPath(name)}': {e.Message}", e);
        }
    }

    /// <summary>compat(docker): <c>getMountOptions</c>: nfs and cifs get a host name in <c>addr=</c> resolved,
    /// since the kernel takes only addresses.</summary>
    internal static (string Device, string Options) MountOptionsOf(LocalOpts opts)
    {
        if (opts.MountDevice.Length == 0)
        {
            throw BerthException.Invalid("missing device in volume options");
        }
        var options = opts.MountOpts;
        if (opts.MountType is "nfs" or "cifs" && Address(options) is { Length: > 0 } addr
            && !(IPAddress.TryParse(addr, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork))
        {
            IPAddress resolved;
            try
            {
                resolved = IPAddress.TryParse(addr, out var literal) ? literal : Dns.GetHostAddresses(addr)[0];
            }
            catch (Exception e) when (e is SocketException or ArgumentException or IndexOutOfRangeException)
            {
                throw new BerthException(ErrorKind.Unknown, $"error resolving passed in network volume address: lookup {addr}: {e.Message}", e);
            }
            options = ReplaceFirst(options, "addr=" + addr, "addr=" + resolved);
        }
        return (opts.MountDevice, options);
    }

    /// <summary>The port of a URL's authority as Go's <c>url.Parse</c> finds it (<c>//host:445/share</c>,
    /// <c>smb://user@host:445/x</c>); empty when there is none.</summary>
    internal static string UrlPort(string url)
    {
        var i = url.IndexOf("//", StringComparison.Ordinal);
        if (i < 0 || (i > 0 && !url[..i].EndsWith(':')))
        {
            return "";
        }
        var authority = url[(i + 2)..];
        var end = authority.IndexOfAny(['/', '?', '#']);
        authority = end < 0 ? authority : authority[..end];
        authority = authority[(authority.LastIndexOf('@') + 1)..];
        var colon = authority.LastIndexOf(':');
        return colon < 0 || authority.IndexOf(']', colon) >= 0 ? "" : authority[(colon + 1)..];
    }

    private static string ReplaceFirst(string s, string old, string replacement)
    {
        var i = s.IndexOf(old, StringComparison.Ordinal);
        return i < 0 ? s : s[..i] + replacement + s[(i + old.Length)..];
    }

    private static string Address(string options) => Option(options, "addr=");

    private static string Password(string options) => Option(options, "password=");

    private static string Option(string options, string prefix) =>
        options.Split(',').FirstOrDefault(o => o.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..] ?? "";

    /// <summary>compat(docker): go-units' <c>RAMInBytes</c> (binary multiples, "100m", "1.5GiB").</summary>
    internal static long ParseRamSize(string text)
    {
        var s = text.Trim();
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }
        if (i == 0 || !double.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            throw BerthException.Invalid($"invalid size: '{text}'");
        }
        var unit = s[i..].ToLowerInvariant();
        long multiplier = unit switch
        {
            "" or "b" => 1,
            "k" or "kb" or "kib" => 1L << 10,
            "m" or "mb" or "mib" => 1L << 20,
            "g" or "gb" or "gib" => 1L << 30,
            "t" or "tb" or "tib" => 1L << 40,
            "p" or "pb" or "pib" => 1L << 50,
            _ => throw BerthException.Invalid($"invalid size: '{text}'"),
        };
        return (long)(number * multiplier);
    }

    private State StateOf(string name)
    {
        lock (_lock)
        {
            return _states.TryGetValue(name, out var s) ? s : throw BerthException.NotFound($"get {name}: no such volume");
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Warn("cannot delete a volume directory", ("path", dir), ("error", e.Message));
        }
    }

    private sealed class State
    {
        public LocalOpts? Opts;
        public bool Mounted;
        public int Count;

        public bool NeedsMount => Opts is { } o && (o.MountDevice.Length > 0 || o.MountType.Length > 0);
    }
}
