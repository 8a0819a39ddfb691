using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// Data outside the container's layer, through the real docker CLI and berth: named and anonymous volumes (with
/// Docker's copy-up), binds of host paths, tmpfs mounts, --volumes-from; Docker's words for bad mounts; and what is
/// left on the host afterwards (mountinfo, the volumes directory).
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class MountTests(BerthEngine engine)
{
    private string VolumesDir => Path.Join(engine.Daemon.DataRoot, "volumes");

    private IReadOnlyList<string> VolumeNames() =>
        Directory.Exists(VolumesDir) ? [.. Directory.EnumerateDirectories(VolumesDir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)] : [];

    private string VolumeData(string name) => Path.Join(VolumesDir, name, "_data");

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ANamedVolumeKeepsDataBetweenContainersAndReadOnlyRefusesWrites(string client)
    {
        var volume = $"keep-{client}";
        try
        {
            engine.Cli(client, "run", "--rm", "-v", volume + ":/data", "busybox", "sh", "-c", "echo kept > /data/note").Ok();

            Assert.Equal("kept", engine.Cli(client, "run", "--rm", "-v", volume + ":/data", "busybox", "cat", "/data/note").Ok());
            Assert.Equal("kept\n", File.ReadAllText(Path.Join(VolumeData(volume), "note")));
            var readOnly = engine.Cli(client, "run", "--rm", "-v", volume + ":/data:ro", "busybox", "sh", "-c", "echo no > /data/other");
            Assert.Equal(1, readOnly.ExitCode);
            Assert.Contains("Read-only file system", readOnly.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            engine.Docker("volume", "rm", volume);
        }
    }

    [Fact]
    public void InspectShowsEachMountAsDockerDoes()
    {
        var host = engine.Scratch("inspect-bind");
        Directory.CreateDirectory(host);
        var name = "mounts-inspect";
        try
        {
            engine.Docker("create", "--name", name, "-v", "inspect-vol:/n", "-v", host + ":/b:ro,z", "-v", "/anon",
                "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m", "busybox", "true").Ok();

            var mounts = engine.Inspect(name, "{{range .Mounts}}{{.Type}}|{{.Name}}|{{.Source}}|{{.Destination}}|{{.Driver}}|{{.Mode}}|{{.RW}}|{{.Propagation}}\n{{end}}")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
            var anonymous = Assert.Single(mounts, m => m.Contains("|/anon|", StringComparison.Ordinal)).Split('|')[1];
            Assert.Matches("^[0-9a-f]{64}$", anonymous);
            Assert.Equal(
                [
                    $"bind||{host}|/b||ro,z|false|rprivate",
                    "tmpfs|||/t|||true|",
                    $"volume|{anonymous}|{VolumeData(anonymous)}|/anon|local||true|",
                    $"volume|inspect-vol|{VolumeData("inspect-vol")}|/n|local|z|true|",
                ], mounts);
        }
        finally
        {
            engine.Docker("rm", "-v", name);
            engine.Docker("volume", "rm", "inspect-vol");
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ABindShowsTheHostPathBothWaysAndAMissingOneIsCreatedForDashV(string client)
    {
        var host = engine.Scratch("bind-" + client);
        Directory.CreateDirectory(host);
        File.WriteAllText(Path.Join(host, "from-host"), "hello from the host\n");
        var missing = Path.Join(engine.Scratch("bind-missing-" + client), "made", "here");

        Assert.Equal("hello from the host", engine.Cli(client, "run", "--rm", "-v", host + ":/h", "busybox", "sh", "-c", "cat /h/from-host; echo back > /h/from-container").Ok());
        Assert.Equal("back\n", File.ReadAllText(Path.Join(host, "from-container")));
        engine.Cli(client, "run", "--rm", "-v", missing + ":/m", "busybox", "true").Ok();
        Assert.True(Directory.Exists(missing), "-v did not create the missing host directory");
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void MountOfAMissingBindSourceIsRefusedAndCreatesNothing(string client)
    {
        var missing = engine.Scratch("mount-missing-" + client);
        var before = engine.Docker("ps", "-aq").Lines.Count;

        var result = engine.Cli(client, "run", "--rm", "--mount", $"type=bind,src={missing},dst=/m", "busybox", "true");

        Assert.Equal(125, result.ExitCode);
        Assert.Contains($"invalid mount config for type \"bind\": bind source path does not exist: {missing}", result.Stderr, StringComparison.Ordinal);
        Assert.False(Path.Exists(missing));
        Assert.Equal(before, engine.Docker("ps", "-aq").Lines.Count);
    }

    [Fact]
    public void ARecursiveBindIsReadOnlyAllTheWayDown()
    {
        var host = engine.Scratch("rro");
        Directory.CreateDirectory(Path.Join(host, "sub"));
        ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=1m", "rro-sub", Path.Join(host, "sub")]).Ok();
        try
        {
            var top = engine.Docker("run", "--rm", "-v", host + ":/h:ro", "busybox", "sh", "-c", "touch /h/sub/x");
            var writable = engine.Docker("run", "--rm", "--mount", $"type=bind,src={host},dst=/h,readonly,bind-recursive=writable", "busybox", "sh", "-c", "touch /h/sub/x && echo wrote");

            Assert.Contains("Read-only file system", top.Stderr, StringComparison.Ordinal);
            Assert.Equal("wrote", writable.Ok());
        }
        finally
        {
            ProcessRunner.Run("umount", [Path.Join(host, "sub")]);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ANewVolumeIsFilledFromTheImageUnlessNocopy(string client)
    {
        var (copied, empty) = ($"copyup-{client}", $"nocopy-{client}");
        try
        {
            var seen = engine.Cli(client, "run", "--rm", "-v", copied + ":/etc", "busybox", "cat", "/etc/passwd").Ok();
            var none = engine.Cli(client, "run", "--rm", "--mount", $"type=volume,src={empty},dst=/etc,volume-nocopy", "busybox", "ls", "-A", "/etc").Text;

            Assert.StartsWith("root:", seen, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Join(VolumeData(copied), "passwd")));
            Assert.Equal("", none);
            // Only an empty volume is filled: what the container wrote stays.
            engine.Cli(client, "run", "--rm", "-v", copied + ":/etc", "busybox", "rm", "/etc/passwd").Ok();
            Assert.Equal(1, engine.Cli(client, "run", "--rm", "-v", copied + ":/etc", "busybox", "cat", "/etc/passwd").ExitCode);
        }
        finally
        {
            engine.Docker("volume", "rm", copied, empty);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnonymousVolumesGoWithRmDashVAndWithRunRm(string client)
    {
        var name = $"anon-{client}";
        var before = VolumeNames();

        engine.Cli(client, "run", "--rm", "-v", "/scratch", "busybox", "sh", "-c", "echo x > /scratch/x").Ok();
        Assert.Equal(before, VolumeNames());

        engine.Cli(client, "run", "--name", name, "-v", "/kept", "busybox", "true").Ok();
        var volume = engine.Inspect(name, "{{range .Mounts}}{{.Name}}{{end}}");
        Assert.Contains(volume, VolumeNames());
        engine.Cli(client, "rm", "-v", name).Ok();
        Assert.Equal(before, VolumeNames());
    }

    [Fact]
    public void AnImageVolumeGetsAnAnonymousVolumeWithTheImagesContent()
    {
        var rootfs = engine.Scratch("volume-image.tar");
        engine.Docker("run", "--name", "volume-image-src", "busybox", "sh", "-c", "mkdir -p /data && echo seeded > /data/seed").Ok();
        try
        {
            engine.Docker("export", "-o", rootfs, "volume-image-src").Ok();
            engine.Docker("import", "-c", "VOLUME /data", rootfs, "volume-image:1").Ok();
            var name = "volume-image-run";
            engine.Docker("run", "--name", name, "volume-image:1", "cat", "/data/seed").Ok();

            var shown = engine.Inspect(name, "{{range .Mounts}}{{.Type}} {{.Destination}} {{.Name}}{{end}}").Split(' ');
            Assert.Equal(("volume", "/data"), (shown[0], shown[1]));
            Assert.Equal("seeded\n", File.ReadAllText(Path.Join(VolumeData(shown[2]), "seed")));
            Assert.Equal("seeded", engine.Docker("logs", name).Ok());
            engine.Docker("rm", "-v", name).Ok();
        }
        finally
        {
            engine.Docker("rm", "-f", "volume-image-src");
            engine.Docker("rmi", "volume-image:1");
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TmpfsMountsAreTmpfsWithTheirOptions(string client)
    {
        var mounts = engine.Cli(client, "run", "--rm", "--tmpfs", "/run/a:size=1m", "--mount", "type=tmpfs,dst=/run/b,tmpfs-size=2m,tmpfs-mode=1770", "busybox",
            "sh", "-c", "grep ' /run/[ab] ' /proc/mounts").Lines.Order(StringComparer.Ordinal).ToList();

        Assert.Equal(2, mounts.Count);
        Assert.Matches(@"^tmpfs /run/a tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k", mounts[0]);
        Assert.Matches(@"^tmpfs /run/b tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=1770", mounts[1]);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void VolumesFromSharesTheOtherContainersMountsReadOnlyWhenAsked(string client)
    {
        var (source, volume) = ($"vfrom-src-{client}", $"vfrom-{client}");
        try
        {
            engine.Cli(client, "run", "--name", source, "-v", volume + ":/shared", "busybox", "sh", "-c", "echo shared > /shared/f").Ok();

            Assert.Equal("shared", engine.Cli(client, "run", "--rm", "--volumes-from", source, "busybox", "cat", "/shared/f").Ok());
            var readOnly = engine.Cli(client, "run", "--rm", "--volumes-from", source + ":ro", "busybox", "touch", "/shared/g");
            Assert.Contains("Read-only file system", readOnly.Stderr, StringComparison.Ordinal);
            Assert.Equal(125, engine.Cli(client, "run", "--rm", "--volumes-from", "no-such-container-xyz", "busybox", "true").ExitCode);
        }
        finally
        {
            engine.Docker("rm", "-f", source);
            engine.Docker("volume", "rm", volume);
        }
    }

    [Fact]
    public void PsFiltersByVolumeNameAndDestination()
    {
        var name = "ps-volume";
        try
        {
            engine.Docker("create", "--name", name, "-v", "ps-vol:/somewhere", "busybox", "true").Ok();

            Assert.Equal(name, engine.Docker("ps", "-a", "--filter", "volume=ps-vol", "--format", "{{.Names}}").Ok());
            Assert.Equal(name, engine.Docker("ps", "-a", "--filter", "volume=/somewhere", "--format", "{{.Names}}").Ok());
            Assert.Equal("ps-vol", engine.Docker("ps", "-a", "--filter", "name=" + name, "--format", "{{.Mounts}}").Ok());
        }
        finally
        {
            engine.Docker("rm", name);
            engine.Docker("volume", "rm", "ps-vol");
        }
    }

    [Theory]
    [InlineData("-v /tmp:/", "invalid volume specification: '/tmp:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'")]
    [InlineData("-v /tmp:/data:xyz", "invalid mode: xyz")]
    [InlineData("-v badmount-a:/d -v badmount-b:/d", "Duplicate mount point: /d")]
    [InlineData("-v badmount-c:/d --tmpfs /d", "Duplicate mount point: /d")]
    [InlineData("-v /tmp:/proc", "error mounting \"/tmp\" to rootfs at \"/proc\": cannot be mounted because it is not of type proc")]
    [InlineData("--tmpfs /proc/sys", "\"/proc/sys\" cannot be mounted because it is inside /proc")]
    [InlineData("-v /tmp:/dev", "error mounting \"/tmp\" to rootfs at \"/dev\"")]
    [InlineData("--mount type=bogus,dst=/d", "invalid mount config for type \"bogus\": mount type unknown")]
    [InlineData("--mount type=tmpfs,src=x,dst=/d", "invalid mount config for type \"tmpfs\": field Source must not be specified")]
    [InlineData("--mount type=bind,src=relative,dst=/d", "invalid mount config for type \"bind\": invalid mount path: 'relative' mount path must be absolute")]
    [InlineData("-v x:/d", "create x: volume name is too short, names should be at least two alphanumeric characters")]
    [InlineData("--tmpfs relative", "invalid mount path: 'relative' mount path must be absolute")]
    [InlineData("--volume-driver nosuchplugin -v badplugin-v:/d", "error looking up volume plugin nosuchplugin: plugin \"nosuchplugin\" not found")]
    [InlineData("--mount type=volume,src=badplugin-m,dst=/d,volume-driver=nosuchplugin", "error looking up volume plugin nosuchplugin: plugin \"nosuchplugin\" not found")]
    public void BadMountsGetDockersMessageAndCreateNothing(string options, string message)
    {
        var containers = engine.Docker("ps", "-aq", "--no-trunc").Lines;
        var volumes = VolumeNames();
        var mounts = HostTraces.MountPoints(engine.Daemon);

        var result = engine.Docker(["run", "--rm", .. options.Split(' '), "busybox", "true"]);

        Assert.Equal(125, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        // Nothing new (what an earlier test left may still be going away).
        Assert.Empty(engine.Docker("ps", "-aq", "--no-trunc").Lines.Except(containers));
        Assert.Empty(VolumeNames().Except(volumes));
        Assert.Empty(HostTraces.MountPoints(engine.Daemon).Except(mounts));
    }

    [Fact]
    public void NothingOfAVolumeIsLeftMountedAfterItsContainerOrADaemonCrash()
    {
        var name = "mounts-crash";
        var volume = "crash-vol";
        var host = engine.Scratch("crash-bind");
        Directory.CreateDirectory(host);
        try
        {
            engine.Docker("run", "-d", "--name", name, "-v", volume + ":/v", "-v", host + ":/h", "--tmpfs", "/t", "busybox", "sleep", "600").Ok();
            var pid = engine.Inspect(name, "{{.State.Pid}}");
            var inside = File.ReadAllLines($"/proc/{pid}/mountinfo").Select(l => l.Split(' ')[4]).ToList();
            Assert.Contains("/v", inside);
            Assert.Contains("/h", inside);

            Assert.Equal(137, engine.Daemon.Stop("KILL"));
            engine.Daemon.Start();

            // The volume is still the container's: it cannot be removed under it.
            var refused = engine.Docker("volume", "rm", volume);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("volume is in use", refused.Stderr, StringComparison.Ordinal);
            engine.Docker("rm", "-f", name).Ok();
            engine.Docker("volume", "rm", volume).Ok();
            Assert.DoesNotContain(HostTraces.MountPoints(engine.Daemon), m => m.Contains(volume, StringComparison.Ordinal) || m.StartsWith(host, StringComparison.Ordinal));
            Assert.False(Directory.Exists(Path.Join(VolumesDir, volume)));
        }
        finally
        {
            engine.Docker("rm", "-f", name);
            engine.Docker("volume", "rm", volume);
        }
    }

    [Theory]
    [InlineData("docker", true)]
    [InlineData("berth", false)]
    public void CopyReachesVolumesAndBindsOfRunningAndStoppedContainers(string client, bool running)
    {
        var name = $"cp-mounts-{client}";
        var volume = $"cp-vol-{client}";
        var host = engine.Scratch("cp-bind-" + client);
        Directory.CreateDirectory(host);
        var file = engine.Scratch("cp-file-" + client);
        File.WriteAllText(file, "copied in\n");
        try
        {
            engine.Cli(client, "run", "-d", "--name", name, "-v", volume + ":/data", "-v", host + ":/host", "busybox", "sh", "-c", running ? "sleep 600" : "true").Ok();
            if (!running)
            {
                engine.Docker("wait", name).Ok();
            }

            engine.Cli(client, "cp", file, name + ":/data/in-volume").Ok();
            engine.Cli(client, "cp", file, name + ":/host/in-bind").Ok();

            Assert.Equal("copied in\n", File.ReadAllText(Path.Join(VolumeData(volume), "in-volume")));
            Assert.Equal("copied in\n", File.ReadAllText(Path.Join(host, "in-bind")));
            var back = engine.Scratch("cp-back-" + client);
            engine.Cli(client, "cp", name + ":/data/in-volume", back).Ok();
            Assert.Equal("copied in\n", File.ReadAllText(back));
            Assert.DoesNotContain(HostTraces.MountPoints(engine.Daemon), m => m.Contains("/archive/", StringComparison.Ordinal));
        }
        finally
        {
            engine.Docker("rm", "-f", name);
            engine.Docker("volume", "rm", volume);
        }
    }
}
