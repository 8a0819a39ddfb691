namespace Berth.Cli;

/// <summary>What <c>berth --version</c> and the User-Agent say.</summary>
internal static class BerthInfo
{
    public const string Version = "0.1.0";
}
