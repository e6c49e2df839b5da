#!/usr/bin/env python3
"""Writes a benchmark data set as a static site that nginx serves the way the Getscreen API does.

    site/v1/history/list/<offset>.json   pages of history/list (video objects with url and size)
    site/video/<agent>/<session>.mp4     recordings: random bytes, so nothing compresses
    urls.curl, urls.aria2                the same recordings as curl --config and aria2c -i inputs
    pages.txt                            the list-page URLs, in the order the archiver requests them

Pages exist at the offsets the archiver asks for: 0, then each page's offset plus its length minus the
overlap it keeps against pagination drift (see ListingPager.overlap): 0, 95, 190, ..., and one page after the
last, holding only that overlap, which shows the archiver the list's end (it trusts neither limit nor total).
"""
import argparse, json, os, random

SHAPES = {
    "small": (2000, 256 * 1024),
    "medium": (200, 8 * 1024 * 1024),
    "large": (4, 1024 * 1024 * 1024),
    "listing": (100_000, 1024 * 1024),  # listed only (a dry run): sizes announced, no recordings written
    "share": (100, 1024 * 1024),
}
PAGE = 100
OVERLAP = min(5, PAGE // 4)
AGENTS = [(1400000 + i, name) for i, name in enumerate(["Accounting-PC", "DESKTOP-7Q2M", "Reception-01", "LAPTOP-K9", "Warehouse"])]


def write_random(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = min(left, 4 << 20)
            f.write(os.urandom(chunk))
            left -= chunk


def main():
    p = argparse.ArgumentParser()
    p.add_argument("shape", choices=SHAPES)
    p.add_argument("dir")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    a = p.parse_args()
    count, size = SHAPES[a.shape]
    base = f"http://127.0.0.1:{a.port}"
    rng = random.Random(42)
    sessions = []
    start = 1_780_000_000
    for i in range(count):
        agent_id, agent_name = AGENTS[i % len(AGENTS)]
        sid = 10_000_000 + i
        s = start - i * 97
        sessions.append({
            "id": sid, "start": s, "stop": s + 60 + rng.randrange(3600), "support_id": None,
            "client": [{"user_agent": "Mozilla/5.0", "login": "tech@example.com",
                        "geo": {"ip": "10.0.0.1", "country": "USA", "region": "California", "city": "Los Angeles"}}],
            "agent": {"id": agent_id, "name": agent_name, "group": "Benchmark",
                      "geo": {"ip": "10.0.0.2", "country": "USA", "region": "California", "city": "Los Angeles"},
                      "os": "win", "version": "2.1.5", "owner": "owner@example.com"},
            "video": {"url": f"{base}/video/{agent_id}/{sid}.mp4", "size": size},
        })
    site = os.path.join(a.dir, "site")
    os.makedirs(os.path.join(site, "v1/history/list"), exist_ok=True)
    offsets, offset = [], 0
    while True:
        offsets.append(offset)
        if offset + PAGE >= count:
            break
        offset += PAGE - OVERLAP
    # The page that shows the end: the last page's overlap (less than its length) and nothing beyond.
    last = count - offsets[-1]
    offsets.append(offsets[-1] + last - min(OVERLAP, max(0, last - 1)))
    with open(os.path.join(a.dir, "pages.txt"), "w") as pages:
        for offset in offsets:
            page = {"offset": offset, "limit": PAGE, "total": count, "filter": {"video": True},
                    "data": sessions[offset:offset + PAGE]}
            with open(os.path.join(site, f"v1/history/list/{offset}.json"), "w") as f:
                json.dump(page, f, separators=(",", ":"))
            pages.write(f"{base}/v1/history/list?video=true&offset={offset}&limit={PAGE}\n")
    if a.shape != "listing":
        with open(os.path.join(a.dir, "urls.curl"), "w") as c, open(os.path.join(a.dir, "urls.aria2"), "w") as r:
            for s in sessions:
                agent, sid = s["agent"]["id"], s["id"]
                folder = os.path.join(site, "video", str(agent))
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, f"{sid}.mp4")
                if not os.path.exists(path) or os.path.getsize(path) != size:
                    write_random(path, size)
                url = f"{s['video']['url']}?apikey={a.key}"
                c.write(f'url = "{url}"\noutput = "{agent}/{sid}.mp4"\n')
                r.write(f"{url}\n  dir={agent}\n  out={sid}.mp4\n")


if __name__ == "__main__":
    main()
