using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Linux;

/// <summary>
/// Builds one netlink request (nlmsghdr, the family's fixed header, attributes) in a buffer kept across requests,
/// so a request costs no allocation once the buffer has grown to its working size.
/// </summary>
internal sealed class NetlinkWriter
{
    private const int HeaderSize = 16; // sizeof(struct nlmsghdr)
    private byte[] _buffer = new byte[512];
    private int _length;

    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>Starts a request; its length and sequence number are filled in by <see cref="Finish"/>.</summary>
    public void Begin(ushort type, ushort flags)
    {
        _length = 0;
        Fixed(new LibC.NlMsgHdr { nlmsg_type = type, nlmsg_flags = (ushort)(flags | LibC.NLM_F_REQUEST) });
    }

    /// <summary>A fixed-size family header (ifinfomsg, ifaddrmsg, rtmsg, ndmsg).</summary>
    public void Fixed<T>(in T header)
        where T : unmanaged => MemoryMarshal.Write(Reserve(Unsafe.SizeOf<T>()), in header);

    public void Attribute(ushort type, ReadOnlySpan<byte> value) => value.CopyTo(AttributeSpan(type, value.Length));

    public void U8(ushort type, byte value) => AttributeSpan(type, 1)[0] = value;

    public void U16(ushort type, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(AttributeSpan(type, 2), value);

    public void U32(ushort type, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(AttributeSpan(type, 4), value);

    /// <summary>A port number, which the kernel keeps in network byte order.</summary>
    public void Be16(ushort type, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(AttributeSpan(type, 2), value);

    /// <summary>A NUL-terminated string, as IFLA_IFNAME and IFLA_INFO_KIND are.</summary>
    public void String(ushort type, string value)
    {
        var span = AttributeSpan(type, Encoding.UTF8.GetByteCount(value) + 1);
        span[Encoding.UTF8.GetBytes(value, span)] = 0;
    }

    public void Address(ushort type, IPAddress address)
    {
        var span = AttributeSpan(type, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 16);
        address.TryWriteBytes(span, out _);
    }

    /// <summary>Opens an attribute whose value follows piecewise; <see cref="End"/> writes its length.</summary>
    public int BeginAttribute(ushort type)
    {
        var at = _length;
        var span = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        return at;
    }

    /// <summary>Opens a nested attribute; the kernel's own nla_nest_start marks them NLA_F_NESTED, and
    /// IFLA_PROTINFO is only read as nested when it is.</summary>
    public int BeginNested(ushort type) => BeginAttribute((ushort)(type | LibC.NLA_F_NESTED));

    public void End(int at) => BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(at), (ushort)(_length - at));

    /// <summary>The request as it goes on the wire, with its length and <paramref name="seq"/> filled in.</summary>
    public ReadOnlySpan<byte> Finish(uint seq)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_length);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(8), seq);
        return _buffer.AsSpan(0, _length);
    }

    private Span<byte> AttributeSpan(ushort type, int valueLength)
    {
        var span = Reserve(4 + valueLength);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(4 + valueLength));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        return span.Slice(4, valueLength);
    }

    /// <summary>Appends <paramref name="length"/> bytes plus alignment padding, zeroed (the buffer is reused).</summary>
    private Span<byte> Reserve(int length)
    {
        var aligned = Align(length);
        if (_length + aligned > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + aligned));
        }
        var span = _buffer.AsSpan(_length, aligned);
        span.Clear();
        _length += aligned;
        return span[..length];
    }
}
