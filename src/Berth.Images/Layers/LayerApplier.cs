using Berth.Common;
using Berth.Linux;

namespace Berth.Images.Layers;

/// <summary>
/// Unpacks an image layer (a tar changeset, plain or gzip-compressed) onto a directory, as the OCI image spec's
/// "Applying changesets" and Docker describe it, and measures its diffID on the way. Hostile layers are refused:
/// nothing is ever created, changed or removed outside the root.
/// </summary>
public static class LayerApplier
{
    // Large enough that a multi-megabyte file takes a handful of read and write calls.
    private const int BufferSize = 256 * 1024;

    /// <summary>
    /// Applies <paramref name="layer"/> onto <paramref name="root"/> and returns the sha256 of the uncompressed tar
    /// stream (the diffID), its length and its number of entries. When <paramref name="copyTo"/> is given, the
    /// uncompressed stream is also written there, byte for byte. Throws <see cref="BerthException"/> with
    /// <see cref="ErrorKind.InvalidArgument"/> for hostile or malformed input; the root is then partly applied and
    /// the caller discards it.
    /// </summary>
    public static LayerApplyResult Apply(Stream layer, string root, LayerApplyOptions options, Stream? copyTo = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxUncompressedBytes <= 0 || options.MaxEntries <= 0)
        {
            throw BerthException.Invalid("layer limits must be positive");
        }

        using var rootFd = OpenRoot(root);
        return Apply(layer, rootFd, options, copyTo);
    }

    /// <summary>As <see cref="Apply(Stream, string, LayerApplyOptions, Stream?)"/>, onto a directory already open:
    /// the target of <c>docker cp</c>, resolved inside a container's root.</summary>
    internal static LayerApplyResult Apply(Stream layer, SafeFd rootFd, LayerApplyOptions options, Stream? copyTo = null)
    {
        if (options.MaxUncompressedBytes <= 0 || options.MaxEntries <= 0)
        {
            throw BerthException.Invalid("layer limits must be positive");
        }
        using var input = new LayerInput(layer, BufferSize);
        using var tar = LayerCompression.Open(input);
        using var reader = new TarStreamReader(tar, options.MaxUncompressedBytes, copyTo, BufferSize, readAhead: !ReferenceEquals(tar, input), options.ComputeDiffId);
        using var writer = new LayerWriter(rootFd, options);
        long entries = 0;
        while (reader.Next() is { } header)
        {
            if (++entries > options.MaxEntries)
            {
                throw BerthException.Invalid($"layer has more than {options.MaxEntries} entries");
            }
            writer.Apply(header, reader);
        }
        reader.DrainToEnd();
        writer.Finish();
        return new LayerApplyResult(reader.Digest(), reader.Length, entries);
    }

    private static SafeFd OpenRoot(string root)
    {
        try
        {
            return Fs.Open(root, LibC.O_RDONLY | LibC.O_DIRECTORY);
        }
        catch (LinuxException ex) when (ex.Errno == LibC.ENOENT)
        {
            throw BerthException.NotFound($"layer root \"{root}\" does not exist");
        }
        catch (LinuxException ex) when (ex.Errno == LibC.ENOTDIR)
        {
            throw BerthException.Invalid($"layer root \"{root}\" is not a directory");
        }
    }
}
