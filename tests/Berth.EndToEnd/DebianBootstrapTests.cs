using Berth.EndToEnd.Infrastructure;
using Xunit.Abstractions;

namespace Berth.EndToEnd;

/// <summary>
/// <c>berth image bootstrap debian:bookworm</c>: debootstrap from the Debian mirror this machine's apt uses, the
/// image imported, and a `docker build` FROM it whose RUN installs a package with apt from that mirror (through the engine's bridge
/// and masquerade).
/// One bootstrap for the class: the rootfs tar is cached (/var/cache/berth), so only a machine's first run waits
/// for debootstrap (about a minute).
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class DebianBootstrapTests(BerthEngine engine, ITestOutputHelper output)
{
    private const string Image = "debian:bookworm";
    private const string Built = "berth-e2e-debian-hello:latest";

    [Fact]
    public void BootstrappedDebianRunsAndInstallsPackagesFromTheMirror()
    {
        EnsureDebootstrap();
        try
        {
            var bootstrap = engine.CliWithin(TimeSpan.FromMinutes(10), "berth", "image", "bootstrap", Image).ExpectExit(0);
            Assert.Matches("^sha256:[0-9a-f]{64}$", bootstrap.Text);
            // For the suite's time budget: a minute when debootstrap runs, seconds from the cache.
            output.WriteLine($"berth image bootstrap {Image}: {bootstrap.Elapsed.TotalSeconds:F1} s\n{bootstrap.Stderr}");

            Assert.Equal("""["bash"] PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin""",
                engine.Inspect(Image, "{{json .Config.Cmd}} {{join .Config.Env \",\"}}"));
            Assert.StartsWith("Bootstrapped by berth on this machine from debootstrap bookworm", engine.Inspect(Image, "{{.Comment}}"), StringComparison.Ordinal);

            Assert.StartsWith("12.", engine.Docker("run", "--rm", Image, "cat", "/etc/debian_version").Ok(), StringComparison.Ordinal);

            // FROM debian:bookworm with apt-get install, built by the real docker build.
            var context = engine.Scratch("debian-build");
            Directory.CreateDirectory(context);
            File.WriteAllText(Path.Join(context, "Dockerfile"), $"""
                FROM {Image}
                RUN apt-get update && apt-get install -y --no-install-recommends hello && rm -rf /var/lib/apt/lists/*
                CMD ["hello"]
                """);
            var build = engine.CliWithin(TimeSpan.FromMinutes(5), "docker", "build", "-t", Built, context).ExpectExit(0);
            Assert.Contains("Successfully tagged " + Built, build.Lines);
            output.WriteLine($"docker build of FROM debian + apt-get install hello: {build.Elapsed.TotalSeconds:F1} s");
            Assert.Equal("Hello, world!", engine.Docker("run", "--rm", Built).Ok());
        }
        finally
        {
            engine.Docker("rmi", Built);
            engine.Docker("rmi", Image);
        }
    }

    /// <summary>debootstrap is a host tool the bootstrap asks the user to install; the suite installs it as it does
    /// busybox-static.</summary>
    private static void EnsureDebootstrap()
    {
        if (File.Exists("/usr/sbin/debootstrap"))
        {
            return;
        }
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        ProcessRunner.Run("apt-get", ["install", "-y", "-qq", "debootstrap"], env, timeout: TimeSpan.FromMinutes(5));
        if (!File.Exists("/usr/sbin/debootstrap"))
        {
            ProcessRunner.Run("apt-get", ["update", "-qq"], env, timeout: TimeSpan.FromMinutes(5));
            ProcessRunner.Run("apt-get", ["install", "-y", "-qq", "debootstrap"], env, timeout: TimeSpan.FromMinutes(5)).ExpectExit(0);
        }
    }
}
