namespace Berth.EndToEnd.Infrastructure;

/// <summary>One Engine API answer: status, headers (names compared case-insensitively) and body.</summary>
public sealed record ApiResponse(int Status, IReadOnlyDictionary<string, string> Headers, string ContentType, string Body)
{
    public override string ToString() => $"HTTP {Status} ({ContentType})\n{string.Join('\n', Headers.Select(h => $"{h.Key}: {h.Value}"))}\n\n{Body}";
}
