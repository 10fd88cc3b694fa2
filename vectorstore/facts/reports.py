"""Reports: adding one whole (or a second file of one already stored), replacing, deleting, loading."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Literal, Optional

from pydantic import TypeAdapter

from ingest.metadata import META_RES, METADATA_WORDS
from ingest.models import Check, Chunk, Finding, Report, Section, TableResult

from . import rows as R
from .db import Database

AddResult = Literal["added", "replaced", "unchanged", "merged", "re-read"]

# how the finding a second file leaves on the report kept begins (see _add_source)
ALSO_PUBLISHED = "also published as "


def source_lines(keep: Report, other: Report) -> list[Finding]:
    """What the other file of a report prints about the report itself and the file kept does not (a portal
    page's 发布机构 or 发布时间 line above the report's text): each line kept as a finding, its quote the
    line, so a question about it is answered from the file that prints it."""
    out = []
    for kind in ("publisher", "published", "period"):
        if META_RES[kind].search(keep.text):
            continue
        for m in list(META_RES[kind].finditer(other.text))[:1]:
            out.append(Finding(kind="source_line", quote=m.group(0).strip(),
                               message=f"{Path(other.path).name}: {METADATA_WORDS[kind]}"))
    return out

# Characters stripped from agency names before comparing them; includes the
# full-width space that Chinese documents often pad titles with.
WHITESPACE = " \t\r\n\u3000\u00a0"

_SECTIONS = TypeAdapter(list[Section])
_TABLES = TypeAdapter(list[TableResult])


def load_checks(db: Database, report_id: str) -> list[Check]:
    return [
        Check(rule=r.rule, description=r.description, passed=bool(r.passed), expected=R.decimal_or_none(r.expected),
              actual=R.decimal_or_none(r.actual), detail=r.detail)
        for r in db.rows("SELECT * FROM checks WHERE report_id = ? ORDER BY id", (report_id,))
    ]


def load_findings(db: Database, report_id: str) -> list[Finding]:
    return [
        Finding(kind=r.kind, message=r.message, quote=r.quote, loc=None if r.loc_start is None else R.location_from_row(r))
        for r in db.rows("SELECT * FROM findings WHERE report_id = ? ORDER BY id", (report_id,))
    ]


def keep_original(db: Database, content_id: str, file_name: str, kind: str, content: bytes) -> None:
    """Keep a file's bytes under its content hash (once: the same bytes are the same file)."""
    db.run("INSERT INTO originals (content_id, file_name, kind, size, content, added_at) VALUES (?, ?, ?, ?, ?, ?)"
           " ON CONFLICT (content_id) DO NOTHING", (content_id, file_name, kind, len(content), content, R.now_text()))


def drop_orphan_originals(db: Database) -> None:
    """Forget the files no stored report or source is read from any more (a replaced version, a removed report)."""
    db.run("DELETE FROM originals WHERE content_id NOT IN (SELECT report_id FROM reports)"
           " AND content_id NOT IN (SELECT source_id FROM sources)")


def load_report(db: Database, report_id: str) -> Optional[Report]:
    """A stored report rebuilt whole, in the caller's transaction (or none)."""
    row = db.one("SELECT * FROM reports WHERE report_id = ?", (report_id,))
    if row is None:
        return None
    facts = db.rows("SELECT * FROM facts WHERE report_id = ? ORDER BY id", (report_id,))
    ocr_pages = json.loads(row.ocr_pages)
    facts = [R.fact_from_row(f) for f in facts]
    for f in facts:  # a figure on a page OCR read is a recognised one
        if f.loc is not None and f.loc.page in ocr_pages:
            f.loc = f.loc.model_copy(update={"ocr": True})
    return Report(
        report_id=row.report_id, path=row.path, kind=row.kind, agency=row.agency, agency_key=row.agency_key,
        agency_aliases=json.loads(row.agency_aliases), year=row.year, published=row.published,
        format_version=row.format_version, period=row.period, text=row.text,
        sections=_SECTIONS.validate_json(row.sections), tables=_TABLES.validate_json(row.tables),
        facts=facts, checks=load_checks(db, report_id),
        narrative_figures=R.narrative_from_rows(
            db.rows("SELECT * FROM narrative_facts WHERE report_id = ? ORDER BY id", (report_id,))),
        findings=load_findings(db, report_id), page_starts=json.loads(row.page_starts),
        reader_version=row.reader_version, ocr_pages=ocr_pages,
    )


class ReportsMixin:
    db: Database

    # ---- writing --------------------------------------------------------
    def add_report(self, report: Report, chunks: Optional[list[Chunk]] = None, original: Optional[bytes] = None,
                   reread: bool = False) -> AddResult:
        """Store a report with its facts, narrative figures, checks, findings and narrative chunks, in one
        transaction.

        `chunks` defaults to `ingest.chunking.chunk_report(report)`; pass [] to store none. `original`: the
        bytes of the file it was read from, kept in `originals` (downloaded from the library, read again by
        `reread`). `reread=True`: a stored report read again by the same reader replaces its stored reading
        whole too (a re-read asked for, e.g. from the library).

        Returns "unchanged" when this exact content (report_id) is already stored, read by this
        reader (`report.reader_version`) or a newer one; "re-read" when it is stored as read by an
        older reader (the new reading takes its place whole); "replaced" when it takes the place of
        an older version (same file name, or same agency and year), "merged" when it is another file
        of a stored report, and "added" otherwise. If anything fails midway, the database is left
        exactly as it was.

            >>> store.add_report(report), store.add_report(report)   # doctest: +SKIP
            ('added', 'unchanged')
        """
        if self.is_current(report) and not reread:
            return "unchanged"
        if chunks is None:
            from ingest.chunking import chunk_report

            chunks = chunk_report(report)
        foreign = [c.chunk_id for c in chunks if c.report_id != report.report_id]
        if foreign:
            raise ValueError(f"chunks of another report passed with report {report.report_id}: {foreign[:3]}")
        with self.db.write():
            # checked again now that we hold the write lock: another process may have stored it since
            if self.is_current(report) and not reread:
                return "unchanged"
            if original is not None:
                keep_original(self.db, report.report_id, Path(report.path).name, report.kind, original)
            if self.reader_version(report.report_id) is not None:
                status = self._reread(report, chunks)
                drop_orphan_originals(self.db)
                return status
            old_ids = self._older_versions(report)
            twin = self._same_report(report) if not old_ids else None
            status: AddResult = "replaced" if old_ids else "added"
            if twin is not None:
                status = self._add_source(report, chunks, twin)
            else:
                for old_id in old_ids:
                    self.db.run("DELETE FROM reports WHERE report_id = ?", (old_id,))
                R.insert_report(self.db, report)
                R.insert_chunks(self.db, chunks)
            drop_orphan_originals(self.db)
        return status

    def is_current(self, report: Report) -> bool:
        """Is this content stored, and not as read by an older reader than the one that read `report`?
        (Content stored as another file's source is current: its reading is not stored, only compared.)"""
        if not self.has_report(report.report_id):
            return False
        stored = self.reader_version(report.report_id)
        return stored is None or stored >= report.reader_version

    def _reread(self, report: Report, chunks: list[Chunk]) -> AddResult:
        """A stored report read again by a newer reader: like a changed file, the new reading replaces the
        stored one whole (facts, narrative figures, checks, findings, chunks), in the caller's transaction. The other files
        recorded as its sources stay recorded, with the comparison made when each was added (its
        findings are kept); their content is not stored, so there is nothing of theirs to read again."""
        db, rid = self.db, report.report_id
        moved = db.rows("SELECT * FROM sources WHERE report_id = ?", (rid,))
        compared = [f for f in load_findings(db, rid)
                    if f.kind in ("source_mismatch", "source_line")
                    or (f.kind == "layout" and f.message.startswith(ALSO_PUBLISHED))]
        for old_id in {rid, *self._older_versions(report)}:
            db.run("DELETE FROM reports WHERE report_id = ?", (old_id,))
        R.insert_report(db, report)
        R.insert_chunks(db, chunks)
        db.run_many("INSERT INTO sources (source_id, report_id, path, file_name, fact_count, agree, disagree,"
                    " added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ((r.source_id, rid, r.path, r.file_name, r.fact_count, r.agree, r.disagree, r.added_at)
                     for r in moved))
        R.insert_findings(db, rid, compared)
        return "re-read"

    def _same_report(self, report: Report) -> Optional[str]:
        """A stored report that is this report from another file (same agency identity and year)."""
        if not report.agency_key or report.year is None:
            return None
        row = self.db.one("SELECT report_id FROM reports WHERE agency_key = ? AND year = ? AND file_name <> ?",
                          (report.agency_key, report.year, Path(report.path).name))
        return row.report_id if row else None

    def _add_source(self, report: Report, chunks: list[Chunk], stored_id: str) -> AddResult:
        """A second file of a stored report: the fuller reading is kept, the other is recorded as its
        source; cells the two read differently become findings of the report kept."""
        db = self.db
        stored = load_report(db, stored_id)
        mine = {(f.table, f.row_key, f.col_key): f for f in report.facts}
        theirs = {(f.table, f.row_key, f.col_key): f for f in stored.facts}
        both = mine.keys() & theirs.keys()
        differ = sorted(k for k in both if mine[k].value != theirs[k].value)
        agree = len(both) - len(differ)
        keep, other = (report, stored) if len(mine) > len(theirs) else (stored, report)
        if keep is report:
            moved = db.rows("SELECT * FROM sources WHERE report_id = ?", (stored_id,))
            db.run("DELETE FROM reports WHERE report_id = ?", (stored_id,))
            R.insert_report(db, report)
            R.insert_chunks(db, chunks)
            db.run_many("INSERT INTO sources (source_id, report_id, path, file_name, fact_count, agree, disagree,"
                        " added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        ((r.source_id, report.report_id, r.path, r.file_name, r.fact_count, r.agree, r.disagree,
                          r.added_at) for r in moved))
        db.run("INSERT INTO sources (source_id, report_id, path, file_name, fact_count, agree, disagree, added_at)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET report_id = excluded.report_id,"
               " path = excluded.path, file_name = excluded.file_name, fact_count = excluded.fact_count,"
               " agree = excluded.agree, disagree = excluded.disagree, added_at = excluded.added_at",
               (other.report_id, keep.report_id, other.path, Path(other.path).name, len(other.facts), agree,
                len(differ), R.now_text()))
        findings = [Finding(
            kind="source_mismatch", quote=f"{R.decimal_text(mine[k].value)} / {R.decimal_text(theirs[k].value)}",
            loc=keep.fact(*k).loc,
            message=f"{Path(report.path).name} and {Path(stored.path).name} read {k[0]}/{mine[k].row_label}/"
                    f"{mine[k].col_label} differently: {R.decimal_text(mine[k].value)} and "
                    f"{R.decimal_text(theirs[k].value)}; the figure of {Path(keep.path).name} is kept") for k in differ]
        findings.append(Finding(
            kind="layout",
            message=f"{ALSO_PUBLISHED}{Path(other.path).name} ({len(other.facts)} cells read, {agree} agree, "
                    f"{len(differ)} differ); {Path(keep.path).name} is kept, it reads {len(keep.facts)} cells"))
        findings += source_lines(keep, other)
        R.insert_findings(db, keep.report_id, findings)
        return "merged"

    def _older_versions(self, report: Report) -> list[str]:
        """Stored reports the new one replaces: same file name, or same agency and year.

        An unknown agency or year matches nothing, so two reports that could not
        be identified never overwrite each other.
        """
        sql, params = "SELECT report_id FROM reports WHERE file_name = ?", [Path(report.path).name]
        if report.agency.strip(WHITESPACE) and report.year is not None:
            # the same agency and year from the same kind of file name: a corrected copy (another file
            # of the same report is a second source, see _same_report)
            sql += " OR (agency = ? AND year = ? AND agency_key = '')"
            params += [report.agency, report.year]
        return [r.report_id for r in self.db.rows(sql, params)]

    def delete_report(self, report_id: str) -> bool:
        """Remove a report and everything stored for it. True if it was there."""
        with self.db.write():
            cur = self.db.run("DELETE FROM reports WHERE report_id = ?", (report_id,))
            drop_orphan_originals(self.db)
        return cur.rowcount > 0

    # ---- reading --------------------------------------------------------
    def sources(self, report_id: str) -> list[dict]:
        """The other files of a stored report (same agency and year), with how their readings compared."""
        return [dict(r._mapping) for r in
                self.db.rows("SELECT * FROM sources WHERE report_id = ? ORDER BY added_at", (report_id,))]

    def has_report(self, report_id: str) -> bool:
        """Is this content stored, as a report or as another source of one?"""
        return self.db.one("SELECT 1 FROM reports WHERE report_id = ? UNION ALL SELECT 1 FROM sources WHERE source_id = ?",
                           (report_id, report_id)) is not None

    def reader_version(self, report_id: str) -> Optional[int]:
        """The version of the reader (ingest.models.READER_VERSION) that read this stored report; None
        when no report of this content is stored (a file stored only as another report's source: None)."""
        row = self.db.one("SELECT reader_version FROM reports WHERE report_id = ?", (report_id,))
        return None if row is None else row[0]

    def reports(self) -> list[dict]:
        """One dict per stored report, ordered by agency and year.

            >>> store.reports()[0]   # doctest: +SKIP
            {'report_id': '9f3c…', 'agency': '天津市滨海新区公安局', 'year': 2022,
             'path': 'data/天津市滨海新区公安局_2022.txt', 'file_name': '天津市滨海新区公安局_2022.txt',
             'format_version': '2021', 'fact_count': 480, 'failed_checks': 0}
        """
        return [dict(r._mapping) for r in self.db.rows(
            """
            SELECT r.report_id, r.agency, r.year, r.path, r.file_name, r.format_version,
                   (SELECT COUNT(*) FROM facts f WHERE f.report_id = r.report_id) AS fact_count,
                   (SELECT COUNT(*) FROM checks c WHERE c.report_id = r.report_id AND c.passed = 0)
                       AS failed_checks
            FROM reports r ORDER BY r.agency, r.year, r.file_name
            """)]

    def report_count(self) -> int:
        return self.db.one("SELECT COUNT(*) FROM reports")[0]

    def catalog(self) -> list[dict]:
        """What the assistant needs to know which report a question means: names, aliases, year.

        Cheap (no facts, no text), so it can be re-read whenever the store changes.
        """
        rows = self.db.tuples(
            "SELECT report_id, agency, agency_key, agency_aliases, year, file_name, ocr_pages FROM reports"
            " ORDER BY agency, year")
        return [{"report_id": rid, "agency": agency, "agency_key": key, "agency_aliases": json.loads(aliases or "[]"),
                 "year": year, "file_name": file_name, "ocr_pages": json.loads(ocr or "[]")}
                for rid, agency, key, aliases, year, file_name, ocr in rows]

    def report_facts(self, report_id: str) -> list[R.FactRecord]:
        """Every fact of one report, in the order ingest read them."""
        return [R.fact_record_from_row(r) for r in self.db.rows(
            "SELECT f.*, r.file_name FROM facts f JOIN reports r ON r.report_id = f.report_id "
            "WHERE f.report_id = ? ORDER BY f.id", (report_id,))]

    def report_cells(self, report_id: str) -> list[R.StoredCell]:
        """Every fact of one report as light read-only cells (the attributes of report_facts' records),
        in the order ingest read them: what the assistant looks a report up in."""
        return [R.stored_cell_from_row(t) for t in self.db.tuples(
            f"SELECT {R.STORED_CELL_COLUMNS} FROM facts f JOIN reports r ON r.report_id = f.report_id "
            "WHERE f.report_id = ? ORDER BY f.id", (report_id,))]

    def get_report(self, report_id: str) -> Optional[Report]:
        """The stored report rebuilt whole (facts, checks, findings), or None."""
        with self.db.snapshot():
            return load_report(self.db, report_id)

    def report_text(self, report_id: str) -> tuple[str, list[int]]:
        """A stored report's text and where its pages start, for quoting a line of it — without rebuilding
        the report (get_report reads every fact, check and finding too). ("", []) when none is stored."""
        row = self.db.one("SELECT text, page_starts FROM reports WHERE report_id = ?", (report_id,))
        if row is None:
            return "", []
        starts = row[1]
        return row[0], starts if isinstance(starts, list) else json.loads(starts or "[]")

    def report_names(self, report_ids: Iterable[str]) -> list[tuple[str, list[str], Optional[int]]]:
        """(agency, aliases, year) of each of these stored reports."""
        ids = list(dict.fromkeys(report_ids))
        if not ids:
            return []
        rows = self.db.tuples(f"SELECT agency, agency_aliases, year FROM reports WHERE report_id IN ({self.db.marks(len(ids))})", ids)
        return [(agency, json.loads(aliases or "[]"), year) for agency, aliases, year in rows]
