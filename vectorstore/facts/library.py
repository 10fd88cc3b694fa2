"""The library: every stored report with how well it was read, the files it was read from, and removal.

    >>> store.library()[0]["tables"][1].table, store.library()[0]["failed_checks"]   # doctest: +SKIP
    ('三', 0)
    >>> store.original(report_id)["file_name"]                                       # doctest: +SKIP
    '某市某区公安局_2022.txt'
    >>> store.remove_report(report_id)                                               # doctest: +SKIP
    {'report_id': '9f3c…', 'agency': '某市某区公安局', 'year': 2022, 'chunk_ids': [...], ...}
"""
from __future__ import annotations

import json
from typing import Optional

from pydantic import TypeAdapter

from ingest.models import TableResult

from .db import Database
from .reports import drop_orphan_originals

_TABLES = TypeAdapter(list[TableResult])


class LibraryMixin:
    db: Database

    def library(self) -> list[dict]:
        """One dict per stored report, ordered by agency and year: what the library lists.

        report_id, agency (as printed), agency_key (canonical identity), agency_aliases, year, published,
        period, format_version, kind, path, file_name, ingested_at, reader_version, tables (the
        TableResults: read, empty, or why not, with every cell left unread), fact_count, check_count,
        failed_checks, findings (not counting a narrative figure that agrees with its table),
        narrative_facts, passages, original (the file's bytes are kept) and sources (the other files of
        the report: file_name, path, fact_count, agree, disagree, added_at, original).
        """
        rows = self.db.rows(
            """
            SELECT r.report_id, r.agency, r.agency_key, r.agency_aliases, r.year, r.published, r.period,
                   r.format_version, r.kind, r.path, r.file_name, r.ingested_at, r.reader_version, r.tables,
                   (SELECT COUNT(*) FROM facts f WHERE f.report_id = r.report_id) AS fact_count,
                   (SELECT COUNT(*) FROM checks c WHERE c.report_id = r.report_id) AS check_count,
                   (SELECT COUNT(*) FROM checks c WHERE c.report_id = r.report_id AND c.passed = 0) AS failed_checks,
                   (SELECT COUNT(*) FROM findings g WHERE g.report_id = r.report_id
                        AND g.kind <> 'narrative_agreement') AS findings,
                   (SELECT COUNT(*) FROM narrative_facts n WHERE n.report_id = r.report_id) AS narrative_facts,
                   (SELECT COUNT(*) FROM chunks k WHERE k.report_id = r.report_id) AS passages,
                   (SELECT COUNT(*) FROM originals o WHERE o.content_id = r.report_id) AS original
            FROM reports r ORDER BY r.agency, r.year, r.file_name
            """)
        sources: dict[str, list[dict]] = {}
        for s in self.db.rows(
                "SELECT s.report_id, s.source_id, s.file_name, s.path, s.fact_count, s.agree, s.disagree, s.added_at,"
                " (SELECT COUNT(*) FROM originals o WHERE o.content_id = s.source_id) AS original"
                " FROM sources s ORDER BY s.added_at"):
            d = dict(s._mapping)
            d["original"] = bool(d["original"])
            sources.setdefault(d.pop("report_id"), []).append(d)
        out = []
        for r in rows:
            d = dict(r._mapping)
            d["agency_aliases"] = json.loads(d["agency_aliases"] or "[]")
            d["tables"] = _TABLES.validate_json(d["tables"] or "[]")
            d["original"] = bool(d["original"])
            d["sources"] = sources.get(d["report_id"], [])
            out.append(d)
        return out

    def library_entry(self, report_id: str) -> Optional[dict]:
        """The library's row of one report, or None."""
        return next((d for d in self.library() if d["report_id"] == report_id), None)

    def original(self, content_id: str) -> Optional[dict]:
        """A kept file (a report's, or another source's): file_name, kind, size, content (bytes), added_at."""
        row = self.db.one("SELECT file_name, kind, size, content, added_at FROM originals WHERE content_id = ?",
                          (content_id,))
        if row is None:
            return None
        d = dict(row._mapping)
        d["content"] = bytes(d["content"])
        return d

    def report_path(self, report_id: str) -> Optional[tuple[str, str, str]]:
        """(path, file_name, kind) a stored report was read from, or None."""
        row = self.db.one("SELECT path, file_name, kind FROM reports WHERE report_id = ?", (report_id,))
        return None if row is None else (row.path, row.file_name, row.kind)

    def remove_report(self, report_id: str) -> Optional[dict]:
        """Remove a stored report and everything kept for it, in one transaction: its facts, narrative
        facts, checks, findings, passages, other sources and the files it was read from. Returns what
        was removed (with `chunk_ids`, whose vectors the caller drops), or None when no such report."""
        with self.db.write():
            row = self.db.one("SELECT agency, year, file_name FROM reports WHERE report_id = ?", (report_id,))
            if row is None:
                return None
            counted = {name: self.db.one(f"SELECT COUNT(*) FROM {name} WHERE report_id = ?", (report_id,))[0]
                       for name in ("facts", "narrative_facts", "checks", "findings", "sources")}
            chunk_ids = [r[0] for r in self.db.tuples("SELECT chunk_id FROM chunks WHERE report_id = ?", (report_id,))]
            self.db.run("DELETE FROM reports WHERE report_id = ?", (report_id,))
            drop_orphan_originals(self.db)
        return {"report_id": report_id, "agency": row.agency, "year": row.year, "file_name": row.file_name,
                **counted, "passages": len(chunk_ids), "chunk_ids": chunk_ids}

    def find_reports(self, ref: str) -> list[str]:
        """The stored reports a person means by `ref`: a report id, a unique start of one (at least 6
        characters), or a file name (the report's or one of its sources')."""
        ref = ref.strip()
        if not ref:
            return []
        if self.db.one("SELECT 1 FROM reports WHERE report_id = ?", (ref,)):
            return [ref]
        found = [r[0] for r in self.db.tuples(
            "SELECT report_id FROM reports WHERE file_name = ? UNION SELECT report_id FROM sources WHERE file_name = ?",
            (ref, ref))]
        if not found and len(ref) >= 6 and all(c in "0123456789abcdef" for c in ref.lower()):
            found = [r[0] for r in self.db.tuples("SELECT report_id FROM reports WHERE report_id LIKE ?",
                                                  (ref.lower() + "%",))]
        return sorted(set(found))
