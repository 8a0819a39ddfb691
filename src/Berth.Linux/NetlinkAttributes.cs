using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Berth.Linux;

/// <summary>Walks the attributes (struct rtattr / nlattr) of a netlink message without copying them.</summary>
internal ref struct NetlinkAttributes(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    /// <summary>The next attribute; its type without the NLA_F_NESTED and byte-order flags.</summary>
    public bool Next(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_rest.Length < 4)
        {
            return false;
        }
        var length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        if (length < 4 || length > _rest.Length)
        {
            return false; // truncated: stop rather than read past the message
        }
        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & LibC.NLA_TYPE_MASK);
        value = _rest[4..length];
        _rest = _rest[Math.Min(NetlinkWriter.Align(length), _rest.Length)..];
        return true;
    }

    /// <summary>The value of the first attribute of <paramref name="type"/>, or an empty span.</summary>
    public static ReadOnlySpan<byte> Find(ReadOnlySpan<byte> data, ushort type)
    {
        var attributes = new NetlinkAttributes(data);
        while (attributes.Next(out var t, out var value))
        {
            if (t == type)
            {
                return value;
            }
        }
        return default;
    }

    public static uint U32(ReadOnlySpan<byte> value) => value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(value) : 0;

    /// <summary>A string attribute, up to its NUL.</summary>
    public static string String(ReadOnlySpan<byte> value)
    {
        var end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
    }

    public static IPAddress? Address(ReadOnlySpan<byte> value) =>
        value.Length is 4 or 16 ? new IPAddress(value) : null;
}
