using System.Globalization;
using System.Text;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>The part of Go's fmt and strconv that templates reach: <c>printf</c>, <c>%v</c> of floats, <c>strconv.Quote</c>.</summary>
internal static class GoFormat
{
    /// <summary>strconv.FormatFloat for 'g' (precision -1 = shortest), 'f' and 'e'.</summary>
    public static string FormatFloat(double d, char fmt, int prec)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }
        if (double.IsInfinity(d))
        {
            return d > 0 ? "+Inf" : "-Inf";
        }
        if (fmt == 'f')
        {
            return d.ToString("F" + (prec < 0 ? 6 : prec).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }
        var neg = d < 0 || (d == 0 && double.IsNegative(d));
        var (digits, dp) = Decimal(Math.Abs(d), fmt == 'g' && prec < 0 ? -1 : fmt == 'e' ? prec + 1 : prec == 0 ? 1 : prec);
        var sb = new StringBuilder();
        if (neg)
        {
            sb.Append('-');
        }
        var exp = dp - 1;
        var useExp = fmt == 'e';
        if (fmt == 'g')
        {
            var eprec = prec < 0 ? 6 : prec == 0 ? 1 : prec;
            if (prec >= 0 && eprec > digits.Length && digits.Length >= dp)
            {
                eprec = digits.Length;
            }
            useExp = exp < -4 || exp >= eprec;
        }
        if (useExp)
        {
            sb.Append(digits[0]);
            var rest = digits[1..];
            if (fmt == 'e' && prec >= 0)
            {
                rest = rest.PadRight(prec, '0');
            }
            if (rest.Length > 0)
            {
                sb.Append('.').Append(rest);
            }
            sb.Append('e').Append(exp < 0 ? '-' : '+');
            var ae = Math.Abs(exp);
            sb.Append(ae < 10 ? "0" + ae.ToString(CultureInfo.InvariantCulture) : ae.ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        // %f-style with exactly the significant digits.
        if (dp <= 0)
        {
            sb.Append("0.").Append('0', -dp).Append(digits);
        }
        else if (dp >= digits.Length)
        {
            sb.Append(digits).Append('0', dp - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, dp).Append('.').Append(digits, dp, digits.Length - dp);
        }
        return sb.ToString();
    }

    /// <summary>Decimal digits (no leading/trailing zeros) and decimal-point position of <paramref name="d"/>, rounded to <paramref name="sig"/> significant digits (-1: shortest round-trip).</summary>
    private static (string Digits, int Dp) Decimal(double d, int sig)
    {
        if (d == 0)
        {
            return ("0", 1);
        }
        var s = sig < 0 ? d.ToString("E16", CultureInfo.InvariantCulture) : d.ToString("E" + (sig - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (sig < 0)
        {
            // Shortest round-trip digits.
            var r = d.ToString("R", CultureInfo.InvariantCulture);
            s = double.Parse(r, CultureInfo.InvariantCulture).ToString("E" + (CountSignificant(r) - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }
        var e = s.IndexOf('E', StringComparison.Ordinal);
        var mantissa = s[..e].Replace(".", "", StringComparison.Ordinal);
        var exp = int.Parse(s[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        mantissa = mantissa.TrimEnd('0');
        if (mantissa.Length == 0)
        {
            mantissa = "0";
        }
        return (mantissa, exp + 1);
    }

    private static int CountSignificant(string r)
    {
        var e = r.IndexOfAny(['E', 'e']);
        var m = e >= 0 ? r[..e] : r;
        m = m.Replace(".", "", StringComparison.Ordinal).TrimStart('-', '0').TrimEnd('0');
        return Math.Max(1, m.Length);
    }

    /// <summary>Go's strconv.Quote: printable runes stay, the rest is escaped.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append("\\ufffd");
                    }
                    else if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>fmt.Sprintf over template values: verbs s v d q t x X f e g c and %%, with flags, width and precision.</summary>
    public static string Sprintf(string format, IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        var argi = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            i++;
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            bool minus = false, plus = false, zero = false, space = false, sharp = false;
            for (; i < format.Length; i++)
            {
                var f = format[i];
                if (f == '-') { minus = true; }
                else if (f == '+') { plus = true; }
                else if (f == '0') { zero = true; }
                else if (f == ' ') { space = true; }
                else if (f == '#') { sharp = true; }
                else { break; }
            }
            var width = -1;
            var start = i;
            while (i < format.Length && char.IsAsciiDigit(format[i]))
            {
                i++;
            }
            if (i > start)
            {
                width = int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture);
            }
            var prec = -1;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                start = i;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                {
                    i++;
                }
                prec = i > start ? int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture) : 0;
            }
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            var verb = format[i];
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }
            if (argi >= args.Count)
            {
                sb.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }
            var arg = args[argi++];
            var text = FormatOne(verb, arg, prec, plus, space, sharp);
            if (width > text.Length)
            {
                if (minus)
                {
                    text = text.PadRight(width);
                }
                else if (zero && verb is 'd' or 'f' or 'e' or 'g' or 'x' or 'X' && (text.StartsWith('-') || text.StartsWith('+')))
                {
                    text = text[0] + text[1..].PadLeft(width - 1, '0');
                }
                else
                {
                    text = text.PadLeft(width, zero && !minus ? '0' : ' ');
                }
            }
            sb.Append(text);
        }
        if (argi < args.Count)
        {
            sb.Append("%!(EXTRA ");
            for (var k = argi; k < args.Count; k++)
            {
                if (k > argi)
                {
                    sb.Append(", ");
                }
                sb.Append(TemplateValues.TypeName(args[k])).Append('=');
                TemplateValues.Print(sb, args[k]);
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static string FormatOne(char verb, object? arg, int prec, bool plus, bool space, bool sharp)
    {
        switch (verb)
        {
            case 's':
            case 'v':
                {
                    if (verb == 'v' && TemplateValues.TryNumber(arg, out var dv, out var isIntV) && !isIntV && arg is double)
                    {
                        return FormatFloat(dv, 'g', prec);
                    }
                    var s = TemplateValues.Print(arg);
                    if (arg is null)
                    {
                        s = verb == 's' ? "%!s(<nil>)" : "<nil>";
                    }
                    return prec >= 0 && verb == 's' && s.Length > prec ? s[..prec] : s;
                }
            case 'q':
                if (arg is string qs)
                {
                    return sharp && !qs.Contains('`', StringComparison.Ordinal) ? "`" + qs + "`" : Quote(qs);
                }
                if (TemplateValues.TryNumber(arg, out var qn, out var qi) && qi)
                {
                    return "'" + char.ConvertFromUtf32((int)qn) + "'";
                }
                return Quote(TemplateValues.Print(arg));
            case 't':
                return arg is bool b ? (b ? "true" : "false") : "%!t(" + TemplateValues.TypeName(arg) + "=" + TemplateValues.Print(arg) + ")";
            case 'd':
                if (TemplateValues.TryNumber(arg, out var dn, out var di) && di)
                {
                    var l = (long)dn;
                    return (plus && l >= 0 ? "+" : space && l >= 0 ? " " : "") + l.ToString(CultureInfo.InvariantCulture);
                }
                return "%!d(" + TemplateValues.TypeName(arg) + "=" + TemplateValues.Print(arg) + ")";
            case 'c':
                if (TemplateValues.TryNumber(arg, out var cn, out var ci) && ci)
                {
                    return char.ConvertFromUtf32((int)cn);
                }
                return "%!c(" + TemplateValues.TypeName(arg) + "=" + TemplateValues.Print(arg) + ")";
            case 'x':
            case 'X':
                {
                    string hex;
                    if (TemplateValues.TryNumber(arg, out var xn, out var xi) && xi)
                    {
                        var l = (long)xn;
                        hex = (l < 0 ? "-" : "") + (sharp ? "0x" : "") + Math.Abs(l).ToString("x", CultureInfo.InvariantCulture);
                    }
                    else
                    {
                        hex = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(TemplateValues.Print(arg)));
                    }
                    return verb == 'X' ? hex.ToUpperInvariant() : hex;
                }
            case 'f':
            case 'F':
            case 'e':
            case 'g':
                if (TemplateValues.TryNumber(arg, out var fn, out _))
                {
                    var s = verb == 'g' ? FormatFloat(fn, 'g', prec) : FormatFloat(fn, verb == 'e' ? 'e' : 'f', prec < 0 ? 6 : prec);
                    return (plus && fn >= 0 ? "+" : space && fn >= 0 ? " " : "") + s;
                }
                return "%!" + verb + "(" + TemplateValues.TypeName(arg) + "=" + TemplateValues.Print(arg) + ")";
            default:
                return "%!" + verb + "(" + TemplateValues.TypeName(arg) + "=" + TemplateValues.Print(arg) + ")";
        }
    }
}
