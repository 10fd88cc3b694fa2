"""Feedback on answers: 👍 or 👎 with an optional note, kept with the question, the answer and the typed
query it was read as — how a disclosure office finds the questions the assistant misreads.

    >>> fid = store.add_feedback("down", "某区公安局2022年收到多少申请", answer="…56件…", status="answered",
    ...                          query={"operation": "figure"}, note="应为62件", channel="chat")   # doctest: +SKIP
    >>> store.feedback()[0]["note"]                                                             # doctest: +SKIP
    '应为62件'
"""
from __future__ import annotations

import json
from typing import Iterable, Optional

from . import rows as R
from .db import Database

RATINGS = ("up", "down")
CHANNELS = ("chat", "widget", "api")
MAX_NOTE = 1000  # characters of a note
MAX_TEXT = 20000  # characters of a stored answer


class FeedbackMixin:
    db: Database

    def add_feedback(self, rating: str, question: str, answer: str = "", status: str = "",
                     query: Optional[dict] = None, history: Iterable[str] = (), note: str = "",
                     channel: str = "api") -> int:
        """Store one piece of feedback; its id."""
        if rating not in RATINGS:
            raise ValueError(f"unknown rating {rating!r}: use one of {list(RATINGS)}")
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}: use one of {list(CHANNELS)}")
        if not question.strip():
            raise ValueError("feedback needs the question it is about")
        with self.db.write():
            return self.db.one(
                "INSERT INTO feedback (created_at, rating, note, question, history, answer, status, query, channel)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (R.now_text(), rating, note.strip()[:MAX_NOTE], question.strip(),
                 json.dumps(list(history), ensure_ascii=False), answer[:MAX_TEXT], status,
                 None if query is None else json.dumps(query, ensure_ascii=False), channel))[0]

    def set_feedback_note(self, feedback_id: int, note: str, rating: Optional[str] = None) -> bool:
        """Add (or change) the note of a stored piece of feedback, and its rating when given."""
        if rating is not None and rating not in RATINGS:
            raise ValueError(f"unknown rating {rating!r}: use one of {list(RATINGS)}")
        with self.db.write():
            cur = self.db.run("UPDATE feedback SET note = ?, rating = COALESCE(?, rating) WHERE id = ?",
                              (note.strip()[:MAX_NOTE], rating, feedback_id))
        return cur.rowcount > 0

    def feedback(self, rating: Optional[str] = None, limit: Optional[int] = None) -> list[dict]:
        """Stored feedback, newest first: id, created_at, rating, note, question, history (list), answer,
        status, query (dict or None), channel."""
        sql, params = "SELECT * FROM feedback", []
        if rating:
            sql += " WHERE rating = ?"
            params.append(rating)
        sql += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        out = []
        for r in self.db.rows(sql, params):
            d = dict(r._mapping)
            d["history"] = json.loads(d["history"] or "[]")
            d["query"] = json.loads(d["query"]) if d["query"] else None
            out.append(d)
        return out

    def feedback_count(self) -> int:
        return self.db.one("SELECT COUNT(*) FROM feedback")[0]
