"""Parse tables 二, 三 and 四 into facts, anchored on the labels of the national format.

Each parser takes the value rows of its table's region (see rows.py) and returns
the facts it could read with certainty, plus findings and a TableResult saying
whether the table was read and, if not, why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from itertools import combinations
from typing import Optional

from . import digits, solve
from .layout import (
    T3_COLUMNS, T4_GROUPS, T4_RESULTS, RowSpec, table2_blocks, table3_rows,
)
from .models import Fact, Finding, Location, TableResult, Unread
from .rows import BLANK_MARKS, Token, ValueRow, normalize_label, strip_space


@dataclass
class Parsed:
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    result: Optional[TableResult] = None
    unread: list[Unread] = field(default_factory=list)
    split_rows: list[str] = field(default_factory=list)


def _value(token: Token) -> Decimal:
    return Decimal(0) if token.blank else Decimal(token.text.replace(",", ""))


def _fact(table, row: RowSpec | tuple[str, str], col, token: Token, printed: str, unit="件") -> Fact:
    row_key, row_label = (row.key, row.label) if isinstance(row, RowSpec) else row
    return Fact(
        table=table, row_key=row_key, col_key=col.key, row_label=row_label, col_label=col.label,
        printed_row_label=printed, value=_value(token), unit=unit, blank=token.blank,
        source_text=token.text, loc=token.loc,
    )


def _core(spec: RowSpec) -> str:
    label = spec.label
    if spec.number and label.startswith(spec.number):
        label = label[len(spec.number):]
    return normalize_label(label)


def _strip_numbering(label: str) -> str:
    return re.sub(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、])", "", label)


_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．])")


def _same_number(a: str, b: str) -> bool:
    norm = lambda x: normalize_label(x).replace("、", ".").rstrip(".")
    return norm(a) == norm(b)


def _words(text: str) -> str:
    """Only the words: no numbering, spacing or punctuation (、 or ， between the same words)."""
    return re.sub(r"[^\u4e00-\u9fffA-Za-z]", "", text)


def match_kind(label: str, spec: RowSpec) -> Optional[str]:
    """'exact' when the printed label carries the row's words, 'fuzzy' for a near miss (a typo), else None."""
    norm = normalize_label(label)
    if not norm:
        return None
    cores = [_core(spec), *(normalize_label(a) for a in spec.aliases)]
    if len(cores[0]) <= 3:
        # "3.其他" / "（七）总计": such short words occur inside other labels; ask for the whole label,
        # and for the item's own number where the label prints one (「（六）其他」 is not 「3.其他」)
        core = cores[0]
        printed_no = _NUMBERING.match(norm)
        if printed_no and spec.number and _same_number(printed_no.group(0), spec.number) is False:
            return None
        tail = _strip_numbering(norm.split("）")[-1] if norm.endswith(core) else norm)
        if _strip_numbering(norm) == core or tail == core or norm.endswith(normalize_label(spec.label)):
            return "exact"
        return None
    words = _words(norm)
    if any(_words(c) in words for c in cores):
        return "exact"
    core = _words(cores[0])
    # a typo: compare with the end of the printed label, where the item's own words are
    # (the window must begin with the row's first two characters: 本年新收… is no typo of 上年结转…)
    best = max(
        (SequenceMatcher(None, core, words[-n:]).ratio()
         for n in range(max(1, len(core) - 4), min(len(words), len(core) + 2) + 1) if words[-n:][:2] == core[:2]),
        default=0,
    )
    return "fuzzy" if best >= 0.8 else None


def fit_values(tokens: list[Token], n: int) -> list[Token]:
    """Drop empty cells a converter added around a row (a Markdown row with a trailing empty cell).

    Never drops a printed figure: a row with more figures than cells stays as it is (and unread)."""
    tokens = list(tokens)
    while len(tokens) > n and tokens[-1].blank:
        tokens.pop()
    while len(tokens) > n and tokens[0].blank:
        tokens.pop(0)
    return tokens


# ---- reading a row's printed tokens as cells ----------------------------------------------

Values = tuple[Decimal, ...]


def _piece(tok: Token, text: str, a: int, b: int) -> Token:
    """The cell `text` cut from `tok` at [a, b), located inside it (the token itself when it is whole)."""
    if (a, b) == (0, len(tok.text)):
        return tok
    return Token(text, tok.loc.model_copy(update={"start": tok.loc.start + a, "end": tok.loc.start + b}))


def _readings(tokens: list[Token], n: int, cell_ok=None, limit: int = 50_000,
              label_end: Optional[int] = None) -> tuple[list[list[Token]], str]:
    """Every way to read a row's printed tokens as its n cells (see digits.token_cuts), as located tokens.

    Returns (readings, why-none). `cell_ok(col, text)` may reject a cell text in a column (a sign
    outside 本年增/减)."""
    tokens = fit_values(tokens, n)
    texts = [t.text for t in tokens]
    raw, complete = digits.token_cuts(texts, n, [t.atomic for t in tokens], limit=limit)
    # Printed with spaces between cells but short of cells: an empty cell may have vanished (a PDF's
    # text layer prints nothing for it), so each missing cell may also be a blank, anywhere in the row.
    # (Only where the spaces look like cell borders: every token one valid number. 「0 010 10」 is
    # padding around run-together digits — 010 is no number — and no cell vanished there.)
    spaced = any(b.loc.start > a.loc.end for a, b in zip(tokens, tokens[1:])) or (
        label_end is not None and bool(tokens) and tokens[0].loc.start > label_end)  # 「规范性文件\t\t\t744」
    bordered = all(digits.token_splits(t.text, 1) for t in tokens)
    if spaced and bordered and len(tokens) < n and not all(t.atomic for t in tokens):
        for b in range(1, n - len(tokens) + 1):
            fewer, ok = digits.token_cuts(texts, n - b, [t.atomic for t in tokens], limit=limit)
            complete = complete and ok
            for reading in fewer:
                for where in combinations(range(n), b):
                    cells, it = [], iter(reading)
                    for c in range(n):
                        cells.append(None if c in where else next(it))
                    raw.append(cells)
            if len(raw) > limit:
                complete = False
                break
    if not complete:
        return [], f"the digits {''.join(texts)} can be cut into {n} cells in more than {limit} ways"
    out = []
    for reading in raw:
        cells, at = [], tokens[0].loc
        for cell in reading:
            if cell is None:  # a vanished empty cell, placed where it falls between the printed ones
                cells.append(Token("", at.model_copy(update={"start": at.end, "end": at.end})))
            else:
                ti, text, a, b = cell
                cells.append(_piece(tokens[ti], text, a, b))
                at = cells[-1].loc
        if not cell_ok or all(cell_ok(c, t.text) for c, t in enumerate(cells)):
            out.append(cells)
    if not out:
        printed = " ".join(texts)
        if len(tokens) > n and all(t.atomic for t in tokens):
            return [], f"{len(tokens)} cells printed where the format has {n}"
        return [], f"the printed values 「{printed}」 cannot be read as {n} cells"
    return out, ""


def _label_end(vr: ValueRow) -> Optional[int]:
    """Where the printed label ends, when it stands in the same text as the values (not a table cell)."""
    if vr.label_loc is None or not vr.values or vr.values[0].atomic:
        return None
    return vr.label_loc.end


def _vals(reading: list[Token]) -> Values:
    return tuple(_value(t) for t in reading)


def _printed(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


@dataclass
class _Row:
    """One row of the format as found in the document, with its possible readings."""

    key: str
    label: str  # canonical
    printed: str  # as printed
    cols: tuple
    readings: list[list[Token]]
    why: str = ""
    loc: Optional[object] = None
    quote: str = ""


def _settle(table: str, rows: list[_Row], rules, row_rule, out: Parsed, unit_of=lambda col: "件",
            spec_of=None) -> None:
    """Decide every row with its readings and the table's rules; store facts and unread cells."""
    cands: dict[str, list[Values]] = {}
    for r in rows:
        if len(r.readings) > 1 and row_rule is not None:
            fitting = [x for x in r.readings if row_rule(_vals(x))]
            if not fitting:
                r.why = (f"the printed values 「{r.quote}」 can be cut into {len(r.cols)} cells in "
                         f"{len(r.readings)} ways and none adds up to its 总计")
            r.readings = fitting
        if r.readings:
            cands[r.key] = [_vals(x) for x in r.readings]
    outcome = solve.resolve(cands, rules)
    for r in rows:
        spec = spec_of(r) if spec_of else (r.key, r.label)
        if not r.readings:
            out.unread.append(Unread(row_key=r.key, reason=r.why or "not found", quote=r.quote, loc=r.loc))
            continue
        keep = [r.readings[i] for i in outcome.domains.get(r.key, [])]
        if not keep:
            out.unread.append(Unread(row_key=r.key, quote=r.quote, loc=r.loc,
                                     reason="no reading of its digits fits the table's arithmetic"))
            continue
        agree = solve.agreed_cells([_vals(x) for x in keep]) if len(keep) > 1 else [True] * len(r.cols)
        if len(keep) > 1:
            shown = "; ".join("/".join(t.text for t in x) for x in keep[:3]) + ("…" if len(keep) > 3 else "")
        for c, col in enumerate(r.cols):
            same_place = all(x[c].loc.start == keep[0][c].loc.start and x[c].loc.end == keep[0][c].loc.end for x in keep)
            if agree[c] and same_place:
                out.facts.append(_fact(table, spec, col, keep[0][c], r.printed, unit_of(col)))
            else:
                out.unread.append(Unread(
                    row_key=r.key, col_key=col.key, quote=r.quote, loc=r.loc,
                    reason=f"the digits 「{r.quote}」 run together and {len(keep)} readings fit "
                           f"({shown}); nothing in the report decides between them"))
        if len(r.readings) > 1 and len(keep) == 1:
            out.split_rows.append(r.label)


def _summarise(table: str, out: Parsed, expected_rows: int) -> None:
    rows_unread = sorted({u.row_key for u in out.unread})
    empty = bool(out.facts) and all(f.blank for f in out.facts)
    if out.split_rows:
        out.findings.append(Finding(
            kind="layout",
            message=f"table {table}: the digits of {len(out.split_rows)} row(s) ran together; each was split the "
                    f"only way the table's arithmetic allows ({'、'.join(out.split_rows[:4])}{'…' if len(out.split_rows) > 4 else ''})"))
    told: set[str] = set()
    for u in out.unread:  # one finding per row left (wholly or partly) unread
        if u.row_key not in told:
            told.add(u.row_key)
            out.findings.append(Finding(kind="unparsed", quote=u.quote, loc=u.loc,
                                        message=f"table {table}, {u.row_key}: {u.reason} — left unread"))
    reason = ""
    if rows_unread:
        reason = f"{len(rows_unread)} of {expected_rows} rows not (wholly) read: " + "; ".join(
            f"{k}: {next(u.reason for u in out.unread if u.row_key == k)}" for k in rows_unread[:3]) + ("…" if len(rows_unread) > 3 else "")
    out.result = TableResult(table=table, parsed=bool(out.facts) and not out.unread, empty=empty, reason=reason,
                             fact_count=len(out.facts), unread=out.unread)


# ---- table 二 -------------------------------------------------------------

# How a narrative states table 二's counts; {row} is the row's own words, so 规章 is never read for 规范性文件.
_T2_NARRATIVE = {
    "本年制发件数": r"(?:制发|新制发|印发|出台)[^。；，\d]{{0,10}}?{row}[^。；，\d]{{0,6}}?(\d+)\s*件",
    "现行有效件数": r"现行有效[^。；，\d]{{0,8}}?{row}[^。；，\d]{{0,6}}?(\d+)\s*件",
    "本年废止件数": r"废止[^。；，\d]{{0,10}}?{row}[^。；，\d]{{0,6}}?(\d+)\s*件",
}


def _t2_row(rows: list[ValueRow], spec: RowSpec) -> Optional[ValueRow]:
    cores = [normalize_label(spec.label), *(normalize_label(a) for a in spec.aliases)]
    for r in rows:
        norm = normalize_label(r.label)
        if any(_strip_numbering(norm).endswith(c) or norm == c for c in cores):
            return r
    return None


def parse_table2(rows: list[ValueRow], format_version: str, narrative: str) -> Parsed:
    out = Parsed()
    found: list[_Row] = []
    units, printed_units = {}, {}
    seen: set[int] = set()
    for block in table2_blocks(format_version):
        for spec in block.rows:
            match = _t2_row([r for r in rows if r.values and id(r) not in seen], spec)
            if match is None:
                continue
            seen.add(id(match))
            for col in block.columns:
                units[(spec.key, col.key)] = col.unit or block.unit
            signed = {i for i, c in enumerate(block.columns) if c.key == "本年增减"}
            readings, why = _readings(
                match.values, len(block.columns), label_end=_label_end(match),
                cell_ok=lambda c, text, signed=signed, dec=block.decimal: (not text[:1] or text[0] not in "+-" or c in signed)
                and ("." not in text or dec))
            if match.values and match.values[-1].unit and match.values[-1].loc:
                printed_units[(spec.key, match.values[-1].loc.end)] = match.values[-1].unit
            row = _Row(spec.key, spec.label, match.label, block.columns, readings, why,
                       loc=match.values[0].loc if match.values else match.label_loc, quote=_printed(match.values))
            if len(readings) > 1:
                row.readings = _t2_pin(row, spec, narrative, out)
            found.append(row)
    specs = {s.key: s for b in table2_blocks(format_version) for s in b.rows}
    _settle("二", found, [], None, out, spec_of=lambda r: specs[r.key])
    for f in out.facts:
        # the unit printed after the row's last figure (「…5419886元」) is that cell's, whatever the column says
        f.unit = printed_units.get((f.row_key, f.loc.end if f.loc else None)) or units.get((f.row_key, f.col_key), f.unit)
    if not found:
        out.result = TableResult(table="二", parsed=False, reason="no rows of table 二 found")
        return out
    _summarise("二", out, sum(len(b.rows) for b in table2_blocks(format_version)))
    return out


def _t2_told_together(row: _Row, spec: RowSpec, narrative: str, out: Parsed) -> list[list[Token]]:
    """「政府集中采购215419886元」 and, in the narrative, 「今年共发布采购信息21条共5419886元」: one sentence that
    names the row (a two-character piece of its label) and states every cell of exactly one reading
    decides it. A cell of one digit is too common in sentences to decide anything."""
    pieces = {spec.label[i:i + 2] for i in range(len(spec.label) - 1)} - {"政府", "信息", "本年", "数量", "行政"}
    told, quote = [], ""
    for sentence in re.split(r"[。；;！!？?\n]", narrative):
        if not any(p in sentence for p in pieces):
            continue
        numbers = set(re.findall(r"\d+(?:\.\d+)?", sentence))
        for x in row.readings:
            if all(len(t.text) >= 2 and t.text in numbers for t in x) and x not in told:
                told.append(x)
                quote = sentence.strip()
    if len(told) != 1:
        return row.readings
    out.findings.append(Finding(
        kind="layout", quote=row.quote, loc=row.loc,
        message=f"{spec.label}: the digits {row.quote} run together; read as "
                f"{'/'.join(t.text for t in told[0])} because the narrative states 「{quote}」"))
    return told


def _t2_pin(row: _Row, spec: RowSpec, narrative: str, out: Parsed) -> list[list[Token]]:
    """Table 二 has no arithmetic: only what the narrative states can pick one reading of run-together digits."""
    stated = {}
    row_words = "规范性文件" if "规范性文件" in spec.label else re.escape(spec.label)
    for col in row.cols:
        rx = _T2_NARRATIVE.get(col.key)
        m = re.search(rx.format(row=row_words), narrative) if rx else None
        if m:
            stated[col.key] = (int(m.group(1)), m.group(0))
    if not stated:
        return _t2_told_together(row, spec, narrative, out)
    keys = [c.key for c in row.cols]
    fitting = [x for x in row.readings if all(_vals(x)[keys.index(k)] == v for k, (v, _) in stated.items())]
    said = "；".join(f"「{q}」" for _, q in stated.values())
    if len(fitting) == 1:
        out.findings.append(Finding(
            kind="layout", quote=row.quote, loc=row.loc,
            message=f"{spec.label}: the digits {row.quote} run together; read as "
                    f"{'/'.join(t.text for t in fitting[0])} because the narrative states {said}"))
        return fitting
    if not fitting:
        row.why = f"the cells run together as {row.quote}; the narrative states {said}, which no reading of the digits fits"
        return []
    return fitting


# ---- table 三 -------------------------------------------------------------

def _find_spec(label: str, specs: tuple[RowSpec, ...], start: int) -> Optional[tuple[int, str]]:
    """The first row of the format at or after `start` whose label this is; a typo only close by,
    and only when no row carries the label's words exactly."""
    kinds = [(j, match_kind(label, specs[j])) for j in range(start, len(specs))]
    exact = next(((j, k) for j, k in kinds if k == "exact"), None)
    if exact:
        return exact
    return next(((j, k) for j, k in kinds if k == "fuzzy" and j - start <= 2), None)


def _is_group_label(label: str) -> bool:
    norm = _strip_numbering(normalize_label(label))
    return norm in {"不予公开", "无法提供", "不予处理", "其他处理", "本年度办理结果"} or norm.endswith("小计") or norm.endswith("合计")


def _single_other_row(rows: list[ValueRow]) -> bool:
    """Does this table print （六）其他处理 as one row (2019 format, some 2021 reports)?"""
    three = table3_rows(False)
    if any(match_kind(vr.label, s) for vr in rows if vr.label for s in three if s.key.startswith("其他处理_") and s.key != "其他处理_其他"):
        return False
    single = table3_rows(True)
    spec = next(s for s in single if s.key == "其他处理")
    return any(vr.has_number and match_kind(vr.label, spec) == "exact" for vr in rows if vr.label)


def align_table3(rows: list[ValueRow]) -> tuple[tuple[RowSpec, ...], dict[str, tuple[ValueRow, str]], list[Finding], list[ValueRow]]:
    """Assign the value rows of table 三 to the format's rows, row by row.

    A labelled row goes to the row of the format its label names; rows printed without a label
    (a converted PDF breaks labels from values) fill the rows between two labelled ones only when
    their number is exactly the gap. Rows that cannot be placed are not placed: they are returned
    so that the rows of the format they might be stay unread. A figure is never shifted into
    another row."""
    specs = table3_rows(_single_other_row(rows))
    separated = any(vr.has_number and not vr.label for vr in rows)
    assigned: dict[str, tuple[ValueRow, str]] = {}
    findings: list[Finding] = []
    lost: list[ValueRow] = []
    pending: list[ValueRow] = []
    cursor = 0
    waiting: Optional[tuple[int, ValueRow]] = None  # a label printed without figures, the next row not yet seen

    def place(upto: int):
        nonlocal pending
        gap = [s for s in specs[cursor:upto] if s.key not in assigned]
        if pending and len(pending) == len(gap):
            for s, vr in zip(gap, pending):
                assigned[s.key] = (vr, "position")
        else:
            lost.extend(pending)
        pending = []

    def settle_waiting(blank: bool):
        """The label without figures is a row of blanks only when the next row is a row of its own."""
        nonlocal waiting
        if waiting is not None and blank:
            j, wvr = waiting
            assigned.setdefault(specs[j].key, (wvr, "blank"))
        waiting = None

    for vr in rows:
        if not vr.label:
            if len(vr.values) >= 6 or sum(len(t.text) for t in vr.values) >= 7:
                pending.append(vr)  # a stray number of a broken label is no row of seven cells
            continue
        if not vr.values and separated:
            continue  # a label whose numbers stand elsewhere
        if waiting is not None:
            j, wvr = waiting
            joined = ValueRow(wvr.label + vr.label, vr.values, vr.row_index, vr.label_loc)
            whole = match_kind(wvr.label, specs[j]) == "exact"
            if whole and vr.values and match_kind(vr.label, specs[j]) == "exact":
                waiting = None  # the label was a heading over its own row: 「### 一、本年新收…」 + 「本年新收… 705 …」
                assigned[specs[j].key] = (vr, "exact")
                continue
            if not whole and match_kind(joined.label, specs[j]) and (
                    not _find_spec(vr.label, specs, j) or _find_spec(vr.label, specs, j)[0] == j):
                # one label broken over two lines: 「（二）部分公开（…不计其他」 + 「情形） 1 0 0 …」
                if vr.values:
                    waiting = None
                    assigned[specs[j].key] = (joined, "exact")
                else:
                    waiting = (j, joined)
                continue
        hit = _find_spec(vr.label, specs, cursor)
        if hit is None:
            if vr.has_number and not _is_group_label(vr.label):
                findings.append(Finding(kind="layout", quote=vr.label, loc=vr.label_loc,
                                        message=f"table 三: a row labelled 「{vr.label}」 matches no row of the format; its figures are not read"))
                lost.append(vr)
                settle_waiting(False)
            continue
        j, kind = hit
        if waiting is not None and waiting[0] == j and vr.values:
            waiting = None  # the label was a heading over its own row of figures
        else:
            settle_waiting(True)
        place(j)
        if vr.values:
            assigned[specs[j].key] = (vr, kind)
        else:
            waiting = (j, vr)
        cursor = j + 1
    settle_waiting(True)
    place(len(specs))
    return specs, assigned, findings, lost


def _t3_rules(specs: tuple[RowSpec, ...]) -> list:
    keys = [s.key for s in specs]
    detail = [k for k in keys if k not in ("新收", "上年结转", "总计", "结转下年度")]
    rules = []
    for c in range(len(T3_COLUMNS)):
        rules.append([("新收", c, 1), ("上年结转", c, 1), ("总计", c, -1), ("结转下年度", c, -1)])
        rules.append([(k, c, 1) for k in detail] + [("总计", c, -1)])
    return rules


def parse_table3(rows: list[ValueRow]) -> Parsed:
    out = Parsed()
    candidates = [vr for vr in rows if vr.label or len(vr.values) >= 1]
    if not any(vr.has_number or vr.values for vr in candidates):
        out.result = TableResult(table="三", parsed=False, reason="no rows of table 三 found")
        return out
    specs, assigned, findings, lost = align_table3(candidates)
    out.findings += findings
    ncol = len(T3_COLUMNS)
    found: list[_Row] = []
    for spec in specs:
        if spec.key not in assigned:
            why = "row not found in the document" if not lost else "row not found; some rows without labels could not be placed"
            found.append(_Row(spec.key, spec.label, "", T3_COLUMNS, [], why))
            continue
        vr, kind = assigned[spec.key]
        if not vr.values:
            # a row printed with its label and no figures at all, in a table whose rows carry their own
            # figures: every cell is blank, and blank is 0 in this format
            blank = [Token("", vr.label_loc or Location(start=0, end=0)) for _ in T3_COLUMNS]
            found.append(_Row(spec.key, spec.label, vr.label, T3_COLUMNS, [blank], loc=vr.label_loc))
            out.findings.append(Finding(kind="layout", quote=vr.label, loc=vr.label_loc,
                                        message=f"table 三: row 「{vr.label}」 is printed without figures; its cells are read as blank (0)"))
            continue
        readings, why = _readings(vr.values, ncol, label_end=_label_end(vr))
        found.append(_Row(spec.key, spec.label, vr.label, T3_COLUMNS, readings, why,
                          loc=vr.values[0].loc, quote=_printed(vr.values)))
        if kind == "fuzzy":
            out.findings.append(Finding(kind="label_typo", message=f"row label printed as {vr.label!r}, read as {spec.label}", quote=vr.label, loc=vr.label_loc))
    placed = [spec.label for spec in specs if spec.key in assigned and assigned[spec.key][1] == "position"]
    if placed:
        out.findings.append(Finding(
            kind="layout",
            message=f"table 三: {len(placed)} rows carry no label beside their numbers (a converted PDF breaks "
                    f"labels from values); they were placed by their order between labelled rows: "
                    + "、".join(placed[:6]) + ("…" if len(placed) > 6 else "")))
    if lost:
        out.findings.append(Finding(kind="unparsed", message=f"table 三: {len(lost)} rows of figures without labels could not be placed; the rows they may belong to are left unread"))
    _settle("三", found, _t3_rules(specs), lambda v: sum(v[:6]) == v[6], out)
    _summarise("三", out, len(specs))
    return out


# ---- table 四 -------------------------------------------------------------

def _t4_prefix_ok(texts: list[str]) -> bool:
    n = len(texts)
    if n % 5 or n == 0:
        return True
    v = [Decimal(0) if t in BLANK_MARKS else Decimal(t) for t in texts[n - 5:]]
    return sum(v[:4]) == v[4]


def parse_table4(rows: list[ValueRow]) -> Parsed:
    out = Parsed()
    tokens: list[Token] = []
    for vr in rows:
        if vr.label and re.search(r"[。；，]", vr.label):
            continue  # a sentence of the narrative that ends with a number
        if vr.has_number or (not vr.label and vr.values):
            tokens.extend(vr.values)
    cells = [(g, r) for g in T4_GROUPS for r in T4_RESULTS]
    if not tokens:
        out.result = TableResult(table="四", parsed=False, reason="no figures of table 四 found")
        return out
    tokens = fit_values(tokens, 15)
    texts = [t.text for t in tokens]
    quote = " ".join(texts)
    readings, why0 = _readings(tokens, 15)
    if len(readings) > 1:
        # several ways to cut the digits (or to place a vanished empty cell): the group totals decide
        readings = [x for x in readings if all(sum(_vals(x)[i:i + 4]) == _vals(x)[i + 4] for i in (0, 5, 10))]
        if len(readings) == 1:
            out.findings.append(Finding(kind="layout", quote=quote, loc=tokens[0].loc,
                                        message=f"table 四: the digits ran together as {quote}; split the only way its totals allow"))
    elif not readings and why0.startswith("the digits") and "ways" in why0:
        raw, complete = digits.token_cuts(texts, 15, [t.atomic for t in tokens], prefix_ok=_t4_prefix_ok)
        readings = [[_piece(tokens[ti], text, a, b) for ti, text, a, b in reading] for reading in raw] if complete else []
    why = ""
    if not readings:
        why = (f"found {len(tokens)} values where 15 are printed" if len(tokens) > 15 or all(t.atomic for t in tokens)
               else f"the digits ran together as {quote}; no split makes each 总计 the sum of its results")
    if len(readings) > 1:
        agree = solve.agreed_cells([_vals(x) for x in readings])
        shown = f"{len(readings)} splits satisfy its totals"
    for gi, group in enumerate(T4_GROUPS):
        for ri, result in enumerate(T4_RESULTS):
            c = gi * 5 + ri
            if len(readings) == 1 or (len(readings) > 1 and agree[c] and all(
                    (x[c].loc.start, x[c].loc.end) == (readings[0][c].loc.start, readings[0][c].loc.end) for x in readings)):
                out.facts.append(_fact("四", (group.key, group.label), result, readings[0][c], ""))
            else:
                out.unread.append(Unread(row_key=group.key, col_key=result.key, quote=quote, loc=tokens[0].loc,
                                         reason=why or f"the digits ran together as {quote}; {shown}"))
    _summarise("四", out, 3)
    return out


_ROW_WORDS = ("本年新收", "上年结转", "予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "结转下年度")


def header_findings(rows) -> list[Finding]:
    """A header row over table 三's applicant columns that names the format's rows instead
    (本年新收件数 / 上年结转件数 / …): the numbers below it are read by position, and the person should know."""
    out = []
    for row in rows:
        if not row.in_table or len(row.cells) < 4:
            continue
        texts = [strip_space(c.text) for c in row.cells]
        if any(t and t.replace(".", "").isdigit() for t in texts):
            continue
        named = [t for t in texts if any(w in t for w in _ROW_WORDS)]
        if len(named) >= 3:
            out.append(Finding(kind="layout", quote=" | ".join(texts), loc=row.cells[0].loc,
                               message="table 三: a header row names rows of the format (" + "、".join(named[:4])
                                       + "…) over the applicant columns; the numbers under it are read by position "
                                         "as 自然人 … 总计"))
    return out
