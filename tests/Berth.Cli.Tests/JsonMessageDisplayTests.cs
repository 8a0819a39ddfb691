using System.Text;
using Berth.Cli.Api;

namespace Berth.Cli.Tests;

/// <summary>How a pull's or push's progress stream is shown: line by line off a terminal, each layer's line rewritten
/// in place on one.</summary>
public sealed class JsonMessageDisplayTests
{
    private const string Pull = """
        {"status":"Pulling from e2e/app","id":"v1"}
        {"status":"Pulling fs layer","progressDetail":{},"id":"aaaaaaaaaaaa"}
        {"status":"Pulling fs layer","progressDetail":{},"id":"bbbbbbbbbbbb"}
        {"status":"Downloading","progressDetail":{"current":5,"total":10},"progress":"[=====>     ] 5B/10B","id":"aaaaaaaaaaaa"}
        {"status":"Pull complete","progressDetail":{},"id":"bbbbbbbbbbbb"}
        {"status":"Digest: sha256:00"}
        """;

    private static string Show(string stream, bool terminal)
    {
        using var output = new MemoryStream();
        JsonMessageDisplay.Display(new MemoryStream(Encoding.UTF8.GetBytes(stream)), output, terminal: terminal);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void OffATerminalEachStatusIsALineAndBarsAreLeftOut() =>
        Assert.Equal("v1: Pulling from e2e/app\naaaaaaaaaaaa: Pulling fs layer\nbbbbbbbbbbbb: Pulling fs layer\nbbbbbbbbbbbb: Pull complete\nDigest: sha256:00\n", Show(Pull, terminal: false));

    [Fact]
    public void OnATerminalALayerKeepsItsLineAndItIsRewrittenInPlace()
    {
        var shown = Show(Pull, terminal: true);

        Assert.Equal(
            "v1: Pulling from e2e/app\n" +
            "\n\u001b[1A\r\u001b[2Kaaaaaaaaaaaa: Pulling fs layer\r\u001b[1B" +
            "\n\u001b[1A\r\u001b[2Kbbbbbbbbbbbb: Pulling fs layer\r\u001b[1B" +
            "\u001b[2A\r\u001b[2Kaaaaaaaaaaaa: Downloading [=====>     ] 5B/10B\r\u001b[2B" +
            "\u001b[1A\r\u001b[2Kbbbbbbbbbbbb: Pull complete\r\u001b[1B" +
            "Digest: sha256:00\n",
            shown);
    }
}
