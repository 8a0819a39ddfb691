namespace Berth.Network.Dns;

/// <summary>
/// Cuts a relayed response down to a UDP size limit in place, at record boundaries, without re-encoding it:
/// the question stays, whole records are kept in order while they fit, the OPT record is kept (RFC 6891 §7) and TC is set.
/// Working on the bytes leaves every type, known or not, exactly as upstream sent it.
/// </summary>
internal static class DnsTruncation
{
    /// <summary>The new length (≤ <paramref name="limit"/>), or 0 when the message cannot be walked or its question alone is too large.</summary>
    public static int Truncate(Span<byte> message, int limit)
    {
        if (message.Length <= limit)
        {
            return message.Length;
        }
        if (message.Length < DnsWire.HeaderLength)
        {
            return 0;
        }
        var offset = DnsWire.HeaderLength;
        for (var i = DnsWire.Count(message, 0); i > 0; i--)
        {
            if (!DnsName.TrySkip(message, ref offset) || (offset += 4) > message.Length)
            {
                return 0;
            }
        }
        var questionEnd = offset;
        if (questionEnd > limit)
        {
            return 0;
        }
        int an = DnsWire.Count(message, 1);
        int ns = DnsWire.Count(message, 2);
        int ar = DnsWire.Count(message, 3);
        var total = an + ns + ar;

        // First walk: every record must be sound, and the OPT record is located.
        int optIndex = -1, optStart = 0, optEnd = 0;
        for (var i = 0; i < total; i++)
        {
            var start = offset;
            if (!DnsWire.TrySkipRecord(message, ref offset, out var type))
            {
                return 0;
            }
            if (type == DnsType.OPT && i >= an + ns && optIndex < 0)
            {
                (optIndex, optStart, optEnd) = (i, start, offset);
            }
        }
        var optLength = optEnd - optStart;
        if (optIndex >= 0 && questionEnd + optLength > limit)
        {
            optIndex = -1;
            optLength = 0;
        }

        // Second walk: the longest prefix of records that fits, leaving room for OPT when it lies beyond the cut.
        offset = questionEnd;
        var cut = questionEnd;
        var kept = 0;
        for (var i = 0; i < total; i++)
        {
            DnsWire.TrySkipRecord(message, ref offset, out _);
            var room = optIndex > i ? optLength : 0;
            if (offset + room > limit)
            {
                break;
            }
            cut = offset;
            kept++;
        }
        int keptAn = Math.Min(kept, an);
        int keptNs = Math.Min(kept - keptAn, ns);
        var keptAr = kept - keptAn - keptNs;
        if (optIndex >= kept)
        {
            message[optStart..optEnd].CopyTo(message[cut..]);
            cut += optLength;
            keptAr++;
        }
        DnsWire.SetCount(message, 1, (ushort)keptAn);
        DnsWire.SetCount(message, 2, (ushort)keptNs);
        DnsWire.SetCount(message, 3, (ushort)keptAr);
        message[2] |= DnsWire.FlagTc >> 8;
        return cut;
    }
}
