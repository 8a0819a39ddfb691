using System.Text.Json;
using Berth.Common;
using Berth.Linux;
using Berth.Runtime.Shim;

namespace Berth.Runtime;

/// <summary>
/// The daemon's door to the runtime: starts a shim for a bundle and hands back a client for it. The bundle is an
/// OCI bundle (config.json with root.path already populated); the runtime knows nothing of images.
/// </summary>
public sealed class ContainerRuntime(string runtimeBinary)
{
    /// <summary>Path of the <c>berth-runtime</c> executable (shim and init).</summary>
    public string RuntimeBinary { get; } = runtimeBinary;

    /// <summary>Starts the shim and waits until it has created the container (process exists, not yet exec'd).</summary>
    public async Task<(ShimClient Client, ShimReady Ready)> CreateAsync(ShimOptions options, CancellationToken ct = default)
    {
        var (readyRead, readyWrite) = Fs.Pipe();
        using (readyRead)
        {
            using (readyWrite)
            using (var devnull = Fs.Open("/dev/null", LibC.O_RDWR))
            using (var shimLog = Fs.Open(Path.Join(options.Bundle, "shim.log"), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND, 0x180))
            {
                Spawner.Spawn(new SpawnRequest
                {
                    Path = RuntimeBinary,
                    Args = ["berth-runtime", .. options.ToArgs()],
                    Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                    Fds = new Dictionary<int, System.Runtime.InteropServices.SafeHandle>
                    {
                        [0] = devnull,
                        [1] = shimLog,
                        [2] = shimLog,
                        [ShimServer.ReadyFd] = readyWrite,
                    },
                    NewSession = true,
                    Detached = true,
                    WorkingDirectory = "/",
                });
            }
            var bytes = await Task.Run(() => ReadToEnd(readyRead), ct).ConfigureAwait(false);
            if (bytes.Length == 0)
            {
                throw new BerthException(ErrorKind.Unknown, "shim exited without reporting; see " + Path.Join(options.Bundle, "shim.log"));
            }
            var ready = JsonSerializer.Deserialize(bytes, ShimJson.Default.ShimReady)!;
            if (ready.Error is not null)
            {
                throw new BerthException(ErrorKind.Unknown, ready.Error);
            }
            return (new ShimClient(options.Socket), ready);
        }
    }

    private static byte[] ReadToEnd(SafeFd fd)
    {
        var ms = new MemoryStream();
        var buf = new byte[4096];
        int n;
        while ((n = Fs.Read(fd, buf)) > 0)
        {
            ms.Write(buf, 0, n);
        }
        return ms.ToArray();
    }

    /// <summary>The exit a shim recorded, if the container has ended (readable with no shim alive).</summary>
    public static ExitRecord? ReadExit(string bundle)
    {
        var path = Path.Join(bundle, "exit.json");
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ShimJson.Default.ExitRecord) : null;
    }
}
