"""Self-check for the seventh held-out set (now evals/gold/heldout7.jsonl).

Checks, without touching the assistant's code:
  * every line parses and carries exactly the expected fields, with the right types;
  * ids are unique, start with ``h7-``, use the kind abbreviation + 2 digits
    (``fu`` for follow-ups, which and only which have a non-empty history);
  * status / report / figures / quote_contains agree with the kind;
  * every cited report file exists in ../../../shared/corpus/reports;
  * quote_contains (narrative) is 8-30 characters and lies within one line of the
    cited report's text;
  * printed figures (figure and ranking items) occur in a cited report's text
    (substring match, so digits run together like '713000074' still count;
    a whitespace-free copy of the text is tried too);
  * every ``calc: <expr> = <result>`` in a note is re-computed (Decimal arithmetic,
    share/growth rounded half-up to 2 decimals with %, ratio to the printed decimals),
    the result equals the item's first figure, and each operand occurs in a cited
    report's text.

Run: .venv/bin/python evals/heldout7/validate.py
"""
from __future__ import annotations

import ast
import html
import json
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = (HERE / ".." / ".." / ".." / "shared" / "corpus" / "reports").resolve()
DATA = HERE.parent / "gold" / "heldout7.jsonl"  # written as heldout7, now gold

FIELDS = {"id", "question", "history", "kind", "status", "report", "figures", "note", "asked_on"}
ABBR = {
    "figure": "fig", "sum": "sum", "share": "shr", "difference": "dif", "growth": "dif",
    "ratio": "dif", "ranking": "rnk", "narrative": "nar", "not_found": "nf", "ambiguous": "amb",
}
COMPUTED = {"sum", "share", "difference", "growth", "ratio", "ranking"}
LIST_REPORT = {"sum", "difference", "growth", "ratio", "ranking"}
ASKED_ON = "2026-12-02"

_text_cache: dict[str, str] = {}


def report_text(name: str) -> str:
    if name in _text_cache:
        return _text_cache[name]
    path = REPORTS / name
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(path))
        text = "\n".join(page.get_textpage().get_text_range() for page in doc)
    else:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".html", ".htm"):
            text = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", text)
            text = re.sub(r"(?is)<!--.*?-->", "", text)
            text = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|h\d|li)>", "\n", text)
            text = re.sub(r"(?i)</t[dh]>", " ", text)
            text = re.sub(r"<[^>]+>", "", text)
            text = html.unescape(text).replace("\xa0", " ")
            text = re.sub(r"[ \t]+", " ", text)
    _text_cache[name] = text
    return text


def occurs(value: str, names: list[str]) -> bool:
    for n in names:
        t = report_text(n)
        if value in t or value in re.sub(r"\s+", "", t):
            return True
    return False


def _eval(node):
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Decimal(ast.get_source_segment(EXPR, node) or repr(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        a, b = _eval(node.left), _eval(node.right)
        return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(type(node.op)) if not isinstance(node.op, ast.Div) else a / b
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("max", "min") and not node.keywords:
        vals = [_eval(a) for a in node.args]
        return max(vals) if node.func.id == "max" else min(vals)
    raise ValueError(f"unsupported expression element: {ast.dump(node)}")


EXPR = ""


def check_calc(expr: str, result: str) -> tuple[bool, str]:
    global EXPR
    EXPR = expr
    value = _eval(ast.parse(expr, mode="eval"))
    if result.endswith("%"):
        got = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{got}%" == result, f"{got}%"
    if "." in result:
        places = len(result.split(".")[1])
        got = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return str(got) == result, str(got)
    if value != value.to_integral_value():
        return False, str(value)
    got = str(int(value))
    return got == result, got


def main() -> int:
    errors: list[str] = []
    seen: set[str] = set()
    counts: dict[str, int] = {}
    followups = 0
    lines = DATA.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    for n, line in enumerate(lines, 1):
        where = f"line {n}"
        if not line.strip():
            errors.append(f"{where}: blank line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{where}: bad JSON ({e})")
            continue
        rid = r.get("id", "?")
        where = f"line {n} ({rid})"
        kind = r.get("kind")
        want = FIELDS | ({"quote_contains"} if kind == "narrative" else set())
        if set(r) != want:
            errors.append(f"{where}: fields {sorted(set(r) ^ want)} wrong")
            continue
        if line != json.dumps(r, ensure_ascii=False):
            errors.append(f"{where}: not written with ensure_ascii=False / compact json.dumps")
        if kind not in ABBR:
            errors.append(f"{where}: unknown kind {kind!r}")
            continue
        counts[kind] = counts.get(kind, 0) + 1
        # id
        if rid in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(rid)
        hist = r["history"]
        if not isinstance(hist, list) or not all(isinstance(h, str) and h for h in hist):
            errors.append(f"{where}: history must be a list of strings")
        prefix = "fu" if hist else ABBR[kind]
        if hist:
            followups += 1
        if not re.fullmatch(rf"h7-{prefix}-\d\d", rid):
            errors.append(f"{where}: id should be h7-{prefix}-NN")
        if r["asked_on"] != ASKED_ON:
            errors.append(f"{where}: asked_on must be {ASKED_ON}")
        if not isinstance(r["question"], str) or not r["question"].strip():
            errors.append(f"{where}: empty question")
        if not isinstance(r["note"], str) or not r["note"].strip():
            errors.append(f"{where}: empty note")
        figures = r["figures"]
        if not isinstance(figures, list) or not all(isinstance(f, str) and f for f in figures):
            errors.append(f"{where}: figures must be a list of non-empty strings")
            figures = []
        # status / report by kind
        report = r["report"]
        if kind in ("not_found", "ambiguous"):
            if r["status"] != kind:
                errors.append(f"{where}: status must be {kind}")
            if report is not None:
                errors.append(f"{where}: report must be null")
            if figures:
                errors.append(f"{where}: figures must be empty")
            continue
        if r["status"] != "answered":
            errors.append(f"{where}: status must be answered")
        if kind in LIST_REPORT:
            if not (isinstance(report, list) and report and all(isinstance(x, str) for x in report)):
                errors.append(f"{where}: report must be a non-empty list for {kind}")
                continue
            names = report
        else:
            if not isinstance(report, str):
                errors.append(f"{where}: report must be a string for {kind}")
                continue
            names = [report]
        missing = [x for x in names if not (REPORTS / x).is_file()]
        if missing:
            errors.append(f"{where}: report file(s) not found: {missing}")
            continue
        if kind in ("difference", "growth", "ratio") and len(names) == 1:
            pass  # a within-report comparison would be allowed; none here
        # narrative
        if kind == "narrative":
            q = r["quote_contains"]
            if figures:
                errors.append(f"{where}: narrative figures must be empty")
            if not isinstance(q, str) or not (8 <= len(q) <= 30):
                errors.append(f"{where}: quote_contains must be 8-30 characters")
            elif not any(q in ln for ln in report_text(names[0]).splitlines()):
                errors.append(f"{where}: quote_contains not within one line of {names[0]}")
            continue
        if not figures:
            errors.append(f"{where}: figures empty")
            continue
        # printed figures
        if kind in ("figure", "ranking"):
            for f in figures:
                if not occurs(f, names):
                    errors.append(f"{where}: figure {f!r} not in the text of {names}")
        # calc
        m = re.search(r"calc:\s*(.+?)\s*=\s*(\S+)\s*$", r["note"])
        if kind in COMPUTED:
            if not m:
                errors.append(f"{where}: computed item's note must end with 'calc: <expr> = <result>'")
                continue
        if m:
            expr, result = m.group(1), m.group(2)
            try:
                ok, got = check_calc(expr, result)
            except (ValueError, SyntaxError, ArithmeticError) as e:
                errors.append(f"{where}: calc {expr!r} not evaluable ({e})")
                continue
            if not ok:
                errors.append(f"{where}: calc {expr} gives {got}, note says {result}")
            if result != figures[0]:
                errors.append(f"{where}: calc result {result} differs from first figure {figures[0]}")
            for operand in re.findall(r"\d+(?:\.\d+)?", expr):
                if operand in ("100",) and "*100" in expr.replace(" ", ""):
                    continue
                if not occurs(operand, names):
                    errors.append(f"{where}: calc operand {operand} not in the text of {names}")
    total = sum(counts.values())
    print(f"{total} questions, {followups} follow-ups; per kind: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if errors:
        print(f"{len(errors)} problem(s):")
        for e in errors:
            print("  -", e)
        return 1
    print("OK: format, ids, report files, quotes, printed figures and calc expressions all check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
