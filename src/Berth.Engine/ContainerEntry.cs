using Berth.Engine.Model;
using Berth.Runtime.Shim;

namespace Berth.Engine;

/// <summary>The engine's live state of one container beside its persisted record.</summary>
internal sealed class ContainerEntry(Container container)
{
    public Container Container { get; } = container;
    public ContainerStreams Streams { get; } = new();
    /// <summary>Serialises start, stop and remove of this container.</summary>
    public SemaphoreSlim Operation { get; } = new(1, 1);
    public ShimClient? Shim { get; set; }
    public bool Removing { get; set; }
    public List<TaskCompletionSource<ContainerExit>> ExitWaiters { get; } = [];
    public List<TaskCompletionSource<ContainerExit>> RemoveWaiters { get; } = [];
    /// <summary>Completes when the running process has ended and the engine recorded it.</summary>
    public TaskCompletionSource Stopped { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>A restart the policy scheduled and that has not happened yet.</summary>
    public CancellationTokenSource? PendingRestart { get; set; }
    /// <summary>The wait before the last policy restart (the back-off doubles from it).</summary>
    public TimeSpan RestartBackoff { get; set; }
    /// <summary>Its volumes are mounted for it (between a start and the end of that run).</summary>
    public bool VolumesMounted { get; set; }
}

/// <summary>What <c>POST /containers/{id}/wait</c> answers.</summary>
public readonly record struct ContainerExit(int StatusCode, string? Error);
