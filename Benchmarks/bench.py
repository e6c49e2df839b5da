#!/usr/bin/env python3
"""Times getscreen-archiver against curl --parallel (plain and followed by sync) and aria2c, in one run,
on the same data served by nginx on loopback, interleaving the tools pair by pair.

    Benchmarks/bench.py                 every shape, N = 4 and 8, 5 pairs (about 20 minutes)
    Benchmarks/bench.py --quick         the regression guard: small shape, N = 4, 2 pairs
    Benchmarks/bench.py --shapes medium --transfers 4 --pairs 3
    Benchmarks/bench.py --shapes share  the archive on an sshfs mount (own sshd on loopback) against cp -r
                                        of the same files onto the same mount plus an fsync of each file, and
                                        curl --parallel from the same server onto it plus the same fsyncs

Prints one row per tool and N: median wall seconds, MB/s, peak RSS, CPU seconds, and for the archiver the
median of the per-pair ratios to curl and to curl + sync. Every run is checked: exit 0, every file present
with the right size.
"""
import argparse, os, shutil, statistics, subprocess, sys, time
from sshfs_share import SSHFSShare

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
KEY = "bench-key-0123456789"
SIZES = {"small": 2000 * 256 * 1024, "medium": 200 * 8 * 1024 * 1024, "large": 4 * 1024**3, "listing": 0,
         "share": 100 * 1024 * 1024}
COUNTS = {"small": 2000, "medium": 200, "large": 4, "listing": 100_000, "share": 100}
# Shapes whose outputs are kept until the shape is done rather than deleted after each run. This disk's ext4 has no
# journal, and without one ext4 skips every inode freed in the last 60 to 360 seconds when it allocates a new one
# (`recently_deleted` in a perf profile): deleting 2000-4000 files after each run made the next tool's file
# creations scan past all of them, whichever tool it was (half of the CPU samples of a small run, and a run's
# system time anywhere between 0.6 and 4.7 s). Nightly runs do not follow mass deletions. 2000 files of 256 KiB
# per run: 20 GB for 40 runs.
KEEP_OUTPUTS = {"small"}


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True, **kw)


def ensure_tools():
    missing = [pkg for tool, pkg in [("nginx", "nginx-light"), ("aria2c", "aria2"), ("/usr/bin/time", "time"),
                                     ("/usr/sbin/sshd", "openssh-server"), ("sshfs", "sshfs")]
               if not shutil.which(tool)]
    if missing:
        sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " + " ".join(missing))


def start_nginx(root, port):
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    conf = open(os.path.join(HERE, "nginx.conf.template")).read()
    conf = conf.replace("@ROOT@", root).replace("@PORT@", str(port)).replace("@KEY@", KEY)
    path = os.path.join(root, "nginx.conf")
    open(path, "w").write(conf)
    sh(["nginx", "-c", path, "-p", root])
    return path


def stop_nginx(path, root):
    subprocess.run(["nginx", "-c", path, "-p", root, "-s", "stop"])
    time.sleep(0.3)


def timed(cmd, cwd, env=None):
    """Runs cmd under /usr/bin/time; returns (wall s, peak RSS KiB, CPU s)."""
    tf = os.path.join(cwd, ".time")
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", "-o", tf] + cmd, cwd=cwd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({r.returncode}): {r.stderr[-2000:]}")
    wall, rss, user, system = open(tf).read().split()[-4:]
    os.unlink(tf)
    return float(wall), int(rss), float(user) + float(system)


def check(folder, shape):
    files, total = 0, 0
    for dirpath, dirnames, names in os.walk(folder):
        if ".getscreen-archiver" in dirpath:
            continue
        for n in names:
            if n.endswith(".mp4"):
                files += 1
                total += os.path.getsize(os.path.join(dirpath, n))
    if files != COUNTS[shape] or total != SIZES[shape]:
        sys.exit(f"incomplete result in {folder}: {files} files, {total} bytes")


def run_tool(tool, shape, n, data, port, binary, out):
    os.makedirs(out)
    # The catalog in a folder of the run's own (the default would be /var/lib/getscreen-archiver).
    env = dict(os.environ, GETSCREEN_API_KEY=KEY, XDG_STATE_HOME=out + ".state")
    if tool == "archiver":
        config = os.path.join(data, "bench.yaml")
        open(config, "w").write(
            f"api:\n  base_url: http://127.0.0.1:{port}/v1\narchive:\n  root: {out}\n  min_free: 0\n"
            f"transfers: {n}\nmedia_hosts: [\"127.0.0.1\"]\nallow_insecure_http: true\n")
        args = [binary, "sync", "--config", config, "--full", "--quiet"] + (["--dry-run"] if shape == "listing" else [])
        result = timed(args, out, env)
    elif tool == "curl" and shape == "listing":
        cfg = os.path.join(data, "pages.curl")
        with open(cfg, "w") as f:
            for url in open(os.path.join(data, "pages.txt")):
                f.write(f'url = "{url.strip()}"\noutput = "/dev/null"\n')
        result = timed(["curl", "-sS", "--fail", "-H", f"X-Api-Key: {KEY}", "--config", cfg], out)
    elif tool in ("curl", "curl+sync"):
        curl = ["curl", "-sS", "--fail", "--parallel", "--parallel-max", str(n), "--create-dirs",
                "--config", os.path.join(data, "urls.curl")]
        cmd = curl if tool == "curl" else ["sh", "-c", " ".join(f"'{c}'" for c in curl) + " && sync"]
        result = timed(cmd, out)
    elif tool in ("cp+fsync", "curl+fsync"):
        # cp: the same recordings, already local, copied onto the share; curl: downloaded onto it from the same
        # server as ours. Then each file flushed to the server.
        script = ("import os, sys\nfor d, _, names in os.walk(sys.argv[1]):\n    for n in names:\n"
                  "        fd = os.open(os.path.join(d, n), os.O_RDONLY)\n        os.fsync(fd)\n        os.close(fd)\n")
        copy = (f"cp -r '{os.path.join(data, 'site', 'video')}' '{out}/video'" if tool == "cp+fsync" else
                f"curl -sS --fail --parallel --parallel-max {n} --create-dirs --config '{os.path.join(data, 'urls.curl')}'")
        result = timed(["sh", "-c", f"{copy} && {sys.executable} -c '{script}' '{out}'"], out)
    elif tool == "aria2c":
        result = timed(["aria2c", "-q", "-j", str(n), "-x", "1", "--file-allocation=none", "--allow-overwrite=true",
                        "--auto-file-renaming=false", "-i", os.path.join(data, "urls.aria2"), "-d", out], out)
    if shape != "listing":
        check(out, shape)
    # Untimed: the next run starts with nothing of this one left to write back (a later sync or syncfs would
    # otherwise flush it on that run's clock).
    os.sync()
    if shape not in KEEP_OUTPUTS:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(out + ".state", ignore_errors=True)
        os.sync()
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", default="small,medium,large,listing")
    p.add_argument("--transfers", default="4,8")
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="small shape, N = 4, 2 pairs")
    p.add_argument("--work", default="/var/tmp/getscreen-archiver-bench")
    p.add_argument("--no-build", action="store_true")
    a = p.parse_args()
    if a.quick:
        a.shapes, a.transfers, a.pairs = "small", "4", 2
    ensure_tools()
    if not a.no_build:
        sh(["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", "getscreen-archiver"], cwd=REPO)
    binary = os.path.join(REPO, ".build/release/getscreen-archiver")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  nproc={os.cpu_count()}  pairs={a.pairs}")
    print("| shape | N | tool | wall s (median) | MB/s | peak RSS MiB | CPU s | ours/curl (share: ours/(cp+fsync)) "
          "| ours/(curl+sync) (share: ours/(curl+fsync)) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for i, shape in enumerate(a.shapes.split(",")):
        data = os.path.join(a.work, shape)
        port = 18080 + i
        os.makedirs(data, exist_ok=True)
        sh([sys.executable, os.path.join(HERE, "make_dataset.py"), shape, data, "--port", str(port), "--key", KEY])
        share = SSHFSShare(a.work) if shape == "share" else None
        outputs = os.path.join(share.mount if share else data, "runs")
        shutil.rmtree(outputs, ignore_errors=True)
        conf = start_nginx(data, port)
        try:
            tools = (["archiver", "curl"] if shape == "listing" else ["archiver", "cp+fsync", "curl+fsync"] if share
                     else ["archiver", "curl", "curl+sync", "aria2c"])
            for n in ([1] if shape == "listing" else [int(x) for x in a.transfers.split(",")]):
                runs = {t: [] for t in tools}
                for pair in range(a.pairs):
                    for t in tools:
                        out = os.path.join(outputs, f"{t}-{n}-{pair}")
                        runs[t].append(run_tool(t, shape, n, data, port, binary, out))
                baseline = "cp+fsync" if share else "curl"
                ratio = [o[0] / c[0] for o, c in zip(runs["archiver"], runs[baseline])]
                peer = "curl+fsync" if share else "curl+sync"
                ratio_sync = [o[0] / c[0] for o, c in zip(runs["archiver"], runs[peer])] if peer in runs else None
                for t in tools:
                    wall = statistics.median(r[0] for r in runs[t])
                    rss = max(r[1] for r in runs[t]) / 1024
                    cpu = statistics.median(r[2] for r in runs[t])
                    mbs = f"{SIZES[shape] / wall / 1e6:.0f}" if SIZES[shape] else "-"
                    r1 = f"{statistics.median(ratio):.2f} ({', '.join(f'{x:.2f}' for x in ratio)})" if t == "archiver" else ""
                    r2 = f"{statistics.median(ratio_sync):.2f}" if t == "archiver" and ratio_sync else ""
                    print(f"| {shape} | {n} | {t} | {wall:.2f} | {mbs} | {rss:.1f} | {cpu:.2f} | {r1} | {r2} |", flush=True)
        finally:
            stop_nginx(conf, data)
            shutil.rmtree(outputs, ignore_errors=True)
            if share:
                share.close()


if __name__ == "__main__":
    main()
