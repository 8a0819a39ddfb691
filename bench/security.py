#!/usr/bin/env python3
"""Times `docker run --rm --network none busybox:peer true` on Berth and Docker with the default seccomp profile,
with seccomp=unconfined, and on daemons with --userns-remap; the variants alternate, one of each per round, in a random order.
Reports medians and what the profile and the remapping add. Usage: security.py RUNS BERTH DOCKER BERTH_REMAP
DOCKER_REMAP"""
import os, random, statistics, subprocess, sys, time

runs, berth, docker, berth_remap, docker_remap = int(sys.argv[1]), *sys.argv[2:6]
run = ["docker", "run", "--rm", "--network", "none"]
variants = {
    ("Berth", "default"): (berth, []),
    ("Berth", "unconfined"): (berth, ["--security-opt", "seccomp=unconfined"]),
    ("Berth", "remap"): (berth_remap, []),
    ("Docker", "default"): (docker, []),
    ("Docker", "unconfined"): (docker, ["--security-opt", "seccomp=unconfined"]),
    ("Docker", "remap"): (docker_remap, []),
}

def timed(host, extra):
    start = time.perf_counter()
    r = subprocess.run([*run, *extra, "busybox:peer", "true"], env=dict(os.environ, DOCKER_HOST=host),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"run {' '.join(extra)} against {host} failed: {r.stderr.decode().strip()}")
    return (time.perf_counter() - start) * 1000

for host, extra in variants.values():  # warm up: image unpack, page cache, spare shims
    for _ in range(3):
        timed(host, extra)
times = {k: [] for k in variants}
# Each round runs the six in a new random order, after a pause: a run right after another pays for that one's
# background teardown (the kernel freeing its namespaces, the other daemon's shim exiting), so a fixed order
# would charge one variant for its predecessor.
rng = random.Random(8)
for _ in range(runs):
    order = list(variants.items())
    rng.shuffle(order)
    for k, (host, extra) in order:
        time.sleep(0.15)
        times[k].append(timed(host, extra))
med = {k: statistics.median(v) for k, v in times.items()}

print(f"runs: {runs} of each, alternating in a random order per round, 150 ms apart; command: docker run --rm --network none busybox true")
print("| variant | Berth | Docker (dockerd 20.10 + containerd + runc) | ratio Berth/Docker |")
print("|---|---|---|---|")
names = {"default": "default seccomp profile", "unconfined": "`--security-opt seccomp=unconfined`", "remap": "daemon with `--userns-remap`"}
for v in ("default", "unconfined", "remap"):
    print(f"| {names[v]}, median | {med['Berth', v]:.1f} ms | {med['Docker', v]:.1f} ms | {med['Berth', v] / med['Docker', v]:.2f} |")
for label, a, b in (("the default profile adds (default − unconfined)", "default", "unconfined"),
                    ("`--userns-remap` adds (remap − default)", "remap", "default")):
    print(f"| {label} | {med['Berth', a] - med['Berth', b]:+.1f} ms | {med['Docker', a] - med['Docker', b]:+.1f} ms | |")
