using System.Net;
using Berth.Network.Dns;

namespace Berth.Network.Tests.Dns;

/// <summary>Parsing and writing messages (RFC 1035 §4, RFC 3596, RFC 2782, RFC 6891), and surviving hostile bytes.</summary>
public sealed class DnsMessageTests
{
    public static TheoryData<string, DnsRecord> Records => new()
    {
        { "A", DnsRecord.A("web.example.com", IPAddress.Parse("172.18.0.2")) },
        { "AAAA", DnsRecord.Aaaa("web.example.com", IPAddress.Parse("fd00::2")) },
        { "PTR", DnsRecord.Ptr("2.0.18.172.in-addr.arpa", "web.mynet") },
        { "CNAME", DnsRecord.Cname("www.example.com", "web.example.com") },
        { "NS", new DnsRecord("example.com", DnsType.NS, DnsClass.IN, 3600, new DnsNameData("ns1.example.com")) },
        { "MX", new DnsRecord("example.com", DnsType.MX, DnsClass.IN, 300, new DnsMxData(10, "mail.example.com")) },
        { "SRV", new DnsRecord("_http._tcp.example.com", DnsType.SRV, DnsClass.IN, 60, new DnsSrvData(1, 5, 8080, "web.example.com")) },
        { "SOA", new DnsRecord("example.com", DnsType.SOA, DnsClass.IN, 60, new DnsSoaData("ns1.example.com", "hostmaster.example.com", 2024010101, 7200, 900, 1209600, 300)) },
        { "TXT kept raw", new DnsRecord("example.com", DnsType.TXT, DnsClass.IN, 60, new DnsRawData(new byte[] { 5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' })) },
        { "unknown type kept raw", new DnsRecord("example.com", (DnsType)65280, (DnsClass)42, 1, new DnsRawData(new byte[] { 1, 2, 3 })) },
        { "escaped labels", DnsRecord.Cname("a\\.b.c\\\\d.\\000x.example", "\\255.example") },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Records_survive_a_round_trip_with_and_without_compression(string kind, DnsRecord record)
    {
        foreach (var compress in new[] { true, false })
        {
            var m = FakeUpstream.ReplyTo(DnsMessage.Query(0x1234, record.Name, record.Type), record, record);
            m.Authorities.Add(record);
            m.Additionals.Add(record);
            Assert.True(DnsMessage.TryParse(m.ToArray(compress), out var back), kind);
            Assert.Equal(0x1234, back.Id);
            Assert.True(back.IsResponse);
            Assert.Equal(m.Questions, back.Questions);
            Assert.Equal([record, record], back.Answers);
            Assert.Equal([record], back.Authorities);
            Assert.Equal([record], back.Additionals);
        }
    }

    [Fact]
    public void Header_flags_and_edns_survive_a_round_trip()
    {
        var m = new DnsMessage
        {
            Id = 0xBEEF,
            IsResponse = true,
            Opcode = DnsOpcode.Notify,
            IsAuthoritative = true,
            IsTruncated = true,
            RecursionDesired = true,
            RecursionAvailable = true,
            AuthenticData = true,
            CheckingDisabled = true,
            ResponseCode = DnsResponseCode.BadVers,
            Edns = new DnsEdns { UdpPayloadSize = 1232, Version = 0, DnssecOk = true, Options = new byte[] { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 } },
        };
        Assert.True(DnsMessage.TryParse(m.ToArray(), out var back));
        Assert.Equal((m.Id, m.IsResponse, m.Opcode, m.IsAuthoritative, m.IsTruncated, m.RecursionDesired, m.RecursionAvailable, m.AuthenticData, m.CheckingDisabled, m.ResponseCode),
            (back.Id, back.IsResponse, back.Opcode, back.IsAuthoritative, back.IsTruncated, back.RecursionDesired, back.RecursionAvailable, back.AuthenticData, back.CheckingDisabled, back.ResponseCode));
        Assert.NotNull(back.Edns);
        Assert.Equal(1232, back.Edns.UdpPayloadSize);
        Assert.True(back.Edns.DnssecOk);
        Assert.Equal(m.Edns.Options.ToArray(), back.Edns.Options.ToArray());
    }

    [Fact]
    public void Compression_points_repeated_names_at_their_first_occurrence()
    {
        var query = DnsMessage.Query(1, "web.example.com", DnsType.A);
        var m = FakeUpstream.ReplyTo(query, DnsRecord.A("web.example.com", IPAddress.Parse("10.0.0.1")), DnsRecord.A("db.example.com", IPAddress.Parse("10.0.0.2")));
        var compressed = m.ToArray(compress: true);
        var plain = m.ToArray(compress: false);
        Assert.True(compressed.Length < plain.Length);
        // The first answer's owner is a pointer to the question's name at offset 12.
        var firstAnswer = 12 + "web.example.com".Length + 2 + 4;
        Assert.Equal(new byte[] { 0xC0, 12 }, compressed[firstAnswer..(firstAnswer + 2)]);
        Assert.True(DnsMessage.TryParse(compressed, out var a));
        Assert.True(DnsMessage.TryParse(plain, out var b));
        Assert.Equal(b.Answers, a.Answers);
        Assert.Equal("db.example.com", a.Answers[1].Name);
    }

    public static TheoryData<string, byte[]> HostileNames => new()
    {
        { "pointer to itself", Question(0xC0, 12) },
        { "pointer forward", Question(0xC0, 14, 0, 0, 1, 0, 1) },
        { "pointer past the end", Question(0xC0, 0xFF) },
        { "pointer into its own labels (a loop)", Question(1, (byte)'a', 0xC0, 12) },
        { "two pointers chasing each other", [.. Header(qd: 1), 1, (byte)'a', 0xC0, 16, 1, (byte)'b', 0xC0, 12, 0, 1, 0, 1] },
        { "half a pointer", Question(0xC0) },
        { "label running off the end", Question(10, (byte)'a', (byte)'b') },
        { "extended label type 01", Question(0x41, 0) },
        { "extended label type 10", Question(0x81, 0) },
        { "name longer than 255 bytes", Question([.. Enumerable.Repeat<byte[]>([63, .. new byte[63]], 5).SelectMany(x => x), 0]) },
        { "no terminating zero", Question(3, (byte)'w', (byte)'e', (byte)'b') },
        { "question without type and class", [.. Header(qd: 1), 0] },
        { "counts larger than the message", [.. Header(qd: 1, an: 0xFFFF), 0, 0, 1, 0, 1] },
        { "shorter than a header", [0, 1, 2, 3, 4] },
        { "record data running off the end", [.. Header(qd: 0, an: 1), 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0] },
        { "A with five bytes of data", [.. Header(qd: 0, an: 1), 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 10, 0, 0, 1, 9] },
        { "two OPT records", [.. Header(qd: 0, ar: 2), .. Opt(), .. Opt()] },
        { "OPT in the answer section", [.. Header(qd: 0, an: 1), .. Opt()] },
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Hostile_messages_are_rejected_without_throwing(string kind, byte[] message) =>
        Assert.False(DnsMessage.TryParse(message, out _), kind);

    [Fact]
    public void A_chain_of_backward_pointers_is_followed()
    {
        // "c" at 12, "b" + ptr(12) at 19, "a" + ptr(19) at 27: every pointer aims before its own segment.
        byte[] m = [.. Header(qd: 3), 1, (byte)'c', 0, 0, 1, 0, 1, 1, (byte)'b', 0xC0, 12, 0, 1, 0, 1, 1, (byte)'a', 0xC0, 19, 0, 1, 0, 1];
        Assert.True(DnsMessage.TryParse(m, out var parsed));
        Assert.Equal(["c", "b.c", "a.b.c"], parsed.Questions.Select(q => q.Name));
    }

    [Fact]
    public void Every_prefix_of_a_message_parses_or_fails_cleanly()
    {
        var query = DnsMessage.Query(7, "web.example.com", DnsType.SRV, new DnsEdns());
        var m = FakeUpstream.ReplyTo(query, new DnsRecord("web.example.com", DnsType.SRV, DnsClass.IN, 1, new DnsSrvData(1, 1, 80, "web.example.com")), DnsRecord.A("web.example.com", IPAddress.Loopback));
        var bytes = m.ToArray();
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.False(DnsMessage.TryParse(bytes.AsSpan(0, n), out _), $"prefix of {n} bytes");
        }
        Assert.True(DnsMessage.TryParse(bytes, out _));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(20240601);
        var valid = FakeUpstream.ReplyTo(DnsMessage.Query(7, "a.b.example.com", DnsType.A), DnsRecord.A("a.b.example.com", IPAddress.Loopback)).ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.Next(0, 600)];
                random.NextBytes(bytes);
            }
            else
            {
                // A valid message with a few bytes flipped reaches deeper into the parser.
                bytes = (byte[])valid.Clone();
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
            }
            _ = DnsMessage.TryParse(bytes, out _);
        }
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a\\")]
    [InlineData("a\\25")]
    [InlineData("a\\256")]
    [InlineData("caf\u00e9")]
    public void Invalid_names_are_refused_on_write(string name) =>
        Assert.Throws<ArgumentException>(() => DnsMessage.Query(1, name, DnsType.A).ToArray());

    [Fact]
    public void Labels_and_names_at_their_limits()
    {
        var label63 = new string('x', 63);
        var longest = string.Join('.', label63, label63, label63, new string('y', 61));
        Assert.True(DnsMessage.TryParse(DnsMessage.Query(1, longest, DnsType.A).ToArray(), out var parsed));
        Assert.Equal(longest, parsed.Questions[0].Name);
        Assert.Throws<ArgumentException>(() => DnsMessage.Query(1, longest + "y", DnsType.A).ToArray());
        Assert.Throws<ArgumentException>(() => DnsMessage.Query(1, new string('x', 64), DnsType.A).ToArray());
    }

    [Fact]
    public void A_trailing_dot_and_the_root_are_accepted()
    {
        Assert.True(DnsMessage.TryParse(DnsMessage.Query(1, "example.com.", DnsType.A).ToArray(), out var m));
        Assert.Equal("example.com", m.Questions[0].Name);
        Assert.True(DnsMessage.TryParse(DnsMessage.Query(1, "", DnsType.NS).ToArray(), out var root));
        Assert.Equal("", root.Questions[0].Name);
    }

    [Fact]
    public void A_message_that_does_not_fit_is_not_written()
    {
        var m = DnsMessage.Query(1, "example.com", DnsType.A);
        Assert.False(m.TryWrite(new byte[20], out var n));
        Assert.Equal(0, n);
    }

    internal static byte[] Header(ushort id = 0x4242, ushort flags = 0x0100, ushort qd = 1, ushort an = 0, ushort ns = 0, ushort ar = 0) =>
        [(byte)(id >> 8), (byte)id, (byte)(flags >> 8), (byte)flags, (byte)(qd >> 8), (byte)qd, (byte)(an >> 8), (byte)an, (byte)(ns >> 8), (byte)ns, (byte)(ar >> 8), (byte)ar];

    /// <summary>A header with one question whose name is <paramref name="name"/>, type A class IN.</summary>
    private static byte[] Question(params byte[] name) => [.. Header(qd: 1), .. name, 0, 1, 0, 1];

    private static byte[] Opt() => [0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0];
}
