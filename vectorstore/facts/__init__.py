"""The facts database: every stored report, its table cells, checks, findings and narrative chunks.

SQLite (one file in the store directory, the default) or PostgreSQL (`--facts-url`), through
SQLAlchemy; the schema is the same on both and meant to be queried directly (docs/SCHEMA.md):

    >>> store = FactStore.open_dir("~/.local/share/disclosure-qa")   # doctest: +SKIP
    >>> store = FactStore.open_url("postgresql://qa@db:5432/qa")      # doctest: +SKIP
    >>> store.add_report(report)                                     # doctest: +SKIP
    'added'
    >>> [f.value for f in store.facts(agency="滨海新区公安局", year=2022, table="三",
    ...                               row_key="新收", col_key="总计")]  # doctest: +SKIP
    [Decimal('56')]

One job a file: db (the connection and its transactions), schema (tables and migrations), reports
(adding, replacing, loading), cells (facts, checks, findings), chunk_rows (chunks and keyword search),
library (every report with its reading, the files kept, removal), feedback (👍/👎 on answers), rows
(rows ↔ models).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from .cells import CellsMixin
from .chunk_rows import ChunksMixin
from .db import Database, redact, sqlite_url
from .feedback import FeedbackMixin
from .library import LibraryMixin
from .reports import AddResult, ReportsMixin
from .rows import FactRecord, decimal_text, fact_row
from .schema import SCHEMA_VERSION, SchemaVersionError, create_or_migrate

FILE_NAME = "facts.sqlite"

__all__ = ["AddResult", "FactRecord", "FactStore", "FILE_NAME", "SCHEMA_VERSION", "SchemaVersionError",
           "decimal_text", "fact_row"]


class FactStore(ReportsMixin, CellsMixin, ChunksMixin, LibraryMixin, FeedbackMixin):
    """Reports, facts, checks, findings and chunks in one database.

        >>> with FactStore(tmp_path / "facts.sqlite") as store:     # doctest: +SKIP
        ...     store.add_report(report)
        'added'

    Safe to share between the threads of one process; other processes may use the same database at
    the same time (SQLite in WAL mode, or PostgreSQL): each report is written whole or not at all.
    """

    def __init__(self, path: Optional[str | Path] = None, url: Optional[str] = None):
        if (path is None) == (url is None):
            raise ValueError("FactStore needs a SQLite file path or a database URL (one of them)")
        self.db = Database(url if url else sqlite_url(path))
        self.path = Path(path) if path is not None else self.db.path
        self.url = url or sqlite_url(path)
        try:
            create_or_migrate(self.db, str(self.path) if path is not None else redact(self.url))
        except BaseException:
            self.db.close()
            raise

    @classmethod
    def open_dir(cls, store_dir: str | Path) -> "FactStore":
        """Open (creating if needed) `store_dir/facts.sqlite`."""
        store_dir = Path(store_dir).expanduser()
        store_dir.mkdir(parents=True, exist_ok=True)
        return cls(store_dir / FILE_NAME)

    @classmethod
    def open_url(cls, url: str) -> "FactStore":
        """Open (creating the tables if needed) the database at a SQLAlchemy URL (postgresql://…)."""
        return cls(url=url)

    @property
    def backend(self) -> str:
        return self.db.dialect

    def describe(self) -> str:
        """Where the facts are, for messages (no password)."""
        return str(self.path) if self.db.sqlite else redact(self.url)

    # ---- lifecycle ------------------------------------------------------
    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "FactStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def data_version(self) -> int:
        """Changes whenever anyone commits: a cheap way to notice new reports."""
        return self.db.data_version()

    # ---- store-wide settings ----------------------------------------------
    def get_meta(self, key: str) -> Optional[str]:
        row = self.db.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self.db.write():
            self.db.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, value))
