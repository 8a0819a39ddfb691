namespace Berth.Distribution.Server;

/// <summary>The actions of the token spec's repository scopes.</summary>
[Flags]
public enum RegistryActions
{
    None = 0,
    Pull = 1,
    Push = 2,
    Delete = 4,
}
