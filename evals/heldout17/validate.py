"""Self-check for evals/heldout17/heldout.jsonl (standard library only).

Run from the repository root:  .venv/bin/python evals/heldout17/validate.py
Reports are resolved as REPO / ".." / "shared" / "corpus" / "reports".
"""
import ast
import html
import json
import re
import sys
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REPORTS = REPO / ".." / "shared" / "corpus" / "reports"
SET = HERE.parent / "gold" / "heldout17.jsonl"  # written as heldout17, now gold
ASKED_ON = "2026-12-07"

PREFIX = {  # id prefix -> allowed kinds
    "fig": {"figure"}, "sum": {"sum"}, "shr": {"share"}, "dif": {"difference", "growth"},
    "rnk": {"ranking"}, "nar": {"narrative"}, "nf": {"not_found"}, "amb": {"ambiguous"},
    "fu": {"figure", "sum", "share", "difference", "growth", "ratio", "ranking", "narrative",
           "not_found", "ambiguous"},
}
STATUS = {"not_found": "not_found", "ambiguous": "ambiguous"}
LIST_KINDS = {"sum", "difference", "growth", "ranking"}
STR_KINDS = {"figure", "share", "narrative", "ratio"}
COMPUTED = {"sum", "share", "difference", "growth", "ratio", "ranking"}
FIELDS = ["id", "question", "history", "kind", "status", "report", "figures", "asked_on", "note"]

errors = []


def err(n, msg):
    errors.append(f"line {n}: {msg}")


def report_lines(name):
    """Lines of a report's text. .txt/.md as stored; .html with tags removed and entities
    unescaped (block ends become line breaks). .pdf: no text layer reader in the standard
    library, so a quote cannot be checked there -> None (no narrative item cites the PDF)."""
    p = REPORTS / name
    if p.suffix == ".pdf":
        return None
    t = p.read_text(encoding="utf-8")
    if p.suffix == ".html":
        t = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", t)
        t = re.sub(r"(?i)</(p|div|tr|td|th|li|h\d)>|<br\s*/?>", "\n", t)
        t = re.sub(r"<[^>]+>", "", t)
        t = html.unescape(t).replace("\xa0", " ")
    return t.splitlines()


def D(node):
    if isinstance(node, ast.Expression):
        return D(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Decimal(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -D(node.operand)
    if isinstance(node, ast.BinOp):
        a, b = D(node.left), D(node.right)
        ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b,
               ast.Mult: lambda: a * b, ast.Div: lambda: a / b}
        return ops[type(node.op)]()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("max", "min"):
        vals = [D(x) for x in node.args]
        return max(vals) if node.func.id == "max" else min(vals)
    raise ValueError(f"unsupported expression: {ast.dump(node)}")


def fmt(value, percent):
    if percent:
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"
    v = value.normalize()
    s = format(v, "f")
    return s


ids = set()
counts = {}
raw = SET.read_text(encoding="utf-8")
if not raw.endswith("\n"):
    errors.append("file must end with a newline")
lines = raw.split("\n")[:-1]
for n, line in enumerate(lines, 1):
    if not line.strip():
        err(n, "blank line")
        continue
    try:
        r = json.loads(line)
    except json.JSONDecodeError as e:
        err(n, f"bad JSON: {e}")
        continue
    if line != json.dumps(r, ensure_ascii=False):
        err(n, "not written with json.dumps(ensure_ascii=False)")
    for f in FIELDS:
        if f not in r:
            err(n, f"missing field {f}")
    extra = set(r) - set(FIELDS) - {"quote_contains"}
    if extra:
        err(n, f"unknown fields {extra}")
    rid, kind = r.get("id", ""), r.get("kind")
    if rid in ids:
        err(n, f"duplicate id {rid}")
    ids.add(rid)
    m = re.fullmatch(r"h17-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)(\d{2})", rid)
    if not m:
        err(n, f"bad id {rid}")
        continue
    prefix = m.group(1)
    if kind not in PREFIX[prefix]:
        err(n, f"id prefix {prefix} does not fit kind {kind}")
    counts[kind] = counts.get(kind, 0) + 1
    hist = r.get("history")
    if not isinstance(hist, list) or not all(isinstance(h, str) and h for h in hist):
        err(n, "history must be a list of strings")
    elif (prefix == "fu") != bool(hist):
        err(n, "history must be non-empty exactly for h17-fu ids")
    if r.get("asked_on") != ASKED_ON:
        err(n, "asked_on must be " + ASKED_ON)
    if not isinstance(r.get("question"), str) or not r["question"].strip():
        err(n, "empty question")
    if r.get("status") != STATUS.get(kind, "answered"):
        err(n, f"status {r.get('status')} wrong for kind {kind}")
    rep, figs, note = r.get("report"), r.get("figures"), r.get("note", "")
    if not isinstance(figs, list) or not all(isinstance(x, str) for x in figs):
        err(n, "figures must be a list of strings")
        figs = []
    # report field
    if kind in ("not_found", "ambiguous"):
        if rep is not None:
            err(n, "report must be null")
    elif kind in LIST_KINDS:
        if not (isinstance(rep, list) and rep and all(isinstance(x, str) for x in rep)):
            err(n, "report must be a non-empty list")
        elif kind in ("difference", "growth", "ranking") and len(rep) < 2:
            err(n, "report needs at least two files")
    elif kind in STR_KINDS:
        if not isinstance(rep, str):
            err(n, "report must be a string")
    names = [rep] if isinstance(rep, str) else (rep or [])
    for name in names:
        if not (REPORTS / name).is_file():
            err(n, f"report file not found: {name}")
    # kind-specific
    if kind in ("narrative", "not_found", "ambiguous"):
        if figs:
            err(n, "figures must be []")
    elif not figs:
        err(n, "figures must be non-empty")
    if kind == "narrative":
        q = r.get("quote_contains")
        if not isinstance(q, str) or not (8 <= len(q) <= 30):
            err(n, "quote_contains must be 8-30 characters")
        elif isinstance(rep, str) and (REPORTS / rep).is_file():
            ls = report_lines(rep)
            if ls is None:
                err(n, f"quote cannot be checked in a PDF ({rep})")
            elif not any(q in l for l in ls):
                err(n, f"quote_contains not found verbatim in one line of {rep}: {q}")
    elif "quote_contains" in r:
        err(n, "quote_contains only for narrative")
    if kind in COMPUTED:
        mc = re.search(r"calc: (.+) = (\S+)$", note)
        if not mc:
            err(n, "note must end with 'calc: <expression> = <result>'")
        else:
            expr, result = mc.group(1), mc.group(2)
            pct = kind in ("share", "growth")
            if pct and "*100" not in expr.replace(" ", ""):
                err(n, "percentage calc must multiply by 100")
            try:
                got = fmt(D(ast.parse(expr, mode="eval")), pct)
            except Exception as e:  # noqa: BLE001
                err(n, f"cannot evaluate calc {expr!r}: {e}")
            else:
                if got != result:
                    err(n, f"calc gives {got}, note says {result}")
                if figs and figs[0] != result:
                    err(n, f"figures[0] {figs[0]} != calc result {result}")
            if pct and figs and not figs[0].endswith("%"):
                err(n, "percentage figure must end with %")
    elif kind == "figure":
        for x in figs:
            if not re.fullmatch(r"-?\d+(\.\d+)?", x):
                err(n, f"figure {x!r} is not a number as printed")

if errors:
    print("\n".join(errors))
    print(f"FAILED: {len(errors)} problem(s)")
    sys.exit(1)
fu = sum(1 for i in ids if i.startswith("h17-fu"))
print(f"{len(ids)} questions OK ({fu} follow-ups); per kind: "
      + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
