"""Read page images with OCR: PDF pages without a text layer, and .png/.jpg photos or scans of pages.

    >>> from ingest.loaders import load_document
    >>> doc = load_document("某某县人民政府_2023_第2页.png")  # doctest: +SKIP
    >>> doc.kind, doc.ocr_pages, doc.rows[0].cells[0].loc.box  # doctest: +SKIP
    ('image', [1], (0.05, 0.04, 0.93, 0.07))

The engine is RapidOCR on ONNX Runtime with the PP-OCR models that ship inside the `rapidocr` wheel
(installed by the `ocr` extra: `pip install -e '.[ocr]'`); nothing is downloaded. Without the extra
a scan is refused with what to install (`OcrUnavailable`).

OCR gives boxes of text with their position. They are put in reading order — lines by their height
on the page, each line's boxes left to right, after undoing a scan's small skew — and written into
`Document.text` one line per row, one box per cell, so the same token-stream reader that reads any
text rendering reads the tables (ingest/stream.py → align.py → tables.py). Each cell's location
keeps its page, its region of the page (`box`, fractions of the page) and the recognizer's
confidence, and is marked `ocr`. A box that reads as a figure apart from letters OCR confuses with
digits (「1O」, 「l2」) is written with the digits and reported as a finding, as is a figure read with
low confidence (6/8): `ingest.pipeline` keeps such a figure only where the table's arithmetic
confirms it.

A budget bounds one file (`OcrSettings`: pages and seconds, from the environment or the command's
flags): pages past it are not read, and a finding says which.
"""
from __future__ import annotations

import io
import math
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

from .models import Cell, Document, Finding, IngestError, Location, Row

MAX_PAGES_ENV = "DISCLOSURE_QA_OCR_MAX_PAGES"
MAX_SECONDS_ENV = "DISCLOSURE_QA_OCR_MAX_SECONDS"
THREADS_ENV = "DISCLOSURE_QA_OCR_THREADS"
DPI_ENV = "DISCLOSURE_QA_OCR_DPI"
DEFAULT_MAX_PAGES = 30  # an annual report runs to 5–20 pages
DEFAULT_MAX_SECONDS = 300.0
DEFAULT_THREADS = 2
DEFAULT_DPI = 200  # PDF pages are drawn at this resolution for OCR (150–300 read alike; lower loses small print)
LOW_CONFIDENCE = 0.8  # a figure read with less is a finding (6/8, 3/8 and 1/7 are what OCR confuses)

INSTALL_HINT = "pip install 'disclosure-qa[ocr]' (or, in a checkout, pip install -e '.[ocr]')"


class OcrUnavailable(IngestError):
    """A file needs OCR and the OCR extra is not installed."""


ProgressFn = Callable[[int, int], None]  # (pages done, pages to read)


def _env_number(name: str, default, kind):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number; set it to e.g. {default}") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r} must be above 0; set it to e.g. {default}")
    return value


@dataclass
class OcrSettings:
    """How much OCR one file may take, and whom to tell about each page.

    `max_pages` and `max_seconds` default to DISCLOSURE_QA_OCR_MAX_PAGES (30) and
    DISCLOSURE_QA_OCR_MAX_SECONDS (300); the page being read when the time runs out is finished."""

    max_pages: int = field(default_factory=lambda: _env_number(MAX_PAGES_ENV, DEFAULT_MAX_PAGES, int))
    max_seconds: float = field(default_factory=lambda: _env_number(MAX_SECONDS_ENV, DEFAULT_MAX_SECONDS, float))
    dpi: int = field(default_factory=lambda: _env_number(DPI_ENV, DEFAULT_DPI, int))
    progress: Optional[ProgressFn] = None

    def __post_init__(self) -> None:
        if self.max_pages < 1 or self.max_seconds <= 0 or not 50 <= self.dpi <= 600:
            raise ValueError(f"OCR budget out of range: max_pages {self.max_pages} (≥ 1), max_seconds "
                             f"{self.max_seconds} (> 0), dpi {self.dpi} (50–600)")


def available() -> bool:
    """Is the OCR extra installed?"""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _engine():
    """RapidOCR with the models inside its wheel, on ONNX Runtime with few threads (once per process)."""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(f"the OCR engine is not installed ({exc.name} is missing): {INSTALL_HINT}.") from None
    models = Path(rapidocr.__file__).parent / "models"
    # the models the wheel ships; naming them keeps RapidOCR from fetching its defaults
    det, rec = models / "PP-OCRv6_det_small.onnx", models / "PP-OCRv6_rec_small.onnx"
    cls = models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
    missing = [p.name for p in (det, rec, cls) if not p.is_file()]
    if missing:
        raise OcrUnavailable(f"the installed rapidocr has no {', '.join(missing)} inside its package; "
                             f"install the version the OCR extra names: {INSTALL_HINT}.")
    threads = _env_number(THREADS_ENV, DEFAULT_THREADS, int)
    return RapidOCR(params={
        "Global.log_level": "error",
        "Global.use_cls": False,  # report pages are upright; a page scanned upside down is not read
        "Det.model_path": str(det), "Rec.model_path": str(rec), "Cls.model_path": str(cls),
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    })


@dataclass
class Box:
    """One piece of text OCR found: its text, confidence and corners on the page image (pixels)."""

    text: str
    confidence: float
    corners: tuple[tuple[float, float], ...]
    page: int
    width: int  # of the page image
    height: int

    @property
    def angle(self) -> float:
        """The slope of its top edge, in radians."""
        (x0, y0), (x1, y1) = self.corners[0], self.corners[1]
        return math.atan2(y1 - y0, x1 - x0) if x1 != x0 else 0.0

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [x for x, _ in self.corners]
        ys = [y for _, y in self.corners]
        return min(xs), min(ys), max(xs), max(ys)


def read_image(image, page: int) -> list[Box]:
    """The text boxes OCR finds on one page image (a PIL image)."""
    image = image.convert("RGB")
    result = _engine()(image)
    if not result.txts:
        return []
    w, h = image.size
    return [Box(str(t).strip(), float(s), tuple((float(x), float(y)) for x, y in b), page, w, h)
            for b, t, s in zip(result.boxes, result.txts, result.scores) if str(t).strip()]


def skew(boxes: list[Box]) -> float:
    """The page's skew (radians): the median slope of its wide boxes, where the slope is measured best."""
    slopes = sorted(b.angle for b in boxes if _width(b) > 4 * _height(b) and _width(b) > 0.1 * b.width)
    if len(slopes) < 3:
        return 0.0
    return slopes[len(slopes) // 2]


def _width(b: Box) -> float:
    x0, _, x1, _ = b.bounds()
    return x1 - x0


def _height(b: Box) -> float:
    _, y0, _, y1 = b.bounds()
    return y1 - y0


def reading_order(boxes: list[Box]) -> list[list[Box]]:
    """The boxes of one page as lines, top to bottom, each line's boxes left to right.

    The page's skew is undone first (box centres turned back about the page's centre). A box joins
    the line above when their centres lie within half the smaller height of each other: a table's
    figures, centred in a cell beside a label wrapped over two lines, stand on the label's line."""
    if not boxes:
        return []
    a = -skew(boxes)
    cos, sin = math.cos(a), math.sin(a)
    cx0, cy0 = boxes[0].width / 2, boxes[0].height / 2

    def centre(b: Box) -> tuple[float, float]:
        x = sum(p[0] for p in b.corners) / len(b.corners) - cx0
        y = sum(p[1] for p in b.corners) / len(b.corners) - cy0
        return x * cos - y * sin, x * sin + y * cos

    placed = sorted(((centre(b), _height(b), b) for b in boxes), key=lambda t: t[0][1])
    lines: list[list[tuple[tuple[float, float], float, Box]]] = []
    for item in placed:
        (_, y), h, _ = item
        if lines:
            line = lines[-1]
            ly = sum(c[1] for c, _, _ in line) / len(line)
            lh = sum(hh for _, hh, _ in line) / len(line)
            if abs(y - ly) < 0.5 * min(h, lh):
                line.append(item)
                continue
        lines.append([item])
    return [[b for _, _, b in sorted(line, key=lambda t: t[0][0])] for line in lines]


# ---- figures OCR may have misread ------------------------------------------------------------------

_CONFUSABLE = {"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1", "i": "1", "S": "5", "B": "8"}
_FIGURE_LIKE = re.compile(r"[-+]?[0-9OoDQlI|iSB,]*[0-9][0-9OoDQlI|iSB,]*(?:\.[0-9OoDQlI|iSB]+)?|[Oo]")


def figure_reading(text: str) -> Optional[str]:
    """The digits a box that is a figure apart from letters OCR confuses with digits stands for
    (「1O」 → 「10」, 「l2」 → 「12」, a lone 「O」 → 「0」), or None when it is no such box."""
    if not _FIGURE_LIKE.fullmatch(text) or not any(ch in _CONFUSABLE for ch in text):
        return None
    return "".join(_CONFUSABLE.get(ch, ch) for ch in text)


_DIGITS = re.compile(r"\d")


# ---- pages into a Document ---------------------------------------------------------------------------


def pdf_page_renderer(data: bytes, dpi: int):
    """A function drawing page `n` (1-based) of the PDF as a PIL image at `dpi`, and one closing the PDF."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)

    def render(number: int):
        page = pdf[number - 1]
        try:
            return page.render(scale=dpi / 72).to_pil()
        finally:
            page.close()

    return render, pdf.close


@dataclass
class PageText:
    """A page's text as the Document holds it: from the text layer (`text`) or from OCR (`lines`)."""

    number: int
    text: str = ""
    lines: Optional[list[list[Box]]] = None


def read_pages(path: Path, numbers: list[int], image_of: Callable[[int], object], settings: OcrSettings,
               findings: list[Finding]) -> dict[int, list[list[Box]]]:
    """OCR the pages `numbers` in turn (`image_of(n)` draws page n) within the budget; the lines of each page read."""
    out: dict[int, list[list[Box]]] = {}
    started = time.monotonic()
    done = 0
    if settings.progress:
        settings.progress(0, len(numbers))
    skipped: list[int] = []
    for k, number in enumerate(numbers):
        if done >= settings.max_pages or time.monotonic() - started > settings.max_seconds:
            skipped = numbers[k:]
            break
        out[number] = reading_order(read_image(image_of(number), number))
        done += 1
        if settings.progress:
            settings.progress(done, len(numbers))
    if skipped:
        why = (f"the OCR budget of {settings.max_pages} pages per file" if done >= settings.max_pages
               else f"the OCR budget of {settings.max_seconds:g} seconds per file")
        findings.append(Finding(kind="ocr", message=(
            f"{len(skipped)} page(s) ({_ranges(skipped)}) were not read: {why} ran out "
            f"(--ocr-max-pages / --ocr-max-seconds, or {MAX_PAGES_ENV} / {MAX_SECONDS_ENV}, allow more)")))
    if not out:
        raise IngestError(f"{path}: no page could be read within the OCR budget "
                          f"({settings.max_pages} pages, {settings.max_seconds:g} s); allow more with --ocr-max-seconds.")
    return out


def _ranges(numbers: list[int]) -> str:
    parts, start, prev = [], None, None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = prev = n
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
    return ", ".join(parts)


def document_of_pages(path: Path, kind: str, pages: list[PageText], findings: list[Finding]) -> Document:
    """Pages in order into one Document: a text layer's lines as rows of one cell, OCR lines as rows of
    one cell per box, pages joined with a newline (as the PDF loader does)."""
    parts: list[str] = []
    rows: list[Row] = []
    pos = 0
    ocr_pages = []
    for page in pages:
        if page.number > 1 or parts:
            parts.append("\n")
            pos += 1
        if page.lines is None:
            start = pos
            for line in page.text.split("\n"):
                s, e = _strip(line)
                if s < e:
                    rows.append(Row(cells=[Cell(text=line[s:e], loc=Location(start=start + s, end=start + e,
                                                                              page=page.number))]))
                start += len(line) + 1
            parts.append(page.text)
            pos += len(page.text)
            continue
        ocr_pages.append(page.number)
        for n, line in enumerate(page.lines):
            if n:
                parts.append("\n")
                pos += 1
            cells = []
            for i, box in enumerate(line):
                if i:
                    parts.append(" ")
                    pos += 1
                text = box.text
                loc = _box_location(box, pos, pos + len(text))
                suspect = figure_reading(text)
                if suspect is not None:
                    findings.append(Finding(kind="ocr", quote=text, loc=loc, message=(
                        f"OCR read 「{text}」 on page {box.page}, a figure but for letters it confuses with digits: "
                        f"written as {suspect}, kept only where the table's arithmetic confirms it")))
                    text = suspect
                elif box.confidence < LOW_CONFIDENCE and _DIGITS.search(text):
                    findings.append(Finding(kind="ocr", quote=text, loc=loc, message=(
                        f"OCR read 「{text}」 on page {box.page} with low confidence ({box.confidence:.2f}): "
                        f"its figures are kept only where the table's arithmetic confirms them")))
                parts.append(text)
                cells.append(Cell(text=text, loc=loc))
                pos += len(text)
            rows.append(Row(cells=cells))
    if not any(row.cells for row in rows):
        raise IngestError(f"{path} has no text layer and OCR found no text on its page(s); "
                          "check that the file is the report and not a blank or a picture.")
    if ocr_pages:
        findings.insert(0, Finding(kind="ocr", message=(
            f"page(s) {_ranges(ocr_pages)} have no text layer and were read by OCR (RapidOCR, PP-OCR models): "
            f"every figure read from them is marked ocr, and one the table's arithmetic rejects is left unread")))
    return Document(path=str(path), kind=kind, text="".join(parts), rows=rows, pages=len(pages),
                    ocr_pages=ocr_pages, findings=findings)


def _strip(line: str) -> tuple[int, int]:
    s, e = 0, len(line)
    while s < e and line[s].isspace():
        s += 1
    while e > s and line[e - 1].isspace():
        e -= 1
    return s, e


def _box_location(box: Box, start: int, end: int) -> Location:
    x0, y0, x1, y1 = box.bounds()
    frac = (max(0.0, x0 / box.width), max(0.0, y0 / box.height), min(1.0, x1 / box.width), min(1.0, y1 / box.height))
    return Location(start=start, end=end, page=box.page, ocr=True, box=tuple(round(v, 4) for v in frac),
                    confidence=round(box.confidence, 3))


def load_images(path: Path, data: bytes, settings: Optional[OcrSettings] = None) -> Document:
    """A .png/.jpg (or any image PIL opens; each frame of a multi-page TIFF a page) read by OCR."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    if not available():
        raise OcrUnavailable(f"{path} is an image of a page; reading it needs OCR: {INSTALL_HINT}.")
    settings = settings or OcrSettings()
    try:
        img = Image.open(io.BytesIO(data))
        frames = [frame.copy() for frame in ImageSequence.Iterator(img)]
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise IngestError(f"{path} is an image that cannot be opened ({type(exc).__name__}); "
                          "save it again as PNG or JPEG.") from None
    findings: list[Finding] = []
    read = read_pages(path, list(range(1, len(frames) + 1)), lambda n: frames[n - 1], settings, findings)
    pages = [PageText(n, lines=read[n]) if n in read else PageText(n) for n in range(1, len(frames) + 1)]
    return document_of_pages(path, "image", pages, findings)


def load_pdf_pages(path: Path, data: bytes, texts: list[str], settings: Optional[OcrSettings] = None) -> Document:
    """A PDF whose pages without a text layer (`texts[i]` empty) are read by OCR, the others from their text."""
    settings = settings or OcrSettings()
    scanned = [i + 1 for i, t in enumerate(texts) if not t.strip()]
    findings: list[Finding] = []
    render, close = pdf_page_renderer(data, settings.dpi)
    try:
        read = read_pages(path, scanned, render, settings, findings)
    finally:
        close()
    pages = [PageText(i + 1, lines=read[i + 1]) if i + 1 in read else PageText(i + 1, text=t)
             for i, t in enumerate(texts)]
    return document_of_pages(path, "pdf", pages, findings)
