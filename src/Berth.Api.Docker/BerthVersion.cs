namespace Berth.Api.Docker;

/// <summary>The product version reported by <c>/version</c> and the Server header.</summary>
public static class BerthVersion
{
    public static string Version { get; } = typeof(BerthVersion).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.1.0";

    public const string GitCommit = "berth";
}
