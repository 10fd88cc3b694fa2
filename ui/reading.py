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
# each state of a table, as the English and the Chinese lines say it ({} the tables in that state)
_SAID = (("read", "tables {} read", "{}已读出"), ("empty", "{} blank", "{}为空白表"), ("part", "{} in part", "{}部分读出"),
         ("unread", "{} not read", "{}未能读出"), ("missing", "{} not found", "未找到{}"))


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
        parts = [en.format("".join(s[state])) for state, en, _ in _SAID if s[state]]
        text = ", ".join(parts) or "no tables"
        if not s["read"] and text.startswith(TABLES):
            text = "tables " + text
        cells, rows = self.counts()
        left = [f"{cells} cell{'s' if cells != 1 else ''}" if cells else "",
                f"{rows} row{'s' if rows != 1 else ''}" if rows else ""]
        left = [x for x in left if x]
        return text + (f" ({' and '.join(left)} left unread)" if left else "")

    def chinese(self) -> str:
        s = self._by_state()
        parts = [zh.format("、".join(f"表{t}" for t in s[state])) for state, _, zh in _SAID if s[state]]
        cells, rows = self.counts()
        left = "、".join(x for x in (f"{cells}格" if cells else "", f"{rows}行" if rows else "") if x)
        return "；".join(parts) + (f"（{left}未读出）" if left else "")
