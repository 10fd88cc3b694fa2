"""How well a report's tables were read, in one line: ✓ when every table 二/三/四 was read whole (or
found blank), ⚠ when a table or some of its cells were left unread — what the ingest line, the upload
result and the library all show.

    >>> r = Reading(report.tables)          # doctest: +SKIP
    >>> r.mark, r.english(), r.chinese()    # doctest: +SKIP
    ('⚠', 'tables 三四 read, 二 in part (3 cells left unread)', '表三、表四已读出；表二部分读出（3格未读出）')
"""
from __future__ import annotations

from dataclasses import dataclass

TABLES = ("二", "三", "四")


@dataclass
class Reading:
    tables: list  # ingest.models.TableResult, as read or as stored

    def _by_state(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"read": [], "empty": [], "part": [], "unread": [], "missing": []}
        seen = {t.table: t for t in self.tables}
        for name in TABLES:
            t = seen.get(name)
            if t is None or (not t.parsed and not t.fact_count and not t.unread and "not found" in t.reason):
                out["missing"].append(name)
            elif t.empty and not t.unread:
                out["empty"].append(name)
            elif t.parsed:
                out["read"].append(name)
            elif t.fact_count:
                out["part"].append(name)
            else:
                out["unread"].append(name)
        return out

    @property
    def ok(self) -> bool:
        """Every table read whole, or found with every cell blank."""
        s = self._by_state()
        return not (s["part"] or s["unread"] or s["missing"])

    @property
    def mark(self) -> str:
        return "✓" if self.ok else "⚠"

    @property
    def unread(self) -> list[tuple[str, object]]:
        """(table, Unread) for every row or cell left unread, with its reason."""
        return [(t.table, u) for t in self.tables for u in t.unread]

    def counts(self) -> tuple[int, int]:
        """(cells, whole rows) left unread."""
        cells = sum(1 for _, u in self.unread if u.col_key)
        return cells, len(self.unread) - cells

    def english(self) -> str:
        s = self._by_state()
        parts = []
        if s["read"]:
            parts.append(f"tables {''.join(s['read'])} read")
        if s["empty"]:
            parts.append(f"{''.join(s['empty'])} blank")
        if s["part"]:
            parts.append(f"{''.join(s['part'])} in part")
        if s["unread"]:
            parts.append(f"{''.join(s['unread'])} not read")
        if s["missing"]:
            parts.append(f"{''.join(s['missing'])} not found")
        text = ", ".join(parts) or "no tables"
        if not s["read"] and text.startswith(("二", "三", "四")):
            text = "tables " + text
        cells, rows = self.counts()
        left = [f"{cells} cell{'s' if cells != 1 else ''}" if cells else "",
                f"{rows} row{'s' if rows != 1 else ''}" if rows else ""]
        left = [x for x in left if x]
        return text + (f" ({' and '.join(left)} left unread)" if left else "")

    def chinese(self) -> str:
        s = self._by_state()
        names = lambda ts: "、".join(f"表{t}" for t in ts)  # noqa: E731
        parts = []
        if s["read"]:
            parts.append(f"{names(s['read'])}已读出")
        if s["empty"]:
            parts.append(f"{names(s['empty'])}为空白表")
        if s["part"]:
            parts.append(f"{names(s['part'])}部分读出")
        if s["unread"]:
            parts.append(f"{names(s['unread'])}未能读出")
        if s["missing"]:
            parts.append(f"未找到{names(s['missing'])}")
        cells, rows = self.counts()
        left = "、".join(x for x in (f"{cells}格" if cells else "", f"{rows}行" if rows else "") if x)
        return "；".join(parts) + (f"（{left}未读出）" if left else "")
