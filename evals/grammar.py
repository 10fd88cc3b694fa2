"""A grammar of what publishing pipelines do to a table's text, drawn at random per table, row and cell.

`render_generative(doc, family, rng)` prints a `FramedDoc` — a report's own text around its three
tables (a corpus report's, or a synthetic one's) — with each table laid out by the grammar:

- per table: the layout (one cell per line, one grid row per line, the whole table on one line, or
  a layout per row), an indent, the separators' weights, how blank (zero) cells are printed, page
  markers and the header repeated after them, header cells one character per line;
- per table: its labels before or after their values; per row: the label wrapped at a character (the rest on the
  next line, or after the values), a merged group label (（三）不予公开) split around its first sub-row;
- per cell: the separator after it (tab, 1–3 spaces, newline, none) and, for a zero, whether it is
  printed 「0」, empty, 「—」, 「/」 or dropped;
- per document: CRLF line ends, and (only when every table is one cell per line) every line equal to
  the line before it dropped, as a crawler does.

The grammar stays honest: a figure becomes impossible to recover only by what real pipelines do
(digits of one row run together, blanks that vanish, repeated lines dropped, values whose row a
dropped blank makes uncertain). It never runs together the cells of two rows, never puts 「—」 or
「/」 against a number, never breaks a label inside its item number, and puts page markers only
between rows; `evals.determine` computes, from the pieces printed, which cells the text and the
format's arithmetic still determine.

Every rendering returns a `Rendering`: the text and, for `evals.determine`, the pieces that survived
(each value piece knows its cell) with the separators between them and the operations used per table.
"""
from __future__ import annotations

import random
import re
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable, Optional

from .render import (
    SEED_PATH, Key, Para, TCell, Table, Truth, build_document, build_table2, build_table3, build_table4, fmt_value,
)

# ---- the pieces a rendering prints -------------------------------------------------------------


@dataclass
class Piece:
    kind: str  # value | label (a row's own label, or its first part) | cont | merged | header | block | page | prose
    text: str
    table: str = ""  # 二 | 三 | 四 for a table's pieces
    key: Optional[Key] = None  # value: the cell it prints
    row: Optional[int] = None  # label: the index of its row among the table's value rows


Flat = list[tuple[Piece, str]]  # each piece with the separator printed after it


@dataclass
class TableOps:
    """What the rendering did to one table (what a reader must allow for)."""

    label_after: bool = False  # some row printed its label after its values
    dropped: int = 0  # zero cells printed as nothing
    repeats_dropped: int = 0  # lines of the table dropped as repeats (set by the document post-process)
    layout: str = ""


@dataclass
class Rendering:
    text: str
    pieces: Flat  # what survived, in order (before CRLF)
    truth: Truth
    prose: str  # the report's own text outside the tables
    ops: dict[str, TableOps] = field(default_factory=dict)
    value_rows: dict[str, list[list[Key]]] = field(default_factory=dict)  # per table, its value rows' cells
    traits: set[str] = field(default_factory=set)


# ---- the report's own text around the tables ----------------------------------------------------


@dataclass
class FramedDoc:
    """A report's text with its three tables cut out: frames[0] + 二 + frames[1] + 三 + frames[2] + 四 + frames[3]."""

    truth: Truth
    frames: tuple[str, str, str, str]
    name: str = ""

    def tables(self) -> list[Table]:
        return [build_table2(self.truth), build_table3(self.truth), build_table4(self.truth)]


def synthetic_frame(truth: Truth, rng: random.Random) -> FramedDoc:
    """The made-up report of `build_document` (title, parts 一–六, signature) around its tables."""
    doc = build_document(truth, rng)
    frames, cur = [], []
    for b in doc.blocks:
        if isinstance(b, Para):
            cur.append(b.text)
        else:
            frames.append("\n".join(cur))
            cur = []
    frames.append("\n".join(cur))
    return FramedDoc(truth, tuple(frames), f"{truth.agency}_{truth.year}")  # type: ignore[arg-type]


CORPUS_REPORTS = SEED_PATH.parents[2] / "shared" / "corpus" / "reports"
# The word each table's grid starts at (the text before it, after the heading, is the report's own prose).
_TABLE_START = {"二": "信息内容", "三": "自然人", "四": "结果维持"}


def _heading_end(text: str, start: int) -> int:
    """The end of a part's heading (its first 情况: 「四、政府信息公开行政复议、行政诉讼情况」)."""
    i = text.find("情况", start, start + 60)
    return i + 2 if i >= 0 else text.find("\n", start)


def frame_report(text: str, sections: dict[str, tuple[int, int]], truth: Truth, name: str) -> Optional[FramedDoc]:
    """A report's own text with its three tables cut out: each table is replaced from the end of its
    part's heading (keeping the sentences printed before the grid, up to their last 。) to the next
    part's heading. None when a part is missing."""
    if not all(n in sections for n in "二三四五"):
        return None
    frames, pos = [], 0
    for part, nxt in (("二", "三"), ("三", "四"), ("四", "五")):
        start = sections[part][0]
        end = _heading_end(text, start)
        region = text[end:sections[nxt][0]]
        grid = region.find(_TABLE_START[part])
        prose = region[:grid] if grid >= 0 else ""
        prose = prose[: prose.rfind("。") + 1] if "。" in prose else ""
        frames.append(text[pos:end] + prose)
        pos = sections[nxt][0]
    frames.append(text[pos:])
    return FramedDoc(truth, tuple(frames), name)  # type: ignore[arg-type]


def corpus_frames(directory: Path = CORPUS_REPORTS) -> list[FramedDoc]:
    """Every corpus report whose cells are all known, framed by its own text.

    A report qualifies when `parse_file` reads every cell of its format, leaves nothing unread and
    every arithmetic check passes (a real grid: the .html reports, Markdown; or digits the arithmetic
    split uniquely); its reading is then the truth (tests/test_corpus_keyfacts.py checks those
    readings against hand-read figures). [] when the corpus is missing.
    """
    from ingest.pipeline import parse_file

    from .render import check_truth, truth_from_report

    out = []
    for path in sorted(Path(directory).glob("*")) if Path(directory).is_dir() else []:
        try:
            report = parse_file(path)
        except Exception:  # noqa: BLE001 — a report that cannot be read has no known cells
            continue
        truth = truth_from_report(report, origin=path.name)
        if check_truth(truth) or report.failed_checks or any(t.unread or not t.parsed for t in report.tables):
            continue
        doc = frame_report(report.text, {s.number: (s.start, s.end) for s in report.sections}, truth, path.name)
        if doc is not None:
            out.append(doc)
    return out


# ---- the grammar's choices ----------------------------------------------------------------------

SPACES = (" ", "  ", "   ")
PAGE_STYLES = ("— {} —", "- {} -", "第 {} 页", "—{}—")
BLANK_STYLES = ("zero", "empty", "drop", "dash", "slash", "mixed")


@dataclass
class TableStyle:
    layout: str  # cell | row | line | mixed
    indent: str = ""  # printed before each line of a cell-per-line table ("\t": a Word export)
    seps: tuple[tuple[str, float], ...] = (("\t", 1.0),)  # inline separators and weights
    blanks: str = "zero"
    p_after: float = 0.0  # a row's label after its values
    p_wrap: float = 0.0  # a label wrapped at a character
    p_wrap_after: float = 0.5  # … its continuation printed after the values
    p_group_split: float = 0.0  # a merged group label split around its first sub-row
    header_chars: bool = False  # header cells one character per line
    page_breaks: int = 0


def _inline_seps(rng: random.Random, none: float) -> tuple[tuple[str, float], ...]:
    tab, space = rng.random(), rng.random()
    return (("\t", tab), (" ", space), ("  ", space / 2), ("   ", space / 4), ("", none))


def _style(family: str, rng: random.Random) -> TableStyle:
    """One table's style for a family: the family fixes its dominant trait, the rest is drawn."""
    r = rng.random
    if family == "one_cell_per_line":
        return TableStyle("cell", rng.choice(("", "\t")), blanks=rng.choice(BLANK_STYLES), p_after=0.1 * r(),
                          p_wrap=0.3 * r(), p_group_split=0.3 * r(), header_chars=r() < 0.4,
                          page_breaks=rng.choice((0, 0, 1, 2)))
    if family == "repeats_dropped":
        return TableStyle("cell", rng.choice(("", "", "\t")), blanks=rng.choice(("zero", "zero", "empty")),
                          p_after=0.1 * r(), p_wrap=0.3 * r(), p_group_split=0.6 * r(), header_chars=r() < 0.3)
    if family == "row_per_line_blank_dropped":
        return TableStyle("row", seps=_inline_seps(rng, 0.0), blanks=rng.choice(("drop", "drop", "mixed")),
                          p_wrap=0.2 * r(), page_breaks=rng.choice((0, 0, 1)))
    if family == "table_on_one_line":
        return TableStyle("line", seps=_inline_seps(rng, rng.choice((0.0, 0.3, 1.0))), blanks=rng.choice(BLANK_STYLES),
                          p_wrap=0.2 * r())
    if family == "labels_split_around_values":
        return TableStyle(rng.choice(("cell", "row", "mixed")), rng.choice(("", "\t")), _inline_seps(rng, 0.0),
                          blanks=rng.choice(BLANK_STYLES), p_wrap=0.5 + 0.5 * r(), p_wrap_after=0.7,
                          p_group_split=0.9, header_chars=r() < 0.3)
    if family == "label_after_values":
        return TableStyle(rng.choice(("cell", "row", "mixed")), rng.choice(("", "\t")), _inline_seps(rng, 0.0),
                          blanks=rng.choice(BLANK_STYLES), p_after=0.4 + 0.5 * r(), p_wrap=0.2 * r())
    if family == "mixed":
        return TableStyle(rng.choice(("cell", "row", "line", "mixed")), rng.choice(("", "\t")),
                          _inline_seps(rng, rng.choice((0.0, 0.0, 0.2))), blanks=rng.choice(BLANK_STYLES),
                          p_after=rng.choice((0.0, 0.0, 0.3)) * r(), p_wrap=0.4 * r(), p_group_split=0.5 * r(),
                          header_chars=r() < 0.2, page_breaks=rng.choice((0, 0, 1, 2)))
    raise ValueError(f"unknown family {family}")


FAMILIES = ("one_cell_per_line", "repeats_dropped", "row_per_line_blank_dropped", "table_on_one_line",
            "labels_split_around_values", "label_after_values", "mixed")


# ---- one table --------------------------------------------------------------------------------

_NUMBER = re.compile(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+[.、．])")


def _wrap_point(text: str, rng: random.Random) -> Optional[int]:
    """Where a label may be wrapped: after its item number and at least one more character."""
    m = _NUMBER.match(text)
    lo = (m.end() if m else 0) + 1
    return rng.randint(lo, len(text) - 1) if len(text) - 1 >= lo else None


class _TableWriter:
    """Lays out one Table as pieces with separators, drawing the choices of a TableStyle."""

    def __init__(self, table: Table, style: TableStyle, rng: random.Random, page: list[int],
                 source_blank: frozenset = frozenset()):
        self.t, self.st, self.rng, self.page, self.source_blank = table, style, rng, page, source_blank
        self.ops = TableOps(layout=style.layout)
        self.out: Flat = []
        self.value_rows: list[list[Key]] = []
        # Where a table prints its labels — before or after their figures — is the table's layout (a
        # converter's column order), the same for every row: mixed row by row, with blanks dropped and
        # one cell per line, no reader could tell which row a figure between two labels is (that is
        # not a rendering real pipelines make, and no text would determine those cells).
        self.labels_after = rng.random() < style.p_after

    # separators ------------------------------------------------------------------------------
    def _nl(self) -> str:
        return "\n" + self.st.indent

    def _inline(self) -> str:
        seps, weights = zip(*self.st.seps)
        return self.rng.choices(seps, weights=weights)[0] if sum(weights) > 0 else "\t"

    def _row_layout(self) -> str:
        return self.rng.choice(("cell", "row")) if self.st.layout == "mixed" else self.st.layout

    def _blank(self, cell: TCell) -> Optional[str]:
        """How a zero cell is printed: its text, "" (empty), or None (dropped)."""
        style = self.st.blanks
        if style == "source":  # as the source printed it: its blank cells dropped, its zeros printed
            return None if cell.key in self.source_blank else "0"
        if style == "mixed":
            style = self.rng.choice(BLANK_STYLES[:-1])
        return {"zero": "0", "empty": "", "drop": None, "dash": "—", "slash": "/"}[style]

    # pieces ----------------------------------------------------------------------------------
    def _emit(self, units: list[list[Piece]], layout: str) -> None:
        """Print a grid row's units (a unit's pieces go on one line in a row layout) with separators."""
        pieces = [p for u in units for p in u]
        for i, p in enumerate(pieces):
            nxt = pieces[i + 1] if i + 1 < len(pieces) else None
            if nxt is None:
                sep = self._nl() if layout != "line" else self._inline() or " "
            elif layout == "cell" or p.kind == "hchar" or nxt.kind == "hchar":
                sep = self._nl()
            elif getattr(p, "_break_after", False):
                sep = self._nl() if layout != "line" else self.rng.choice(("", " "))
            else:
                sep = self._inline()
            if sep == "" and (_is_mark(p) or _is_mark(nxt)):
                sep = " "  # 「—」 and 「/」 never touch a number (「—5」 would read as −5)
            self.out.append((p, sep))

    def header_row(self, row: list[TCell]) -> None:
        kind = "block" if self.t.name == "二" else "header"
        layout = self._row_layout()
        units: list[list[Piece]] = []
        for c in row:
            if self.st.header_chars and kind == "header" and len(c.text) > 1:
                units.append([Piece("hchar", ch, self.t.name) for ch in c.text])
            else:
                units.append([Piece(kind, c.text, self.t.name)])
        self._emit(units, layout)

    def value_row(self, row: list[TCell]) -> None:
        rng, st, name = self.rng, self.st, self.t.name
        index = len(self.value_rows)
        self.value_rows.append([c.key for c in row if c.is_value])  # type: ignore[misc]
        layout = self._row_layout()
        labels = [c for c in row if not c.is_value]
        own = labels[-1] if labels else None
        pre: list[Piece] = []
        post: list[Piece] = []
        for c in labels[:-1]:  # merged cells printed in this grid row (三、本年度办理结果, （三）不予公开)
            cut = _wrap_point(c.text, rng) if c.rowspan > 1 and rng.random() < st.p_group_split else None
            if cut is not None:  # 「（三）不」 / 1.属于国家秘密 / 0 / 「予公开」
                pre.append(Piece("merged", c.text[:cut], name))
                post.append(Piece("merged", c.text[cut:], name))
            else:
                pre.append(Piece("merged", c.text, name))
        values: list[Piece] = []
        for c in row:
            if not c.is_value:
                continue
            text = c.text if c.value != 0 else self._blank(c)
            if text is None:
                self.ops.dropped += 1
                continue
            values.append(Piece("value", text, name, key=c.key))
        label_pieces: list[Piece] = []
        cont: Optional[Piece] = None
        if own is not None:
            cut = _wrap_point(own.text, rng) if rng.random() < st.p_wrap else None
            first = Piece("label", own.text if cut is None else own.text[:cut], name, row=index)
            label_pieces.append(first)
            if cut is not None:
                cont = Piece("cont", own.text[cut:], name)
                first._break_after = True  # type: ignore[attr-defined]
        after = own is not None and self.labels_after
        if after:
            self.ops.label_after = True
            units = [pre, values, label_pieces + ([cont] if cont else []), post]
        elif cont is not None and rng.random() < st.p_wrap_after and values:
            values[-1]._break_after = True  # type: ignore[attr-defined]
            units = [pre, label_pieces, values, [cont], post]
        else:
            units = [pre, label_pieces + ([cont] if cont else []), values, post]
        self._emit([u for u in units if u], layout)

    def page_break(self, repeat_header: bool) -> None:
        style = self.rng.choice(PAGE_STYLES)
        self.page[0] += 1
        if self.out:
            self.out[-1] = (self.out[-1][0], "\n")
        self.out.append((Piece("page", style.format(self.page[0]), self.t.name), "\n"))
        if repeat_header:
            for row in self.t.rows()[: self.t.header_rows]:
                self.out.append((Piece("header", " ".join(c.text for c in row), self.t.name), "\n"))

    def write(self) -> Flat:
        rows = self.t.rows()
        value_idx = [i for i, row in enumerate(rows) if any(c.is_value for c in row)]
        breaks = set()
        if self.st.page_breaks and self.st.layout != "line" and len(value_idx) > 2:
            breaks = set(self.rng.sample(value_idx[1:], min(self.st.page_breaks, len(value_idx) - 1)))
        for i, row in enumerate(rows):
            if i in breaks:
                self.page_break(repeat_header=self.t.name == "三" and i >= self.t.header_rows)
            # a grid row always ends with a visible border (_emit), so two rows' figures never run together
            if i in value_idx:
                self.value_row(row)
            else:
                self.header_row(row)
        # a table ends its line
        if self.out:
            self.out[-1] = (self.out[-1][0], "\n")
        return self.out


def _is_mark(p: Optional[Piece]) -> bool:
    return p is not None and p.kind == "value" and p.text in ("—", "/")


# ---- the whole document -----------------------------------------------------------------------


def _prose(text: str) -> Flat:
    lines = text.split("\n")
    return [(Piece("prose", line), "\n") for line in lines]


def _lines(flat: Flat) -> list[tuple[str, Flat]]:
    """The flat pieces as lines: (the indent the line starts with, its pieces with their in-line separators)."""
    lines: list[tuple[str, Flat]] = []
    prefix, cur = "", []
    for p, sep in flat:
        if "\n" in sep:
            cur.append((p, ""))
            lines.append((prefix, cur))
            prefix, cur = sep.split("\n")[-1], []
        else:
            cur.append((p, sep))
    if cur:
        lines.append((prefix, cur))
    return lines


def _unlines(lines: list[tuple[str, Flat]]) -> Flat:
    flat: Flat = []
    for i, (prefix, pieces) in enumerate(lines):
        nxt_prefix = lines[i + 1][0] if i + 1 < len(lines) else ""
        for j, (p, sep) in enumerate(pieces):
            flat.append((p, sep if j + 1 < len(pieces) else "\n" + nxt_prefix))
    return flat


def _line_text(line: tuple[str, Flat]) -> str:
    prefix, pieces = line
    return prefix + "".join(p.text + s for p, s in pieces)


def drop_repeated_lines(flat: Flat) -> tuple[Flat, dict[str, int]]:
    """A crawler's text: every line equal to the line before it is dropped. Returns what is left and,
    per table, how many of its lines were dropped."""
    kept: list[tuple[str, Flat]] = []
    removed: dict[str, int] = {}
    for line in _lines(flat):
        if kept and _line_text(kept[-1]) == _line_text(line):
            for p, _ in line[1]:
                if p.table:
                    removed[p.table] = removed.get(p.table, 0) + 1
            continue
        kept.append(line)
    return _unlines(kept), removed


def render_generative(doc: FramedDoc, family: str, rng: random.Random) -> Rendering:
    """Print `doc` with its tables laid out by the grammar, as a pipeline of `family` would."""
    return render_styled(doc, [_style(family, rng) for _ in range(3)], rng, family)


def render_styled(doc: FramedDoc, styles: list[TableStyle], rng: random.Random, family: str = "") -> Rendering:
    """Print `doc` with each table in the given style (the choices left to chance drawn from `rng`)."""
    page = [rng.randint(1, 4)]
    flat: Flat = []
    ops: dict[str, TableOps] = {}
    value_rows: dict[str, list[list[Key]]] = {}
    tables = doc.tables()
    for i, frame in enumerate(doc.frames):
        flat += _prose(frame.rstrip("\n"))
        if i < 3:
            w = _TableWriter(tables[i], styles[i], rng, page, doc.truth.blank)
            flat += w.write()
            ops[tables[i].name], value_rows[tables[i].name] = w.ops, w.value_rows
    traits = {f"layout:{s.layout}" for s in styles}
    one_cell_per_line = all(s.layout == "cell" for s in styles)
    if family == "repeats_dropped" or (family == "mixed" and one_cell_per_line and rng.random() < 0.5):
        if not one_cell_per_line:
            raise AssertionError("repeated lines are dropped only in a one-cell-per-line layout")
        flat, removed = drop_repeated_lines(flat)
        for t, n in removed.items():
            ops[t].repeats_dropped = n
        traits.add("repeats_dropped")
    text = "".join(p.text + s for p, s in flat)
    crlf = family == "mixed" and rng.random() < 0.3 or rng.random() < 0.1
    if crlf:
        text = text.replace("\n", "\r\n")
        traits.add("crlf")
    prose = "\n".join(doc.frames)
    return Rendering(text, flat, doc.truth, prose, ops, value_rows, traits)


# ---- fixed layouts: the acceptance cases --------------------------------------------------

CELL_PER_LINE_BLANKS_GONE = TableStyle("cell", "\t", blanks="source")
ROW_PER_LINE_BLANKS_DROPPED = TableStyle("row", seps=((" ", 1.0),), blanks="source")


def seed_case(name: str) -> Rendering:
    """The issue's two acceptance renderings of the seed, with the pieces `evals.determine` needs.

    - cell_per_line: the seed as exported with its blank lines removed (`render.seed_flattened_cell_per_line`):
      the text is the seed's own; the pieces are those of the same table layout (a tab, one cell per
      line, the blank cells gone), which is all `determine` looks at;
    - row_per_line: one grid row per line, labels then the non-blank values (`seed_row_per_line`).
    """
    from ingest.pipeline import parse_file

    from .render import seed_flattened_cell_per_line, truth_from_report

    report = parse_file(SEED_PATH)
    truth = truth_from_report(report, origin="seed")
    doc = frame_report(report.text, {s.number: (s.start, s.end) for s in report.sections}, truth, SEED_PATH.name)
    assert doc is not None, "the seed has parts 二 to 五"
    style = {"cell_per_line": CELL_PER_LINE_BLANKS_GONE, "row_per_line": ROW_PER_LINE_BLANKS_DROPPED}[name]
    r = render_styled(doc, [style] * 3, random.Random(0))
    if name == "cell_per_line":
        r.text = seed_flattened_cell_per_line()
    return r


def seed_row_per_line() -> str:
    """The seed's own text with each table printed one grid row per line: the row's labels, then its
    non-blank values, separated by spaces (the cells the seed prints empty are dropped)."""
    return seed_case("row_per_line").text


def row_per_line(doc: FramedDoc, blank: Callable[[TCell], bool], sep: str = " ") -> str:
    """Each grid row on one line: its labels, then its non-blank values, separated by `sep`."""
    out = []
    for i, frame in enumerate(doc.frames):
        out.append(frame.rstrip("\n"))
        if i < 3:
            for row in doc.tables()[i].rows():
                labels = [c.text for c in row if not c.is_value]
                values = [c.text for c in row if c.is_value and not blank(c)]
                out.append(sep.join(labels + values))
    return "\n".join(out) + "\n"


__all__ = ["FAMILIES", "FramedDoc", "Piece", "Rendering", "TableOps", "drop_repeated_lines", "render_generative",
           "row_per_line", "synthetic_frame", "SEED_PATH", "fmt_value"]
