"""One connection to the facts database, SQLite or PostgreSQL, through SQLAlchemy.

The store's SQL is written once, with `?` placeholders, in the subset both engines speak; this class
turns it into the driver's parameter style, owns the transactions (one report is always written by
exactly one BEGIN … COMMIT) and says what differs: how writers exclude each other, how a reader sees
one consistent state, how another process's commit is noticed.

    >>> db = Database.open("sqlite:///facts.sqlite")            # doctest: +SKIP
    >>> with db.write():                                        # doctest: +SKIP
    ...     db.run("INSERT INTO meta (key, value) VALUES (?, ?)", ("k", "v"))
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import sqlalchemy as sa

from vectorstore.sqlite_wal import open_wal

# every write transaction of every process takes this lock first (PostgreSQL): writers queue like
# SQLite's one writer, so two ingests of one folder never insert the same report twice
_WRITE_LOCK = 7305112022


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<facts url>"


class Database:
    def __init__(self, url: str):
        self.url = url
        try:
            parsed = sa.make_url(url)
        except Exception as e:
            raise ValueError(f"not a database URL: {url!r} (expected sqlite:///PATH or "
                             f"postgresql://user@host:port/db)") from e
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"{redact(url)}: only SQLite and PostgreSQL are supported")
        self.dialect = parsed.get_backend_name()
        self.sqlite = self.dialect == "sqlite"
        self.path = Path(parsed.database) if self.sqlite and parsed.database else None
        # one connection, shared by the threads of a process under a lock (each query is short);
        # AUTOCOMMIT: SQLAlchemy begins nothing itself, the store's BEGIN … COMMIT are its own
        self.engine = sa.create_engine(url, poolclass=sa.pool.StaticPool if self.sqlite else sa.pool.NullPool,
                                       **({"connect_args": {"check_same_thread": False}} if self.sqlite else {}))
        try:
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa.exc.OperationalError as e:
            raise ConnectionError(f"cannot connect to the facts database {redact(url)}: {e.orig}") from e
        self.raw = self._conn.connection.driver_connection
        self._broken = False  # the server went away: reconnect before the next statement
        self.lock = threading.RLock()
        self._sql: dict[str, str] = {}
        if self.sqlite:
            self.raw.execute("PRAGMA foreign_keys = ON")
            open_wal(self.raw)

    # ---- statements -------------------------------------------------------------------------
    def _driver_sql(self, sql: str) -> str:
        if self.sqlite:
            return sql
        out = self._sql.get(sql)
        if out is None:
            out = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return out

    @contextmanager
    def _server(self):
        """A database server that stops answering (restarted, its network gone) is a ConnectionError that
        says so; the next statement connects again, so a long-running `serve` recovers once it is back.
        What a lost transaction held is the server's to roll back: nothing of it is kept."""
        if self.sqlite:
            yield
            return
        import psycopg

        if self._broken:
            self._reconnect()
        try:
            yield
        except (sa.exc.OperationalError, sa.exc.InterfaceError, psycopg.OperationalError, psycopg.InterfaceError) as e:
            lost = getattr(e, "connection_invalidated", False) or self.raw.closed or getattr(self.raw, "broken", False)
            if not lost:
                raise  # the server answered: an error of the statement itself
            self._broken = True
            raise ConnectionError(f"the facts database {redact(self.url)} stopped answering "
                                  f"({str(getattr(e, 'orig', e)).strip()}). Nothing half-written is kept; run the "
                                  f"same command again once it is back.") from e

    def _reconnect(self) -> None:
        try:
            self._conn.close()
        except Exception:
            pass
        try:
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa.exc.OperationalError as e:
            raise ConnectionError(f"cannot connect to the facts database {redact(self.url)}: {e.orig}") from e
        self.raw = self._conn.connection.driver_connection
        self._broken = False

    def run(self, sql: str, params: Sequence[Any] = ()):
        """Execute one statement; the result's rows have attribute access (row.report_id)."""
        with self.lock, self._server():
            return self._conn.exec_driver_sql(self._driver_sql(sql), tuple(params))

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            with self.lock, self._server():
                self._conn.exec_driver_sql(self._driver_sql(sql), rows)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list:
        return self.run(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()):
        return self.run(sql, params).fetchone()

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Plain tuples straight from the driver: for the reads that return thousands of rows."""
        with self.lock, self._server():
            cur = self.raw.cursor()
            try:
                cur.execute(self._driver_sql(sql), tuple(params))
                return cur.fetchall()
            finally:
                cur.close()

    @staticmethod
    def marks(n: int) -> str:
        return ",".join("?" * n)

    # ---- transactions -----------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        if self.sqlite:
            return self.raw.in_transaction
        return self.raw.info.transaction_status != 0  # psycopg: IDLE = 0

    def rollback(self) -> None:
        # SQLite may already have rolled back by itself (disk full, I/O error): a second ROLLBACK
        # would then hide the real error; a lost server has rolled back on its own
        if self._broken or (not self.sqlite and (self.raw.closed or self.raw.broken)):
            return
        if self.in_transaction:
            self._conn.exec_driver_sql("ROLLBACK")

    @contextmanager
    def write(self):
        """One write transaction: every other writer (of any process) waits; on any error nothing
        of it is kept. Yields once the write lock is held, so reads inside see the latest state."""
        with self.lock:
            with self._server():
                if self.sqlite:
                    self._conn.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    self._conn.exec_driver_sql("BEGIN")
                    self._conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})")
            try:
                yield self
                with self._server():
                    if not self.sqlite:
                        # other processes notice the change (data_version) by this counter
                        self._conn.exec_driver_sql("UPDATE store_version SET n = n + 1")
                    self._conn.exec_driver_sql("COMMIT")
            except BaseException:
                self.rollback()
                raise

    @contextmanager
    def snapshot(self):
        """Several reads that see one consistent state, even while another process writes."""
        with self.lock:
            with self._server():
                self._conn.exec_driver_sql("BEGIN" if self.sqlite else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield self
            finally:
                if not self._broken and self.in_transaction:
                    self._conn.exec_driver_sql("COMMIT")

    def data_version(self) -> int:
        """Changes whenever anyone commits a write: a cheap way to notice new reports."""
        with self.lock:
            if self.sqlite:
                return self.raw.execute("PRAGMA data_version").fetchone()[0] + self.raw.total_changes
            with self._server():
                return int(self._conn.exec_driver_sql("SELECT n FROM store_version").scalar())

    def close(self) -> None:
        with self.lock:
            try:
                self._conn.close()
            finally:
                self.engine.dispose()


def open_database(url: Optional[str] = None, path: Optional[str | Path] = None) -> Database:
    return Database(url if url else sqlite_url(path))
