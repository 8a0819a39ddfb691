using System.Net;
using Berth.Network.Dns;

namespace Berth.Network.Tests.Dns;

/// <summary>Cutting relayed answers to a UDP size without re-encoding them.</summary>
public sealed class DnsTruncationTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(700)]
    [InlineData(1232)]
    public void Whole_records_are_kept_in_order_with_the_opt_record_and_tc(int limit)
    {
        var records = Enumerable.Range(1, 80).Select(i => DnsRecord.Aaaa("big.example", IPAddress.Parse($"2001:db8::{i:x}"))).ToArray();
        var reply = FakeUpstream.ReplyTo(DnsMessage.Query(1, "big.example", DnsType.AAAA, new DnsEdns()), records);
        reply.Authorities.Add(new DnsRecord("example", DnsType.NS, DnsClass.IN, 60, new DnsNameData("ns.example")));
        var bytes = reply.ToArray();
        Assert.True(bytes.Length > limit);

        var n = DnsTruncation.Truncate(bytes, limit);

        Assert.InRange(n, 1, limit);
        Assert.True(DnsMessage.TryParse(bytes.AsSpan(0, n), out var cut));
        Assert.True(cut.IsTruncated);
        Assert.NotNull(cut.Edns);
        Assert.Equal(records[..cut.Answers.Count], cut.Answers);
        Assert.Empty(cut.Authorities);
        // Nothing more would have fit: one more 28-byte AAAA record would pass the limit.
        Assert.True(n + 28 > limit);
    }

    [Fact]
    public void A_message_that_fits_is_left_alone()
    {
        var bytes = FakeUpstream.ReplyTo(DnsMessage.Query(1, "a.example", DnsType.A), DnsRecord.A("a.example", IPAddress.Loopback)).ToArray();
        var copy = (byte[])bytes.Clone();
        Assert.Equal(bytes.Length, DnsTruncation.Truncate(bytes, 512));
        Assert.Equal(copy, bytes);
    }

    [Fact]
    public void A_malformed_message_cannot_be_cut()
    {
        var bytes = new byte[600];
        bytes[5] = 1;
        bytes[7] = 200;
        bytes[12] = 0xC0;
        Assert.Equal(0, DnsTruncation.Truncate(bytes, 512));
    }
}
