"""The chunk index: narrative chunks searchable by meaning (Chroma) and by keyword (jieba + BM25).

    >>> index = store.chunks                                   # a ChunkIndex on the store directory
    >>> index.sync()                                           # embed what is not embedded yet
    SyncResult(added=17, deleted=0, embedded=17, seconds=4.1)
    >>> index.dense("存在哪些问题", 3, report_ids=[rid])         # [(chunk_id, cosine similarity), …]
    >>> index.bm25("门户网站发布了多少条信息", 5)                 # [(chunk_id, BM25 score), …]

The chunks themselves live in the facts SQLite (table `chunks`, written in the same
transaction as their report, deleted with it). Everything here is derived from that table:

- the Chroma collection (`DIR/chroma`, collection "chunks", cosine space) holds one vector per
  chunk. `sync()` embeds the chunks Chroma lacks, in batches, and deletes the Chroma entries
  whose chunk is gone. A crash midway leaves SQLite as it was and Chroma a subset of it; the
  next `sync()` carries on. Vectors come through the embedding cache (`DIR/embeddings.sqlite`),
  so a chunk text that was ever embedded with this model is not embedded again.
- the BM25 keyword index is rebuilt in memory from the jieba tokens stored per chunk (tokenized
  once, at sync or first search) whenever the chunks table changed.
"""
from __future__ import annotations

import logging
import re
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

import numpy as np

from ingest.models import Chunk

from .embeddings import CachedEmbedder, ChunkEmbeddingFunction, Embedder, EmbeddingCache, passage_text
from .facts import FactStore

COLLECTION = "chunks"
CHROMA_DIR = "chroma"
BATCH_SIZE = 32

# ---- keyword tokens ------------------------------------------------------------

_JIEBA = None
_JIEBA_LOCK = threading.Lock()
_STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 等 有 为 对 将 把 被 从 并 或 也 都 就 而 其 之 以 于 上 中 下 个 这 那 "
    "哪些 哪个 什么 多少 几 怎么 怎样 如何 是否 吗 呢 吧 啊 请问 一下".split()
)
_KEEP_RE = re.compile(r"[\w\u4e00-\u9fff]")


def _jieba():
    """jieba, with its dictionary loaded once per process (~1 s)."""
    global _JIEBA
    if _JIEBA is None:
        with _JIEBA_LOCK:
            if _JIEBA is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _JIEBA = jieba
    return _JIEBA


def tokenize(text: str) -> list[str]:
    """Search tokens of a Chinese text: jieba's search-engine mode (words and their parts),
    without punctuation, whitespace and a few function words."""
    out = []
    for t in _jieba().cut_for_search(text):
        t = t.strip().lower()
        if t and _KEEP_RE.search(t) and t not in _STOPWORDS:
            out.append(t)
    return out


# ---- the index -------------------------------------------------------------------


@dataclass
class SyncResult:
    added: int = 0  # vectors added to Chroma
    deleted: int = 0  # Chroma entries removed (their chunk is gone)
    embedded: int = 0  # passages the model embedded (the rest came from the cache)
    seconds: float = 0.0


SUBSET_IDF_MAX = 2000  # a filtered search over at most this many chunks weighs words within them


def _bm25(corpus: list[list[str]]):
    from rank_bm25 import BM25Okapi

    # BM25Okapi's idf is log((N - n + 0.5) / (n + 0.5)): with fewer than 3 documents every term
    # gets an idf <= 0 and every score is 0. Empty padding documents keep N >= 3.
    corpus = corpus + [[] for _ in range(max(0, 3 - len(corpus)))]
    return BM25Okapi(corpus) if any(corpus) else None  # (BM25Okapi divides by the vocabulary size)


def subset_search(rows: list[tuple[str, str]], tokens: list[str], n: int) -> list[tuple[str, float]]:
    """BM25 over a few reports' chunks [(chunk_id, tokens)], words weighed by how rare they are among
    those chunks (a word every chunk of the report has, like its agency's name, tells nothing)."""
    if not rows or not tokens:
        return []
    bm25 = _bm25([t.split() for _, t in rows])
    if bm25 is None:
        return []
    scores = np.asarray(bm25.get_scores(tokens))[: len(rows)]
    out = []
    for i in np.argsort(-scores, kind="stable")[:n]:
        if scores[i] <= 0:  # no query word in it: not a keyword match
            break
        out.append((rows[i][0], float(scores[i])))
    return out


class ChunkIndex:
    """Dense (Chroma) and keyword (BM25) search over the chunks stored in a FactStore."""

    def __init__(self, directory: str | Path, facts: FactStore, embedder: Embedder,
                 cache: Optional[EmbeddingCache] = None, chroma_url: Optional[str] = None):
        self.directory = Path(directory)
        self.chroma_url = chroma_url  # a Chroma server (http://host:port); None: on disk in directory
        self.facts = facts
        self._own_cache = cache is None
        self.cache = cache if cache is not None else EmbeddingCache(self.directory / EmbeddingCache.FILE_NAME)
        self.embedder = CachedEmbedder(embedder, self.cache)
        self._client = None
        self._collection = None
        self._tokens_seen = None  # the store version whose chunks all had tokens
        self._lock = threading.RLock()
        self._sync_lock = threading.Lock()

    @property
    def stats(self):
        """Embedding counters of this process: requested, hits (from the cache), embedded, calls, seconds."""
        return self.embedder.stats

    # ---- Chroma ------------------------------------------------------------
    def _chroma(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            settings = Settings(anonymized_telemetry=False)
            if self.chroma_url:
                self._client = chroma_http_client(self.chroma_url, settings)
            else:
                with self._first_open():
                    self._client = chromadb.PersistentClient(path=str(self.directory / CHROMA_DIR), settings=settings)
        return self._client

    @contextmanager
    def _first_open(self):
        """Chroma on disk creates its tables when first opened; two processes opening a new store at
        once (two ingests started together) would both create them. They take turns here."""
        try:
            import fcntl
        except ImportError:  # (no fcntl: one process at a time is the caller's to keep)
            yield
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".chroma.lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def collection(self):
        """The Chroma collection, created on first use, always with our embedding function."""
        with self._lock:
            if self._collection is None:
                client = self._chroma()
                return self._open_collection(client)
            return self._collection

    def _open_collection(self, client):
        """Get (or create) the collection, always with our embedding function; vectors of another model
        (a reindex that stopped midway) start it over."""
        with nullcontext() if self.chroma_url else self._first_open():
            ef = ChunkEmbeddingFunction(self.embedder.embedder)
            try:
                coll = client.get_collection(COLLECTION, embedding_function=ef)
            except Exception:  # not there yet (NotFoundError; ValueError in older Chroma)
                coll = None
            if coll is not None:
                stored = coll.configuration.get("embedding_function")
                stored_name = stored.get_config().get("embedder") if stored is not None else None
                if stored_name != self.embedder.name:
                    client.delete_collection(COLLECTION)
                    coll = None
            if coll is None:
                coll = client.get_or_create_collection(
                    COLLECTION, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}},
                    metadata={"source": "disclosure-qa chunks"})
            self._collection = coll
            return coll

    def drop_vectors(self) -> None:
        """Delete the whole Chroma collection (reindex rebuilds it)."""
        with self._lock:
            client = self._chroma()
            try:
                client.delete_collection(COLLECTION)
            except Exception:
                pass
            self._collection = None

    def forget(self, chunk_ids: Iterable[str]) -> None:
        """Drop the vectors of these chunks (those Chroma has); the next sync() embeds whichever are
        still stored (from the cache, when their passage text was embedded before)."""
        ids = sorted(set(chunk_ids))
        if not ids:
            return
        with self._server_lost("removing the passages' vectors"):
            coll = self.collection()
            for i in range(0, len(ids), 1000):
                coll.delete(ids=ids[i:i + 1000])

    def vector_ids(self) -> set[str]:
        """The chunk ids Chroma holds a vector for."""
        coll = self.collection()
        ids: set[str] = set()
        total = coll.count()
        page = 5000
        for offset in range(0, total, page):
            ids.update(coll.get(include=[], limit=page, offset=offset)["ids"])
        return ids

    def sync(self, batch_size: int = BATCH_SIZE, progress: Optional[bool] = None,
             announce: Optional[Callable[[int], None]] = None) -> SyncResult:
        """Bring Chroma in line with the chunks table: embed missing chunks, drop vanished ones.

        Safe to interrupt: every batch is added to Chroma on its own, so a second sync()
        resumes with the chunks still missing. `progress` shows a tqdm bar (default: when
        stderr is a terminal); `announce(n)` is called with the number of chunks to embed.
        """
        t0 = time.perf_counter()
        result = SyncResult()
        embedded_before = self.stats.embedded
        # one sync at a time; searches go on meanwhile (they see the vectors added so far)
        with self._sync_lock, self._server_lost("adding the passages' vectors"):
            self._tokenize_missing()
            coll = self.collection()
            want = self.facts.chunk_ids()
            have = self.vector_ids()
            stale = sorted(have - want)
            for i in range(0, len(stale), 1000):
                coll.delete(ids=stale[i:i + 1000])
            result.deleted = len(stale)
            missing = want - have
            if announce is not None:
                announce(len(missing))
            if missing:
                todo = [c for batch in self.facts.iter_chunks() for c in batch if c.chunk_id in missing]
                if progress is None:
                    progress = sys.stderr.isatty()
                from tqdm import tqdm

                bar = tqdm(total=len(todo), unit="chunk", desc="embedding", file=sys.stderr,
                           disable=not progress, leave=False)
                try:
                    for i in range(0, len(todo), batch_size):
                        batch = todo[i:i + batch_size]
                        vectors = self.embedder.embed_passages([passage_text(c.section, c.text) for c in batch])
                        coll.add(ids=[c.chunk_id for c in batch], embeddings=vectors,
                                 documents=[c.text for c in batch], metadatas=[_metadata(c) for c in batch])
                        result.added += len(batch)
                        bar.update(len(batch))
                finally:
                    bar.close()
        result.embedded = self.stats.embedded - embedded_before
        result.seconds = time.perf_counter() - t0
        return result

    @contextmanager
    def _server_lost(self, doing: str):
        """A Chroma server that stops answering midway is said plainly: what was kept, what to do."""
        if not self.chroma_url:
            yield
            return
        import httpx

        try:
            yield
        except httpx.TransportError as e:
            raise ConnectionError(
                f"the Chroma server at {self.chroma_url} stopped answering while {doing} ({type(e).__name__}: {e}). "
                "Every report's facts and passages are stored; the vectors added so far are kept. "
                "Run the same command again once the server is back: it adds the vectors still missing.") from e

    def pending(self) -> int:
        """Chunks stored but not yet embedded (what sync() would add)."""
        return len(self.facts.chunk_ids() - self.vector_ids())

    # ---- searching ----------------------------------------------------------
    def dense(self, query: str, n: int, report_ids: Optional[Iterable[str]] = None,
              year: Optional[int] = None) -> list[tuple[str, float]]:
        """The n chunks nearest in meaning: [(chunk_id, cosine similarity)], best first."""
        ids = None if report_ids is None else list(report_ids)
        if ids is not None and not ids:
            return []
        coll = self.collection()
        if n <= 0:
            return []
        q = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        if ids is not None:
            # a few reports' passages: their vectors by id and a dot product (~1 ms), not Chroma's
            # filtered index search (~90 ms with 10,000 reports stored)
            chunk_ids = self.facts.chunk_ids_for(ids, year, limit=DIRECT_LIMIT)
            if chunk_ids is not None:
                return self._score_directly(q, chunk_ids, n)
        try:
            res = coll.query(query_embeddings=[q], n_results=n,
                             where=_where(ids, year), include=["distances"])
        except Exception:
            # an empty collection; asking Chroma for its count on every query cost ~18 ms at 10,000 reports
            if coll.count() == 0:
                return []
            raise
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def _score_directly(self, q: np.ndarray, chunk_ids: list[str], n: int) -> list[tuple[str, float]]:
        """Cosine similarity of the query with each of these chunks' stored vectors, best first."""
        if not chunk_ids:
            return []
        got = self.collection().get(ids=chunk_ids, include=["embeddings"])
        vectors = got.get("embeddings")
        if vectors is None or len(got["ids"]) == 0:
            return []
        m = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(m, axis=1) * (np.linalg.norm(q) or 1.0)
        sims = (m @ q) / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-sims)[:n]
        return [(got["ids"][i], float(sims[i])) for i in order]

    def bm25(self, query: str, n: int, report_ids: Optional[Iterable[str]] = None,
             year: Optional[int] = None) -> list[tuple[str, float]]:
        """The n best keyword matches: [(chunk_id, BM25 score)], best first; only chunks sharing a word with the query.

        Filtered to a few reports, BM25 runs over just their chunks; otherwise SQLite's FTS5 index
        answers, so no keyword index is held in memory."""
        ids = None if report_ids is None else list(report_ids)
        if ids is not None and not ids:
            return []
        self._tokenize_pending()
        tokens = tokenize(query)
        if not tokens:
            return []
        if ids is not None and self.facts.chunk_count_for(ids) <= SUBSET_IDF_MAX:
            return subset_search(self.facts.chunk_tokens_for(ids, year), tokens, n)
        return self.facts.keyword_search(tokens, n, ids, year)

    def get(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        return self.facts.get_chunks(chunk_ids)

    def _tokenize_pending(self) -> None:
        """Chunks stored since the last look get their keyword tokens (sync() usually did it already)."""
        version = self.facts.data_version()
        if version == self._tokens_seen:
            return
        with self._lock:
            fp = self.facts.chunks_fingerprint()
            if fp[2] < fp[0]:  # some chunks not tokenized yet
                self._tokenize_missing()
            self._tokens_seen = self.facts.data_version()

    def _tokenize_missing(self) -> int:
        rows = self.facts.untokenized_chunks()
        if rows:
            self.facts.set_chunk_tokens(
                (cid, " ".join(tokenize(passage_text(section, text)))) for cid, section, text in rows)
        return len(rows)

    def close(self) -> None:
        if self._own_cache:
            self.cache.close()
        self._collection = None
        self._client = None


class ChromaURLError(ValueError):
    """A --chroma-url the server cannot use as given (not a URL, a database name it refuses)."""


def chroma_http_client(url: str, settings=None):
    """A client of the Chroma server at url: http://host:port, or http://host:port/DATABASE for a database
    of its own on a shared server (created when missing); a clear error when the server does not answer."""
    from urllib.parse import urlparse

    import chromadb
    from chromadb.config import DEFAULT_DATABASE, DEFAULT_TENANT, Settings
    from chromadb.errors import InvalidArgumentError

    u = urlparse(url if "//" in url else f"http://{url}")
    if u.scheme not in ("http", "https") or not u.hostname:
        raise ChromaURLError(f"not a Chroma server URL: {url!r} (expected http://host:port or http://host:port/database)")
    host, port, ssl = u.hostname, u.port or (443 if u.scheme == "https" else 8000), u.scheme == "https"
    database = u.path.strip("/") or DEFAULT_DATABASE
    try:
        if database != DEFAULT_DATABASE:
            admin = chromadb.AdminClient(Settings(chroma_api_impl="chromadb.api.fastapi.FastAPI", chroma_server_host=host,
                                                  chroma_server_http_port=port, chroma_server_ssl_enabled=ssl,
                                                  anonymized_telemetry=False))
            try:
                admin.get_database(database, tenant=DEFAULT_TENANT)
            except Exception:
                try:
                    admin.create_database(database, tenant=DEFAULT_TENANT)
                except Exception:
                    # another process created it a moment ago (two ingests starting together): use it
                    admin.get_database(database, tenant=DEFAULT_TENANT)
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings, database=database)
    except InvalidArgumentError as e:
        raise ChromaURLError(f"{url}: {e}") from e
    except Exception as e:
        raise ConnectionError(f"cannot reach the Chroma server at {url}: {e}. Start it with "
                              f"`chroma run --path DIR --host 127.0.0.1 --port N`, or unset --chroma-url") from e


DIRECT_LIMIT = 2000  # up to this many chunks, a filtered search scores their vectors directly


def _metadata(c: Chunk) -> dict:
    md = {"report_id": c.report_id, "agency": c.agency, "file_name": c.file_name, "section": c.section,
          "start": c.start, "end": c.end}
    if c.year is not None:
        md["year"] = c.year
    if c.page is not None:
        md["page"] = c.page
    return md


def _where(report_ids: Optional[list[str]], year: Optional[int]) -> Optional[dict]:
    clauses = []
    if report_ids is not None:
        clauses.append({"report_id": {"$in": report_ids}})
    if year is not None:
        clauses.append({"year": year})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
