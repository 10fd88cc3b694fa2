"""Self-check for evals/gold/heldout8.jsonl (written as heldout8).

Run:  .venv/bin/python evals/heldout8/validate.py   (from the repository root, or from anywhere)

Checks, per line:
  * the line parses, has exactly the fields of the gold line format (plus asked_on),
    with the right types; quote_contains only on narrative lines;
  * ids are unique, look like h8-<abbr>-NN, and the abbreviation fits the kind
    (fu- ids carry a non-empty history, all others an empty one);
  * status / report / figures agree with the kind (null report and no figures for
    not_found and ambiguous; a string report for figure/share/narrative; a list for
    sum/difference/growth/ratio/ranking);
  * every cited report file exists in ../../../shared/corpus/reports (relative to this script);
  * quote_contains is 8-30 characters and lies within ONE line of the cited report's text;
  * figures that are printed values (figure items, ranking items, the non-headline
    figures of computed items) occur in the cited report text(s);
  * every note's trailing `calc: <expr> = <result>` is re-computed (exact for sums and
    differences, rounded half-up to the result's decimals for shares / growth / ratios),
    the result equals the first expected figure, and each operand of the expression
    (other than the constant 100) occurs in the cited report text(s).

Report text: .txt/.md as stored; .html with <script>/<style> dropped, block tags turned
into line breaks, other tags removed and entities unescaped; .pdf through pypdfium2's
text layer. Occurrence checks are substring checks, because several originals run the
digits of adjacent cells together ("713000074").
"""
from __future__ import annotations

import ast
import html
import json
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path

getcontext().prec = 50

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "gold" / "heldout8.jsonl"  # written as heldout8, now gold
REPORTS = (HERE / ".." / ".." / ".." / "shared" / "corpus" / "reports").resolve()
ASKED_ON = "2026-12-02"

FIELDS = {"id", "question", "history", "kind", "status", "report", "figures", "note", "asked_on"}
KINDS = {"figure", "sum", "share", "difference", "growth", "ratio", "ranking",
         "narrative", "not_found", "ambiguous"}
ABBR = {"fig": {"figure"}, "sum": {"sum"}, "shr": {"share"},
        "dif": {"difference", "growth", "ratio"}, "rnk": {"ranking"},
        "nar": {"narrative"}, "nf": {"not_found"}, "amb": {"ambiguous"}, "fu": KINDS}
COMPUTED = {"sum", "share", "difference", "growth", "ratio"}
ROUNDED = {"share", "growth", "ratio"}
STR_REPORT = {"figure", "share", "narrative"}
LIST_REPORT = {"sum", "difference", "growth", "ratio", "ranking"}

_cache: dict[str, str] = {}


def report_text(name: str) -> str:
    if name in _cache:
        return _cache[name]
    path = REPORTS / name
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(path))
        text = "\n".join(pg.get_textpage().get_text_range() for pg in doc)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    elif path.suffix in (".html", ".htm"):
        s = path.read_text(encoding="utf-8")
        s = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", s)
        s = re.sub(r"(?is)<!--.*?-->", "", s)
        s = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|td|th|li|h\d|table)\s*>", "\n", s)
        s = re.sub(r"<[^>]+>", "", s)
        text = html.unescape(s).replace("\xa0", " ")
    else:
        text = path.read_text(encoding="utf-8")
    _cache[name] = text
    return text


def _eval(node):
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Decimal(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
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
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("max", "min") and node.args and not node.keywords):
        vals = [_eval(a) for a in node.args]
        return max(vals) if node.func.id == "max" else min(vals)
    raise ValueError(f"unsupported expression node {ast.dump(node)}")


def check_calc(expr: str, result: str, rounded: bool) -> str | None:
    try:
        value = _eval(ast.parse(expr, mode="eval"))
    except Exception as e:  # noqa: BLE001
        return f"cannot evaluate {expr!r}: {e}"
    res = result[:-1] if result.endswith("%") else result
    try:
        want = Decimal(res)
    except Exception:  # noqa: BLE001
        return f"result {result!r} is not a number"
    if rounded:
        decimals = len(res.split(".")[1]) if "." in res else 0
        got = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    else:
        got = value
    if got != want:
        return f"{expr} evaluates to {value} (-> {got}), note says {result}"
    return None


def main() -> int:
    errors: list[str] = []
    seen: set[str] = set()
    counts: dict[str, int] = {}
    lines = DATA.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    for n, line in enumerate(lines, 1):
        where = f"line {n}"

        def err(msg: str) -> None:
            errors.append(f"{where}: {msg}")

        if not line.strip():
            err("blank line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"bad JSON: {e}")
            continue
        if line != json.dumps(r, ensure_ascii=False):
            err("not written with json.dumps(..., ensure_ascii=False)")
        where = f"line {n} ({r.get('id')})"
        kind = r.get("kind")
        want = FIELDS | ({"quote_contains"} if kind == "narrative" else set())
        if set(r) != want:
            err(f"fields {sorted(set(r) ^ want)} missing or unexpected")
            continue
        rid = r["id"]
        m = re.fullmatch(r"h8-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)-(\d{2})", rid)
        if not m:
            err("id must be h8-<abbr>-NN")
        elif kind not in ABBR[m.group(1)]:
            err(f"id abbreviation {m.group(1)} does not fit kind {kind}")
        if rid in seen:
            err("duplicate id")
        seen.add(rid)
        if kind not in KINDS:
            err(f"unknown kind {kind}")
            continue
        counts[kind] = counts.get(kind, 0) + 1
        if not isinstance(r["question"], str) or not r["question"].strip():
            err("empty question")
        if not isinstance(r["note"], str) or not r["note"].strip():
            err("empty note")
        if r["asked_on"] != ASKED_ON:
            err(f"asked_on must be {ASKED_ON}")
        hist = r["history"]
        if not isinstance(hist, list) or not all(isinstance(h, str) and h for h in hist):
            err("history must be a list of strings")
        elif m and (m.group(1) == "fu") != bool(hist):
            err("fu- ids need a non-empty history, other ids an empty one")
        figs = r["figures"]
        if not isinstance(figs, list) or not all(isinstance(f, str) and f for f in figs):
            err("figures must be a list of non-empty strings")
            continue
        rep = r["report"]
        status = r["status"]

        if kind in ("not_found", "ambiguous"):
            if status != kind:
                err(f"status must be {kind}")
            if rep is not None:
                err("report must be null")
            if figs:
                err("figures must be empty")
            continue
        if status != "answered":
            err("status must be answered")
        if kind in STR_REPORT and not isinstance(rep, str):
            err("report must be a string")
            continue
        if kind in LIST_REPORT and not (isinstance(rep, list) and rep and all(isinstance(x, str) for x in rep)):
            err("report must be a non-empty list")
            continue
        names = [rep] if isinstance(rep, str) else rep
        missing = [x for x in names if not (REPORTS / x).is_file()]
        if missing:
            err(f"report file(s) not found in {REPORTS}: {missing}")
            continue
        texts = [report_text(x) for x in names]

        if kind == "narrative":
            q = r["quote_contains"]
            if figs:
                err("narrative figures must be empty")
            if not isinstance(q, str) or not 8 <= len(q) <= 30:
                err("quote_contains must be 8-30 characters")
            elif not any(q in ln for t in texts for ln in t.split("\n")):
                err(f"quote_contains {q!r} is not within one line of {names}")
            continue

        if not figs:
            err("figures must not be empty")
            continue
        printed = figs if kind in ("figure", "ranking") else figs[1:]
        for f in printed:
            if not any(f in t for t in texts):
                err(f"figure {f!r} does not occur in {names}")

        cm = re.search(r"calc:\s*(.+?)\s*=\s*(\S+)\s*$", r["note"])
        if kind in COMPUTED and not cm:
            err("computed item: note must end with 'calc: <expr> = <result>'")
            continue
        if cm:
            expr, result = cm.group(1), cm.group(2)
            if kind in ("share", "growth") and not re.fullmatch(r"-?\d+\.\d{2}%", result):
                err(f"{kind} result must have 2 decimals and %: {result}")
            problem = check_calc(expr, result, kind in ROUNDED)
            if problem:
                err(problem)
            if result != figs[0]:
                err(f"calc result {result} differs from first figure {figs[0]}")
            for num in re.findall(r"\d+(?:\.\d+)?", expr):
                if num == "100" and kind in ROUNDED:
                    continue
                if not any(num in t for t in texts):
                    err(f"operand {num} does not occur in {names}")

    for e in errors:
        print("FAIL", e)
    print(f"{len(lines)} lines, {len(seen)} ids; kinds: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
