"""The arithmetic the tables promise (勾稽关系), and the narrative held against the tables.

Checks are findings, not failures: a report that does not add up is still stored,
with every failed rule and the numbers it involved.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable

from .layout import T3_COLUMNS, T4_GROUPS, T4_RESULTS, table3_rows
from .models import Check, Fact, Finding, Location

_HEAD = ("新收", "上年结转", "总计", "结转下年度")


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral() else str(d)


def _key(f: Fact) -> tuple[str, str, str]:
    return (f.table, f.row_key, f.col_key)


def _sum_check(rule: str, description: str, total: Fact, parts: list[Fact]) -> Check:
    actual = sum((p.value for p in parts), Decimal(0))
    terms = " + ".join(f"{p.row_label if p.table == '三' and p.col_key == total.col_key else p.col_label} {_fmt(p.value)}" for p in parts)
    return Check(
        rule=rule, description=description, passed=actual == total.value,
        expected=total.value, actual=actual, cells=[_key(f) for f in (total, *parts)],
        detail=f"{terms} = {_fmt(actual)}；原表{total.col_label if total.table == '四' else total.row_label}：{_fmt(total.value)}{'（空白）' if total.blank else ''}",
    )


def arithmetic_checks(facts: Iterable[Fact]) -> list[Check]:
    """Every rule of REPORT_FORMAT.md whose cells were read."""
    cell = {(f.table, f.row_key, f.col_key): f for f in facts}
    checks: list[Check] = []
    t3_rows = [k for (t, k, c) in cell if t == "三" and c == "总计"]
    if t3_rows:
        single = "其他处理" in t3_rows
        detail_keys = [r.key for r in table3_rows(single) if r.key not in _HEAD]
        for col in T3_COLUMNS:
            got = [cell.get(("三", k, col.key)) for k in _HEAD]
            if all(got):
                new, carried, total, forward = got
                left, right = new.value + carried.value, total.value + forward.value
                checks.append(Check(
                    rule=f"三:收支平衡:{col.key}",
                    description=f"{col.label}列：一 + 二 = （七）总计 + 四",
                    passed=left == right, expected=left, actual=right, cells=[_key(f) for f in got],
                    detail=f"新收 {_fmt(new.value)} + 上年结转 {_fmt(carried.value)} = {_fmt(left)}；"
                           f"总计 {_fmt(total.value)} + 结转下年度 {_fmt(forward.value)}{'（空白）' if forward.blank else ''} = {_fmt(right)}",
                ))
            parts = [cell.get(("三", k, col.key)) for k in detail_keys]
            total = cell.get(("三", "总计", col.key))
            if total and all(parts):
                checks.append(_sum_check(f"三:办理结果合计:{col.key}", f"{col.label}列：（七）总计 = （一）至（六）各项之和", total, parts))
        for row_key in t3_rows:
            parts = [cell.get(("三", row_key, c.key)) for c in T3_COLUMNS[:-1]]
            total = cell[("三", row_key, "总计")]
            if all(parts):
                checks.append(_sum_check(f"三:行合计:{row_key}", f"{total.row_label}：总计 = 各类申请人之和", total, parts))
    for group in T4_GROUPS:
        parts = [cell.get(("四", group.key, r.key)) for r in T4_RESULTS[:-1]]
        total = cell.get(("四", group.key, "总计"))
        if total and all(parts):
            checks.append(_sum_check(f"四:合计:{group.key}", f"{group.label}：总计 = 维持 + 纠正 + 其他 + 尚未审结", total, parts))
    return checks


# ---- sanity -------------------------------------------------------------------

# The largest count a cell of each table plausibly holds: table 二's decisions reach millions in a big
# city (行政许可 517645, 行政处罚 1325160); applications and appeals are counted in thousands at most.
PLAUSIBLE_MAX = {"二": Decimal(10) ** 8, "三": Decimal(10) ** 5, "四": Decimal(10) ** 4}


def sanity_findings(facts: Iterable[Fact]) -> list[Finding]:
    """A negative count (only 本年增/减 may be negative) or a value far outside the format's range."""
    out = []
    for f in facts:
        what = f"{f.table}/{f.row_label}/{f.col_label} = {_fmt(f.value)}"
        if f.value < 0 and f.col_key != "本年增减":
            out.append(Finding(kind="layout", quote=f.source_text, loc=f.loc,
                               message=f"a negative count: {what} (only 本年增/减 can be negative); shown as printed"))
        elif f.value > PLAUSIBLE_MAX[f.table]:
            out.append(Finding(kind="layout", quote=f.source_text, loc=f.loc,
                               message=f"a value far outside this table's range: {what}; shown as printed, check the source"))
    return out


# ---- narrative against table ---------------------------------------------



def _sentence_at(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(ch, 0, pos) for ch in "。；！？\n") + 1
    ends = [i for i in (text.find(ch, pos) for ch in "。；！？\n") if i != -1]
    end = min(ends) + 1 if ends else len(text)
    return start, end


_NUM = r"(\d+)\s*"
# (what the narrative says, the pattern, the readings of the table that may agree with it)
_CLAIMS = [
    ("applications", re.compile(r"(?:受理|收到|办理|接收)[^。；，,\d]{0,14}?(?:政府信息公开|依申请公开|信息公开)[^。；，,\d]{0,8}?" + _NUM + r"件")),
    ("applications", re.compile(r"(?:政府信息公开|依申请公开)申请[^。；，,\d]{0,6}?" + _NUM + r"件")),
    ("applications_actual", re.compile(r"实际受理[^。；，,\d]{0,6}?" + _NUM + r"件")),
    ("reconsideration", re.compile(r"行政复议(?:案件|申请)?(?:共|合计)?[^。；，,\d行]{0,4}?" + _NUM + r"(?:件|起)")),
    ("litigation", re.compile(r"行政诉讼(?:案件)?(?:共|合计)?(?:数为)?[^。；，,\d行]{0,4}?" + _NUM + r"(?:件|起)")),
]


def _readings(kind: str, cell: dict) -> list[tuple[str, Decimal]]:
    def v(t, r, c):
        f = cell.get((t, r, c))
        return f.value if f else None

    out = []
    if kind in ("applications", "applications_actual"):
        new, carried, total = v("三", "新收", "总计"), v("三", "上年结转", "总计"), v("三", "总计", "总计")
        if new is not None:
            out.append(("本年新收", new))
        if new is not None and carried is not None and carried:
            out.append(("本年新收 + 上年结转", new + carried))
        if total is not None:
            out.append(("本年度办理结果总计", total))
    elif kind == "reconsideration":
        t = v("四", "行政复议", "总计")
        if t is not None:
            out.append(("行政复议总计", t))
    elif kind == "litigation":
        a, b = v("四", "行政诉讼_直接起诉", "总计"), v("四", "行政诉讼_复议后起诉", "总计")
        if a is not None and b is not None:
            out.append(("未经复议直接起诉总计 + 复议后起诉总计", a + b))
    return out


def narrative_findings(text: str, narrative_spans: list[tuple[int, int]], facts: Iterable[Fact]) -> list[Finding]:
    """Figures the narrative states for things a table also counts, compared with the table."""
    cell = {(f.table, f.row_key, f.col_key): f for f in facts}
    findings: list[Finding] = []
    seen = set()
    for a, b in narrative_spans:
        chunk = text[a:b]
        for kind, rx in _CLAIMS:
            for m in rx.finditer(chunk):
                pos = a + m.start(1)
                if (kind, pos) in seen:
                    continue
                seen.add((kind, pos))
                stated = Decimal(m.group(1))
                readings = _readings(kind, cell)
                if not readings:
                    continue
                s, e = _sentence_at(text, pos)
                quote = text[s:e].strip()
                s = text.index(quote, s) if quote else s
                e = s + len(quote)
                loc = Location(start=s, end=e)
                agree = [name for name, val in readings if val == stated]
                table_says = "; ".join(f"{name} {_fmt(val)}" for name, val in readings)
                if agree:
                    findings.append(Finding(
                        kind="narrative_agreement", quote=quote, loc=loc,
                        message=f"the narrative's {m.group(0).strip()} agrees with the table read as {agree[0]} ({_fmt(stated)})"))
                else:
                    findings.append(Finding(
                        kind="narrative_mismatch", quote=quote, loc=loc,
                        message=f"the narrative says {m.group(0).strip()} ({_fmt(stated)}), the table says {table_says}: 「{quote}」"))
    return findings
