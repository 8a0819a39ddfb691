using System.Globalization;
using System.Net;
using Berth.Common;

namespace Berth.Network;

/// <summary>
/// Docker's default IPAM: subnets from the default address pools (172.17–31.0.0/16, then 192.168.0.0/16 in /20s),
/// never one that overlaps another network or a route of the host; addresses handed out in turn within a pool.
/// The allocations live in memory: the daemon rebuilds them at start from its networks and running containers.
/// </summary>
public static class Ipam
{
    /// <summary>The subnets Docker hands out when a network names none, in Docker's order.</summary>
    public static IEnumerable<Subnet> DefaultPools()
    {
        for (uint b = 17; b <= 31; b++)
        {
            yield return new Subnet((172u << 24) | (b << 16), 16);
        }
        for (uint c = 0; c < 256; c += 16)
        {
            yield return new Subnet((192u << 24) | (168u << 16) | (c << 8), 20);
        }
    }

    /// <summary>The first default pool that overlaps neither <paramref name="taken"/> nor the host's routes.</summary>
    public static Subnet ChooseSubnet(IEnumerable<Subnet> taken)
    {
        var busy = taken.Concat(HostRoutes()).ToList();
        foreach (var pool in DefaultPools())
        {
            if (!busy.Any(pool.Overlaps))
            {
                return pool;
            }
        }
        throw BerthException.Precondition("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    }

    /// <summary>The IPv4 routes of the daemon's network namespace, the default route left out
    /// (<c>/proc/net/route</c>: destination and mask as little-endian hex).</summary>
    public static IReadOnlyList<Subnet> HostRoutes(string path = "/proc/net/route")
    {
        var routes = new List<Subnet>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return routes;
        }
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (f.Length < 8
                || !uint.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var dest)
                || !uint.TryParse(f[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask) || mask == 0)
            {
                continue;
            }
            var prefix = System.Numerics.BitOperations.PopCount(mask);
            routes.Add(new Subnet(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(dest), prefix));
        }
        return routes;
    }
}

/// <summary>The addresses of one pool of one network: which are taken, and where the next search starts.</summary>
public sealed class AddressPool
{
    private readonly HashSet<uint> _used = [];
    private uint _next;

    public AddressPool(Subnet subnet, Subnet? range, IPAddress gateway, IEnumerable<IPAddress>? reserved = null)
    {
        if (subnet.PrefixLength > 30)
        {
            throw BerthException.Invalid($"subnet {subnet} is too small: a network needs at least a /30");
        }
        Subnet = subnet;
        Range = range ?? subnet;
        Gateway = gateway;
        _used.Add(Subnet.ToUInt(gateway));
        foreach (var r in reserved ?? [])
        {
            _used.Add(Subnet.ToUInt(r));
        }
        _next = Range.First;
    }

    public Subnet Subnet { get; }

    /// <summary><c>--ip-range</c>: where dynamic addresses come from (the whole subnet when not given).</summary>
    public Subnet Range { get; }

    public IPAddress Gateway { get; }

    public int InUse
    {
        get
        {
            lock (_used)
            {
                return _used.Count;
            }
        }
    }

    /// <summary>Hands out <paramref name="wanted"/> or, without one, the next free address of the range after the
    /// last one given (so a released address is not reused at once, as Docker's allocator does).</summary>
    /// <param name="elsewhere">Addresses other hosts use on the same segment (overlay): never handed out.</param>
    public IPAddress Allocate(IPAddress? wanted = null, IReadOnlySet<uint>? elsewhere = null)
    {
        lock (_used)
        {
            if (wanted is not null)
            {
                var w = Subnet.ToUInt(wanted);
                if (!Subnet.Contains(w) || w == Subnet.First || w == Subnet.Last)
                {
                    throw BerthException.Invalid($"invalid address {wanted}: it does not belong to the network's subnet {Subnet}");
                }
                if (elsewhere?.Contains(w) == true || !_used.Add(w))
                {
                    throw BerthException.Conflict($"Address already in use");
                }
                return wanted;
            }
            var first = Math.Max(Range.First, Subnet.First + 1);
            var last = Math.Min(Range.Last, Subnet.Last - 1);
            var span = (ulong)last - first + 1;
            var start = _next < first || _next > last ? first : _next;
            for (ulong i = 0; i < span; i++)
            {
                var candidate = (uint)(first + ((start - first + i) % span));
                if (elsewhere?.Contains(candidate) != true && _used.Add(candidate))
                {
                    _next = candidate == last ? first : candidate + 1;
                    return Subnet.ToAddress(candidate);
                }
            }
        }
        throw BerthException.Precondition($"no available IPv4 addresses on this network's address pools: {Subnet}");
    }

    /// <summary>Marks an address taken again after a daemon restart; false when it was already.</summary>
    public bool Reserve(IPAddress address)
    {
        lock (_used)
        {
            return _used.Add(Subnet.ToUInt(address));
        }
    }

    public void Release(IPAddress address)
    {
        var a = Subnet.ToUInt(address);
        if (a == Subnet.ToUInt(Gateway))
        {
            return;
        }
        lock (_used)
        {
            _used.Remove(a);
        }
    }
}
