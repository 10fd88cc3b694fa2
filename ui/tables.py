"""Tables 二, 三 and 四 of a report as read, laid out as the national format prints them: full row labels
under their group headings (三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密), every cell with its figure,
a blank, or the reason it was left unread, and the failed checks beside the figures they are about.
What `disclosure-qa check` prints and the library's report page shows.

    >>> for row in table_view(report, "三").rows:            # doctest: +SKIP
    ...     print(row.depth, row.label, [c.text for c in row.cells])
    0 一、本年新收政府信息公开申请数量 ['56', '0', '0', '0', '0', '0', '56']
    0 三、本年度办理结果 []
    1 （一）予以公开 ['12', '·', …]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ingest.layout import T3_COLUMNS, T3_GROUP_LABELS, T3_GROUPS, T4_GROUPS, T4_RESULTS, table2_blocks, table3_rows

RESULTS_HEADING = "三、本年度办理结果"  # the format's heading over rows （一） to （七）
UNREAD, BLANK = "?", "·"


@dataclass
class CellView:
    fact: object = None  # the Fact read, or None
    unread: str = ""  # why it was left unread ("" when read, or when nothing at all was read here)
    failed: list = field(default_factory=list)  # failed checks whose total this cell is

    @property
    def text(self) -> str:
        if self.fact is None:
            return UNREAD
        return BLANK if self.fact.blank else format(Decimal(self.fact.value), "f")


@dataclass
class RowView:
    label: str  # the format's label, in full
    cells: list[CellView] = field(default_factory=list)  # empty for a heading
    depth: int = 0  # 1 under a group heading, 2 under a sub-group
    columns: list[str] = field(default_factory=list)  # a heading of table 二: the columns of its block
    printed: str = ""  # the label as this report printed it, when it differs

    @property
    def heading(self) -> bool:
        return not self.cells


@dataclass
class TableView:
    table: str
    columns: list[str]  # the columns of every row (table 二: each block names its own)
    rows: list[RowView]
    failed: list  # the table's failed checks
    unread_rows: list = field(default_factory=list)  # Unread of whole rows (no cell to mark)


def _failed_by_cell(checks) -> dict[tuple, list]:
    """Failed checks by the cell holding the total they compare (三:行合计:新收 → 新收 × 总计)."""
    out: dict[tuple, list] = {}
    for c in checks:
        if c.passed:
            continue
        table, kind, key = (c.rule.split(":") + ["", ""])[:3]
        if table == "三" and kind == "行合计":
            cell = ("三", key, "总计")
        elif table == "三" and kind in ("收支平衡", "办理结果合计"):
            cell = ("三", "总计", key)
        elif table == "四":
            cell = ("四", key, "总计")
        else:
            continue
        out.setdefault(cell, []).append(c)
    return out


def table_view(report, table: str) -> TableView:
    """One table of a report (an ingest Report, or one rebuilt from the store) as the format lays it out."""
    facts = {(f.row_key, f.col_key): f for f in report.facts if f.table == table}
    result = next((t for t in report.tables if t.table == table), None)
    unread = {(u.row_key, u.col_key): u.reason for u in (result.unread if result else [])}
    failed = _failed_by_cell(report.checks)

    def cell(row_key: str, col_key: str) -> CellView:
        f = facts.get((row_key, col_key))
        why = "" if f is not None else unread.get((row_key, col_key)) or unread.get((row_key, ""), "")
        return CellView(f, why, failed.get((table, row_key, col_key), []))

    def printed(row_key: str, label: str) -> str:
        p = next((f.printed_row_label for (r, _), f in facts.items() if r == row_key and f.printed_row_label), "")
        return p if p and p.replace(" ", "") != label.replace(" ", "") else ""

    rows: list[RowView] = []
    if table == "二":
        columns: list[str] = []
        for block in table2_blocks(report.format_version or ""):
            rows.append(RowView(block.label, columns=[c.label for c in block.columns]))
            for r in block.rows:
                rows.append(RowView(r.label, [cell(r.key, c.key) for c in block.columns], 1, printed=printed(r.key, r.label)))
    elif table == "三":
        columns = [c.label for c in T3_COLUMNS]
        single = ("其他处理", "总计") in facts or report.format_version == "2019"
        starts = {keys[0]: label for group, keys in T3_GROUPS.items() for label in [T3_GROUP_LABELS[group]]}
        depth = 0
        for r in table3_rows(single):
            if r.key == "予以公开":
                rows.append(RowView(RESULTS_HEADING))
                depth = 1
            if r.key in starts and not (single and r.key.startswith("其他处理")):
                rows.append(RowView(starts[r.key], depth=1))
                depth = 2
            elif r.number.startswith("（") or r.key in ("结转下年度",):
                depth = 0 if r.key == "结转下年度" else 1
            rows.append(RowView(r.label, [cell(r.key, c.key) for c in T3_COLUMNS], depth, printed=printed(r.key, r.label)))
    else:
        columns = [c.label for c in T4_RESULTS]
        for g in T4_GROUPS:
            rows.append(RowView(g.label, [cell(g.key, c.key) for c in T4_RESULTS]))
    whole_rows = [u for u in (result.unread if result else []) if not u.col_key]
    return TableView(table, columns, rows, [c for c in report.checks if not c.passed and c.rule.startswith(table + ":")],
                     whole_rows)
