using Berth.Common;
using Berth.Linux;
using Berth.Oci;

namespace Berth.Images;

/// <summary>What a new child image gets: <c>docker commit</c> and each build step.</summary>
public sealed class ImageCommit
{
    /// <summary>The new image's runtime config (the parent's, changed).</summary>
    public required ImageRuntimeConfig Config { get; init; }

    /// <summary>Its history line: <c>created_by</c>, comment; <c>empty_layer</c> is set from <see cref="WriteLayer"/>.
    /// Null for none (the empty image a build's <c>FROM scratch</c> copies into).</summary>
    public required HistoryEntry? History { get; init; }

    /// <summary>Writes the new layer as a tar; null for a step that adds no layer (ENV, CMD, …).</summary>
    public Action<Stream>? WriteLayer { get; init; }

    public string? Author { get; init; }

    public string? Comment { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? BuildKey { get; init; }
}

public sealed partial class ImageService
{
    /// <summary>
    /// Makes a child of <paramref name="parent"/> (null: from scratch): its layers plus the one
    /// <see cref="ImageCommit.WriteLayer"/> writes, the parent's history plus one line. The layer tar streams
    /// through a pipe into the snapshotter and the content store, never into a temporary file.
    /// </summary>
    public ImageRecord Commit(ImageRecord? parent, ImageCommit commit)
    {
        var tags = commit.Tags.Select(Reference.ParseNormalizedTagged).ToList();
        var parentConfig = parent is null ? null : Config(parent);
        var diffIds = parent?.DiffIds.ToList() ?? [];
        var layers = parent is null ? [] : Manifest(parent).Layers.ToList();
        if (parent is not null)
        {
            Unpack(parent);
        }
        var now = FormatTime(DateTimeOffset.UtcNow);
        if (commit.History is { } h)
        {
            h.Created ??= now;
            h.EmptyLayer = commit.WriteLayer is null ? true : null;
        }
        if (commit.WriteLayer is { } write)
        {
            var chains = ChainId.Of(diffIds);
            var (diffId, size) = ApplyWritten(write, chains.Count == 0 ? null : chains[^1]);
            diffIds.Add(diffId.Value);
            layers.Add(new Descriptor { MediaType = MediaTypes.OciLayer, Digest = diffId.Value, Size = size });
        }
        var config = new ImageConfig
        {
            Created = commit.History?.Created ?? now,
            Author = commit.Author,
            Architecture = parentConfig?.Architecture ?? Architecture,
            Os = parentConfig?.Os ?? "linux",
            Variant = parentConfig?.Variant,
            Config = commit.Config,
            Rootfs = new RootFs { DiffIds = diffIds },
            History = commit.History is null ? parentConfig?.History?.ToList() ?? [] : [.. parentConfig?.History ?? [], commit.History],
            Comment = commit.Comment,
        };
        var record = Register(config, layers, tags, parent?.Id ?? "");
        if (commit.BuildKey is not null)
        {
            lock (_lock)
            {
                record.BuildKey = commit.BuildKey;
                Save(record);
            }
        }
        return record;
    }

    /// <summary>The newest image a build step with <paramref name="buildKey"/> made on <paramref name="parentId"/>
    /// (empty: from scratch), if it is still here: the build cache.</summary>
    public ImageRecord? FindBuildStep(string parentId, string buildKey)
    {
        lock (_lock)
        {
            return _images.Values.Where(i => i.Parent == parentId && i.BuildKey == buildKey).MaxBy(i => i.Created);
        }
    }

    /// <summary>The images whose parent is <paramref name="imageId"/>.</summary>
    public IReadOnlyList<ImageRecord> Children(string imageId)
    {
        lock (_lock)
        {
            return _images.Values.Where(i => i.Parent == imageId).ToList();
        }
    }

    private (Digest DiffId, long Size) ApplyWritten(Action<Stream> write, string? parentChain)
    {
        var (readFd, writeFd) = Fs.Pipe();
        using var reader = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(readFd.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 0);
        Exception? failure = null;
        var writer = new Thread(() =>
        {
            try
            {
                using var output = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(writeFd.DangerousGetHandle(), ownsHandle: false), FileAccess.Write, 64 * 1024);
                write(output);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                writeFd.Dispose(); // EOF for the reader, also after a failure
            }
        })
        { IsBackground = true, Name = "layer-diff" };
        writer.Start();
        (Digest, long) result;
        try
        {
            _unpack.Wait();
            try
            {
                result = ApplyLayer(reader, parentChain);
            }
            finally
            {
                _unpack.Release();
            }
        }
        catch
        {
            readFd.Dispose(); // a writer blocked on a full pipe gets EPIPE and ends
            writer.Join();
            if (failure is not null)
            {
                throw failure; // the cause: the tar ended early because writing it failed
            }
            throw;
        }
        readFd.Dispose();
        writer.Join();
        return failure is null ? result : throw failure;
    }
}
