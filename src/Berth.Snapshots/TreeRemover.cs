using System.IO.Enumeration;

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
            // Real directories only: chmod follows a symlink, and a layer's link may point anywhere on the host.
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
            var dirs = new FileSystemEnumerable<string>(path, (ref FileSystemEntry e) => e.ToFullPath(), options)
            {
                ShouldIncludePredicate = (ref FileSystemEntry e) => e.IsDirectory && (e.Attributes & FileAttributes.ReparsePoint) == 0,
                ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
            };
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            foreach (var dir in dirs)
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            Directory.Delete(path, recursive: true);
        }
    }
}
