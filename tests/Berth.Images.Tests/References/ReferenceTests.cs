using Berth.Common;

namespace Berth.Images.Tests.References;

/// <summary>Docker's distribution/reference grammar and normalisation (<c>ParseNormalizedNamed</c>, <c>FamiliarString</c>).</summary>
public sealed class ReferenceTests
{
    private const string Hex = "b5d6fe0712636ceb7430189de28819e195e8966372edfc2d9409d79402a0dc16";

    public static TheoryData<string, string, string, string> Normalised => new()
    {
        // row, as typed, canonical (tag defaulted), familiar
        { "bare name", "busybox", "docker.io/library/busybox:latest", "busybox:latest" },
        { "name and tag", "busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36" },
        { "upper-case tag", "busybox:LATEST", "docker.io/library/busybox:LATEST", "busybox:LATEST" },
        { "user repository", "foo/bar", "docker.io/foo/bar:latest", "foo/bar:latest" },
        { "explicit docker.io", "docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest" },
        { "explicit library", "docker.io/library/busybox:1", "docker.io/library/busybox:1", "busybox:1" },
        { "legacy index domain", "index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest" },
        { "nested library path", "docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest" },
        { "registry with port", "localhost:5000/a/b:v1", "localhost:5000/a/b:v1", "localhost:5000/a/b:v1" },
        { "localhost", "localhost/x", "localhost/x:latest", "localhost/x:latest" },
        { "dotted domain", "example.com/team/app", "example.com/team/app:latest", "example.com/team/app:latest" },
        { "upper-case domain", "EXAMPLE.com/app", "EXAMPLE.com/app:latest", "EXAMPLE.com/app:latest" },
        { "IPv6 registry", "[::1]:5000/app:v", "[::1]:5000/app:v", "[::1]:5000/app:v" },
        { "separators", "a_b/c__d/e-f/g--h/i.j", "docker.io/a_b/c__d/e-f/g--h/i.j:latest", "a_b/c__d/e-f/g--h/i.j:latest" },
        { "digest only", "busybox@sha256:" + Hex, "docker.io/library/busybox@sha256:" + Hex, "busybox@sha256:" + Hex },
        { "tag and digest", "busybox:1@sha256:" + Hex, "docker.io/library/busybox:1@sha256:" + Hex, "busybox:1@sha256:" + Hex },
        { "registry, port and digest", "localhost:5000/x@sha256:" + Hex, "localhost:5000/x@sha256:" + Hex, "localhost:5000/x@sha256:" + Hex },
        { "128-character tag", "a:" + new string('t', 128), "docker.io/library/a:" + new string('t', 128), "a:" + new string('t', 128) },
    };

    [Theory]
    [MemberData(nameof(Normalised))]
    public void Parses_and_normalises_as_Docker(string row, string text, string canonical, string familiar)
    {
        var r = Reference.ParseNormalizedTagged(text);
        Assert.True(canonical == r.Canonical, $"{row}: {r.Canonical}");
        Assert.Equal(familiar, r.Familiar);
        Assert.Equal(familiar, r.ToString());
        Assert.Equal(r, Reference.ParseNormalizedTagged(r.Canonical));
        Assert.Equal(r, Reference.ParseNormalizedTagged(r.Familiar));
    }

    [Fact]
    public void Parse_keeps_a_missing_tag_missing()
    {
        var r = Reference.Parse("busybox");
        Assert.Null(r.Tag);
        Assert.Null(r.Digest);
        Assert.Equal("docker.io", r.Domain);
        Assert.Equal("library/busybox", r.Path);
        Assert.Equal("docker.io/library/busybox", r.Repository);
        Assert.Equal("busybox", r.FamiliarRepository);
        Assert.Equal("docker.io/library/busybox", r.Canonical);
        Assert.Equal("busybox:2", r.WithTag("2").Familiar);
        var d = Reference.Parse("busybox@sha256:" + Hex);
        Assert.Equal(Digest.Parse("sha256:" + Hex), d.Digest);
        Assert.Null(Reference.ParseNormalizedTagged("busybox@sha256:" + Hex).Tag);
        Assert.Equal("busybox:v", d.WithTag("v").Familiar);
    }

    public static TheoryData<string, string, string> Invalid => new()
    {
        // row, as typed, Docker's message
        { "upper-case name", "Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase" },
        { "upper-case path", "foo/Bar:v1", "invalid reference format: repository name (foo/Bar) must be lowercase" },
        { "upper-case path after a registry", "localhost:5000/App", "invalid reference format: repository name (App) must be lowercase" },
        { "64 hex digits", Hex, $"invalid repository name ({Hex}), cannot specify 64-byte hexadecimal strings" },
        { "empty", "", "invalid reference format" },
        { "empty tag", "busybox:", "invalid reference format" },
        { "tag only", ":latest", "invalid reference format" },
        { "trailing slash", "foo/", "invalid reference format" },
        { "double slash", "foo//bar", "invalid reference format" },
        { "leading dash", "-foo", "invalid reference format" },
        { "three underscores", "a___b", "invalid reference format" },
        { "two dots", "a..b", "invalid reference format" },
        { "space", "busy box", "invalid reference format" },
        { "tag with a space", "busybox:a b", "invalid reference format" },
        { "tag starting with a dot", "busybox:.x", "invalid reference format" },
        { "129-character tag", "a:" + new string('t', 129), "invalid reference format" },
        { "non-ASCII tag", "busybox:tÄg", "invalid reference format" },
        { "non-ASCII name", "bü", "invalid reference format" },
        { "short digest", "busybox@sha256:abc", "invalid reference format" },
        { "upper-case digest", "busybox@sha256:" + Hex.ToUpperInvariant(), "invalid reference format" },
        { "port not a number", "localhost:abc/x", "invalid reference format" },
        { "domain with underscore", "my_registry.com/x", "invalid reference format" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Refuses_with_Dockers_message(string row, string text, string message)
    {
        var e = Assert.Throws<BerthException>(() => Reference.ParseNormalizedTagged(text));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.True(message == e.Message, $"{row}: {e.Message}");
        Assert.False(Reference.TryParse(text, out var r, out var error));
        Assert.Null(r);
        Assert.Equal(message, error);
    }
}
