namespace Berth.Network.Dns;

/// <summary>One entry of the question section. <see cref="Name"/> is in presentation form, without the trailing dot.</summary>
public readonly record struct DnsQuestion(string Name, DnsType Type, DnsClass Class = DnsClass.IN);
