"""A filled-in report as a Word file: the seed report's paragraphs and tables written into a .docx
with python-docx (merged label cells included), parsed back to the same facts as the text export."""
from __future__ import annotations

import docx

from ingest.loaders import load_document
from ingest.pipeline import parse_file
from tests.conftest import SEED


def _write_docx(path):
    doc = load_document(SEED)
    out = docx.Document()
    block: list = []

    def flush():
        if not block:
            return
        width = max(len(r.cells) for r in block)
        table = out.add_table(rows=len(block), cols=width)
        for i, row in enumerate(block):
            for j, cell in enumerate(row.cells):
                table.cell(i, j).text = cell.text
            if len(row.cells) < width and len(row.cells) == 1:
                # a one-cell row (第二十条第（一）项) spans the table, as in the original
                table.cell(i, 0).merge(table.cell(i, width - 1))
        block.clear()

    for row in doc.rows:
        if row.in_table:
            block.append(row)
        else:
            flush()
            out.add_paragraph(row.text)
    flush()
    out.save(path)


def test_docx_report_reads_like_the_text_export(tmp_path):
    path = tmp_path / "天津市滨海新区公安局_2022.docx"
    _write_docx(path)
    from_docx, from_txt = parse_file(path), parse_file(SEED)
    assert from_docx.kind == "docx"
    assert (from_docx.agency, from_docx.year, from_docx.format_version) == (from_txt.agency, 2022, "2021")
    got = {(f.table, f.row_key, f.col_key): (f.value, f.blank) for f in from_docx.facts}
    want = {(f.table, f.row_key, f.col_key): (f.value, f.blank) for f in from_txt.facts}
    assert got == want
    assert not from_docx.failed_checks
    # every fact points at its cell: the text at its span is what the cell printed
    for f in from_docx.facts:
        assert from_docx.text[f.loc.start:f.loc.end] == f.source_text
        assert f.loc.table_index is not None and f.loc.row_index is not None
