using System.Text;

namespace Berth.Cli.Templates;

/// <summary>
/// A template receiver with Go methods, like the docker CLI's formatter contexts (<c>.ID</c>, <c>.Label "k"</c>).
/// </summary>
internal interface IFieldSource
{
    /// <summary>Resolves <paramref name="name"/> with its arguments; false when there is no such field or method.</summary>
    bool TryGet(string name, IReadOnlyList<object?> args, out object? value);

    /// <summary>Go's type name, for error messages (<c>*formatter.ContainerContext</c>).</summary>
    string TypeName { get; }

    /// <summary>What <c>{{json .}}</c> prints for this receiver.</summary>
    void WriteJson(StringBuilder sb);
}
