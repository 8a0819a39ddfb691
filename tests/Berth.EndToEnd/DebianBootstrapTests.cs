using Berth.EndToEnd.Infrastructure;
using Xunit.Abstractions;

namespace Berth.EndToEnd;

/// <summary>
/// <c>berth image bootstrap debian:bookworm</c>: debootstrap from the Debian mirror this machine's apt uses, the
/// image imported, and a container that runs apt against that mirror through the engine's bridge and masquerade.
/// One bootstrap for the class: the rootfs tar is cached (/var/cache/berth), so only a machine's first run waits
/// for debootstrap (about a minute).
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class DebianBootstrapTests(BerthEngine engine, ITestOutputHelper output)
{
    private const string Image = "debian:bookworm";

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

            var hello = engine.CliWithin(TimeSpan.FromMinutes(5), "docker", "run", "--rm", Image, "sh", "-c",
                "apt-get update && apt-get install -y --no-install-recommends hello && hello").ExpectExit(0);
            Assert.Contains("Hello, world!", hello.Lines);
            output.WriteLine($"apt-get update, install hello and run it: {hello.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
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
