#!/usr/bin/env python3
"""Times `docker exec C true` against berthd and dockerd, alternating, with C a running busybox `sleep` on each
side (created here, removed at the end), and `berth exec C true` against berthd; reports medians and the ratio.
Usage: exec.py RUNS BERTH_HOST PEER_HOST"""
import os, statistics, subprocess, sys, time

runs, berth_host, peer_host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
name = "bench-exec"

def run(argv, host, check=True):
    r = subprocess.run(argv, env=dict(os.environ, DOCKER_HOST=host), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        sys.exit(f"{' '.join(argv)} against {host} failed ({r.returncode}): {r.stderr.decode().strip()}")
    return r.stdout.decode()

def timed(argv, host):
    start = time.perf_counter()
    run(argv, host)
    return (time.perf_counter() - start) * 1000

for host in (berth_host, peer_host):
    run(["docker", "rm", "-f", name], host, check=False)
    run(["docker", "run", "-d", "--name", name, "busybox:peer", "sleep", "100000"], host)
try:
    cmd = ["exec", name, "true"]
    for _ in range(3):  # warm both up
        timed(["docker", *cmd], berth_host)
        timed(["docker", *cmd], peer_host)
    berth, docker, berth_cli, floor = [], [], [], []
    for _ in range(runs):
        berth.append(timed(["docker", *cmd], berth_host))
        docker.append(timed(["docker", *cmd], peer_host))
        berth_cli.append(timed([os.path.join(root, "bin", "berth"), *cmd], berth_host))
        floor.append(timed(["docker", "version", "--format", "{{.Server.Version}}"], berth_host))
finally:
    for host in (berth_host, peer_host):
        run(["docker", "rm", "-f", name], host, check=False)

m_b, m_d, m_c, m_f = (statistics.median(x) for x in (berth, docker, berth_cli, floor))
print(f"runs: {runs} each, alternating; command: docker {' '.join(cmd)} (a running busybox sleep)")
print("| measurement | Berth | Docker (dockerd 20.10 + containerd + runc) | ratio Berth/Docker |")
print("|---|---|---|---|")
print(f"| `docker exec C true`, median | {m_b:.1f} ms | {m_d:.1f} ms | {m_b / m_d:.2f} |")
print(f"| same, min / max | {min(berth):.1f} / {max(berth):.1f} ms | {min(docker):.1f} / {max(docker):.1f} ms | |")
print(f"| `berth exec C true`, median | {m_c:.1f} ms | | |")
print(f"| the docker CLI's own floor (`docker version` against berthd), median | {m_f:.1f} ms | | |")
