namespace Berth.Runtime.Tests.Containers;

/// <summary>Container tests run one at a time: on two cores, parallel containers would only blur the timings and
/// make a slow run look like a hang.</summary>
[CollectionDefinition(Name)]
public sealed class ContainerCollection
{
    public const string Name = "containers";
}
