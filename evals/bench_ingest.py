"""Benchmark: parse-and-check throughput on the shared corpus (no store, no model).

    python -m evals.bench_ingest [--runs 7] [--corpus ../shared/corpus/reports]

Prints reports per second for each run and the median. Results are written down in docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from ingest.batch import expand_paths
from ingest.pipeline import parse_file

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "reports"


def run_once(files: list[Path]) -> float:
    t0 = time.perf_counter()
    for f in files:
        parse_file(f)
    return len(files) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=5, help="passes over the corpus in one run")
    args = ap.parse_args()
    files = expand_paths([args.corpus]) * args.repeat
    kinds = sorted({f.suffix for f in files})
    run_once(files[: len(files) // args.repeat])  # warm-up: imports, regex compilation
    rates = []
    for i in range(args.runs):
        rates.append(run_once(files))
        print(f"run {i + 1}: {rates[-1]:.1f} reports/s")
    print(f"files: {len(files) // args.repeat} ({', '.join(kinds)}) x {args.repeat} passes per run")
    print(f"median: {statistics.median(rates):.1f} reports/s  (min {min(rates):.1f}, max {max(rates):.1f}, runs {args.runs})")


if __name__ == "__main__":
    main()
