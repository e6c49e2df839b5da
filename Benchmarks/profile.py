#!/usr/bin/env python3
"""One run of getscreen-archiver or curl on a shape that bench.py has generated, for profiling: timed (user and
system seconds apart), under `perf record -g`, or under `strace -c -f`.

    Benchmarks/profile.py medium archiver time      # user/system split, as in Benchmarks/README.md's "CPU"
    Benchmarks/profile.py medium curl time
    Benchmarks/profile.py small archiver perf       # then: perf report -i /tmp/getscreen-archiver.perf --children
    Benchmarks/profile.py small archiver strace     # the syscall counts, in /tmp/getscreen-archiver.strace

Run bench.py once first (it writes the data under --work and builds the release binary). Outputs are kept in
--work/profile-runs (see bench.py's KEEP_OUTPUTS for why deleting them between runs skews the next one); delete
the folder when done.
"""
import argparse, os, subprocess, sys, time

import bench

MODES = {
    "time": [],
    "perf": ["perf", "record", "-F", "2000", "-g", "-o", "/tmp/getscreen-archiver.perf", "--"],
    "strace": ["strace", "-c", "-f", "-o", "/tmp/getscreen-archiver.strace"],
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("shape", choices=["small", "medium", "large"])
    p.add_argument("tool", choices=["archiver", "curl"])
    p.add_argument("mode", choices=sorted(MODES))
    p.add_argument("--transfers", default="4")
    p.add_argument("--work", default="/var/tmp/getscreen-archiver-bench")
    a = p.parse_args()
    data = os.path.join(a.work, a.shape)
    if not os.path.exists(os.path.join(data, "urls.curl")):
        sys.exit(f"no {a.shape} data in {data}: run Benchmarks/bench.py --shapes {a.shape} --pairs 1 first")
    port = 18090
    subprocess.run([sys.executable, os.path.join(bench.HERE, "make_dataset.py"), a.shape, data, "--port", str(port),
                    "--key", bench.KEY], check=True)
    out = os.path.join(a.work, "profile-runs", f"{a.tool}-{time.time():.0f}")
    os.makedirs(out)
    if a.tool == "archiver":
        config = os.path.join(data, "profile.yaml")
        open(config, "w").write(
            f"api:\n  base_url: http://127.0.0.1:{port}/v1\narchive:\n  root: {out}\n  min_free: 0\n"
            f"transfers: {a.transfers}\nmedia_hosts: [\"127.0.0.1\"]\nallow_insecure_http: true\n")
        command = [os.path.join(bench.REPO, ".build/release/getscreen-archiver"), "sync", "--config", config,
                   "--full", "--quiet"]
    else:
        command = ["curl", "-sS", "--fail", "--parallel", "--parallel-max", a.transfers, "--create-dirs",
                   "--config", os.path.join(data, "urls.curl")]
    conf = bench.start_nginx(data, port)
    try:
        env = dict(os.environ, GETSCREEN_API_KEY=bench.KEY)
        timing = ["/usr/bin/time", "-f", "%e s wall, %U s user, %S s system, peak RSS %M KiB"]
        result = subprocess.run(timing + MODES[a.mode] + command, cwd=out, env=env, capture_output=True, text=True)
        print(result.stderr.strip().splitlines()[-1])
        if result.returncode != 0:
            sys.exit(f"{a.tool} failed ({result.returncode}): {result.stderr[-2000:]}")
        bench.check(out, a.shape)
        os.sync()
    finally:
        bench.stop_nginx(conf, data)


if __name__ == "__main__":
    main()
