namespace Berth.Network.Dns;

/// <summary>What a query turned out to be, before anyone looks at its name.</summary>
internal enum DnsQueryVerdict
{
    /// <summary>Not worth an answer: shorter than a header, or a response (answering those invites loops).</summary>
    Drop,
    FormErr,
    NotImp,
    BadVers,
    Ok,
}
