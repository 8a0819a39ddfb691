using Berth.Distribution.Client;

namespace Berth.Build;

/// <summary>What <c>POST /build</c> asks for (the legacy builder's query parameters).</summary>
public sealed class BuildOptions
{
    /// <summary>The Dockerfile's path inside the context (<c>dockerfile=</c>).</summary>
    public string Dockerfile { get; init; } = "Dockerfile";
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary><c>--build-arg</c>: a null value means "take it from the daemon's environment", as Docker's.</summary>
    public IReadOnlyDictionary<string, string?> BuildArgs { get; init; } = new Dictionary<string, string?>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string? Target { get; init; }
    public bool NoCache { get; init; }
    public bool Pull { get; init; }
    public bool Quiet { get; init; }
    /// <summary>Remove intermediate containers after a successful step (<c>rm</c>, default true); a failed step's
    /// container is always removed: a failed build leaves nothing behind.</summary>
    public bool Remove { get; init; } = true;
    /// <summary>The network RUN steps join (<c>networkmode</c>); empty: the default bridge.</summary>
    public string NetworkMode { get; init; } = "";
    public long ShmSize { get; init; }
    public long Memory { get; init; }
    public long MemorySwap { get; init; }
    public long CpuShares { get; init; }
    public string? Platform { get; init; }
    /// <summary>Credentials for pulling base images, by registry (<c>X-Registry-Config</c>).</summary>
    public IReadOnlyDictionary<string, RegistryCredentials> RegistryCredentials { get; init; } = new Dictionary<string, RegistryCredentials>();
    /// <summary>
    /// <c>contextdigests=1</c> (Berth's, sent by <c>berth build</c> only): the client sent its larger files by digest
    /// (a <c>BERTH.sha256</c> record and no data). Their digests are all the cache needs, so the build runs as any
    /// other until a step must read one of them (a COPY or ADD of it that the cache lacks): that ends the build
    /// with <see cref="ContextNeededException"/>, before the step does anything, and the client sends the whole
    /// context. The steps done until then are in the cache.
    /// </summary>
    public bool ContextByDigest { get; init; }

    /// <summary>Largest context accepted, unpacked (bytes).</summary>
    public long MaxContextBytes { get; init; } = 16L << 30;
}

/// <summary>Where a build's messages go: the JSON-lines stream of <c>POST /build</c>.</summary>
public interface IBuildOutput
{
    /// <summary>Text for the client's terminal (<c>{"stream": …}</c>).</summary>
    void Stream(string text);

    /// <summary>The built image's ID (<c>{"aux":{"ID": …}}</c>).</summary>
    void Aux(string imageId);

    /// <summary>The whole context has been read: from now on the client's connection only waits for the answer,
    /// so its closing (Ctrl-C) can be watched for and cancels the build.</summary>
    void ContextReceived()
    {
    }
}

/// <summary>A build that failed at a step: the message Docker prints and the exit code the CLI takes from
/// <c>errorDetail.code</c> (a RUN's exit code; 1 otherwise).</summary>
public sealed class BuildFailedException(string message, int code = 1, Exception? inner = null) : Exception(message, inner)
{
    public int Code { get; } = code;
}

/// <summary>A build from a context sent by digest (<see cref="BuildOptions.ContextByDigest"/>) must read a file whose
/// contents were not sent: the client is to send the whole context.</summary>
public sealed class ContextNeededException(string reason) : Exception(reason);
