using System.Globalization;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth update</c>: <c>POST /containers/{id}/update</c> with docker's Resources body, one container after
/// another; the names that succeeded are echoed, then the warnings, then the errors.</summary>
internal sealed class UpdateCommand : Command
{
    public override string Name => "update";

    public override string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public override string Summary => "Update configuration of one or more containers";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Int("blkio-weight", '\0', "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)");
        flags.Int("cpu-period", '\0', "Limit CPU CFS (Completely Fair Scheduler) period");
        flags.Int("cpu-quota", '\0', "Limit CPU CFS (Completely Fair Scheduler) quota");
        flags.Int("cpu-rt-period", '\0', "Limit the CPU real-time period in microseconds");
        flags.Int("cpu-rt-runtime", '\0', "Limit the CPU real-time runtime in microseconds");
        flags.Int("cpu-shares", 'c', "CPU shares (relative weight)");
        flags.String("cpus", '\0', "Number of CPUs", ContainerOptions.CheckCpus);
        flags.String("cpuset-cpus", '\0', "CPUs in which to allow execution (0-3, 0,1)");
        flags.String("cpuset-mems", '\0', "MEMs in which to allow execution (0-3, 0,1)");
        flags.String("memory", 'm', "Memory limit", ContainerOptions.CheckMemory);
        flags.String("memory-reservation", '\0', "Memory soft limit", ContainerOptions.CheckMemory);
        flags.String("memory-swap", '\0', "Swap limit equal to memory plus swap: -1 to enable unlimited swap", ContainerOptions.CheckMemorySwap);
        flags.Int("pids-limit", '\0', "Tune container pids limit (set -1 for unlimited)");
        flags.String("restart", '\0', "Restart policy to apply when a container exits");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        if (!f.Specs.Any(s => f.Changed(s.Name)))
        {
            throw new StatusException("you must provide one or more flags when using this command", 1);
        }
        var (restartName, restartCount) = ParseRestart(f.GetString("restart") ?? "");
        var pids = f.GetLong("pids-limit");
        long cpus = 0;
        if (f.GetString("cpus") is { } c && ContainerOptions.TryParseNanoCpus(c, out var nano, out _))
        {
            cpus = nano;
        }
        // compat(docker): every field of container.UpdateConfig, in its order, zero where the flag was not given.
        var w = new GoJsonWriter().BeginObject()
            .Number("CpuShares", f.GetLong("cpu-shares"))
            .Number("Memory", Ram(f, "memory"))
            .Number("NanoCpus", cpus)
            .String("CgroupParent", "")
            .Number("BlkioWeight", f.GetLong("blkio-weight"))
            .Null("BlkioWeightDevice").Null("BlkioDeviceReadBps").Null("BlkioDeviceWriteBps").Null("BlkioDeviceReadIOps").Null("BlkioDeviceWriteIOps")
            .Number("CpuPeriod", f.GetLong("cpu-period"))
            .Number("CpuQuota", f.GetLong("cpu-quota"))
            .Number("CpuRealtimePeriod", f.GetLong("cpu-rt-period"))
            .Number("CpuRealtimeRuntime", f.GetLong("cpu-rt-runtime"))
            .String("CpusetCpus", f.GetString("cpuset-cpus") ?? "")
            .String("CpusetMems", f.GetString("cpuset-mems") ?? "")
            .Null("Devices").Null("DeviceCgroupRules").Null("DeviceRequests")
            .Number("MemoryReservation", Ram(f, "memory-reservation"))
            .Number("MemorySwap", f.GetString("memory-swap") == "-1" ? -1 : Ram(f, "memory-swap"))
            .Null("MemorySwappiness").Null("OomKillDisable");
        if (pids != 0)
        {
            w.Number("PidsLimit", pids);
        }
        else
        {
            w.Null("PidsLimit");
        }
        w.Null("Ulimits").Number("CpuCount", 0).Number("CpuPercent", 0).Number("IOMaximumIOps", 0).Number("IOMaximumBandwidth", 0)
            .BeginObject("RestartPolicy").String("Name", restartName).Number("MaximumRetryCount", restartCount).EndObject()
            .EndObject();
        var body = w.ToBody();

        var warnings = new List<string>();
        var errors = new List<string>();
        foreach (var name in inv.Args)
        {
            try
            {
                var (_, response, _) = ctx.Client.Call("POST", Requests.ContainerPath(name, "/update"), json: body);
                ctx.Io.WriteLine(name);
                using var doc = System.Text.Json.JsonDocument.Parse(response);
                if (doc.RootElement.TryGetProperty("Warnings", out var ws) && ws.ValueKind == System.Text.Json.JsonValueKind.Array)
                {
                    warnings.AddRange(ws.EnumerateArray().Select(x => x.GetString() ?? ""));
                }
            }
            catch (DaemonException e)
            {
                errors.Add(e.Message);
            }
        }
        if (warnings.Count > 0)
        {
            ctx.Io.WriteLine(string.Join('\n', warnings));
        }
        if (errors.Count > 0)
        {
            throw new StatusException(string.Join('\n', errors), 1);
        }
        return 0;
    }

    private static long Ram(FlagSet f, string name) =>
        f.GetString(name) is { } s && HumanUnits.TryParseRam(s, out var b, out _) ? b : 0;

    /// <summary>opts.ParseRestartPolicy.</summary>
    private static (string Name, long Count) ParseRestart(string policy)
    {
        if (policy.Length == 0)
        {
            return ("", 0);
        }
        var colon = policy.IndexOf(':', StringComparison.Ordinal);
        if (colon == 0)
        {
            throw new StatusException("invalid restart policy format: no policy provided before colon", 1);
        }
        if (colon < 0 || colon + 1 == policy.Length)
        {
            return (colon < 0 ? policy : policy[..colon], 0);
        }
        if (!int.TryParse(policy[(colon + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count))
        {
            throw new StatusException("invalid restart policy format: maximum retry count must be an integer", 1);
        }
        return (policy[..colon], count);
    }
}
