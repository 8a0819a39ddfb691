using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Berth.Common;

namespace Berth.Images.Layers;

/// <summary>
/// The uncompressed tar stream of a layer, handed out in segments, every byte counted, held to the size limit,
/// hashed and copied as it is read. A compressed layer is read ahead on a worker thread, as containerd runs pigz
/// beside the unpacking: inflating and hashing take about as long as the file system work, and can use the other
/// core. A plain tar is read on the caller's thread; a second thread only costs it the handoffs.
/// </summary>
/// <remarks>
/// Every segment but the last is filled to the brim, and segments are a multiple of 512 bytes: a tar block never
/// straddles two segments, so the reader parses headers in place.
/// </remarks>
internal sealed class TarSource : IDisposable
{
    private const int Depth = 4;

    private readonly Stream _source;
    private readonly Stream? _copyTo;
    private readonly long _limit;
    private readonly IncrementalHash? _hash;
    private readonly BlockingCollection<(ArraySegment<byte> Data, ExceptionDispatchInfo? Error)> _full = new(Depth);
    private readonly BlockingCollection<byte[]> _free = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread? _worker;
    private long _pulled;
    private bool _sourceEnded;
    private long _length;
    private Digest _digest;

    public TarSource(Stream source, long limit, Stream? copyTo, int segmentSize, bool readAhead, bool digest)
    {
        _source = source;
        _hash = digest ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _limit = limit;
        _copyTo = copyTo;
        for (var i = 0; i < (readAhead ? Depth + 2 : 2); i++)
        {
            _free.Add(GC.AllocateUninitializedArray<byte>(segmentSize));
        }
        if (readAhead)
        {
            _worker = new Thread(Run) { IsBackground = true, Name = "berth layer read-ahead" };
            _worker.Start();
        }
    }

    /// <summary>The length of the whole stream, once <see cref="Next"/> has returned its end.</summary>
    public long Length => _length;

    /// <summary>The sha256 of the whole stream, once <see cref="Next"/> has returned its end.</summary>
    public Digest Digest => _digest;

    /// <summary>The next segment; empty at the end of the stream. Throws what reading met: a malformed gzip stream,
    /// the size limit, an I/O error of the source.</summary>
    public ArraySegment<byte> Next()
    {
        if (_worker is null)
        {
            return ReadSegment();
        }
        var (data, error) = _full.Take();
        error?.Throw();
        return data;
    }

    /// <summary>Hands a segment's buffer back once nothing refers to it any more.</summary>
    public void Release(byte[] buffer) => _free.Add(buffer);

    public void Dispose()
    {
        if (_worker is not null)
        {
            // The worker may be blocked on a full queue or inside a read of the source: wake it, and wait for it so
            // that nothing touches the caller's streams once Apply has returned.
            _stop.Cancel();
            _worker.Join();
        }
        _stop.Dispose();
        _full.Dispose();
        _free.Dispose();
        _hash?.Dispose();
    }

    private ArraySegment<byte> ReadSegment()
    {
        if (!_sourceEnded)
        {
            // The reader gives each segment back before asking for the next, so a buffer is always free here.
            var buffer = _free.Take();
            var filled = Fill(buffer);
            if (filled > 0)
            {
                return new ArraySegment<byte>(buffer, 0, filled);
            }
            _free.Add(buffer);
        }
        Complete();
        return ArraySegment<byte>.Empty;
    }

    private void Run()
    {
        try
        {
            while (!_sourceEnded)
            {
                var buffer = _free.Take(_stop.Token);
                var filled = Fill(buffer);
                _stop.Token.ThrowIfCancellationRequested();
                if (filled > 0)
                {
                    _full.Add((new ArraySegment<byte>(buffer, 0, filled), null), _stop.Token);
                }
                else
                {
                    _free.Add(buffer);
                }
            }
            Complete();
            _full.Add((ArraySegment<byte>.Empty, null), _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Dispose asked the worker to stop: nobody is waiting for more.
        }
#pragma warning disable CA1031 // Every failure goes to the consumer thread, which rethrows it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            try
            {
                _full.Add((ArraySegment<byte>.Empty, ExceptionDispatchInfo.Capture(ex)), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Disposed meanwhile: the consumer is gone.
            }
        }
    }

    /// <summary>Fills <paramref name="buffer"/> to the brim, or up to the end of the stream.</summary>
    private int Fill(byte[] buffer)
    {
        var filled = 0;
        while (filled < buffer.Length && !_stop.IsCancellationRequested)
        {
            // Ask for no more than one byte past the limit: a bomb costs no more work than the limit allows.
            var want = (int)Math.Min(buffer.Length - filled, _limit - _pulled + 1);
            var n = ReadSource(buffer, filled, want);
            if (n == 0)
            {
                _sourceEnded = true;
                break;
            }
            _pulled += n;
            if (_pulled > _limit)
            {
                throw BerthException.Invalid($"layer exceeds the size limit of {_limit} bytes");
            }
            _hash?.AppendData(buffer, filled, n);
            _copyTo?.Write(buffer, filled, n);
            filled += n;
        }
        return filled;
    }

    private void Complete()
    {
        _length = _pulled;
        _digest = _hash is null ? default : Digest.FromHash(_hash.GetCurrentHash());
    }

    private int ReadSource(byte[] buffer, int offset, int count)
    {
        try
        {
            return _source.Read(buffer, offset, count);
        }
        catch (InvalidDataException ex)
        {
            throw new BerthException(ErrorKind.InvalidArgument, $"malformed layer: invalid gzip stream: {ex.Message}", ex);
        }
    }
}
