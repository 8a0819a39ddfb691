using System.Buffers.Binary;

namespace Berth.Network.Dns;

/// <summary>
/// Domain names between wire form (RFC 1035 §3.1, §4.1.4) and presentation form (RFC 1035 §5.1: labels joined by dots,
/// '.', '\' and unprintable bytes escaped as \. \\ \DDD; no trailing dot, the root is "").
/// Reading is written for hostile input: every offset is bounds-checked and compression pointers must go strictly
/// backwards from the start of the name segment they end, so a chain of pointers always terminates.
/// </summary>
internal static class DnsName
{
    /// <summary>Wire form of a name, at most 255 bytes with the terminating zero (RFC 1035 §2.3.4).</summary>
    public const int MaxWireLength = 255;

    public const int MaxLabelLength = 63;

    /// <summary>Room for any name in presentation form: each byte escapes to at most 4 chars.</summary>
    public const int MaxPresentationLength = 1024;

    /// <summary>
    /// Reads the name at <paramref name="offset"/> into <paramref name="destination"/>; <paramref name="offset"/> moves past
    /// the name as it sits at that place (a pointer counts 2 bytes). False for anything malformed.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, ref int offset, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        var pos = offset;
        // A pointer may only aim before this: the start of the segment being read.
        var limit = offset;
        var end = -1;
        var wireLength = 0;
        var written = 0;
        while (true)
        {
            if ((uint)pos >= (uint)message.Length)
            {
                return false;
            }
            var len = message[pos];
            if ((len & 0xC0) == 0xC0)
            {
                if (pos + 1 >= message.Length)
                {
                    return false;
                }
                var target = ((len & 0x3F) << 8) | message[pos + 1];
                if (target >= limit)
                {
                    return false;
                }
                if (end < 0)
                {
                    end = pos + 2;
                }
                limit = target;
                pos = target;
                continue;
            }
            if ((len & 0xC0) != 0)
            {
                // 01 and 10 prefixes: extended label types, obsolete (RFC 6891 §5).
                return false;
            }
            if (len == 0)
            {
                offset = end < 0 ? pos + 1 : end;
                charsWritten = written;
                return true;
            }
            wireLength += len + 1;
            if (wireLength + 1 > MaxWireLength || pos + 1 + len > message.Length)
            {
                return false;
            }
            if (written > 0)
            {
                if (written >= destination.Length)
                {
                    return false;
                }
                destination[written++] = '.';
            }
            foreach (var b in message.Slice(pos + 1, len))
            {
                if (!TryAppendEscaped(b, destination, ref written))
                {
                    return false;
                }
            }
            pos += 1 + len;
        }
    }

    /// <summary>Reads a name into a new string; null when malformed.</summary>
    public static string? ReadString(ReadOnlySpan<byte> message, ref int offset)
    {
        Span<char> buffer = stackalloc char[MaxPresentationLength];
        return TryRead(message, ref offset, buffer, out var n) ? new string(buffer[..n]) : null;
    }

    /// <summary>Moves past the name at <paramref name="offset"/> without decoding it (pointers are not followed).</summary>
    public static bool TrySkip(ReadOnlySpan<byte> message, ref int offset)
    {
        var pos = offset;
        var wireLength = 0;
        while (true)
        {
            if ((uint)pos >= (uint)message.Length)
            {
                return false;
            }
            var len = message[pos];
            if ((len & 0xC0) == 0xC0)
            {
                if (pos + 1 >= message.Length)
                {
                    return false;
                }
                offset = pos + 2;
                return true;
            }
            if ((len & 0xC0) != 0)
            {
                return false;
            }
            if (len == 0)
            {
                offset = pos + 1;
                return true;
            }
            wireLength += len + 1;
            if (wireLength + 1 > MaxWireLength)
            {
                return false;
            }
            pos += 1 + len;
        }
    }

    /// <summary>
    /// Encodes a presentation-form name (a trailing dot is allowed) into uncompressed wire form.
    /// False for an empty label, a label over 63 bytes, a name over 255 bytes, a bad escape or a non-ASCII char.
    /// </summary>
    public static bool TryEncode(ReadOnlySpan<char> name, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < 1)
        {
            return false;
        }
        if (name.Length == 0 || name is ".")
        {
            destination[0] = 0;
            bytesWritten = 1;
            return true;
        }
        var lengthAt = 0;
        var pos = 1;
        var labelLength = 0;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '.')
            {
                if (labelLength == 0)
                {
                    return false;
                }
                destination[lengthAt] = (byte)labelLength;
                if (i == name.Length - 1)
                {
                    labelLength = -1;
                    break;
                }
                lengthAt = pos++;
                labelLength = 0;
                if (pos > MaxWireLength || pos > destination.Length)
                {
                    return false;
                }
                continue;
            }
            byte b;
            if (c == '\\')
            {
                if (i + 1 >= name.Length)
                {
                    return false;
                }
                var next = name[i + 1];
                if (char.IsAsciiDigit(next))
                {
                    if (i + 3 >= name.Length || !char.IsAsciiDigit(name[i + 2]) || !char.IsAsciiDigit(name[i + 3]))
                    {
                        return false;
                    }
                    var value = ((next - '0') * 100) + ((name[i + 2] - '0') * 10) + (name[i + 3] - '0');
                    if (value > 255)
                    {
                        return false;
                    }
                    b = (byte)value;
                    i += 3;
                }
                else
                {
                    if (next > 0x7F)
                    {
                        return false;
                    }
                    b = (byte)next;
                    i += 1;
                }
            }
            else
            {
                if (c > 0x7F)
                {
                    return false;
                }
                b = (byte)c;
            }
            if (++labelLength > MaxLabelLength || pos >= MaxWireLength - 1 || pos >= destination.Length)
            {
                return false;
            }
            destination[pos++] = b;
        }
        if (labelLength == 0)
        {
            return false;
        }
        if (labelLength > 0)
        {
            destination[lengthAt] = (byte)labelLength;
        }
        if (pos >= destination.Length || pos + 1 > MaxWireLength)
        {
            return false;
        }
        destination[pos++] = 0;
        bytesWritten = pos;
        return true;
    }

    /// <summary>Lower-cases ASCII letters in place: DNS names compare case-insensitively over ASCII only (RFC 4343).</summary>
    public static void ToLowerAscii(Span<char> name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterUpper(c))
            {
                name[i] = (char)(c | 0x20);
            }
        }
    }

    /// <summary>Compares two stretches of wire bytes, ASCII case folded.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (var i = 0; i < a.Length; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x != y && (!char.IsAsciiLetter((char)x) || (x | 0x20) != (y | 0x20)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads the 16-bit value at <paramref name="offset"/> (network order), bounds-checked.</summary>
    public static bool TryReadUInt16(ReadOnlySpan<byte> message, ref int offset, out ushort value)
    {
        if (offset + 2 > message.Length)
        {
            value = 0;
            return false;
        }
        value = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        offset += 2;
        return true;
    }

    private static bool TryAppendEscaped(byte b, Span<char> destination, ref int written)
    {
        if (b is (byte)'.' or (byte)'\\')
        {
            if (written + 2 > destination.Length)
            {
                return false;
            }
            destination[written++] = '\\';
            destination[written++] = (char)b;
            return true;
        }
        if (b is < 0x21 or > 0x7E)
        {
            if (written + 4 > destination.Length)
            {
                return false;
            }
            destination[written++] = '\\';
            destination[written++] = (char)('0' + (b / 100));
            destination[written++] = (char)('0' + (b / 10 % 10));
            destination[written++] = (char)('0' + (b % 10));
            return true;
        }
        if (written >= destination.Length)
        {
            return false;
        }
        destination[written++] = (char)b;
        return true;
    }
}
