namespace Berth.Snapshots;

/// <summary>Deletes a tree that may hold read-only directories, device nodes and overlay whiteouts.</summary>
internal static class TreeRemover
{
    public static void Remove(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // A directory without write permission (mode 0555 in an image) refuses the unlink of its children.
            foreach (var dir in Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            Directory.Delete(path, recursive: true);
        }
    }
}
