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
from typing import Optional

from . import digits
from .layout import (
    T3_COLUMNS, T4_GROUPS, T4_RESULTS, RowSpec, table2_blocks, table3_rows,
)
from .models import Fact, Finding, TableResult
from .rows import Token, ValueRow, normalize_label, strip_space


@dataclass
class Parsed:
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    result: Optional[TableResult] = None


def _value(token: Token) -> Decimal:
    return Decimal(0) if token.blank else Decimal(token.text.replace(",", ""))


def _fact(table, row: RowSpec | tuple[str, str], col, token: Token, printed: str, unit="件") -> Fact:
    row_key, row_label = (row.key, row.label) if isinstance(row, RowSpec) else row
    return Fact(
        table=table, row_key=row_key, col_key=col.key, row_label=row_label, col_label=col.label,
        printed_row_label=printed, value=_value(token), unit=unit, blank=token.blank,
        source_text=token.text, loc=token.loc,
    )


def _runs_to_tokens(tokens: list[Token], values: tuple[int, ...]) -> list[Token]:
    """Tokens for numbers cut out of one digit run, each located inside the run."""
    (run,) = tokens
    spans = digits.cut_positions(run.text, values)
    return [
        Token(str(v), run.loc.model_copy(update={"start": run.loc.start + a, "end": run.loc.start + b}))
        for v, (a, b) in zip(values, spans)
    ]


def _core(spec: RowSpec) -> str:
    label = spec.label
    if spec.number and label.startswith(spec.number):
        label = label[len(spec.number):]
    return normalize_label(label)


def _strip_numbering(label: str) -> str:
    return re.sub(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、])", "", label)


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
        # "3.其他" / "（七）总计": such short words occur inside other labels; ask for the whole label.
        core = cores[0]
        tail = _strip_numbering(norm.split("）")[-1] if norm.endswith(core) else norm)
        if _strip_numbering(norm) == core or tail == core or norm.endswith(normalize_label(spec.label)):
            return "exact"
        return None
    words = _words(norm)
    if any(_words(c) in words for c in cores):
        return "exact"
    core = _words(cores[0])
    # a typo: compare with the end of the printed label, where the item's own words are
    best = max(
        (SequenceMatcher(None, core, words[-n:]).ratio()
         for n in range(max(1, len(core) - 4), min(len(words), len(core) + 2) + 1)),
        default=0,
    )
    return "fuzzy" if best >= 0.8 else None


def fit_values(tokens: list[Token], n: int) -> list[Token]:
    """Drop empty cells a converter added around a row (a Markdown row with a trailing empty cell)."""
    tokens = list(tokens)
    while len(tokens) > n and tokens[-1].blank:
        tokens.pop()
    while len(tokens) > n and tokens[0].blank:
        tokens.pop(0)
    return tokens[-n:] if len(tokens) > n else tokens


# ---- table 二 -------------------------------------------------------------

# How a narrative states table 二's counts; {row} is the row's own words, so 规章 is never read for 规范性文件.
_T2_NARRATIVE = {
    "本年制发件数": r"(?:制发|新制发|印发|出台)[^。；，\d]{{0,10}}?{row}[^。；，\d]{{0,6}}?(\d+)\s*件",
    "现行有效件数": r"现行有效[^。；，\d]{{0,8}}?{row}[^。；，\d]{{0,6}}?(\d+)\s*件",
    "本年废止件数": r"废止[^。；，\d]{{0,10}}?{row}[^。；，\d]{{0,6}}?(\d+)\s*件",
}


def parse_table2(rows: list[ValueRow], format_version: str, narrative: str) -> Parsed:
    out = Parsed()
    seen: set[str] = set()
    problems = []
    for block in table2_blocks(format_version):
        for spec in block.rows:
            cores = [normalize_label(spec.label), *(normalize_label(a) for a in spec.aliases)]
            match = next((r for r in rows if any(_strip_numbering(normalize_label(r.label)).endswith(c) or normalize_label(r.label) == c for c in cores)), None)
            if match is None or spec.key in seen:
                continue
            seen.add(spec.key)
            unit = block.unit
            n = len(block.columns)
            tokens = fit_values(match.values, n)
            if len(tokens) < n:
                picked = _split_t2(tokens, block, narrative, out, spec)
                if picked is None:
                    problems.append(spec.label)
                    continue
                tokens = picked
            for col, tok in zip(block.columns, tokens):
                out.facts.append(_fact("二", spec, col, tok, match.label, col.unit or unit))
    found = bool(rows)
    empty = found and bool(out.facts) and all(f.blank for f in out.facts)
    reason = ("could not read: " + "、".join(problems)) if problems else ("" if out.facts else "no rows of table 二 found")
    out.result = TableResult(table="二", parsed=bool(out.facts) and not problems, empty=empty, reason=reason, fact_count=len(out.facts))
    return out


def _split_t2(tokens, block, narrative, out: Parsed, spec) -> Optional[list[Token]]:
    """A run of digits in table 二 has no arithmetic to split it: only the narrative can pin it down."""
    if len(tokens) != 1 or not tokens[0].digits_only:
        return None
    run = tokens[0].text
    options = list(digits.cuts(run, len(block.columns)))
    if len(options) == 1:
        return _runs_to_tokens(tokens, options[0])
    stated = {}
    row_words = "规范性文件" if "规范性文件" in spec.label else re.escape(spec.label)
    for col in block.columns:
        rx = _T2_NARRATIVE.get(col.key)
        m = re.search(rx.format(row=row_words), narrative) if rx else None
        if m:
            stated[col.key] = (int(m.group(1)), m.group(0))
    keys = [c.key for c in block.columns]
    fitting = [o for o in options if all(o[keys.index(k)] == v for k, (v, _) in stated.items())] if stated else []
    said = "；".join(f"「{q}」" for _, q in stated.values())
    if stated and len(fitting) == 1:
        out.findings.append(Finding(
            kind="layout",
            message=f"{spec.label}: the digits {run} run together; read as {'/'.join(map(str, fitting[0]))} because the narrative states {said}",
            quote=run, loc=tokens[0].loc))
        return _runs_to_tokens(tokens, fitting[0])
    why = (f"the narrative states {said}, which no reading of the digits fits" if stated and not fitting
           else f"{len(options)} readings are possible and nothing in the report decides between them")
    out.findings.append(Finding(
        kind="unparsed", message=f"{spec.label}: the cells run together as {run}; {why} — left unread", quote=run, loc=tokens[0].loc))
    return None


# ---- table 三 -------------------------------------------------------------

def _align(rows: list[ValueRow], specs: tuple[RowSpec, ...]) -> tuple[Optional[list[tuple[RowSpec, ValueRow, str]]], str]:
    """Assign value rows to canonical rows in order; labels anchor, unlabeled rows fill the gaps."""
    out, cursor = [], 0
    for vr in rows:
        if cursor >= len(specs):
            return None, f"more value rows than the {len(specs)} rows of the format"
        if vr.label:
            hit = None
            for j in range(cursor, len(specs)):
                kind = match_kind(vr.label, specs[j])
                if kind:
                    hit = (j, kind)
                    break
            if hit is None:
                if len(vr.values) >= 6 and any(not t.blank for t in vr.values) and not _is_group_label(vr.label):
                    return None, f"a row labelled {vr.label!r} matches no remaining row"
                continue  # a heading or a subtotal row the format does not have
            j, kind = hit
            if j != cursor:
                return None, f"{vr.label!r} found where {specs[cursor].label!r} was expected"
            out.append((specs[j], vr, kind))
        else:
            out.append((specs[cursor], vr, "position"))
        cursor += 1
    if cursor != len(specs):
        return None, f"{cursor} rows read for the {len(specs)} rows of the format"
    return out, ""


def _is_group_label(label: str) -> bool:
    norm = _strip_numbering(normalize_label(label))
    return norm in {"不予公开", "无法提供", "不予处理", "其他处理", "本年度办理结果"} or norm.endswith("小计") or norm.endswith("合计")


def _t3_rows(rows: list[ValueRow]) -> list[ValueRow]:
    """Value rows that can be rows of table 三: labelled, or carrying a full row of values."""
    keep = []
    for vr in rows:
        if vr.label or len(vr.values) >= 6:
            keep.append(vr)
    return keep


def parse_table3(rows: list[ValueRow]) -> Parsed:
    out = Parsed()
    candidates = _t3_rows(rows)
    reasons = []
    aligned = None
    for single in (False, True):
        aligned, why = _align(candidates, table3_rows(single))
        if aligned:
            break
        reasons.append(("（六）其他处理 as one row: " if single else "") + why)
    if not aligned:
        out.result = TableResult(table="三", parsed=False, reason="; ".join(reasons) or "no rows of table 三 found")
        out.findings.append(Finding(kind="unparsed", message="table 三 left unread: " + out.result.reason))
        return out
    ncol = len(T3_COLUMNS)
    full, runs = {}, {}
    for spec, vr, kind in aligned:
        vals = fit_values(vr.values, ncol)
        if len(vals) == ncol:
            full[spec.key] = vals
        elif len(vals) == 1 and vals[0].digits_only:
            runs[spec.key] = vals
        else:
            out.result = TableResult(table="三", parsed=False,
                                     reason=f"row {spec.label} has {len(vals)} values where {ncol} are printed")
            out.findings.append(Finding(kind="unparsed", message="table 三 left unread: " + out.result.reason, loc=vr.label_loc))
            return out
        if kind == "fuzzy":
            out.findings.append(Finding(kind="label_typo", message=f"row label printed as {vr.label!r}, read as {spec.label}", quote=vr.label, loc=vr.label_loc))
    placed = [spec.label for spec, _, kind in aligned if kind == "position"]
    if placed:
        out.findings.append(Finding(
            kind="layout",
            message=f"table 三: {len(placed)} rows carry no label beside their numbers (a converted PDF breaks "
                    f"labels from values); they were placed by their order between labelled rows: "
                    + "、".join(placed[:6]) + ("…" if len(placed) > 6 else "")))
    if runs:
        solved = _solve_t3(full, runs, [s for s, _, _ in aligned])
        if isinstance(solved, str):
            out.result = TableResult(table="三", parsed=False, reason=solved)
            out.findings.append(Finding(kind="unparsed", message="table 三 left unread: " + solved))
            return out
        full.update(solved)
        out.findings.append(Finding(kind="layout", message=f"table 三: the digits of {len(runs)} rows ran together; each was split the only way the table's arithmetic allows"))
    for spec, vr, kind in aligned:
        for col, tok in zip(T3_COLUMNS, full[spec.key]):
            out.facts.append(_fact("三", spec, col, tok, vr.label))
    empty = all(f.blank for f in out.facts)
    out.result = TableResult(table="三", parsed=True, empty=empty, fact_count=len(out.facts))
    return out


def _solve_t3(full: dict, runs: dict, specs: list[RowSpec]):
    known = {k: tuple(int(_value(t)) for t in v) for k, v in full.items()}
    keys = list(runs)
    cands = []
    for k in keys:
        c = digits.row_candidates(runs[k][0].text, 7, lambda v: sum(v[:6]) == v[6])
        if not c:
            return f"the digits {runs[k][0].text} of row {k} cannot be cut into 7 cells whose 总计 is their sum"
        cands.append(c)
    detail = [s.key for s in specs if s.key not in ("新收", "上年结转", "总计", "结转下年度")]

    def table_ok(choice):
        v = dict(known)
        v.update(zip(keys, choice))
        for c in range(7):
            if v["新收"][c] + v["上年结转"][c] != v["总计"][c] + v["结转下年度"][c]:
                return False
            if sum(v[k][c] for k in detail) != v["总计"][c]:
                return False
        return True

    found = digits.solve(cands, table_ok)
    if not found:
        return "the digits run together and no split satisfies the table's arithmetic (or too many do to search)"
    if len(found) > 1:
        differ = [k for i, k in enumerate(keys) if found[0][i] != found[1][i]]
        return f"the digits run together and more than one split satisfies the arithmetic (rows {', '.join(differ)})"
    return {k: _runs_to_tokens(runs[k], vals) for k, vals in zip(keys, found[0])}


# ---- table 四 -------------------------------------------------------------

def parse_table4(rows: list[ValueRow]) -> Parsed:
    out = Parsed()
    tokens: list[Token] = []
    for vr in rows:
        if vr.has_number or (not vr.label and vr.values):
            tokens.extend(vr.values)
        if len(tokens) >= 15:
            break
    cells = [(g, r) for g in T4_GROUPS for r in T4_RESULTS]
    if len(tokens) < 15 and tokens and all(t.digits_only for t in tokens):
        run = "".join(t.text for t in tokens)
        if len(tokens) == 1:
            cands = digits.row_candidates(run, 15, lambda v: all(sum(v[i:i + 4]) == v[i + 4] for i in (0, 5, 10)))
            if len(cands) == 1:
                tokens = _runs_to_tokens(tokens, cands[0])
                out.findings.append(Finding(kind="layout", message=f"table 四: the digits ran together as {run}; split the only way its totals allow", quote=run))
            else:
                why = "no split makes each 总计 the sum of its results" if not cands else f"{len(cands)} splits satisfy its totals"
                out.result = TableResult(table="四", parsed=False, reason=f"the digits ran together as {run}; {why}")
                out.findings.append(Finding(kind="unparsed", message="table 四 left unread: " + out.result.reason, quote=run, loc=tokens[0].loc))
                return out
    if len(tokens) != 15:
        out.result = TableResult(table="四", parsed=False, reason=f"found {len(tokens)} values where 15 are printed")
        if rows:
            out.findings.append(Finding(kind="unparsed", message="table 四 left unread: " + out.result.reason))
        return out
    for (group, result), tok in zip(cells, tokens):
        out.facts.append(_fact("四", (group.key, group.label), result, tok, ""))
    empty = all(f.blank for f in out.facts)
    out.result = TableResult(table="四", parsed=True, empty=empty, fact_count=len(out.facts))
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
