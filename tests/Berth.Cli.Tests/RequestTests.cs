using System.Text;
using Berth.Cli.Api;
using Berth.Cli.Commands;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Tests;

/// <summary>Request shapes compared byte for byte with the recorded docker CLI traffic.</summary>
public sealed class RequestTests
{
    private static ContainerSpec Spec(params string[] args)
    {
        var f = new FlagSet(interspersed: false);
        ContainerOptions.Define(f, run: true);
        var positionals = f.Parse(args);
        return ContainerOptions.Parse(f, positionals, run: true, name => name == "HOME" ? "/root" : null);
    }

    // run-rm.txt: docker run --rm busybox:local echo hi
    private const string RunRmBody = """{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["echo","hi"],"Image":"busybox:local","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}""";

    [Fact]
    public void CreateBodyMatchesRunRm()
    {
        var body = Encoding.UTF8.GetString(CreateBody.Write(Spec("--rm", "busybox:local", "echo", "hi")));
        Assert.Equal(RunRmBody + "\n", body);
        Assert.Equal(1742, Encoding.UTF8.GetByteCount(body));
    }

    [Fact]
    public void CreateBodyForRunD()
    {
        // run-d.txt, without -p/-v/--tmpfs/--network parts that are checked separately below.
        var s = Spec("-d", "--name", "rec-web", "-p", "8080:80", "-e", "FOO=bar", "-e", "HELLO=world", "-v", "rec-vol:/vol", "--tmpfs", "/scratch:size=16m",
            "--network", "rec-net", "--memory", "64m", "--cpus", "0.5", "--label", "rec=1", "busybox:local", "httpd", "-f");
        s.AttachStdout = s.AttachStderr = false;
        var body = Encoding.UTF8.GetString(CreateBody.Write(s));
        Assert.Contains("\"AttachStderr\":false,\"ExposedPorts\":{\"80/tcp\":{}},\"Tty\":false", body);
        Assert.Contains("\"Env\":[\"FOO=bar\",\"HELLO=world\"],\"Cmd\":[\"httpd\",\"-f\"]", body);
        Assert.Contains("\"Labels\":{\"rec\":\"1\"},\"HostConfig\":{\"Binds\":[\"rec-vol:/vol\"]", body);
        Assert.Contains("\"NetworkMode\":\"rec-net\",\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}", body);
        Assert.Contains("\"SecurityOpt\":null,\"Tmpfs\":{\"/scratch\":\"size=16m\"},\"UTSMode\"", body);
        Assert.Contains("\"Memory\":67108864,\"NanoCpus\":500000000", body);
        Assert.EndsWith("\"NetworkingConfig\":{\"EndpointsConfig\":{}}}\n", body);
    }

    [Fact]
    public void CreateBodyForManyOptions()
    {
        var s = Spec("--restart", "on-failure:3", "--user", "1000:1000", "--workdir", "/work", "--entrypoint", "/bin/sh", "--hostname", "myhost",
            "--cap-add", "NET_ADMIN", "--ulimit", "nofile=1024:2048", "--init", "--stop-signal", "SIGUSR1", "--stop-timeout", "5",
            "--pids-limit", "50", "--cpu-shares", "512", "--health-cmd", "true", "--health-interval", "5s", "--health-retries", "2",
            "-t", "-i", "busybox:local", "-c", "echo hi");
        var body = Encoding.UTF8.GetString(CreateBody.Write(s));
        Assert.Contains("\"Hostname\":\"myhost\",\"Domainname\":\"\",\"User\":\"1000:1000\",\"AttachStdin\":true", body);
        Assert.Contains("\"Tty\":true,\"OpenStdin\":true,\"StdinOnce\":true,\"Env\":null,\"Cmd\":[\"-c\",\"echo hi\"],\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":5000000000,\"Retries\":2},\"Image\"", body);
        Assert.Contains("\"WorkingDir\":\"/work\",\"Entrypoint\":[\"/bin/sh\"]", body);
        Assert.Contains("\"StopSignal\":\"SIGUSR1\",\"StopTimeout\":5,\"HostConfig\"", body);
        Assert.Contains("\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}", body);
        Assert.Contains("\"CapAdd\":[\"CAP_NET_ADMIN\"]", body);
        Assert.Contains("\"Ulimits\":[{\"Name\":\"nofile\",\"Hard\":2048,\"Soft\":1024}]", body);
        Assert.Contains("\"CpuShares\":512", body);
        Assert.Contains("\"PidsLimit\":50", body);
        Assert.Contains("\"ReadonlyPaths\":null,\"Init\":true}", body);
    }

    [Theory]
    [InlineData("-e", "HOME", "HOME=/root")]
    [InlineData("-e", "UNSET_VAR", "UNSET_VAR")]
    [InlineData("--env", "A=1", "A=1")]
    public void EnvironmentFromBerthsOwn(string flag, string value, string expected) =>
        Assert.Equal([expected], Spec(flag, value, "img").Env!);

    [Theory]
    [InlineData("--restart always --rm", "conflicting options: cannot specify both --restart and --rm")]
    [InlineData("--memory-swappiness 200", "invalid value: 200. Valid memory swappiness range is 0-100")]
    [InlineData("-p 80:80/xyz", "invalid proto: xyz")]
    public void RejectsBadCombinations(string flags, string message)
    {
        var e = Assert.Throws<UsageException>(() => Spec([.. flags.Split(' '), "img"]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void FiltersAreSortedJson() =>
        Assert.Equal("{\"name\":{\"rec-\":true},\"status\":{\"exited\":true,\"running\":true}}",
            Requests.FiltersJson(["status=running", "Name=rec-", "status=exited"]));

    [Theory]
    [InlineData("filters", "{\"reference\":{\"rec-*\":true}}", "filters=%7B%22reference%22%3A%7B%22rec-%2A%22%3Atrue%7D%7D")]
    [InlineData("repo", "rec-imported:v1", "repo=rec-imported%3Av1")]
    [InlineData("message", "rec import", "message=rec+import")]
    public void QueryEscapesLikeGo(string key, string value, string expected) =>
        Assert.Equal(expected, new GoQuery().Add(key, value).Encode());

    [Fact]
    public void QueryKeysAreSorted() =>
        Assert.Equal("changes=CMD+%5B%22cat%22%2C%22%2Fhello.txt%22%5D&fromSrc=-&message=rec+import&repo=rec-imported%3Av1",
            new GoQuery().Add("fromSrc", "-").Add("repo", "rec-imported:v1").Add("message", "rec import").Add("changes", "CMD [\"cat\",\"/hello.txt\"]").Encode());

    [Theory]
    [InlineData("1.41", "1.41")]
    [InlineData("1.60", "1.50")]
    [InlineData("1.23", "1.23")]
    [InlineData(null, "1.24")]
    public void VersionNegotiation(string? header, string used) => Assert.Equal(used, DockerClient.PickVersion(header));

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox", "busybox", null)]
    [InlineData("rec-tagged:latest", "docker.io/library/rec-tagged", "rec-tagged", "latest")]
    [InlineData("localhost:5000/rec/built:v1", "localhost:5000/rec/built", "localhost:5000/rec/built", "v1")]
    [InlineData("user/repo:1.0", "docker.io/user/repo", "user/repo", "1.0")]
    public void NormalizesReferences(string input, string name, string familiar, string? tag)
    {
        Assert.True(ImageReference.TryParseNormalized(input, out var r, out _));
        Assert.Equal(name, r.Name);
        Assert.Equal(familiar, r.FamiliarName);
        Assert.Equal(tag, r.Tag);
    }

    [Theory]
    [InlineData("BusyBox", "invalid reference format: repository name (library/BusyBox) must be lowercase")]
    [InlineData("a:b:c", "invalid reference format")]
    public void RejectsBadReferences(string input, string error)
    {
        Assert.False(ImageReference.TryParseNormalized(input, out _, out var e));
        Assert.Equal(error, e);
    }

    [Fact]
    public void InspectIsIndentedLikeGo()
    {
        var raw = Encoding.UTF8.GetBytes("{\"Id\":\"x\",\"Args\":[],\"Config\":{\"Env\":[\"A=\\u003c1\"],\"Labels\":{}},\"N\":1}\n");
        var expected = "[\n    {\n        \"Id\": \"x\",\n        \"Args\": [],\n        \"Config\": {\n            \"Env\": [\n                \"A=\\u003c1\"\n            ],\n            \"Labels\": {}\n        },\n        \"N\": 1\n    }\n]\n";
        Assert.Equal(expected, InspectCommand.Render([raw], indent: true));
        Assert.Equal("[]\n", InspectCommand.Render([], indent: true));
    }

    [Fact]
    public void CreateBodyForDevicesAndBlockIo()
    {
        var s = Spec("--device", "/dev/fuse", "--device", "/dev/sda:/dev/xvda:r", "--device", "/dev/net/tun:rw", "--device-cgroup-rule", "c 42:* rmw",
            "--blkio-weight-device", "/dev/sda:300", "--device-read-bps", "/dev/sda:1mb", "--device-write-iops", "/dev/sda:100", "busybox:local");
        var body = Encoding.UTF8.GetString(CreateBody.Write(s));
        Assert.Contains("\"BlkioWeightDevice\":[{\"Path\":\"/dev/sda\",\"Weight\":300}],\"BlkioDeviceReadBps\":[{\"Path\":\"/dev/sda\",\"Rate\":1048576}],\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[{\"Path\":\"/dev/sda\",\"Rate\":100}]", body);
        Assert.Contains("\"Devices\":[{\"PathOnHost\":\"/dev/fuse\",\"PathInContainer\":\"/dev/fuse\",\"CgroupPermissions\":\"rwm\"},{\"PathOnHost\":\"/dev/sda\",\"PathInContainer\":\"/dev/xvda\",\"CgroupPermissions\":\"r\"},{\"PathOnHost\":\"/dev/net/tun\",\"PathInContainer\":\"/dev/net/tun\",\"CgroupPermissions\":\"rw\"}],\"DeviceCgroupRules\":[\"c 42:* rmw\"]", body);
    }

    [Theory]
    [InlineData("--device", "/dev/a:/dev/b:rwx", "bad mode specified: rwx")]
    [InlineData("--device", "dev/a", "dev/a is not an absolute path")]
    [InlineData("--device", "/a:/b:r:x", "invalid device specification: /a:/b:r:x")]
    [InlineData("--device-cgroup-rule", "c 42 rmw", "invalid device cgroup format 'c 42 rmw'")]
    [InlineData("--device-read-bps", "/dev/sda", "bad format: /dev/sda")]
    [InlineData("--device-read-bps", "/dev/sda:fast", "invalid rate for device: /dev/sda:fast")]
    [InlineData("--device-write-iops", "/dev/sda:1mb", "invalid rate for device: /dev/sda:1mb")]
    [InlineData("--blkio-weight-device", "/dev/sda:5", "invalid weight for device: /dev/sda:5")]
    public void ABadDeviceFlagIsAUsageError(string flag, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => Spec(flag, value, "busybox:local"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
