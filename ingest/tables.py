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
from .align import AlignedRow, align
from .layout import (
    T3_COLUMNS, T4_GROUPS, T4_RESULTS, RowSpec, table2_blocks, table3_rows,
)
from .models import Fact, Finding, Location, TableResult, Unread
from .stream import BLANK_MARKS, SPACE, Tok, Token, normalize_label, strip_space


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


def fit_values(tokens: list[Token], n: int) -> list[Token]:
    """Drop empty cells a converter added around a row (a Markdown row with a trailing empty cell).

    Never drops a printed figure: a row with more figures than cells stays as it is (and unread)."""
    tokens = list(tokens)
    # (only a grid's empty cells: in running text a blank mark past the row's cells is another row's)
    while len(tokens) > n and tokens[-1].blank and tokens[-1].atomic:
        tokens.pop()
    while len(tokens) > n and tokens[0].blank and tokens[0].atomic:
        tokens.pop(0)
    return tokens


# ---- reading a row's printed tokens as cells ----------------------------------------------

Values = tuple[Decimal, ...]


def _piece(tok: Token, text: str, a: int, b: int) -> Token:
    """The cell `text` cut from `tok` at [a, b), located inside it (the token itself when it is whole)."""
    if (a, b) == (0, len(tok.text)):
        return tok
    return Token(text, tok.loc.model_copy(update={"start": tok.loc.start + a, "end": tok.loc.start + b}))


def _repeat_readings(tokens: list[Token], n: int) -> list[list[Token]]:
    """A text that dropped every line equal to the line before it prints a run of equal cells once:
    each printed token stands for one or more cells (「0 / 1 / 0 / 1」 for seven)."""
    p = len(tokens)
    if p == 0 or p > n:
        return []
    if any(a.text.strip() == b.text.strip() for a, b in zip(tokens, tokens[1:])):
        return []  # two equal lines in a row cannot survive such a text: something else is missing here
    out = []
    for bars in combinations(range(1, n), p - 1):
        sizes = [b - a for a, b in zip((0,) + bars, bars + (n,))]
        out.append([t for t, k in zip(tokens, sizes) for _ in range(k)])
    return out


def _too_few_digits(tokens: list[Token], n: int) -> bool:
    """A row whose printed digits are fewer than its cells: some blank printed nothing."""
    return bool(tokens) and sum(max(1, len(t.text.lstrip("+-").split(".")[0])) if not t.atomic else 1
                                for t in tokens) < n


def _vanishing(rows: list, width) -> bool:
    """Does the table drop its blanks (a row printing fewer digits than it has cells)? Then a blank may
    have vanished from any row of it, even beside a figure glued to its label."""
    return any(_too_few_digits(fit_values(r.values, width(r)), width(r)) for r in rows if r.values)


def _readings(tokens: list[Token], n: int, cell_ok=None, limit: int = 50_000,
              label_end: Optional[int] = None, repeats: bool = False, vanishing: bool = False) -> tuple[list[list[Token]], str]:
    """Every way to read a row's printed tokens as its n cells (see digits.token_cuts), as located tokens.

    Returns (readings, why-none). `cell_ok(col, text)` may reject a cell text in a column (a sign
    outside 本年增/减). With `repeats` (a text that dropped repeated lines) a token stands for one or
    more equal cells instead."""
    tokens = fit_values(tokens, n)
    texts = [t.text for t in tokens]
    if repeats and tokens:
        out = [x for x in _repeat_readings(tokens, n) if not cell_ok or all(cell_ok(c, t.text) for c, t in enumerate(x))]
        if not out:
            return [], f"the printed values 「{' '.join(texts)}」 cannot be read as {n} cells"
        return out, ""
    raw, complete = digits.token_cuts(texts, n, [t.atomic for t in tokens], limit=limit)
    # Printed with spaces between cells but short of cells: an empty cell may have vanished (a PDF's
    # text layer prints nothing for it), so each missing cell may also be a blank, anywhere in the row.
    # (Only where the spaces look like cell borders: every token one valid number. 「0 010 10」 is
    # padding around run-together digits — 010 is no number — and no cell vanished there.)
    spaced = any(b.loc.start > a.loc.end for a, b in zip(tokens, tokens[1:])) or (
        label_end is not None and bool(tokens) and tokens[0].loc.start > label_end) or (  # 「规范性文件\t\t\t744」
        bool(tokens) and tokens[0].spaced) or vanishing  # 「规 \t 744 范性文件」: a label broken around its figures
    bordered = all(digits.token_splits(t.text, 1) for t in tokens)
    # Cells run together and fewer digits than cells (a table printed on one line with its blanks
    # dropped, 「1212」 for 12 | | | | | | 12): the blanks vanished too, or the row cannot be read at all.
    if not raw and complete and tokens and len(tokens) < n and not all(t.fixed for t in tokens):
        spaced = bordered = True
    # (a table that drops its blanks elsewhere may have dropped one beside digits that ran together too:
    # 「行政规范015性文件」 is 0 | 15 | ∅ as well as 0 | 1 | 5)
    if spaced and (bordered or vanishing) and len(tokens) < n and not all(t.fixed for t in tokens):
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
                cells.append(Token("", at.model_copy(update={"start": at.end, "end": at.end}), vanished=True))
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


def _label_end(row: AlignedRow) -> Optional[int]:
    """Where the printed label ends, when it stands in the same text as the values (not a table cell)."""
    if row.label_end is None or not row.values or row.values[0].atomic:
        return None
    return row.label_end


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
    guessed: bool = False  # its readings assume figures the text does not print (dropped repeats, vanished blanks)


def _settle(table: str, rows: list[_Row], rules, row_rule, out: Parsed, unit_of=lambda col: "件",
            spec_of=None) -> None:
    """Decide every row with its readings and the table's rules; store facts and unread cells."""
    cands: dict[str, list[Values]] = {}
    for r in rows:
        # several readings, or readings that assume what the text does not print: the row's own sum decides
        # (an original that does not add up is kept as printed only where every cell is printed)
        if row_rule is not None and (len(r.readings) > 1 or r.guessed):
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
            # every reading gives the cell the same figure (a vanished blank or a printed 0 beside it: 0):
            # the figure is certain even where the printed token it stands for is not
            if agree[c]:
                out.facts.append(_fact(table, spec, col, _certain(keep, c), r.printed, unit_of(col)))
            else:
                out.unread.append(Unread(
                    row_key=r.key, col_key=col.key, quote=r.quote, loc=r.loc,
                    reason=f"the printed figures 「{r.quote}」 fit {len(keep)} readings "
                           f"({shown}); nothing in the report decides between them"))
        if len(r.readings) > 1 and len(keep) == 1:
            out.split_rows.append(r.label)


def _certain(readings: list[list[Token]], c: int) -> Token:
    """The cell's token in the first reading; blank only when every reading has it blank."""
    tok = readings[0][c]
    if tok.blank and not all(x[c].blank for x in readings):
        printed = next(x[c] for x in readings if not x[c].blank)
        return Token(printed.text, tok.loc)
    return tok


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


def parse_table2(stream: list[Tok], format_version: str, narrative: str, repeats: bool = False, text: str = "") -> Parsed:
    out = Parsed()
    found: list[_Row] = []
    units, printed_units = {}, {}
    blocks = table2_blocks(format_version)
    specs = [spec for block in blocks for spec in block.rows]
    block_of = {spec.key: block for block in blocks for spec in block.rows}
    groups = [next(i for i, b in enumerate(blocks) if spec in b.rows) for spec in specs]
    aligned = align(stream, specs, groups)
    if not aligned.mode_known:
        aligned = _either_side(stream, specs, groups, None, None, repeats,
                               width=lambda key: len(block_of[key].columns), text=text)
    vanishing = _vanishing(list(aligned.rows.values()), lambda r: len(block_of[r.spec.key].columns))
    for spec in specs:
        block = block_of[spec.key]
        match = aligned.rows.get(spec.key)
        if match is None and aligned.ambiguous_side:
            found.append(_Row(spec.key, spec.label, "", block.columns, [],
                              "its label is printed, but the text does not tell whether its figures stand before or after it"))
            continue
        if match is None:
            continue
        if not match.values:
            if not _blank_row_allowed(aligned, max(len(b.columns) for b in blocks)):
                continue
            # a row printed with its label and no figure, in a table whose rows carry their own: blank (0)
            loc = match.label_loc or Location(start=0, end=0)
            blank = _blank_reading(loc, len(block.columns))
            for col in block.columns:
                units[(spec.key, col.key)] = col.unit or block.unit
            found.append(_Row(spec.key, spec.label, match.printed, block.columns, [blank], loc=match.label_loc))
            continue
        for col in block.columns:
            units[(spec.key, col.key)] = col.unit or block.unit
        signed = {i for i, c in enumerate(block.columns) if c.key == "本年增减"}
        readings, why = _readings(
            match.values, len(block.columns), label_end=_label_end(match), repeats=repeats, vanishing=vanishing,
            cell_ok=lambda c, text, signed=signed, dec=block.decimal: (not text[:1] or text[0] not in "+-" or c in signed)
            and ("." not in text or dec))
        for v in match.values:  # a unit printed with a figure (「3批」「160200元」) is that cell's
            if v.unit and v.loc:
                printed_units[(spec.key, v.loc.end)] = v.unit
        row = _Row(spec.key, spec.label, match.printed, block.columns, readings, why,
                   loc=match.values[0].loc, quote=_printed(match.values))
        if len(readings) > 1:
            row.readings = _t2_pin(row, spec, narrative, out)
        if match.how == "fuzzy":
            out.findings.append(Finding(kind="label_typo", message=f"row label printed as {match.printed!r}, read as {spec.label}",
                                        quote=match.printed, loc=match.label_loc))
        found.append(row)
    specs_by_key = {s.key: s for s in specs}
    _settle("二", found, [], None, out, spec_of=lambda r: specs_by_key[r.key])
    for f in out.facts:
        # the unit printed after the row's last figure (「…5419886元」) is that cell's, whatever the column says
        f.unit = printed_units.get((f.row_key, f.loc.end if f.loc else None)) or units.get((f.row_key, f.col_key), f.unit)
    if not found:
        out.result = TableResult(table="二", parsed=False, reason="no rows of table 二 found")
        return out
    _summarise("二", out, len(specs))
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

def _t3_rules(specs: tuple[RowSpec, ...]) -> list:
    keys = [s.key for s in specs]
    detail = [k for k in keys if k not in ("新收", "上年结转", "总计", "结转下年度")]
    rules = []
    for c in range(len(T3_COLUMNS)):
        rules.append([("新收", c, 1), ("上年结转", c, 1), ("总计", c, -1), ("结转下年度", c, -1)])
        rules.append([(k, c, 1) for k in detail] + [("总计", c, -1)])
    return rules


def _on_one_line(al, text: str) -> int:
    """How many rows print their label on the line of their figures (a row per line says which side)."""
    if not text:
        return 0
    ok = 0
    for row in al.rows.values():
        if not row.values or row.label_loc is None:
            continue
        a, b = ((row.label_loc.end, row.values[0].loc.start) if not al.label_after
                else (row.values[-1].loc.end, row.label_loc.start))
        ok += a <= b and "\n" not in text[a:b]
    return ok


def _consistency(rows: list[_Row], rules, row_rule) -> int:
    """How many things the table's arithmetic refuses in these rows: rows printing figures of which no
    reading adds up, and rules no reading satisfies."""
    cands: dict[str, list[Values]] = {}
    refused = 0
    for r in rows:
        readings = r.readings
        if row_rule is not None and (len(readings) > 1 or r.guessed):
            readings = [x for x in readings if row_rule(_vals(x))]
        if readings:
            cands[r.key] = [_vals(x) for x in readings]
        elif r.quote:
            refused += 1
    return refused + len(solve.refused_rules(cands, rules))


def _either_side(stream, specs, groups, row_rule, n, repeats, width=None, text: str = "", judge=None):
    """The text does not tell whether its labels stand before or after their figures (no figure before
    the first label, none after the last): align both ways. Where a row's own arithmetic (its total the
    sum of its parts) holds for more rows one way, that way; otherwise the rows the two ways read
    differently are left out — unread — and only the rows both ways agree on are kept."""
    before = align(stream, specs, groups, labels_after=False)
    after = align(stream, specs, groups, labels_after=True)
    if row_rule is not None:
        def fits(al) -> int:
            ok = 0
            for row in al.rows.values():
                readings, _ = _readings(row.values, n, repeats=repeats) if row.values else ([], "")
                ok += any(row_rule(_vals(x)) and any(v != 0 for v in _vals(x)) for x in readings)
            return ok
        fb, fa = fits(before), fits(after)
        if fb != fa:
            return before if fb > fa else after
    if judge is not None:
        # the table's arithmetic (its columns balance, its totals sum their parts) holds one way only
        rb, ra = judge(before), judge(after)
        if rb == 0 and ra > 0:
            return before
        if ra == 0 and rb > 0:
            return after
    # the lines say it where each row's label shares its line with its figures one way far more than the other
    lb, la = _on_one_line(before, text), _on_one_line(after, text)
    if max(lb, la) >= 2 and max(lb, la) >= 2 * min(lb, la) + 1:
        return before if lb > la else after
    for key in list(before.rows):
        other = after.rows.get(key)
        mine = before.rows[key]
        if other is None or [t.loc.start for t in other.values] != [t.loc.start for t in mine.values]:
            del before.rows[key]
    before.ambiguous_side = True
    return before


def _blank_reading(label: Location, n: int) -> list[Token]:
    """The one reading of a row printed with its label and no figure: n blank cells, at the label's end."""
    return [Token("", label.model_copy(update={"start": label.end, "end": label.end})) for _ in range(n)]


def _blank_row_allowed(aligned, n: int) -> bool:
    """A label printed with no figure is a row of blanks only when no other row holds more figures than
    it has cells (else its figures may stand with another label)."""
    return all(len(r.values) <= n for r in aligned.rows.values())


def parse_table3(stream: list[Tok], repeats: bool = False, text: str = "") -> Parsed:
    out = Parsed()
    # （六）其他处理 as one row (2019 format, some 2021 reports) or as its three rows: the layout whose
    # labels the text prints
    options = [(table3_rows(single), align(stream, table3_rows(single))) for single in (False, True)]
    specs, aligned = max(options, key=lambda o: o[1].score)
    if not aligned.mode_known:
        row_rule = lambda vals: sum(vals[:6]) == vals[6]  # noqa: E731
        aligned = _either_side(stream, specs, None, row_rule, len(T3_COLUMNS), repeats, text=text,
                               judge=lambda al: _consistency(_t3_rows(al, specs, repeats, Parsed(), text), _t3_rules(specs), row_rule))
    if not any(t.kind == "value" for t in stream) and len(aligned.rows) < len(specs) // 2:
        # (no figure, and too few of its row labels for a table printed with every blank dropped)
        out.result = TableResult(table="三", parsed=False, reason="no rows of table 三 found")
        return out
    ncol = len(T3_COLUMNS)
    found = _t3_rows(aligned, specs, repeats, out, text)
    placed = [spec.label for spec in specs if spec.key in aligned.rows and aligned.rows[spec.key].how == "position"]
    if placed:
        out.findings.append(Finding(
            kind="layout",
            message=f"table 三: {len(placed)} rows carry no label beside their numbers (a converted PDF breaks "
                    f"labels from values); they were placed by their order between labelled rows: "
                    + "、".join(placed[:6]) + ("…" if len(placed) > 6 else "")))
    if aligned.lost_runs:
        out.findings.append(Finding(kind="unparsed", message=f"table 三: {aligned.lost_runs} rows of figures without labels could not be placed; the rows they may belong to are left unread"))
    _settle("三", found, _t3_rules(specs), lambda v: sum(v[:6]) == v[6], out)
    _summarise("三", out, len(specs))
    return out


def _line_cells(row: AlignedRow, text: str, n: int) -> Optional[list[Token]]:
    """A row printed one cell per line, its empty cells as empty lines (「13⏎⏎⏎⏎⏎⏎13」): where the lines
    after its label, up to the next line that is not a figure, are exactly its n cells — each figure on
    a line of its own — the lines place them, and each empty line is a blank cell."""
    if not text or row.label_end is None or not row.values or any(not t.atomic and " " in t.text for t in row.values):
        return None
    nl = text.find("\n", row.label_end)
    if nl < 0 or text[row.label_end:nl].strip(SPACE):
        return None  # figures on the label's own line
    cells: list[Token] = []
    values = iter(row.values)
    want = next(values, None)
    pos = nl + 1
    while pos <= len(text) and len(cells) <= n:
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        body = line.strip(SPACE)
        if not body:
            if want is None and len(cells) == n:
                break
            cells.append(Token("", Location(start=pos, end=pos)))
        elif want is not None and want.loc.start >= pos and want.loc.end <= end and body == want.text:
            cells.append(want)
            want = next(values, None)
        else:
            break
        pos = end + 1
    if want is not None or len(cells) != n:
        return None
    return cells


def _t3_rows(aligned, specs, repeats: bool, out: Parsed, text: str = "") -> list[_Row]:
    """Table 三's rows as aligned, each with its readings (findings about them into `out`)."""
    ncol = len(T3_COLUMNS)
    found: list[_Row] = []
    blanks_ok = _blank_row_allowed(aligned, ncol)
    for spec in specs:
        row = aligned.rows.get(spec.key)
        if row is None:
            why = ("its label is printed, but the text does not tell whether its figures stand before or after it"
                   if aligned.ambiguous_side else "row not found in the document" if not aligned.lost_runs
                   else "row not found; some rows without labels could not be placed")
            found.append(_Row(spec.key, spec.label, "", T3_COLUMNS, [], why))
            continue
        if not row.values:
            if not blanks_ok:
                found.append(_Row(spec.key, spec.label, row.printed, T3_COLUMNS, [],
                                  "its label is printed without figures and other rows hold more figures than cells",
                                  loc=row.label_loc, quote=row.printed))
                continue
            # a row printed with its label and no figures at all, in a table whose rows carry their own
            # figures: every cell is blank, and blank is 0 in this format
            loc = row.label_loc or Location(start=0, end=0)
            blank = _blank_reading(loc, len(T3_COLUMNS))
            found.append(_Row(spec.key, spec.label, row.printed, T3_COLUMNS, [blank], loc=row.label_loc))
            out.findings.append(Finding(kind="layout", quote=row.printed, loc=row.label_loc,
                                        message=f"table 三: row 「{row.printed}」 is printed without figures; its cells are read as blank (0)"))
            continue
        readings, why = _readings(row.values, ncol, label_end=_label_end(row), repeats=repeats,
                                  vanishing=_vanishing(list(aligned.rows.values()), lambda r: ncol))
        if len(readings) > 1 and not aligned.label_after:
            by_lines = _line_cells(row, text, ncol)
            if by_lines is not None and any(_vals(x) == _vals(by_lines) for x in readings):
                readings = [by_lines]
        found.append(_Row(spec.key, spec.label, row.printed, T3_COLUMNS, readings, why,
                          loc=row.values[0].loc, quote=_printed(row.values),
                          guessed=repeats or any(t.vanished for x in readings for t in x)))
        if row.how == "fuzzy":
            out.findings.append(Finding(kind="label_typo", message=f"row label printed as {row.printed!r}, read as {spec.label}", quote=row.printed, loc=row.label_loc))
    return found


# ---- table 四 -------------------------------------------------------------

def _t4_prefix_ok(texts: list[str]) -> bool:
    n = len(texts)
    if n % 5 or n == 0:
        return True
    v = [Decimal(0) if t in BLANK_MARKS else Decimal(t) for t in texts[n - 5:]]
    return sum(v[:4]) == v[4]


def parse_table4(stream: list[Tok], repeats: bool = False) -> Parsed:
    out = Parsed()
    tokens: list[Token] = []
    for t in stream:
        if t.kind == "label" and tokens and re.search(r"[。；]", t.text):
            break  # the narrative after the table
        if t.kind == "value":
            tokens.append(t.token)
    cells = [(g, r) for g in T4_GROUPS for r in T4_RESULTS]
    heads = "".join(normalize_label(t.text) for t in stream if t.kind == "label")
    if not tokens and all(w in heads for w in ("结果维持", "结果纠正", "尚未审结")):
        # its header printed and no figure at all (every blank dropped): 15 blank cells, 0 each
        at = next(t.loc for t in reversed(stream) if t.kind == "label")
        for group in T4_GROUPS:
            for result in T4_RESULTS:
                out.facts.append(_fact("四", (group.key, group.label), result,
                                       Token("", at.model_copy(update={"start": at.end, "end": at.end})), ""))
        out.findings.append(Finding(kind="layout", message="table 四 prints its header and no figure: every cell read as blank (0)"))
        _summarise("四", out, 3)
        return out
    if not tokens:
        out.result = TableResult(table="四", parsed=False, reason="no figures of table 四 found")
        return out
    tokens = fit_values(tokens, 15)
    texts = [t.text for t in tokens]
    quote = " ".join(texts)
    readings, why0 = _readings(tokens, 15, repeats=repeats)
    if len(readings) > 1 or (readings and (repeats or any(t.vanished for x in readings for t in x))):
        # several ways to cut the digits (or to place a vanished empty cell), or a reading that assumes
        # cells the text does not print: the group totals decide
        several = len(readings) > 1
        readings = [x for x in readings if all(sum(_vals(x)[i:i + 4]) == _vals(x)[i + 4] for i in (0, 5, 10))]
        if len(readings) == 1 and several:
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
            if len(readings) == 1 or (len(readings) > 1 and agree[c]):
                out.facts.append(_fact("四", (group.key, group.label), result, _certain(readings, c), ""))
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
