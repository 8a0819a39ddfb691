namespace Berth.Engine.Model;

/// <summary>What <c>docker top</c> shows: ps's column titles and one row per process of the container.</summary>
public sealed record ContainerTop(IReadOnlyList<string> Titles, IReadOnlyList<IReadOnlyList<string>> Processes);
