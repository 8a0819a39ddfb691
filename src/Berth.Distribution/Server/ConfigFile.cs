using Berth.Common;

namespace Berth.Distribution.Server;

/// <summary>Reads a file named by a flag, failing with one line that names both (and not a runtime resource key:
/// the NativeAOT CLI carries none).</summary>
internal static class ConfigFile
{
    public static string Read(string flag, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw BerthException.Invalid($"{flag} {path}: no such file");
        }
        catch (UnauthorizedAccessException)
        {
            throw BerthException.Invalid($"{flag} {path}: permission denied");
        }
        catch (IOException e)
        {
            throw BerthException.Invalid($"{flag} {path}: cannot be read ({e.GetType().Name})");
        }
    }
}
