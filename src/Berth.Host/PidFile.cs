using System.Globalization;
using Berth.Common;

namespace Berth.Host;

/// <summary>The daemon's pid file: refuses to start a second daemon on the same one, removed on exit.</summary>
internal sealed class PidFile : IDisposable
{
    private readonly string _path;

    private PidFile(string path) => _path = path;

    public static PidFile Create(string path)
    {
        if (File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
            pid != Environment.ProcessId && Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
        {
            throw new ArgumentException($"pid file found, ensure berthd is not running or delete {path}");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteText(path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return new PidFile(path);
    }

    public void Dispose() => File.Delete(_path);
}
