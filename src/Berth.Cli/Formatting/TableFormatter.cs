using System.Text;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>
/// docker's formatter.Context.Write: a <c>table</c> format gets a header row from the header context and goes
/// through the tabwriter; <c>json</c> means <c>{{json .}}</c>; <c>\t</c> and <c>\n</c> typed literally are expanded.
/// </summary>
internal static class TableFormatter
{
    public static bool IsTable(string format) => format.StartsWith("table", StringComparison.Ordinal);

    /// <summary>The template text docker runs for <paramref name="format"/>.</summary>
    public static string FinalFormat(string format)
    {
        var f = format;
        if (IsTable(f))
        {
            f = f["table".Length..];
        }
        else if (f == "json")
        {
            f = "{{json .}}";
        }
        f = f.Trim(' ');
        return f.Replace("\\t", "\t", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Renders <paramref name="rows"/>; throws <see cref="StatusException"/> for template errors as docker words them.</summary>
    public static string Render(string format, IEnumerable<IFieldSource> rows, IFieldSource header)
    {
        GoTemplate template;
        try
        {
            template = GoTemplate.Parse(FinalFormat(format));
        }
        catch (TemplateException e)
        {
            throw new StatusException("template parsing error: " + e.Message, 1);
        }
        var buffer = new StringBuilder();
        foreach (var row in rows)
        {
            try
            {
                template.Execute(buffer, row);
            }
            catch (TemplateException e)
            {
                throw new StatusException("template parsing error: " + e.Message, 1);
            }
            buffer.Append('\n');
        }
        if (!IsTable(format))
        {
            return buffer.ToString();
        }
        var table = new StringBuilder();
        try
        {
            template.ForHeader().Execute(table, header);
        }
        catch (TemplateException)
        {
            // compat(docker): errors while rendering the header are ignored; what was written stays.
        }
        table.Append('\n').Append(buffer);
        return TabWriter.Format(table.ToString());
    }
}
