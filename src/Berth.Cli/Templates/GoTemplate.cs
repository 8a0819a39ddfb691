using System.Text;
using System.Text.Json;

namespace Berth.Cli.Templates;

/// <summary>
/// A parsed Go text/template. compat(docker): <c>--format</c> strings are Go templates evaluated client-side, so
/// this follows text/template's grammar and semantics for the constructs docker users write.
/// </summary>
internal sealed class GoTemplate
{
    private readonly string _text;
    private readonly TemplateNode.List _root;
    private readonly Dictionary<string, TemplateFunction> _functions;

    private GoTemplate(string text, TemplateNode.List root, Dictionary<string, TemplateFunction> functions)
    {
        _text = text;
        _root = root;
        _functions = functions;
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="extra"/> adds functions (like <c>getDetailsOrder</c> of <c>docker version</c>).</summary>
    public static GoTemplate Parse(string text, IReadOnlyDictionary<string, TemplateFunction>? extra = null)
    {
        var functions = new Dictionary<string, TemplateFunction>(TemplateFunctions.Basic, StringComparer.Ordinal);
        if (extra is not null)
        {
            foreach (var (k, v) in extra)
            {
                functions[k] = v;
            }
        }
        var root = TemplateParser.Parse(text, functions.ContainsKey);
        return new GoTemplate(text, root, functions);
    }

    /// <summary>The same template with the table-header functions (docker's <c>HeaderFunctions</c>).</summary>
    public GoTemplate ForHeader()
    {
        var functions = new Dictionary<string, TemplateFunction>(_functions, StringComparer.Ordinal);
        foreach (var (k, v) in TemplateFunctions.Header)
        {
            functions[k] = v;
        }
        return new GoTemplate(_text, _root, functions);
    }

    /// <summary>Runs the template; on error, what was written so far is in <paramref name="output"/>.</summary>
    public void Execute(StringBuilder output, object? data)
    {
        var executor = new TemplateExecutor(_text, _functions, output, data);
        executor.Run(_root);
    }

    public string Execute(object? data)
    {
        var sb = new StringBuilder();
        Execute(sb, data);
        return sb.ToString();
    }

    /// <summary>Runs the template over a parsed JSON document, as docker's raw inspect fallback does.</summary>
    public string Execute(JsonElement data) => Execute((object?)TemplateValues.FromJson(data));
}
