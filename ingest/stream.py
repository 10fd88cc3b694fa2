"""A table's region as a stream of tokens: label fragments and values, wherever the lines break.

Tables reach us one cell per line, one row per line, a whole table on one line, with tabs, spaces
or nothing between cells, labels wrapped at any character or printed around their values. What
they share is the order of their pieces. This module cuts a region of a `Document` into that
sequence once: each token is a label fragment or a value (a number, signed or decimal, with a unit
printed after it; or a blank mark), located in the text. Cells of a real grid (Word, HTML,
Markdown, a Word export's tab-indented cells) keep their grid row and are atomic (never cut);
elsewhere a value token may hold several cells whose digits ran together (see digits.py).

    >>> from ingest.models import Document, Row, Cell, Location
    >>> text = "规章\\n0\\n0\\n0\\n行政规范性文件 5 3 12"
    >>> doc = Document(path="x.txt", kind="txt", text=text, rows=[Row(cells=[Cell(text=text, loc=Location(start=0, end=len(text)))])])
    >>> [(t.kind, t.text) for t in region_tokens(doc, 0, len(text))][:5]
    [('label', '规章'), ('value', '0'), ('value', '0'), ('value', '0'), ('label', '行政规范性文件')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .loaders import artifact_spans
from .models import Document, Location

SPACE = " \t\n\r\u3000\xa0"
NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
NUMBER_RE = re.compile(rf"^{NUMBER}$")
BLANK_MARKS = {"", "-", "—", "–", "/", "／", "\\"}
# A unit printed right after a figure makes it a cell's (「215419886元」「3批」); a count word makes
# it prose (「2023年」「56件」「5条」), not a cell.
_CELL_UNITS = ("万元", "元", "批")
_PROSE_AFTER = "年月日号时条件份次个项名人家户篇期%％位天"
_PIECE = re.compile(
    rf"(?P<num>{NUMBER})(?P<unit>万元|元|批)?"
    r"|(?P<blank>(?<!\S)[-—–/／\\](?!\S))"
)


def strip_space(text: str) -> str:
    return "".join(ch for ch in text if ch not in SPACE)


def normalize_label(text: str) -> str:
    """Label text without spacing and punctuation variants, for matching."""
    t = strip_space(text)
    t = t.replace("(", "（").replace(")", "）").replace("．", ".").replace("“", "").replace("”", "").replace('"', "")
    return t


@dataclass
class Token:
    """A value as printed: one cell, or (not atomic) the run-together digits of several."""

    text: str
    loc: Location
    atomic: bool = False  # a real table cell: never cut into several cells
    unit: str = ""  # a unit printed right after the figure (「215419886元」): the cell's, as printed
    vanished: bool = False  # an empty cell the text printed nothing for, placed by a reading
    fixed: bool = False  # a cell of a real grid (Word, HTML, Markdown): its row has every cell, none vanishes
    spaced: bool = False  # printed with a space or line break before it (not glued to the text before)

    @property
    def blank(self) -> bool:
        return strip_space(self.text) in BLANK_MARKS

    @property
    def digits_only(self) -> bool:
        return self.text.isdigit()


@dataclass
class Tok:
    """One piece of a region: a label fragment or a value."""

    kind: str  # "label" | "value" | "skip" (a page marker's piece: no cell, but where it stands is known)
    text: str
    loc: Location
    grid: Optional[int] = None  # the grid row it was printed in (a real table row), if any
    token: Optional[Token] = None  # for values

    @property
    def start(self) -> int:
        return self.loc.start


_ITEM_AFTER = re.compile(r"[ \t\u3000\xa0]*[.．、][ \t\u3000\xa0\n]*[^\d\s.．、]")


def _sub(loc: Location, a: int, b: int) -> Location:
    return loc.model_copy(update={"start": loc.start + a, "end": loc.start + b})


def _plain(text: str, loc: Location, grid: Optional[int], out: list[Tok], skip, whole: Optional[str] = None) -> None:
    """Cut running text into label fragments and values. `whole` is the document's text, when
    `text` is a line of it: an item number at a line's end (「1.」) is the next line's label's."""
    pos = 0
    ahead = whole if whole is not None else text
    shift = loc.start if whole is not None else 0

    def label(a: int, b: int) -> None:
        piece = text[a:b]
        for m in re.finditer(r"\S+", piece):
            s, e = a + m.start(), a + m.end()
            if not skip(loc.start + s, loc.start + e):
                out.append(Tok("label", text[s:e], _sub(loc, s, e), grid))
            else:
                out.append(Tok("skip", text[s:e], _sub(loc, s, e), grid))  # a page marker: kept in view, no cell

    for m in _PIECE.finditer(text):
        a, b = m.span()
        num = m.group("num")
        if num is not None and m.group("unit") is None and _ITEM_AFTER.match(ahead, b + shift) and num.isdigit() and num[-1] != "0":
            # 「2.重复申请」: the last digit is the next label's item number (「… 0 02.重复」 is 0 | 2.重复…)
            if len(num) == 1:
                continue
            b -= 1
            num = num[:-1]
        if num is not None:
            after = text[b:b + 1] if m.group("unit") is None else ""
            prev = text[a - 1:a] if a else ""
            alone = (not prev or prev in SPACE) and text[b + 1:b + 2] in ("", *SPACE) and after not in "年月日号时"
            if after and after in _PROSE_AFTER and not alone or prev in ("第", "约", "近", "超", "达"):
                # 「2023年」「第3页」: a figure of the prose, part of the label text around it — but a figure
                # standing alone with one character after it (「 455件 」) is a cell: its unit, or the last
                # character of a label wrapped after its figures
                continue
            if prev and (prev.isalpha() and prev.isascii() or prev in "（(" and text[b:b + 1] in ("）", ")")):
                continue
        label(pos, a)
        if not skip(loc.start + a, loc.start + b):
            unit = m.group("unit") or ""
            t = Token(num if num is not None else m.group(0), _sub(loc, a, a + len(num) if num is not None else b), unit=unit)
            if num is not None and unit:
                b = m.end()
            out.append(Tok("value", t.text, t.loc, grid, t))
        else:
            out.append(Tok("skip", text[a:b], _sub(loc, a, b), grid))
        pos = b
    label(pos, len(text))


_FIGURE_LINE = re.compile(r"(?m)^[ \t\u3000\xa0]*[-+]?\d[\d,.]*[ \t\u3000\xa0]*$")


def _has_figures(cell) -> bool:
    """Does a cell's text print a figure (not an item number, a year or a count of the prose)?"""
    found: list[Tok] = []
    _plain(cell.text, cell.loc, None, found, lambda a, b: False)
    return any(t.kind == "value" and not t.token.blank for t in found)


def _is_value_cell(text: str) -> bool:
    """One figure or a blank (「0 0」 with space inside is several figures, read as running text)."""
    t = text.strip(SPACE)
    return t in BLANK_MARKS or bool(NUMBER_RE.match(t))


def region_tokens(doc: Document, start: int, end: int, repeats: bool = False) -> list[Tok]:
    """The tokens of the document between two offsets, in reading order. `repeats`: the text dropped
    every line equal to the one before it, so an empty line printed blank cells (one or more): a blank."""
    artifacts = artifact_spans(doc.text)

    def skip(a: int, b: int) -> bool:
        return any(s <= a and b <= e for s, e in artifacts)

    out: list[Tok] = []
    grid = 0
    for row in doc.rows:
        if not row.cells or row.cells[-1].loc.end <= start or row.cells[0].loc.start >= end:
            continue
        if not row.in_table:
            for cell in row.cells:
                a, b = max(cell.loc.start, start), min(cell.loc.end, end)
                if a < b:
                    same = cell.text == doc.text[cell.loc.start:cell.loc.end]
                    piece = doc.text[a:b] if same else cell.text
                    loc = cell.loc.model_copy(update={"start": a, "end": b}) if same else cell.loc
                    _plain(piece, loc, None, out, skip, doc.text if same else None)
            continue
        grid += 1
        # (a row the loader built from lines may run past the region, a cell continued by the lines after it
        # too: only what stands inside the region)
        cells = []
        for c in row.cells:
            a, b = max(c.loc.start, start), min(c.loc.end, end)
            if a > b or (a == b and not start <= c.loc.start < end):
                continue  # (an empty cell, a blank, counts where it stands)
            if (a, b) != (c.loc.start, c.loc.end) and c.text == doc.text[c.loc.start:c.loc.end]:
                c = c.model_copy(update={"text": doc.text[a:b], "loc": c.loc.model_copy(update={"start": a, "end": b})})
            cells.append(c)
        kinds = [_is_value_cell(c.text) for c in cells]
        lines_joined = any("\n" in c.text and _FIGURE_LINE.search(c.text) for c in cells)
        if doc.kind == "txt" and any(not k and _has_figures(c) for k, c in zip(kinds, cells)):
            # a Word export prints a cell per line; lines holding several figures, or figures beside a label,
            # are rows of running text the loader took for cells
            lines_joined = True
        if lines_joined or sum(1 for a, b in zip(kinds, kinds[1:]) if a and not b) >= 2:
            # labels and figures alternating in one "row": lines a loader joined (cells of one per line with no
            # blank line between rows), not a table's row — read as running text, its cells as plain tokens
            for c in cells:
                if strip_space(c.text):
                    _plain(c.text, c.loc, None, out, skip)
            continue
        last_label = max((i for i, c in enumerate(cells) if not _is_value_cell(c.text)), default=-1)
        for i, c in enumerate(cells):
            if i < last_label:
                if strip_space(c.text):
                    _plain(c.text, c.loc, grid, out, skip)
                continue
            if i == last_label:
                _plain(c.text, c.loc, grid, out, skip)
                continue
            stripped = c.text.strip(SPACE)
            if _is_value_cell(c.text):
                lead = len(c.text) - len(c.text.lstrip(SPACE))
                loc = _sub(c.loc, lead, lead + len(stripped)) if stripped else c.loc
                # (a Word export's tab lines are cells too, but a blank line may have been deleted with its cell)
                t = Token(stripped, loc, atomic=True, fixed=doc.kind != "txt")
                out.append(Tok("value", t.text, t.loc, grid, t))
            else:
                _plain(c.text, c.loc, grid, out, skip)  # 「0 0」 in one cell: each a figure
    if repeats:
        for m in re.finditer(r"(?<=\n)[ \t\u3000\xa0\r]*(?=\n)", doc.text[start:end]):
            a = start + m.start()
            t = Token("", Location(start=a, end=a))
            out.append(Tok("value", "", t.loc, None, t))
        out.sort(key=lambda t: t.loc.start)
    for prev, t in zip([None, *out], out):
        if t.kind == "value" and t.token is not None:
            before = doc.text[prev.loc.end:t.loc.start] if prev is not None else " "
            t.token.spaced = prev is None or any(ch in SPACE for ch in before)
    return _marks_in_labels(out)


# the format's labels that print a blank mark inside them
_MARKED_LABELS = ("本年增/减",)


def _marks_in_labels(toks: list[Tok]) -> list[Tok]:
    """A blank mark between two label fragments that with them spell a label of the format
    (「本年增」 / 「/」 / 「减」) is part of that label, not an empty cell."""
    for i in range(1, len(toks) - 1):
        t = toks[i]
        if t.kind == "value" and t.token.blank and toks[i - 1].kind == "label" and toks[i + 1].kind == "label":
            joined = normalize_label(toks[i - 1].text[-4:] + t.text + toks[i + 1].text[:4])
            if any(m in joined for m in _MARKED_LABELS):
                toks[i] = Tok("label", t.text, t.loc, t.grid)
    return toks


def repeats_dropped(text: str) -> bool:
    """Was the text written one cell per line by a crawler that drops every line equal to the line
    before it? Such a text prints many lines holding one figure and never two equal lines in a row
    (a table printed one cell per line otherwise repeats 「0」 lines all the time)."""
    lines = [ln.strip(SPACE) for ln in text.split("\n")]
    figures = sum(1 for ln in lines if ln and NUMBER_RE.match(ln))
    if figures < 12:
        return False
    # (an empty line is a line too: between two equal figures it is a blank cell printed between them, and
    # two empty lines in a row are a repeat such a text never prints)
    return not any(a == b for a, b in zip(lines, lines[1:]))
