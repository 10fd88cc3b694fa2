"""The `disclosure-qa` command end to end: real subprocesses, a real SQLite store in a temp folder.

Ingest may embed narrative chunks with a real (slow) model, so the bundled sample is ingested
at most three times in this whole file: once into the module-scoped store `batch` (shared by
most tests, which only read it or re-ingest unchanged / broken files), and twice by the
replace test into its own store. Everything else ingested here is a small broken file (the re-read
test re-ingests the sample into a copy of `batch`, whose embedding cache holds every passage).
"""
from __future__ import annotations

import csv
from decimal import Decimal
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "天津市滨海新区公安局_2022.txt"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TEMPLATE_DOCX = CORPUS / "年报格式模板_2021.docx"
TIMEOUT = 900  # seconds per command: generous, ingest may load an embedding model

FACT_KEYS = {"agency", "year", "table", "row", "column", "value", "unit", "blank", "start", "end"}


# ---- helpers ---------------------------------------------------------------------------------
def run_cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DISCLOSURE_QA_STORE"}
    env["PYTHONUTF8"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", str(store), *args],
        cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT,
    )


def out_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return [ln for ln in proc.stdout.splitlines() if ln.strip()]


def names(line: str, file_name: str) -> bool:
    """The line names this file (as a bare name or at the end of a path), not a longer name."""
    return re.search(r"(?<![\w.\-])" + re.escape(file_name) + r"(?![\w.])", line) is not None


def facts_json(store: Path, *filters: str) -> list[dict]:
    proc = run_cli(store, "facts", *filters, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def db_rows(store: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(store / "facts.sqlite") as conn:
        return conn.execute(sql).fetchall()


def store_snapshot(store: Path) -> dict:
    """Everything a failing ingest must not change: the facts as the CLI prints them, and the tables."""
    return {
        "facts": run_cli(store, "facts", "--format", "json").stdout,
        "reports": db_rows(store, "SELECT report_id, path, file_name, agency, year, ingested_at, text"
                                  " FROM reports ORDER BY report_id"),
        "fact_rows": db_rows(store, "SELECT * FROM facts ORDER BY id"),
        "checks": db_rows(store, "SELECT * FROM checks ORDER BY id"),
        "findings": db_rows(store, "SELECT * FROM findings ORDER BY id"),
    }


def printed_row(text: str, label: str, cells: int = 7) -> list[int]:
    """The `cells` values printed after a row label in the sample (one tab-indented cell per line)."""
    lines = text.splitlines()
    i = next(n for n, ln in enumerate(lines) if ln.strip() == label)
    values = [ln.strip() for ln in lines[i + 1: i + 1 + cells]]
    assert all(v.isdigit() for v in values), values
    return [int(v) for v in values]


def make_bad_files(folder: Path) -> dict[str, Path]:
    """Small broken files, keyed by what is wrong with them. All names are distinct."""
    folder.mkdir(parents=True, exist_ok=True)
    bad = {}
    bad["empty"] = folder / "empty.txt"
    bad["empty"].write_bytes(b"")
    bad["binary"] = folder / "x.txt"
    bad["binary"].write_bytes(os.urandom(4096))
    bad["not_a_report"] = folder / "news.html"
    bad["not_a_report"].write_text("<html><body><p>今日天气晴</p></body></html>", encoding="utf-8")
    bad["too_big"] = folder / "huge.txt"
    with open(bad["too_big"], "wb") as fh:  # sparse: takes no disk space
        fh.truncate(21 * 1024 * 1024)
    if TEMPLATE_DOCX.is_file():
        bad["truncated_docx"] = folder / "truncated.docx"
        bad["truncated_docx"].write_bytes(TEMPLATE_DOCX.read_bytes()[:3000])
    return bad


def need_corpus_file(path: Path) -> None:
    if not path.is_file():
        msg = f"{path} is missing (the shared corpus is expected at ../shared/corpus)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


# ---- the shared store: one batch of the sample plus broken files --------------------------------
@dataclass
class Batch:
    store: Path
    proc: subprocess.CompletedProcess
    bad: dict[str, Path]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    root = tmp_path_factory.mktemp("cli_batch")
    bad = make_bad_files(root / "bad")
    store = root / "store"
    # The good file sits between broken ones: neither a broken file before nor after it may stop the batch.
    files = [bad["empty"], bad["binary"], SAMPLE, *(p for k, p in bad.items() if k not in ("empty", "binary"))]
    proc = run_cli(store, "ingest", *map(str, files))
    return Batch(store, proc, bad)


@pytest.fixture(scope="module")
def stored(batch) -> list[dict]:
    """`facts --format json` of the shared store (its facts never change after the batch)."""
    return facts_json(batch.store)


# ---- ingest ----------------------------------------------------------------------------------
def test_batch_exits_nonzero_with_one_line_per_file(batch):
    lines = out_lines(batch.proc)
    assert batch.proc.returncode != 0, batch.proc.stdout + batch.proc.stderr
    assert len(lines) == 1 + len(batch.bad), batch.proc.stdout


def test_batch_good_file_line(batch, stored):
    lines = [ln for ln in out_lines(batch.proc) if names(ln, SAMPLE.name)]
    assert len(lines) == 1, batch.proc.stdout
    line = lines[0].replace(SAMPLE.name, "")  # so 2022 must come from what was read, not the file name
    assert "天津市滨海新区公安局" in line
    assert "2022" in line
    assert re.search(r"2021\s*format|format\s*2021", line), line
    m = re.search(r"(\d+) facts", line)
    assert m and int(m.group(1)) == len(stored) == 200, line
    m = re.search(r"(\d+) failed checks?", line)
    assert m and int(m.group(1)) == 0, line


def test_batch_each_bad_file_gets_its_own_line(batch):
    lines = out_lines(batch.proc)
    for kind, path in batch.bad.items():
        mine = [ln for ln in lines if names(ln, path.name)]
        assert len(mine) == 1, f"{kind}: expected one line naming {path.name}:\n{batch.proc.stdout}"
        line = mine[0]
        assert not re.search(r"\d+ facts", line), line
        assert not names(line, SAMPLE.name), line
        # the line says why, not just the name
        assert len(line.replace(str(path), "").replace(path.name, "").strip(" ✗:")) > 10, line


def test_batch_reasons_are_specific(batch):
    by_kind = {k: next(ln for ln in out_lines(batch.proc) if names(ln, p.name)) for k, p in batch.bad.items()}
    assert "empty" in by_kind["empty"]
    assert "20 MiB" in by_kind["too_big"]
    assert "年度报告" in by_kind["not_a_report"] or "report" in by_kind["not_a_report"]


def test_batch_truncated_real_docx_is_reported(batch):
    need_corpus_file(TEMPLATE_DOCX)
    path = batch.bad["truncated_docx"]
    lines = [ln for ln in out_lines(batch.proc) if names(ln, path.name)]
    assert len(lines) == 1, batch.proc.stdout
    assert "Word" in lines[0] or "docx" in lines[0], lines[0]


def test_batch_stores_the_good_report_despite_broken_files(batch, stored):
    assert stored
    assert {(f["agency"], f["year"]) for f in stored} == {("天津市滨海新区公安局", 2022)}
    assert {f["file_name"] for f in stored} == {SAMPLE.name}
    assert db_rows(batch.store, "SELECT agency, year FROM reports") == [("天津市滨海新区公安局", 2022)]


def test_failing_files_leave_the_store_untouched(batch, tmp_path):
    before = store_snapshot(batch.store)
    assert json.loads(before["facts"]), "the shared store should hold the sample"
    bad = make_bad_files(tmp_path / "more_bad")
    missing = tmp_path / "no_such_file.txt"
    proc = run_cli(batch.store, "ingest", *map(str, bad.values()), str(missing))
    assert proc.returncode != 0
    assert len(out_lines(proc)) == len(bad) + 1, proc.stdout
    assert store_snapshot(batch.store) == before


def test_reingest_unchanged_sample_rewrites_nothing(batch):
    before = db_rows(batch.store, "SELECT report_id, ingested_at FROM reports")
    fact_ids = db_rows(batch.store, "SELECT id, report_id FROM facts ORDER BY id")
    assert len(before) == 1
    # Step into the next second, so a rewrite would show in ingested_at (stored to the second).
    time.sleep(1.05 - (time.time() % 1))
    with sqlite3.connect(batch.store / "facts.sqlite") as watcher:
        version = watcher.execute("PRAGMA data_version").fetchone()[0]
        proc = run_cli(batch.store, "ingest", str(SAMPLE))
        # data_version changes when any other connection commits a write to the database.
        version_after = watcher.execute("PRAGMA data_version").fetchone()[0]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = out_lines(proc)
    assert len(lines) == 1 and names(lines[0], SAMPLE.name) and "unchanged" in lines[0], proc.stdout
    assert db_rows(batch.store, "SELECT report_id, ingested_at FROM reports") == before
    assert db_rows(batch.store, "SELECT id, report_id FROM facts ORDER BY id") == fact_ids
    assert version_after == version, "re-ingesting an unchanged file wrote to facts.sqlite"


def test_changed_file_with_same_name_replaces_its_report_whole(tmp_path):
    store = tmp_path / "store"
    copy = tmp_path / "in" / SAMPLE.name
    copy.parent.mkdir()
    data = SAMPLE.read_bytes()
    assert data.count(b"136557") == 1
    copy.write_bytes(data)

    first = run_cli(store, "ingest", str(copy))
    assert first.returncode == 0, first.stdout + first.stderr
    before = facts_json(store, "--agency", "滨海新区公安局", "--year", "2022")
    xk = [f for f in before if f["row"] == "行政许可"]
    assert [f["value"] for f in xk] == [136557]

    copy.write_bytes(data.replace(b"136557", b"136558"))
    second = run_cli(store, "ingest", str(copy))
    assert second.returncode == 0, second.stdout + second.stderr
    lines = out_lines(second)
    assert len(lines) == 1 and names(lines[0], SAMPLE.name), second.stdout
    assert "replaced" in lines[0], lines[0]

    after = facts_json(store, "--agency", "滨海新区公安局", "--year", "2022")
    xk = [f for f in after if f["row"] == "行政许可"]
    assert [f["value"] for f in xk] == [136558]
    assert len(after) == len(before)
    assert len({f["report_id"] for f in after}) == 1
    assert {f["report_id"] for f in after}.isdisjoint({f["report_id"] for f in before})
    assert len(db_rows(store, "SELECT report_id FROM reports")) == 1
    # checks and findings belong to the new version only
    assert db_rows(store, "SELECT DISTINCT report_id FROM checks") == [(after[0]["report_id"],)]
    assert db_rows(store, "SELECT count(*) FROM checks WHERE report_id NOT IN (SELECT report_id FROM reports)"
                          " UNION ALL SELECT count(*) FROM findings WHERE report_id NOT IN"
                          " (SELECT report_id FROM reports)") == [(0,), (0,)]


def test_a_report_of_an_older_reader_is_reread_then_unchanged(batch, stored, tmp_path):
    """A store built by the previous reader (simulated: its report's reader_version set back to 1):
    ingesting the same file reads it again, says so, and stores what a fresh ingest stores."""
    import shutil

    from ingest.models import READER_VERSION

    store = tmp_path / "store"
    shutil.copytree(batch.store, store)  # (its vectors and embedding cache too: nothing to embed again)
    with sqlite3.connect(store / "facts.sqlite") as conn:
        conn.execute("UPDATE reports SET reader_version = 1")
    chunks = db_rows(store, "SELECT chunk_id, text FROM chunks ORDER BY chunk_id")

    proc = run_cli(store, "ingest", str(SAMPLE))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = out_lines(proc)
    assert len(lines) == 1 and names(lines[0], SAMPLE.name), proc.stdout
    assert "re-read" in lines[0] and "200 facts" in lines[0] and "unchanged" not in lines[0], lines[0]
    assert db_rows(store, "SELECT reader_version FROM reports") == [(READER_VERSION,)]
    assert facts_json(store) == stored
    assert db_rows(store, "SELECT chunk_id, text FROM chunks ORDER BY chunk_id") == chunks
    from vectorstore.store import Store

    with Store.open(store) as opened:  # every passage has its vector again, and only those
        assert opened.chunks.vector_ids() == {cid for cid, _ in chunks}
    assert re.search(r"embedding \d+ passages", proc.stderr), proc.stderr  # (their vectors were dropped)

    again = run_cli(store, "ingest", str(SAMPLE))
    assert again.returncode == 0, again.stdout + again.stderr
    lines = out_lines(again)
    assert len(lines) == 1 and "unchanged" in lines[0] and "re-read" not in lines[0], again.stdout


def test_a_reread_that_fails_keeps_the_stored_reading_and_says_why(tmp_path, monkeypatch):
    import ingest.batch as batch_module
    from ingest.batch import ingest_files
    from ingest.models import IngestError
    from ingest.pipeline import parse_file
    from vectorstore.facts import FactStore

    class Sink:  # the facts alone: nothing here reaches the vectors
        def __init__(self, fs):
            self.fs, self.added = fs, []

        def has_report(self, rid):
            return self.fs.has_report(rid)

        def reader_version(self, rid):
            return self.fs.reader_version(rid)

        def add_report(self, report):
            self.added.append(report)
            return self.fs.add_report(report)

    with FactStore.open_dir(tmp_path / "store") as fs:
        fs.add_report(parse_file(SAMPLE).model_copy(update={"reader_version": 1}))
        rid = out_id(SAMPLE)
        before = store_snapshot_of(fs, rid)

        def broken(path, *args, **kwargs):  # (parse_file also takes the OCR budget and progress)
            raise IngestError(f"{Path(path).name}: the new reader trips over it")

        monkeypatch.setattr(batch_module, "parse_file", broken)
        sink = Sink(fs)
        [out] = ingest_files([SAMPLE], sink)
        assert out.status == "error" and not sink.added
        assert "the new reader trips over it" in out.error and "reader version 1 is kept" in out.error, out.error
        assert store_snapshot_of(fs, rid) == before and fs.reader_version(rid) == 1


def out_id(path: Path) -> str:
    from ingest.pipeline import file_hash

    return file_hash(path)


def store_snapshot_of(fs, rid: str) -> tuple:
    """What a FactStore holds of one report: the report whole (facts, checks, findings) and its passages."""
    return fs.reports(), fs.get_report(rid).model_dump(), fs.chunks()


# ---- facts ---------------------------------------------------------------------------------------
def test_facts_json_fields_and_sources(stored):
    assert isinstance(stored, list) and stored
    text = SAMPLE.read_text(encoding="utf-8")
    for f in stored:
        assert FACT_KEYS <= f.keys(), sorted(FACT_KEYS - f.keys())
        assert f["agency"] == "天津市滨海新区公安局" and f["year"] == 2022
        assert f["table"] in ("二", "三", "四")
        assert isinstance(f["blank"], bool)
        assert f["unit"] in ("件", "万元")
        assert 0 <= f["start"] <= f["end"] <= len(text)
        if not f["blank"]:  # the location points at the value as printed in the file
            assert Decimal(text[f["start"]:f["end"]]) == Decimal(str(f["value"])), f  # JSON numbers


def test_facts_json_table3_new_row_matches_the_document(batch):
    text = SAMPLE.read_text(encoding="utf-8")
    printed = printed_row(text, "一、本年新收政府信息公开申请数量")
    assert printed == [56, 0, 0, 0, 0, 0, 56]  # read by hand from the document
    columns = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    t3 = facts_json(batch.store, "--table", "三")
    new = {f["column"]: f for f in t3 if f["row"].startswith("一、本年新收")}
    assert list(new) == columns
    for col, value in zip(columns, printed):
        f = new[col]
        assert f["value"] == value and isinstance(f["value"], int) and f["blank"] is False and f["unit"] == "件", f
        assert text[f["start"]:f["end"]] == str(value), f
    # and the other printed rows with numbers in every cell
    for label in ("二、上年结转政府信息公开申请数量",):
        row = {f["column"]: f["value"] for f in t3 if f["row"] == label}
        assert [row[c] for c in columns] == printed_row(text, label)


def test_facts_csv_has_header_and_same_rows(batch, stored):
    proc = run_cli(batch.store, "facts", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[0].split(",")
    assert {"agency", "year", "table", "row", "column", "value", "unit", "blank", "start", "end"} <= set(header)
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == len(stored)
    assert [Decimal(r["value"]) for r in rows] == [Decimal(str(f["value"])) for f in stored]


def test_facts_filters_and_no_match(batch, stored):
    assert len(facts_json(batch.store, "--agency", "滨海新区公安局", "--year", "2022")) == len(stored)
    proc = run_cli(batch.store, "facts", "--year", "1999", "--format", "json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == []
    assert "no facts" in proc.stderr


# ---- check -----------------------------------------------------------------------------------
def test_check_prints_tables_and_stores_nothing(tmp_path):
    store = tmp_path / "store"
    proc = run_cli(store, "check", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "天津市滨海新区公安局 2022" in out
    assert "表三: read" in out
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("一、本年新收"))
    assert row.split("\t")[1:] == ["56", "0", "0", "0", "0", "0", "56"], row
    m = re.search(r"checks: (\d+) of (\d+) passed", out)
    assert m and m.group(1) == m.group(2) and int(m.group(2)) > 0, out
    # nothing stored
    assert not (store / "facts.sqlite").exists() or not db_rows(store, "SELECT 1 FROM facts")
    facts = run_cli(store, "facts")
    assert facts.returncode == 1 and "no facts" in facts.stderr


def test_check_empty_file_one_clear_line(tmp_path):
    empty = tmp_path / "empty_report.txt"
    empty.write_bytes(b"")
    proc = run_cli(tmp_path / "store", "check", str(empty))
    assert proc.returncode != 0
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stdout + proc.stderr
    assert names(lines[0], empty.name) and "empty" in lines[0]
    assert "Traceback" not in proc.stderr


# ---- demo ------------------------------------------------------------------------------------
def test_demo(batch):
    # The shared store already holds the bundled sample, so demo finds it unchanged (no second ingest).
    proc = run_cli(batch.store, "demo")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "表三" in proc.stdout
    assert "天津市滨海新区公安局" in proc.stdout


def test_facts_kind_narrative_lists_the_prose_figures(batch, stored):
    """`facts --kind narrative`: the prose's figures with their measures; the default stays the cells."""
    text = SAMPLE.read_text(encoding="utf-8")
    narrative = facts_json(batch.store, "--kind", "narrative")
    assert narrative and all(f["kind"] == "narrative" for f in narrative)
    fee = next(f for f in narrative if f["measure"] == "支出费用")
    assert fee["value"] == 191 and fee["unit"] == "元" and fee["row"] == "支出费用"
    assert text[fee["start"]:fee["end"]] == "191"
    assert text[fee["sentence_start"]:fee["sentence_end"]] == fee["sentence"] and "191元" in fee["sentence"]
    assert all(f["kind"] == "table" for f in stored)  # the default is unchanged: cells only
    both = facts_json(batch.store, "--kind", "all")
    assert len(both) == len(stored) + len(narrative)
    proc = run_cli(batch.store, "facts", "--kind", "narrative", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert {r["kind"] for r in rows} == {"narrative"} and len(rows) == len(narrative)
    assert {"measure", "whole_id", "sentence_start", "sentence_end"} <= set(rows[0])
    proc = run_cli(batch.store, "facts", "--kind", "narrative")
    line = next(ln for ln in proc.stdout.splitlines() if "\t支出费用\t" in ln)
    assert line.split("\t")[2:6] == ["narrative", "支出费用", "191", "元"], line
    assert re.search(r"\[\d+:\d+\]$", line), line
