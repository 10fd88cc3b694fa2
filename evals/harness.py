"""The evaluation harness: run gold question sets, score the answers, write a report.

    python -m ui.cli eval                      # every evals/gold/*.jsonl
    python -m ui.cli eval my_gold.jsonl        # any file in the format of evals/gold/README.md

Metrics:
- figure accuracy: answered, the answer's headline figure (its first: the cell asked, or the sum,
  share, difference or ranking winner computed) equal to the first expected figure, every other
  expected figure among the answer's figures, the expected reports cited;
- wrong answers: answered with a headline figure other than the expected one, or answered where
  the expected status is not_found or ambiguous, or (a turn of a conversation) answered with a figure
  where the report's words are asked — a confident wrong answer; must be 0;
- citation accuracy: every citation's quote is what the report's text holds at its offsets, and every
  cell figure is backed by a citation whose printed cell holds that value (blank = 0);
- not_found accuracy: questions no report answers get status not_found;
- ambiguous accuracy: questions that fit several reports ask back;
- narrative recall@5, per retrieval mode: a top-5 passage holds the expected sentence;
- latency p50/p95 of ask().
"""
from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Optional

GOLD_DIR = Path(__file__).resolve().parent / "gold"
MODES = ("dense", "bm25", "hybrid")
THRESHOLDS = {"figure_accuracy": 1.0, "citation_accuracy": 1.0, "not_found_accuracy": 1.0,
              "ambiguous_accuracy": 1.0, "narrative_recall@5": 0.90}
# the gold sets were written on this date: their 今年/去年 count from it (a line's asked_on overrides)
ASKED_ON = "2026-12-01"
MAX_WRONG = 0  # answers that state a wrong figure, or answer what no report answers


def _bare(text: str) -> str:
    """Text without its whitespace: one rendering breaks a line where another puts a space (a signature's
    name and date), and a PDF's text layer spaces characters out; the words are the same."""
    return re.sub(r"\s+", "", text)


@dataclass
class GoldItem:
    id: str
    question: str
    status: str
    kind: str
    history: list[str] = field(default_factory=list)
    report: Optional[str | list[str]] = None
    figures: list[str] = field(default_factory=list)
    quote_contains: Optional[str] = None
    note: str = ""
    asked_on: Optional[str] = None  # the date the question is asked on (今年/去年), ISO; default ASKED_ON
    source: str = ""

    @property
    def reports(self) -> list[str]:
        if self.report is None:
            return []
        return [self.report] if isinstance(self.report, str) else list(self.report)


def load_gold(paths: list[str | Path]) -> list[GoldItem]:
    """Gold items from JSONL files (or folders of them). A malformed line is an error naming file and line."""
    files: list[Path] = []
    for p in map(Path, paths or [GOLD_DIR]):
        files += sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
    items = []
    for f in files:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                known = {k: d[k] for k in GoldItem.__dataclass_fields__ if k in d and k != "source"}
                items.append(GoldItem(**known, source=f"{f.name}:{n}"))
            except (json.JSONDecodeError, TypeError, KeyError) as e:
                raise ValueError(f"{f}:{n}: not a gold item ({e}); see evals/gold/README.md for the format") from e
    return items


def _num(text: str) -> Optional[Decimal]:
    try:
        return Decimal(text.strip().rstrip("%").replace(",", ""))
    except (InvalidOperation, AttributeError):
        return None


@dataclass
class Outcome:
    item: GoldItem
    status: str
    answer: str
    seconds: float
    figure_ok: Optional[bool] = None
    citation_ok: Optional[bool] = None
    citation_problems: list[str] = field(default_factory=list)
    narrative_ok: Optional[bool] = None
    wrong: bool = False  # a confident wrong answer (see the module docstring)
    problems: list[str] = field(default_factory=list)


class Harness:
    def __init__(self, store, assistant):
        self.store = store
        self.bot = assistant
        self._texts: dict[str, str] = {}
        self._ids = {r["file_name"]: r["report_id"] for r in store.facts.catalog()}
        # a report published as two files is one stored report: a gold item may name either file
        for rid in list(self._ids.values()):
            for src in store.facts.sources(rid):
                self._ids.setdefault(src["file_name"], rid)

    def text(self, report_id: str) -> str:
        if report_id not in self._texts:
            rep = self.store.facts.get_report(report_id)
            self._texts[report_id] = rep.text if rep else ""
        return self._texts[report_id]

    def source_text(self, report_id: str, file_name: str) -> str:
        """The text of another file a report was also read from (as the reader loads it)."""
        key = f"{report_id}/{file_name}"
        if key not in self._texts:
            from ingest.pipeline import parse_file

            paths = [s["path"] for s in self.store.facts.sources(report_id) if s["file_name"] == file_name]
            try:
                self._texts[key] = parse_file(Path(paths[0])).text if paths else ""
            except Exception:  # (a file gone or unreadable since: the citation cannot be checked, so it fails)
                self._texts[key] = ""
        return self._texts[key]

    # ---- one question ---------------------------------------------------------
    def run_item(self, item: GoldItem) -> Outcome:
        t0 = time.perf_counter()
        asked_on = date.fromisoformat(item.asked_on or ASKED_ON)
        ans = self.bot.ask(item.question, history=item.history, today=asked_on)
        out = Outcome(item, ans.status, ans.answer, time.perf_counter() - t0)
        if ans.status != item.status:
            out.problems.append(f"status {ans.status}, expected {item.status}")
        cited = {c.file_name for c in ans.citations} | {c.report_id for c in ans.citations}
        if item.status != "answered" and ans.status == "answered":
            out.wrong = True
            out.problems.append(f"WRONG: answered where {item.status} is due")
        if item.status == "answered" and item.figures:
            have = [(f.value, f.unit) for f in ans.figures]
            missing = []
            for want in item.figures:
                v = _num(want)
                pct = want.strip().endswith("%")
                if v is None or not any(val == v and ((unit == "%") == pct) for val, unit in have):
                    missing.append(want)
            head_want = _num(item.figures[0])
            head_pct = item.figures[0].strip().endswith("%")
            headline = ans.figures[0] if ans.figures else None
            head_ok = headline is not None and headline.value == head_want and ((headline.unit == "%") == head_pct)
            if ans.status == "answered" and headline is not None and not head_ok:
                out.wrong = True
                out.problems.append(f"WRONG: headline figure {headline.value}{'%' if headline.unit == '%' else ''} "
                                    f"({headline.row} / {headline.column}), expected {item.figures[0]}")
            absent = [r for r in item.reports if r not in cited and self._ids.get(r) not in cited]
            out.figure_ok = ans.status == "answered" and head_ok and not missing and not absent
            if missing:
                out.problems.append(f"figures missing: {missing}")
            if absent:
                out.problems.append(f"not cited: {absent}")
        if item.status == "answered" and item.kind == "narrative" and item.quote_contains:
            out.narrative_ok = ans.status == "answered" and any(_bare(item.quote_contains) in _bare(c.quote) for c in ans.citations)
            if not out.narrative_ok:
                out.problems.append(f"no citation quotes {item.quote_contains!r}")
            if item.history and ans.figures and not out.narrative_ok:
                # a turn of a conversation that asked the report's words and got a figure (the turn before's
                # measure again, with citations that make it look right) is a confident wrong answer
                out.wrong = True
                out.problems.append(f"WRONG: a figure ({ans.figures[0].row} {ans.figures[0].value}) where the report's words are asked")
        if ans.status == "answered":
            out.citation_problems = self.citation_problems(ans)
            out.citation_ok = not out.citation_problems
            out.problems += out.citation_problems
        return out

    def citation_problems(self, ans) -> list[str]:
        problems = []
        if not ans.citations:
            return ["an answer with no citation"]
        for c in ans.citations:
            if c.other_file:
                # a line only another file of the report prints: that file, read again, must hold it
                if c.quote not in self.source_text(c.report_id, c.file_name):
                    problems.append(f"citation {c.section} quotes {c.quote[:20]!r}, which {c.file_name} does not hold")
                continue
            text = self.text(c.report_id)
            if text[c.start:c.end] != c.quote:
                problems.append(f"citation {c.section} quotes {c.quote[:20]!r} but the report holds {text[c.start:c.end][:20]!r} there")
        cells = [c for c in ans.citations if c.section.startswith("表")]
        for f in ans.figures:
            if f.computed:
                continue
            if f.table == "正文":
                # a figure the prose prints: a quoted sentence of its report holds it
                printed = format(f.value.normalize(), "f")
                if not any(printed in re.sub(r"\s", "", c.quote) for c in ans.citations if c.agency == f.agency and c.year == f.year):
                    problems.append(f"figure {f.row}={f.value} (正文) is in no quoted sentence")
                continue
            backing = [c for c in cells if f.row in c.section and f.column in c.section and c.agency == f.agency and c.year == f.year]
            ok = any((_num(c.quote) == f.value) or (not c.quote.strip() and f.value == 0) for c in backing)
            if not ok:
                problems.append(f"figure {f.row}/{f.column}={f.value} has no citation holding it")
        return problems

    # ---- retrieval ------------------------------------------------------------
    def recall_at_5(self, items: list[GoldItem], mode: str) -> tuple[float, list[str]]:
        hits, misses = 0, []
        narrative = [i for i in items if i.kind == "narrative" and i.quote_contains and i.status == "answered"]
        for item in narrative:
            ids = [self._ids[r] for r in item.reports if r in self._ids]
            query = " ".join([*item.history, item.question]) if item.history else item.question
            found = self.bot.retrieve(query, report_ids=ids or None, k=5, mode=mode)
            if any(_bare(item.quote_contains) in _bare(ch.text) for ch, _ in found):
                hits += 1
            else:
                misses.append(item.id)
        return (hits / len(narrative) if narrative else 1.0), misses


def _rate(values: list[Optional[bool]]) -> tuple[Optional[float], int]:
    """The share of True among the items it applies to; None (n/a) over zero items."""
    xs = [v for v in values if v is not None]
    return (sum(xs) / len(xs) if xs else None), len(xs)


def evaluate(store, assistant, items: list[GoldItem], modes=MODES) -> dict:
    h = Harness(store, assistant)
    outcomes = [h.run_item(i) for i in items]
    fig, n_fig = _rate([o.figure_ok for o in outcomes])
    cit, n_cit = _rate([o.citation_ok for o in outcomes])
    nf, n_nf = _rate([o.status == "not_found" for o in outcomes if o.item.status == "not_found"] or [None])
    amb, n_amb = _rate([o.status == "ambiguous" for o in outcomes if o.item.status == "ambiguous"] or [None])
    nar, n_nar = _rate([o.narrative_ok for o in outcomes])
    recall = {m: h.recall_at_5(items, m) for m in modes}
    lat = sorted(o.seconds * 1000 for o in outcomes)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else 0.0
    default_mode = getattr(assistant, "mode", None) or "hybrid"
    metrics = {
        "questions": len(items),
        "figure_accuracy": fig, "figure_n": n_fig,
        "citation_accuracy": cit, "citation_n": n_cit,
        "not_found_accuracy": nf, "not_found_n": n_nf,
        "ambiguous_accuracy": amb, "ambiguous_n": n_amb,
        "narrative_answer_accuracy": nar, "narrative_n": n_nar,
        "narrative_recall@5": recall[default_mode][0] if default_mode in recall else max(r for r, _ in recall.values()),
        "recall_by_mode": {m: r for m, (r, _) in recall.items()},
        "recall_misses": {m: miss for m, (_, miss) in recall.items()},
        "latency_p50_ms": statistics.median(lat) if lat else 0.0,
        "latency_p95_ms": p95,
        "mode": default_mode,
        "wrong_answers": sum(o.wrong for o in outcomes),
        "wrong_ids": [o.item.id for o in outcomes if o.wrong],
    }
    metrics["failed"] = [
        {"id": o.item.id, "question": o.item.question, "problems": o.problems, "answer": o.answer[:300]}
        for o in outcomes if o.problems
    ]
    metrics["passed_thresholds"] = all(metrics[k] is None or metrics[k] >= v for k, v in THRESHOLDS.items()) \
        and metrics["wrong_answers"] <= MAX_WRONG
    return metrics


def markdown(metrics: dict) -> str:
    pct = lambda x: "n/a" if x is None else f"{x * 100:.1f}%"  # noqa: E731
    lines = [
        "# Evaluation report", "",
        f"{metrics['questions']} questions; answers composed with retrieval mode `{metrics['mode']}`.", "",
        "| metric | value | n | threshold |", "|---|---|---|---|",
        f"| figure accuracy | {pct(metrics['figure_accuracy'])} | {metrics['figure_n']} | 100% |",
        f"| **wrong answers** | {metrics['wrong_answers']} | {', '.join(metrics['wrong_ids']) or '—'} | 0 |",
        f"| citation accuracy | {pct(metrics['citation_accuracy'])} | {metrics['citation_n']} | 100% |",
        f"| not_found accuracy | {pct(metrics['not_found_accuracy'])} | {metrics['not_found_n']} | 100% |",
        f"| ambiguous accuracy | {pct(metrics['ambiguous_accuracy'])} | {metrics['ambiguous_n']} | 100% |",
        f"| narrative answer accuracy | {pct(metrics['narrative_answer_accuracy'])} | {metrics['narrative_n']} | — |",
        f"| narrative recall@5 | {pct(metrics['narrative_recall@5'])} | | ≥ 90% |",
        f"| latency p50 | {metrics['latency_p50_ms']:.1f} ms | | |",
        f"| latency p95 | {metrics['latency_p95_ms']:.1f} ms | | ≤ 200 ms (benchmark) |",
        "", "## Retrieval modes (narrative recall@5)", "", "| mode | recall@5 | missed |", "|---|---|---|",
    ]
    for m, r in metrics["recall_by_mode"].items():
        lines.append(f"| {m} | {pct(r)} | {', '.join(metrics['recall_misses'][m]) or '—'} |")
    lines += ["", "## Failures", ""]
    if not metrics["failed"]:
        lines.append("None.")
    for f in metrics["failed"]:
        lines.append(f"- **{f['id']}** {f['question']} — {'; '.join(f['problems'])}")
    lines.append("")
    lines.append("Result: " + ("all thresholds met." if metrics["passed_thresholds"] else "BELOW THRESHOLD."))
    return "\n".join(lines) + "\n"
