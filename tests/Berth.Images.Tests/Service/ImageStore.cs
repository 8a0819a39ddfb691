using Berth.Content;
using Berth.Metadata;
using Berth.Snapshots;

namespace Berth.Images.Tests.Service;

/// <summary>An ImageService over real stores in a directory: content, overlay snapshots, the metadata database.</summary>
internal sealed class ImageStore : IDisposable
{
    private readonly MetadataStore _metadata;

    public ImageStore(string root)
    {
        Root = root;
        _metadata = new MetadataStore(Path.Join(root, "metadata.db"));
        Snapshots = new OverlaySnapshotter(Path.Join(root, "snapshots"));
        Service = new ImageService(new ContentStore(Path.Join(root, "content")), Snapshots, _metadata, Path.Join(root, "tmp"));
    }

    public string Root { get; }

    public OverlaySnapshotter Snapshots { get; }

    public ImageService Service { get; }

    public int BlobCount => Directory.GetFiles(Path.Join(Root, "content", "blobs", "sha256")).Length;

    public int SnapshotCount => Directory.GetDirectories(Path.Join(Root, "snapshots")).Length;

    /// <summary>Nothing half-made: no ingest, no temporary directory, no extraction snapshot.</summary>
    public void AssertNoLeftovers()
    {
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(Root, "content", "ingest")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(Root, "tmp")));
        Assert.DoesNotContain(Snapshots.List(), s => s.Kind != SnapshotKind.Committed);
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Join(Root, "snapshots")), d => Path.GetFileName(d).StartsWith("tmp-", StringComparison.Ordinal));
    }

    public void Dispose() => _metadata.Dispose();
}
