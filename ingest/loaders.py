"""Read a report file of any supported kind into a `Document`: its text and its rows of cells.

    >>> doc = load_document("data/天津市滨海新区公安局_2022.txt")
    >>> doc.kind, doc.encoding
    ('txt', 'utf-8')
    >>> cell = doc.rows[-1].cells[0]
    >>> doc.text[cell.loc.start:cell.loc.end] == cell.text
    True

The kind is sniffed from the content (the extension only breaks ties), then one function per
kind builds the rows. Every cell's span points into `Document.text`. A file that cannot be read
as a report raises `IngestError` with one sentence for the person at the terminal; what the
loader had to work around (a broken byte read as U+FFFD) is in `Document.findings`.

HTML tables are laid on their real grid (rowspan/colspan), and a whole portal page is cut down to
its article (`_html_article`). `artifact_spans` finds what a Word or PDF export left in the text
that is not the report's (page numbers, [bookmark: _GoBack]) for chunking and quoting to skip.
"""
from __future__ import annotations

import io
import re
import zipfile
from bisect import bisect_left
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from lxml import etree

from ingest.models import Cell, Document, Finding, IngestError, Location, Row

if TYPE_CHECKING:
    from ingest.ocr import OcrSettings

MAX_BYTES = 20 * 1024 * 1024

_BOMS = (  # (mark, codec, name recorded); UTF-32 first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be", "utf-16-be"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")  # PNG, JPEG, TIFF
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
_BLANK = " \t\n\r\f\v\xa0\u3000\u200b\ufeff"
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
_HTML_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body|div|table|tr|td|p|h[1-6]|ul|ol|li|span)\b", re.I)
_MD_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")  # used with .match(), which anchors it
_MD_CLOSING_HASHES = re.compile(r"[ \t]+#+[ \t]*$")
_MD_TABLE_LINE = re.compile(r"\s*\|.*\|\s*$")
_MD_SEPARATOR_CELL = re.compile(r"^:?-+:?$")


def load_document(path: str | Path, ocr: "OcrSettings | None" = None) -> Document:
    """Read one report file (txt in any Chinese encoding, md, html, docx, pdf, or a page image) into a
    Document. `ocr` bounds the OCR of scanned pages and images (ingest.ocr; default: its environment)."""
    path = Path(path)
    data = _read_bytes(path)
    if b"%PDF-" in data[:1024]:  # PDF readers accept bytes before the header, so some files have them
        return _load_pdf(path, data, ocr)
    if data.startswith(_IMAGE_MAGIC):
        from .ocr import load_images

        return load_images(path, data, ocr)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _load_docx(path, data)
    if data.startswith(_OLE_MAGIC):
        raise IngestError(f"{path} is an old Word .doc file; open it in Word or LibreOffice and save it as .docx.")
    if data.startswith(b"{\\rtf"):
        raise IngestError(f"{path} is an RTF file; open it in Word or LibreOffice and save it as .docx.")
    decoded = _decode(path, data)
    text, encoding = decoded.text, decoded.encoding
    kind = _text_kind(path, text)
    if kind == "html":
        doc = _load_html(path, text, encoding)
    elif kind == "md":
        doc = _load_md(path, text, encoding)
    else:
        doc = _load_txt(path, text, encoding)
    # txt and md keep the decoded text as Document.text, so a replaced byte has a place in it; html composes its own
    doc.findings.extend(_replacement_findings(decoded, text if kind != "html" else None))
    return doc


# ---- reading and sniffing ----------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    too_big = (
        f"{path} is over the {MAX_BYTES // 2**20} MiB limit for one report; "
        "extract the report itself into a smaller file and load that."
    )
    try:
        if path.is_dir():
            raise IngestError(f"{path} is a folder, not a file; give the path of one report file.")
        if path.stat().st_size > MAX_BYTES:
            raise IngestError(too_big)
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)  # the file may have grown since stat()
    except FileNotFoundError:
        raise IngestError(f"{path} does not exist; check the path and try again.") from None
    except OSError as exc:
        raise IngestError(f"{path} cannot be read ({exc.strerror}); check that it is a file you may read.") from None
    if len(data) > MAX_BYTES:
        raise IngestError(too_big)
    if not data:
        raise IngestError(f"{path} is empty (0 bytes); re-export or re-download the report.")
    return data


class _Decoded(NamedTuple):
    text: str  # newlines normalised to "\n"
    encoding: str
    # each run of bytes that were not valid in `encoding` and were read as U+FFFD, as
    # (first byte, end byte) in the file, (start, end) in `text`, and the bytes in hex
    replaced: tuple[tuple[int, int, int, int, str], ...] = ()


def _decode(path: Path, data: bytes) -> _Decoded:
    for text, encoding, replaced in _decodings(data):
        # a stray control character is tolerated; the U+FFFD put in for replaced bytes are accounted for
        odd = len(_NOT_TEXT.findall(text)) - sum(run[3] - run[2] for run in replaced)
        if odd <= len(text) // 100:
            text, replaced = _normalise_newlines(text, replaced)
            if not text.strip(_BLANK):
                raise IngestError(f"{path} contains only whitespace; re-export or re-download the report.")
            return _Decoded(text, encoding, replaced)
    raise IngestError(
        f"{path} is not a text, Word, HTML or PDF file; convert the report to one of those formats first."
    )


def _decodings(data: bytes):
    """Candidate decodings (text, encoding, replaced runs), most trustworthy first; the caller takes the
    first that looks like text."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                yield data[len(bom):].decode(codec), name, ()
            except UnicodeDecodeError:
                if codec == "utf-8":
                    lenient = _lenient(data, len(bom), "utf-8")
                    if lenient:
                        yield lenient[0], name, lenient[1]
            break
    try:
        yield data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        # Before GB18030: GB18030 reads almost any byte string, so UTF-8 with one broken byte would come
        # out as plausible-looking nonsense. A legacy GBK file fails as UTF-8 on nearly every character.
        lenient = _lenient(data, 0, "utf-8")
        if lenient:
            yield lenient[0], "utf-8", lenient[1]
    try:
        yield data.decode("gb18030"), "gb18030", ()
    except UnicodeDecodeError:
        lenient = _lenient(data, 0, "gb18030")  # a legacy file with a broken byte, or cut mid-character
        if lenient:
            yield lenient[0], "gb18030", lenient[1]
    from charset_normalizer import from_bytes

    # Only a sample: guessing on 20 MiB of binary junk would take seconds.
    best = from_bytes(data[: 1 << 16]).best()
    if best is not None:
        try:
            yield data.decode(best.encoding), best.encoding, ()
        except (UnicodeDecodeError, LookupError):
            pass


def _lenient(data: bytes, start: int, codec: str):
    """`data[start:]` in `codec` with each invalid sequence read as U+FFFD (as errors="replace" does), and
    the runs replaced; or None when the bytes are not mostly in `codec`: it takes at least 20 valid
    multi-byte characters per invalid sequence, which a GBK file read as UTF-8 never has (nearly every
    Chinese character is invalid UTF-8), nor the reverse."""
    body = data[start:]
    text = body.decode(codec, "replace")
    marks = text.count("\ufffd")
    if not marks:
        return None
    mark_bytes = "\ufffd".encode(codec)
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if non_ascii - marks < 20 * max(1, marks - body.count(mark_bytes)):  # counted generously, checked below
        return None
    bad: list[tuple[int, int, int]] = []  # (first byte, end byte, char index of its U+FFFD)
    byte, char = 0, 0
    for index in (m.start() for m in re.finditer("\ufffd", text)):
        byte += len(text[char:index].encode(codec))  # valid text encodes back to the bytes it came from
        char = index + 1
        if body.startswith(mark_bytes, byte):
            byte += len(mark_bytes)  # a U+FFFD the file itself holds
            continue
        try:
            body[byte:byte + 8].decode(codec)
        except UnicodeDecodeError as exc:
            if exc.start != 0:
                return None  # lost track of the bytes: let another reading try
            bad.append((start + byte, start + byte + exc.end, index))
            byte += exc.end
            continue
        return None
    if not bad or non_ascii - marks < 20 * len(bad):
        return None
    runs: list[list[int]] = []  # adjacent invalid sequences (one mangled character) as one run
    for first, end, index in bad:
        if runs and runs[-1][1] == first:
            runs[-1][1], runs[-1][3] = end, index + 1
        else:
            runs.append([first, end, index, index + 1])
    return text, tuple((a, b, s, e, data[a:b].hex(" ").upper()) for a, b, s, e in runs)


def _normalise_newlines(text: str, replaced) -> tuple[str, tuple]:
    """CRLF and CR to LF, moving the replaced runs' character spans with the text."""
    if replaced and "\r\n" in text:
        crlf = [m.start() for m in re.finditer("\r\n", text)]
        replaced = tuple(
            (a, b, s - bisect_left(crlf, s), e - bisect_left(crlf, e), hexed) for a, b, s, e, hexed in replaced
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), replaced


_MAX_BYTE_FINDINGS = 20


def _replacement_findings(decoded: _Decoded, text: str | None) -> list[Finding]:
    """One finding per run of broken bytes (the first `_MAX_BYTE_FINDINGS`, then one for the rest);
    located in `text` when Document.text is the decoded text."""
    findings = []
    for first, end, start, stop, hexed in decoded.replaced[:_MAX_BYTE_FINDINGS]:
        where = f"byte {first}" if end - first == 1 else f"bytes {first}–{end - 1}"
        context = ""
        loc = None
        if text is not None:
            loc = Location(start=start, end=stop)
            before = text[max(0, start - 12):start].rsplit("\n", 1)[-1]
            after = text[stop:stop + 12].split("\n", 1)[0]
            context = f" in 「{before}{text[start:stop]}{after}」"
        findings.append(Finding(
            kind="encoding",
            quote=text[start:stop] if text is not None else "",
            loc=loc,
            message=(
                f"{where} of the file ({hexed}) "
                f"{'is' if end - first == 1 else 'are'} not valid {decoded.encoding}; "
                f"read as {stop - start} × U+FFFD{context}"
            ),
        ))
    rest = decoded.replaced[_MAX_BYTE_FINDINGS:]
    if rest:
        findings.append(Finding(
            kind="encoding",
            message=f"{len(rest)} more runs of bytes from byte {rest[0][0]} on are not valid {decoded.encoding}; "
                    "each was read as U+FFFD",
        ))
    return findings


def _text_kind(path: Path, text: str) -> str:
    is_md_ext = path.suffix.lower() in (".md", ".markdown")
    looks_md = _looks_like_markdown(text)
    if _HTML_TAG.search(text) and not (is_md_ext and looks_md):
        return "html"
    if looks_md or is_md_ext:
        return "md"
    return "txt"


def _looks_like_markdown(text: str) -> bool:
    lines = text.split("\n")
    for first, second in zip(lines, lines[1:]):
        if _MD_TABLE_LINE.match(first) and _is_md_separator(_md_cell_texts(second)):
            return True
    has_heading = any(_MD_HEADING.match(line) for line in lines)
    # A Word export with one "# ..." line is still a Word export: its tab-indented cells matter more.
    has_tab_cells = any(line.startswith("\t") for line in lines)
    return has_heading and not has_tab_cells


# ---- spans -------------------------------------------------------------------


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """The span [start, end) of `text` without surrounding whitespace (zero-length at `end` if all blank)."""
    while start < end and text[start] in _BLANK:
        start += 1
    while end > start and text[end - 1] in _BLANK:
        end -= 1
    return start, end


def _cell(text: str, start: int, end: int, **loc) -> Cell:
    return Cell(text=text[start:end], loc=Location(start=start, end=end, **loc))


def _table_row(text: str, spans, table_index: int, row_index: int) -> Row:
    loc = {"table_index": table_index, "row_index": row_index}
    return Row(cells=[_cell(text, s, e, col_index=i, **loc) for i, (s, e) in enumerate(spans)], in_table=True)


def _lines(text: str):
    """(start, end) of every line of `text`, without its newline."""
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line)
        start += len(line) + 1


class _TextBuilder:
    """Writes Document.text for formats whose text we compose (html, docx) and records the spans."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pos = 0
        self.rows: list[Row] = []

    def paragraph(self, text: str) -> None:
        if text:
            self._write_row([text], in_table=False)

    def table_row(self, cells: list[str], table_index: int, row_index: int, cols: list[int] | None = None) -> None:
        """One table row; `cols` are the cells' grid columns when cells span columns (default 0, 1, 2…)."""
        self._write_row(cells, in_table=True, cols=cols, table_index=table_index, row_index=row_index)

    def _write_row(self, cells: list[str], in_table: bool, cols: list[int] | None = None, **loc) -> None:
        row = []
        for i, text in enumerate(cells):
            if i:
                self._write("\t")
            start = self._pos
            self._write(text)
            col_loc = {"col_index": cols[i] if cols else i, **loc} if in_table else loc
            row.append(Cell(text=text, loc=Location(start=start, end=self._pos, **col_loc)))
        self._write("\n")
        self.rows.append(Row(cells=row, in_table=in_table))

    def _write(self, s: str) -> None:
        self._parts.append(s)
        self._pos += len(s)

    @property
    def text(self) -> str:
        return "".join(self._parts)


def _squash(text: str) -> str:
    """Whitespace runs to one space, ends stripped, as a browser shows inline text."""
    return _SPACES.sub(" ", text).strip(_BLANK)


# ---- export artifacts ----------------------------------------------------------

_H = r"[^\S\n]*"  # horizontal whitespace (includes the ideographic space and the no-break space)
_PAGE_NUMBER = r"(?:[0-9０-９]{1,4}|[〇零一二三四五六七八九十百]{1,5})"
_DASHES = r"[-－–—―‐‑‒─]{1,3}"
_ARTIFACTS = re.compile(
    # markers a Word / docx-to-text export leaves inline: [bookmark: _GoBack], [comment: 1], [image: media/image1.png]
    r"[\[【]" + _H + r"(?:bookmark|comment|footnote|endnote|image|picture|figure|chart|shape|textbox|object|toc"
    r"|page[ _]?break|section[ _]?break|column[ _]?break)\b(?:" + _H + r"[:：][^\]】\n]{0,200})?" + _H + r"[\]】]"
    # page numbers on a line of their own: "— 4 —", "- 6 -", "第 3 页 共 10 页", "共10页 第3页", "Page 3 of 10"
    r"|(?m:^" + _H + r"(?P<page>"
    + _DASHES + _H + _PAGE_NUMBER + _H + _DASHES
    + r"|第" + _H + _PAGE_NUMBER + _H + r"页(?:" + _H + r"[,，、/／]?" + _H + r"共" + _H + _PAGE_NUMBER + _H + r"页)?"
    + r"|共" + _H + _PAGE_NUMBER + _H + r"页" + _H + r"[,，、/／]?" + _H + r"第" + _H + _PAGE_NUMBER + _H + r"页"
    + r"|(?i:page)" + _H + r"[0-9]{1,4}(?:" + _H + r"(?i:of|/)" + _H + r"[0-9]{1,4})?"
    + r")" + _H + r"$)",
    re.I,
)


def artifact_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans in `text` of export artifacts that are not the report's words: Word's
    bracketed markers ("[bookmark: _GoBack]") and page numbers on a line of their own ("— 4 —",
    "第 3 页 共 10 页"). The text keeps them; chunking and quoting skip these spans.

    >>> artifact_spans("正文[bookmark: _GoBack]结束\n  — 4 —\n")
    [(2, 21), (26, 31)]
    """
    spans = []
    for m in _ARTIFACTS.finditer(text):
        start, end = m.span("page") if m.group("page") is not None else m.span()
        if spans and start < spans[-1][1]:
            continue
        spans.append((start, end))
    return spans


# ---- txt ---------------------------------------------------------------------


def _load_txt(path: Path, text: str, encoding: str) -> Document:
    """Plain lines, plus the Word "save as text" tables: one tab-indented cell per line, rows between blank lines."""
    rows: list[Row] = []
    cells: list[list[int]] = []  # [start, end] of each cell of the open table row
    table_index, row_index = -1, 0
    in_table = False  # blank lines separate rows; only a line of plain text ends the table
    after_cell = False  # the previous line was a cell (or continued one)

    def close_row() -> None:
        nonlocal row_index
        if cells:
            rows.append(_table_row(text, cells, table_index, row_index))
            row_index += 1
            cells.clear()

    for start, end in _lines(text):
        if text.startswith("\t", start, end):
            if not in_table:
                table_index, row_index, in_table = table_index + 1, 0, True
            cells.append(list(_stripped(text, start, end)))
            after_cell = True
        elif not text[start:end].strip(_BLANK):
            close_row()
            after_cell = False
        elif after_cell:
            s, e = _stripped(text, start, end)
            if cells[-1][0] == cells[-1][1]:
                cells[-1][0] = s  # the cell's first line was blank: its text starts here
            cells[-1][1] = e
        else:
            in_table = False
            rows.append(Row(cells=[_cell(text, *_stripped(text, start, end))]))
    close_row()
    return Document(path=str(path), kind="txt", encoding=encoding, text=text, rows=rows)


# ---- md ----------------------------------------------------------------------


def _load_md(path: Path, text: str, encoding: str) -> Document:
    """Lines starting with "|" are table rows; each contiguous run of them is one table."""
    rows: list[Row] = []
    table_index, row_index, block_line = -1, 0, 0
    in_table = False
    for start, end in _lines(text):
        if text[start:end].lstrip(_BLANK).startswith("|"):
            if not in_table:
                table_index, row_index, block_line, in_table = table_index + 1, 0, 0, True
            spans = _md_cell_spans(text, start, end)
            cell_texts = [text[s:e] for s, e in spans]
            block_line += 1
            # "| - | - |" under a header is data (a dash for "none"); a separator is the second line or has ---
            if not spans or _is_md_separator(cell_texts) and (block_line == 2 or any("---" in c for c in cell_texts)):
                continue
            rows.append(_table_row(text, spans, table_index, row_index))
            row_index += 1
            continue
        in_table = False
        s, e = _md_heading_text(text, start, end)
        if s < e:
            rows.append(Row(cells=[_cell(text, s, e)]))
    return Document(path=str(path), kind="md", encoding=encoding, text=text, rows=rows)


def _md_cell_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stripped spans of the cells of the table line text[start:end]."""
    start, end = _stripped(text, start, end)
    pipes = [i for i in range(start, end) if text[i] == "|" and (i == start or text[i - 1] != "\\")]
    if not pipes:
        return []
    bounds = pipes if pipes[-1] == end - 1 else pipes + [end]
    return [_stripped(text, a + 1, b) for a, b in zip(bounds, bounds[1:])]


def _md_cell_texts(line: str) -> list[str]:
    return [line[s:e] for s, e in _md_cell_spans(line, 0, len(line))]


def _is_md_separator(cells: list[str]) -> bool:
    return bool(cells) and all(_MD_SEPARATOR_CELL.match(c) for c in cells)


def _md_heading_text(text: str, start: int, end: int) -> tuple[int, int]:
    """The stripped span of a line, without the "#" marks if it is a heading."""
    heading = _MD_HEADING.match(text, start, end)
    if heading:
        start = heading.end()
        closing = _MD_CLOSING_HASHES.search(text, start, end)
        if closing:
            end = closing.start()
    return _stripped(text, start, end)


# ---- html --------------------------------------------------------------------

_HTML_SKIP = {"head", "script", "style", "noscript", "template", "iframe", "object", "svg"}
_HTML_BREAKS = {"br", "hr"}
_HTML_BLOCKS = {
    "html", "body", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "blockquote", "pre", "center",
    "section", "article", "header", "footer", "main", "nav", "aside", "figure", "figcaption", "address", "form",
}


_HTML_CELLS = ("td", "th")
# Page chrome: never the report, unless a report table is inside it (some sites wrap the whole page in a <form>).
_HTML_CHROME = {"nav", "header", "footer", "aside", "menu", "form"}
_HTML_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menubar", "toolbar"}
# What an article can be; a paragraph, heading or list item is part of one.
_HTML_CONTAINERS = {"body", "div", "section", "article", "main", "td", "th", "center", "blockquote", "form", "dd"}
_HTML_TITLE_TAGS = _HTML_BLOCKS | {"span", "a", "strong", "b", "font"}  # where a page prints an article's title
_ARTICLE_SHARE = 0.8  # the article holds at least this share of the paragraph text seen on the way to it
_CHROME_LINK_CHARS = 100  # cut a page down to its article only when what is cut has this much link text
_SHORT_LINE = 10  # outside tables, a text block counts only with its characters beyond this many
_NUMBER_CELL = re.compile(r"[\s\xa0\u3000]*[-+]?\d[\d,.，%]*[\s\xa0\u3000]*")
_BYLINE_DATE = re.compile(r"(?:19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}")
_TITLE_SEPARATORS = re.compile(r"\s*[_|｜]\s*|\s+[-–—]+\s+")
_TOO_DEEP = re.compile(r"excessive depth[^\d]*(\d+)?", re.I)  # libxml2: "Excessive depth in document: 2048, use …"


def _load_html(path: Path, text: str, encoding: str) -> Document:
    """Paragraphs and table rows in reading order; Document.text is composed from them.

    A whole portal page (navigation, article, footer) is cut down to its article; see `_html_article`."""
    import lxml.html

    no_text = f"{path} is an HTML page with no visible text; save the page with the report itself in it and try again."
    # huge_tree: libxml2 otherwise stops at 256 levels of nesting and silently drops the rest of the page
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        # Bytes with a fixed encoding: lxml refuses str with an XML encoding declaration, and
        # the text is already decoded, so a <meta charset> must not re-decode it.
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.LxmlError, ValueError):  # "Document is empty": nothing but comments or whitespace
        _refuse_too_deep(path, parser)
        raise IngestError(no_text) from None
    _refuse_too_deep(path, parser)  # the parser stops at its depth limit and drops the rest of the page
    article, heading = _html_article(root)
    builder = _TextBuilder()
    for line in heading:
        builder.paragraph(line)
    pieces: list[str] = [article.text or ""] if article is not root else []
    table_index = 0
    for kind, value in _html_events(article, tables=True):
        if kind == "text":
            pieces.append(value)
            continue
        builder.paragraph(_squash("".join(pieces)))
        pieces.clear()
        if kind == "table":
            _html_table(builder, value, table_index)
            table_index += 1
    builder.paragraph(_squash("".join(pieces)))
    if not builder.rows:
        raise IngestError(no_text)
    return Document(path=str(path), kind="html", encoding=encoding, text=builder.text, rows=builder.rows)


def _refuse_too_deep(path: Path, parser) -> None:
    for error in parser.error_log:
        deep = _TOO_DEEP.search(error.message)
        if deep:
            limit = f"over {deep.group(1)} levels" if deep.group(1) else "more levels than the parser allows"
            raise IngestError(
                f"{path} is an HTML page nested too deeply ({limit} of elements) to be read; save the report's "
                "article alone, or copy its text into a .txt file, and load that."
            )


def _html_events(el, tables: bool):
    """("text", str), ("break", None) and, if `tables`, ("table", element) for what is inside `el`, in
    document order. Iterative, not recursive: pages nest elements deeper than Python's recursion limit."""
    todo: list = [(False, child) for child in reversed(el)]
    while todo:
        closing, node = todo.pop()
        if closing:
            block, tail = node
            if block:
                yield "break", None
            if tail:
                yield "text", tail
            continue
        tag = node.tag if isinstance(node.tag, str) else None  # comments and PIs have no str tag
        if tag is None or tag in _HTML_SKIP:
            pass
        elif tag == "table" and tables:
            yield "table", node
        elif tag in _HTML_BREAKS:
            yield "break", None
        else:
            block = tag in _HTML_BLOCKS
            if block:
                yield "break", None
            if node.text:
                yield "text", node.text
            todo.append((True, (block, node.tail)))
            todo.extend((False, child) for child in reversed(node))
            continue
        if node.tail:
            yield "text", node.tail


# ---- html: finding the article in a portal page ------------------------------


def _html_article(root):
    """The element holding the report, and the lines to put before it: its title and byline.

    Every text block (the text of one <p>, <td>, <div>… up to the next block) is scored by its characters
    that are not link text, if it has more of those than link text; outside a report table (an innermost
    table with numbers in its cells) only the characters beyond the first `_SHORT_LINE` count, so that the
    short lines of a header or footer weigh little against the report's paragraphs. <script>, <style> and
    page chrome (<nav>, <header>, <footer>, <aside>, <form>, <menu>, ARIA navigation roles) score nothing
    unless a report table is inside. From <body>, the article is found by stepping into the child with the
    highest score while that child holds every report table and at least `_ARTICLE_SHARE` of what has been
    seen on the way: its own score, the text of the elements stepped through, and the siblings passed by,
    except link-dense ones (more link text than plain text: menus, link lists, breadcrumbs). The article is
    the last container element (div, section, article, td…) reached.

    The page is cut only if what is cut has at least `_CHROME_LINK_CHARS` of link text, so a page that is
    the article alone stays whole. When it is cut, the report's title would go with the page header, so
    the last element before the article whose text is the page's <title> (or the title's first part, as
    in "标题_栏目_网站") becomes the first line, else the <title> itself, unless the article starts with
    it or with an <h1>/<h2> of its own. Between that title element and the article, the lines with a
    date and little link text ("发布时间：2024-01-26 来源：…") are kept as the byline."""
    body = root.find("body")
    if body is None:
        body = root
    els = [el for el in root.iter() if isinstance(el.tag, str)]
    parent = {}
    for el in els:
        p = el.getparent()
        if p is not None:
            parent[el] = p
    # pass 1, document order: what each element is inside of
    hidden, in_link, block_of, table_of = set(), set(), {}, {}
    for el in els:
        p = parent.get(el)
        if el.tag in _HTML_SKIP or p in hidden:
            hidden.add(el)
            continue
        if el.tag == "a" or p in in_link:
            in_link.add(el)
        block_of[el] = el if el.tag in _HTML_BLOCKS or p is None else block_of[p]
        table_of[el] = el if el.tag == "table" else table_of.get(p)
    report_tables = {t for t in els if t.tag == "table" and t not in hidden and _is_report_table(t)}
    # pass 2: each text node's characters go to its block, as plain or link text
    plain: dict = {}
    link: dict = {}
    for el in els:
        if el in hidden:
            continue
        if el.text:
            counts = link if el in in_link else plain
            counts[block_of[el]] = counts.get(block_of[el], 0) + _visible_len(el.text)
        p = parent.get(el)
        if el.tail and p is not None and p not in hidden:
            counts = link if p in in_link else plain
            counts[block_of[p]] = counts.get(block_of[p], 0) + _visible_len(el.tail)
    # pass 3, reverse document order (children before parents): sums over each subtree
    own, score, chars, links, tables = {}, {}, {}, {}, {}
    for el in reversed(els):
        if el in hidden:
            continue
        n, l = plain.get(el, 0), link.get(el, 0)
        own[el] = 0 if n < l else n if table_of.get(el) in report_tables else max(0, n - _SHORT_LINE)
        score[el] = score.get(el, 0) + own[el]
        chars[el] = chars.get(el, 0) + n
        links[el] = links.get(el, 0) + l
        tables[el] = tables.get(el, 0) + (el in report_tables)
        if tables[el] == 0 and (el.tag in _HTML_CHROME or (el.get("role") or "").lower() in _HTML_CHROME_ROLES):
            score[el] = 0  # chrome: its text is not the report's
        p = parent.get(el)
        if p is not None:
            for sums in (score, chars, links, tables):
                sums[p] = sums.get(p, 0) + sums[el]
    all_tables = tables.get(body, 0)
    if not score.get(body):
        return root, []
    article = node = body
    seen = 0  # the score passed by on the way down, link-dense siblings aside
    while True:
        children = [c for c in node if c in score]
        best = max(children, key=score.__getitem__, default=None)
        if best is None or tables[best] < all_tables:
            break
        seen += own[node] + sum(
            score[c] for c in children if c is not best and (tables[c] or links[c] <= chars[c])
        )
        if score[best] < _ARTICLE_SHARE * (score[best] + seen):
            break
        node = best
        if node.tag in _HTML_CONTAINERS:
            article = node
    if article is body or links.get(root, 0) - links.get(article, 0) < _CHROME_LINK_CHARS:
        return root, []
    return article, _html_heading(root, els, article, hidden)


def _visible_len(text: str) -> int:
    return len(text) - sum(1 for ch in text if ch in _BLANK or ch.isspace())


def _is_report_table(table) -> bool:
    """An innermost table with numbers in at least three of its cells and not mostly links: a report table,
    not a layout table or a calendar of links."""
    if next(table.iterdescendants("table"), None) is not None:
        return False
    numbers = cells = link_chars = 0
    for cell in table.iter(*_HTML_CELLS):
        text = cell.text_content()
        cells += len(text)
        link_chars += sum(len(a.text_content()) for a in cell.iter("a"))
        numbers += bool(_NUMBER_CELL.fullmatch(text))
    return numbers >= 3 and link_chars * 2 <= cells


def _html_heading(root, els, article, hidden) -> list[str]:
    """The lines to put before the article: its title and byline (see `_html_article`)."""
    title_el = root.find("head/title")
    page_title = _squash(title_el.text_content()) if title_el is not None else ""
    if not page_title:
        return []
    headline = _TITLE_SEPARATORS.split(page_title)[0]  # "标题_栏目_网站": the article's own title comes first
    above = set(article.iterancestors())
    title, byline = page_title, []
    for el in els:
        if el is article:
            break
        if el in hidden or el in above or el.tag not in _HTML_TITLE_TAGS:
            continue
        text = _squash(el.text_content())
        if len(text) >= 4 and text in (page_title, headline):
            title, byline = text, []
        elif title is not page_title and _is_byline(el, text):
            byline.append(text)
    first = next((el for el in article.iter() if el is not article and el.tag in _HTML_BLOCKS), None)
    if first is not None and first.tag in ("h1", "h2"):
        return []  # the article has a title of its own
    head = "".join(_squash(t) for _, t in zip(range(40), _html_text_nodes(article)))
    return [] if title in head else [title, *byline]


def _is_byline(el, text: str) -> bool:
    """A line between the title and the article with a date in it and more plain text than link text:
    "发布时间：2024-01-26 来源：某某局" (metadata reads the publication date from it)."""
    if el.tag not in _HTML_BLOCKS or len(text) > 200 or not _BYLINE_DATE.search(text):
        return False
    if next(el.iterdescendants(*_HTML_BLOCKS), None) is not None:
        return False  # not a leaf: its lines are looked at one by one
    links = sum(len(_squash(a.text_content())) for a in el.iter("a"))
    return links * 2 < len(text)


def _html_text_nodes(el):
    if el.text:
        yield el.text
    for kind, value in _html_events(el, tables=False):
        if kind == "text":
            yield value


def _html_table(builder: _TextBuilder, table, table_index: int) -> None:
    """Rows on the table's real grid: a cell spanning rows or columns is written once, in its first row,
    and every cell's col_index is its grid column; the slots it covers are left out of the rows.
    Spans end with their row group (<thead>/<tbody>/<tfoot>), rowspan="0" reaches to its end (HTML's rules)."""
    row_index = 0
    for group in _html_row_groups(table):
        carry: dict[int, int] = {}  # grid column -> how many more rows a cell from above covers it
        for r, tr in enumerate(group):
            rows_left = len(group) - r
            covered = {col for col, n in carry.items() if n > 0}
            carry = {col: n - 1 for col, n in carry.items() if n > 1}
            texts, cols = [], []
            col = 0
            for td in tr.iterchildren(*_HTML_CELLS):
                while col in covered:
                    col += 1
                colspan = _html_span(td.get("colspan"), 1000) or 1
                rowspan = min(_html_span(td.get("rowspan"), 65534) or rows_left, rows_left)
                texts.append(_html_cell_text(td))
                cols.append(col)
                if rowspan > 1:
                    for c in range(col, col + colspan):
                        carry[c] = max(carry.get(c, 0), rowspan - 1)
                col += colspan
            if texts:
                builder.table_row(texts, table_index, row_index, cols)
                row_index += 1


def _html_row_groups(table) -> list[list]:
    groups: list[list] = []
    loose: list = []  # <tr>s straight under <table> form a group of their own
    for child in table:
        if child.tag == "tr":
            loose.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            if loose:
                groups.append(loose)
                loose = []
            groups.append(list(child.iterchildren("tr")))
    if loose:
        groups.append(loose)
    return groups


def _html_span(value, limit: int) -> int:
    """A rowspan/colspan attribute as HTML reads it: leading digits, else 1; clamped to `limit`."""
    m = re.match(r"\s*\+?(\d+)", value or "")
    return min(int(m.group(1)), limit) if m else 1


def _html_cell_text(td) -> str:
    """The pieces between <p>/<br> joined with nothing: cells wrap Chinese labels mid-word ("商业</p><p>企业")."""
    pieces: list[list[str]] = [[td.text or ""]]
    for kind, value in _html_events(td, tables=False):
        if kind == "text":
            pieces[-1].append(value)
        else:
            pieces.append([])
    return "".join(_squash("".join(piece)) for piece in pieces)


# ---- docx --------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_NS = {"w": _W[1:-1], "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
_DOCX_CONTAINERS = {_W + "sdt", _W + "sdtContent", _W + "customXml"}
# Compiled once, and because python-docx's elements override .xpath() without a namespaces argument.
_DOCX_RUN_TEXT = etree.XPath(
    "(.//w:r/w:t | .//w:r/w:tab | .//w:r/w:br | .//w:r/w:cr)"
    "[not(ancestor::w:txbxContent) and not(ancestor::mc:Fallback)]",
    namespaces=_W_NS,
)
_DOCX_CELL_PARAGRAPHS = etree.XPath(".//w:p[not(ancestor::w:txbxContent)]", namespaces=_W_NS)
_DOCX_RUN_BREAKS = {_W + "tab": "\t", _W + "br": "\n", _W + "cr": "\n"}


def _load_docx(path: Path, data: bytes) -> Document:
    """Paragraphs and table rows of the body in order; Document.text is composed from them."""
    damaged = f"{path} is a damaged Word file that cannot be opened; re-save it from Word or download it again."
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = archive.getinfo("word/document.xml") if "word/document.xml" in archive.namelist() else None
    except (zipfile.BadZipFile, OSError, EOFError):
        raise IngestError(damaged) from None
    if info is None:
        raise IngestError(
            f"{path} is a ZIP archive without a Word document in it; unzip it and load the report file itself."
        )
    if info.file_size > 10 * MAX_BYTES:
        raise IngestError(
            f"{path} holds a Word document too large for one report; "
            "extract the report itself into a smaller file and load that."
        )
    try:
        import docx

        body = docx.Document(io.BytesIO(data)).element.body
    except Exception:  # python-docx, zipfile and lxml each raise their own kind for a broken part
        raise IngestError(damaged) from None
    builder = _TextBuilder()
    table_index = 0
    for block in _docx_blocks(body):
        if block.tag == _W + "p":
            builder.paragraph(_docx_text(block).strip(_BLANK))
        else:
            _docx_table(builder, block, table_index)
            table_index += 1
    if not builder.rows:
        raise IngestError(f"{path} is a Word file with no text in it; check that it is the filled-in report.")
    return Document(path=str(path), kind="docx", text=builder.text, rows=builder.rows)


def _docx_blocks(el):
    """The body's paragraphs and tables in order, looking inside content controls."""
    for child in el.iterchildren():
        if child.tag in (_W + "p", _W + "tbl"):
            yield child
        elif child.tag in _DOCX_CONTAINERS:
            yield from _docx_blocks(child)


def _docx_text(p) -> str:
    """A paragraph's visible text, including runs python-docx skips (tracked insertions, smart tags)."""
    return "".join(_DOCX_RUN_BREAKS.get(n.tag, n.text or "") for n in _DOCX_RUN_TEXT(p))


def _docx_table(builder: _TextBuilder, tbl, table_index: int) -> None:
    # Reading <w:tc> directly gives what deduplicating python-docx's row.cells would: a horizontally
    # merged cell is one <w:tc> (gridSpan), a vertically merged one repeats as a vMerge continuation.
    for row_index, tr in enumerate(tbl.iterchildren(_W + "tr")):
        cells = [
            "" if _docx_merged(tc, "vMerge") else _docx_cell_text(tc)
            for tc in tr.iterchildren(_W + "tc")
            if not _docx_merged(tc, "hMerge")
        ]
        builder.table_row(cells, table_index, row_index)


def _docx_merged(tc, kind: str) -> bool:
    """Whether `tc` continues a merge started in the cell above (vMerge) or to the left (legacy hMerge)."""
    merge = tc.find(f"{_W}tcPr/{_W}{kind}")
    return merge is not None and merge.get(_W + "val", "continue") == "continue"


def _docx_cell_text(tc) -> str:
    """Paragraphs and line breaks joined with nothing: cells wrap Chinese labels mid-word ("商业\\n企业")."""
    return "".join(_squash(line) for p in _DOCX_CELL_PARAGRAPHS(tc) for line in _docx_text(p).split("\n"))


# ---- pdf ---------------------------------------------------------------------


def _load_pdf(path: Path, data: bytes, ocr: "OcrSettings | None" = None) -> Document:
    """The text layer page by page; every non-empty line is a row carrying its page number. Pages
    without a text layer (scans) are read by OCR when the OCR extra is installed (ingest.ocr).

    PDFium reads the text layer about twenty times faster than pdfminer and keeps a table
    row's label on the line with its numbers."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
        try:
            pages = []
            for page in pdf:
                textpage = page.get_textpage()
                pages.append(textpage.get_text_range() or "")
                textpage.close()
                page.close()
        finally:
            pdf.close()
    except Exception as exc:  # a broken or encrypted file: PdfiumError, or worse from a damaged stream
        raise IngestError(
            f"{path} is a PDF that cannot be opened ({type(exc).__name__}: it is damaged or password-protected); "
            "download it again or print it to a new PDF."
        ) from None
    pages = [page.replace("\r\n", "\n").replace("\r", "\n") for page in pages]
    scanned = [n for n, page in enumerate(pages, start=1) if _scanned(page)]
    findings: list[Finding] = []
    if scanned:
        from . import ocr as ocr_module

        if ocr_module.available():
            return ocr_module.load_pdf_pages(path, data, ["" if n + 1 in scanned else p for n, p in enumerate(pages)], ocr)
        if len(scanned) == len(pages):
            raise ocr_module.OcrUnavailable(
                f"{path} is a PDF without a text layer (scanned pages); reading it needs OCR: {ocr_module.INSTALL_HINT}.")
        findings.append(Finding(kind="ocr", message=(
            f"{len(scanned)} of {len(pages)} pages have no text layer (scanned) and were not read; "
            f"reading them needs OCR: {ocr_module.INSTALL_HINT}")))
    text = "\n".join(pages)
    rows: list[Row] = []
    offset = 0
    for page_number, page in enumerate(pages, start=1):
        for start, end in _lines(page):
            start, end = _stripped(text, offset + start, offset + end)
            if start < end:
                rows.append(Row(cells=[_cell(text, start, end, page=page_number)]))
        offset += len(page) + 1
    return Document(path=str(path), kind="pdf", text=text, rows=rows, pages=len(pages), findings=findings)


def _scanned(page_text: str) -> bool:
    """A page without a text layer: no more than a page number's worth of text on it (a scanner's
    software may stamp one)."""
    return len(page_text.translate({ord(c): None for c in _BLANK})) < 8
