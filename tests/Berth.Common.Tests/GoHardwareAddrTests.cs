namespace Berth.Common.Tests;

/// <summary>Go's net.ParseMAC (what the docker CLI and dockerd read a MAC address with) and HardwareAddr.String.</summary>
public sealed class GoHardwareAddrTests
{
    public static TheoryData<string, string, string?> Addresses => new()
    {
        // row, text, HardwareAddr.String() (null: ParseMAC fails)
        { "colons", "02:42:ac:11:00:05", "02:42:ac:11:00:05" },
        { "colons, upper case", "02:42:AC:11:00:05", "02:42:ac:11:00:05" },
        { "dashes", "02-42-ac-11-00-05", "02:42:ac:11:00:05" },
        { "dots", "0242.ac11.0005", "02:42:ac:11:00:05" },
        { "dots, upper case", "0242.AC11.0005", "02:42:ac:11:00:05" },
        { "EUI-64", "02:42:ac:11:00:05:00:01", "02:42:ac:11:00:05:00:01" },
        { "EUI-64 with dots", "0242.ac11.0005.0001", "02:42:ac:11:00:05:00:01" },
        { "20-octet InfiniBand", "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01", "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01" },
        { "20-octet with dots", "0000.0000.fe80.0000.0000.0000.0200.5e10.0000.0001", "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01" },
        { "five octets", "02:42:ac:11:00", null },
        { "seven octets", "02:42:ac:11:00:05:06", null },
        { "one digit in a group", "02:42:ac:11:00:5", null },
        { "mixed separators", "02:42-ac:11:00:05", null },
        { "dashes then colon", "02-42-ac-11-00:05", null },
        { "not hex", "02:42:ac:11:00:zz", null },
        { "three digits in a dot group", "024.2ac1.1000.5", null },
        { "dots, five octets", "0242.ac11.00", null },
        { "empty", "", null },
        { "words", "not-a-mac-address", null },
        { "a sign where a digit goes", "+2:42:ac:11:00:05", null },
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void ParsesAsGo(string row, string text, string? expected)
    {
        var ok = GoHardwareAddr.TryParse(text, out var address);

        Assert.True(expected is not null == ok, row);
        if (expected is not null)
        {
            Assert.Equal(expected, GoHardwareAddr.Format(address));
        }
    }
}
