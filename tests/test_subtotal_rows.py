"""Agencies add subtotal rows the format does not have (（三）不予公开 小计 …): they are skipped, not
taken for the next row. The report is the seed's tables written as Markdown with such rows added."""
from __future__ import annotations

from ingest.loaders import load_document
from ingest.pipeline import parse_file
from tests.conftest import SEED

SUBTOTAL_AFTER = {  # the last row of each group, and the subtotal row an agency might add after it
    "8.属于行政查询事项": "| （三）不予公开小计 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |",
    "3.补正后申请内容仍不明确": "| （四）无法提供合计 | 40 | 0 | 0 | 0 | 0 | 0 | 40 |",
    "3.其他": "| （六）其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
}


def _markdown(doc) -> str:
    lines = []
    for row in doc.rows:
        if not row.in_table:
            lines.append(row.text)
            continue
        cells = [c.text.replace("\n", "") for c in row.cells]
        lines.append("| " + " | ".join(cells) + " |")
        for label, extra in SUBTOTAL_AFTER.items():
            if label in cells:
                lines.append(extra)
    return "\n".join(lines) + "\n"


def test_subtotal_rows_are_skipped(tmp_path):
    path = tmp_path / "天津市滨海新区公安局_2022.md"
    path.write_text(_markdown(load_document(SEED)), encoding="utf-8")
    got = parse_file(path)
    want = parse_file(SEED)
    assert got.kind == "md"
    t3 = lambda r: {(f.row_key, f.col_key): f.value for f in r.facts if f.table == "三"}  # noqa: E731
    assert t3(got) == t3(want)
    assert not got.failed_checks
