using Berth.Cli.Commands;

namespace Berth.Cli.Tests;

/// <summary>--detach-keys as the docker CLI reads it.</summary>
public sealed class DetachKeysTests
{
    [Theory]
    [InlineData(null, new byte[] { 16, 17 })]
    [InlineData("", new byte[] { 16, 17 })]
    [InlineData("ctrl-a,x", new byte[] { 1, (byte)'x' })]
    [InlineData("ctrl-@,ctrl-[,ctrl-_", new byte[] { 0, 27, 31 })]
    public void KeysAreRead(string? spec, byte[] expected) => Assert.Equal(expected, AttachSession.ParseDetachKeys(spec));

    [Theory]
    [InlineData("ctrl-1")]
    [InlineData("ab")]
    public void ABadSequenceIsRefused(string spec) =>
        Assert.Equal($"Invalid detach keys ({spec}) provided", Assert.Throws<StatusException>(() => AttachSession.ParseDetachKeys(spec)).Message);
}
