"""Opening an SQLite file in WAL mode when other processes open it at the same moment.

Switching a new file to WAL takes an exclusive lock, and SQLite answers a connection that finds it taken
with «database is locked» at once: the busy timeout is not consulted for a change of journal mode. Two
ingests or several `serve` processes started together on a new store hit it (measured: 2 of 30 tries
with four processes). The switch is retried until the file's busy timeout has passed; once the file is
in WAL mode the pragma is a read and never waits."""
from __future__ import annotations

import sqlite3
import time

BUSY_MS = 10_000


def open_wal(conn: sqlite3.Connection, busy_ms: int = BUSY_MS) -> None:
    """Set the busy timeout and WAL mode on `conn`, waiting out another process doing the same."""
    conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    deadline = time.monotonic() + busy_ms / 1000
    pause = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
