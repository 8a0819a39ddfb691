namespace Berth.Cli.Templates;

/// <summary>A function callable from a template; throws <see cref="TemplateException"/> with Go's wording on misuse.</summary>
internal delegate object? TemplateFunction(IReadOnlyList<object?> args);
