namespace Berth.Common;

/// <summary>Go's <c>net.ParseMAC</c> and <c>HardwareAddr.String</c>, which the docker CLI checks <c>--mac-address</c>
/// with and dockerd parses an endpoint's MAC address with: 6, 8 or 20 octets written <c>xx:xx:…</c>,
/// <c>xx-xx-…</c> or <c>xxxx.xxxx.…</c>, hex digits of either case; written back lower-case and colon-separated.</summary>
public static class GoHardwareAddr
{
    public static bool TryParse(string s, out byte[] address)
    {
        address = [];
        if (s.Length < 14)
        {
            return false;
        }
        var (digits, separator) = s[2] is ':' or '-' ? (2, s[2]) : s[4] == '.' ? (4, '.') : (0, '\0');
        if (digits == 0 || (s.Length + 1) % (digits + 1) != 0)
        {
            return false;
        }
        var octets = (s.Length + 1) / (digits + 1) * digits / 2;
        if (octets is not (6 or 8 or 20))
        {
            return false;
        }
        var bytes = new byte[octets];
        var n = 0;
        for (var i = 0; i < s.Length; i += digits + 1)
        {
            if (i + digits < s.Length && s[i + digits] != separator)
            {
                return false;
            }
            for (var j = 0; j < digits; j += 2)
            {
                if (!char.IsAsciiHexDigit(s[i + j]) || !char.IsAsciiHexDigit(s[i + j + 1]))
                {
                    return false;
                }
                bytes[n++] = (byte)((HexValue(s[i + j]) << 4) | HexValue(s[i + j + 1]));
            }
        }
        address = bytes;
        return true;
    }

    /// <summary><c>HardwareAddr.String</c>: <c>02:42:ac:11:00:05</c>.</summary>
    public static string Format(byte[] address) => string.Join(':', address.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
