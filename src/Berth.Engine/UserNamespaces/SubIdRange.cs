namespace Berth.Engine.UserNamespaces;

/// <summary>A range of subordinate ids, one line of /etc/subuid or /etc/subgid (<c>NAME:START:COUNT</c>).</summary>
public readonly record struct SubIdRange(uint Start, uint Count)
{
    /// <summary>One past the last id of the range.</summary>
    public ulong End => (ulong)Start + Count;
}
