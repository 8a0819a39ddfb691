namespace Berth.Distribution.Auth;

/// <summary>What the <c>Authorization</c> header carries.</summary>
internal enum CredentialKind
{
    None,
    Basic,
    Bearer,
    /// <summary>Malformed, of another scheme, or longer than <see cref="Credentials.MaxHeaderLength"/>: never parsed further.</summary>
    Invalid,
}
