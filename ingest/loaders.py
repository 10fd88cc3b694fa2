"""Read a report file of any supported kind into a `Document`: its text and its rows of cells.

    >>> doc = load_document("data/天津市滨海新区公安局_2022.txt")
    >>> doc.kind, doc.encoding
    ('txt', 'utf-8')
    >>> cell = doc.rows[-1].cells[0]
    >>> doc.text[cell.loc.start:cell.loc.end] == cell.text
    True

The kind is sniffed from the content (the extension only breaks ties), then one function per
kind builds the rows. Every cell's span points into `Document.text`. A file that cannot be read
as a report raises `IngestError` with one sentence for the person at the terminal.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from bisect import bisect_left
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from ingest.models import Cell, Document, Finding, IngestError, Location, Row

MAX_BYTES = 20 * 1024 * 1024

_BOMS = (  # (mark, codec, name recorded); UTF-32 first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be", "utf-16-be"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
_BLANK = " \t\n\r\f\v\xa0\u3000\u200b\ufeff"
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
_HTML_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body|div|table|tr|td|p|h[1-6]|ul|ol|li|span)\b", re.I)
_MD_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")  # used with .match(), which anchors it
_MD_CLOSING_HASHES = re.compile(r"[ \t]+#+[ \t]*$")
_MD_TABLE_LINE = re.compile(r"\s*\|.*\|\s*$")
_MD_SEPARATOR_CELL = re.compile(r"^:?-+:?$")


def load_document(path: str | Path) -> Document:
    """Read one report file (txt in any Chinese encoding, md, html, docx or pdf) into a Document."""
    path = Path(path)
    data = _read_bytes(path)
    if b"%PDF-" in data[:1024]:  # PDF readers accept bytes before the header, so some files have them
        return _load_pdf(path, data)
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
    # UTF-8 read leniently: each run of bytes that were not valid UTF-8 and were read as U+FFFD, as
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
                    lenient = _lenient_utf8(data, len(bom))
                    if lenient:
                        yield lenient[0], name, lenient[1]
            break
    try:
        yield data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        # Before GB18030: GB18030 reads almost any byte string, so UTF-8 with one broken byte would come
        # out as plausible-looking nonsense. A legacy GBK file fails as UTF-8 on nearly every character.
        lenient = _lenient_utf8(data, 0)
        if lenient:
            yield lenient[0], "utf-8", lenient[1]
    try:
        yield data.decode("gb18030"), "gb18030", ()
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # Only a sample: guessing on 20 MiB of binary junk would take seconds.
    best = from_bytes(data[: 1 << 16]).best()
    if best is not None:
        try:
            yield data.decode(best.encoding), best.encoding, ()
        except (UnicodeDecodeError, LookupError):
            pass


_MAX_REPLACED = 100  # more broken runs than this and the file is not UTF-8 with a few broken bytes


def _lenient_utf8(data: bytes, start: int):
    """`data[start:]` as UTF-8 with each invalid sequence read as U+FFFD (as errors="replace" does), and
    the runs replaced, or None when the bytes are not mostly UTF-8: at least 20 valid multi-byte
    characters per invalid sequence, which a GBK or GB18030 file never has."""
    view = memoryview(data)
    parts: list[str] = []
    bad: list[tuple[int, int, int]] = []  # (first byte, end byte, char index of its U+FFFD)
    pos, length = start, 0
    while True:
        try:
            part, _ = codecs.utf_8_decode(view[pos:], "strict", True)
            parts.append(part)
            break
        except UnicodeDecodeError as exc:
            part, _ = codecs.utf_8_decode(view[pos:pos + exc.start], "strict", True)
            parts.append(part)
            length += len(part)
            bad.append((pos + exc.start, pos + exc.end, length))
            parts.append("\ufffd")
            length += 1
            pos += exc.end
            if len(bad) > _MAX_REPLACED:
                return None
    text = "".join(parts)
    multibyte = sum(1 for ch in text if ch > "\x7f") - len(bad)
    if not bad or multibyte < 20 * len(bad):
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


def _replacement_findings(decoded: _Decoded, text: str | None) -> list[Finding]:
    """One finding per run of broken bytes; located in `text` when Document.text is the decoded text."""
    findings = []
    for first, end, start, stop, hexed in decoded.replaced:
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
                f"read as {stop - start} × U+FFFD{context}; the rest of the file is valid {decoded.encoding}"
            ),
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

    def table_row(self, cells: list[str], table_index: int, row_index: int) -> None:
        self._write_row(cells, in_table=True, table_index=table_index, row_index=row_index)

    def _write_row(self, cells: list[str], in_table: bool, **loc) -> None:
        row = []
        for col, text in enumerate(cells):
            if col:
                self._write("\t")
            start = self._pos
            self._write(text)
            col_loc = {"col_index": col, **loc} if in_table else loc
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


def _load_html(path: Path, text: str, encoding: str) -> Document:
    """Paragraphs and table rows in reading order; Document.text is composed from them."""
    import lxml.html

    no_text = f"{path} is an HTML page with no visible text; save the page with the report itself in it and try again."
    try:
        # Bytes with a fixed encoding: lxml refuses str with an XML encoding declaration, and
        # the text is already decoded, so a <meta charset> must not re-decode it.
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.LxmlError, ValueError):  # "Document is empty": nothing but comments or whitespace
        raise IngestError(no_text) from None
    builder = _TextBuilder()
    pieces: list[str] = []
    table_index = 0
    for kind, value in _html_events(root, tables=True):
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


def _html_events(el, tables: bool):
    """("text", str), ("break", None) and, if `tables`, ("table", element) in document order."""
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else None  # comments and PIs have no str tag
        if tag is None or tag in _HTML_SKIP:
            pass
        elif tag == "table" and tables:
            yield "table", child
        elif tag in _HTML_BREAKS:
            yield "break", None
        else:
            block = tag in _HTML_BLOCKS
            if block:
                yield "break", None
            if child.text:
                yield "text", child.text
            yield from _html_events(child, tables)
            if block:
                yield "break", None
        if child.tail:
            yield "text", child.tail


def _html_table(builder: _TextBuilder, table, table_index: int) -> None:
    trs = [tr for tr in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr") if tr.xpath("./td | ./th")]
    for row_index, tr in enumerate(trs):
        builder.table_row([_html_cell_text(td) for td in tr.xpath("./td | ./th")], table_index, row_index)


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


def _load_pdf(path: Path, data: bytes) -> Document:
    """The text layer page by page; every non-empty line is a row carrying its page number.

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
    if not any(page.strip(_BLANK) for page in pages):
        raise IngestError(
            f"{path} is a PDF without a text layer (scanned pages); "
            "run OCR on it first (for example with ocrmypdf) and load the result."
        )
    text = "\n".join(pages)
    rows: list[Row] = []
    offset = 0
    for page_number, page in enumerate(pages, start=1):
        for start, end in _lines(page):
            start, end = _stripped(text, offset + start, offset + end)
            if start < end:
                rows.append(Row(cells=[_cell(text, start, end, page=page_number)]))
        offset += len(page) + 1
    return Document(path=str(path), kind="pdf", text=text, rows=rows, pages=len(pages))
