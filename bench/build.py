#!/usr/bin/env python3
"""Times `docker build` of a 12-step Dockerfile with a 50 MB context against berthd and dockerd, alternating:
cold (--no-cache), fully cached, and after touching one file; and `berth build` against berthd (which sends the
context's larger files by digest first, and the whole context only when the cache lacks a step); reports medians
and ratios, each against Docker's `docker build`.
Usage: build.py RUNS BERTH_HOST PEER_HOST WORKDIR"""
import os, statistics, subprocess, sys, time

runs, berth_host, peer_host, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = os.path.join(work, "context")
os.makedirs(os.path.join(ctx, "data"), exist_ok=True)
# 50 MB in 50 files of incompressible bytes, plus a small file the third series changes.
for i in range(50):
    with open(os.path.join(ctx, "data", f"blob{i:02}.bin"), "wb") as f:
        f.write(os.urandom(1 << 20))
with open(os.path.join(ctx, "app.conf"), "w") as f:
    f.write("version=0\n")
with open(os.path.join(ctx, "Dockerfile"), "w") as f:
    f.write("""FROM busybox:peer
ENV APP=/app LEVEL=info
WORKDIR /app
COPY data/ ./data/
RUN du -sk data > size.txt
RUN for i in 1 2 3 4 5; do echo line $i >> log.txt; done
ARG VERSION=1
LABEL org.example.version=$VERSION
COPY app.conf ./
RUN cat app.conf size.txt > summary.txt && rm log.txt
EXPOSE 8080
CMD ["cat", "/app/summary.txt"]
""")

berth = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin", "berth")
client_cache = os.path.join(work, "client-cache")

def build(host, *flags, client="docker"):
    argv = [client, "build", "-q", *flags, "-t", "bench-build:latest", ctx]
    start = time.perf_counter()
    r = subprocess.run(argv, env=dict(os.environ, DOCKER_HOST=host, DOCKER_BUILDKIT="0", XDG_CACHE_HOME=client_cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)} against {host} failed: {r.stderr.decode().strip()}")
    return elapsed

touch = [0]
def touched(host, client="docker"):
    touch[0] += 1
    with open(os.path.join(ctx, "app.conf"), "w") as f:
        f.write(f"version={touch[0]}\n")
    return build(host, client=client)

series = {
    "cold": lambda h, c="docker": build(h, "--no-cache", client=c),
    "cached": lambda h, c="docker": build(h, client=c),
    "one file changed": touched,
}
for host in (berth_host, peer_host):  # warm up: the base image's layers, the page cache
    build(host, "--no-cache")
# The client alone: `docker build` against a stand-in daemon that answers at once and discards the context.
sink_path = os.path.join(work, "sink.sock")
sink = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "context_sink.py"), sink_path])
for _ in range(100):
    if os.path.exists(sink_path):
        break
    time.sleep(0.05)
sink_host = "unix://" + sink_path
results, with_berth, alone = {}, {}, []
try:
    for name, fn in series.items():
        b, bb, d = [], [], []
        for _ in range(runs):
            # Each side sees the same context state: the touch series changes the file before each side's build.
            b.append(fn(berth_host))
            bb.append(fn(berth_host, berth))
            d.append(fn(peer_host))
            if name == "cached":
                alone.append(build(sink_host))
        results[name] = (b, d)
        with_berth[name] = bb
finally:
    sink.kill()

print(f"runs: {runs} each, alternating; 12-step Dockerfile, 50 MB context (50 x 1 MiB random files), docker build -q")
print("| measurement | Berth | Docker (dockerd 20.10 legacy builder) | ratio Berth/Docker |")
print("|---|---|---|---|")
for name, (b, d) in results.items():
    mb, md = statistics.median(b), statistics.median(d)
    print(f"| {name}, median | {mb:.0f} ms | {md:.0f} ms | {mb / md:.2f} |")
ma, md = statistics.median(alone), statistics.median(results["cached"][1])
print(f"| cached, the docker CLI alone (a stand-in daemon that discards the context), median | {ma:.0f} ms | | {ma / md:.2f} |")
for name, bb in with_berth.items():
    mb, md = statistics.median(bb), statistics.median(results[name][1])
    print(f"| {name}, `berth build` against berthd (Docker: `docker build`), median | {mb:.0f} ms | {md:.0f} ms | {mb / md:.2f} |")
for host in (berth_host, peer_host):
    subprocess.run(["docker", "rmi", "bench-build:latest"], env=dict(os.environ, DOCKER_HOST=host), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
