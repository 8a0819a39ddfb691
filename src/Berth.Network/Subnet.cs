using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Berth.Common;

namespace Berth.Network;

/// <summary>An IPv4 prefix, <c>172.18.0.0/16</c>: the unit of IPAM's pools and of a network's addresses.</summary>
public readonly record struct Subnet(uint Base, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint First => Base & Mask;

    public uint Last => First | ~Mask;

    /// <summary>How many addresses it spans, the network and broadcast addresses included.</summary>
    public ulong Size => 1UL << (32 - PrefixLength);

    public bool Contains(uint address) => (address & Mask) == First;

    public bool Contains(IPAddress address) => Contains(ToUInt(address));

    public bool Overlaps(Subnet other) => Contains(other.First) || other.Contains(First);

    public override string ToString() => $"{ToAddress(First)}/{PrefixLength}";

    /// <summary>Parses <c>a.b.c.d/n</c>; Docker refuses a subnet whose host bits are set only at create, so the base
    /// is kept as written and <see cref="First"/> gives the network address.</summary>
    public static Subnet Parse(string text)
    {
        if (!TryParse(text, out var subnet))
        {
            throw BerthException.Invalid($"invalid CIDR address: {text}");
        }
        return subnet;
    }

    public static bool TryParse(string? text, out Subnet subnet)
    {
        subnet = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        // IPAddress.TryParse takes "10.0.0" as 10.0.0.0; Go's parser, and so Docker, does not.
        if (text is null || slash <= 0 || text.AsSpan(0, slash).Count('.') != 3
            || !IPAddress.TryParse(text.AsSpan(0, slash), out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            return false;
        }
        subnet = new Subnet(ToUInt(ip), prefix);
        return true;
    }

    public static uint ToUInt(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw BerthException.Invalid($"{address} is not an IPv4 address");
        }
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    /// <summary>Parses an IPv4 address or says which option held a bad one, in Docker's words.</summary>
    public static IPAddress ParseAddress(string text, string what)
    {
        if (text.AsSpan().Count('.') != 3 || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
        {
            throw BerthException.Invalid($"invalid {what}: {text}");
        }
        return ip;
    }
}
