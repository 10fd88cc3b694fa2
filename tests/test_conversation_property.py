"""A question that names its agency, year and measure is answered the same after any other question.

For gold questions Q asked alone and any gold question P: asking Q after P (history [P]) gives the
headline figure Q gets alone, whenever Q names its own agency, year and measure. A follow-up fills
gaps; it never overrides what a question says.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st


REPO = Path(__file__).resolve().parents[1]
GOLD = sorted((REPO / "evals" / "gold").glob("*.jsonl"))
ASKED_ON = date(2026, 12, 1)


def _gold() -> list[dict]:
    items = []
    for path in GOLD:
        items += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items


@pytest.fixture(scope="module")
def bot(corpus_facts_store):
    from assistant.assistant import Assistant

    return Assistant(corpus_facts_store, today=ASKED_ON)


@pytest.fixture(scope="module")
def self_contained(bot):
    """Gold figure questions asked alone that name their agency, year and measure, with their answer alone."""
    from assistant.understand import understand

    out = []
    for item in _gold():
        if item["history"] or item["status"] != "answered" or item["kind"] == "narrative":
            continue
        intent = understand(item["question"], bot.catalog, ASKED_ON)
        if not (intent.agencies and intent.years and intent.metric is not None) or item.get("asked_on"):
            continue
        alone = bot.ask(item["question"])
        if alone.status == "answered" and alone.figures:
            out.append((item["question"], alone))
    assert len(out) >= 100, f"only {len(out)} self-contained gold questions"
    return out


PREVIOUS = [item["question"] for item in _gold()] + [q for item in _gold() for q in item["history"]]


@settings(max_examples=600, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(q=st.integers(min_value=0, max_value=10_000), p=st.sampled_from(PREVIOUS))
def test_a_self_contained_question_is_answered_as_alone_after_any_other(bot, self_contained, q, p):
    question, alone = self_contained[q % len(self_contained)]
    after = bot.ask(question, history=[p])
    assert after.status == alone.status, f"after 「{p}」, 「{question}」: {after.answer[:200]}"
    assert after.figures, (p, question, after.answer)
    head, want = after.figures[0], alone.figures[0]
    assert (head.value, head.unit, head.row, head.column) == (want.value, want.unit, want.row, want.column), (
        f"after 「{p}」, 「{question}」 headlines {head.row}/{head.column} {head.value}{head.unit}; "
        f"alone {want.row}/{want.column} {want.value}{want.unit}")
