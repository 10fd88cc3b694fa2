"""The narrative chunks as stored (the text the retriever searches), and keyword search over them.

Written with their report by add_report; the vector index over them is derived from this table
(vectorstore.chunks.ChunkIndex). Keyword search runs in the database: SQLite's FTS5 (BM25), or
PostgreSQL's full-text search over the same jieba tokens ('simple' configuration, ts_rank).
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

from ingest.models import Chunk

from . import rows as R
from .db import Database


class ChunksMixin:
    db: Database

    @property
    def _seq(self) -> str:
        """The column that orders chunks as they were written: SQLite's rowid, PostgreSQL's seq."""
        return "rowid" if self.db.sqlite else "seq"

    def chunk_count(self) -> int:
        return self.db.one("SELECT COUNT(*) FROM chunks")[0]

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.tuples("SELECT chunk_id FROM chunks")}

    def chunk_ids_for(self, report_ids: Iterable[str], year: Optional[int] = None, limit: int = 5000) -> Optional[list[str]]:
        """The chunk ids of some reports (one year), or None when there are more than `limit`."""
        ids = list(report_ids)
        if not ids:
            return []
        sql = f"SELECT chunk_id FROM chunks WHERE report_id IN ({self.db.marks(len(ids))})"
        params: list = list(ids)
        if year is not None:
            sql += " AND year = ?"
            params.append(year)
        rows = self.db.tuples(sql + f" LIMIT {int(limit) + 1}", params)
        return None if len(rows) > limit else [r[0] for r in rows]

    def _filters(self, report_ids: Optional[Iterable[str]], year: Optional[int], prefix: str = ""):
        """SQL conditions and parameters for chunks of some reports / one year; None when no report can match."""
        where, params = [], []
        if report_ids is not None:
            ids = list(dict.fromkeys(report_ids))
            if not ids:
                return None
            where.append(f"{prefix}report_id IN ({self.db.marks(len(ids))})")
            params += ids
        if year is not None:
            where.append(f"{prefix}year = ?")
            params.append(year)
        return where, params

    def chunks(self, report_ids: Optional[Iterable[str]] = None, year: Optional[int] = None) -> list[Chunk]:
        """Stored chunks, in report and text order; optionally only those of some reports / one year."""
        filters = self._filters(report_ids, year)
        if filters is None:
            return []
        where, params = filters
        sql = f"SELECT {R.CHUNK_COLUMNS} FROM chunks" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY agency, year, report_id, loc_start"
        return [R.chunk_from_row(r) for r in self.db.rows(sql, params)]

    def get_chunks(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        """The stored chunks among these ids (ids no longer stored are left out)."""
        ids = list(dict.fromkeys(chunk_ids))
        out: dict[str, Chunk] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            for r in self.db.rows(f"SELECT {R.CHUNK_COLUMNS} FROM chunks WHERE chunk_id IN ({self.db.marks(len(part))})", part):
                out[r.chunk_id] = R.chunk_from_row(r)
        return out

    def iter_chunks(self, batch: int = 1000) -> Iterator[list[Chunk]]:
        """Every stored chunk, a batch at a time (in the order they were written)."""
        last = 0
        while True:
            rows = self.db.rows(f"SELECT {self._seq} AS n, {R.CHUNK_COLUMNS} FROM chunks WHERE {self._seq} > ? "
                                f"ORDER BY {self._seq} LIMIT ?", (last, batch))
            if not rows:
                return
            last = rows[-1].n
            yield [R.chunk_from_row(r) for r in rows]

    def untokenized_chunks(self) -> list[tuple[str, str, str]]:
        """(chunk_id, section, text) of the chunks the keyword index has not tokenized yet."""
        return [tuple(r) for r in self.db.tuples(
            f"SELECT chunk_id, section, text FROM chunks WHERE tokens IS NULL ORDER BY {self._seq}")]

    def set_chunk_tokens(self, tokens: Iterable[tuple[str, str]]) -> None:
        """Store (chunk_id, space-separated tokens) pairs."""
        pairs = [(t, c) for c, t in tokens]
        with self.db.write():
            self.db.run_many("UPDATE chunks SET tokens = ? WHERE chunk_id = ?", pairs)

    def chunk_tokens(self) -> list[tuple[str, str, Optional[int], str]]:
        """(chunk_id, report_id, year, tokens) of every tokenized chunk, in the order they were written."""
        return [tuple(r) for r in self.db.tuples(
            f"SELECT chunk_id, report_id, year, tokens FROM chunks WHERE tokens IS NOT NULL ORDER BY {self._seq}")]

    def chunk_tokens_for(self, report_ids: Iterable[str], year: Optional[int] = None) -> list[tuple[str, str]]:
        """(chunk_id, tokens) of the tokenized chunks of these reports, in the order they were written."""
        ids = list(dict.fromkeys(report_ids))
        if not ids:
            return []
        sql = (f"SELECT chunk_id, tokens FROM chunks WHERE report_id IN ({self.db.marks(len(ids))}) "
               "AND tokens IS NOT NULL" + (" AND year = ?" if year is not None else "") + f" ORDER BY {self._seq}")
        return [tuple(r) for r in self.db.tuples(sql, ids + ([year] if year is not None else []))]

    def chunk_count_for(self, report_ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(report_ids))
        if not ids:
            return 0
        return self.db.one(f"SELECT COUNT(*) FROM chunks WHERE report_id IN ({self.db.marks(len(ids))})", ids)[0]

    def keyword_search(self, tokens: list[str], n: int, report_ids: Optional[Iterable[str]] = None,
                       year: Optional[int] = None) -> list[tuple[str, float]]:
        """The n best chunks for these words: [(chunk_id, score)], best first (higher is better); only
        chunks holding at least one of the words. SQLite ranks by FTS5's BM25 (score = -bm25),
        PostgreSQL by ts_rank over the same tokens."""
        words = [t for t in dict.fromkeys(tokens) if t.strip()]
        if not words:
            return []
        filters = self._filters(report_ids, year, prefix="c.")
        if filters is None:
            return []
        where, params = filters
        extra = "".join(f" AND {w}" for w in where)
        if self.db.sqlite:
            match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
            sql = ("SELECT c.chunk_id, -bm25(chunks_fts) AS score FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
                   f"WHERE chunks_fts MATCH ?{extra} ORDER BY bm25(chunks_fts) LIMIT ?")
            return [(r[0], float(r[1])) for r in self.db.tuples(sql, [match, *params, n])]
        query = " | ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words)
        sql = ("SELECT c.chunk_id, ts_rank(to_tsvector('simple', COALESCE(c.tokens, '')), q) AS score "
               "FROM chunks c, to_tsquery('simple', ?) q "
               f"WHERE to_tsvector('simple', COALESCE(c.tokens, '')) @@ q{extra} ORDER BY score DESC, c.seq LIMIT ?")
        return [(r[0], float(r[1])) for r in self.db.tuples(sql, [query, *params, n])]

    def chunks_fingerprint(self) -> tuple[int, int, int]:
        """Changes whenever chunks are added, deleted or tokenized (by this or another process)."""
        return tuple(self.db.one(f"SELECT COUNT(*), COALESCE(MAX({self._seq}), 0), COUNT(tokens) FROM chunks"))

    def replace_chunks(self, report_id: str, chunks: list[Chunk]) -> None:
        """Put a stored report's chunks anew (after the chunker changed), in one transaction."""
        with self.db.write():
            self.db.run("DELETE FROM chunks WHERE report_id = ?", (report_id,))
            R.insert_chunks(self.db, chunks)
