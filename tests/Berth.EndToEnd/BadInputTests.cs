using System.Text.Json;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>Every bad input gets a clear error: Docker's words on the CLI, an exit code, and the API's
/// <c>{"message": ...}</c> with the right status for clients that speak HTTP themselves.</summary>
[Collection(BerthCollection.Name)]
public sealed class BadInputTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker", "create")]
    [InlineData("berth", "create")]
    [InlineData("docker", "run")]
    [InlineData("berth", "run")]
    public void AnUnknownImageIsNotFound(string client, string verb)
    {
        var result = engine.Cli(client, verb, "--pull", "never", "nosuch-image");

        result.ExpectExit(verb == "run" ? 125 : 1);
        Assert.Contains("No such image: nosuch-image:latest", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker", "logs")]
    [InlineData("berth", "logs")]
    [InlineData("docker", "start")]
    [InlineData("berth", "start")]
    [InlineData("docker", "stop")]
    [InlineData("berth", "stop")]
    [InlineData("docker", "kill")]
    [InlineData("berth", "kill")]
    [InlineData("docker", "wait")]
    [InlineData("berth", "wait")]
    [InlineData("docker", "rm")]
    [InlineData("berth", "rm")]
    public void AnUnknownContainerIsNotFound(string client, string verb)
    {
        var result = engine.Cli(client, verb, "nosuch");

        result.ExpectExit(1);
        Assert.Contains("No such container: nosuch", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ARelativeWorkingDirectoryIsRefusedAtCreate(string client)
    {
        var name = $"relative-workdir-{client}";

        var run = engine.Cli(client, "run", "--name", name, "-w", "relative", "busybox", "pwd");

        run.ExpectExit(125);
        Assert.Contains("the working directory 'relative' is invalid, it needs to be an absolute path", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", engine.Docker("ps", "-aq", "--filter", "name=" + name).Ok());
    }

    [Fact]
    public async Task ARelativeWorkingDirectoryIsABadRequestOverTheApi()
    {
        var response = await engine.Api.PostJsonAsync("/containers/create", "{\"Image\":\"busybox\",\"WorkingDir\":\"app/src\"}");

        Assert.Equal(400, response.Status);
        Assert.Equal("the working directory 'app/src' is invalid, it needs to be an absolute path", Message(response));
    }

    [Fact]
    public async Task MalformedJsonIsABadRequest()
    {
        var response = await engine.Api.PostJsonAsync("/containers/create", "{\"Image\": \"busybox\",");

        Assert.Equal(400, response.Status);
        Assert.False(string.IsNullOrWhiteSpace(Message(response)), response.ToString());
    }

    [Fact]
    public async Task AnUnknownImageIsNotFoundOverTheApi()
    {
        var response = await engine.Api.PostJsonAsync("/containers/create", "{\"Image\":\"nosuch-image\"}");

        Assert.Equal(404, response.Status);
        Assert.Equal("No such image: nosuch-image:latest", Message(response));
    }

    [Fact]
    public async Task ANameInUseIsAConflictOverTheApi()
    {
        var id = engine.Docker("create", "--name", "api-conflict", "busybox").Ok();

        var response = await engine.Api.PostJsonAsync("/containers/create?name=api-conflict", "{\"Image\":\"busybox\"}");

        Assert.Equal(409, response.Status);
        Assert.Equal($"Conflict. The container name \"/api-conflict\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.",
            Message(response));
    }

    [Fact]
    public async Task AnUnknownRouteIsPageNotFound()
    {
        var response = await engine.Api.GetAsync("/v1.41/no/such/route");

        Assert.Equal(404, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("page not found", Message(response));
    }

    [Fact]
    public async Task AnApiVersionTooNewIsABadRequest()
    {
        var response = await engine.Api.GetAsync("/v9.99/version");

        Assert.Equal(400, response.Status);
        Assert.Equal("client version 9.99 is too new. Maximum supported API version is 1.44", Message(response));
    }

    [Fact]
    public async Task PingAnswersWithTheApiHeaders()
    {
        var response = await engine.Api.HeadAsync("/_ping");

        Assert.Equal(200, response.Status);
        Assert.Matches(@"^1\.\d+$", response.Headers["Api-Version"]);
        Assert.Equal("linux", response.Headers["Ostype"]);
        Assert.Equal("false", response.Headers["Docker-Experimental"]);
    }

    /// <summary>The error body's message; fails unless the body is Docker's <c>{"message": "..."}</c>.</summary>
    private static string Message(ApiResponse response)
    {
        Assert.Equal("application/json", response.ContentType);
        using var body = JsonDocument.Parse(response.Body);
        return body.RootElement.GetProperty("message").GetString() ?? "";
    }
}
