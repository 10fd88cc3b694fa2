"""The official 2021 template (../shared/corpus/年报格式模板_2021.docx): the three tables, no numbers.

Read by hand with python-docx: table 0 is 二 (14 rows, cells empty or full-width spaces), table 1 is 三
(28 rows × 10 columns with merged label cells, three （六）其他处理 rows), table 2 is 四 (4 rows × 15),
every value cell empty.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pytest

from ingest.models import TemplateError
from ingest.pipeline import parse_file

TEMPLATE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "年报格式模板_2021.docx"


@lru_cache(maxsize=None)
def _parse():
    """The template is refused (nothing to store); the error carries what was read."""
    with pytest.raises(TemplateError) as refused:
        parse_file(TEMPLATE)
    assert "template" in str(refused.value) and TEMPLATE.name in str(refused.value)
    return refused.value.report


def _report():
    if not TEMPLATE.is_file():
        msg = f"template not found at {TEMPLATE}"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return _parse()


def test_format_version():
    assert _report().format_version == "2021"


@pytest.mark.parametrize("table", ["二", "三", "四"])
def test_table_found_and_empty(table):
    report = _report()
    found = [t for t in report.tables if t.table == table]
    assert found, f"table {table} not found in the template; tables: {report.tables}"
    assert all(t.empty for t in found), f"table {table} should be flagged empty: {found}"


def test_no_numbers_invented():
    report = _report()
    filled = [(f.table, f.row_key, f.col_key, f.value) for f in report.facts if not f.blank or f.value != 0]
    assert not filled, f"the template has no numbers, yet these facts are not blank: {filled[:20]}"


def test_no_failed_checks():
    report = _report()
    assert not report.failed_checks, "\n".join(f"{c.rule}: {c.detail}" for c in report.failed_checks)
