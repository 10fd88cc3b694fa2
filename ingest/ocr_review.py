"""Hold figures read by OCR against the tables' arithmetic: what it rejects is unread, never corrected.

A misread figure shows where the arithmetic fails. In table 三 every cell is added up twice (its
row's 总计, its column's total or balance), so a cell whose every rule fails is the one misread,
while the other cells of those rules each pass a rule of their own. A figure that OCR read with
doubt (a letter it confuses with a digit, low confidence: `ingest.ocr`) must pass a rule to stand.

    >>> kept, unread, findings = review(facts, checks, suspects=[(120, 123)])  # doctest: +SKIP

Figures from a text layer are never touched; a table-二 figure from OCR, which no rule adds up,
stays, marked ocr like every other.
"""
from __future__ import annotations

from .models import Check, Fact, Finding, TableResult, Unread


def _fmt(f: Fact) -> str:
    return format(f.value.normalize(), "f") if f.value == f.value.to_integral() else str(f.value)


def review(facts: list[Fact], checks: list[Check], suspects: list[tuple[int, int]]
           ) -> tuple[list[Fact], list[tuple[str, Unread]], list[Finding]]:
    """The facts that stand, the (table, Unread) of each OCR figure rejected, and a finding for each."""
    passed: dict[tuple, list[Check]] = {}
    failed: dict[tuple, list[Check]] = {}
    for c in checks:
        for key in c.cells:
            (passed if c.passed else failed).setdefault(key, []).append(c)
    kept: list[Fact] = []
    unread: list[tuple[str, Unread]] = []
    findings: list[Finding] = []
    for f in facts:
        key = (f.table, f.row_key, f.col_key)
        if not f.loc.ocr:
            kept.append(f)
            continue
        doubted = any(a < f.loc.end and f.loc.start < b for a, b in suspects)
        if key in failed and key not in passed:
            rules = "; ".join(f"{c.description} ({c.detail})" for c in failed[key][:2])
            reason = f"read by OCR as 「{f.source_text}」, which the table's arithmetic rejects: {rules}"
        elif doubted and key not in passed:
            reason = (f"read by OCR as 「{f.source_text}」 with doubt (a suspected misread, see the OCR finding) "
                      "and no rule of the table's arithmetic confirms it")
        else:
            kept.append(f)
            continue
        unread.append((f.table, Unread(row_key=f.row_key, col_key=f.col_key, reason=reason,
                                       quote=f.source_text, loc=f.loc)))
        findings.append(Finding(kind="ocr", quote=f.source_text, loc=f.loc,
                                message=f"table {f.table}, {f.row_label} · {f.col_label}: {reason} — left unread"))
    return kept, unread, findings


def apply(tables: list[TableResult], unread: list[tuple[str, Unread]]) -> None:
    """Record the rejected cells in their tables' results."""
    for t in tables:
        mine = [u for table, u in unread if table == t.table]
        if not mine:
            continue
        t.unread.extend(mine)
        t.fact_count -= len(mine)
        t.parsed = False
        why = f"{len(mine)} figure(s) read by OCR rejected by the table's arithmetic"
        t.reason = f"{t.reason}; {why}" if t.reason else why
