using System.Globalization;

namespace Berth.Api.Docker;

/// <summary>An Engine API version, <c>major.minor</c>, compared numerically.</summary>
public readonly record struct ApiVersion(int Major, int Minor) : IComparable<ApiVersion>
{
    /// <summary>What Berth speaks: the docker CLI negotiates down to it. The recorded traffic is at 1.41; 1.42 adds
    /// what Berth implements of it (volume prune of anonymous volumes, stop signals, stream content types, df types);
    /// 1.43 lists untagged images without <c>&lt;none&gt;</c>; 1.44 takes a MAC address per endpoint (the docker CLI 28
    /// sends <c>--mac-address</c> no other way) and drops <c>VirtualSize</c>.</summary>
    public static readonly ApiVersion Max = new(1, 44);

    public static readonly ApiVersion Min = new(1, 24);

    public static bool TryParse(string s, out ApiVersion version)
    {
        version = default;
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !int.TryParse(s[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var major) ||
            !int.TryParse(s[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }
        version = new ApiVersion(major, minor);
        return true;
    }

    public int CompareTo(ApiVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(ApiVersion a, ApiVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(ApiVersion a, ApiVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(ApiVersion a, ApiVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ApiVersion a, ApiVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => Major.ToString(CultureInfo.InvariantCulture) + "." + Minor.ToString(CultureInfo.InvariantCulture);
}
