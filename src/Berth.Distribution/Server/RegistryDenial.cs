namespace Berth.Distribution.Server;

/// <summary>A refusal of access: the error (UNAUTHORIZED or DENIED) and the headers to send with it (a
/// <c>WWW-Authenticate</c> challenge).</summary>
public sealed record RegistryDenial(RegistryException Error, IReadOnlyList<KeyValuePair<string, string>> Headers);
