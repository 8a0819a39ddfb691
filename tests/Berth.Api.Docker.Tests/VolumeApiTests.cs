using System.Text.Json;
using Berth.Api.Docker.Models;
using Berth.Api.Docker.Routes;
using Berth.Common;
using Berth.Volumes;

namespace Berth.Api.Docker.Tests;

public sealed class VolumeApiTests
{
    [Fact]
    public void A_volume_is_written_as_the_recorded_daemon_writes_it()
    {
        var v = new Volume
        {
            Name = "rec-vol",
            Driver = "local",
            Mountpoint = "/var/lib/berth/volumes/rec-vol/_data",
            CreatedAt = new DateTimeOffset(2026, 11, 25, 11, 52, 46, TimeSpan.Zero),
            Labels = new Dictionary<string, string> { ["rec"] = "1" },
        };
        var json = JsonSerializer.Serialize(VolumeMapper.Resource(v), VolumeApiJson.Default.VolumeResource);
        Assert.Equal("""{"CreatedAt":"2026-11-25T11:52:46Z","Driver":"local","Labels":{"rec":"1"},"Mountpoint":"/var/lib/berth/volumes/rec-vol/_data","Name":"rec-vol","Options":null,"Scope":"local"}""", json);
    }

    [Fact]
    public void No_labels_and_no_options_are_null_and_usage_and_status_appear_only_when_there()
    {
        var v = new Volume
        {
            Name = "x1",
            Driver = "plug",
            CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)),
            Options = new Dictionary<string, string> { ["type"] = "tmpfs" },
            Status = new Dictionary<string, object?> { ["hello"] = JsonDocument.Parse("{\"a\":1}").RootElement },
        };
        var json = JsonSerializer.Serialize(VolumeMapper.Resource(v, new VolumeUsageData { Size = 14, RefCount = 1 }), VolumeApiJson.Default.VolumeResource);
        Assert.Equal("""{"CreatedAt":"2026-01-02T01:04:05Z","Driver":"plug","Labels":null,"Mountpoint":"","Name":"x1","Options":{"type":"tmpfs"},"Scope":"local","Status":{"hello":{"a":1}},"UsageData":{"Size":14,"RefCount":1}}""", json);
    }

    [Fact]
    public void The_list_has_null_warnings()
    {
        var json = JsonSerializer.Serialize(new VolumeListResponse(), VolumeApiJson.Default.VolumeListResponse);
        Assert.Equal("""{"Volumes":[],"Warnings":null}""", json);
        json = JsonSerializer.Serialize(new VolumePruneResponse { VolumesDeleted = ["a"], SpaceReclaimed = 3 }, VolumeApiJson.Default.VolumePruneResponse);
        Assert.Equal("""{"VolumesDeleted":["a"],"SpaceReclaimed":3}""", json);
    }

    [Fact]
    public void The_create_body_reads_Dockers_field_names()
    {
        var body = JsonSerializer.Deserialize("""{"Driver":"local","DriverOpts":{"type":"tmpfs"},"Labels":{"rec":"1"},"Name":"rec-vol"}""", VolumeApiJson.Default.VolumeCreateRequest)!;
        Assert.Equal(("rec-vol", "local", "tmpfs", "1"), (body.Name, body.Driver, body.DriverOpts!["type"], body.Labels!["rec"]));
    }

    public static TheoryData<string, string?, bool?> PruneAllRows => new()
    {
        // row, filters JSON, all (null: refused)
        { "absent", null, false },
        { "true", """{"all":{"true":true}}""", true },
        { "1", """{"all":["1"]}""", true },
        { "false", """{"all":["false"]}""", false },
        { "two values", """{"all":["true","false"]}""", null },
        { "not a bool", """{"all":["yes"]}""", null },
    };

    [Theory]
    [MemberData(nameof(PruneAllRows))]
    public void Prune_reads_all_as_Docker(string row, string? filters, bool? all)
    {
        var f = Filters.Parse(filters, "label", "label!", "all");
        if (all is { } expected)
        {
            Assert.True(expected == VolumeRoutes.PruneAll(f), row);
        }
        else
        {
            Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => VolumeRoutes.PruneAll(f)).Kind);
        }
    }
}
