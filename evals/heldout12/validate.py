"""Self-check for the twelfth held-out set (written as heldout.jsonl next to this script, now evals/gold/heldout12.jsonl).

Checks: the JSON-line format and fields, unique ids of the form h12-<kind><2 digits>,
asked_on, history only on follow-ups, that every report file exists in the corpus
(../shared/corpus/reports relative to the repository root, found from this script's own
location), that every quote_contains occurs verbatim in its report's text, and that every
computed figure (sum, share, difference, growth, ratio, ranking) is re-derived from the
expression written after 计算： in its note.

Run:  .venv/bin/python evals/heldout12/validate.py
"""
from __future__ import annotations

import ast
import html
import json
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
REPORTS = REPO_ROOT.parent / "shared" / "corpus" / "reports"
DATA = HERE.parent / "gold" / "heldout12.jsonl"  # written as heldout12, now gold

ASKED_ON = "2026-12-03"
KINDS = {"figure", "sum", "share", "difference", "growth", "ratio", "ranking",
         "narrative", "not_found", "ambiguous"}
PREFIX_KIND = {"fig": {"figure"}, "sum": {"sum"}, "shr": {"share"},
               "dif": {"difference", "growth", "ratio"}, "rnk": {"ranking"},
               "nar": {"narrative"}, "nf": {"not_found"}, "amb": {"ambiguous"},
               "fu": KINDS}
ID_RE = re.compile(r"^h12-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)(\d{2})$")
FIELDS = {"id", "question", "history", "kind", "status", "report", "figures", "asked_on", "note"}
COMPUTED = {"sum", "share", "difference", "growth", "ratio", "ranking"}
CALC_RE = re.compile(r"计算：\s*([0-9+\-*/()., maxMAX]+?)\s*(?:=|→|$)")

_text_cache: dict[str, str] = {}


def report_text(name: str) -> str:
    """The text a reader sees: raw for .txt/.md, tags stripped for .html, text layer for .pdf."""
    if name in _text_cache:
        return _text_cache[name]
    path = REPORTS / name
    if name.endswith(".pdf"):
        import pypdfium2  # only used to read the PDF's text layer

        doc = pypdfium2.PdfDocument(str(path))
        text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        text = path.read_text(encoding="utf-8")
        if name.endswith((".html", ".htm")):
            text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
            text = re.sub(r"(?s)<!--.*?-->", " ", text)
            text = re.sub(r"<[^>]+>", "", text)
            text = html.unescape(text).replace("\xa0", " ")
            text = re.sub(r"[ \t\u3000]+", " ", text)
    _text_cache[name] = text
    return text


def evaluate(expr: str) -> Fraction:
    """Exact value of an arithmetic expression (+ - * / parentheses, max); decimals exact."""
    tree = ast.parse(expr, mode="eval")

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return Fraction(ast.get_source_segment(expr, node))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, ast.Div):
                return a / b
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "max" and node.args and not node.keywords):
            return max(ev(a) for a in node.args)
        raise ValueError(f"unsupported expression: {ast.dump(node)}")

    return ev(tree)


def round2(x: Fraction) -> str:
    d = Decimal(x.numerator) / Decimal(x.denominator)
    return str(d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def plain(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    d = Decimal(x.numerator) / Decimal(x.denominator)
    return format(d.normalize(), "f")


def formatted(kind: str, value: Fraction) -> str:
    if kind in ("share", "growth"):
        return round2(value) + "%"
    if kind == "ratio":
        return round2(value)
    return plain(value)


def main() -> int:
    errors: list[str] = []
    ids: set[str] = set()
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
            errors.append(f"{where}: bad JSON: {e}")
            continue
        if json.dumps(r, ensure_ascii=False) != line:
            errors.append(f"{where}: not written with ensure_ascii=False / compact form")
        rid = r.get("id", "?")
        where = f"line {n} ({rid})"
        missing = FIELDS - r.keys()
        if missing:
            errors.append(f"{where}: missing fields {sorted(missing)}")
            continue
        m = ID_RE.match(rid)
        if not m:
            errors.append(f"{where}: bad id")
        if rid in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(rid)
        kind, status = r["kind"], r["status"]
        if kind not in KINDS:
            errors.append(f"{where}: bad kind {kind}")
        if m and kind not in PREFIX_KIND[m.group(1)]:
            errors.append(f"{where}: kind {kind} does not fit id prefix {m.group(1)}")
        counts[kind] = counts.get(kind, 0) + 1
        if r["asked_on"] != ASKED_ON:
            errors.append(f"{where}: asked_on must be {ASKED_ON}")
        if not isinstance(r["question"], str) or not r["question"].strip():
            errors.append(f"{where}: empty question")
        if not isinstance(r["history"], list) or not all(isinstance(h, str) and h for h in r["history"]):
            errors.append(f"{where}: history must be a list of strings")
        is_fu = bool(m) and m.group(1) == "fu"
        if is_fu != bool(r["history"]):
            errors.append(f"{where}: history must be non-empty exactly for fu- ids")
        followups += bool(r["history"])
        if not isinstance(r["note"], str) or not r["note"].strip():
            errors.append(f"{where}: empty note")
        figs = r["figures"]
        if not isinstance(figs, list) or not all(isinstance(f, str) for f in figs):
            errors.append(f"{where}: figures must be a list of strings")
            continue
        rep = r["report"]

        # status / report / figures by kind
        if kind in ("not_found", "ambiguous"):
            if status != kind or rep is not None or figs:
                errors.append(f"{where}: {kind} needs status {kind}, report null, figures []")
            continue
        if status != "answered":
            errors.append(f"{where}: status must be answered")
        if kind in ("figure", "share", "narrative"):
            if not isinstance(rep, str):
                errors.append(f"{where}: report must be a string for {kind}")
                continue
            names = [rep]
        else:
            if not isinstance(rep, list) or not rep or not all(isinstance(x, str) for x in rep):
                errors.append(f"{where}: report must be a non-empty list for {kind}")
                continue
            names = rep
            if kind == "ranking" and len(rep) < 2:
                errors.append(f"{where}: a ranking compares at least two reports")
        for name in names:
            if "/" in name or "\\" in name or not (REPORTS / name).is_file():
                errors.append(f"{where}: report file not found: {name}")

        if kind == "narrative":
            qc = r.get("quote_contains")
            if figs:
                errors.append(f"{where}: narrative figures must be []")
            if not isinstance(qc, str) or not 8 <= len(qc) <= 30 or "\n" in qc:
                errors.append(f"{where}: quote_contains must be 8-30 characters, one line")
                continue
            if all((REPORTS / x).is_file() for x in names) and qc not in report_text(names[0]):
                errors.append(f"{where}: quote_contains not found verbatim in {names[0]}")
            continue
        if "quote_contains" in r:
            errors.append(f"{where}: quote_contains only on narrative items")
        if not figs:
            errors.append(f"{where}: figures must not be empty")
            continue
        # every expected figure is named in the note
        for f in figs:
            bare = f.rstrip("%")
            if bare not in r["note"]:
                errors.append(f"{where}: figure {f} not stated in note")
        if kind in COMPUTED:
            cm = CALC_RE.search(r["note"])
            if not cm:
                errors.append(f"{where}: note lacks 计算：<expression>")
                continue
            try:
                value = evaluate(cm.group(1).strip())
            except Exception as e:  # noqa: BLE001
                errors.append(f"{where}: cannot evaluate {cm.group(1)!r}: {e}")
                continue
            want = formatted(kind, value)
            if want != figs[0]:
                errors.append(f"{where}: note computes {want}, figures[0] is {figs[0]}")

    total = len(ids)
    for e in errors:
        print("FAIL", e)
    print(f"{total} questions; per kind: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
          + f"; follow-ups {followups}")
    if errors:
        print(f"{len(errors)} problem(s)")
        return 1
    print("OK: format, unique ids, report files, quotes and computed figures all check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
