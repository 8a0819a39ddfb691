namespace Berth.Cli.Flags;

/// <summary>How a flag takes its value, as pflag's value types do.</summary>
internal enum FlagKind
{
    /// <summary>No value (<c>-d</c>), or <c>--detach=false</c>.</summary>
    Bool,

    /// <summary>One value; the last one given wins.</summary>
    String,

    /// <summary>A value given any number of times (<c>-e A -e B</c>).</summary>
    List,
}
