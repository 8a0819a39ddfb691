using Berth.Common;

namespace Berth.Images;

/// <summary>OCI chain IDs: the identity of a stack of layers, <c>sha256(parentChain + " " + diffID)</c>.</summary>
public static class ChainId
{
    public static IReadOnlyList<string> Of(IReadOnlyList<string> diffIds)
    {
        var chain = new List<string>(diffIds.Count);
        string? current = null;
        foreach (var diff in diffIds)
        {
            current = current is null ? diff : Digest.Of(current + " " + diff).Value;
            chain.Add(current);
        }
        return chain;
    }
}
