"""A naive LangChain RAG over the same reports, scored on the same gold questions, side by side.

The usual recipe: each stored report's text cut by LangChain's RecursiveCharacterTextSplitter, the
pieces in a LangChain Chroma vector store embedded with the same model as ours, the top-k pieces for
the question as the answer. With no language model to read them (none runs here; a remote one is no
part of this comparison), its figure is the first number in the top piece that is not a year or an
item number — what a reader scanning the retrieved text sees first.

    disclosure-qa --store .eval-store eval --peer        # the comparison, appended to the report
"""
from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional

CHUNK_SIZE, CHUNK_OVERLAP, K = 500, 50, 3
# a number as printed: not part of a year (2023年), not an item number (1.属于, （三）), not inside a longer digit run
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])(?!\s*(?:年|月|日|\.[\u4e00-\u9fff]))")


@dataclass
class PeerAnswer:
    text: str
    figure: Optional[Decimal]
    report_ids: list[str]
    seconds: float


def first_figure(text: str) -> Optional[Decimal]:
    m = _NUMBER.search(text)
    return Decimal(m.group(1)) if m else None


class _Embeddings:
    """Our embedder as LangChain Embeddings (the same vectors as the assistant's index)."""

    def __init__(self, embedder):
        self.embedder = embedder

    def embed_documents(self, texts):
        return self.embedder.embed_passages(list(texts)).tolist()

    def embed_query(self, text):
        return self.embedder.embed_query(text).tolist()


class NaiveRAG:
    def __init__(self, store, k: int = K, chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP):
        try:
            import chromadb
            from chromadb.config import Settings
            from langchain_chroma import Chroma
            from langchain_core.embeddings import Embeddings
            from langchain_text_splitters import RecursiveCharacterTextSplitter
        except ImportError as e:
            raise SystemExit(f"the naive RAG peer needs langchain-chroma and langchain-text-splitters: "
                             f"pip install 'disclosure-qa[peer]' ({e})")

        class LCEmbeddings(_Embeddings, Embeddings):
            pass

        self.k = k
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                                                  separators=["\n\n", "\n", "。", "；", "，", " ", ""])
        texts, metas = [], []
        for row in store.facts.reports():
            report = store.facts.get_report(row["report_id"])
            texts.append(report.text)
            metas.append({"report_id": report.report_id, "file_name": row["file_name"]})
        docs = splitter.create_documents(texts, metadatas=metas)
        client = chromadb.EphemeralClient(settings=Settings(anonymized_telemetry=False))
        self.vs = Chroma(collection_name="naive_rag_peer", client=client,
                         embedding_function=LCEmbeddings(store.chunks.embedder),
                         collection_configuration={"hnsw": {"space": "cosine"}})
        t0 = time.perf_counter()
        self.vs.add_documents(docs)
        self.index_seconds = time.perf_counter() - t0
        self.pieces = len(docs)

    def ask(self, question: str, history: Optional[list[str]] = None) -> PeerAnswer:
        t0 = time.perf_counter()
        query = " ".join([*(history or []), question])  # a naive chain sends the conversation as it is
        hits = self.vs.similarity_search_with_score(query, k=self.k)
        docs = [d for d, _ in hits]
        text = "\n\n".join(d.page_content for d in docs)
        return PeerAnswer(text=text, figure=first_figure(docs[0].page_content) if docs else None,
                          report_ids=[d.metadata["report_id"] for d in docs], seconds=time.perf_counter() - t0)


def _num(text: str) -> Optional[Decimal]:
    try:
        return Decimal(text.strip().rstrip("%").replace(",", ""))
    except Exception:
        return None


def compare(store, assistant, items, asked_on: str) -> dict:
    """Both systems on the same items: figure exactness (the headline figure equals the expected one),
    the right report cited (the top source is an expected report), not_found / ambiguous answered as
    such, latency."""
    ids = {r["file_name"]: r["report_id"] for r in store.facts.catalog()}
    for rid in list(ids.values()):
        for src in store.facts.sources(rid):
            ids.setdefault(src["file_name"], rid)
    peer = NaiveRAG(store)
    rows = {"ours": {"fig": [], "cite": [], "nf": [], "t": []}, "peer": {"fig": [], "cite": [], "nf": [], "t": []}}
    today = date.fromisoformat(asked_on)
    for item in items:
        want_ids = {ids.get(r) for r in item.reports} - {None}
        t0 = time.perf_counter()
        ans = assistant.ask(item.question, history=item.history, today=date.fromisoformat(item.asked_on) if item.asked_on else today)
        ours_t = time.perf_counter() - t0
        p = peer.ask(item.question, history=item.history)
        rows["ours"]["t"].append(ours_t)
        rows["peer"]["t"].append(p.seconds)
        if item.status != "answered":
            rows["ours"]["nf"].append(ans.status == item.status)
            rows["peer"]["nf"].append(False)  # it always returns its top pieces
            continue
        if item.figures and item.kind != "narrative":
            want = _num(item.figures[0])
            pct = item.figures[0].strip().endswith("%")
            head = ans.figures[0] if ans.figures else None
            rows["ours"]["fig"].append(ans.status == "answered" and head is not None and head.value == want
                                       and (head.unit == "%") == pct)
            rows["peer"]["fig"].append(p.figure is not None and p.figure == want and not pct)
            # generous: the expected figure is printed somewhere in the pieces shown (a reader might find it)
            rows["peer"].setdefault("shown", []).append(
                not pct and want is not None and any(Decimal(m.group(1)) == want for m in _NUMBER.finditer(p.text)))
        if want_ids:
            cited = {c.report_id for c in ans.citations}
            rows["ours"]["cite"].append(ans.status == "answered" and bool(cited & want_ids))
            rows["peer"]["cite"].append(bool(p.report_ids) and p.report_ids[0] in want_ids)

    def rate(xs):
        return (sum(xs) / len(xs) if xs else None), len(xs)

    out = {"pieces": peer.pieces, "index_seconds": peer.index_seconds}
    for who, r in rows.items():
        ts = sorted(r["t"])
        out[who] = {"figure_exactness": rate(r["fig"]), "figure_in_text_shown": rate(r.get("shown", [])),
                    "right_report_cited": rate(r["cite"]),
                    "not_found_or_ambiguous": rate(r["nf"]),
                    "p50_ms": statistics.median(ts) * 1000 if ts else None,
                    "p95_ms": ts[int(0.95 * (len(ts) - 1))] * 1000 if ts else None}
    return out


def markdown(cmp: dict) -> str:
    def pct(v):
        rate, n = v
        return "n/a" if rate is None else f"{rate * 100:.1f} % ({n})"

    o, p = cmp["ours"], cmp["peer"]
    lines = [
        "## Side by side: a naive LangChain RAG on the same questions",
        "",
        f"Naive RAG: RecursiveCharacterTextSplitter ({CHUNK_SIZE} characters, overlap {CHUNK_OVERLAP}) over each "
        f"report's text ({cmp['pieces']} pieces), LangChain's Chroma with the same embedder, the top {K} pieces as "
        "the answer; its figure is the first number in the top piece (not a year or an item number).",
        "",
        "| metric | disclosure-qa | naive RAG |",
        "|---|---|---|",
        f"| figure exactness (headline = expected) | {pct(o['figure_exactness'])} | {pct(p['figure_exactness'])} |",
        f"| the expected figure printed somewhere in the text shown (generous to the peer) | — | {pct(p['figure_in_text_shown'])} |",
        f"| right report cited (top source) | {pct(o['right_report_cited'])} | {pct(p['right_report_cited'])} |",
        f"| not_found / ambiguous said so | {pct(o['not_found_or_ambiguous'])} | {pct(p['not_found_or_ambiguous'])} |",
        f"| latency p50 / p95 | {o['p50_ms']:.1f} / {o['p95_ms']:.1f} ms | {p['p50_ms']:.1f} / {p['p95_ms']:.1f} ms |",
        "",
    ]
    return "\n".join(lines)
