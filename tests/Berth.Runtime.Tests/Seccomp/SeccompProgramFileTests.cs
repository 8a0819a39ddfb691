using Berth.Oci;
using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>A compiled filter kept beside config.json is loaded only under the name config.json gives it.</summary>
public sealed class SeccompProgramFileTests : IDisposable
{
    private const string Name = "5d41402abc4b2a76b9719d911017c592aaf4b1f2e4d1a3c0b5a7e7f1f2c3d4e5";
    private const string OtherName = "0000000000000000000000000000000000000000000000000000000000000001";
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-seccomp-file-").FullName;

    private string PathOf => Path.Join(_dir, SeccompProgramFile.FileName);

    private static LinuxSeccomp DenyMkdir(string action = "SCMP_ACT_ERRNO") => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Flags = ["SECCOMP_FILTER_FLAG_LOG"],
        Syscalls = [new LinuxSyscall { Names = ["mkdir", "mkdirat"], Action = action }],
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_program_written_under_a_name_is_read_back_as_compiled()
    {
        var compiled = SeccompCompiler.Compile(DenyMkdir());
        SeccompProgramFile.Write(PathOf, Name, compiled);

        var loaded = SeccompProgramFile.Load(PathOf, Name, DenyMkdir());

        Assert.Equal(compiled.Flags, loaded.Flags);
        Assert.Equal(compiled.Instructions, loaded.Instructions);
    }

    [Fact]
    public void The_named_file_is_what_is_loaded_not_a_fresh_compile()
    {
        var other = SeccompCompiler.Compile(DenyMkdir("SCMP_ACT_KILL_PROCESS"));
        SeccompProgramFile.Write(PathOf, Name, other);

        Assert.Equal(other.Instructions, SeccompProgramFile.Load(PathOf, Name, DenyMkdir()).Instructions);
    }

    [Theory]
    [InlineData(OtherName)] // another filter's program: a bundle rewritten without its file
    [InlineData(null)] // config.json names none (a user's or runc's bundle)
    [InlineData("not hex")]
    [InlineData("zz41402abc4b2a76b9719d911017c592aaf4b1f2e4d1a3c0b5a7e7f1f2c3d4e5")]
    public void A_program_not_named_by_config_json_is_not_used(string? name)
    {
        SeccompProgramFile.Write(PathOf, Name, SeccompCompiler.Compile(DenyMkdir("SCMP_ACT_KILL_PROCESS")));

        var loaded = SeccompProgramFile.Load(PathOf, name, DenyMkdir());

        Assert.Equal(SeccompCompiler.Compile(DenyMkdir()).Instructions, loaded.Instructions);
    }

    [Theory]
    [InlineData(-1)] // no file
    [InlineData(0)] // empty
    [InlineData(35)] // shorter than the name and flags
    [InlineData(41)] // a torn instruction
    public void A_missing_or_torn_file_means_compiling(int length)
    {
        if (length >= 0)
        {
            var whole = new byte[1024];
            Convert.FromHexString(Name).CopyTo(whole, 0);
            File.WriteAllBytes(PathOf, whole[..length]);
        }

        Assert.Equal(SeccompCompiler.Compile(DenyMkdir()).Instructions, SeccompProgramFile.Load(PathOf, Name, DenyMkdir()).Instructions);
    }
}
