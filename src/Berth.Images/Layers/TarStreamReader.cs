using System.Text;
using Berth.Common;
using Berth.Linux;

namespace Berth.Images.Layers;

/// <summary>
/// A forward-only reader of a tar stream (v7, ustar, GNU and PAX, read as Go's archive/tar reads them, since Go
/// wrote most layers in the wild). Its bytes come from a <see cref="TarSource"/>, which counts, limits, hashes and
/// copies them: one pass gives the entries, the diffID and the size. Headers are parsed and file data handed out in
/// place, in the source's segments.
/// </summary>
/// <remarks>
/// Not System.Formats.Tar: its reader decodes PAX values as UTF-8 text, which mangles binary xattrs
/// (<c>SCHILY.xattr.security.capability</c>) and rejects the whole archive when such a value holds a newline byte.
/// </remarks>
internal sealed class TarStreamReader : IDisposable
{
    private const int Block = 512;

    // compat(go archive/tar): maxSpecialFileSize; bounds the memory a run of PAX and GNU long-name headers can take.
    private const int MaxMetaBytes = 1 << 20;

    private const string XattrPrefix = "SCHILY.xattr.";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly TarSource _input;
    private byte[] _buffer = [];
    private bool _owned;
    private int _start;
    private int _end;
    private long _base;
    private bool _eof;
    private long _dataLeft;
    private int _padLeft;
    private bool _ended;

    /// <param name="segmentSize">A multiple of 512.</param>
    /// <param name="readAhead">Read the source on a worker thread (worth it when it decompresses).</param>
    public TarStreamReader(Stream source, long limit, Stream? copyTo, int segmentSize, bool readAhead, bool digest = true) =>
        _input = new TarSource(source, limit, copyTo, segmentSize, readAhead, digest);

    /// <summary>The length of the uncompressed stream, after <see cref="DrainToEnd"/>.</summary>
    public long Length => _input.Length;

    /// <summary>Offset in the uncompressed stream of the next byte the reader hands out.</summary>
    private long Position => _base + _start;

    /// <summary>The next entry, or null at the end of the archive. Skips whatever the caller left unread of the
    /// previous entry's data.</summary>
    public TarHeader? Next()
    {
        if (_ended)
        {
            return null;
        }
        Skip(_dataLeft + _padLeft);
        _dataLeft = 0;
        _padLeft = 0;

        var metaBytes = 0L;
        byte[]? longName = null;
        byte[]? longLink = null;
        Dictionary<string, byte[]>? pax = null;
        while (true)
        {
            var offset = Position;
            if (!EnsureBlock())
            {
                // compat(go archive/tar): an archive may end at a header boundary without its two zero blocks.
                if (_start == _end && metaBytes == 0)
                {
                    _ended = true;
                    return null;
                }
                throw Truncated();
            }
            var h = _buffer.AsSpan(_start, Block);
            if (!h.ContainsAnyExcept((byte)0))
            {
                Consume(Block);
                if (EnsureBlock() && _buffer.AsSpan(_start, Block).ContainsAnyExcept((byte)0))
                {
                    throw Malformed(offset + Block, "a tar header follows a single end-of-archive block");
                }
                if (_end - _start >= Block)
                {
                    Consume(Block);
                }
                _ended = true;
                return null;
            }

            VerifyChecksum(h, offset);
            var type = h[156];
            var size = ParseNumeric(h.Slice(124, 12), offset, "size");
            if (size < 0)
            {
                throw Malformed(offset, "negative entry size");
            }
            // compat(go archive/tar): magic and version together tell ustar/PAX (with a name prefix) from GNU and v7.
            var magic = h.Slice(257, 6);
            var version = h.Slice(263, 2);
            var ustar = magic.SequenceEqual("ustar\0"u8) && version.SequenceEqual("00"u8);
            var gnu = magic.SequenceEqual("ustar "u8) && version.SequenceEqual(" \0"u8);
            if (type is (byte)'x' or (byte)'g' or (byte)'L' or (byte)'K')
            {
                metaBytes += size;
                if (size > MaxMetaBytes || metaBytes > MaxMetaBytes)
                {
                    throw Malformed(offset, $"extension header larger than {MaxMetaBytes} bytes");
                }
                Consume(Block);
                var data = ReadMeta((int)size);
                switch (type)
                {
                    case (byte)'x':
                        ParsePax(data, pax ??= new Dictionary<string, byte[]>(StringComparer.Ordinal), offset);
                        break;
                    case (byte)'L':
                        longName = CString(data);
                        break;
                    case (byte)'K':
                        longLink = CString(data);
                        break;
                    default:
                        // A PAX global header: Docker and containerd ignore them, and so do we.
                        metaBytes -= size;
                        break;
                }
                continue;
            }
            if (type == (byte)'S' || (pax is not null && pax.Keys.Any(k => k.StartsWith("GNU.sparse.", StringComparison.Ordinal))))
            {
                throw Malformed(offset, "sparse file entries are not supported");
            }

            var name = pax?.GetValueOrDefault("path") is { Length: > 0 } paxPath ? Decode(paxPath, offset)
                : longName is not null ? Decode(longName, offset)
                : Decode(HeaderName(h, ustar), offset);
            var linkName = pax?.GetValueOrDefault("linkpath") is { Length: > 0 } paxLink ? Decode(paxLink, offset)
                : longLink is not null ? Decode(longLink, offset)
                : Decode(CString(h.Slice(157, 100)), offset);
            if (pax?.GetValueOrDefault("size") is { Length: > 0 } paxSize)
            {
                size = ParsePaxInteger(paxSize, offset, "size");
            }
            var kind = KindOf(type, name);
            var headerOnly = kind is TarEntryKind.Directory or TarEntryKind.Symlink or TarEntryKind.Hardlink
                or TarEntryKind.CharDevice or TarEntryKind.BlockDevice or TarEntryKind.Fifo;
            // Device numbers only where they mean something: some writers leave junk in them for other types.
            var device = (ustar || gnu) && kind is TarEntryKind.CharDevice or TarEntryKind.BlockDevice;

            var header = new TarHeader
            {
                Name = name,
                LinkName = linkName,
                Kind = kind,
                TypeFlag = type,
                Mode = (uint)(ParseNumeric(h.Slice(100, 8), offset, "mode") & 0xfff),
                Uid = Id(pax?.GetValueOrDefault("uid") is { Length: > 0 } u ? ParsePaxInteger(u, offset, "uid") : ParseNumeric(h.Slice(108, 8), offset, "uid"), offset, "uid"),
                Gid = Id(pax?.GetValueOrDefault("gid") is { Length: > 0 } g ? ParsePaxInteger(g, offset, "gid") : ParseNumeric(h.Slice(116, 8), offset, "gid"), offset, "gid"),
                Size = headerOnly ? 0 : size,
                MTime = pax?.GetValueOrDefault("mtime") is { Length: > 0 } m ? ParsePaxTime(m, offset, "mtime") : new LibC.Timespec { tv_sec = ParseNumeric(h.Slice(136, 12), offset, "mtime") },
                ATime = pax?.GetValueOrDefault("atime") is { Length: > 0 } a ? ParsePaxTime(a, offset, "atime") : null,
                DevMajor = device ? Id(ParseNumeric(h.Slice(329, 8), offset, "devmajor"), offset, "devmajor") : 0,
                DevMinor = device ? Id(ParseNumeric(h.Slice(337, 8), offset, "devminor"), offset, "devminor") : 0,
                Xattrs = Xattrs(pax),
                ContentDigest = pax?.GetValueOrDefault(ContextByDigest.PaxRecord),
                Offset = offset,
            };
            Consume(Block);
            // compat(go archive/tar): the header-only types carry no data whatever their size field says.
            _dataLeft = header.Size;
            _padLeft = (int)(-header.Size & (Block - 1));
            return header;
        }
    }

    /// <summary>The next piece of the current entry's data, straight from the read buffer (valid until the next
    /// call); empty when the data is all read.</summary>
    public ReadOnlySpan<byte> ReadData()
    {
        if (_dataLeft == 0)
        {
            return default;
        }
        if (_start == _end && !NextSegment())
        {
            throw Truncated();
        }
        var n = (int)Math.Min(_dataLeft, _end - _start);
        var chunk = _buffer.AsSpan(_start, n);
        _start += n;
        _dataLeft -= n;
        return chunk;
    }

    /// <summary>Reads what follows the end of the archive: the diffID is the digest of the whole stream, padding
    /// included, as the registry and the image config have it.</summary>
    public void DrainToEnd()
    {
        do
        {
            _start = _end;
        }
        while (NextSegment());
    }

    public Digest Digest() => _input.Digest;

    public void Dispose()
    {
        _input.Dispose();
    }

    private static TarEntryKind KindOf(byte type, string name) => type switch
    {
        // compat(go archive/tar): a v7 regular file whose name ends in '/' is a directory.
        0 => name.EndsWith('/') ? TarEntryKind.Directory : TarEntryKind.File,
        (byte)'0' or (byte)'7' => TarEntryKind.File,
        (byte)'1' => TarEntryKind.Hardlink,
        (byte)'2' => TarEntryKind.Symlink,
        (byte)'3' => TarEntryKind.CharDevice,
        (byte)'4' => TarEntryKind.BlockDevice,
        (byte)'5' => TarEntryKind.Directory,
        (byte)'6' => TarEntryKind.Fifo,
        _ => TarEntryKind.Other,
    };

    private static byte[] HeaderName(ReadOnlySpan<byte> h, bool ustar)
    {
        var name = CString(h[..100]);
        if (!ustar)
        {
            return name;
        }
        var prefix = CString(h.Slice(345, 155));
        if (prefix.Length == 0)
        {
            return name;
        }
        var joined = new byte[prefix.Length + 1 + name.Length];
        prefix.CopyTo(joined, 0);
        joined[prefix.Length] = (byte)'/';
        name.CopyTo(joined, prefix.Length + 1);
        return joined;
    }

    private static byte[] CString(ReadOnlySpan<byte> field)
    {
        var nul = field.IndexOf((byte)0);
        return (nul < 0 ? field : field[..nul]).ToArray();
    }

    private string Decode(byte[] bytes, long offset)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed(offset, "a name that is not valid UTF-8");
        }
    }

    private static IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs(Dictionary<string, byte[]>? pax)
    {
        if (pax is null)
        {
            return [];
        }
        var list = new List<KeyValuePair<string, byte[]>>();
        foreach (var (key, value) in pax)
        {
            if (key.StartsWith(XattrPrefix, StringComparison.Ordinal) && key.Length > XattrPrefix.Length)
            {
                list.Add(new(key[XattrPrefix.Length..], value));
            }
        }
        return list;
    }

    private static void VerifyChecksum(ReadOnlySpan<byte> h, long offset)
    {
        long unsigned = 0, signed = 0;
        for (var i = 0; i < Block; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : h[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        // compat(go archive/tar): some old tars summed signed bytes.
        if (!TryParseOctal(h.Slice(148, 8), out var stored) || (stored != unsigned && stored != signed))
        {
            throw Malformed(offset, "invalid tar header (checksum mismatch)");
        }
    }

    /// <summary>An octal field, or a base-256 one (GNU, for values an octal field cannot hold) when the top bit of
    /// the first byte is set.</summary>
    private static long ParseNumeric(ReadOnlySpan<byte> field, long offset, string what)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            var inv = (field[0] & 0x40) != 0 ? (byte)0xff : (byte)0;
            ulong x = 0;
            for (var i = 0; i < field.Length; i++)
            {
                var c = (byte)(field[i] ^ inv);
                if (i == 0)
                {
                    c &= 0x7f;
                }
                if (x >> 56 != 0)
                {
                    throw Malformed(offset, $"{what} field overflows");
                }
                x = (x << 8) | c;
            }
            if (x >> 63 != 0)
            {
                throw Malformed(offset, $"{what} field overflows");
            }
            return inv == 0xff ? ~(long)x : (long)x;
        }
        return ParseOctal(field, offset, what);
    }

    private static long ParseOctal(ReadOnlySpan<byte> field, long offset, string what) =>
        TryParseOctal(field, out var value) ? value : throw Malformed(offset, $"invalid {what} field");

    private static bool TryParseOctal(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        // compat(go archive/tar): fields are padded with NULs or spaces on either side.
        field = field.Trim(" \0"u8);
        var nul = field.IndexOf((byte)0);
        if (nul >= 0)
        {
            field = field[..nul];
        }
        foreach (var c in field)
        {
            if (c is < (byte)'0' or > (byte)'7' || value >> 60 != 0)
            {
                return false;
            }
            value = (value << 3) | (long)(c - '0');
        }
        return true;
    }

    private static long ParsePaxInteger(byte[] value, long offset, string what)
    {
        long x = 0;
        if (value.Length == 0)
        {
            throw Malformed(offset, $"invalid PAX {what}");
        }
        foreach (var c in value)
        {
            if (c is < (byte)'0' or > (byte)'9' || x > (long.MaxValue - 9) / 10)
            {
                throw Malformed(offset, $"invalid PAX {what}");
            }
            x = x * 10 + (c - '0');
        }
        return x;
    }

    /// <summary>A PAX time: decimal seconds with an optional fraction and sign ("1700000000.123456789", "-1.5").</summary>
    private static LibC.Timespec ParsePaxTime(byte[] value, long offset, string what)
    {
        var span = value.AsSpan();
        var negative = span.Length > 0 && span[0] == '-';
        if (negative)
        {
            span = span[1..];
        }
        var dot = span.IndexOf((byte)'.');
        var secs = ParsePaxInteger((dot < 0 ? span : span[..dot]).ToArray(), offset, what);
        long nanos = 0;
        if (dot >= 0)
        {
            var frac = span[(dot + 1)..];
            for (var i = 0; i < 9; i++)
            {
                var digit = i < frac.Length ? frac[i] : (byte)'0';
                if (digit is < (byte)'0' or > (byte)'9')
                {
                    throw Malformed(offset, $"invalid PAX {what}");
                }
                nanos = nanos * 10 + (digit - '0');
            }
            foreach (var c in frac)
            {
                if (c is < (byte)'0' or > (byte)'9')
                {
                    throw Malformed(offset, $"invalid PAX {what}");
                }
            }
        }
        if (negative)
        {
            secs = -secs;
            if (nanos > 0)
            {
                secs -= 1;
                nanos = 1_000_000_000 - nanos;
            }
        }
        return new LibC.Timespec { tv_sec = secs, tv_nsec = nanos };
    }

    private static uint Id(long value, long offset, string what) =>
        // (uint)-1 would mean "leave unchanged" to chown(2): no valid id.
        value is >= 0 and < uint.MaxValue ? (uint)value : throw Malformed(offset, $"{what} {value} out of range");

    /// <summary>PAX records: "%d %s=%s\n", the length counting the whole record, values raw bytes.</summary>
    private static void ParsePax(ReadOnlySpan<byte> data, Dictionary<string, byte[]> records, long offset)
    {
        while (data.Length > 0)
        {
            var space = data.IndexOf((byte)' ');
            if (space <= 0)
            {
                throw Malformed(offset, "invalid PAX record");
            }
            long length = 0;
            foreach (var c in data[..space])
            {
                if (c is < (byte)'0' or > (byte)'9' || length > MaxMetaBytes)
                {
                    throw Malformed(offset, "invalid PAX record length");
                }
                length = length * 10 + (c - '0');
            }
            if (length <= space + 1 || length > data.Length || data[(int)length - 1] != '\n')
            {
                throw Malformed(offset, "invalid PAX record length");
            }
            var record = data[(space + 1)..((int)length - 1)];
            data = data[(int)length..];
            var eq = record.IndexOf((byte)'=');
            if (eq <= 0)
            {
                throw Malformed(offset, "invalid PAX record");
            }
            var key = record[..eq];
            var value = record[(eq + 1)..];
            if (key.Contains((byte)0))
            {
                throw Malformed(offset, "invalid PAX record key");
            }
            string keyText;
            try
            {
                keyText = StrictUtf8.GetString(key);
            }
            catch (DecoderFallbackException)
            {
                throw Malformed(offset, "invalid PAX record key");
            }
            // A NUL would cut a name short in the kernel's eyes: never let the checked name and the created one differ.
            if (keyText is "path" or "linkpath" or "uname" or "gname" && value.Contains((byte)0))
            {
                throw Malformed(offset, $"NUL byte in the PAX {keyText}");
            }
            records[keyText] = value.ToArray();
        }
    }

    private byte[] ReadMeta(int size)
    {
        var data = new byte[size];
        var done = 0;
        while (done < size)
        {
            if (_start == _end && !NextSegment())
            {
                throw Truncated();
            }
            var n = Math.Min(size - done, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(data.AsSpan(done));
            _start += n;
            done += n;
        }
        Skip(-size & (Block - 1));
        return data;
    }

    private void Consume(int count) => _start += count;

    private void Skip(long count)
    {
        while (count > 0)
        {
            if (_start == _end && !NextSegment())
            {
                throw Truncated();
            }
            var n = (int)Math.Min(count, _end - _start);
            _start += n;
            count -= n;
        }
    }

    /// <summary>Makes one whole block available at <c>_start</c>; false at the end of the stream.</summary>
    private bool EnsureBlock()
    {
        if (_end - _start >= Block)
        {
            return true;
        }
        if (_start == _end)
        {
            return NextSegment() && _end - _start >= Block;
        }
        // A partial block is left: only the last segment may end inside a block, so what follows must be the end
        // of the stream (or the error that cut it short, which Next throws).
        if (_eof || _input.Next().Count == 0)
        {
            _eof = true;
            return false;
        }
        throw new InvalidOperationException("tar source segment boundary inside a tar block");
    }

    /// <summary>Moves to the next segment once the current one is used up; false at the end of the stream.</summary>
    private bool NextSegment()
    {
        if (_eof)
        {
            return false;
        }
        _base += _end;
        if (_owned)
        {
            _input.Release(_buffer);
        }
        var segment = _input.Next();
        _buffer = segment.Array ?? [];
        _owned = segment.Count > 0;
        _start = 0;
        _end = segment.Count;
        _eof = segment.Count == 0;
        return !_eof;
    }

    private BerthException Truncated() =>
        BerthException.Invalid($"malformed layer: the tar stream ends inside an entry (truncated at offset {Position})");

    private static BerthException Malformed(long offset, string what) =>
        BerthException.Invalid($"malformed layer: {what} at offset {offset}");
}
