using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Berth.Cli.Formatting;

/// <summary>
/// Go's <c>net.ParseIP</c>, <c>net.ParseCIDR</c> and <c>IPNet.Contains</c>, which the docker CLI uses to pair
/// <c>--subnet</c>s with gateways and ranges: strict dotted quads (no leading zeros), no zones, and IPv4-mapped
/// IPv6 addresses taken as IPv4.
/// </summary>
internal static class GoNet
{
    /// <summary>An address as <c>net.ParseIP</c> returns it (16 bytes), or null.</summary>
    public static byte[]? ParseIP(string s)
    {
        if (s.Contains(':', StringComparison.Ordinal))
        {
            // netip.ParseAddr: hex groups, '::' and a trailing dotted quad; a zone is refused by ParseIP.
            foreach (var c in s)
            {
                if (!char.IsAsciiHexDigit(c) && c is not (':' or '.'))
                {
                    return null;
                }
            }
            var last = s.LastIndexOf(':');
            if (s.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0 && (dot < last || ParseIPv4(s[(last + 1)..]) is null))
            {
                return null;
            }
            return IPAddress.TryParse(s, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? v6.GetAddressBytes() : null;
        }
        return ParseIPv4(s) is { } v4 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, .. v4] : null;
    }

    private static byte[]? ParseIPv4(string s)
    {
        var parts = s.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var p = parts[i];
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit))
            {
                return null;
            }
            var n = int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture);
            if (n > 255)
            {
                return null;
            }
            bytes[i] = (byte)n;
        }
        return bytes;
    }

    /// <summary><c>IP.To4</c>: the 4-byte form of an IPv4 (or IPv4-mapped) address, else null.</summary>
    private static byte[]? To4(byte[] ip)
    {
        if (ip.Length == 4)
        {
            return ip;
        }
        for (var i = 0; i < 10; i++)
        {
            if (ip[i] != 0)
            {
                return null;
            }
        }
        return ip[10] == 0xff && ip[11] == 0xff ? ip[12..] : null;
    }

    /// <summary>
    /// <c>net.ParseCIDR</c>: the address as written (16 bytes) and the network, or false with Go's error
    /// (<c>invalid CIDR address: 10.0.0.0</c>).
    /// </summary>
    public static bool TryParseCidr(string s, out byte[] ip, out Network network, out string error)
    {
        ip = [];
        network = default;
        error = "invalid CIDR address: " + s;
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || ParseIP(s[..slash]) is not { } addr)
        {
            return false;
        }
        var bits = s[..slash].Contains(':', StringComparison.Ordinal) ? 128 : 32;
        var mask = s[(slash + 1)..];
        // dtoi: decimal digits only, leading zeros allowed.
        var digits = mask.TrimStart('0');
        if (mask.Length == 0 || !mask.All(char.IsAsciiDigit) || digits.Length > 3)
        {
            return false;
        }
        var prefix = digits.Length == 0 ? 0 : int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        if (prefix > bits)
        {
            return false;
        }
        ip = addr;
        network = new Network(addr, prefix, bits);
        error = "";
        return true;
    }

    /// <summary>A parsed <c>IPNet</c>: its address, prefix length and mask width (32 or 128).</summary>
    internal readonly record struct Network(byte[] Address, int Prefix, int Bits)
    {
        /// <summary><c>IPNet.Contains</c>, with networkNumberAndMask's handling of IPv4 in 16-byte form.</summary>
        public bool Contains(byte[]? ip)
        {
            if (ip is null)
            {
                return false;
            }
            var nn = To4(Address) ?? Address;
            var maskLength = Bits / 8;
            var prefix = Prefix;
            if (maskLength == 16 && nn.Length == 4)
            {
                // The 16-byte mask's last four bytes apply.
                prefix = Math.Max(0, Prefix - 96);
            }
            else if (maskLength == 4 && nn.Length != 4)
            {
                return false;
            }
            var x = To4(ip) ?? ip;
            if (x.Length != nn.Length)
            {
                return false;
            }
            for (var i = 0; i < x.Length; i++)
            {
                var m = prefix >= (i + 1) * 8 ? 0xff : prefix <= i * 8 ? 0 : (0xff << (8 - (prefix - (i * 8)))) & 0xff;
                if ((nn[i] & m) != (x[i] & m))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
