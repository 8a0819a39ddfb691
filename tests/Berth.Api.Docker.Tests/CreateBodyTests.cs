using System.Text.Json;
using Berth.Api.Docker.Routes;
using Berth.Common;

namespace Berth.Api.Docker.Tests;

/// <summary>The body of <c>POST /containers/create</c>: JSON that is not an object, or whose fields have the wrong
/// types, is a 400, never an InvalidOperationException or a JsonException out of the handler (found by the create
/// fuzz target, fuzz/).</summary>
public sealed class CreateBodyTests
{
    public static TheoryData<string, string> BadBodies => new()
    {
        { "null", "null" },
        { "an array", "[1]" },
        { "a string", "\"x\"" },
        { "Cmd a number", "{\"Image\":\"x\",\"Cmd\":1}" },
        { "HostConfig field of the wrong type", "{\"Image\":\"x\",\"HostConfig\":{\"Memory\":\"lots\"}}" },
        { "no image", "{\"Cmd\":[\"true\"]}" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void Bad_body_is_invalid_argument(string name, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var e = Assert.Throws<BerthException>(() => ContainerRoutes.ParseCreateBody(doc));
        Assert.True(e.Kind == ErrorKind.InvalidArgument, name);
    }

    [Fact]
    public void Good_body_is_read()
    {
        using var doc = JsonDocument.Parse("{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"Memory\":7340032},\"NetworkingConfig\":{\"EndpointsConfig\":{}}}");
        var (config, host, networking) = ContainerRoutes.ParseCreateBody(doc);
        Assert.Equal("busybox", config.Image);
        Assert.Equal(7340032, host.Memory);
        Assert.NotNull(networking);
    }
}
