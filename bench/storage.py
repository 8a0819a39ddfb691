#!/usr/bin/env python3
"""Storage on berthd and dockerd, alternating with the host: 1 GiB through each kind of mount and the container's
layer (busybox dd, bs=1M: the write with conv=fsync, the read after `echo 3 > /proc/sys/vm/drop_caches`; tmpfs
reads come from memory either way), against the host's own dd on the same filesystem; then `docker run --rm` with
five named volumes. Reports medians (MB/s of 10^6 bytes, dd timed inside the container) and ratios.
Usage: storage.py RUNS RUNS_5V BERTH_HOST PEER_HOST SCRATCH_DIR"""
import os, statistics, subprocess, sys, time

runs, runs_5v, berth_host, peer_host, scratch = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
hosts = {"Berth": berth_host, "Docker": peer_host}
MIB = int(os.environ.get("BENCH_MIB", "1024"))  # a smaller size only to try the script

def run(argv, host, check=True):
    r = subprocess.run(["docker", *argv], env=dict(os.environ, DOCKER_HOST=host), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        raise RuntimeError(f"docker {' '.join(argv)} against {host} failed ({r.returncode}): {r.stderr.decode().strip()}")
    return r

def timed_dd(prefix, dd_args):
    """MB/s of one dd, timed where it runs (the container's or host's /proc/uptime, 10 ms steps: the exec's own
    cost stays out; Debian's busybox dd prints no rate)."""
    # `busybox dd` on both sides: the host's plain `dd` would be GNU's.
    script = f"read a _ </proc/uptime; busybox dd {dd_args} 2>/dev/null || exit 1; read b _ </proc/uptime; echo $a $b"
    out = subprocess.run([*prefix, "sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout.decode().split()
    seconds = float(out[1]) - float(out[0])
    return MIB * 1024 * 1024 / max(seconds, 0.01) / 1e6

def drop_caches():
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")

def settle():
    """After a 1 GiB file is removed: its blocks freed (and discarded: the filesystem is mounted with discard) and
    the journal committed before the next timed write, so no write pays for the one before."""
    subprocess.run(["sync"], check=True)
    time.sleep(1)

def dd_write(prefix, path):
    return timed_dd(prefix, f"if=/dev/zero of={path} bs=1M count={MIB} conv=fsync")

def dd_read(prefix, path, cached):
    if not cached:
        drop_caches()
    return timed_dd(prefix, f"if={path} of=/dev/null bs=1M")

def exec_prefix(host):
    return ["env", f"DOCKER_HOST={host}", "docker", "exec", "bench-io", "busybox"]

# Host baselines: the same static busybox dd, in a directory on the data roots' filesystem and on a tmpfs.
host_disk = os.path.join(scratch, "host-disk")
host_tmpfs = os.path.join(scratch, "host-tmpfs")
os.makedirs(host_disk, exist_ok=True)
os.makedirs(host_tmpfs, exist_ok=True)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200m", "bench-tmpfs", host_tmpfs], check=True)
targets = {"named volume": "/vol", "bind mount": "/bind", "tmpfs mount": "/tmpfs", "container layer": "/layer"}
baseline_of = {"named volume": "disk", "bind mount": "disk", "tmpfs mount": "tmpfs", "container layer": "disk"}
results = {(side, t, op): [] for side in list(hosts) + ["host"] for t in list(targets) + ["disk", "tmpfs"] for op in ("write", "read")}
errors = {}
ready = {}
try:
    for side, host in hosts.items():
        bind = os.path.join(scratch, "bind-" + side.lower())
        os.makedirs(bind, exist_ok=True)
        run(["rm", "-f", "bench-io"], host, check=False)
        try:
            run(["run", "-d", "--name", "bench-io", "-v", "bench-vol:/vol", "-v", f"{bind}:/bind", "--tmpfs", "/tmpfs:size=1200m",
                 "busybox:peer", "sh", "-c", "mkdir -p /layer && exec sleep 3600"], host)
            # A daemon that ignored a mount would measure its layer instead: every target must be a mount.
            mounts = run(["exec", "bench-io", "cat", "/proc/mounts"], host).stdout.decode()
            missing = [p for p in ("/vol", "/bind", "/tmpfs") if f" {p} " not in mounts]
            if missing:
                raise RuntimeError(f"no mount at {', '.join(missing)} in the container")
            ready[side] = True
        except RuntimeError as e:
            errors[side] = str(e).splitlines()[0]
    sides = list(hosts) + ["host"]
    for n in range(runs):
        # Each round starts with another side, so none always follows the same one.
        for side in sides[n % 3:] + sides[:n % 3]:
            if side != "host" and not ready.get(side):
                continue
            for t in (list(targets) if side != "host" else ["disk", "tmpfs"]):
                if side == "host":
                    prefix, path = ["busybox"], os.path.join(host_disk if t == "disk" else host_tmpfs, "f")
                else:
                    prefix, path = exec_prefix(hosts[side]), targets[t] + "/f"
                results[(side, t, "write")].append(dd_write(prefix, path))
                results[(side, t, "read")].append(dd_read(prefix, path, cached=(t in ("tmpfs", "tmpfs mount"))))
                subprocess.run([*prefix, "rm", "-f", path], check=True)
                settle()
finally:
    for side, host in hosts.items():
        run(["rm", "-f", "bench-io"], host, check=False)
        run(["volume", "rm", "bench-vol"], host, check=False)
    subprocess.run(["umount", host_tmpfs], check=False)

# docker run --rm with five named volumes (created by the warm-up runs, kept between runs).
five = [a for i in range(1, 6) for a in ("-v", f"bench-v{i}:/v{i}")]
five_errors = {}
for side, host in hosts.items():
    try:
        for _ in range(3):
            run(["run", "--rm", *five, "busybox:peer", "sh", "-c", "for i in 1 2 3 4 5; do grep -q \" /v$i \" /proc/mounts || exit 9; done"], host)
    except RuntimeError as e:
        five_errors[side] = str(e).splitlines()[0]


def time_runs(volumes):
    """Milliseconds of `docker run --rm [volumes] busybox true`, runs_5v per side, alternating."""
    ms = {side: [] for side in hosts}
    for _ in range(runs_5v):
        for side, host in hosts.items():
            if side in five_errors:
                continue
            time.sleep(0.15)
            t0 = time.perf_counter()
            run(["run", "--rm", *volumes, "busybox:peer", "true"], host)
            ms[side].append((time.perf_counter() - t0) * 1000)
    return ms


start_ms = time_runs(five)
none_ms = time_runs([])
for side, host in hosts.items():
    run(["volume", "rm", *[f"bench-v{i}" for i in range(1, 6)]], host, check=False)

med = lambda xs: statistics.median(xs) if xs else None
fmt = lambda x, unit: "n/a" if x is None else (f"{x:.0f} {unit}" if unit == "MB/s" else f"{x:.1f} {unit}")
ratio = lambda a, b: "" if a is None or b is None else f"{a / b:.2f}"
print(f"{MIB} MiB per run, {runs} runs each, alternating Berth, Docker, host; busybox dd bs=1M; write conv=fsync; read after drop_caches (tmpfs: from memory)")
for side, why in errors.items():
    print(f"{side}: I/O not measured: {why}")
print("| target | op | Berth | Docker | host | Berth/host | Docker/host |")
print("|---|---|---|---|---|---|---|")
for t in targets:
    for op in ("write", "read"):
        b, d, h = med(results[("Berth", t, op)]), med(results[("Docker", t, op)]), med(results[("host", baseline_of[t], op)])
        print(f"| {t} | {op} | {fmt(b, 'MB/s')} | {fmt(d, 'MB/s')} | {fmt(h, 'MB/s')} | {ratio(b, h)} | {ratio(d, h)} |")
print()
print(f"`docker run --rm` with five named volumes, {runs_5v} runs each, alternating (and without volumes, for their cost)")
for side, why in five_errors.items():
    print(f"{side}: not measured: {why}")
print("| measurement | Berth | Docker | ratio Berth/Docker |")
print("|---|---|---|---|")
b, d = med(start_ms["Berth"]), med(start_ms["Docker"])
print(f"| `docker run --rm -v v1:/v1 … -v v5:/v5 busybox true`, median | {fmt(b, 'ms')} | {fmt(d, 'ms')} | {ratio(b, d)} |")
bn, dn = med(none_ms["Berth"]), med(none_ms["Docker"])
print(f"| same without volumes, median | {fmt(bn, 'ms')} | {fmt(dn, 'ms')} | {ratio(bn, dn)} |")
if b is not None and bn is not None and d is not None and dn is not None:
    print(f"| five volumes' added cost, median | {b - bn:.1f} ms | {d - dn:.1f} ms | |")
