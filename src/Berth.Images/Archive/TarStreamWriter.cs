using System.Globalization;
using System.Text;

namespace Berth.Images.Archive;

/// <summary>One entry for <see cref="TarStreamWriter"/>: names as raw bytes, as they are on disk.</summary>
internal sealed class TarOutEntry
{
    public required byte[] Name { get; init; }

    public byte[] LinkName { get; init; } = [];

    public byte TypeFlag { get; init; }

    /// <summary>Permission bits with the file-type bits, as Go's <c>tar.FileInfoHeader</c> writes them (0100644).</summary>
    public long Mode { get; init; }

    public long Uid { get; init; }

    public long Gid { get; init; }

    public long Size { get; init; }

    public long MTimeSeconds { get; init; }

    public long DevMajor { get; init; }

    public long DevMinor { get; init; }

    public IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs { get; init; } = [];
}

/// <summary>
/// Writes a tar stream the way Docker's archive package does (Go's writer in PAX mode): a ustar header per entry,
/// preceded by a PAX extended header only when a value does not fit it (a long or non-ASCII name, a large size or
/// id, an xattr); times in whole seconds, no user or group names.
/// Output is gathered in 64 KiB writes (each write of a chunked response is a chunk); the stream is not closed.
/// </summary>
internal sealed class TarStreamWriter(Stream destination)
{
    private const int Block = 512;
    private static readonly byte[] Zeros = new byte[Block * 2];

    private readonly Gather output = new(destination);

    private long _dataLeft;
    private int _pad;

    public void WriteHeader(TarOutEntry e)
    {
        if (_dataLeft != 0)
        {
            throw new InvalidOperationException("tar entry data not fully written");
        }
        var pax = new List<(string Key, byte[] Value)>();
        if (e.Name.Length > 100 || !IsAscii(e.Name))
        {
            pax.Add(("path", e.Name));
        }
        if (e.LinkName.Length > 100 || !IsAscii(e.LinkName))
        {
            pax.Add(("linkpath", e.LinkName));
        }
        if (e.Size > 0x1FFFFFFFF)
        {
            pax.Add(("size", Ascii(e.Size)));
        }
        if (e.Uid > 0x1FFFFF)
        {
            pax.Add(("uid", Ascii(e.Uid)));
        }
        if (e.Gid > 0x1FFFFF)
        {
            pax.Add(("gid", Ascii(e.Gid)));
        }
        foreach (var (key, value) in e.Xattrs)
        {
            pax.Add(("SCHILY.xattr." + key, value));
        }
        if (pax.Count > 0)
        {
            var records = PaxRecords(pax);
            var paxName = Encoding.ASCII.GetBytes("PaxHeaders.0/" + SafeAsciiBase(e.Name));
            WriteBlock(Header(paxName, [], (byte)'x', 0, 0, 0, records.Length, e.MTimeSeconds, 0, 0));
            output.Write(records);
            output.Write(Zeros, 0, (int)(-records.Length & (Block - 1)));
        }
        WriteBlock(Header(e.Name, e.LinkName, e.TypeFlag, e.Mode, e.Uid, e.Gid, e.Size, e.MTimeSeconds, e.DevMajor, e.DevMinor));
        _dataLeft = e.Size;
        _pad = (int)(-e.Size & (Block - 1));
    }

    public void WriteData(ReadOnlySpan<byte> data)
    {
        if (data.Length > _dataLeft)
        {
            throw new InvalidOperationException("more tar entry data than its header says");
        }
        output.Write(data);
        _dataLeft -= data.Length;
        if (_dataLeft == 0 && _pad > 0)
        {
            output.Write(Zeros, 0, _pad);
            _pad = 0;
        }
    }

    /// <summary>The end-of-archive marker: two zero blocks.</summary>
    public void Finish()
    {
        if (_dataLeft != 0)
        {
            throw new InvalidOperationException("tar entry data not fully written");
        }
        output.Write(Zeros);
        output.Flush();
    }

    /// <summary>Collects small writes into large ones.</summary>
    private sealed class Gather(Stream destination)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _used;

        public void Write(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                if (_used == 0 && data.Length >= _buffer.Length)
                {
                    destination.Write(data);
                    return;
                }
                var n = Math.Min(data.Length, _buffer.Length - _used);
                data[..n].CopyTo(_buffer.AsSpan(_used));
                _used += n;
                data = data[n..];
                if (_used == _buffer.Length)
                {
                    destination.Write(_buffer, 0, _used);
                    _used = 0;
                }
            }
        }

        public void Write(byte[] data, int offset, int count) => Write(data.AsSpan(offset, count));

        public void Flush()
        {
            if (_used > 0)
            {
                destination.Write(_buffer, 0, _used);
                _used = 0;
            }
            destination.Flush();
        }
    }

    private void WriteBlock(byte[] block) => output.Write(block);

    private static byte[] Header(byte[] name, byte[] link, byte type, long mode, long uid, long gid, long size, long mtime, long major, long minor)
    {
        var h = new byte[Block];
        name.AsSpan(0, Math.Min(name.Length, 100)).CopyTo(h);
        Octal(h.AsSpan(100, 8), mode & 0x1FFFFF);
        Octal(h.AsSpan(108, 8), uid > 0x1FFFFF ? 0 : uid);
        Octal(h.AsSpan(116, 8), gid > 0x1FFFFF ? 0 : gid);
        Octal(h.AsSpan(124, 12), size > 0x1FFFFFFFF ? 0 : size);
        Octal(h.AsSpan(136, 12), Math.Clamp(mtime, 0, 0x1FFFFFFFF));
        h[156] = type;
        link.AsSpan(0, Math.Min(link.Length, 100)).CopyTo(h.AsSpan(157));
        "ustar\000"u8.CopyTo(h.AsSpan(257));
        if (type is (byte)'3' or (byte)'4')
        {
            Octal(h.AsSpan(329, 8), major & 0x1FFFFF);
            Octal(h.AsSpan(337, 8), minor & 0x1FFFFF);
        }
        h.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in h)
        {
            sum += b;
        }
        // compat(go archive/tar): six octal digits, NUL, space.
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0')).CopyTo(h.AsSpan(148));
        h[154] = 0;
        h[155] = (byte)' ';
        return h;
    }

    /// <summary>Zero-padded octal digits and a trailing NUL, filling the field.</summary>
    private static void Octal(Span<byte> field, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        Encoding.ASCII.GetBytes(digits).CopyTo(field);
        field[^1] = 0;
    }

    private static byte[] PaxRecords(List<(string Key, byte[] Value)> records)
    {
        var ms = new MemoryStream();
        foreach (var (key, value) in records)
        {
            // "%d %s=%s\n", the length counting itself.
            var body = Encoding.UTF8.GetByteCount(key) + value.Length + 3;
            var len = body + 1;
            while (len.ToString(CultureInfo.InvariantCulture).Length + body != len)
            {
                len++;
            }
            ms.Write(Encoding.ASCII.GetBytes(len.ToString(CultureInfo.InvariantCulture) + " "));
            ms.Write(Encoding.UTF8.GetBytes(key + "="));
            ms.Write(value);
            ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }

    private static bool IsAscii(byte[] s) => !s.AsSpan().ContainsAnyInRange((byte)0x80, (byte)0xff);

    private static byte[] Ascii(long v) => Encoding.ASCII.GetBytes(v.ToString(CultureInfo.InvariantCulture));

    private static string SafeAsciiBase(byte[] name)
    {
        var text = Encoding.UTF8.GetString(name).TrimEnd('/');
        var slash = text.LastIndexOf('/');
        var baseName = new string((slash < 0 ? text : text[(slash + 1)..]).Select(c => c is > ' ' and < (char)0x7f ? c : '_').ToArray());
        return baseName.Length > 80 ? baseName[..80] : baseName;
    }
}
