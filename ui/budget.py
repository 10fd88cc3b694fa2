"""Per-client budgets at the doors of `serve`: requests a minute, and the backoff after wrong admin tokens.

    budget = open_budget(store.facts)            # PostgreSQL: shared by every process; SQLite: this process
    wait = budget.take("203.0.113.7", limit=60, now=time.time())      # 0.0: counted; else seconds to wait
    budget.token_failed("203.0.113.7", now, base=1.0)                 # → 1.0, then 2.0, 4.0 … (at most 15 min)

The rate is one sliding minute, estimated from two fixed minutes (the current one's count plus the
previous one's, weighted by how much of it still lies inside the last 60 seconds): two counters per
client, so the budget can live in a database row and be kept by several processes at once. A refused
request is not counted, so a client that waits gets its budget back as the minute slides.

Two keepers with one arithmetic: `MemoryBudget` (one process: the embedded SQLite store) and
`SqlBudget` (the `door_budget` table of the facts database, docs/SCHEMA.md: every `serve` process on
one PostgreSQL counts one budget). Times are wall-clock seconds (time.time()): processes on several
machines agree as far as their clocks do.
"""
from __future__ import annotations

import logging
import math
import threading
import time

WINDOW = 60.0  # seconds: the rate is per minute
TOKEN_WAIT_CAP = 900.0  # seconds: the longest wait after wrong tokens
TOKEN_MEMORY = 86400.0  # seconds without a wrong token after which a client's failures are forgotten
CLEANUP_EVERY = 60.0  # seconds between sweeps of expired counters

log = logging.getLogger("disclosure_qa.doors")


def rate_wait(prev: float, cur: float, limit: int, elapsed: float) -> float:
    """Seconds until one more request fits, given the previous and current minute's counts and the
    seconds elapsed in the current minute (0.0: it fits now)."""
    if cur + prev * (1 - elapsed / WINDOW) + 1 <= limit:
        return 0.0
    room = limit - 1 - cur  # what the previous minute's share must fall to within this minute
    if room >= 0 and prev > 0:
        t = WINDOW * (1 - room / prev) - elapsed
        if t < WINDOW - elapsed:
            return max(t, 0.0)
    # next minute: this minute's count becomes the previous one and slides out
    t_next = WINDOW * (1 - (limit - 1) / cur) if cur > limit - 1 else 0.0
    return (WINDOW - elapsed) + max(t_next, 0.0)


def token_wait_after(failures: int, base: float) -> float:
    """The wait after `failures` wrong tokens in a row: base, 2×base, 4×base … at most 15 minutes."""
    return min(TOKEN_WAIT_CAP, base * 2 ** min(failures - 1, 30))


def _minute(now: float) -> tuple[int, float]:
    slot = int(now // WINDOW)
    return slot, now - slot * WINDOW


class MemoryBudget:
    """The budgets of one process, in memory."""

    shared = False

    def __init__(self):
        self._rate: dict[tuple[str, int], int] = {}
        self._tokens: dict[str, tuple[int, float]] = {}  # client → (failures in a row, refused until)
        self._lock = threading.Lock()
        self._swept = 0.0

    def take(self, client: str, limit: int, now: float) -> float:
        slot, elapsed = _minute(now)
        with self._lock:
            self._sweep(now)
            prev, cur = self._rate.get((client, slot - 1), 0), self._rate.get((client, slot), 0)
            wait = rate_wait(prev, cur, limit, elapsed)
            if not wait:
                self._rate[(client, slot)] = cur + 1
            return wait

    def token_wait(self, client: str, now: float) -> float:
        with self._lock:
            _, until = self._tokens.get(client, (0, 0.0))
        return max(0.0, until - now)

    def token_failed(self, client: str, now: float, base: float) -> float:
        with self._lock:
            failures = self._tokens.get(client, (0, 0.0))[0] + 1
            wait = token_wait_after(failures, base)
            self._tokens[client] = (failures, now + wait)
        return wait

    def token_passed(self, client: str) -> None:
        with self._lock:
            self._tokens.pop(client, None)

    def _sweep(self, now: float) -> None:
        if now - self._swept < CLEANUP_EVERY:
            return
        self._swept = now
        slot = int(now // WINDOW)
        for key in [k for k in self._rate if k[1] < slot - 1]:
            del self._rate[key]
        for key in [k for k, (_, until) in self._tokens.items() if until + TOKEN_MEMORY < now]:
            del self._tokens[key]


class SqlBudget:
    """The budgets in the facts database's `door_budget` table, shared by every process using it.

    Each request is one statement: an upsert that counts the request only if it fits, atomically
    under the row's lock, so two processes never both take the last request of a minute. Its own
    connection: the store's connection is shared under a lock by its queries, and these statements
    are never part of a store write (they do not bump `store_version`). If the database stops
    answering, the budgets fall back to this process's memory until it is back.
    """

    shared = True

    def __init__(self, url: str):
        import sqlalchemy as sa

        from vectorstore.facts.db import Database

        # a counter lost in a crash costs nothing; waiting for the disk on every request costs ~4 ms
        parsed = sa.make_url(url)
        options = f"{parsed.query.get('options', '')} -c synchronous_commit=off".strip()
        self.db = Database(parsed.update_query_dict({"options": options}).render_as_string(hide_password=False))
        self.fallback = MemoryBudget()
        self._swept = 0.0
        self._warned = 0.0

    def close(self) -> None:
        self.db.close()

    def _safely(self, what, fallback):
        try:
            return what()
        except Exception as e:  # the database went away: keep limiting, in memory
            if time.time() - self._warned > 60:
                self._warned = time.time()
                log.warning("the request budgets are kept in this process only: the facts database did not "
                            "answer (%s)", str(e).splitlines()[0] if str(e) else type(e).__name__)
            return fallback()

    def take(self, client: str, limit: int, now: float) -> float:
        return self._safely(lambda: self._take(client, limit, now), lambda: self.fallback.take(client, limit, now))

    def _take(self, client: str, limit: int, now: float) -> float:
        slot, elapsed = _minute(now)
        self._sweep(now)
        weight = 1 - elapsed / WINDOW
        counted = self.db.one(
            "WITH prev AS (SELECT COALESCE(MAX(hits), 0) AS hits FROM door_budget "
            "              WHERE client = ? AND kind = 'rate' AND slot = ?) "
            "INSERT INTO door_budget (client, kind, slot, hits, blocked_until, expires) "
            "SELECT ?, 'rate', ?, 1, NULL, ? FROM prev WHERE prev.hits * ? + 1 <= ? "
            "ON CONFLICT (client, kind, slot) DO UPDATE SET hits = door_budget.hits + 1 "
            "WHERE door_budget.hits + (SELECT hits FROM prev) * ? + 1 <= ? "
            "RETURNING hits",
            (client, slot - 1, client, slot, (slot + 2) * WINDOW, weight, limit, weight, limit))
        if counted is not None:
            return 0.0
        rows = dict(self.db.rows("SELECT slot, hits FROM door_budget WHERE client = ? AND kind = 'rate' AND slot IN (?, ?)",
                                 (client, slot - 1, slot)))
        return rate_wait(rows.get(slot - 1, 0), rows.get(slot, 0), limit, elapsed) or 1.0

    def token_wait(self, client: str, now: float) -> float:
        def read():
            row = self.db.one("SELECT blocked_until FROM door_budget WHERE client = ? AND kind = 'token' AND slot = 0",
                              (client,))
            return max(0.0, (row[0] or 0.0) - now) if row else 0.0

        return self._safely(read, lambda: self.fallback.token_wait(client, now))

    def token_failed(self, client: str, now: float, base: float) -> float:
        def record():
            failures = self.db.one(
                "INSERT INTO door_budget (client, kind, slot, hits, blocked_until, expires) "
                "VALUES (?, 'token', 0, 1, ?, ?) "
                "ON CONFLICT (client, kind, slot) DO UPDATE SET hits = door_budget.hits + 1 RETURNING hits",
                (client, now, now + TOKEN_MEMORY))[0]
            wait = token_wait_after(failures, base)
            self.db.run("UPDATE door_budget SET blocked_until = ?, expires = ? "
                        "WHERE client = ? AND kind = 'token' AND slot = 0", (now + wait, now + wait + TOKEN_MEMORY, client))
            return wait

        return self._safely(record, lambda: self.fallback.token_failed(client, now, base))

    def token_passed(self, client: str) -> None:
        self._safely(lambda: self.db.run("DELETE FROM door_budget WHERE client = ? AND kind = 'token'", (client,)),
                     lambda: self.fallback.token_passed(client))

    def _sweep(self, now: float) -> None:
        if now - self._swept >= CLEANUP_EVERY:
            self._swept = now
            self.db.run("DELETE FROM door_budget WHERE expires < ?", (now,))


def open_budget(facts) -> "MemoryBudget | SqlBudget":
    """The budget keeper for a facts store: shared through PostgreSQL, in memory beside SQLite (one
    process; a counter written per request would queue behind the store's writers)."""
    return MemoryBudget() if facts.db.sqlite else SqlBudget(facts.url)


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


__all__ = ["MemoryBudget", "SqlBudget", "open_budget", "rate_wait", "retry_after", "token_wait_after"]
