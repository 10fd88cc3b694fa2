"""Figures from the facts store: single cells, sums, shares, differences and rankings.

Every figure carries the cells it came from, so the answer can cite each one and
show the formula. Nothing here writes a number that is not a stored cell or
arithmetic on stored cells.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from ingest.layout import T3_COLUMNS, T4_RESULTS
from vectorstore.facts import FactRecord

from .metrics import Metric
from .models import Missing, Value
from .intent import ReportEntry

Cells = dict[tuple[str, str, str], FactRecord]
PCT = Decimal("0.01")  # shares and rates are rounded half-up to a hundredth of a percent


def fmt(v: Decimal) -> str:
    """A value as printed: no exponent, no trailing zeros added or lost."""
    return format(v, "f")


def column_label(table: str, col: str) -> str:
    for spec in (*T3_COLUMNS, *T4_RESULTS):
        if spec.key == col:
            return spec.label
    return col


def _rows_for(metric: Metric, cells: Cells, col: str) -> Optional[list[str]]:
    rows = list(metric.rows)
    if all((metric.table, r, col) in cells for r in rows):
        return rows
    if metric.fallback_rows and all((metric.table, r, col) in cells for r in metric.fallback_rows):
        return list(metric.fallback_rows)
    return None


# The same column under the other format's name: a 2019 trial-format report counts 本年新制作数量 where
# a 2021 report counts 本年制发件数, and 处理决定数量 where it counts 本年处理决定数量.
SAME_COLUMN = {
    "本年制发件数": "本年新制作数量", "本年新制作数量": "本年制发件数",
    "现行有效件数": "对外公开总数量", "对外公开总数量": "现行有效件数",
    "本年处理决定数量": "处理决定数量", "处理决定数量": "本年处理决定数量",
}


def cell_value(entry: ReportEntry, cells: Cells, metric: Metric, col: str) -> Value | Missing:
    """One cell, or the sum over a group of rows (不予公开 = its 8 reasons; 诉讼 = 直接起诉 + 复议后起诉)."""
    rows = _rows_for(metric, cells, col)
    if rows is None and metric.table == "二" and col in SAME_COLUMN:
        other = SAME_COLUMN[col]
        rows = _rows_for(metric, cells, other)
        if rows is not None:
            col = other
            facts = [cells[(metric.table, r, col)] for r in rows]
            label = f"{metric.label}（{facts[0].col_label}）"
            if len(facts) == 1:
                return Value(entry, label, facts[0].value, facts, facts[0].unit)
    if rows is None:
        return Missing(entry, f"表{metric.table}中“{metric.label}”一项未能从原文读出")
    facts = [cells[(metric.table, r, col)] for r in rows]
    label = metric.label + ("" if col in ("总计", metric.col) else f"（{column_label(metric.table, col)}）")
    if len(facts) == 1:
        f = facts[0]
        return Value(entry, label, f.value, facts, f.unit)
    total = sum((f.value for f in facts), Decimal(0))
    formula = " + ".join(f"{_term(f)} {fmt(f.value)}" for f in facts) + f" = {fmt(total)}"
    return Value(entry, label, total, facts, facts[0].unit, formula)


def _term(f: FactRecord) -> str:
    return f.row_label if f.table != "四" else f"{f.row_label}{f.col_label}"


_T3_TOTAL = Metric("总计", "本年度办理结果总计", "三", ("总计",), "总计")


def share_terms(metric: Metric, col: Optional[str]) -> Optional[tuple[tuple[Metric, str], tuple[Metric, str], str]]:
    """What a share divides: (part metric, column), (whole metric, column) and how it is named; None
    when the measure has no whole to be a share of."""
    if metric.table == "三" and metric.key in ("新收", "上年结转", "结转下年度", "总计") and col and col != "总计":
        return (metric, col), (metric, "总计"), f"{column_label('三', col)}在{metric.label}中的占比"
    if metric.table == "三":
        c = col or "总计"
        return (metric, c), (_T3_TOTAL, c), "公开率" if metric.key == "公开" else f"{metric.label}占本年度办理结果的比例"
    if metric.table == "四" and col and col != "总计":
        return (metric, col), (metric, "总计"), f"{metric.label}中{column_label('四', col)}的比例"
    return None


def share(entry: ReportEntry, cells: Cells, metric: Metric, col: Optional[str]) -> Value | Missing:
    """part ÷ whole × 100, rounded half-up to two decimals, with the formula."""
    terms = share_terms(metric, col)
    if terms is None:
        return Missing(entry, "这一项没有可以计算比例的分母")
    (pm, pc), (wm, wc), label = terms
    part, whole = cell_value(entry, cells, pm, pc), cell_value(entry, cells, wm, wc)
    for v in (part, whole):
        if isinstance(v, Missing):
            return v
    if whole.value == 0:
        return Missing(entry, f"{whole.label}为0，无法计算比例")
    pct = (part.value / whole.value * 100).quantize(PCT, rounding=ROUND_HALF_UP)
    # a summed part is shown with its own total (「（四）无法提供 10（4 + 6 + 0）÷ …」): a figure of its own
    part_expr = (f"{part.label} {fmt(part.value)}（{part.formula.rsplit(' = ', 1)[0]}）" if part.formula
                 else f"{part.label} {fmt(part.value)}")
    formula = f"{part_expr} ÷ {whole.label} {fmt(whole.value)} × 100% = {fmt(pct)}%"
    return Value(entry, label, pct, part.cells + whole.cells, "%", formula,
                 steps=[v for v in (part, whole) if v.computed])


def _sides(later: Value, earlier: Value, sides: Optional[tuple[str, str]]) -> tuple[str, str]:
    """How the two sides of a comparison are named: their years, unless named otherwise (two columns)."""
    return sides or (f"{later.entry.year}年", f"{earlier.entry.year}年")


def difference(later: Value, earlier: Value, sides: Optional[tuple[str, str]] = None) -> Value:
    """later − earlier: two years of one row, or (`sides`) two columns of one report."""
    ln, en = _sides(later, earlier, sides)
    diff = later.value - earlier.value
    sign = "+" if diff > 0 else ""
    formula = f"{ln} {fmt(later.value)} − {en} {fmt(earlier.value)} = {sign}{fmt(diff)}"
    what = f"{later.label}变化（{earlier.entry.year}→{later.entry.year}年）" if sides is None else f"{ln}与{en}之差"
    return Value(later.entry, what, diff, earlier.cells + later.cells, later.unit, formula, sides=(ln, en))


def growth(later: Value, earlier: Value, sides: Optional[tuple[str, str]] = None) -> Optional[Value]:
    """The growth rate between two years: (later − earlier) ÷ earlier × 100 %, half-up to 0.01 %; None over 0."""
    if earlier.value == 0:
        return None
    ln, en = _sides(later, earlier, sides)
    pct = ((later.value - earlier.value) / earlier.value * 100).quantize(PCT, rounding=ROUND_HALF_UP)
    formula = f"({ln} {fmt(later.value)} − {en} {fmt(earlier.value)}) ÷ {en} {fmt(earlier.value)} × 100% = {fmt(pct)}%"
    what = f"{later.label}增长率（{earlier.entry.year}→{later.entry.year}年）" if sides is None else f"{ln}比{en}多出的比例"
    return Value(later.entry, what, pct, earlier.cells + later.cells, "%", formula, sides=(ln, en))


def ratio(later: Value, earlier: Value, sides: Optional[tuple[str, str]] = None) -> Optional[Value]:
    """How many times the earlier figure the later one is: later ÷ earlier, half-up to 0.01; None over 0."""
    if earlier.value == 0:
        return None
    ln, en = _sides(later, earlier, sides)
    times = (later.value / earlier.value).quantize(PCT, rounding=ROUND_HALF_UP)
    formula = f"{ln} {fmt(later.value)} ÷ {en} {fmt(earlier.value)} = {fmt(times)}倍"
    return Value(later.entry, f"{later.label}倍数（{ln}÷{en}）" if sides is None else f"{ln}与{en}的倍数", times,
                 earlier.cells + later.cells, "倍", formula, sides=(ln, en))


def blank_total_parts(v: Value, cells: Cells) -> list[Value]:
    """A 总计 cell left blank while its row has figures (上海市科委 结转下年度): add up the row, formula shown."""
    if v.computed or len(v.cells) != 1:
        return []
    f = v.cells[0]
    if not (f.blank and f.table == "三" and f.col_key == "总计"):
        return []
    parts = [cells.get(("三", f.row_key, c.key)) for c in T3_COLUMNS[:-1]]
    if not all(parts):
        return []
    total = sum((p.value for p in parts), Decimal(0))
    if total == 0:
        return []
    formula = " + ".join(f"{p.col_label} {fmt(p.value)}" for p in parts) + f" = {fmt(total)}"
    return [Value(v.entry, f"{f.row_label}（原表总计栏为空，各类申请人相加）", total, parts, f.unit, formula)]


def total_over_years(values: list[Value]) -> Value:
    """The sum of one figure over several reports (某县2022—2024年一共…)."""
    total = sum((v.value for v in values), Decimal(0))
    cells = [c for v in values for c in v.cells]
    if len({v.entry.agency for v in values}) > 1:
        # over several agencies (「某区公安分局和某县政府…加起来」): each term names its report
        formula = " + ".join(f"{v.entry.agency}{v.entry.year}年 {fmt(v.value)}" for v in values) + f" = {fmt(total)}"
        names = "与".join(f"{v.entry.agency}{v.entry.year}年" for v in values)
        return Value(values[-1].entry, f"{names}的{values[0].label}合计", total, cells, values[0].unit, formula)
    values = sorted(values, key=lambda v: v.entry.year or 0)
    formula = " + ".join(f"{v.entry.year}年 {fmt(v.value)}" for v in values) + f" = {fmt(total)}"
    ys = [v.entry.year for v in values]
    # (a run of years is a range, 2022—2024年; years apart are listed, 2019、2023年)
    run = all(isinstance(y, int) for y in ys) and ys == list(range(ys[0], ys[0] + len(ys)))
    years = f"{ys[0]}—{ys[-1]}年" if run and len(ys) > 2 else "、".join(map(str, ys)) + "年"
    return Value(values[-1].entry, f"{years}{values[0].label}合计", total, cells, values[0].unit, formula)


def total_over_columns(values: list[Value], labels: list[str]) -> Value:
    """One row summed over several applicant columns (「企业、科研机构、公益组织、律所和其他组织全加起来」)."""
    total = sum((v.value for v in values), Decimal(0))
    formula = " + ".join(f"{label} {fmt(v.value)}" for v, label in zip(values, labels)) + f" = {fmt(total)}"
    row = values[0].cells[0].row_label if values[0].cells else values[0].label
    return Value(values[0].entry, f"{row}（{'、'.join(labels)}合计）", total, [c for v in values for c in v.cells],
                 values[0].unit, formula)


def pct_text(v: Value) -> str:
    return f"{fmt(v.value)}%" if v.unit == "%" else f"{fmt(v.value)}{'' if v.unit == '件' else ' '}{v.unit}"
