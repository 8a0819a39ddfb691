using Berth.Engine.Model;
using Berth.Images;
using Berth.Volumes;

namespace Berth.Engine;

/// <summary>What <c>docker system df</c> reports: every byte the engine holds, by kind. A kind not asked for is null.</summary>
public sealed record DiskUsageReport(
    long LayersSize,
    IReadOnlyList<ImageUsage>? Images,
    IReadOnlyList<ContainerUsage>? Containers,
    IReadOnlyList<VolumeUsage>? Volumes);

/// <summary>An image, the containers using it, its layers' bytes and those it shares with another image.</summary>
public sealed record ImageUsage(ImageRecord Image, int Containers, long Size, long SharedSize);

/// <summary>A container, its writable layer's bytes, and those plus its image's.</summary>
public sealed record ContainerUsage(Container Container, long SizeRw, long SizeRootFs);

/// <summary>A volume, the containers referring to it, and its bytes (-1 where the driver cannot tell).</summary>
public sealed record VolumeUsage(Volume Volume, int RefCount, long Size);
