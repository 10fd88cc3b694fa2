"""Self-check of the fifteenth held-out set (evals/heldout15/heldout.jsonl).

Run from the repository root:

    .venv/bin/python evals/heldout15/validate.py

Standard library only. Checks: the JSON Lines format, unique ids, id prefix <-> kind,
required fields per kind, asked_on, that every cited report exists in the corpus
(REPO/../shared/corpus/reports), that every quote_contains occurs verbatim on one
line of its report (.txt/.md: the raw line; .html: the line with tags stripped and
entities unescaped; .pdf: NOT checked -- no narrative item of this set cites the
PDF, and an item that did would be reported as unchecked), that each answered
figure/figure-style value occurs in the cited report's text (loose substring check,
PDF skipped), and that every computed value (sum, share, difference, growth,
ranking) is re-derived from the `calc:` expression ending its note, in decimal
arithmetic, percentages rounded ROUND_HALF_UP to 2 decimals.
"""

from __future__ import annotations

import ast
import html
import json
import re
import sys
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path

getcontext().prec = 50

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REPORTS = REPO / ".." / "shared" / "corpus" / "reports"
SET = HERE.parent / "gold" / "heldout15.jsonl"  # written as heldout15, now gold
ASKED_ON = "2026-12-05"

PREFIX_KIND = {
    "fig": {"figure"},
    "sum": {"sum"},
    "shr": {"share"},
    "dif": {"difference", "growth"},
    "rnk": {"ranking"},
    "nar": {"narrative"},
    "nf": {"not_found"},
    "amb": {"ambiguous"},
}
ALL_KINDS = {"figure", "sum", "share", "difference", "growth", "ratio", "ranking",
             "narrative", "not_found", "ambiguous"}
COMPUTED = {"sum", "share", "difference", "growth", "ranking"}
PERCENT = {"share", "growth"}
REPORT_STR = {"figure", "share", "narrative"}
REPORT_LIST = {"sum", "difference", "growth", "ranking"}
FIELDS = ["id", "question", "history", "kind", "status", "report", "figures",
          "asked_on", "note"]
ID_RE = re.compile(r"^h15-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)(\d{2})$")

errors: list[str] = []
warnings: list[str] = []


def err(where: str, msg: str) -> None:
    errors.append(f"{where}: {msg}")


# ---------------------------------------------------------------- text of a report
_text_cache: dict[str, list[str] | None] = {}


def report_lines(name: str) -> list[str] | None:
    """Lines of the report's text, or None for a PDF (not read here)."""
    if name in _text_cache:
        return _text_cache[name]
    path = REPORTS / name
    if path.suffix.lower() == ".pdf":
        _text_cache[name] = None
        return None
    raw = path.read_text(encoding="utf-8")
    lines = raw.splitlines()
    if path.suffix.lower() in (".html", ".htm"):
        stripped = []
        for line in lines:
            t = re.sub(r"<[^>]+>", "", line)
            t = html.unescape(t).replace("\u00a0", " ")
            stripped.append(t)
        lines = lines + stripped
    _text_cache[name] = lines
    return lines


# ---------------------------------------------------------------- calc evaluation
def _eval(node: ast.AST) -> Decimal:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if isinstance(node.op, ast.Div):
            return a / b
        raise ValueError(f"operator {type(node.op).__name__} not allowed")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in ("max", "min") and node.args and not node.keywords:
        vals = [_eval(a) for a in node.args]
        return max(vals) if node.func.id == "max" else min(vals)
    if isinstance(node, ast.Name) and node.id.startswith("_n"):
        return _NUMS[int(node.id[2:])]
    raise ValueError(f"expression element {type(node).__name__} not allowed")


_NUMS: list[Decimal] = []


def eval_decimal(expr: str) -> Decimal:
    """Evaluate + - * / max() min() over decimal literals, exactly."""
    _NUMS.clear()

    def repl(m: re.Match) -> str:
        _NUMS.append(Decimal(m.group(0)))
        return f"_n{len(_NUMS) - 1}"

    src = re.sub(r"\d+(?:\.\d+)?", repl, expr)
    return _eval(ast.parse(src, mode="eval"))


def check_calc(where: str, kind: str, note: str, figures: list[str]) -> None:
    m = re.search(r"calc:\s*(.+?)\s*=\s*(-?[\d.]+%?)\s*$", note)
    if not m:
        err(where, "note of a computed item must end with 'calc: <expression> = <result>'")
        return
    expr, result = m.group(1), m.group(2)
    try:
        value = eval_decimal(expr)
    except Exception as e:  # noqa: BLE001
        err(where, f"calc expression not evaluable: {expr!r} ({e})")
        return
    if result.endswith("%"):
        got = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        want = Decimal(result[:-1])
        if got != want or result[:-1] != f"{got}":
            err(where, f"calc {expr} gives {got}%, note says {result}")
    else:
        if value != Decimal(result):
            err(where, f"calc {expr} gives {value}, note says {result}")
    if kind in PERCENT and not result.endswith("%"):
        err(where, f"a {kind} value must be written with %")
    if not figures or figures[0] != result:
        err(where, f"first expected figure {figures[:1]} differs from calc result {result}")


# ---------------------------------------------------------------- main
def main() -> int:
    if not REPORTS.is_dir():
        print(f"corpus not found at {REPORTS}", file=sys.stderr)
        return 2
    raw = SET.read_bytes().decode("utf-8")
    if not raw.endswith("\n"):
        err("file", "must end with a newline")
    ids: set[str] = set()
    kinds: Counter = Counter()
    followups = 0
    for n, line in enumerate(raw.split("\n")[:-1], 1):
        where = f"line {n}"
        if not line.strip():
            err(where, "blank line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(where, f"not JSON: {e}")
            continue
        if json.dumps(r, ensure_ascii=False) != line:
            err(where, "not written with json.dumps(ensure_ascii=False)")
        where = f"line {n} ({r.get('id')})"
        for f in FIELDS:
            if f not in r:
                err(where, f"missing field {f}")
        extra = set(r) - set(FIELDS) - {"quote_contains"}
        if extra:
            err(where, f"unknown fields {sorted(extra)}")
        if any(f not in r for f in FIELDS):
            continue
        rid, kind, status, report = r["id"], r["kind"], r["status"], r["report"]
        figures, history, note = r["figures"], r["history"], r["note"]

        # id, uniqueness, prefix <-> kind, history
        m = ID_RE.match(rid)
        if not m:
            err(where, "id must be h15-<prefix><2 digits>")
            continue
        if rid in ids:
            err(where, "duplicate id")
        ids.add(rid)
        prefix = m.group(1)
        if kind not in ALL_KINDS:
            err(where, f"unknown kind {kind}")
        if prefix == "fu":
            if not (isinstance(history, list) and history
                    and all(isinstance(h, str) and h for h in history)):
                err(where, "a follow-up needs a non-empty history of strings")
            followups += 1
        else:
            if history != []:
                err(where, "history must be [] except for h15-fu items")
            if kind not in PREFIX_KIND[prefix]:
                err(where, f"prefix {prefix} does not match kind {kind}")
        kinds[kind] += 1

        # simple fields
        if not isinstance(r["question"], str) or not r["question"].strip():
            err(where, "empty question")
        if r["asked_on"] != ASKED_ON:
            err(where, f"asked_on must be {ASKED_ON}")
        if not isinstance(note, str) or not note.strip():
            err(where, "empty note")
        if re.search(r'(?<![\w.])/(?:w' 'ork|home|tmp|usr|root)/', line):
            err(where, "absolute path in the item")

        # status per kind
        want_status = kind if kind in ("not_found", "ambiguous") else "answered"
        if status != want_status:
            err(where, f"status must be {want_status} for kind {kind}")

        # report shape and existence
        if kind in ("not_found", "ambiguous"):
            if report is not None:
                err(where, "report must be null")
            if figures != []:
                err(where, "figures must be []")
            names: list[str] = []
        elif kind in REPORT_STR:
            if not isinstance(report, str):
                err(where, "report must be a string")
                names = []
            else:
                names = [report]
        else:
            least = 1 if kind == "sum" else 2
            if not (isinstance(report, list) and len(report) >= least
                    and all(isinstance(x, str) for x in report)):
                err(where, f"report must be a list of at least {least} file name(s)")
                names = []
            else:
                names = report
                if len(set(names)) != len(names):
                    err(where, "a report is listed twice")
        for name in names:
            if "/" in name or not (REPORTS / name).is_file():
                err(where, f"report file not in corpus: {name}")

        # narrative
        if kind == "narrative":
            q = r.get("quote_contains")
            if figures != []:
                err(where, "narrative figures must be []")
            if not isinstance(q, str) or not (8 <= len(q) <= 30):
                err(where, "quote_contains must be 8-30 characters")
            elif names and (REPORTS / names[0]).is_file():
                lines = report_lines(names[0])
                if lines is None:
                    warnings.append(f"{where}: quote in a PDF, not checked")
                elif not any(q in ln for ln in lines):
                    err(where, f"quote_contains not found on one line of {names[0]}: {q!r}")
        elif "quote_contains" in r:
            err(where, "quote_contains is for narrative items only")

        # figures
        if kind not in ("narrative", "not_found", "ambiguous"):
            if not (isinstance(figures, list) and figures
                    and all(isinstance(x, str) and x for x in figures)):
                err(where, "figures must be a non-empty list of strings")
                continue
            for x in figures:
                if not re.fullmatch(r"-?\d+(?:\.\d+)?%?", x):
                    err(where, f"figure not a plain number: {x!r}")
            if kind in COMPUTED:
                check_calc(where, kind, note, figures)
            if kind == "figure":
                # loose: the printed value occurs in the report's text
                lines = report_lines(names[0]) if names else None
                if lines is not None and not any(figures[0] in ln for ln in lines):
                    err(where, f"figure {figures[0]} does not occur in {names[0]}")
            if kind == "ranking" and not figures[0].endswith("%"):
                if not any((lines := report_lines(nm)) is None
                           or any(figures[0] in ln for ln in lines) for nm in names):
                    err(where, f"ranking winner {figures[0]} occurs in no compared report")

    # counts
    total = sum(kinds.values())
    if total != 40:
        err("file", f"expected 40 questions, found {total}")
    print(f"{total} questions, {len(ids)} unique ids, {followups} follow-ups")
    print("per kind:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for w in warnings:
        print("warning:", w)
    if errors:
        for e in errors:
            print("ERROR:", e)
        print(f"FAILED: {len(errors)} error(s)")
        return 1
    print("OK: heldout15 passes (quotes checked in .txt/.md/.html; PDF quotes not checked, none used)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
