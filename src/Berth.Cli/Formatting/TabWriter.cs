using System.Text;

namespace Berth.Cli.Formatting;

/// <summary>
/// Go's text/tabwriter for the settings the docker CLI uses (left-aligned, space padding, no flags):
/// tab-terminated cells, columns aligned per block of consecutive lines that have the column, the last cell of a
/// line never padded. compat(docker): tables are <c>NewWriter(out, 10, 1, 3, ' ', 0)</c>, version <c>(20, 1, 1)</c>.
/// </summary>
internal sealed class TabWriter
{
    private readonly int _minWidth;
    private readonly int _padding;
    private readonly List<List<string>> _lines = [];
    private readonly List<int> _widths = [];
    private StringBuilder _out = new();

    public TabWriter(int minWidth, int padding)
    {
        _minWidth = minWidth;
        _padding = padding;
    }

    public static string Format(string text, int minWidth = 10, int padding = 3) => new TabWriter(minWidth, padding).Run(text);

    private string Run(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            _lines.Add([.. line.Split('\t')]);
        }
        _out = new StringBuilder(text.Length * 2);
        FormatBlock(0, _lines.Count);
        return _out.ToString();
    }

    private static int Width(string cell)
    {
        var n = 0;
        for (var i = 0; i < cell.Length; i++)
        {
            if (!char.IsLowSurrogate(cell[i]))
            {
                n++;
            }
        }
        return n;
    }

    private void FormatBlock(int line0, int line1)
    {
        var column = _widths.Count;
        for (var current = line0; current < line1; current++)
        {
            if (column >= _lines[current].Count - 1)
            {
                continue;
            }
            WriteLines(line0, current);
            line0 = current;
            var width = _minWidth;
            for (; current < line1; current++)
            {
                var line = _lines[current];
                if (column >= line.Count - 1)
                {
                    break;
                }
                var w = Width(line[column]) + _padding;
                if (w > width)
                {
                    width = w;
                }
            }
            _widths.Add(width);
            FormatBlock(line0, current);
            _widths.RemoveAt(_widths.Count - 1);
            line0 = current;
        }
        WriteLines(line0, line1);
    }

    private void WriteLines(int line0, int line1)
    {
        for (var i = line0; i < line1; i++)
        {
            var line = _lines[i];
            for (var j = 0; j < line.Count; j++)
            {
                var cell = line[j];
                _out.Append(cell);
                if (j < _widths.Count)
                {
                    _out.Append(' ', Math.Max(0, _widths[j] - Width(cell)));
                }
            }
            if (i + 1 < _lines.Count)
            {
                _out.Append('\n');
            }
        }
    }
}
