using System.Text;
using System.Text.Json;

namespace Berth.Cli.Templates;

/// <summary>Evaluates a template tree the way Go's text/template/exec.go does.</summary>
internal sealed class TemplateExecutor
{
    private static readonly object Unset = new();

    /// <summary>The docker API types' Go fields whose JSON keys are spelled otherwise.</summary>
    private static readonly Dictionary<string, string> GoFieldJsonKeys = new(StringComparer.Ordinal)
    {
        ["ID"] = "Id",
        ["APIVersion"] = "ApiVersion",
    };

    /// <summary>
    /// compat(docker): omitempty string fields of the API types (network IPAMConfig, EndpointIPAMConfig), which
    /// daemons leave out but a typed run prints as "" (<c>{{range .IPAM.Config}}{{.Gateway}}{{end}}</c> on bridge).
    /// </summary>
    private static readonly HashSet<string> OmittedStringFields = new(StringComparer.Ordinal)
    {
        "Subnet", "IPRange", "Gateway", "IPv4Address", "IPv6Address",
    };

    private readonly string _text;
    private readonly Dictionary<string, TemplateFunction> _functions;
    private readonly StringBuilder _out;
    private readonly List<(string Name, object? Value)> _vars = [];

    public TemplateExecutor(string text, Dictionary<string, TemplateFunction> functions, StringBuilder output, object? data)
    {
        _text = text;
        _functions = functions;
        _out = output;
        _vars.Add(("$", data));
    }

    private sealed class BreakSignal : Exception;

    private sealed class ContinueSignal : Exception;

    public void Run(TemplateNode.List root) => Walk(_vars[0].Value, root);

    private TemplateException Error(TemplateNode node, string message)
    {
        var pos = Math.Min(node.Pos, _text.Length);
        var before = _text.AsSpan(0, pos);
        var nl = before.LastIndexOf('\n');
        var line = 1 + before.Count('\n');
        var col = nl < 0 ? pos : pos - nl - 1;
        return new TemplateException($"template: :{line}:{col}: executing \"\" at <{node}>: {message}");
    }

    private void Walk(object? dot, TemplateNode node)
    {
        switch (node)
        {
            case TemplateNode.List list:
                foreach (var n in list.Nodes)
                {
                    Walk(dot, n);
                }
                break;
            case TemplateNode.Text text:
                _out.Append(text.Value);
                break;
            case TemplateNode.Action action:
                {
                    var val = EvalPipeline(dot, action.Pipe);
                    if (action.Pipe.Decl.Count == 0)
                    {
                        TemplateValues.Print(_out, val);
                    }
                    break;
                }
            case TemplateNode.Branch branch:
                WalkBranch(dot, branch);
                break;
            case TemplateNode.Break:
                throw new BreakSignal();
            case TemplateNode.Continue:
                throw new ContinueSignal();
        }
    }

    private void WalkBranch(object? dot, TemplateNode.Branch b)
    {
        var mark = _vars.Count;
        try
        {
            if (b.Keyword == "range")
            {
                WalkRange(dot, b);
                return;
            }
            var val = EvalPipeline(dot, b.Pipe);
            if (TemplateValues.IsTrue(val))
            {
                Walk(b.Keyword == "with" ? val : dot, b.Body);
            }
            else if (b.Else is not null)
            {
                Walk(dot, b.Else);
            }
        }
        finally
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
        }
    }

    private void WalkRange(object? dot, TemplateNode.Branch b)
    {
        var val = EvalPipeline(dot, b.Pipe);
        var items = new List<(object? Key, object? Value)>();
        switch (val)
        {
            case JsonElement { ValueKind: JsonValueKind.Array } arr:
                {
                    long i = 0;
                    foreach (var e in arr.EnumerateArray())
                    {
                        items.Add((i++, TemplateValues.FromJson(e)));
                    }
                    break;
                }
            case JsonElement { ValueKind: JsonValueKind.Object } obj:
                {
                    var props = obj.EnumerateObject().ToList();
                    props.Sort((x, y) => string.CompareOrdinal(x.Name, y.Name));
                    foreach (var p in props)
                    {
                        items.Add((p.Name, TemplateValues.FromJson(p.Value, p.Name)));
                    }
                    break;
                }
            case IReadOnlyList<object?> list:
                for (var i = 0; i < list.Count; i++)
                {
                    items.Add(((long)i, list[i]));
                }
                break;
            case long n:
                for (long i = 0; i < n; i++)
                {
                    items.Add((i, i));
                }
                break;
            case null or NoValue:
                break;
            default:
                throw Error(b.Pipe, $"range can't iterate over {TemplateValues.Print(val)}");
        }
        if (items.Count == 0)
        {
            if (b.Else is not null)
            {
                Walk(dot, b.Else);
            }
            return;
        }
        var mark = _vars.Count;
        foreach (var (key, value) in items)
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
            if (b.Pipe.Decl.Count == 1)
            {
                SetOrPush(b.Pipe.Decl[0], value, b.Pipe.IsAssign);
            }
            else if (b.Pipe.Decl.Count == 2)
            {
                SetOrPush(b.Pipe.Decl[0], key, b.Pipe.IsAssign);
                SetOrPush(b.Pipe.Decl[1], value, b.Pipe.IsAssign);
            }
            try
            {
                Walk(value, b.Body);
            }
            catch (BreakSignal)
            {
                break;
            }
            catch (ContinueSignal)
            {
            }
        }
    }

    private void SetOrPush(string name, object? value, bool assign)
    {
        if (assign)
        {
            SetVar(name, value);
        }
        else
        {
            _vars.Add((name, value));
        }
    }

    private void SetVar(string name, object? value)
    {
        for (var i = _vars.Count - 1; i >= 0; i--)
        {
            if (_vars[i].Name == name)
            {
                _vars[i] = (name, value);
                return;
            }
        }
        throw new TemplateException($"template: :1: undefined variable: {name}");
    }

    private object? Lookup(TemplateNode node, string name)
    {
        for (var i = _vars.Count - 1; i >= 0; i--)
        {
            if (_vars[i].Name == name)
            {
                return _vars[i].Value;
            }
        }
        throw Error(node, $"undefined variable: {name}");
    }

    private object? EvalPipeline(object? dot, TemplateNode.Pipeline pipe)
    {
        var value = Unset;
        foreach (var cmd in pipe.Commands)
        {
            value = EvalCommand(dot, cmd, value);
        }
        // Declared variables take the value; range's two-variable form binds per element instead (WalkRange).
        if (pipe.Decl.Count > 0 && pipe.Commands.Count > 0)
        {
            if (pipe.Decl.Count == 1)
            {
                foreach (var v in pipe.Decl)
                {
                    if (pipe.IsAssign)
                    {
                        SetVar(v, value);
                    }
                    else
                    {
                        _vars.Add((v, value));
                    }
                }
            }
        }
        return value == Unset ? NoValue.Instance : value;
    }

    private object? EvalCommand(object? dot, TemplateNode.Command cmd, object? final)
    {
        var first = cmd.Args[0];
        switch (first)
        {
            case TemplateNode.Field f:
                return EvalFieldChain(dot, dot, f, f.Names, cmd.Args, final);
            case TemplateNode.Chain c:
                {
                    var receiver = EvalArg(dot, c.Node);
                    return EvalFieldChain(dot, receiver, c, c.Names, cmd.Args, final);
                }
            case TemplateNode.Identifier id:
                return EvalFunction(dot, id, cmd.Args, final);
            case TemplateNode.Variable v:
                {
                    var value = Lookup(v, v.Name);
                    if (v.Names.Count == 0)
                    {
                        NotAFunction(cmd, final);
                        return value;
                    }
                    return EvalFieldChain(dot, value, v, v.Names, cmd.Args, final);
                }
            case TemplateNode.PipeArg p:
                NotAFunction(cmd, final);
                return EvalPipeline(dot, p.Pipe);
        }
        NotAFunction(cmd, final);
        return EvalArg(dot, first);
    }

    private void NotAFunction(TemplateNode.Command cmd, object? final)
    {
        if (cmd.Args.Count > 1 || final != Unset)
        {
            throw Error(cmd.Args[0], $"can't give argument to non-function {cmd.Args[0]}");
        }
    }

    private object? EvalFieldChain(object? dot, object? receiver, TemplateNode node, IReadOnlyList<string> names, IReadOnlyList<TemplateNode> args, object? final)
    {
        for (var i = 0; i < names.Count - 1; i++)
        {
            receiver = EvalField(dot, node, names[i], receiver, [], Unset);
        }
        return EvalField(dot, node, names[^1], receiver, args, final);
    }

    private object? EvalField(object? dot, TemplateNode node, string name, object? receiver, IReadOnlyList<TemplateNode> args, object? final)
    {
        var hasArgs = args.Count > 1 || final != Unset;
        switch (receiver)
        {
            case IFieldSource source:
                {
                    var values = new List<object?>();
                    for (var i = 1; i < args.Count; i++)
                    {
                        values.Add(EvalArg(dot, args[i]));
                    }
                    if (final != Unset)
                    {
                        values.Add(final);
                    }
                    try
                    {
                        if (source.TryGet(name, values, out var result))
                        {
                            return result;
                        }
                    }
                    catch (TemplateException e)
                    {
                        throw Error(node, e.Message);
                    }
                    throw Error(node, $"can't evaluate field {name} in type {source.TypeName}");
                }
            case JsonElement { ValueKind: JsonValueKind.Object } obj:
                if (hasArgs)
                {
                    throw Error(node, $"{name} is not a method but has arguments");
                }
                if (obj.TryGetProperty(name, out var prop))
                {
                    return TemplateValues.FromJson(prop, name);
                }
                // compat(docker): a missing struct field is an error (typed run, then missingkey=error raw run);
                // a missing map key prints <no value>.
                if (TemplateValues.LooksLikeStruct(obj))
                {
                    // compat(docker): templates may name the Go field where its JSON key differs ({{.ID}} for "Id").
                    if (GoFieldJsonKeys.TryGetValue(name, out var key) && obj.TryGetProperty(key, out prop))
                    {
                        return TemplateValues.FromJson(prop, key);
                    }
                    if (OmittedStringFields.Contains(name))
                    {
                        return "";
                    }
                    throw Error(node, $"map has no entry for key \"{name}\"");
                }
                return NoValue.Instance;
            case null:
                throw Error(node, $"nil pointer evaluating interface {{}}.{name}");
            case NoValue:
                throw Error(node, $"nil data; no entry for key \"{name}\"");
            default:
                throw Error(node, $"can't evaluate field {name} in type {TemplateValues.TypeName(receiver)}");
        }
    }

    private object? EvalFunction(object? dot, TemplateNode.Identifier id, IReadOnlyList<TemplateNode> args, object? final)
    {
        if (!_functions.TryGetValue(id.Name, out var fn))
        {
            throw Error(id, $"\"{id.Name}\" is not a defined function");
        }
        var values = new List<object?>(args.Count);
        for (var i = 1; i < args.Count; i++)
        {
            values.Add(EvalArg(dot, args[i]));
        }
        if (final != Unset)
        {
            values.Add(final);
        }
        try
        {
            return fn(values);
        }
        catch (TemplateException e) when (!e.Message.StartsWith("template:", StringComparison.Ordinal))
        {
            var message = e.Message.StartsWith("error calling", StringComparison.Ordinal) || e.Message.StartsWith("wrong number", StringComparison.Ordinal)
                ? e.Message
                : $"error calling {id.Name}: {e.Message}";
            throw Error(id, message);
        }
    }

    private object? EvalArg(object? dot, TemplateNode node) => node switch
    {
        TemplateNode.Dot => dot,
        TemplateNode.Nil => null,
        TemplateNode.Bool b => b.Value,
        TemplateNode.Str s => s.Value,
        TemplateNode.Number n => n.Int is { } l ? (object)l : n.Float,
        TemplateNode.Field f => EvalFieldChain(dot, dot, f, f.Names, [f], Unset),
        TemplateNode.Variable v => v.Names.Count == 0 ? Lookup(v, v.Name) : EvalFieldChain(dot, Lookup(v, v.Name), v, v.Names, [v], Unset),
        TemplateNode.Chain c => EvalFieldChain(dot, EvalArg(dot, c.Node), c, c.Names, [c], Unset),
        TemplateNode.PipeArg p => EvalPipeline(dot, p.Pipe),
        TemplateNode.Identifier id => EvalFunction(dot, id, [id], Unset),
        _ => throw Error(node, "can't handle argument"),
    };
}
