namespace Berth.EndToEnd.Infrastructure;

/// <summary>The tests that share the one berthd of <see cref="BerthEngine"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class BerthCollection : ICollectionFixture<BerthEngine>
{
    public const string Name = "berthd";
}
