#!/usr/bin/env python3
"""Times `docker run --rm --network none busybox:peer true` against berthd and dockerd, alternating, and
`berth run --rm ...`; reports medians, ratios and the daemons' idle RSS. Usage: measure.py RUNS BERTH PEER
BERTHD_PIDFILE DOCKERD_PIDFILE"""
import os, statistics, subprocess, sys, time

runs, berth_host, peer_host, berth_pidfile, peer_pidfile = int(sys.argv[1]), *sys.argv[2:6]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cmd = ["run", "--rm", "--network", "none", "busybox:peer", "true"]

def timed(argv, host):
    env = dict(os.environ, DOCKER_HOST=host)
    start = time.perf_counter()
    r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)} against {host} failed: {r.stderr.decode().strip()}")
    return elapsed

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def pid_of(pidfile):
    return int(open(pidfile).read().strip())

def children_named(parent, name):
    found = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                stat = open(f"/proc/{p}/stat").read()
                comm = stat[stat.index("(") + 1:stat.rindex(")")]
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                if comm == name and ppid == parent:
                    found.append(int(p))
            except (OSError, ValueError):
                pass
    return found

# Warm both up (image unpack, page cache) before timing.
for _ in range(3):
    timed(["docker", *cmd], berth_host)
    timed(["docker", *cmd], peer_host)

berth, docker, berth_cli = [], [], []
for _ in range(runs):
    berth.append(timed(["docker", *cmd], berth_host))
    docker.append(timed(["docker", *cmd], peer_host))
    berth_cli.append(timed([os.path.join(root, "bin", "berth"), *cmd], berth_host))

# The CLI alone: how long `berth --version` takes, start to exit.
cli = sorted(timed([os.path.join(root, "bin", "berth"), "--version"], berth_host) for _ in range(runs))

time.sleep(2)
berthd_pid = pid_of(berth_pidfile)
dockerd_pid = pid_of(peer_pidfile)
containerd = children_named(dockerd_pid, "containerd")
# Berth's idle footprint counts the spare shim it keeps warm and that shim's waiting init.
spares = children_named(berthd_pid, "berth-runtime")
spare_inits = [c for p in spares for c in children_named(p, "berth-runtime")]
berthd_rss = rss_kib(berthd_pid) + sum(rss_kib(p) for p in spares + spare_inits)
peer_rss = rss_kib(dockerd_pid) + sum(rss_kib(p) for p in containerd)

m_b, m_d, m_c = statistics.median(berth), statistics.median(docker), statistics.median(berth_cli)
print(f"runs: {runs} each, alternating; command: docker {' '.join(cmd)}")
print("| measurement | Berth | Docker (dockerd 20.10 + containerd + runc) | ratio Berth/Docker |")
print("|---|---|---|---|")
print(f"| `docker run --rm --network none busybox true`, median | {m_b:.1f} ms | {m_d:.1f} ms | {m_b / m_d:.2f} |")
print(f"| same, min / max | {min(berth):.1f} / {max(berth):.1f} ms | {min(docker):.1f} / {max(docker):.1f} ms | |")
print(f"| `berth run --rm --network none busybox true`, median | {m_c:.1f} ms | | |")
print(f"| `berth --version`, median | {statistics.median(cli):.1f} ms | | |")
print(f"| idle RSS | berthd + spare shim {berthd_rss / 1024:.1f} MiB | dockerd + containerd {peer_rss / 1024:.1f} MiB | {berthd_rss / peer_rss:.2f} |")
