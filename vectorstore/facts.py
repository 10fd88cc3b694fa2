"""The facts database: every stored report, its table cells, checks and findings, in SQLite.

The schema is meant to be opened and queried directly (see docs/SCHEMA.md):

    >>> store = FactStore.open_dir("~/.local/share/disclosure-qa")   # doctest: +SKIP
    >>> store.add_report(report)                                     # doctest: +SKIP
    'added'
    >>> [f.value for f in store.facts(agency="滨海新区公安局", year=2022, table="三",
    ...                               row_key="新收", col_key="总计")]  # doctest: +SKIP
    [Decimal('56')]
"""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator, Literal, Optional

from pydantic import TypeAdapter

from ingest.models import Check, Chunk, Fact, Finding, Location, Report, Section, TableResult

SCHEMA_VERSION = 4  # 2: chunks, meta, reports.page_starts; 3: chunks_fts (keyword search in SQLite);
# 4: reports.agency_key (canonical identity) and sources (other files of the same report)
FILE_NAME = "facts.sqlite"

# Characters stripped from agency names before comparing them; includes the
# full-width space that Chinese documents often pad titles with.
_WHITESPACE = " \t\r\n\u3000\u00a0"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    report_id      TEXT PRIMARY KEY,
    path           TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    agency         TEXT NOT NULL,
    agency_aliases TEXT NOT NULL DEFAULT '[]',
    year           INTEGER,
    published      TEXT,
    format_version TEXT,
    period         TEXT,
    text           TEXT NOT NULL,
    sections       TEXT NOT NULL DEFAULT '[]',
    tables         TEXT NOT NULL DEFAULT '[]',
    ingested_at    TEXT NOT NULL,
    page_starts    TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS reports_file_name ON reports(file_name);
CREATE INDEX IF NOT EXISTS reports_agency_year ON reports(agency, year);

CREATE TABLE IF NOT EXISTS facts (
    id                INTEGER PRIMARY KEY,
    report_id         TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
    agency            TEXT NOT NULL,
    year              INTEGER,
    tbl               TEXT NOT NULL CHECK (tbl IN ('二', '三', '四')),
    row_key           TEXT NOT NULL,
    col_key           TEXT NOT NULL,
    row_label         TEXT NOT NULL,
    col_label         TEXT NOT NULL,
    printed_row_label TEXT NOT NULL DEFAULT '',
    value             TEXT NOT NULL,
    unit              TEXT NOT NULL DEFAULT '件',
    blank             INTEGER NOT NULL DEFAULT 0 CHECK (blank IN (0, 1)),
    source_text       TEXT NOT NULL DEFAULT '',
    loc_start         INTEGER NOT NULL,
    loc_end           INTEGER NOT NULL,
    page              INTEGER,
    table_index       INTEGER,
    row_index         INTEGER,
    col_index         INTEGER
);
CREATE INDEX IF NOT EXISTS facts_agency_year ON facts(agency, year);
CREATE INDEX IF NOT EXISTS facts_report ON facts(report_id);
CREATE INDEX IF NOT EXISTS facts_cell ON facts(tbl, row_key, col_key);

CREATE TABLE IF NOT EXISTS checks (
    id          INTEGER PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
    rule        TEXT NOT NULL,
    description TEXT NOT NULL,
    passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
    expected    TEXT,
    actual      TEXT,
    detail      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_report ON checks(report_id);

CREATE TABLE IF NOT EXISTS findings (
    id          INTEGER PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    quote       TEXT NOT NULL DEFAULT '',
    loc_start   INTEGER,
    loc_end     INTEGER,
    page        INTEGER,
    table_index INTEGER,
    row_index   INTEGER,
    col_index   INTEGER
);
CREATE INDEX IF NOT EXISTS findings_report ON findings(report_id);

CREATE TABLE IF NOT EXISTS chunks (
    chunk_id  TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
    agency    TEXT NOT NULL,
    year      INTEGER,
    file_name TEXT NOT NULL,
    section   TEXT NOT NULL DEFAULT '',
    text      TEXT NOT NULL,
    loc_start INTEGER NOT NULL,
    loc_end   INTEGER NOT NULL,
    page      INTEGER,
    tokens    TEXT
);
CREATE INDEX IF NOT EXISTS chunks_report ON chunks(report_id);
CREATE INDEX IF NOT EXISTS chunks_year ON chunks(year);

CREATE TABLE IF NOT EXISTS sources (
    source_id  TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    fact_count INTEGER NOT NULL,
    agree      INTEGER NOT NULL,
    disagree   INTEGER NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_report ON sources(report_id);

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# Keyword search over the chunks' jieba tokens, kept by SQLite itself: FTS5 with the chunks table as its
# content, so the index costs no memory in the serving process and follows every insert, delete and update.
_FTS_SCHEMA = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(tokens, content='chunks', content_rowid='rowid', "
    "tokenize='unicode61')",
    """CREATE TRIGGER IF NOT EXISTS chunks_fts_insert AFTER INSERT ON chunks WHEN new.tokens IS NOT NULL BEGIN
        INSERT INTO chunks_fts(rowid, tokens) VALUES (new.rowid, new.tokens);
    END""",
    """CREATE TRIGGER IF NOT EXISTS chunks_fts_delete AFTER DELETE ON chunks WHEN old.tokens IS NOT NULL BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, tokens) VALUES ('delete', old.rowid, old.tokens);
    END""",
    """CREATE TRIGGER IF NOT EXISTS chunks_fts_update AFTER UPDATE OF tokens ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, tokens) SELECT 'delete', old.rowid, old.tokens WHERE old.tokens IS NOT NULL;
        INSERT INTO chunks_fts(rowid, tokens) SELECT new.rowid, new.tokens WHERE new.tokens IS NOT NULL;
    END""",
]

_SECTIONS = TypeAdapter(list[Section])
_TABLES = TypeAdapter(list[TableResult])

AddResult = Literal["added", "replaced", "unchanged", "merged"]


class FactRecord(Fact):
    """A stored fact together with the report it came from.

    >>> rec.report_id, rec.agency, rec.year, rec.table, rec.value   # doctest: +SKIP
    ('9f3c…', '天津市滨海新区公安局', 2022, '三', Decimal('56'))
    """

    report_id: str
    agency: str
    year: Optional[int] = None
    file_name: str


class SchemaVersionError(Exception):
    """The database was written by a newer version of disclosure-qa."""


class FactStore:
    """Reports, facts, checks and findings in one SQLite file.

        >>> with FactStore(tmp_path / "facts.sqlite") as store:     # doctest: +SKIP
        ...     store.add_report(report)
        ...     store.reports()
        'added'
        [{'report_id': ..., 'agency': ..., 'fact_count': 480, 'failed_checks': 0, ...}]

    Safe to share between threads of one process; other processes may open the
    same file at the same time (WAL mode).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        # isolation_level=None: we open transactions ourselves, so that one
        # report is always written by exactly one BEGIN … COMMIT.
        self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA busy_timeout = 10000")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._create_schema()

    @classmethod
    def open_dir(cls, store_dir: str | Path) -> "FactStore":
        """Open (creating if needed) `store_dir/facts.sqlite`.

        >>> FactStore.open_dir(tmp_path / "store").path.name   # doctest: +SKIP
        'facts.sqlite'
        """
        store_dir = Path(store_dir).expanduser()
        store_dir.mkdir(parents=True, exist_ok=True)
        return cls(store_dir / FILE_NAME)

    def _create_schema(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} has schema version {version}, but this version of disclosure-qa "
                f"only knows version {SCHEMA_VERSION}. Upgrade disclosure-qa or use another --store."
            )
        if version == SCHEMA_VERSION:
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                # read again under the write lock: another process may have just done this
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                if version == SCHEMA_VERSION:
                    self._conn.execute("COMMIT")
                    return
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
                columns = {r["name"] for r in self._conn.execute("PRAGMA table_info(reports)")}
                if "page_starts" not in columns:
                    self._conn.execute("ALTER TABLE reports ADD COLUMN page_starts TEXT NOT NULL DEFAULT '[]'")
                if "agency_key" not in columns:
                    self._conn.execute("ALTER TABLE reports ADD COLUMN agency_key TEXT NOT NULL DEFAULT ''")
                    from ingest.agency import identify

                    for rid, agency in self._conn.execute("SELECT report_id, agency FROM reports").fetchall():
                        self._conn.execute("UPDATE reports SET agency_key = ? WHERE report_id = ?",
                                           (identify(agency).key, rid))
                # every add looks for a stored copy of the same report (agency identity and year)
                self._conn.execute("CREATE INDEX IF NOT EXISTS reports_identity ON reports(agency_key, year)")
                for statement in _FTS_SCHEMA:
                    self._conn.execute(statement)
                if 0 < version < 3:
                    self._conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
                if version == 1:
                    # version 1 stored no chunks: cut them now from the stored text
                    from ingest.chunking import chunk_report

                    for (rid,) in self._conn.execute("SELECT report_id FROM reports").fetchall():
                        _insert_chunks(self._conn, chunk_report(self._load_report(rid)))
                self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    @contextmanager
    def _snapshot(self):
        """Several reads that see one consistent state, even while another process writes."""
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (disk full, I/O error);
        # a second ROLLBACK would then hide the real error.
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    # ---- lifecycle ------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "FactStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- writing --------------------------------------------------------
    def add_report(self, report: Report, chunks: Optional[list[Chunk]] = None) -> AddResult:
        """Store a report with its facts, checks, findings and narrative chunks, in one transaction.

        `chunks` defaults to `ingest.chunking.chunk_report(report)`; pass [] to store none.

        Returns "unchanged" when this exact content (report_id) is already stored,
        "replaced" when it takes the place of an older version (same file name, or
        same agency and year), and "added" otherwise. If anything fails midway,
        the database is left exactly as it was.

            >>> store.add_report(report), store.add_report(report)   # doctest: +SKIP
            ('added', 'unchanged')
        """
        if self.has_report(report.report_id):
            return "unchanged"
        if chunks is None:
            from ingest.chunking import chunk_report

            chunks = chunk_report(report)
        foreign = [c.chunk_id for c in chunks if c.report_id != report.report_id]
        if foreign:
            raise ValueError(f"chunks of another report passed with report {report.report_id}: {foreign[:3]}")
        with self._lock:
            if self.has_report(report.report_id):
                return "unchanged"
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                # Checked again now that we hold the write lock: another process
                # may have stored it since.
                if self.has_report(report.report_id):
                    self._conn.execute("ROLLBACK")
                    return "unchanged"
                old_ids = self._older_versions(report)
                twin = self._same_report(report) if not old_ids else None
                status: AddResult = "replaced" if old_ids else "added"
                if twin is not None:
                    status = self._add_source(report, chunks, twin)
                else:
                    for old_id in old_ids:
                        self._conn.execute("DELETE FROM reports WHERE report_id = ?", (old_id,))
                    _insert_report(self._conn, report)
                    _insert_chunks(self._conn, chunks)
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        return status

    def _same_report(self, report: Report) -> Optional[str]:
        """A stored report that is this report from another file (same agency identity and year)."""
        if not report.agency_key or report.year is None:
            return None
        row = self._conn.execute(
            "SELECT report_id FROM reports WHERE agency_key = ? AND year = ? AND file_name <> ?",
            (report.agency_key, report.year, Path(report.path).name)).fetchone()
        return row["report_id"] if row else None

    def _add_source(self, report: Report, chunks: list[Chunk], stored_id: str) -> AddResult:
        """A second file of a stored report: the fuller reading is kept, the other is recorded as its
        source; cells the two read differently become findings of the report kept."""
        stored = self._load_report(stored_id)
        mine = {(f.table, f.row_key, f.col_key): f for f in report.facts}
        theirs = {(f.table, f.row_key, f.col_key): f for f in stored.facts}
        both = mine.keys() & theirs.keys()
        differ = sorted(k for k in both if mine[k].value != theirs[k].value)
        agree = len(both) - len(differ)
        keep, other = (report, stored) if len(mine) > len(theirs) else (stored, report)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if keep is report:
            moved = self._conn.execute("SELECT * FROM sources WHERE report_id = ?", (stored_id,)).fetchall()
            self._conn.execute("DELETE FROM reports WHERE report_id = ?", (stored_id,))
            _insert_report(self._conn, report)
            _insert_chunks(self._conn, chunks)
            for r in moved:
                self._conn.execute("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   (r["source_id"], report.report_id, r["path"], r["file_name"], r["fact_count"],
                                    r["agree"], r["disagree"], r["added_at"]))
        self._conn.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (other.report_id, keep.report_id, other.path, Path(other.path).name, len(other.facts), agree, len(differ), now))
        findings = [Finding(
            kind="source_mismatch", quote=f"{decimal_text(mine[k].value)} / {decimal_text(theirs[k].value)}", loc=keep.fact(*k).loc,
            message=f"{Path(report.path).name} and {Path(stored.path).name} read {k[0]}/{mine[k].row_label}/{mine[k].col_label} "
                    f"differently: {decimal_text(mine[k].value)} and {decimal_text(theirs[k].value)}; the figure of "
                    f"{Path(keep.path).name} is kept") for k in differ]
        findings.append(Finding(
            kind="layout",
            message=f"also published as {Path(other.path).name} ({len(other.facts)} cells read, {agree} agree, "
                    f"{len(differ)} differ); {Path(keep.path).name} is kept, it reads {len(keep.facts)} cells"))
        self._conn.executemany(
            "INSERT INTO findings (report_id, kind, message, quote, loc_start, loc_end, page, table_index,"
            " row_index, col_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((keep.report_id, f.kind, f.message, f.quote, *_location_values(f.loc)) for f in findings))
        return "merged"

    def sources(self, report_id: str) -> list[dict]:
        """The other files of a stored report (same agency and year), with how their readings compared."""
        with self._lock:
            rows = self._conn.execute("SELECT * FROM sources WHERE report_id = ? ORDER BY added_at", (report_id,)).fetchall()
        return [dict(r) for r in rows]

    def _older_versions(self, report: Report) -> list[str]:
        """Stored reports the new one replaces: same file name, or same agency and year.

        An unknown agency or year matches nothing, so two reports that could not
        be identified never overwrite each other.
        """
        sql, params = "SELECT report_id FROM reports WHERE file_name = ?", [Path(report.path).name]
        if report.agency.strip(_WHITESPACE) and report.year is not None:
            # the same agency and year from the same kind of file name: a corrected copy (another file
            # of the same report is a second source, see _same_report)
            sql += " OR (agency = ? AND year = ? AND agency_key = '')"
            params += [report.agency, report.year]
        return [r["report_id"] for r in self._conn.execute(sql, params)]

    def delete_report(self, report_id: str) -> bool:
        """Remove a report and everything stored for it. True if it was there.

            >>> store.delete_report(report.report_id)   # doctest: +SKIP
            True
        """
        with self._lock:
            cur = self._conn.execute("DELETE FROM reports WHERE report_id = ?", (report_id,))
        return cur.rowcount > 0

    # ---- reading --------------------------------------------------------
    def has_report(self, report_id: str) -> bool:
        """Is this content stored, as a report or as another source of one?"""
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM reports WHERE report_id = ? UNION ALL SELECT 1 FROM sources WHERE source_id = ?",
                (report_id, report_id)).fetchone()
        return row is not None

    def reports(self) -> list[dict]:
        """One dict per stored report, ordered by agency and year.

            >>> store.reports()[0]   # doctest: +SKIP
            {'report_id': '9f3c…', 'agency': '天津市滨海新区公安局', 'year': 2022,
             'path': 'data/天津市滨海新区公安局_2022.txt', 'file_name': '天津市滨海新区公安局_2022.txt',
             'format_version': '2021', 'fact_count': 480, 'failed_checks': 0}
        """
        with self._lock:
            rows = self._conn.execute(
                """
                SELECT r.report_id, r.agency, r.year, r.path, r.file_name, r.format_version,
                       (SELECT COUNT(*) FROM facts f WHERE f.report_id = r.report_id) AS fact_count,
                       (SELECT COUNT(*) FROM checks c WHERE c.report_id = r.report_id AND NOT c.passed)
                           AS failed_checks
                FROM reports r ORDER BY r.agency, r.year, r.file_name
                """
            ).fetchall()
        return [dict(r) for r in rows]

    def catalog(self) -> list[dict]:
        """What the assistant needs to know which report a question means: names, aliases, year.

        Cheap (no facts, no text), so it can be re-read whenever the store changes.
        """
        with self._lock:
            rows = self._conn.execute(
                "SELECT report_id, agency, agency_key, agency_aliases, year, file_name FROM reports ORDER BY agency, year"
            ).fetchall()
        return [{**dict(r), "agency_aliases": json.loads(r["agency_aliases"] or "[]")} for r in rows]

    def report_facts(self, report_id: str) -> list[FactRecord]:
        """Every fact of one report, in the order ingest read them."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT f.*, r.file_name FROM facts f JOIN reports r ON r.report_id = f.report_id "
                "WHERE f.report_id = ? ORDER BY f.id", (report_id,)
            ).fetchall()
        return [_fact_record_from_row(r) for r in rows]

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap way to notice new reports."""
        with self._lock:
            return self._conn.execute("PRAGMA data_version").fetchone()[0] + self._conn.total_changes

    def get_report(self, report_id: str) -> Optional[Report]:
        """The stored report rebuilt whole (facts, checks, findings), or None."""
        with self._lock, self._snapshot():
            return self._load_report(report_id)

    def _load_report(self, report_id: str) -> Optional[Report]:
        """get_report without its own transaction (the caller holds the lock)."""
        row = self._conn.execute("SELECT * FROM reports WHERE report_id = ?", (report_id,)).fetchone()
        if row is None:
            return None
        facts = self._conn.execute(
            "SELECT * FROM facts WHERE report_id = ? ORDER BY id", (report_id,)
        ).fetchall()
        checks, findings = self.checks(report_id), self.findings(report_id)
        return Report(
            report_id=row["report_id"],
            path=row["path"],
            kind=row["kind"],
            agency=row["agency"],
            agency_key=row["agency_key"],
            agency_aliases=json.loads(row["agency_aliases"]),
            year=row["year"],
            published=row["published"],
            format_version=row["format_version"],
            period=row["period"],
            text=row["text"],
            sections=_SECTIONS.validate_json(row["sections"]),
            tables=_TABLES.validate_json(row["tables"]),
            facts=[_fact_from_row(f) for f in facts],
            checks=checks,
            findings=findings,
            page_starts=json.loads(row["page_starts"]),
        )

    def facts(
        self,
        agency: Optional[str] = None,
        year: Optional[int] = None,
        table: Optional[str] = None,
        row_key: Optional[str] = None,
        col_key: Optional[str] = None,
    ) -> list[FactRecord]:
        """Stored facts matching every filter given (None or "" = any).

        `agency` matches the agency as printed, any of its aliases (exactly, after
        stripping whitespace), or any part of the printed name:

            >>> store.facts(agency="滨海新区公安局", year=2022, table="三",
            ...             row_key="新收", col_key="总计")   # doctest: +SKIP
            [FactRecord(table='三', row_key='新收', col_key='总计', value=Decimal('56'), ...)]
        """
        where, params = [], []
        agency = (agency or "").strip(_WHITESPACE)
        if agency:
            # Matched on the reports table first, so the facts are then found
            # through their report_id index instead of a scan of every fact.
            where.append(
                "f.report_id IN (SELECT report_id FROM reports WHERE instr(agency, ?) > 0 OR EXISTS ("
                " SELECT 1 FROM json_each(agency_aliases) a WHERE trim(a.value, ?) = ?))"
            )
            params += [agency, _WHITESPACE, agency]
        for column, value in (("f.year", year), ("f.tbl", table), ("f.row_key", row_key), ("f.col_key", col_key)):
            if value is not None and value != "":
                where.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT f.*, r.file_name FROM facts f JOIN reports r ON r.report_id = f.report_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY f.agency, f.year, f.report_id, f.id"
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [_fact_record_from_row(r) for r in rows]

    def checks(self, report_id: str) -> list[Check]:
        """The arithmetic checks stored for a report, in the order ingest ran them."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM checks WHERE report_id = ? ORDER BY id", (report_id,)
            ).fetchall()
        return [
            Check(
                rule=r["rule"],
                description=r["description"],
                passed=bool(r["passed"]),
                expected=_decimal_or_none(r["expected"]),
                actual=_decimal_or_none(r["actual"]),
                detail=r["detail"],
            )
            for r in rows
        ]

    def findings(self, report_id: str) -> list[Finding]:
        """The findings stored for a report, in the order ingest made them."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM findings WHERE report_id = ? ORDER BY id", (report_id,)
            ).fetchall()
        return [
            Finding(
                kind=r["kind"],
                message=r["message"],
                quote=r["quote"],
                loc=None if r["loc_start"] is None else _location_from_row(r),
            )
            for r in rows
        ]


    # ---- narrative chunks (the text the retriever searches) -------------------
    # Written with their report by add_report; the Chroma and BM25 indexes over them are
    # derived from this table (vectorstore.chunks.ChunkIndex).
    def chunk_count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def chunk_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._conn.execute("SELECT chunk_id FROM chunks")}

    def cell_values(self, table: str, row_keys: Iterable[str], col_keys: Iterable[str]) -> list[tuple]:
        """(report_id, row_key, col_key, row_label, col_label, value, unit, blank) of these cells in every
        report: what a ranking over thousands of reports compares, without building a record per cell."""
        rows, cols = list(row_keys), list(col_keys)
        sql = (f"SELECT report_id, row_key, col_key, row_label, col_label, value, unit, blank FROM facts WHERE tbl = ?"
               f" AND row_key IN ({','.join('?' * len(rows))}) AND col_key IN ({','.join('?' * len(cols))})")
        with self._lock:
            return self._conn.execute(sql, [table, *rows, *cols]).fetchall()

    def chunk_ids_for(self, report_ids: Iterable[str], year: Optional[int] = None, limit: int = 5000) -> Optional[list[str]]:
        """The chunk ids of some reports (one year), or None when there are more than `limit`."""
        ids = list(report_ids)
        if not ids:
            return []
        sql = f"SELECT chunk_id FROM chunks WHERE report_id IN ({','.join('?' * len(ids))})"
        params: list = list(ids)
        if year is not None:
            sql += " AND year = ?"
            params.append(year)
        with self._lock:
            rows = self._conn.execute(sql + f" LIMIT {limit + 1}", params).fetchall()
        return None if len(rows) > limit else [r[0] for r in rows]

    def chunks(self, report_ids: Optional[Iterable[str]] = None, year: Optional[int] = None) -> list[Chunk]:
        """Stored chunks, in report and text order; optionally only those of some reports / one year."""
        where, params = [], []
        if report_ids is not None:
            ids = list(report_ids)
            if not ids:
                return []
            where.append(f"report_id IN ({','.join('?' * len(ids))})")
            params += ids
        if year is not None:
            where.append("year = ?")
            params.append(year)
        sql = "SELECT * FROM chunks" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY agency, year, report_id, loc_start"
        with self._lock:
            return [_chunk_from_row(r) for r in self._conn.execute(sql, params)]

    def get_chunks(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        """The stored chunks among these ids (ids no longer stored are left out)."""
        ids = list(dict.fromkeys(chunk_ids))
        out: dict[str, Chunk] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                for r in self._conn.execute(
                    f"SELECT * FROM chunks WHERE chunk_id IN ({','.join('?' * len(part))})", part
                ):
                    out[r["chunk_id"]] = _chunk_from_row(r)
        return out

    def iter_chunks(self, batch: int = 1000) -> Iterator[list[Chunk]]:
        """Every stored chunk, a batch at a time (in rowid order)."""
        last = 0
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT rowid AS rid, * FROM chunks WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            last = rows[-1]["rid"]
            yield [_chunk_from_row(r) for r in rows]

    def untokenized_chunks(self) -> list[tuple[str, str, str]]:
        """(chunk_id, section, text) of the chunks the keyword index has not tokenized yet."""
        with self._lock:
            return [tuple(r) for r in self._conn.execute(
                "SELECT chunk_id, section, text FROM chunks WHERE tokens IS NULL ORDER BY rowid")]

    def set_chunk_tokens(self, tokens: Iterable[tuple[str, str]]) -> None:
        """Store (chunk_id, space-separated tokens) pairs."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("UPDATE chunks SET tokens = ? WHERE chunk_id = ?", [(t, c) for c, t in tokens])
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def chunk_tokens(self) -> list[tuple[str, str, Optional[int], str]]:
        """(chunk_id, report_id, year, tokens) of every tokenized chunk, in rowid order."""
        with self._lock:
            return [tuple(r) for r in self._conn.execute(
                "SELECT chunk_id, report_id, year, tokens FROM chunks WHERE tokens IS NOT NULL ORDER BY rowid")]

    def chunk_tokens_for(self, report_ids: Iterable[str], year: Optional[int] = None) -> list[tuple[str, str]]:
        """(chunk_id, tokens) of the tokenized chunks of these reports, in rowid order."""
        ids = list(dict.fromkeys(report_ids))
        if not ids:
            return []
        sql = (f"SELECT chunk_id, tokens FROM chunks WHERE report_id IN ({','.join('?' * len(ids))}) "
               "AND tokens IS NOT NULL" + (" AND year = ?" if year is not None else "") + " ORDER BY rowid")
        with self._lock:
            return [tuple(r) for r in self._conn.execute(sql, ids + ([year] if year is not None else []))]

    def chunk_count_for(self, report_ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(report_ids))
        if not ids:
            return 0
        with self._lock:
            return self._conn.execute(
                f"SELECT COUNT(*) FROM chunks WHERE report_id IN ({','.join('?' * len(ids))})", ids).fetchone()[0]

    def keyword_search(self, tokens: list[str], n: int, report_ids: Optional[Iterable[str]] = None,
                       year: Optional[int] = None) -> list[tuple[str, float]]:
        """The n best chunks for these words by SQLite FTS5's BM25: [(chunk_id, score)], best first
        (score = -bm25, so higher is better); only chunks holding at least one of the words."""
        words = [t.replace('"', '""') for t in dict.fromkeys(tokens) if t.strip()]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        sql = ("SELECT c.chunk_id, -bm25(chunks_fts) AS score FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
               "WHERE chunks_fts MATCH ?")
        params: list = [match]
        if report_ids is not None:
            ids = list(dict.fromkeys(report_ids))
            if not ids:
                return []
            sql += f" AND c.report_id IN ({','.join('?' * len(ids))})"
            params += ids
        if year is not None:
            sql += " AND c.year = ?"
            params.append(year)
        sql += " ORDER BY bm25(chunks_fts) LIMIT ?"
        params.append(n)
        with self._lock:
            return [(r[0], float(r[1])) for r in self._conn.execute(sql, params)]

    def chunks_fingerprint(self) -> tuple[int, int, int]:
        """Changes whenever chunks are added, deleted or tokenized (by this or another process)."""
        with self._lock:
            return tuple(self._conn.execute(
                "SELECT COUNT(*), COALESCE(MAX(rowid), 0), COUNT(tokens) FROM chunks").fetchone())

    def replace_chunks(self, report_id: str, chunks: list[Chunk]) -> None:
        """Put a stored report's chunks anew (after the chunker changed), in one transaction."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM chunks WHERE report_id = ?", (report_id,))
                _insert_chunks(self._conn, chunks)
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def report_names(self, report_ids: Iterable[str]) -> list[tuple[str, list[str], Optional[int]]]:
        """(agency, aliases, year) of each of these stored reports."""
        ids = list(dict.fromkeys(report_ids))
        if not ids:
            return []
        with self._lock:
            rows = self._conn.execute(
                f"SELECT agency, agency_aliases, year FROM reports WHERE report_id IN ({','.join('?' * len(ids))})", ids
            ).fetchall()
        return [(r["agency"], json.loads(r["agency_aliases"] or "[]"), r["year"]) for r in rows]

    # ---- store-wide settings ----------------------------------------------
    def get_meta(self, key: str) -> Optional[str]:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


# ---- rows <-> models ----------------------------------------------------
def decimal_text(value: Decimal) -> str:
    """The exact decimal as plain text, never in exponent form.

    >>> decimal_text(Decimal("4068.208")), decimal_text(Decimal("1E+3")), decimal_text(Decimal("-2"))
    ('4068.208', '1000', '-2')
    """
    return format(value, "f")


def _decimal_or_none(text: Optional[str]) -> Optional[Decimal]:
    return None if text is None else Decimal(text)


def _insert_report(conn: sqlite3.Connection, report: Report) -> None:
    """Insert one report and everything under it; the caller owns the transaction."""
    conn.execute(
        "INSERT INTO reports (report_id, path, file_name, kind, agency, agency_aliases, year, published,"
        " format_version, period, text, sections, tables, ingested_at, page_starts, agency_key)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            report.report_id,
            report.path,
            Path(report.path).name,
            report.kind,
            report.agency,
            json.dumps(report.agency_aliases, ensure_ascii=False),
            report.year,
            report.published,
            report.format_version,
            report.period,
            report.text,
            _json_list(report.sections),
            _json_list(report.tables),
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            json.dumps(report.page_starts),
            report.agency_key,
        ),
    )
    conn.executemany(
        "INSERT INTO facts (report_id, agency, year, tbl, row_key, col_key, row_label, col_label,"
        " printed_row_label, value, unit, blank, source_text, loc_start, loc_end, page, table_index,"
        " row_index, col_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_fact_row(report, f) for f in report.facts),
    )
    conn.executemany(
        "INSERT INTO checks (report_id, rule, description, passed, expected, actual, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                report.report_id,
                c.rule,
                c.description,
                int(c.passed),
                None if c.expected is None else decimal_text(c.expected),
                None if c.actual is None else decimal_text(c.actual),
                c.detail,
            )
            for c in report.checks
        ),
    )
    conn.executemany(
        "INSERT INTO findings (report_id, kind, message, quote, loc_start, loc_end, page, table_index,"
        " row_index, col_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((report.report_id, f.kind, f.message, f.quote, *_location_values(f.loc)) for f in report.findings),
    )


def _insert_chunks(conn: sqlite3.Connection, chunks: Iterable[Chunk]) -> None:
    conn.executemany(
        "INSERT INTO chunks (chunk_id, report_id, agency, year, file_name, section, text, loc_start, loc_end, page)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((c.chunk_id, c.report_id, c.agency, c.year, c.file_name, c.section, c.text, c.start, c.end, c.page)
         for c in chunks),
    )


def _chunk_from_row(row: sqlite3.Row) -> Chunk:
    return Chunk(
        chunk_id=row["chunk_id"], report_id=row["report_id"], agency=row["agency"], year=row["year"],
        file_name=row["file_name"], section=row["section"], text=row["text"], start=row["loc_start"],
        end=row["loc_end"], page=row["page"],
    )


def _fact_row(report: Report, fact: Fact) -> tuple:
    return (
        report.report_id,
        report.agency,
        report.year,
        fact.table,
        fact.row_key,
        fact.col_key,
        fact.row_label,
        fact.col_label,
        fact.printed_row_label,
        decimal_text(fact.value),
        fact.unit,
        int(fact.blank),
        fact.source_text,
        *_location_values(fact.loc),
    )


def _location_values(loc: Optional[Location]) -> tuple:
    if loc is None:
        return (None,) * 6
    return (loc.start, loc.end, loc.page, loc.table_index, loc.row_index, loc.col_index)


def _location_from_row(row: sqlite3.Row) -> Location:
    return Location(
        start=row["loc_start"],
        end=row["loc_end"],
        page=row["page"],
        table_index=row["table_index"],
        row_index=row["row_index"],
        col_index=row["col_index"],
    )


def _fact_fields(row: sqlite3.Row) -> dict:
    return dict(
        table=row["tbl"],
        row_key=row["row_key"],
        col_key=row["col_key"],
        row_label=row["row_label"],
        col_label=row["col_label"],
        printed_row_label=row["printed_row_label"],
        value=Decimal(row["value"]),
        unit=row["unit"],
        blank=bool(row["blank"]),
        source_text=row["source_text"],
        loc=_location_from_row(row),
    )


def _fact_from_row(row: sqlite3.Row) -> Fact:
    return Fact(**_fact_fields(row))


def _fact_record_from_row(row: sqlite3.Row) -> FactRecord:
    return FactRecord(
        **_fact_fields(row),
        report_id=row["report_id"],
        agency=row["agency"],
        year=row["year"],
        file_name=row["file_name"],
    )


def _json_list(models: Iterable) -> str:
    return json.dumps([m.model_dump(mode="json") for m in models], ensure_ascii=False)
