"""Benchmark: answer latency over the gold questions, on a store built from the shared corpus.

    python -m evals.bench_ask [--store DIR] [--runs 5] [--mode hybrid]

Ingests ../shared/corpus/reports and the bundled sample into DIR first (a no-op when already there),
then asks every gold question `runs` times in one process and prints p50/p95 per kind and overall.
Results are written down in docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from assistant.assistant import Assistant
from evals.harness import load_gold
from ingest.batch import expand_paths, ingest_files
from vectorstore.store import Store

REPO = Path(__file__).resolve().parents[1]
CORPUS = [REPO.parent / "shared" / "corpus" / "reports", REPO / "data"]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=None, help="store directory (default: a temporary one)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mode", default=None)
    args = ap.parse_args()
    directory = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="dqa-bench-"))
    with Store.open(directory) as store:
        for _ in ingest_files(expand_paths(CORPUS), store.sink()):
            pass
        store.chunks.sync(progress=False)
        bot = Assistant(store, mode=args.mode)
        items = load_gold([])
        bot.ask(items[0].question)  # warm-up: jieba, the embedder, caches
        by_kind: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.runs):
            for item in items:
                t0 = time.perf_counter()
                bot.ask(item.question, history=item.history)
                by_kind[item.kind].append((time.perf_counter() - t0) * 1000)
    every = [x for xs in by_kind.values() for x in xs]
    print(f"{len(items)} questions x {args.runs} runs, mode {bot.mode or 'default'}")
    for kind, xs in sorted(by_kind.items()):
        print(f"  {kind:<11} n={len(xs):<4} p50 {statistics.median(xs):6.1f} ms   p95 {pct(xs, 0.95):6.1f} ms")
    print(f"  {'all':<11} n={len(every):<4} p50 {statistics.median(every):6.1f} ms   p95 {pct(every, 0.95):6.1f} ms")


if __name__ == "__main__":
    main()
