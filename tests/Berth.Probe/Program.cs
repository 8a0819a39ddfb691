using Berth.Probe;

// berth-probe: run as a container's program, it prints one JSON object describing what it sees (identity,
// capabilities, namespaces, mounts, interfaces, descriptors, limits, cgroup knobs) and exits 0.
// The descriptors are listed first, before the runtime or this program opens anything of its own.
var fds = Report.OpenFds();
using var stdout = Console.OpenStandardOutput();
Report.Write(stdout, fds, args);
return 0;
