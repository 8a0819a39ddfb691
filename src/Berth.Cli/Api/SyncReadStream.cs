using Berth.Common;

namespace Berth.Cli.Api;

/// <summary>
/// Makes a readable stream (stdin, a file) complete its async reads synchronously, so an upload driven by
/// <see cref="Berth.Http.HttpClientConnection"/> stays on the calling thread.
/// </summary>
internal sealed class SyncReadStream(Stream inner) : ReadOnlyStream
{

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(inner.Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(inner.Read(buffer, offset, count));

}
