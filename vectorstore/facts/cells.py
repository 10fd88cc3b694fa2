"""Table cells, checks and findings as stored: what structured lookups read."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Iterable, Optional

from ingest.models import Check, Finding

from . import rows as R
from .db import Database
from .reports import WHITESPACE, load_checks, load_findings


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching itself anywhere (its % and _ escaped with \\)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class CellsMixin:
    db: Database

    def facts(
        self,
        agency: Optional[str] = None,
        year: Optional[int] = None,
        table: Optional[str] = None,
        row_key: Optional[str] = None,
        col_key: Optional[str] = None,
    ) -> list[R.FactRecord]:
        """Stored facts matching every filter given (None or "" = any).

        `agency` matches any part of the agency as printed, or one of its aliases exactly:

            >>> store.facts(agency="滨海新区公安局", year=2022, table="三",
            ...             row_key="新收", col_key="总计")   # doctest: +SKIP
            [FactRecord(table='三', row_key='新收', col_key='总计', value=Decimal('56'), ...)]
        """
        where, params = self._agency_filter(agency)
        for column, value in (("f.year", year), ("f.tbl", table), ("f.row_key", row_key), ("f.col_key", col_key)):
            if value is not None and value != "":
                where.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT f.*, r.file_name FROM facts f JOIN reports r ON r.report_id = f.report_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY f.agency, f.year, f.report_id, f.id"
        return [R.fact_record_from_row(r) for r in self.db.rows(sql, params)]

    def _agency_filter(self, agency: Optional[str], alias: str = "f") -> tuple[list[str], list]:
        """The WHERE terms (on `alias`.report_id) and parameters choosing the reports of `agency`."""
        where, params = [], []
        agency = (agency or "").strip(WHITESPACE)
        if agency:
            # matched on the reports table first, so the rows are then found through their report_id
            # index instead of a scan of every row; aliases are a JSON list of strings
            # (an alias is compared whole, after stripping: the LIKE only narrows which reports to look at)
            aliased = [rid for rid, aliases in self.db.tuples(
                "SELECT report_id, agency_aliases FROM reports WHERE agency_aliases LIKE ? ESCAPE '\\'", (_like(agency),))
                if any(a.strip(WHITESPACE) == agency for a in json.loads(aliases or "[]"))]
            where.append(f"{alias}.report_id IN (SELECT report_id FROM reports WHERE agency LIKE ? ESCAPE '\\'"
                         + (f" OR report_id IN ({self.db.marks(len(aliased))})" if aliased else "") + ")")
            params += [_like(agency), *aliased]
        return where, params

    def narrative_facts(self, agency: Optional[str] = None, year: Optional[int] = None,
                        report_id: Optional[str] = None) -> list[dict]:
        """The prose's figures stored (table narrative_facts) matching every filter given (None or "" = any),
        one dict each, in the order each report prints them: id, report_id, agency, year, file_name,
        measure, value (Decimal), unit, whole_id (the row id of the figure it is a part of, or None), part,
        heading, sentence_start, sentence_end, sentence (the text), start, end, page.

            >>> store.narrative_facts(agency="某区公安局", year=2022)[0]   # doctest: +SKIP
            {'measure': '转载涉及群众切身利益的规章文件', 'value': Decimal('3'), 'unit': '篇', 'whole_id': None, ...}
        """
        where, params = self._agency_filter(agency, "n")
        for column, value in (("n.year", year), ("n.report_id", report_id)):
            if value is not None and value != "":
                where.append(f"{column} = ?")
                params.append(value)
        sql = ("SELECT n.id, n.report_id, n.agency, n.year, r.file_name, n.measure, n.value, n.unit, n.whole_id,"
               " n.part, n.heading, n.sentence_start, n.sentence_end,"
               " SUBSTR(r.text, n.sentence_start + 1, n.sentence_end - n.sentence_start) AS sentence,"
               " n.loc_start AS start, n.loc_end AS end_, n.page"
               " FROM narrative_facts n JOIN reports r ON r.report_id = n.report_id")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY n.agency, n.year, n.report_id, n.id"
        out = []
        for r in self.db.rows(sql, params):
            d = dict(r._mapping)
            page = d.pop("page")
            d["end"], d["page"] = d.pop("end_"), page
            d["value"] = Decimal(d["value"])
            out.append(d)
        return out

    def checks(self, report_id: str) -> list[Check]:
        """The arithmetic checks stored for a report, in the order ingest ran them."""
        return load_checks(self.db, report_id)

    def findings(self, report_id: str) -> list[Finding]:
        """The findings stored for a report, in the order ingest made them."""
        return load_findings(self.db, report_id)

    def cell_values(self, table: str, row_keys: Iterable[str], col_keys: Iterable[str],
                    years: Optional[Iterable[int]] = None, report_ids: Optional[Iterable[str]] = None) -> list[tuple]:
        """(report_id, row_key, col_key, value, unit, blank) of these cells in every report (of these
        years, or these reports): what a ranking over thousands of reports compares, without building a
        record per cell (the labels, the same in every report, come with the full cells of the reports
        shown)."""
        rows, cols, ys = list(row_keys), list(col_keys), list(years or [])
        ids = list(report_ids) if report_ids is not None else None
        m = self.db.marks
        sql = ("SELECT report_id, row_key, col_key, value, unit, blank FROM facts WHERE tbl = ?"
               f" AND row_key IN ({m(len(rows))}) AND col_key IN ({m(len(cols))})")
        if ys:
            sql += f" AND year IN ({m(len(ys))})"
        if ids is None:
            return self.db.tuples(sql, [table, *rows, *cols, *ys])
        if self.db.sqlite:
            # a few reports: read through each report's own cells (SQLite would pick the cell index and
            # scan every report's; PostgreSQL's planner weighs both)
            sql = sql.replace("FROM facts", "FROM facts INDEXED BY facts_report", 1)
        out = []
        for i in range(0, len(ids), 500):  # a bounded number of parameters a statement
            part = ids[i:i + 500]
            out += self.db.tuples(sql + f" AND report_id IN ({m(len(part))})", [table, *rows, *cols, *ys, *part])
        return out

    def rank_sums(self, table: str, terms: list[tuple[tuple[str, ...], str]],
                  years: Optional[Iterable[int]] = None) -> dict[str, list[tuple[float, int]]]:
        """report_id → [(sum, count) for each term] for every report (of these years) holding any of
        the cells: for each term (rows, column) the sum of its cells as a float and how many of them
        the report holds. What a ranking over thousands of reports orders by, summed where the cells
        are (the covering index facts_cell_year, one statement a term); the figures shown are computed
        again, exactly, from their cells."""
        ys = list(years or [])
        m = self.db.marks
        out: dict[str, list[tuple[float, int]]] = {}
        for i, (rows, col) in enumerate(terms):
            sql = (f"SELECT report_id, SUM(CAST(value AS DOUBLE PRECISION)), COUNT(*) FROM facts WHERE tbl = ?"
                   f" AND row_key IN ({m(len(rows))}) AND col_key = ?")
            if ys:
                sql += f" AND year IN ({m(len(ys))})"
            for rid, total, n in self.db.tuples(sql + " GROUP BY report_id", [table, *rows, col, *ys]):
                out.setdefault(rid, [(0.0, 0)] * len(terms))[i] = (total or 0.0, n)
        return out
