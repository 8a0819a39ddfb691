using System.IO.Compression;
using System.Text;

namespace Berth.Images.Tests.Layers;

/// <summary>Writes tar streams header by header, including what no well-behaved writer would: names with "..",
/// escaping link targets, bad checksums, binary PAX values. System.Formats.Tar's writer covers the well-behaved
/// formats in their own tests.</summary>
internal sealed class TarBuilder
{
    public const long DefaultMTime = 1_700_000_000;

    public const string UstarMagic = "ustar\0" + "00";

    public const string GnuMagic = "ustar  \0";

    private readonly MemoryStream _out = new();

    public static uint Octal(string digits) => Convert.ToUInt32(digits, 8);

    public TarBuilder File(string name, string content, string mode = "644", uint uid = 0, uint gid = 0, long mtime = DefaultMTime) =>
        File(name, Encoding.UTF8.GetBytes(content), mode, uid, gid, mtime);

    public TarBuilder File(string name, byte[] content, string mode = "644", uint uid = 0, uint gid = 0, long mtime = DefaultMTime) =>
        Entry((byte)'0', name, data: content, mode: Octal(mode), uid: uid, gid: gid, mtime: mtime);

    public TarBuilder Dir(string name, string mode = "755", uint uid = 0, uint gid = 0, long mtime = DefaultMTime) =>
        Entry((byte)'5', name, mode: Octal(mode), uid: uid, gid: gid, mtime: mtime);

    public TarBuilder Symlink(string name, string target, uint uid = 0, uint gid = 0, long mtime = DefaultMTime) =>
        Entry((byte)'2', name, link: target, mode: Octal("777"), uid: uid, gid: gid, mtime: mtime);

    public TarBuilder Hardlink(string name, string target) => Entry((byte)'1', name, link: target);

    public TarBuilder CharDevice(string name, uint major, uint minor, string mode = "666") =>
        Entry((byte)'3', name, mode: Octal(mode), devMajor: major, devMinor: minor);

    public TarBuilder BlockDevice(string name, uint major, uint minor, string mode = "660") =>
        Entry((byte)'4', name, mode: Octal(mode), devMajor: major, devMinor: minor);

    public TarBuilder Fifo(string name, string mode = "600") => Entry((byte)'6', name, mode: Octal(mode));

    /// <summary>A PAX extended header for the next entry; values are raw bytes.</summary>
    public TarBuilder Pax(params (string Key, byte[] Value)[] records)
    {
        var body = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var rest = Encoding.UTF8.GetByteCount(key) + value.Length + 3; // ' ', '=', '\n'
            var length = rest + 1;
            while (length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + rest != length)
            {
                length++;
            }
            body.Write(Encoding.ASCII.GetBytes(length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + key + "="));
            body.Write(value);
            body.WriteByte((byte)'\n');
        }
        return Entry((byte)'x', "PaxHeaders/entry", data: body.ToArray());
    }

    public TarBuilder Pax(params (string Key, string Value)[] records) =>
        Pax(records.Select(r => (r.Key, Encoding.UTF8.GetBytes(r.Value))).ToArray());

    /// <summary>One header (ustar unless <paramref name="magic"/> says otherwise) and its data. Names longer than the
    /// header fields go into a PAX header first, as Go's writer does.</summary>
    public TarBuilder Entry(byte type, string name, string link = "", byte[]? data = null, uint mode = 0x1a4, long uid = 0,
        long gid = 0, long mtime = DefaultMTime, uint devMajor = 0, uint devMinor = 0, long? size = null,
        Action<byte[]>? patch = null, string magic = UstarMagic)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var linkBytes = Encoding.UTF8.GetBytes(link);
        if (type != (byte)'x' && (nameBytes.Length > 100 || linkBytes.Length > 100))
        {
            var records = new List<(string, byte[])>();
            if (nameBytes.Length > 100)
            {
                records.Add(("path", nameBytes));
                nameBytes = nameBytes[..100];
            }
            if (linkBytes.Length > 100)
            {
                records.Add(("linkpath", linkBytes));
                linkBytes = linkBytes[..100];
            }
            Pax([.. records]);
        }
        data ??= [];
        var h = new byte[512];
        nameBytes.CopyTo(h, 0);
        Field(h, 100, 8, mode);
        Field(h, 108, 8, uid);
        Field(h, 116, 8, gid);
        Field(h, 124, 12, size ?? data.Length);
        Field(h, 136, 12, mtime);
        h[156] = type;
        linkBytes.CopyTo(h, 157);
        Encoding.ASCII.GetBytes(magic).CopyTo(h, 257);
        Field(h, 329, 8, devMajor);
        Field(h, 337, 8, devMinor);
        patch?.Invoke(h);
        Checksum(h);
        return Raw(h).Raw(data).Raw(new byte[(512 - data.Length % 512) % 512]);
    }

    public TarBuilder Raw(byte[] bytes)
    {
        _out.Write(bytes);
        return this;
    }

    /// <summary>The archive with its two zero blocks.</summary>
    public byte[] Build() => [.. _out.ToArray(), .. new byte[1024]];

    /// <summary>The archive as written so far, without the end-of-archive blocks.</summary>
    public byte[] BuildWithoutEnd() => _out.ToArray();

    public static byte[] Gzip(byte[] tar)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(tar);
        }
        return ms.ToArray();
    }

    /// <summary>Recomputes the checksum, after a test patched a header.</summary>
    public static void Checksum(byte[] h)
    {
        for (var i = 148; i < 156; i++)
        {
            h[i] = (byte)' ';
        }
        var sum = h.Sum(b => (int)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
    }

    private static void Field(byte[] h, int offset, int length, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(h, offset);
        h[offset + length - 1] = 0;
    }
}
