#!/usr/bin/env python3
"""Times `docker stats --no-stream C` against berthd and dockerd, alternating, with C a running busybox `sleep` on
each side (created here, removed at the end), and `berth stats --no-stream C` against berthd; reports medians and
the ratio. Usage: stats.py RUNS BERTH_HOST PEER_HOST"""
import os, statistics, subprocess, sys, time

runs, berth_host, peer_host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
name = "bench-stats"

def run(argv, host, check=True):
    r = subprocess.run(argv, env=dict(os.environ, DOCKER_HOST=host), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        sys.exit(f"{' '.join(argv)} against {host} failed: {r.stderr.decode().strip()}")
    return r.stdout.decode()

def timed(argv, host):
    start = time.perf_counter()
    out = run(argv, host)
    elapsed = (time.perf_counter() - start) * 1000
    if name not in out:
        sys.exit(f"{' '.join(argv)} against {host} printed no row for {name}:\n{out}")
    return elapsed

for host in (berth_host, peer_host):
    run(["docker", "rm", "-f", name], host, check=False)
    run(["docker", "run", "-d", "--name", name, "-m", "64m", "busybox:peer", "sleep", "100000"], host)
try:
    cmd = ["stats", "--no-stream", name]
    for _ in range(2):  # warm both up
        timed(["docker", *cmd], berth_host)
        timed(["docker", *cmd], peer_host)
    berth, docker, berth_cli = [], [], []
    for _ in range(runs):
        berth.append(timed(["docker", *cmd], berth_host))
        docker.append(timed(["docker", *cmd], peer_host))
        berth_cli.append(timed([os.path.join(root, "bin", "berth"), *cmd], berth_host))
    sample_b = run(["docker", *cmd], berth_host)
    sample_d = run(["docker", *cmd], peer_host)
finally:
    for host in (berth_host, peer_host):
        run(["docker", "rm", "-f", name], host, check=False)

m_b, m_d, m_c = statistics.median(berth), statistics.median(docker), statistics.median(berth_cli)
print(f"runs: {runs} each, alternating; command: docker {' '.join(cmd)} (a running busybox sleep with -m 64m)")
print("| measurement | Berth | Docker (dockerd 20.10 + containerd + runc) | ratio Berth/Docker |")
print("|---|---|---|---|")
print(f"| `docker stats --no-stream C`, median | {m_b:.1f} ms | {m_d:.1f} ms | {m_b / m_d:.2f} |")
print(f"| same, min / max | {min(berth):.1f} / {max(berth):.1f} ms | {min(docker):.1f} / {max(docker):.1f} ms | |")
print(f"| `berth stats --no-stream C`, median | {m_c:.1f} ms | | |")
print()
print("Berth:\n" + sample_b + "Docker:\n" + sample_d, end="")
