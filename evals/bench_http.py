"""Benchmark: /api/ask over HTTP, and the memory of a `serve` process, on a store built by bench_scale.

    python -m evals.bench_http --store DIR [--requests 300] [--chat]

Starts the web app in a separate process (uvicorn on a free loopback port, the Gradio chat mounted
with --chat) on the store `python -m evals.bench_scale --reports N --store DIR` built (its vectors
come from bench_scale's HashEmbedder, so this process uses that embedder too), sends the gold
questions one after another (retargeted to the store's agencies by bench_scale's own question set
when the store is synthetic), and prints p50/p95 of the HTTP round trip, the share of each status,
and the server's peak resident memory (VmHWM from /proc). Results go in docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SERVER = """
import os, sys, uvicorn
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
sys.path.insert(0, {repo!r})
from evals.bench_scale import HashEmbedder
from ui.web import WebConfig, create_app
app = create_app(WebConfig(store_dir={store!r}, chat={chat!r}, embedder=HashEmbedder() if {hash!r} else None,
                           rate_per_minute=1_000_000))
print("ready", flush=True)
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def questions() -> list[str]:
    out = []
    for f in sorted((REPO / "evals" / "gold").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if not item.get("history"):
                    out.append(item["question"])
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--chat", action="store_true", help="mount the Gradio chat too (its memory counts)")
    ap.add_argument("--store-embedder", choices=["hash", "default"], default="hash",
                    help="hash: a store bench_scale built (HashEmbedder vectors); default: the store's own embedder")
    args = ap.parse_args()
    port = free_port()
    code = SERVER.format(repo=str(REPO), store=args.store, chat=args.chat, port=port, hash=args.store_embedder == "hash")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/api/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                print(proc.stdout.read())
                return 1
            time.sleep(0.2)
    print(f"server up in {time.perf_counter() - t0:.1f} s; RSS peak {rss_peak_mb(proc.pid):.0f} MB")
    qs = questions()
    lat, statuses = [], {}
    try:
        for i in range(args.requests):
            body = json.dumps({"question": qs[i % len(qs)]}).encode()
            req = urllib.request.Request(url + "/api/ask", data=body, headers={"Content-Type": "application/json"})
            t = time.perf_counter()
            with urllib.request.urlopen(req, timeout=60) as r:
                status = json.loads(r.read())["status"]
            lat.append((time.perf_counter() - t) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
        lat.sort()
        p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
        print(f"/api/ask over HTTP, {len(lat)} requests: p50 {statistics.median(lat):.1f} ms, p95 {p95:.1f} ms; "
              f"statuses {statuses}")
        print(f"serve process peak RSS (VmHWM): {rss_peak_mb(proc.pid):.0f} MB{' with the Gradio chat' if args.chat else ''}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
