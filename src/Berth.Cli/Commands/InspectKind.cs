namespace Berth.Cli.Commands;

/// <summary>Which objects an inspect command looks for.</summary>
internal enum InspectKind
{
    Any,
    Container,
    Image,
    Network,
    Volume,
}
