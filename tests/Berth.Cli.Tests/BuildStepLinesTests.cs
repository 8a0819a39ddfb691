using System.Text;
using Berth.Cli.Commands;

namespace Berth.Cli.Tests;

/// <summary>A build that stopped at a step for the whole context is shown again from that step: the second build's
/// output up to and including that step's header is dropped, whatever pieces it arrives in.</summary>
public sealed class BuildStepLinesTests
{
    private static string Through(BuildStepLines lines, MemoryStream inner, params string[] writes)
    {
        foreach (var w in writes)
        {
            lines.Write(Encoding.UTF8.GetBytes(w));
        }
        return Encoding.UTF8.GetString(inner.ToArray());
    }

    [Fact]
    public void The_first_build_is_written_through_and_its_last_step_header_kept()
    {
        var inner = new MemoryStream();
        var lines = new BuildStepLines(inner);
        var text = Through(lines, inner, "Step 1/3 : FROM busybox\n ---> 1115cb361e27\n", "Step 2/3 : CO", "PY data/ /data/\n", "partial");
        Assert.Equal("Step 1/3 : FROM busybox\n ---> 1115cb361e27\nStep 2/3 : COPY data/ /data/\npartial", text);
        Assert.Equal("Step 2/3 : COPY data/ /data/", lines.LastStep);
    }

    [Fact]
    public void The_second_build_is_shown_after_the_step_the_first_stopped_at()
    {
        var inner = new MemoryStream();
        var lines = new BuildStepLines(inner, "Step 2/3 : COPY data/ /data/");
        var text = Through(lines, inner,
            "Step 1/3 : FROM busybox\n ---> 1115cb361e27\nStep 2/3 : COPY da", "ta/ /data/\r\n ---> 8eb4b26ce851\n",
            "Step 3/3 : RUN true\n");
        Assert.Equal(" ---> 8eb4b26ce851\nStep 3/3 : RUN true\n", text);
        Assert.Equal("Step 3/3 : RUN true", lines.LastStep);
    }

    [Fact]
    public void A_line_without_an_end_cannot_grow_without_bound()
    {
        var inner = new MemoryStream();
        var lines = new BuildStepLines(inner, "Step 9/9 : never");
        lines.Write(new byte[10 << 20]);
        lines.Write("\nStep 9/9 : never\nshown\n"u8);
        Assert.Equal("shown\n", Encoding.UTF8.GetString(inner.ToArray()));
    }
}
