"""load_document on the real reports of ../shared/corpus, on small files written here, and on bad inputs."""
from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from ingest.loaders import MAX_BYTES, load_document
from ingest.models import Document, IngestError

CORPUS = Path(__file__).parent.parent.parent / "shared/corpus"
SEED = "reports/天津市滨海新区公安局_2022.txt"
EXAMPLES = {
    SEED: "txt",
    "reports/沭阳县人民政府_2025.md": "md",
    "reports/上海市科委_2024.md": "md",
    "reports/平潭综合实验区_2024.html": "html",
    "年报格式模板_2021.docx": "docx",
    "reports/洪泽区人民政府_2023.pdf": "pdf",
}


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared corpus is missing at {CORPUS}")
        pytest.skip(f"the shared corpus is missing at {CORPUS}")
    return CORPUS


@functools.lru_cache(maxsize=None)
def _load(name: str) -> Document:
    return load_document(CORPUS / name)


def load(corpus: Path, name: str) -> Document:
    return _load(name)


def cells_of(doc: Document, **where) -> list[list[str]]:
    """The table rows as lists of cell texts, optionally only those whose first cell's Location matches."""
    return [
        [c.text for c in row.cells]
        for row in doc.rows
        if row.in_table and all(getattr(row.cells[0].loc, k) == v for k, v in where.items())
    ]


def assert_spans(doc: Document) -> None:
    for row in doc.rows:
        assert row.cells
        for cell in row.cells:
            assert doc.text[cell.loc.start:cell.loc.end] == cell.text, cell
        if not row.in_table:
            assert row.cells[0].text.strip(), row  # empty lines are skipped


def fails(path: Path) -> str:
    with pytest.raises(IngestError) as caught:
        load_document(path)
    message = str(caught.value)
    assert str(path) in message
    assert message.endswith(".") and "\n" not in message
    return message


# ---- every example -------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_kind_and_spans(corpus, name):
    doc = load(corpus, name)
    assert doc.kind == EXAMPLES[name]
    assert doc.path == str(CORPUS / name)
    assert any(row.in_table for row in doc.rows) == (doc.kind != "pdf")
    assert_spans(doc)


# ---- txt: the Word "save as text" layout ------------------------------------------


def test_seed_txt_table_rows(corpus):
    doc = load(corpus, SEED)
    assert doc.encoding == "utf-8"
    rows = cells_of(doc)
    assert ["一、本年新收政府信息公开申请数量", "56", "0", "0", "0", "0", "0", "56"] in rows
    # Word writes a vertically merged label once, in the merge's first row; blank cells stay as "".
    assert ["三、本年度办理结果", "（一）予以公开", "12", "", "", "", "", "", "12"] in rows
    assert ["", "（三）不予\n公开", "1.属于国家秘密"] + [""] * 7 in rows
    assert ["", "", "7.属于行政执法案卷", "1", "", "", "", "", "", "1"] in rows
    # table 四: the blank cells are a no-break space or nothing at all
    assert rows[-1] == ["", "", "", "", "0", "", "", "", "", "0", "", "", "", "", "0"]
    assert {row.cells[0].loc.table_index for row in doc.rows if row.in_table} == {0, 1, 2}


def test_seed_txt_continuation_and_plain_lines(corpus):
    doc = load(corpus, SEED)
    cell = next(c for row in doc.rows for c in row.cells if c.text.startswith("（三）不予"))
    assert doc.text[cell.loc.start:cell.loc.end] == "（三）不予\n公开"
    heading = next(row for row in doc.rows if row.cells[0].text == "二、主动公开政府信息情况")
    assert not heading.in_table
    assert doc.text[heading.cells[0].loc.start - 2:heading.cells[0].loc.start] == "  "  # span skips the indent


def test_txt_layout_small(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("标题\n\t甲\n\t\n\t乙\n丙\n\n\t 1 \n\n正文\n\t\n续行\n", encoding="utf-8")
    doc = load_document(path)
    assert [[c.text for c in r.cells] for r in doc.rows] == [["标题"], ["甲", "", "乙\n丙"], ["1"], ["正文"], ["续行"]]
    assert [r.in_table for r in doc.rows] == [False, True, True, False, True]
    assert [(c.loc.table_index, c.loc.row_index, c.loc.col_index) for c in doc.rows[1].cells] == [(0, 0, 0), (0, 0, 1), (0, 0, 2)]
    assert doc.rows[2].cells[0].loc.row_index == 1
    assert doc.rows[4].cells[0].loc.table_index == 1
    assert_spans(doc)


# ---- md ------------------------------------------------------------------------------


def test_shuyang_md(corpus):
    doc = load(corpus, "reports/沭阳县人民政府_2025.md")
    assert ["行政规范性文件", "6", "1", "32"] in cells_of(doc, table_index=0, row_index=2)
    assert ["-", "-", "-", "-", "-"] in cells_of(doc)  # a dash under a header is data, not a separator
    assert ["27", "10", "9", "15", "61"] in cells_of(doc)
    assert not any(cell.startswith("---") for row in cells_of(doc) for cell in row)
    texts = [row.cells[0].text for row in doc.rows if not row.in_table]
    assert "二、主动公开政府信息情况" in texts and "## 二、主动公开政府信息情况" not in texts
    assert texts[0].startswith("沐阳县人民政府")  # the OCR typo is the source's, kept as printed


def test_shanghai_md_blank_cell(corpus):
    doc = load(corpus, "reports/上海市科委_2024.md")
    assert ["四、结转下年度继续办理", "1", "0", "0", "0", "0", "0", ""] in cells_of(doc)
    assert ["规范性文件", "13", "0", "55"] in cells_of(doc, table_index=0)


def test_md_small(tmp_path):
    path = tmp_path / "small.txt"  # Markdown by its content, whatever the extension
    path.write_text("# 标题 #\n\n| a | b |\n|---|:-:|\n| 1 |  |\n| - | - |\n正文\n| x |\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.kind == "md"
    assert [[c.text for c in r.cells] for r in doc.rows] == [["标题"], ["a", "b"], ["1", ""], ["-", "-"], ["正文"], ["x"]]
    assert [(r.cells[-1].loc.table_index, r.cells[-1].loc.row_index, r.cells[-1].loc.col_index) for r in doc.rows if r.in_table] == [
        (0, 0, 1), (0, 1, 1), (0, 2, 1), (1, 0, 0)
    ]
    assert_spans(doc)


# ---- html ----------------------------------------------------------------------------


def test_pingtan_html(corpus):
    doc = load(corpus, "reports/平潭综合实验区_2024.html")
    assert doc.encoding == "utf-8"
    assert cells_of(doc, table_index=0, row_index=3) == [["行政规范性文件", "62", "33", "440"]]
    assert "行政规范性文件\t62\t33\t440\n" in doc.text
    assert ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"] in cells_of(doc, table_index=1)
    assert "结果纠正" in cells_of(doc, table_index=2, row_index=1)[0]
    assert {row.cells[0].loc.table_index for row in doc.rows if row.in_table} == {0, 1, 2}
    assert "一、总体情况" in [row.cells[0].text for row in doc.rows if not row.in_table]


def test_html_small(tmp_path):
    path = tmp_path / "page.txt"  # HTML by its content, whatever the extension
    path.write_text(
        "<html><head><title>标题</title><style>p{}</style></head><body><!-- 注释 -->"
        "<div>前言<p>段落&nbsp;一</p>尾巴</div>"
        "<table><tr><th>商业<br>企业</th><td>\u3000 5 </td><td></td></tr></table>"
        "<script>x = 1</script><ul><li>项</li></ul></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert doc.kind == "html"
    assert [[c.text for c in r.cells] for r in doc.rows] == [["前言"], ["段落 一"], ["尾巴"], ["商业企业", "5", ""], ["项"]]
    assert doc.text == "前言\n段落 一\n尾巴\n商业企业\t5\t\n项\n"
    assert_spans(doc)


# ---- docx ----------------------------------------------------------------------------


def test_docx_template(corpus):
    doc = load(corpus, "年报格式模板_2021.docx")
    assert doc.encoding is None
    assert {row.cells[0].loc.table_index for row in doc.rows if row.in_table} == {0, 1, 2}
    assert cells_of(doc, table_index=0, row_index=0) == [["第二十条第（一）项"]]  # horizontal merge kept once
    table3 = cells_of(doc, table_index=1)
    assert ["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""] in table3
    result = table3.index(["三、本年度办理结果", "（一）予以公开"] + [""] * 7)
    assert table3[result + 1][0] == ""  # vertical merge: the label is not repeated down the rows
    assert table3[result + 2][:3] == ["", "（三）不予公开", "1.属于国家秘密"]
    assert all(cell == "" for row in table3[3:] for cell in row[-7:])  # an empty template: every value blank
    assert cells_of(doc, table_index=2)[-1] == [""] * 15
    assert "政府信息公开工作年度报告" in doc.rows[0].cells[0].text


# ---- pdf -----------------------------------------------------------------------------


def test_hongze_pdf(corpus):
    doc = load(corpus, "reports/洪泽区人民政府_2023.pdf")
    assert doc.pages == 5 and doc.encoding is None
    pages = {row.cells[0].text: row.cells[0].loc.page for row in doc.rows}
    assert pages["行政许可 550"] == 2
    assert pages["行政处罚 4119"] == 3
    assert pages["六、其他需要报告的事项"] == 5
    assert [row.cells[0].loc.page for row in doc.rows] == sorted(row.cells[0].loc.page for row in doc.rows)


# ---- encodings and sniffing ---------------------------------------------------------------


def test_encodings_decode_to_the_same_text(corpus, tmp_path):
    text = (CORPUS / SEED).read_text(encoding="utf-8").replace("\xa0", " ")  # GBK has no no-break space
    reference = tmp_path / "utf8.txt"
    reference.write_bytes(text.encode("utf-8"))
    expected = load_document(reference)
    copies = {
        "gbk.txt": (text.encode("gbk"), "gb18030"),
        "utf16.txt": (text.encode("utf-16"), "utf-16-le"),
        "utf16be.txt": (b"\xfe\xff" + text.encode("utf-16-be"), "utf-16-be"),
        "utf8sig.txt": (text.encode("utf-8-sig"), "utf-8-sig"),
        "crlf.txt": (text.replace("\n", "\r\n").encode("gbk"), "gb18030"),
    }
    for name, (data, encoding) in copies.items():
        (tmp_path / name).write_bytes(data)
        doc = load_document(tmp_path / name)
        assert (doc.encoding, doc.text) == (encoding, expected.text), name
        assert doc.rows == expected.rows, name


def test_extension_only_breaks_ties(tmp_path):
    plain = tmp_path / "report.html"
    plain.write_text("一、总体情况\n本年度新收申请56件。\n", encoding="utf-8")
    assert load_document(plain).kind == "txt"
    md = tmp_path / "report.md"
    md.write_text("一、总体情况\n本年度新收申请56件。\n", encoding="utf-8")
    assert load_document(md).kind == "md"
    both = "# 标题\n\n<p>段落</p>\n"
    (tmp_path / "both.md").write_text(both, encoding="utf-8")
    (tmp_path / "both.htm").write_text(both, encoding="utf-8")
    assert load_document(tmp_path / "both.md").kind == "md"
    assert load_document(tmp_path / "both.htm").kind == "html"


# ---- bad inputs ---------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert "empty" in fails(path)


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text(" \n\t\n\u3000\r\n", encoding="utf-8")
    assert "whitespace" in fails(path)


def test_binary_junk(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_bytes(os.urandom(4096))
    assert "not a text, Word, HTML or PDF file" in fails(path)


def test_nul_heavy_text(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(b"abc\x00\x01\x02" * 100)
    assert "not a text, Word, HTML or PDF file" in fails(path)


def test_truncated_docx(corpus, tmp_path):
    path = tmp_path / "truncated.docx"
    path.write_bytes((CORPUS / "年报格式模板_2021.docx").read_bytes()[:3000])
    assert "damaged Word file" in fails(path)


def test_zip_without_word_document(tmp_path):
    import zipfile

    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("report.txt", "一、总体情况")
    assert "ZIP archive" in fails(path)


def _blank_pdf() -> bytes:
    """A valid one-page PDF with nothing on the page, written by hand."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_without_text_layer(tmp_path):
    path = tmp_path / "scanned.pdf"
    path.write_bytes(_blank_pdf())
    assert "OCR" in fails(path)


def test_damaged_pdf(tmp_path):
    path = tmp_path / "damaged.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(2048))
    assert "PDF that cannot be opened" in fails(path)


def test_old_word_doc(tmp_path):
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    assert ".docx" in fails(path)


def test_file_over_the_cap(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: no 20 MiB written, and the loader must not read it
    assert "MiB limit" in fails(path)


def test_missing_file_and_folder(tmp_path):
    assert "does not exist" in fails(tmp_path / "nowhere.txt")
    assert "folder" in fails(tmp_path)


def test_rtf(tmp_path):
    path = tmp_path / "report.rtf"
    path.write_bytes(b"{\\rtf1\\ansi report}")
    assert ".docx" in fails(path)
