using System.Security.Cryptography;
using System.Text;
using Berth.Common;
using Berth.Distribution.Server;

namespace Berth.Distribution.Auth;

/// <summary>
/// Users and their passwords from an htpasswd file, as the reference registry reads it
/// (registry/auth/htpasswd): <c>user:hash</c> lines, bcrypt hashes only (<c>htpasswd -B</c>: <c>$2y$</c>,
/// <c>$2a$</c>, <c>$2b$</c>); any other hash is refused when the file is read. The file is read again when its
/// modification time or size changes; a file that became invalid keeps the previous users (and says so once).
/// </summary>
internal sealed class Htpasswd
{
    private readonly Lock _gate = new();
    private Snapshot _current;
    private string? _dummyHash;

    private Htpasswd(string path, Snapshot first)
    {
        Path = path;
        _current = first;
    }

    public string Path { get; }

    public int Count => _current.Users.Count;

    /// <summary>Reads the file; a missing file, a malformed line or a hash other than bcrypt is an
    /// <see cref="ErrorKind.InvalidArgument"/> naming the file and line (never the hash).</summary>
    public static Htpasswd Load(string path) => new(path, Read(path));

    private static Snapshot Read(string path)
    {
        // Stat before reading: a change made while reading is seen at the next check.
        var info = new FileInfo(path);
        var (modified, length) = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (default, 0L);
        var text = ConfigFile.Read("--htpasswd", path);
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw BerthException.Invalid($"--htpasswd {path}:{n}: expected user:hash");
            }
            var user = line[..colon];
            var hash = line[(colon + 1)..];
            if (!IsBcrypt(hash))
            {
                throw BerthException.Invalid($"--htpasswd {path}:{n}: user \"{user}\": only bcrypt hashes are supported (make the file with htpasswd -B)");
            }
            // compat(distribution): a user listed twice keeps the first line.
            users.TryAdd(user, hash);
        }
        return new Snapshot(users, modified, length);
    }

    /// <summary><c>$2a$</c>, <c>$2b$</c> or <c>$2y$</c>, a two-digit cost, and 53 characters of salt and hash.</summary>
    private static bool IsBcrypt(string hash) =>
        hash.Length == 60 && hash[0] == '$' && hash[1] == '2' && hash[2] is 'a' or 'b' or 'y' && hash[3] == '$' &&
        char.IsAsciiDigit(hash[4]) && char.IsAsciiDigit(hash[5]) && hash[6] == '$';

    /// <summary>Checks a user's password. An unknown user costs as much as a known one (a bcrypt of a dummy
    /// hash), and the hashes are compared in fixed time, so the answer's timing tells nothing.</summary>
    public bool Verify(string user, string password)
    {
        var users = Current().Users;
        var known = users.TryGetValue(user, out var hash);
        hash ??= DummyHash(users);
        string computed;
        try
        {
            computed = BCrypt.Net.BCrypt.HashPassword(password, hash);
        }
        catch (Exception e) when (e is BCrypt.Net.SaltParseException or ArgumentException)
        {
            return false;
        }
        var same = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(NormalizeVersion(computed)), Encoding.ASCII.GetBytes(NormalizeVersion(hash)));
        return same && known;
    }

    /// <summary>The bcrypt minor versions differ only in name for a hash we accept: compare what follows.</summary>
    private static string NormalizeVersion(string hash) => hash.Length > 4 ? hash[4..] : hash;

    private string DummyHash(Dictionary<string, string> users)
    {
        if (_dummyHash is null)
        {
            // The same cost as the file's first user, so an unknown name takes as long as a known one.
            var cost = users.Values.Select(h => int.Parse(h.AsSpan(4, 2), provider: System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(10).First();
            _dummyHash = BCrypt.Net.BCrypt.HashPassword(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), Math.Clamp(cost, 4, 31));
        }
        return _dummyHash;
    }

    public bool Contains(string user) => Current().Users.ContainsKey(user);

    private Snapshot Current()
    {
        var s = _current;
        FileInfo info;
        try
        {
            info = new FileInfo(Path);
            if (!info.Exists || (info.LastWriteTimeUtc == s.Modified && info.Length == s.Length))
            {
                return s;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return s;
        }
        lock (_gate)
        {
            if (!ReferenceEquals(s, _current))
            {
                return _current;
            }
            try
            {
                _current = Read(Path);
                _dummyHash = null;
                Log.Info("htpasswd file reloaded", ("path", Path), ("users", _current.Users.Count));
            }
            catch (BerthException e)
            {
                // Keep serving the users we had; remember this version so the warning is said once.
                _current = s with { Modified = info.LastWriteTimeUtc, Length = info.Length };
                Log.Warn("htpasswd file not reloaded; the previous users stay", ("error", e.Message));
            }
            return _current;
        }
    }

    private sealed record Snapshot(Dictionary<string, string> Users, DateTime Modified, long Length);
}
