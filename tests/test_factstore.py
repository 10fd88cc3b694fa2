"""FactStore against a real SQLite file."""
from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

import vectorstore.facts as facts_module
from ingest.models import Check, Fact, Finding, Location, Report, Section, TableResult
from vectorstore.facts import FactRecord, FactStore


def make_fact(table, row_key, col_key, value, *, blank=False, start=0, **loc) -> Fact:
    return Fact(
        table=table,
        row_key=row_key,
        col_key=col_key,
        row_label=row_key,
        col_label=col_key,
        printed_row_label=f"印刷的{row_key}",
        value=Decimal(value),
        unit="万元" if table == "二" and "." in value else "件",
        blank=blank,
        source_text="" if blank else value,
        loc=Location(start=start, end=start + len(value), **loc),
    )


def make_report(
    report_id="r1",
    path="/data/滨海公安_2022.txt",
    agency="天津市滨海新区公安局",
    year=2022,
    new_total="56",
) -> Report:
    return Report(
        report_id=report_id,
        path=path,
        kind="txt",
        agency=agency,
        agency_aliases=["滨海新区公安局", " 滨海公安 "],
        year=year,
        published="2023-01-20",
        format_version="2021",
        period=f"{year}年1月1日至{year}年12月31日",
        text="一、总体情况……",
        sections=[Section(number="一", title="一、总体情况", start=0, end=7)],
        tables=[TableResult(table="三", parsed=True, fact_count=3), TableResult(table="四", parsed=False, reason="未找到")],
        facts=[
            make_fact("二", "行政事业性收费", "本年收费金额", "4068.208", start=10, page=2),
            make_fact("二", "行政许可", "本年增减", "-3", start=20, table_index=1, row_index=4, col_index=2),
            make_fact("三", "新收", "总计", new_total, start=30),
            make_fact("三", "新收", "科研机构", "0", blank=True, start=40),
        ],
        checks=[
            Check(rule="三:行平衡:新收", description="总计 = 各列之和", passed=True,
                  expected=Decimal(new_total), actual=Decimal(new_total), detail="56 = 56"),
            Check(rule="三:列平衡:自然人", description="一+二 = 七+四", passed=False,
                  expected=Decimal("10.50"), actual=None, detail="总计为空"),
        ],
        findings=[
            Finding(kind="label_typo", message="标签有错字", quote="其他法律行政止公开", loc=Location(start=50, end=59)),
            Finding(kind="unparsed", message="表四未解析"),
        ],
    )


@pytest.fixture
def store(tmp_path):
    with FactStore.open_dir(tmp_path / "store") as s:
        yield s


def snapshot(path) -> dict:
    """Every row of every table, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("reports", "facts", "checks", "findings")}
    finally:
        conn.close()


def test_open_dir_creates_file_with_schema(tmp_path):
    with FactStore.open_dir(tmp_path / "a" / "b") as store:
        assert store.path == tmp_path / "a" / "b" / "facts.sqlite"
    conn = sqlite3.connect(tmp_path / "a" / "b" / "facts.sqlite")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == facts_module.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='facts'")}
    assert {"facts_agency_year", "facts_report", "facts_cell"} <= indexes


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "facts.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(facts_module.SchemaVersionError, match="schema version 99"):
        FactStore(path)


def test_add_then_same_again_is_unchanged(store):
    report = make_report()
    assert store.add_report(report) == "added"
    before = snapshot(store.path)
    assert store.add_report(report) == "unchanged"
    assert snapshot(store.path) == before
    assert store.has_report("r1") and not store.has_report("nope")


def test_changed_file_with_same_name_replaces_old_version(store):
    store.add_report(make_report())
    changed = make_report(report_id="r2", path="/elsewhere/滨海公安_2022.txt", year=2023, new_total="60")
    assert store.add_report(changed) == "replaced"
    assert not store.has_report("r1")
    assert store.get_report("r1") is None
    assert [r["report_id"] for r in store.reports()] == ["r2"]
    assert {f.report_id for f in store.facts()} == {"r2"}
    assert store.facts(row_key="新收", col_key="总计")[0].value == Decimal("60")
    assert store.checks("r1") == [] and store.findings("r1") == []
    counts = {t: len(rows) for t, rows in snapshot(store.path).items()}
    assert counts == {"reports": 1, "facts": 4, "checks": 2, "findings": 2}


def test_same_agency_and_year_under_another_file_name_replaces(store):
    store.add_report(make_report())
    assert store.add_report(make_report(report_id="r2", path="/data/renamed.docx")) == "replaced"
    assert [r["report_id"] for r in store.reports()] == ["r2"]


def test_unknown_year_or_agency_never_replaces_another_report(store):
    assert store.add_report(make_report("a", path="/x/1.txt", year=None)) == "added"
    assert store.add_report(make_report("b", path="/x/2.txt", year=None)) == "added"
    assert store.add_report(make_report("c", path="/x/3.txt", agency="", year=2022)) == "added"
    assert store.add_report(make_report("d", path="/x/4.txt", agency="", year=2022)) == "added"
    assert len(store.reports()) == 4


def test_different_agency_year_and_file_is_added_alongside(store):
    store.add_report(make_report())
    assert store.add_report(make_report("r2", path="/data/2023.txt", year=2023)) == "added"
    assert [(r["report_id"], r["year"]) for r in store.reports()] == [("r1", 2022), ("r2", 2023)]


def test_failure_midway_leaves_store_as_it_was(store, monkeypatch):
    store.add_report(make_report())
    before = snapshot(store.path)

    real_fact_row = facts_module.rows.fact_row
    calls = []

    def failing_fact_row(report, fact):
        calls.append(fact)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real_fact_row(report, fact)

    monkeypatch.setattr(facts_module.rows, "fact_row", failing_fact_row)
    # Same file name: the old version would be deleted first, inside the same transaction.
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.add_report(make_report(report_id="r2", new_total="99"))
    assert len(calls) == 3
    assert snapshot(store.path) == before
    assert store.has_report("r1") and not store.has_report("r2")

    monkeypatch.undo()
    assert store.add_report(make_report(report_id="r2")) == "replaced"


def test_failure_in_a_later_table_also_rolls_back(store):
    store.add_report(make_report())
    before = snapshot(store.path)
    broken = make_report(report_id="r2", year=2023, path="/data/other.txt")
    # A check that skipped validation and whose value cannot be written.
    broken.checks.append(Check.model_construct(rule="x", description="x", passed=True, expected="not a decimal", actual=None, detail=""))
    with pytest.raises(Exception):
        store.add_report(broken)
    assert snapshot(store.path) == before


def test_get_report_round_trips_everything(store):
    report = make_report()
    store.add_report(report)
    loaded = store.get_report("r1")
    assert loaded.facts == report.facts
    assert loaded.checks == report.checks
    assert loaded.findings == report.findings
    assert loaded == report


def test_decimal_values_are_exact_text(store):
    store.add_report(make_report())
    [fee] = store.facts(table="二", row_key="行政事业性收费")
    assert fee.value == Decimal("4068.208")
    assert str(fee.value) == "4068.208"
    assert store.facts(col_key="本年增减")[0].value == Decimal("-3")
    [check] = [c for c in store.checks("r1") if not c.passed]
    assert str(check.expected) == "10.50" and check.actual is None
    conn = sqlite3.connect(store.path)
    raw = conn.execute("SELECT value, typeof(value) FROM facts WHERE row_key = '行政事业性收费'").fetchone()
    assert raw == ("4068.208", "text")


def test_blank_cell_is_kept(store):
    store.add_report(make_report())
    [cell] = store.facts(row_key="新收", col_key="科研机构")
    assert cell.blank is True and cell.value == Decimal("0") and cell.source_text == ""
    assert [f.blank for f in store.facts(row_key="新收", col_key="总计")] == [False]


def test_fact_filters(store):
    store.add_report(make_report())
    store.add_report(make_report("r2", path="/data/2023.txt", year=2023, new_total="70"))
    store.add_report(make_report("r3", path="/data/other.txt", agency="天津市和平区教育局", year=2023))

    def totals(**filters):
        return sorted((f.agency, f.year, f.value) for f in store.facts(table="三", row_key="新收", col_key="总计", **filters))

    assert totals(year=2023) == [("天津市和平区教育局", 2023, Decimal("56")), ("天津市滨海新区公安局", 2023, Decimal("70"))]
    assert totals(agency="天津市滨海新区公安局") == [
        ("天津市滨海新区公安局", 2022, Decimal("56")), ("天津市滨海新区公安局", 2023, Decimal("70"))]
    assert totals(agency="  滨海新区公安局 ", year=2022) == [("天津市滨海新区公安局", 2022, Decimal("56"))]
    assert totals(agency="教育局") == [("天津市和平区教育局", 2023, Decimal("56"))]  # part of the printed name
    # An alias matches whole (the stored " 滨海公安 " is stripped), never as a part.
    assert len(totals(agency="滨海公安")) == 3
    assert totals(agency="公安 ") == [("天津市滨海新区公安局", 2022, Decimal("56")), ("天津市滨海新区公安局", 2023, Decimal("70"))]
    assert totals(agency="海公") == []
    assert totals(agency="交通运输委") == []
    assert len(store.facts()) == 12
    assert len(store.facts(table="二")) == 6

    [record] = store.facts(agency="教育局", row_key="行政许可")
    assert isinstance(record, FactRecord)
    assert (record.report_id, record.file_name, record.year) == ("r3", "other.txt", 2023)
    assert record.loc.table_index == 1 and record.loc.col_index == 2


def test_reports_listing(store):
    store.add_report(make_report())
    [row] = store.reports()
    assert row == {
        "report_id": "r1",
        "agency": "天津市滨海新区公安局",
        "year": 2022,
        "path": "/data/滨海公安_2022.txt",
        "file_name": "滨海公安_2022.txt",
        "format_version": "2021",
        "fact_count": 4,
        "failed_checks": 1,
    }


def test_delete_report_cascades(store):
    store.add_report(make_report())
    assert store.delete_report("r1") is True
    assert store.delete_report("r1") is False
    assert all(rows == [] for rows in snapshot(store.path).values())


def test_reopening_the_file_sees_the_data(tmp_path):
    with FactStore.open_dir(tmp_path) as store:
        store.add_report(make_report())
    with FactStore.open_dir(tmp_path) as store:
        assert store.has_report("r1")
        assert store.get_report("r1") == make_report()
        assert store.add_report(make_report()) == "unchanged"
