namespace Berth.Cli.Templates;

/// <summary>Go's invalid <c>reflect.Value</c>: what a missing map key yields; printed as <c>&lt;no value&gt;</c>.</summary>
internal sealed class NoValue
{
    public static readonly NoValue Instance = new();

    private NoValue()
    {
    }

    public override string ToString() => "<no value>";
}
