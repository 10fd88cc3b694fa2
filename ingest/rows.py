"""Turn a document's rows into what table parsing needs: table regions and value rows.

A value row is a label (possibly empty) followed by numeric-or-blank cells. Plain
text lines keep their numbers at the end ("（七）总计 21 0 0 0 0 0 21"); flat text
scraped from a web page holds a whole table on one line, so such lines are first
cut at the labels the national format prints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .layout import table3_rows, FORMAT_2019, FORMAT_2021
from .models import Cell, Location, Row

SPACE = " \t\n\r\u3000\xa0"
NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
NUMBER_RE = re.compile(rf"^{NUMBER}$")
BLANK_MARKS = {"", "-", "—", "–", "/", "／", "\\"}
TRAILING_NUMBERS_RE = re.compile(rf"^(?P<label>.*?)(?P<nums>(?:[{SPACE}]*{NUMBER})+)[{SPACE}]*$", re.S)
TOKEN_RE = re.compile(NUMBER)

# Core titles of the parts; a report may number them its own way (上海市科委 prints 一、主动公开…).
PART_CORES = {
    "一": r"总体情况",
    "二": r"主动公开政府信息情况",
    "三": r"收到和处理政府信息公开申请情况",
    "四": r"(?:政府信息公开)?行政法?复议[、和及与]?(?:行政诉讼)情况",
    "五": r"(?:政府信息公开工作)?存在的主要问题(?:及改进情况)?|主要问题及改进情况|存在问题及整改|主要问题",
    "六": r"其他需要报告的事项",
}
_HEADING_PREFIX = r"^[#\s]*(?:表[一二三四]\s*[：:]\s*)?(?:[一二三四五六七1-7]\s*[、.．]\s*|（[一二三四五六]）)?"
HEADING_RES = {k: re.compile(_HEADING_PREFIX + f"(?:{v})") for k, v in PART_CORES.items()}
# Inside a flat line a title only counts with its number (二、主动公开…), so prose that names a part does not cut.
_MIDLINE_TITLES = re.compile(
    r"[一二三四五六]、(?:" + "|".join(PART_CORES[k] for k in ("一", "二", "三", "四", "六")) + r"|存在的主要问题)"
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
    text: str
    loc: Location
    atomic: bool = False  # a real table cell: never cut into several cells
    unit: str = ""  # a unit printed right after the figure (「215419886元」): the last cell's, as printed

    @property
    def blank(self) -> bool:
        return strip_space(self.text) in BLANK_MARKS

    @property
    def digits_only(self) -> bool:
        return self.text.isdigit()


@dataclass
class ValueRow:
    label: str
    values: list[Token]
    row_index: int
    label_loc: Optional[Location] = None

    @property
    def has_number(self) -> bool:
        return any(not t.blank for t in self.values)


def _sub_loc(loc: Location, start: int, end: int) -> Location:
    return loc.model_copy(update={"start": loc.start + start, "end": loc.start + end})


_TRAILING_UNIT = re.compile(rf"(?<=\d)[{SPACE}]*(?:万元|元)[{SPACE}]*$")


def _cell_numbers(cell: Cell) -> tuple[str, Optional[Location], list[Token]]:
    """Split one cell into its label and the numbers it ends with."""
    text = cell.text
    m = TRAILING_NUMBERS_RE.match(text)
    unit = None
    if not m:
        # 「政府集中采购215419886元」: an amount printed with its unit after it
        unit = _TRAILING_UNIT.search(text)
        m = TRAILING_NUMBERS_RE.match(text[:unit.start()]) if unit else None
    if not m:
        return text.strip(SPACE), cell.loc, []
    base = m.start("nums")
    tokens = [
        Token(t.group(), _sub_loc(cell.loc, base + t.start(), base + t.end()))
        for t in TOKEN_RE.finditer(m.group("nums"))
    ]
    if unit is not None and tokens:
        tokens[-1].unit = strip_space(unit.group(0))
    label = m.group("label").strip(SPACE)
    return label, _sub_loc(cell.loc, 0, len(m.group("label"))) if label else None, tokens


def _is_value_cell(text: str) -> bool:
    t = strip_space(text)
    return t in BLANK_MARKS or bool(NUMBER_RE.match(t))


def value_row(row: Row, index: int) -> Optional[ValueRow]:
    """The label and values of a row, or None when the row carries no values."""
    cells = row.cells
    if row.in_table and len(cells) > 1:
        i = len(cells)
        while i > 0 and _is_value_cell(cells[i - 1].text):
            i -= 1
        values = []
        for c in cells[i:]:
            parts = TOKEN_RE.findall(c.text)
            if len(parts) > 1:  # one cell printing several numbers apart ("0 0"): each is a cell's figure
                values += _cell_numbers(c)[2]
            else:
                values.append(Token(strip_space(c.text), c.loc, atomic=True))
        labels = [c for c in cells[:i] if strip_space(c.text)]
        label = " ".join(c.text.strip(SPACE) for c in labels)
        label_loc = labels[-1].loc if labels else None
        if labels and not values:
            # a grid cell holding label and number together ("行政许可10690")
            lab, lab_loc, toks = _cell_numbers(labels[-1])
            if toks:
                label = " ".join([*(c.text.strip(SPACE) for c in labels[:-1]), lab]).strip()
                values, label_loc = toks, lab_loc
        if not values:
            return None
        if not label and not any(not t.blank for t in values) and len(values) < 5:
            return None  # an empty spacer row; a wide empty row is an unfilled table row
        return ValueRow(label, values, index, label_loc)
    if len(cells) != 1:
        return None
    label, label_loc, tokens = _cell_numbers(cells[0])
    if not tokens:
        return None
    return ValueRow(label, tokens, index, label_loc)


def label_row(row: Row, index: int) -> Optional[ValueRow]:
    """A row that prints a label and no figures (a value row has figures: see value_row)."""
    labels = [c for c in row.cells if strip_space(c.text)]
    if not labels or any(_is_value_cell(c.text) for c in labels):
        return None
    if any(re.search(r"\d(?![\d.．、])", c.text) for c in labels):
        return None  # figures inside the text (not an item number 「2.」): a broken row, not a label without figures
    return ValueRow(" ".join(c.text.strip(SPACE) for c in labels), [], index, labels[-1].loc)


# ---- cutting flat lines -------------------------------------------------------

def _spaced(words: str) -> str:
    """A label's characters with any spacing between them: 「社会公益 组织」, 「上 年结转」."""
    return r"\s*".join(re.escape(ch) for ch in words)


def _anchor_patterns() -> list[str]:
    pats = [r"第二十条第（[一二三四五六七八九十]+）项", r"信息内容", r"规章", r"(?:行政)?规范性文件",
            r"行政许可", r"其他对外管理服务事项", r"行政处罚", r"行政强制", r"行政事业性收费", r"政府集中采购"]
    pats = [p if "(" in p or "[" in p else _spaced(p) for p in pats]
    rows = table3_rows(False) + table3_rows(True)[-3:-2]
    for spec in rows:
        core_text = spec.label[len(spec.number):] if spec.number and spec.label.startswith(spec.number) else spec.label
        core = _spaced(core_text)
        num = re.escape(spec.number.rstrip(".")) if spec.number else ""
        if spec.number.endswith("."):
            # the item number is part of the label: "2.其他法律…" — never eat digits of the cell before it.
            # Its first words are enough to cut at: the rest of the label may be broken onto the next line.
            pats.append(rf"{num}[.．、]\s*{_spaced(core_text[:4])}")
        elif spec.number:
            pats.append(rf"(?:{_spaced(spec.number)}\s*)?{core}")
        else:
            pats.append(core)
    pats += [_spaced(p) for p in ("三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理")]
    return pats


_ANCHORS = re.compile("|".join(sorted(set(_anchor_patterns()), key=len, reverse=True)))


def _cut(row: Row, pattern: re.Pattern, min_hits: int) -> list[Row]:
    cell = row.cells[0]
    hits = [m.start() for m in pattern.finditer(cell.text)]
    if len(hits) < min_hits:
        return [row]
    bounds = sorted(set([0, *hits, len(cell.text)]))
    out = []
    for a, b in zip(bounds, bounds[1:]):
        piece = cell.text[a:b]
        lead = len(piece) - len(piece.lstrip(SPACE))
        piece = piece.strip(SPACE)
        if piece:
            out.append(Row(cells=[Cell(text=piece, loc=_sub_loc(cell.loc, a + lead, a + lead + len(piece)))]))
    return out


# a row's item number (1.–8.) glued to the last figure of the row before: 「… 0 02.重」 is 0 | 2.重…
_GLUED_ITEM = re.compile(r"(?<=\d)\s*(?=" + _ANCHORS.pattern + r"|[1-8][.．、]\s*[\u4e00-\u9fff])")
_DANGLING_ITEM = re.compile(r"(?<=\d)[1-9][.．、]\s*$")


def cut_flat_rows(rows: list[Row]) -> list[Row]:
    """Cut one-line tables (web pages scraped to text) at part titles, then at row labels.

    A short line is cut only where a row label follows a figure directly (「… 0 0 37.属于行政执法案」:
    the item number of the next row glued to the last value), so prose that names a label stays whole.
    An item number left dangling at the end of a line (「… 0 32.」 + 「重复申请 0 0 …」) belongs to the
    next line's label, not to the figure before it."""
    out: list[Row] = []
    for row in rows:
        if row.in_table or len(row.cells) != 1:
            out.append(row)
            continue
        cell = row.cells[0]
        m = _DANGLING_ITEM.search(cell.text)
        if m and len(TOKEN_RE.findall(cell.text[:m.start()])) >= 2:
            row = Row(cells=[Cell(text=cell.text[:m.start()], loc=_sub_loc(cell.loc, 0, m.start()))])
        if len(row.cells[0].text) < 40:
            glued = len(TOKEN_RE.findall(row.cells[0].text)) >= 3 and _GLUED_ITEM.search(row.cells[0].text)
            out.extend(_cut(row, _GLUED_ITEM, 1) if glued else [row])
            continue
        for piece in _cut(row, _MIDLINE_TITLES, 1):
            for part in _cut(piece, _ANCHORS, 2):
                glued = len(TOKEN_RE.findall(part.cells[0].text)) >= 3 and _GLUED_ITEM.search(part.cells[0].text)
                out.extend(_cut(part, _GLUED_ITEM, 1) if glued else [part])
    return out


# ---- regions --------------------------------------------------------------

def heading_part(row: Row) -> Optional[str]:
    """Which part (一…六) this row is the heading of, if it is one."""
    found = heading_match(row)
    return found[0] if found else None


def heading_match(row: Row) -> Optional[tuple[str, str]]:
    """(part, the heading as printed) when this row is the heading of a part (一…六)."""
    text = row.text.strip(SPACE)
    for part, rx in HEADING_RES.items():
        m = rx.match(text)
        # a long row is a heading only when numbered like one (a flat line cut at "三、收到和处理…")
        if m and (len(text) <= 60 or _NUMBERED.match(text)):
            return part, (text if len(text) <= 60 else m.group(0)).lstrip("# ").strip(SPACE)
    return None


_NUMBERED = re.compile(r"^[#\s]*[一二三四五六]、")


def table_regions(rows: list[Row]) -> dict[str, tuple[int, int]]:
    """Row ranges [start, end) of tables 二, 三 and 四: from each title to the next part."""
    starts: dict[str, int] = {}
    for i, row in enumerate(rows):
        part = heading_part(row)
        if part in ("二", "三", "四") and part not in starts and all(starts.get(p, -1) < i for p in starts):
            starts[part] = i
        elif part in ("五", "六") and "四" in starts and part not in starts:
            starts[part] = i
    order = sorted(starts.items(), key=lambda kv: kv[1])
    regions = {}
    for n, (part, start) in enumerate(order):
        if part not in ("二", "三", "四"):
            continue
        end = order[n + 1][1] if n + 1 < len(order) else len(rows)
        regions[part] = (start, end)
    return regions


def detect_format(rows: list[Row], regions: dict[str, tuple[int, int]], text: str, year: Optional[int]) -> str:
    """2019 trial format or 2021 format, from table 二's column labels, then the cited notice, then the year."""
    if "二" in regions:
        a, b = regions["二"]
        region = normalize_label(" ".join(r.text for r in rows[a:b]))
        if any(k in region for k in ("本年新制作数量", "对外公开总数量", "上一年项目数量", "本年新公开数量")):
            return FORMAT_2019
        if any(k in region for k in ("本年制发件数", "现行有效件数", "本年废止件数")):
            return FORMAT_2021
    if "2019〕60号" in text:
        return FORMAT_2019
    if "2021〕30号" in text:
        return FORMAT_2021
    return FORMAT_2019 if year is not None and year <= 2020 else FORMAT_2021
