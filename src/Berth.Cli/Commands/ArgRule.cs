namespace Berth.Cli.Commands;

/// <summary>How many positionals a command takes (cobra's NoArgs, ExactArgs, RequiresMinArgs, RequiresRangeArgs).</summary>
internal readonly record struct ArgRule(int Min, int Max)
{
    public static ArgRule None => new(0, 0);

    public static ArgRule Exactly(int n) => new(n, n);

    public static ArgRule AtLeast(int n) => new(n, int.MaxValue);

    public static ArgRule Between(int min, int max) => new(min, max);

    /// <summary>The docker CLI's message when <paramref name="count"/> does not fit, or null.</summary>
    public string? Check(int count, string path, string useLine)
    {
        if (count >= Min && count <= Max)
        {
            return null;
        }
        static string Plural(int n) => n == 1 ? "argument" : "arguments";
        if (Max == 0)
        {
            return $"berth: '{path}' accepts no arguments\n\nUsage:  {useLine}\n\nRun '{path} --help' for more information";
        }
        if (Min == Max)
        {
            return $"berth: '{path}' requires {Min} {Plural(Min)}\n\nUsage:  {useLine}\n\nRun '{path} --help' for more information";
        }
        if (Max == int.MaxValue)
        {
            return $"berth: '{path}' requires at least {Min} {Plural(Min)}\n\nUsage:  {useLine}\n\nSee '{path} --help' for more information";
        }
        if (Min == 0)
        {
            return $"berth: '{path}' requires at most {Max} {Plural(Max)}\n\nUsage:  {useLine}\n\nRun '{path} --help' for more information";
        }
        return $"berth: '{path}' requires at least {Min} and at most {Max} {Plural(Max)}\n\nUsage:  {useLine}\n\nRun '{path} --help' for more information";
    }
}
