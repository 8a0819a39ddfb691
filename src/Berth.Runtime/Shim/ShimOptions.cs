using System.Globalization;
using Berth.Runtime.Logging;

namespace Berth.Runtime.Shim;

/// <summary>The shim's command line: <c>berth-runtime shim --id ID --bundle DIR --socket PATH --log FILE
/// [--log-max-size BYTES --log-max-files N] [--runtime berth|PATH] [--runtime-root DIR] [--stdin]</c>.</summary>
public sealed class ShimOptions
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public required string Socket { get; init; }
    public string? LogPath { get; init; }
    /// <summary>Rotation of the json-file log (<c>--log-opt max-size/max-file</c>).</summary>
    public JsonFileOptions LogRotation { get; init; } = JsonFileOptions.Unlimited;
    /// <summary><c>berth</c> for Berth's own runtime, or the path of an OCI runtime CLI such as runc.</summary>
    public string Runtime { get; init; } = "berth";
    public string? RuntimeRoot { get; init; }
    public bool OpenStdin { get; init; }

    public bool IsBerth => Runtime == "berth";

    public IEnumerable<string> ToArgs()
    {
        yield return "shim";
        yield return "--id"; yield return Id;
        yield return "--bundle"; yield return Bundle;
        yield return "--socket"; yield return Socket;
        if (LogPath is not null)
        {
            yield return "--log"; yield return LogPath;
        }
        if (LogRotation.MaxSize > 0)
        {
            yield return "--log-max-size"; yield return LogRotation.MaxSize.ToString(CultureInfo.InvariantCulture);
            yield return "--log-max-files"; yield return LogRotation.MaxFiles.ToString(CultureInfo.InvariantCulture);
        }
        yield return "--runtime"; yield return Runtime;
        if (RuntimeRoot is not null)
        {
            yield return "--runtime-root"; yield return RuntimeRoot;
        }
        if (OpenStdin)
        {
            yield return "--stdin";
        }
    }

    public static ShimOptions Parse(IReadOnlyList<string> args)
    {
        string? id = null, bundle = null, socket = null, log = null, runtime = null, root = null;
        var stdin = false;
        long maxSize = -1;
        var maxFiles = 1;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--id": id = Next(); break;
                case "--bundle": bundle = Next(); break;
                case "--socket": socket = Next(); break;
                case "--log": log = Next(); break;
                case "--log-max-size": maxSize = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--log-max-files": maxFiles = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--runtime": runtime = Next(); break;
                case "--runtime-root": root = Next(); break;
                case "--stdin": stdin = true; break;
                default: throw new ArgumentException($"unknown shim flag {args[i]}");
            }
        }
        return new ShimOptions
        {
            Id = id ?? throw new ArgumentException("--id is required"),
            Bundle = bundle ?? throw new ArgumentException("--bundle is required"),
            Socket = socket ?? throw new ArgumentException("--socket is required"),
            LogPath = log,
            LogRotation = new JsonFileOptions(maxSize, maxFiles),
            Runtime = runtime ?? "berth",
            RuntimeRoot = root,
            OpenStdin = stdin,
        };
    }
}
