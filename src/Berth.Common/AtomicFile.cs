namespace Berth.Common;

/// <summary>Writes that a crash cannot tear: temp file in the same directory, fsync, rename.</summary>
public static class AtomicFile
{
    /// <param name="durable">fsync before the rename; false for files that are rebuilt anyway after a crash
    /// (a container's /etc/hosts, a bundle on tmpfs), where the rename alone keeps readers from a torn file.</param>
    public static void Write(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId + "-" + Environment.CurrentManagedThreadId;
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(content);
            f.Flush(flushToDisk: durable);
        }
        File.Move(tmp, path, overwrite: true);
    }

    public static void WriteText(string path, string content, bool durable = true) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(content), durable);
}
