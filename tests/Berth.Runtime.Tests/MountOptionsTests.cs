using Berth.Linux;

namespace Berth.Runtime.Tests;

/// <summary>OCI mount options split into mount(2) flags, flags to clear, propagation and fs data.</summary>
public sealed class MountOptionsTests
{
    public static TheoryData<string, string[], ulong, ulong, ulong, string> Rows => new()
    {
        // row name, options, flags, flags cleared, propagation, data
        { "none", [], 0, 0, 0, "" },
        { "ro", ["ro"], LibC.MS_RDONLY, 0, 0, "" },
        { "rw clears ro", ["ro", "rw"], 0, LibC.MS_RDONLY, 0, "" },
        { "bind", ["bind"], LibC.MS_BIND, 0, 0, "" },
        { "rbind", ["rbind"], LibC.MS_BIND | LibC.MS_REC, 0, 0, "" },
        { "docker proc", ["nosuid", "noexec", "nodev"], LibC.MS_NOSUID | LibC.MS_NOEXEC | LibC.MS_NODEV, 0, 0, "" },
        { "docker sysfs", ["nosuid", "noexec", "nodev", "ro"], LibC.MS_NOSUID | LibC.MS_NOEXEC | LibC.MS_NODEV | LibC.MS_RDONLY, 0, 0, "" },
        { "suid clears nosuid", ["suid"], 0, LibC.MS_NOSUID, 0, "" },
        { "exec and dev", ["exec", "dev"], 0, LibC.MS_NOEXEC | LibC.MS_NODEV, 0, "" },
        { "atime family", ["noatime", "nodiratime", "strictatime"], LibC.MS_NOATIME | LibC.MS_NODIRATIME | LibC.MS_STRICTATIME, 0, 0, "" },
        { "relatime", ["relatime"], LibC.MS_RELATIME, 0, 0, "" },
        { "sync", ["sync", "dirsync"], LibC.MS_SYNCHRONOUS | LibC.MS_DIRSYNC, 0, 0, "" },
        { "remount", ["remount", "ro"], LibC.MS_REMOUNT | LibC.MS_RDONLY, 0, 0, "" },
        { "defaults", ["defaults"], 0, 0, 0, "" },
        { "private", ["private"], 0, 0, LibC.MS_PRIVATE, "" },
        { "rprivate", ["rbind", "rprivate"], LibC.MS_BIND | LibC.MS_REC, 0, LibC.MS_PRIVATE | LibC.MS_REC, "" },
        { "rshared", ["rshared"], 0, 0, LibC.MS_SHARED | LibC.MS_REC, "" },
        { "slave", ["slave"], 0, 0, LibC.MS_SLAVE, "" },
        { "rslave", ["rslave"], 0, 0, LibC.MS_SLAVE | LibC.MS_REC, "" },
        { "unbindable", ["runbindable"], 0, 0, LibC.MS_UNBINDABLE | LibC.MS_REC, "" },
        { "docker /dev tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"], LibC.MS_NOSUID | LibC.MS_STRICTATIME, 0, 0, "mode=755,size=65536k" },
        { "docker devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"], LibC.MS_NOSUID | LibC.MS_NOEXEC, 0, 0, "newinstance,ptmxmode=0666,mode=0620,gid=5" },
        { "docker shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"], LibC.MS_NOSUID | LibC.MS_NOEXEC | LibC.MS_NODEV, 0, 0, "mode=1777,size=67108864" },
        { "overlay data", ["lowerdir=/a:/b", "upperdir=/u", "workdir=/w"], 0, 0, 0, "lowerdir=/a:/b,upperdir=/u,workdir=/w" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Parse(string row, string[] options, ulong flags, ulong clear, ulong propagation, string data)
    {
        var parsed = MountOptions.Parse(options);
        Assert.True(new MountOptions(flags, clear, propagation, data) == parsed, $"{row}: got {parsed}");
        Assert.Equal((flags & LibC.MS_BIND) != 0, parsed.IsBind);
        Assert.Equal((flags & LibC.MS_RDONLY) != 0, parsed.IsReadOnly);
    }

    [Fact]
    public void Null_options_are_no_options() => Assert.Equal(new MountOptions(0, 0, 0, ""), MountOptions.Parse(null));
}
