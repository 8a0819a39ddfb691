using Berth.Engine;
using Berth.Images;

namespace Berth.Api.Docker;

/// <summary>What the API serves from: the engine's services and facts about this daemon.</summary>
public sealed class EngineServices
{
    public required ContainerService Containers { get; init; }
    public required ImageService Images { get; init; }
    public required NetworkService Networks { get; init; }
    public required Berth.Volumes.VolumeService Volumes { get; init; }
    public required Berth.Build.Builder Builder { get; init; }
    public required EngineOptions Options { get; init; }
    public required string DaemonId { get; init; }
    public bool Debug { get; init; }
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;
}
