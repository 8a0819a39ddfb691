using Berth.Cli.Flags;

namespace Berth.Cli.Tests;

public sealed class FlagSetTests
{
    private static FlagSet RunLike()
    {
        var f = new FlagSet(interspersed: false);
        f.Bool("detach", 'd', "");
        f.Bool("interactive", 'i', "");
        f.Bool("tty", 't', "");
        f.Bool("rm", '\0', "");
        f.String("name", '\0', "");
        f.List("env", 'e', "");
        f.String("memory", 'm', "", Berth.Cli.Commands.ContainerOptions.CheckMemory);
        f.Int("last", 'n', "", "-1");
        return f;
    }

    [Theory]
    [InlineData("combined shorts", "-dit busybox sh", "detach,interactive,tty", "busybox|sh")]
    [InlineData("long with equals", "--name=web busybox", "name=web", "busybox")]
    [InlineData("long with space", "--name web busybox", "name=web", "busybox")]
    [InlineData("short attached value", "-eFOO=1 busybox", "env=FOO=1", "busybox")]
    [InlineData("short separate value", "-e FOO=1 -e BAR busybox", "env=FOO=1;BAR", "busybox")]
    [InlineData("short equals value", "-m=64m busybox", "memory=64m", "busybox")]
    [InlineData("flags stop at the image", "busybox --rm -d", "", "busybox|--rm|-d")]
    [InlineData("double dash ends flags", "--rm -- -x y", "rm", "-x|y")]
    [InlineData("bool explicit false", "--rm=false img", "", "img")]
    [InlineData("negative number value", "-n -1 img", "last=-1", "img")]
    [InlineData("dash alone is positional", "- img", "", "-|img")]
    public void Parses(string name, string line, string expectFlags, string expectArgs)
    {
        _ = name;
        var f = RunLike();
        var args = f.Parse(line.Split(' '));
        Assert.Equal(expectArgs, string.Join('|', args));
        foreach (var item in expectFlags.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = item.IndexOf('=');
            if (eq < 0)
            {
                Assert.True(f.GetBool(item), item);
            }
            else if (item[..eq] == "env")
            {
                Assert.Equal(item[(eq + 1)..], string.Join(';', f.GetList("env")));
            }
            else
            {
                Assert.Equal(item[(eq + 1)..], f.GetString(item[..eq]));
            }
        }
        if (line.Contains("--rm=false"))
        {
            Assert.False(f.GetBool("rm"));
        }
    }

    [Theory]
    [InlineData("--bogus img", "unknown flag: --bogus")]
    [InlineData("-x img", "unknown shorthand flag: 'x' in -x")]
    [InlineData("-dx img", "unknown shorthand flag: 'x' in -dx")]
    [InlineData("--name", "flag needs an argument: --name")]
    [InlineData("-e", "flag needs an argument: 'e' in -e")]
    [InlineData("-m 1q img", "invalid argument \"1q\" for \"-m, --memory\" flag: invalid suffix: 'q'")]
    [InlineData("-n x img", "invalid argument \"x\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"x\": invalid syntax")]
    [InlineData("--rm=maybe img", "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax")]
    public void RejectsLikePflag(string line, string message)
    {
        var e = Assert.Throws<UsageException>(() => RunLike().Parse(line.Split(' ')));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void InterspersedKeepsParsingAfterPositionals()
    {
        var f = new FlagSet();
        f.Bool("force", 'f', "");
        var args = f.Parse(["a", "-f", "b"]);
        Assert.Equal(["a", "b"], args);
        Assert.True(f.GetBool("force"));
    }

    [Fact]
    public void HelpIsRecognized()
    {
        var f = new FlagSet();
        f.Parse(["--help"]);
        Assert.True(f.HelpRequested);
    }
}
