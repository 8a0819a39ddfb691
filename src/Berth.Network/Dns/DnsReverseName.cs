using System.Net;

namespace Berth.Network.Dns;

/// <summary>Reverse-mapping names (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa) back to the address they name.</summary>
internal static class DnsReverseName
{
    private const string V4Suffix = ".in-addr.arpa";
    private const string V6Suffix = ".ip6.arpa";

    /// <summary>
    /// The address a full reverse name stands for (four octets, or 32 nibbles); false for anything else, including the
    /// partial names of whole networks, which belong upstream.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> name, out IPAddress? address)
    {
        address = null;
        if (name.EndsWith(V4Suffix, StringComparison.OrdinalIgnoreCase))
        {
            var labels = name[..^V4Suffix.Length];
            Span<byte> bytes = stackalloc byte[4];
            var i = 3;
            foreach (var range in labels.Split('.'))
            {
                var label = labels[range];
                if (i < 0 || label.Length is 0 or > 3 || (label.Length > 1 && label[0] == '0')
                    || !byte.TryParse(label, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out bytes[i]))
                {
                    return false;
                }
                i--;
            }
            if (i != -1)
            {
                return false;
            }
            address = new IPAddress(bytes);
            return true;
        }
        if (name.EndsWith(V6Suffix, StringComparison.OrdinalIgnoreCase))
        {
            var labels = name[..^V6Suffix.Length];
            if (labels.Length != 63)
            {
                return false;
            }
            Span<byte> bytes = stackalloc byte[16];
            for (var n = 0; n < 32; n++)
            {
                var c = labels[n * 2];
                if ((n < 31 && labels[(n * 2) + 1] != '.') || !char.IsAsciiHexDigit(c))
                {
                    return false;
                }
                var nibble = char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
                // The first label is the lowest nibble of the last byte.
                var index = 15 - (n / 2);
                bytes[index] |= (byte)(n % 2 == 0 ? nibble : nibble << 4);
            }
            address = new IPAddress(bytes);
            return true;
        }
        return false;
    }
}
