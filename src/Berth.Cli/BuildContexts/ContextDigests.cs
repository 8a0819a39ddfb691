using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Berth.Linux;

namespace Berth.Cli.BuildContexts;

/// <summary>
/// The SHA-256 of a directory context's larger files, for a context sent by digest (berthd's
/// <c>contextdigests=1</c>): what the daemon's cache key needs without the bytes. A file is hashed again only when
/// its device, inode, size, mtime or ctime changed since it was hashed, as git's index trusts a file's stat; and,
/// as git's "racy" rule, never when it changed within two seconds before its hashing (a write in the same clock
/// tick would not show in its times). The digests are kept per context directory in
/// <c>$XDG_CACHE_HOME/berth/context-digests/</c> (else <c>~/.cache/…</c>); without a writable cache every build
/// hashes again.
/// </summary>
internal sealed class ContextDigests
{
    /// <summary>Files smaller than this go whole: their bytes cost less than a round trip for them.</summary>
    public const long MinBytes = 64 * 1024;

    /// <summary>How long the digests of a context not built are kept.</summary>
    public static readonly TimeSpan Unused = TimeSpan.FromDays(30);

    private const long RacyNs = 2_000_000_000;

    private sealed record Known(ulong Dev, ulong Ino, long Size, long MTimeNs, long CTimeNs, long HashedAtNs, string Sha256);

    private readonly string? _file;
    private readonly Dictionary<string, Known> _known;
    private readonly Dictionary<string, Known> _seen = new(StringComparer.Ordinal);
    private readonly Func<long> _nowNs;

    private ContextDigests(string? file, Dictionary<string, Known> known, Func<long> nowNs)
    {
        _file = file;
        _known = known;
        _nowNs = nowNs;
    }

    /// <summary>Files hashed (not taken from the cache) so far.</summary>
    public int Hashed { get; private set; }

    /// <summary>The cache of the context at <paramref name="root"/> (an absolute, resolved path) in
    /// <paramref name="cacheDir"/>; an unreadable or damaged cache is an empty one.</summary>
    public static ContextDigests Open(string? cacheDir, string root, Func<long>? nowNs = null)
    {
        nowNs ??= () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        if (cacheDir is null)
        {
            return new ContextDigests(null, [], nowNs);
        }
        var file = Path.Join(cacheDir, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..32]);
        var known = new Dictionary<string, Known>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var f = line.Split(' ', 8);
                if (f.Length == 8 && ulong.TryParse(f[0], CultureInfo.InvariantCulture, out var dev) && ulong.TryParse(f[1], CultureInfo.InvariantCulture, out var ino)
                    && long.TryParse(f[2], CultureInfo.InvariantCulture, out var size) && long.TryParse(f[3], CultureInfo.InvariantCulture, out var mtime)
                    && long.TryParse(f[4], CultureInfo.InvariantCulture, out var ctime) && long.TryParse(f[5], CultureInfo.InvariantCulture, out var hashedAt)
                    && f[6].Length == 64)
                {
                    known[f[7]] = new Known(dev, ino, size, mtime, ctime, hashedAt, f[6]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return new ContextDigests(file, known, nowNs);
    }

    /// <summary>The default cache directory: <c>$XDG_CACHE_HOME/berth/context-digests</c>, else under
    /// <c>$HOME/.cache</c>, else <c>/var/cache/berth</c>.</summary>
    public static string DefaultDirectory(Func<string, string?> getEnv) =>
        Path.Join(getEnv("XDG_CACHE_HOME") is { Length: > 0 } xdg ? Path.Join(xdg, "berth")
            : getEnv("HOME") is { Length: > 0 } home ? Path.Join(home, ".cache", "berth")
            : "/var/cache/berth", "context-digests");

    /// <summary>Whether a file goes by digest at all.</summary>
    public static bool Applies(ContextEntry e) => e.Type == LibC.S_IFREG && e.Stat.st_size >= MinBytes;

    /// <summary>The lower-case hex SHA-256 of a regular file of the context.</summary>
    public string Of(ContextEntry e)
    {
        var st = e.Stat;
        var mtime = Ns(st.st_mtim);
        var ctime = Ns(st.st_ctim);
        if (_known.TryGetValue(e.Name, out var k) && k.Dev == st.st_dev && k.Ino == st.st_ino && k.Size == st.st_size
            && k.MTimeNs == mtime && k.CTimeNs == ctime && Math.Max(mtime, ctime) < k.HashedAtNs - RacyNs)
        {
            _seen[e.Name] = k;
            return k.Sha256;
        }
        var hashedAt = _nowNs();
        string sha;
        using (var data = new FileStream(e.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            sha = Convert.ToHexStringLower(SHA256.HashData(data));
        }
        Hashed++;
        // The stat taken before reading is what is recorded: a change while reading moves ctime past it.
        _seen[e.Name] = new Known(st.st_dev, st.st_ino, st.st_size, mtime, ctime, hashedAt, sha);
        return sha;
    }

    /// <summary>Writes the digests of this build's files (only those: removed files leave the cache).</summary>
    public void Save()
    {
        if (_file is null)
        {
            return;
        }
        var text = new StringBuilder();
        foreach (var (name, k) in _seen)
        {
            if (!name.Contains('\n', StringComparison.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"{k.Dev} {k.Ino} {k.Size} {k.MTimeNs} {k.CTimeNs} {k.HashedAtNs} {k.Sha256} {name}\n");
            }
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
            var temp = _file + "." + Environment.ProcessId;
            File.WriteAllText(temp, text.ToString());
            File.Move(temp, _file, overwrite: true);
            Prune(Path.GetDirectoryName(_file)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a speed-up: the next build hashes again.
        }
    }

    /// <summary>Contexts not built for a month lose their digests (a removed or renamed directory leaves its file).</summary>
    private static void Prune(string dir)
    {
        var cutoff = DateTime.UtcNow - Unused;
        foreach (var file in new DirectoryInfo(dir).EnumerateFiles())
        {
            if (file.LastWriteTimeUtc < cutoff)
            {
                file.Delete();
            }
        }
    }

    private static long Ns(LibC.Timespec t) => t.tv_sec * 1_000_000_000 + t.tv_nsec;
}
