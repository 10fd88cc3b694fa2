"""The facts schema for both engines, created and migrated by the store (docs/SCHEMA.md).

SQLite keeps its version in `PRAGMA user_version` (stores written since version 1 migrate in place);
PostgreSQL in the `meta` row `schema_version`. The tables are the same on both; what differs is the
keyword index (SQLite: FTS5 over chunks.tokens; PostgreSQL: a GIN index over to_tsvector('simple',
tokens)), the chunk order column (SQLite's rowid; PostgreSQL: chunks.seq) and PostgreSQL's
`store_version` counter, which every write transaction bumps.
"""
from __future__ import annotations

from .db import Database, redact

SCHEMA_VERSION = 10  # 2: chunks, meta, reports.page_starts; 3: chunks_fts (keyword search in SQLite);
# 4: reports.agency_key (canonical identity) and sources (other files of the same report);
# 5: facts_cell_year (a ranking of one year reads that year's cells only);
# 6: reports.reader_version (ingest re-reads a report stored by an older reader; stored ones count as 1);
# 7: narrative_facts (the prose's figures with their measures; filled when ingest re-reads a report);
# 8: door_budget (serve's per-client request and admin-token budgets, shared by the processes of one PostgreSQL);
# 9: feedback (👍/👎 on answers, with the question, answer and typed query) and originals (each file's bytes);
# 10: reports.ocr_pages (the pages OCR read: a figure on them is marked as recognised in answers)


class SchemaVersionError(Exception):
    """The database was written by a newer version of disclosure-qa."""


def _tables(serial: str) -> str:
    """The tables both engines share; `serial` is the type of an auto-numbered key."""
    return f"""
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
    page_starts    TEXT NOT NULL DEFAULT '[]',
    ocr_pages      TEXT NOT NULL DEFAULT '[]'
    {{agency_key}}{{reader_version}}
);
CREATE INDEX IF NOT EXISTS reports_file_name ON reports(file_name);
CREATE INDEX IF NOT EXISTS reports_agency_year ON reports(agency, year);

CREATE TABLE IF NOT EXISTS facts (
    id                {serial} PRIMARY KEY,
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

CREATE TABLE IF NOT EXISTS narrative_facts (
    id             {serial} PRIMARY KEY,
    report_id      TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
    agency         TEXT NOT NULL,
    year           INTEGER,
    measure        TEXT NOT NULL,
    value          TEXT NOT NULL,
    unit           TEXT NOT NULL DEFAULT '',
    whole_id       BIGINT,
    part           TEXT,
    heading        TEXT,
    sentence_start INTEGER NOT NULL,
    sentence_end   INTEGER NOT NULL,
    loc_start      INTEGER NOT NULL,
    loc_end        INTEGER NOT NULL,
    page           INTEGER
);
CREATE INDEX IF NOT EXISTS narrative_facts_report ON narrative_facts(report_id);
CREATE INDEX IF NOT EXISTS narrative_facts_agency_year ON narrative_facts(agency, year);

CREATE TABLE IF NOT EXISTS checks (
    id          {serial} PRIMARY KEY,
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
    id          {serial} PRIMARY KEY,
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
    {{chunk_seq}}
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

CREATE TABLE IF NOT EXISTS door_budget (
    client        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('rate', 'token')),
    slot          BIGINT NOT NULL,
    hits          INTEGER NOT NULL,
    blocked_until DOUBLE PRECISION,
    expires       DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (client, kind, slot)
);

-- version 9: what people said of the answers, and the files the reports were read from
CREATE TABLE IF NOT EXISTS feedback (
    id         {serial} PRIMARY KEY,
    created_at TEXT NOT NULL,
    rating     TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    note       TEXT NOT NULL DEFAULT '',
    question   TEXT NOT NULL,
    history    TEXT NOT NULL DEFAULT '[]',
    answer     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT '',
    query      TEXT,
    channel    TEXT NOT NULL DEFAULT 'api'
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback(created_at);
CREATE TABLE IF NOT EXISTS originals (
    content_id TEXT PRIMARY KEY,
    file_name  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    content    BYTEA NOT NULL,
    added_at   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
"""


# the reader that read a report (ingest.models.READER_VERSION); reports stored before it was recorded count as 1
READER_VERSION_COLUMN = "reader_version INTEGER NOT NULL DEFAULT 1"
# SQLite: the tables as version 1 wrote them (agency_key and reader_version are added by migration), then FTS5
SQLITE_TABLES = _tables("INTEGER").replace("{agency_key}", "").replace("{reader_version}", "").replace("{chunk_seq}", "")
SQLITE_FTS = [
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

# PostgreSQL: the same tables at the current version, keyword search by a GIN index
POSTGRES_TABLES = (_tables("BIGSERIAL")
                   .replace("{agency_key}", ",\n    agency_key     TEXT NOT NULL DEFAULT ''")
                   .replace("{reader_version}", ",\n    " + READER_VERSION_COLUMN)
                   .replace("{chunk_seq}", ",\n    seq       BIGSERIAL UNIQUE"))
# covering what a ranking reads (cells.cell_values): the cells of one row and column across reports are
# read from the index alone, in order, without a lookup per report
FACTS_CELL_YEAR = ("CREATE INDEX IF NOT EXISTS facts_cell_year ON facts(tbl, row_key, col_key, year, report_id, value, "
                   "unit, blank)")
POSTGRES_EXTRA = [
    f"ALTER TABLE reports ADD COLUMN IF NOT EXISTS {READER_VERSION_COLUMN}",  # a database of version 5
    "ALTER TABLE reports ADD COLUMN IF NOT EXISTS ocr_pages TEXT NOT NULL DEFAULT '[]'",  # one of version 9
    # a database of version 6 gains narrative_facts from POSTGRES_TABLES (CREATE TABLE IF NOT EXISTS)
    # a database of version 7 gains door_budget, one of version 8 feedback and originals, from POSTGRES_TABLES
    "CREATE INDEX IF NOT EXISTS reports_identity ON reports(agency_key, year)",
    FACTS_CELL_YEAR,
    "CREATE INDEX IF NOT EXISTS chunks_tokens ON chunks USING GIN (to_tsvector('simple', COALESCE(tokens, '')))",
    "CREATE TABLE IF NOT EXISTS store_version (n BIGINT NOT NULL)",
    "INSERT INTO store_version (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM store_version)",
]


def create_or_migrate(db: Database, describe: str) -> None:
    (_sqlite if db.sqlite else _postgres)(db, describe)


def _too_new(version: int, describe: str) -> SchemaVersionError:
    return SchemaVersionError(
        f"{describe} has schema version {version}, but this version of disclosure-qa only knows version "
        f"{SCHEMA_VERSION}. Upgrade disclosure-qa or use another --store / --facts-url.")


def _sqlite(db: Database, describe: str) -> None:
    version = db.one("PRAGMA user_version")[0]
    if version > SCHEMA_VERSION:
        raise _too_new(version, describe)
    if version == SCHEMA_VERSION:
        return
    with db.write():
        # read again under the write lock: another process may have just done this
        version = db.one("PRAGMA user_version")[0]
        if version == SCHEMA_VERSION:
            return
        for statement in SQLITE_TABLES.split(";"):
            if statement.strip():
                db.run(statement)
        columns = {r.name for r in db.rows("PRAGMA table_info(reports)")}
        if "page_starts" not in columns:
            db.run("ALTER TABLE reports ADD COLUMN page_starts TEXT NOT NULL DEFAULT '[]'")
        if "agency_key" not in columns:
            db.run("ALTER TABLE reports ADD COLUMN agency_key TEXT NOT NULL DEFAULT ''")
            from ingest.agency import identify

            for rid, agency in db.rows("SELECT report_id, agency FROM reports"):
                db.run("UPDATE reports SET agency_key = ? WHERE report_id = ?", (identify(agency).key, rid))
        if "reader_version" not in columns:
            db.run(f"ALTER TABLE reports ADD COLUMN {READER_VERSION_COLUMN}")
        if "ocr_pages" not in columns:
            db.run("ALTER TABLE reports ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]'")
        # version 7's narrative_facts came with SQLITE_TABLES above (CREATE TABLE IF NOT EXISTS), empty: its
        # reports were read by an older reader, so ingest reads them again and fills it
        # version 8's door_budget and version 9's feedback and originals came with SQLITE_TABLES above too, empty
        # (BYTEA is a BLOB to SQLite)
        # every add looks for a stored copy of the same report (agency identity and year)
        db.run("CREATE INDEX IF NOT EXISTS reports_identity ON reports(agency_key, year)")
        db.run(FACTS_CELL_YEAR)
        for statement in SQLITE_FTS:
            db.run(statement)
        if 0 < version < 3:
            db.run("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
        if version == 1:
            # version 1 stored no chunks: cut them now from the stored text
            from ingest.chunking import chunk_report

            from .reports import load_report
            from .rows import insert_chunks

            for (rid,) in db.rows("SELECT report_id FROM reports"):
                insert_chunks(db, chunk_report(load_report(db, rid)))
        db.run(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _postgres(db: Database, describe: str) -> None:
    def current() -> int:
        if not db.one("SELECT to_regclass('public.meta')")[0]:
            return 0
        row = db.one("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(row[0]) if row else 0

    version = current()
    if version > SCHEMA_VERSION:
        raise _too_new(version, describe)
    if version == SCHEMA_VERSION:
        return
    with db.lock:
        db.run("BEGIN")
        try:
            db.run("SELECT pg_advisory_xact_lock(7305112021)")  # one creator at a time
            if current() < SCHEMA_VERSION:
                for statement in POSTGRES_TABLES.split(";"):
                    if statement.strip():
                        db.run(statement)
                for statement in POSTGRES_EXTRA:
                    db.run(statement)
                db.run("INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(SCHEMA_VERSION),))
            db.run("COMMIT")
        except BaseException:
            db.rollback()
            raise


__all__ = ["SCHEMA_VERSION", "SchemaVersionError", "create_or_migrate", "redact"]
