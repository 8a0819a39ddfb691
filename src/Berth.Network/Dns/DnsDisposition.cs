namespace Berth.Network.Dns;

/// <summary>What the server does with one incoming message.</summary>
internal enum DnsDisposition
{
    Drop,
    Answered,
    Forward,
}
