using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>
/// The <c>POST /containers/create</c> body exactly as the docker CLI 28 sends it: every field of Config,
/// HostConfig and NetworkingConfig in Go struct order, empty values included, omitempty fields left out.
/// </summary>
internal static class CreateBody
{
    public static byte[] Write(ContainerSpec s)
    {
        var w = new GoJsonWriter();
        w.BeginObject();
        w.String("Hostname", s.Hostname);
        w.String("Domainname", s.Domainname);
        w.String("User", s.User);
        w.Bool("AttachStdin", s.AttachStdin);
        w.Bool("AttachStdout", s.AttachStdout);
        w.Bool("AttachStderr", s.AttachStderr);
        if (s.ExposedPorts.Count > 0)
        {
            w.Set("ExposedPorts", s.ExposedPorts);
        }
        w.Bool("Tty", s.Tty);
        w.Bool("OpenStdin", s.OpenStdin);
        w.Bool("StdinOnce", s.StdinOnce);
        w.Strings("Env", s.Env);
        w.Strings("Cmd", s.Cmd);
        if (s.HasHealthcheck)
        {
            w.BeginObject("Healthcheck");
            if (s.HealthTest is not null)
            {
                w.Strings("Test", s.HealthTest);
            }
            if (s.HealthInterval != 0)
            {
                w.Number("Interval", s.HealthInterval);
            }
            if (s.HealthTimeout != 0)
            {
                w.Number("Timeout", s.HealthTimeout);
            }
            if (s.HealthStartPeriod != 0)
            {
                w.Number("StartPeriod", s.HealthStartPeriod);
            }
            if (s.HealthStartInterval != 0)
            {
                w.Number("StartInterval", s.HealthStartInterval);
            }
            if (s.HealthRetries != 0)
            {
                w.Number("Retries", s.HealthRetries);
            }
            w.EndObject();
        }
        w.String("Image", s.Image);
        w.Set("Volumes", s.Volumes);
        w.String("WorkingDir", s.WorkingDir);
        w.Strings("Entrypoint", s.Entrypoint);
        w.Null("OnBuild");
        w.StringMap("Labels", s.Labels);
        if (s.StopSignal.Length > 0)
        {
            w.String("StopSignal", s.StopSignal);
        }
        if (s.StopTimeout is { } timeout)
        {
            w.Number("StopTimeout", timeout);
        }

        w.BeginObject("HostConfig");
        w.Strings("Binds", s.Binds);
        w.String("ContainerIDFile", s.ContainerIdFile);
        w.BeginObject("LogConfig").String("Type", s.LogDriver).StringMap("Config", s.LogOptions).EndObject();
        w.String("NetworkMode", s.NetworkMode);
        w.BeginObject("PortBindings");
        foreach (var (port, bindings) in s.PortBindings)
        {
            w.BeginArray(port);
            foreach (var (ip, hostPort) in bindings)
            {
                w.BeginObject().String("HostIp", ip).String("HostPort", hostPort).EndObject();
            }
            w.EndArray();
        }
        w.EndObject();
        w.BeginObject("RestartPolicy").String("Name", s.RestartName).Number("MaximumRetryCount", s.RestartMaxRetries).EndObject();
        w.Bool("AutoRemove", s.AutoRemove);
        w.String("VolumeDriver", s.VolumeDriver);
        w.Strings("VolumesFrom", s.VolumesFrom);
        w.BeginArray("ConsoleSize").Number(s.ConsoleHeight).Number(s.ConsoleWidth).EndArray();
        if (s.Annotations.Count > 0)
        {
            w.StringMap("Annotations", s.Annotations);
        }
        w.Strings("CapAdd", s.CapAdd);
        w.Strings("CapDrop", s.CapDrop);
        w.String("CgroupnsMode", s.CgroupnsMode);
        w.Strings("Dns", s.Dns);
        w.Strings("DnsOptions", s.DnsOptions);
        w.Strings("DnsSearch", s.DnsSearch);
        w.Strings("ExtraHosts", s.ExtraHosts);
        w.Strings("GroupAdd", s.GroupAdd);
        w.String("IpcMode", s.IpcMode);
        w.String("Cgroup", "");
        w.Null("Links");
        w.Number("OomScoreAdj", s.OomScoreAdj);
        w.String("PidMode", s.PidMode);
        w.Bool("Privileged", s.Privileged);
        w.Bool("PublishAllPorts", s.PublishAllPorts);
        w.Bool("ReadonlyRootfs", s.ReadonlyRootfs);
        w.Strings("SecurityOpt", s.SecurityOpt);
        if (s.Tmpfs is { Count: > 0 })
        {
            w.StringMap("Tmpfs", s.Tmpfs);
        }
        w.String("UTSMode", s.UtsMode);
        w.String("UsernsMode", s.UsernsMode);
        w.Number("ShmSize", s.ShmSize);
        if (s.Sysctls is { Count: > 0 })
        {
            w.StringMap("Sysctls", s.Sysctls);
        }
        if (s.Runtime.Length > 0)
        {
            w.String("Runtime", s.Runtime);
        }
        w.String("Isolation", s.Isolation);
        w.Number("CpuShares", s.CpuShares);
        w.Number("Memory", s.Memory);
        w.Number("NanoCpus", s.NanoCpus);
        w.String("CgroupParent", s.CgroupParent);
        w.Number("BlkioWeight", s.BlkioWeight);
        w.BeginArray("BlkioWeightDevice");
        foreach (var (path, weight) in s.BlkioWeightDevice)
        {
            w.BeginObject().String("Path", path).Number("Weight", weight).EndObject();
        }
        w.EndArray();
        foreach (var (name, devices) in new[]
        {
            ("BlkioDeviceReadBps", s.BlkioDeviceReadBps), ("BlkioDeviceWriteBps", s.BlkioDeviceWriteBps),
            ("BlkioDeviceReadIOps", s.BlkioDeviceReadIOps), ("BlkioDeviceWriteIOps", s.BlkioDeviceWriteIOps),
        })
        {
            w.BeginArray(name);
            foreach (var (path, rate) in devices)
            {
                w.BeginObject().String("Path", path).Number("Rate", rate).EndObject();
            }
            w.EndArray();
        }
        w.Number("CpuPeriod", s.CpuPeriod);
        w.Number("CpuQuota", s.CpuQuota);
        w.Number("CpuRealtimePeriod", s.CpuRealtimePeriod);
        w.Number("CpuRealtimeRuntime", s.CpuRealtimeRuntime);
        w.String("CpusetCpus", s.CpusetCpus);
        w.String("CpusetMems", s.CpusetMems);
        w.BeginArray("Devices");
        foreach (var (onHost, inContainer, permissions) in s.Devices)
        {
            w.BeginObject().String("PathOnHost", onHost).String("PathInContainer", inContainer).String("CgroupPermissions", permissions).EndObject();
        }
        w.EndArray();
        if (s.DeviceCgroupRules is { Count: > 0 })
        {
            w.Strings("DeviceCgroupRules", s.DeviceCgroupRules);
        }
        else
        {
            w.Null("DeviceCgroupRules");
        }
        w.Null("DeviceRequests");
        w.Number("MemoryReservation", s.MemoryReservation);
        w.Number("MemorySwap", s.MemorySwap);
        w.Number("MemorySwappiness", s.MemorySwappiness);
        w.Bool("OomKillDisable", s.OomKillDisable);
        w.Number("PidsLimit", s.PidsLimit);
        w.BeginArray("Ulimits");
        foreach (var (name, hard, soft) in s.Ulimits)
        {
            w.BeginObject().String("Name", name).Number("Hard", hard).Number("Soft", soft).EndObject();
        }
        w.EndArray();
        w.Number("CpuCount", 0);
        w.Number("CpuPercent", 0);
        w.Number("IOMaximumIOps", 0);
        w.Number("IOMaximumBandwidth", 0);
        if (s.Mounts is { Count: > 0 })
        {
            w.BeginArray("Mounts");
            foreach (var m in s.Mounts)
            {
                m.Write(w);
            }
            w.EndArray();
        }
        w.Strings("MaskedPaths", s.MaskedPaths);
        w.Strings("ReadonlyPaths", s.ReadonlyPaths);
        if (s.Init is { } init)
        {
            w.Bool("Init", init);
        }
        w.EndObject();

        w.BeginObject("NetworkingConfig");
        w.BeginObject("EndpointsConfig");
        foreach (var (network, ipv4, ipv6, aliases, mac) in s.Endpoints)
        {
            w.BeginObject(network);
            if (ipv4.Length > 0 || ipv6.Length > 0)
            {
                w.BeginObject("IPAMConfig");
                if (ipv4.Length > 0)
                {
                    w.String("IPv4Address", ipv4);
                }
                if (ipv6.Length > 0)
                {
                    w.String("IPv6Address", ipv6);
                }
                w.EndObject();
            }
            else
            {
                w.Null("IPAMConfig");
            }
            w.Null("Links");
            w.Strings("Aliases", aliases);
            w.String("MacAddress", mac);
            w.Null("DriverOpts");
            w.Number("GwPriority", 0);
            EndpointState(w);
            w.EndObject();
        }
        w.EndObject();
        w.EndObject();
        w.EndObject();
        return w.ToBody();
    }

    /// <summary>The endpoint's state fields, which the docker CLI sends empty in every endpoint it asks for.</summary>
    internal static void EndpointState(GoJsonWriter w)
    {
        w.String("NetworkID", "");
        w.String("EndpointID", "");
        w.String("Gateway", "");
        w.String("IPAddress", "");
        w.Number("IPPrefixLen", 0);
        w.String("IPv6Gateway", "");
        w.String("GlobalIPv6Address", "");
        w.Number("GlobalIPv6PrefixLen", 0);
        w.Null("DNSNames");
    }
}
