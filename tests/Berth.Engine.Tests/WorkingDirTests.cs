using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine.Tests;

/// <summary>compat(docker): the working directory of a create is absolute, and kept cleaned (dockerd's translateWorkingDir).</summary>
public sealed class WorkingDirTests
{
    [Theory]
    [InlineData("/srv/app", "/srv/app")]
    [InlineData("/srv/../srv/app/", "/srv/app")]
    [InlineData("//srv/./app", "/srv/app")]
    [InlineData("/", "/")]
    [InlineData("", "")]
    public void An_absolute_working_directory_is_taken_cleaned(string workingDir, string expected)
    {
        var config = new ContainerConfig { WorkingDir = workingDir };

        ContainerService.ValidateConfig(config);

        Assert.Equal(expected, config.WorkingDir);
    }

    [Theory]
    [InlineData("relative")]
    [InlineData("./app")]
    [InlineData("~/app")]
    public void A_relative_working_directory_is_refused(string workingDir)
    {
        var e = Assert.Throws<BerthException>(() => ContainerService.ValidateConfig(new ContainerConfig { WorkingDir = workingDir }));

        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal($"the working directory '{workingDir}' is invalid, it needs to be an absolute path", e.Message);
    }
}
