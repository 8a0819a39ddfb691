using Berth.Cli.Commands;
using Berth.Cli.Flags;

namespace Berth.Cli.Tests;

/// <summary><c>--security-opt</c> as the docker CLI sends it: a seccomp profile file's JSON, compacted, in place of
/// its path; the built-in names and the other options as given.</summary>
public sealed class SecurityOptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-cli-seccomp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("no-new-privileges")]
    [InlineData("no-new-privileges=true")]
    [InlineData("seccomp=unconfined")]
    [InlineData("seccomp=builtin")]
    [InlineData("seccomp:unconfined")]
    [InlineData("apparmor=unconfined")]
    public void Options_other_than_a_profile_file_pass_as_given(string option) =>
        Assert.Equal(option, ContainerOptions.SeccompOption(option));

    [Theory]
    [InlineData("=")]
    [InlineData(":")]
    public void A_profile_file_is_sent_as_its_compacted_json(string separator)
    {
        var file = Path.Join(_dir, "p.json");
        File.WriteAllText(file, "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [ { \"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"comment\": \"<a & b>\" } ]\n}\n");
        Assert.Equal("""seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","comment":"<a & b>"}]}""",
            ContainerOptions.SeccompOption("seccomp" + separator + file));
    }

    [Theory]
    [InlineData("seccomp", "Invalid --security-opt: \"seccomp\"")]
    [InlineData("seccomp=", "Invalid --security-opt: \"seccomp=\"")]
    [InlineData("seccomp=/no/such/profile.json", "opening seccomp profile (/no/such/profile.json) failed")]
    public void A_bad_option_or_missing_file_is_a_usage_error(string option, string message)
    {
        var e = Assert.Throws<UsageException>(() => ContainerOptions.SeccompOption(option));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_json_is_refused_before_anything_is_sent()
    {
        var file = Path.Join(_dir, "broken.json");
        File.WriteAllText(file, "{\"defaultAction\": ");
        var e = Assert.Throws<UsageException>(() => ContainerOptions.SeccompOption("seccomp=" + file));
        Assert.StartsWith($"compacting json for seccomp profile ({file}) failed", e.Message, StringComparison.Ordinal);
    }
}
