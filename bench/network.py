#!/usr/bin/env python3
"""Times networking on berthd and dockerd, alternating: run --rm on the default bridge and on none, the time until a
published port answers, and 50 containers started at once on one network. Reports medians and ratios.
Usage: network.py RUNS BERTH_HOST PEER_HOST"""
import concurrent.futures, os, socket, statistics, subprocess, sys, time

runs, berth_host, peer_host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
hosts = {"Berth": berth_host, "Docker": peer_host}

def run(argv, host, check=True):
    r = subprocess.run(["docker", *argv], env=dict(os.environ, DOCKER_HOST=host), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        sys.exit(f"docker {' '.join(argv)} against {host} failed ({r.returncode}): {r.stderr.decode().strip()}")
    return r.stdout.decode().strip()

def timed(argv, host):
    # Let the other daemon's background teardown (a stopped container's namespace and veth, which holds the
    # kernel's rtnl lock for tens of ms) finish first, so neither side pays for the other's.
    time.sleep(0.15)
    start = time.perf_counter()
    run(argv, host)
    return (time.perf_counter() - start) * 1000

def until_port_answers(host):
    """docker run -d -p 127.0.0.1:PORT:80 httpd, then HTTP GETs until one answers; the container is removed after.
    The port is a free one chosen here, so no `docker port` round trip is timed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    time.sleep(0.15)
    start = time.perf_counter()
    cid = run(["run", "-d", "-p", f"127.0.0.1:{port}:80", "busybox:peer", "httpd", "-f", "-p", "80", "-h", "/etc"], host)
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /hostname HTTP/1.0\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1."):
                        return (time.perf_counter() - start) * 1000
            except OSError:
                pass
            if time.perf_counter() - start > 10:
                sys.exit(f"published port on {host} never answered")
            time.sleep(0.002)
    finally:
        run(["rm", "-f", cid], host)

def parallel_start(host, count=50):
    run(["network", "rm", "bench-net"], host, check=False)
    run(["network", "create", "bench-net"], host)
    names = [f"bench-par-{i}" for i in range(count)]
    try:
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            list(pool.map(lambda n: run(["run", "-d", "--name", n, "--network", "bench-net", "busybox:peer", "sleep", "1000"], host), names))
        return (time.perf_counter() - start) * 1000
    finally:
        run(["rm", "-f", *names], host, check=False)
        run(["network", "rm", "bench-net"], host, check=False)

for name, host in hosts.items():  # warm up both
    for _ in range(3):
        timed(["run", "--rm", "busybox:peer", "true"], host)

def started(host, network):
    """docker run -d (until the container runs), the container removed after, untimed."""
    time.sleep(0.15)
    start = time.perf_counter()
    cid = run(["run", "-d", "--network", network, "busybox:peer", "sleep", "60"], host)
    took = (time.perf_counter() - start) * 1000
    run(["rm", "-f", cid], host)
    return took

results = {k: {"bridge": [], "none": [], "port": [], "d-bridge": [], "d-none": []} for k in hosts}
for _ in range(runs):
    for name, host in hosts.items():
        results[name]["bridge"].append(timed(["run", "--rm", "busybox:peer", "true"], host))
        results[name]["none"].append(timed(["run", "--rm", "--network", "none", "busybox:peer", "true"], host))
        results[name]["d-bridge"].append(started(host, "bridge"))
        results[name]["d-none"].append(started(host, "none"))
        results[name]["port"].append(until_port_answers(host))
parallel = {name: [] for name in hosts}
for _ in range(3):
    for name, host in hosts.items():
        parallel[name].append(parallel_start(host))

med = lambda xs: statistics.median(xs)
b, d = results["Berth"], results["Docker"]
print(f"runs: {runs} each, alternating; image busybox:peer on both; 50-container start: 3 runs each")
print("| measurement | Berth | Docker (dockerd 20.10 + containerd + runc) | ratio Berth/Docker |")
print("|---|---|---|---|")
print(f"| `docker run --rm busybox true` (default bridge), median | {med(b['bridge']):.1f} ms | {med(d['bridge']):.1f} ms | {med(b['bridge']) / med(d['bridge']):.2f} |")
print(f"| same with `--network none`, median | {med(b['none']):.1f} ms | {med(d['none']):.1f} ms | {med(b['none']) / med(d['none']):.2f} |")
print(f"| bridge's added cost (bridge − none), median | {med(b['bridge']) - med(b['none']):.1f} ms | {med(d['bridge']) - med(d['none']):.1f} ms | |")
print(f"| `docker run -d` until it runs: bridge / none, median | {med(b['d-bridge']):.1f} / {med(b['d-none']):.1f} ms | {med(d['d-bridge']):.1f} / {med(d['d-none']):.1f} ms | {med(b['d-bridge']) / med(d['d-bridge']):.2f} |")
print(f"| bridge's added cost to starting (`-d`: bridge − none), median | {med(b['d-bridge']) - med(b['d-none']):.1f} ms | {med(d['d-bridge']) - med(d['d-none']):.1f} ms | |")
print(f"| `docker run -d -p 127.0.0.1:PORT:80 … httpd` until the port answers HTTP, median | {med(b['port']):.1f} ms | {med(d['port']):.1f} ms | {med(b['port']) / med(d['port']):.2f} |")
print(f"| 50 × `docker run -d` at once on one network, median wall time | {med(parallel['Berth']):.0f} ms | {med(parallel['Docker']):.0f} ms | {med(parallel['Berth']) / med(parallel['Docker']):.2f} |")
