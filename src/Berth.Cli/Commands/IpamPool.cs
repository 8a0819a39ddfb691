namespace Berth.Cli.Commands;

/// <summary>One <c>IPAM.Config</c> entry of <c>network create</c>: a subnet with its range, gateway and auxiliary addresses.</summary>
internal sealed class IpamPool(string subnet)
{
    public string Subnet { get; } = subnet;

    public string IPRange { get; set; } = "";

    public string Gateway { get; set; } = "";

    public Dictionary<string, string> AuxAddresses { get; } = new(StringComparer.Ordinal);
}
