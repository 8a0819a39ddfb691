namespace Berth.Cli.Templates;

/// <summary>A parse or execution error, worded like Go's text/template (<c>template: :1: ...</c>).</summary>
internal sealed class TemplateException(string message) : Exception(message);
