"""Quirks of the originals (keyfacts.json "flags") surface as findings, never silently fixed."""
from __future__ import annotations

import pytest

from ingest.pipeline import parse_file
from tests.conftest import CORPUS, SEED, require_files

REPORTS = CORPUS / "reports"


def findings(name: str, kind: str) -> list[str]:
    path = REPORTS / name
    require_files(path)
    return [f.message for f in parse_file(path).findings if f.kind == kind]


def test_heading_typo_is_reported():
    # the original prints 四、政府信息公开行政法复议、行政诉讼情况
    assert any("行政法复议" in m for m in findings("平潭综合实验区_2022.txt", "label_typo"))


def test_wrong_column_headers_are_reported():
    # 沭阳's last Markdown table heads the applicant columns with row names (本年新收件数 …)
    assert any("本年新收件数" in m for m in findings("沭阳县人民政府_2025.md", "layout"))


def test_rows_placed_by_order_and_own_numbering_are_reported():
    layout = findings("上海市科委_2024.md", "layout")
    assert any("no label beside their numbers" in m for m in layout)
    assert any("numbers its parts its own way" in m and "一、主动公开" in m for m in layout)


def test_clean_report_has_no_typo_findings():
    assert not [f for f in parse_file(SEED).findings if f.kind in ("label_typo", "unparsed", "ocr")]
