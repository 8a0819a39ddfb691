namespace Berth.Common;

/// <summary>Writes that a crash cannot tear: temp file in the same directory, fsync, rename. A failure leaves
/// neither the temp file nor a half-written target.</summary>
public static class AtomicFile
{
    /// <param name="durable">fsync before the rename; false for files that are rebuilt anyway after a crash
    /// (a container's /etc/hosts, a bundle on tmpfs), where the rename alone keeps readers from a torn file.</param>
    public static void Write(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var tmp = TempName(path);
        try
        {
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                f.Write(content);
                f.Flush(flushToDisk: durable);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>Streams <paramref name="content"/> into <paramref name="path"/> (e.g. <c>docker export -o</c>), durably.</summary>
    public static void Write(string path, Stream content, UnixFileMode mode)
    {
        var tmp = TempName(path);
        try
        {
            using (var f = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 1 << 16, UnixCreateMode = mode }))
            {
                content.CopyTo(f, 1 << 16);
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    public static void WriteText(string path, string content, bool durable = true) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(content), durable);

    private static string TempName(string path) => path + ".tmp-" + Environment.ProcessId + "-" + Environment.CurrentManagedThreadId;
}
