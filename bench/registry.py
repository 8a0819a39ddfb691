#!/usr/bin/env python3
"""Times docker push and docker pull of a 500 MB, 10-layer image against berthd and dockerd through Berth's registry
on 127.0.0.1 (a fresh registry each run, so every layer is sent), alternating; a warm no-op pull; 10 concurrent
pulls; skopeo copy registry->dir and dir->registry as a second reference. Reports medians, MB/s and ratios.
Usage: registry.py RUNS BERTH_HOST PEER_HOST WORKDIR"""
import os, socket, statistics, subprocess, sys, time, concurrent.futures, shutil

runs, berth_host, peer_host, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
berth_cli = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bin", "berth")
LAYERS, LAYER_MB = 10, 50
SIZE_MB = LAYERS * LAYER_MB

def sh(argv, host=None, check=True, quiet=True):
    env = dict(os.environ, DOCKER_BUILDKIT="0")
    if host:
        env["DOCKER_HOST"] = host
    r = subprocess.run(argv, env=env, stdout=subprocess.PIPE if quiet else None, stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        sys.exit(f"{' '.join(argv)} against {host} failed: {r.stderr.decode().strip()}")
    return r

def timed(argv, host=None):
    start = time.perf_counter()
    sh(argv, host)
    return (time.perf_counter() - start) * 1000

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

registries = []
def registry():
    port = free_port()
    root = os.path.join(work, f"registry-{port}")
    p = subprocess.Popen([berth_cli, "registry", "serve", "--addr", f"127.0.0.1:{port}", "--root", root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    registries.append((p, root))
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close(); break
        except OSError:
            time.sleep(0.05)
    return f"127.0.0.1:{port}"

# The same image on both sides: built by the real Docker (10 layers of 50 MB of random bytes), loaded into Berth.
ctx = os.path.join(work, "context"); os.makedirs(ctx, exist_ok=True)
with open(os.path.join(ctx, "Dockerfile"), "w") as f:
    f.write("FROM busybox:peer\n" + "".join(f"RUN head -c {LAYER_MB * 1000000} /dev/urandom > /layer{i}\n" for i in range(LAYERS)))
sh(["docker", "build", "-q", "-t", "bench-registry:src", ctx], peer_host)
archive = os.path.join(work, "image.tar")
sh(["docker", "save", "-o", archive, "bench-registry:src"], peer_host)
sh(["docker", "load", "-q", "-i", archive], berth_host)
os.remove(archive)

current = {berth_host: "bench-registry:src", peer_host: "bench-registry:src"}
def push_pull(host):
    """Push to a fresh registry, remove the image, pull it back: (push ms, pull ms, warm pull ms, ref)."""
    reg = registry()
    ref = f"{reg}/bench/big:v1"
    sh(["docker", "tag", current[host], ref], host)
    sh(["docker", "rmi", current[host]], host)
    current[host] = ref
    push = timed(["docker", "push", ref], host)
    sh(["docker", "rmi", ref], host)
    pull = timed(["docker", "pull", ref], host)
    warm = statistics.median(timed(["docker", "pull", "-q", ref], host) for _ in range(5))
    return push, pull, warm, ref

def concurrent_pulls(host, ref, n=10):
    sh(["docker", "rmi", ref], host)
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        list(pool.map(lambda _: sh(["docker", "pull", "-q", ref], host), range(n)))
    return (time.perf_counter() - start) * 1000

results = {"push": ([], []), "pull": ([], []), "warm pull (no-op)": ([], []), "10 concurrent pulls": ([], [])}
for _ in range(runs):
    for side, host in ((0, berth_host), (1, peer_host)):
        push, pull, warm, ref = push_pull(host)
        results["push"][side].append(push)
        results["pull"][side].append(pull)
        results["warm pull (no-op)"][side].append(warm)
        results["10 concurrent pulls"][side].append(concurrent_pulls(host, ref))

# skopeo: the same image, registry -> OCI directory and back to a fresh registry.
sk_pull, sk_push = [], []
src = current[berth_host]
for i in range(runs):
    d = os.path.join(work, f"skopeo-{i}")
    sk_pull.append(timed(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{src}", f"oci:{d}"]))
    sk_push.append(timed(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{d}", f"docker://{registry()}/bench/skopeo:v1"]))
    shutil.rmtree(d)

for p, root in registries:
    p.terminate(); p.wait()
    shutil.rmtree(root, ignore_errors=True)
for host in (berth_host, peer_host):
    sh(["docker", "rmi", current[host]], host, check=False)

print(f"runs: {runs} each, alternating; image: busybox + {LAYERS} layers x {LAYER_MB} MB of random bytes ({SIZE_MB} MB), "
      "Berth's registry on 127.0.0.1, a fresh one for each push")
print("| measurement | Berth | Docker (dockerd 20.10) | ratio Berth/Docker | skopeo copy |")
print("|---|---|---|---|---|")
for name, (b, d) in results.items():
    mb, md = statistics.median(b), statistics.median(d)
    extra = ""
    if name == "push":
        extra = f"{statistics.median(sk_push):.0f} ms (dir -> registry)"
    if name == "pull":
        extra = f"{statistics.median(sk_pull):.0f} ms (registry -> dir)"
    rate = f" ({SIZE_MB / mb * 1000:.0f} MB/s vs {SIZE_MB / md * 1000:.0f} MB/s)" if name in ("push", "pull") else ""
    print(f"| {name}, median | {mb:.0f} ms | {md:.0f} ms | {mb / md:.2f}{rate} | {extra} |")
