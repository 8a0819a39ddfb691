using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Containers;

/// <summary>Theory rows: every bundle variant under Berth's runtime and under runc, the reference.</summary>
public static class Runtimes
{
    public static readonly string[] Both = ["berth", "runc"];

    public static TheoryData<string> Names => new(Both);

    public static TheoryData<string, string> VariantsTimesRuntimes
    {
        get
        {
            var rows = new TheoryData<string, string>();
            foreach (var v in BundleVariant.All)
            {
                foreach (var r in Both)
                {
                    rows.Add(v.Name, r);
                }
            }
            return rows;
        }
    }

    public static TheoryData<string> Variants => new(BundleVariant.All.Select(v => v.Name));
}
