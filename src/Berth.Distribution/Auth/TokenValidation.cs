namespace Berth.Distribution.Auth;

/// <summary>The answer of <see cref="RegistryTokens.Validate"/>: the subject (empty: anonymous) and the access a
/// valid token grants, or why it is not valid.</summary>
internal sealed record TokenValidation(bool Valid, string? Reason, string Subject, IReadOnlyList<RegistryScope> Access)
{
    public static TokenValidation Invalid(string reason) => new(false, reason, "", []);
}
