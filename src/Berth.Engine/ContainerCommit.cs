using Berth.Common;
using Berth.Engine.Model;
using Berth.Images;
using Berth.Images.Archive;
using Berth.Oci;

namespace Berth.Engine;

/// <summary>What <c>docker commit</c> asks for beside the container.</summary>
public sealed class CommitOptions
{
    /// <summary><c>repo[:tag]</c> to tag the image with; null for an untagged image.</summary>
    public string? Reference { get; init; }
    public string? Comment { get; init; }
    public string? Author { get; init; }
    /// <summary>Dockerfile instructions applied to the config (<c>-c 'ENV X=1'</c>).</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];
    /// <summary>Freeze a running container while its layer is read (the default, as Docker's).</summary>
    public bool Pause { get; init; } = true;
    /// <summary>The image config to give the image instead of the container's (a build step sets it).</summary>
    public ImageRuntimeConfig? Config { get; init; }
    /// <summary>The history line's <c>created_by</c>; default: the container's command.</summary>
    public string? CreatedBy { get; init; }
    public string? BuildKey { get; init; }
}

public sealed partial class ContainerService
{
    /// <summary>
    /// <c>POST /commit</c>: the container's writable layer becomes a new layer on its image, its config (with the
    /// changes applied) the image's config. A running container is paused meanwhile unless told otherwise.
    /// </summary>
    public async Task<ImageRecord> CommitAsync(string idOrName, CommitOptions options, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var c = entry.Container;
        var config = options.Config ?? RuntimeConfigOf(c.Config);
        ConfigChanges.Apply(config, options.Changes);
        var paused = false;
        if (options.Pause && c.State.Running && !c.State.Paused)
        {
            await PauseAsync(c.Id, ct).ConfigureAwait(false);
            paused = true;
        }
        try
        {
            var parent = _images.TryResolve(c.Image) ?? throw BerthException.NotFound($"No such image: {c.Image}");
            var image = await Task.Run(() => _images.Commit(parent, new ImageCommit
            {
                Config = config,
                History = new HistoryEntry
                {
                    CreatedBy = options.CreatedBy ?? string.Join(' ', new[] { c.Path }.Concat(c.Args)),
                    Author = options.Author is { Length: > 0 } ? options.Author : null,
                    Comment = options.Comment is { Length: > 0 } ? options.Comment : null,
                },
                WriteLayer = WriteLayerOf(c),
                Author = options.Author is { Length: > 0 } ? options.Author : null,
                Comment = options.Comment is { Length: > 0 } ? options.Comment : null,
                Tags = options.Reference is { Length: > 0 } r ? [r] : [],
                BuildKey = options.BuildKey,
            }), ct).ConfigureAwait(false);
            if (options.BuildKey is null)
            {
                Publish(c, "commit", [new("comment", options.Comment ?? "")]);
            }
            return image;
        }
        finally
        {
            if (paused)
            {
                await UnpauseAsync(c.Id, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes the container's writable layer as a layer tar: the overlay upper directory, or on vfs the
    /// changes against the image's tree.</summary>
    private Action<Stream> WriteLayerOf(Container c)
    {
        if (!_images.Snapshotter.UsesOverlayWhiteouts)
        {
            return output => LayerDiff.WriteChanges(_images.Snapshotter.LayerDirectory(c.Id), Changes(c.Id), output);
        }
        return output => LayerDiff.WriteOverlay(_images.Snapshotter.LayerDirectory(c.Id), InitLayerPaths, output);
    }

    /// <summary>The image config a container's config makes (Docker copies the container's Config).</summary>
    internal static ImageRuntimeConfig RuntimeConfigOf(ContainerConfig c) => new()
    {
        User = c.User,
        ExposedPorts = c.ExposedPorts is null ? null : new(c.ExposedPorts),
        Env = c.Env?.ToList(),
        Entrypoint = c.Entrypoint?.ToList(),
        Cmd = c.Cmd?.ToList(),
        Volumes = c.Volumes is null ? null : new(c.Volumes),
        WorkingDir = c.WorkingDir,
        Labels = c.Labels is null ? null : new(c.Labels),
        StopSignal = c.StopSignal,
        Shell = c.Shell?.ToList(),
        OnBuild = c.OnBuild?.ToList(),
        Healthcheck = c.Healthcheck,
    };
}

/// <summary>A created container's root file system, mounted for a build step's file work (COPY, ADD, WORKDIR).</summary>
public sealed class BuildRootfs(ContainerFs fs, string rootfs)
{
    /// <summary>Paths resolved inside the root: extract, make directories, archive.</summary>
    public ContainerFs Fs { get; } = fs;

    /// <summary>Where the root is mounted on the host (read it only through paths resolved inside it).</summary>
    public string Path { get; } = rootfs;

    /// <summary>A <c>user[:group]</c> as the image's /etc/passwd and /etc/group name it (numbers as they are).</summary>
    public (uint Uid, uint Gid) ResolveUser(string user)
    {
        var u = UserLookup.Resolve(Path, user);
        return (u.Uid, u.Gid);
    }
}

public sealed partial class ContainerService
{
    /// <summary>Runs <paramref name="work"/> over a stopped container's mounted root file system; start, stop and
    /// removal wait meanwhile (the builder copies files into its step containers this way).</summary>
    public Task<T> WithBuildRootfsAsync<T>(string id, Func<BuildRootfs, T> work, CancellationToken ct = default) =>
        WithRootfsAsync(Entry(id), rootfs => Task.Run(() =>
        {
            using var fs = new ContainerFs(rootfs, id);
            return work(new BuildRootfs(fs, rootfs));
        }, ct), ct);
}
