namespace Berth.Cli.Bootstrap;

/// <summary>What <c>berth image bootstrap</c> can build: the image, the name it gets by default and, for Debian, the
/// suite debootstrap installs.</summary>
internal sealed record BootstrapTarget(BootstrapKind Kind, string Tag, string? Suite = null)
{
    /// <summary>The names <see cref="Parse"/> accepts, for usage and error text.</summary>
    public const string Choices = "busybox, hello-world or debian:bookworm";

    /// <summary>The target a typed name means, or null. A tag names the image as typed (<c>debian:12</c> stays
    /// <c>debian:12</c>); a bare name takes the usual tag (<c>debian</c> is <c>debian:bookworm</c>).</summary>
    public static BootstrapTarget? Parse(string name) => name switch
    {
        "busybox" or "busybox:latest" => new(BootstrapKind.Busybox, "busybox:latest"),
        "hello-world" or "hello-world:latest" => new(BootstrapKind.HelloWorld, "hello-world:latest"),
        "debian" or "debian:bookworm" => new(BootstrapKind.Debian, "debian:bookworm", "bookworm"),
        "debian:12" => new(BootstrapKind.Debian, "debian:12", "bookworm"),
        _ => null,
    };
}

internal enum BootstrapKind
{
    Busybox,
    HelloWorld,
    Debian,
}
