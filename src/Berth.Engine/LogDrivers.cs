using Berth.Common;
using Berth.Engine.Model;
using Berth.Runtime.Logging;

namespace Berth.Engine;

/// <summary>The logging drivers a container may ask for: json-file (with Docker's rotation options) and none.</summary>
public static class LogDrivers
{
    public const string JsonFile = "json-file";
    public const string None = "none";

    /// <summary>Docker's built-in drivers this engine does not have.</summary>
    private static readonly HashSet<string> Elsewhere = ["local", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs", "logentries"];

    /// <summary>Checks <c>--log-driver/--log-opt</c> at create, with Docker's messages.</summary>
    public static void Validate(LogConfig config)
    {
        switch (config.Type)
        {
            case "" or JsonFile:
                if (!JsonFileOptions.TryParse(config.Config, out _, out var error))
                {
                    // compat(docker): dockerd checks option names at create and values only when it starts the
                    // logger ("failed to initialize logging driver: …"); Berth refuses both at create, as a 400.
                    throw BerthException.Invalid(error.StartsWith("unknown log opt", StringComparison.Ordinal) ? error : "failed to initialize logging driver: " + error);
                }
                break;
            case None:
                break; // compat(docker): options of the none driver are ignored
            case var other when Elsewhere.Contains(other):
                throw new BerthException(ErrorKind.NotImplemented, $"--log-driver {other}: not supported by this berthd yet (json-file and none are)");
            default:
                // Not a 404: the docker CLI takes a 404 from create for a missing image and tries to pull it.
                throw BerthException.Invalid($"error looking up logging plugin {config.Type}: plugin \"{config.Type}\" not found");
        }
    }

    /// <summary>The rotation the shim applies to a json-file log.</summary>
    public static JsonFileOptions Rotation(LogConfig config) =>
        config.Type is "" or JsonFile && JsonFileOptions.TryParse(config.Config, out var options, out _) ? options : JsonFileOptions.Unlimited;

    /// <summary>Whether the container has a log the engine can read back (<c>docker logs</c>).</summary>
    public static bool Readable(LogConfig config) => config.Type is "" or JsonFile;
}
