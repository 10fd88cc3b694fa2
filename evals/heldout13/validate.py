"""Self-check of the thirteenth held-out set (heldout.jsonl next to this file).

Checks: the JSON Lines format, unique ids of the form h13-<kind prefix><2 digits>, the fields
each kind needs, that every cited report exists in ../shared/corpus/reports (relative to the
repository root, which is two levels above this script), that each quote_contains occurs verbatim
in its report's text, that figure values occur in the report text, and that every computed
value (sum, share, difference, growth, ranking) is re-derived from the `calc:` expression
written in its note.

Run:  .venv/bin/python evals/heldout13/validate.py
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

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REPORTS = (REPO / ".." / "shared" / "corpus" / "reports").resolve()
SET = HERE.parent / "gold" / "heldout13.jsonl"  # written as heldout13, now gold
ASKED_ON = "2026-12-03"

PREFIX_KINDS = {
    "fig": {"figure"},
    "sum": {"sum"},
    "shr": {"share"},
    "dif": {"difference", "growth", "ratio"},
    "rnk": {"ranking"},
    "nar": {"narrative"},
    "nf": {"not_found"},
    "amb": {"ambiguous"},
}
ALL_KINDS = set().union(*PREFIX_KINDS.values())
NUMERIC = {"figure", "sum", "share", "difference", "growth", "ratio", "ranking"}
COMPUTED = {"sum", "share", "difference", "growth", "ratio", "ranking"}
LIST_REPORT = {"sum", "difference", "growth", "ratio", "ranking"}
STR_REPORT = {"figure", "share", "narrative"}
FIELDS = {"id", "question", "history", "kind", "status", "report", "figures", "asked_on", "note"}

getcontext().prec = 40
_text_cache: dict[str, str] = {}


def report_text(name: str) -> str:
    """The report's text: plain files as they are, HTML without tags, PDF through its text layer."""
    if name in _text_cache:
        return _text_cache[name]
    path = REPORTS / name
    if path.suffix == ".pdf":
        text = ""
        try:
            import pdfplumber  # type: ignore

            with pdfplumber.open(str(path)) as pdf:
                text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        except ImportError:
            import pypdfium2  # type: ignore

            doc = pypdfium2.PdfDocument(str(path))
            text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    elif path.suffix in (".html", ".htm"):
        raw = path.read_text(encoding="utf-8")
        raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
        raw = re.sub(r"<!--.*?-->", " ", raw, flags=re.S)
        raw = re.sub(r"(?i)</(p|tr|td|th|div|li|h\d)>|<br\s*/?>", "\n", raw)
        raw = re.sub(r"<[^>]+>", "", raw)
        text = html.unescape(raw).replace("\xa0", " ")
    else:
        text = path.read_text(encoding="utf-8")
    _text_cache[name] = text
    return text


def _eval(node: ast.AST) -> Decimal:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Decimal(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand)
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
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("max", "min"):
        vals = [_eval(a) for a in node.args]
        return max(vals) if node.func.id == "max" else min(vals)
    raise ValueError(f"unsupported expression: {ast.dump(node)}")


def calc(expr: str) -> Decimal:
    """Evaluate + - * / ( ) max() min() over the note's literal numbers, in Decimal."""
    return _eval(ast.parse(expr.strip(), mode="eval"))


def fmt(kind: str, value: Decimal) -> str:
    if kind in ("share", "growth"):
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"
    if kind == "ratio":
        return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return format(value.normalize(), "f")


def main() -> int:
    errors: list[str] = []
    ids: set[str] = set()
    kinds: Counter[str] = Counter()
    followups = 0
    cited: set[str] = set()
    raw = SET.read_text(encoding="utf-8")
    lines = raw.split("\n")
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
            errors.append(f"{where}: not JSON ({e})")
            continue
        if json.dumps(r, ensure_ascii=False) != line:
            errors.append(f"{where}: not written with ensure_ascii=False / default separators")
        missing = FIELDS - set(r)
        if missing:
            errors.append(f"{where}: missing fields {sorted(missing)}")
            continue
        rid, kind = r["id"], r["kind"]
        where = f"line {n} ({rid})"
        m = re.fullmatch(r"h13-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)(\d{2})", rid)
        if not m:
            errors.append(f"{where}: bad id")
        if rid in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(rid)
        if kind not in ALL_KINDS:
            errors.append(f"{where}: unknown kind {kind}")
        prefix = m.group(1) if m else ""
        if prefix == "fu":
            followups += 1
            if not r["history"] or not all(isinstance(h, str) and h for h in r["history"]):
                errors.append(f"{where}: follow-up without history")
        else:
            if r["history"] != []:
                errors.append(f"{where}: history must be [] outside follow-ups")
            if prefix and kind not in PREFIX_KINDS[prefix]:
                errors.append(f"{where}: id prefix {prefix} does not fit kind {kind}")
        kinds[kind] += 1
        if not isinstance(r["question"], str) or not r["question"].strip():
            errors.append(f"{where}: empty question")
        if r["asked_on"] != ASKED_ON:
            errors.append(f"{where}: asked_on must be {ASKED_ON}")
        if not isinstance(r["note"], str) or not r["note"].strip():
            errors.append(f"{where}: empty note")
        want_status = kind if kind in ("not_found", "ambiguous") else "answered"
        if r["status"] != want_status:
            errors.append(f"{where}: status {r['status']} should be {want_status}")
        # report field
        rep = r["report"]
        if kind in ("not_found", "ambiguous"):
            if rep is not None:
                errors.append(f"{where}: report must be null")
            names = []
        elif kind in STR_REPORT:
            if not isinstance(rep, str):
                errors.append(f"{where}: report must be a string")
                names = []
            else:
                names = [rep]
        else:
            if not isinstance(rep, list) or not rep or not all(isinstance(x, str) for x in rep):
                errors.append(f"{where}: report must be a non-empty list")
                names = []
            else:
                names = rep
        for name in names:
            if "/" in name or "\\" in name:
                errors.append(f"{where}: report must be a bare file name: {name}")
            elif not (REPORTS / name).is_file():
                errors.append(f"{where}: report file not found: {name}")
            else:
                cited.add(name)
        names = [x for x in names if (REPORTS / x).is_file()]
        # figures
        figs = r["figures"]
        if not isinstance(figs, list) or not all(isinstance(x, str) for x in figs):
            errors.append(f"{where}: figures must be a list of strings")
            continue
        if kind in NUMERIC and not figs:
            errors.append(f"{where}: numeric kind needs figures")
        if kind not in NUMERIC and figs:
            errors.append(f"{where}: figures must be [] for {kind}")
        # quote
        if kind == "narrative":
            qc = r.get("quote_contains")
            if not isinstance(qc, str) or not (8 <= len(qc) <= 30) or "\n" in qc:
                errors.append(f"{where}: quote_contains must be 8-30 characters on one line")
            elif names and qc not in report_text(names[0]):
                errors.append(f"{where}: quote_contains not found verbatim in {names[0]}")
        elif "quote_contains" in r:
            errors.append(f"{where}: quote_contains only for narrative")
        # figure values present in the source text
        if kind == "figure" and names and figs:
            text = report_text(names[0])
            for v in figs:
                if v not in text:
                    errors.append(f"{where}: figure {v} does not occur in {names[0]}")
        # computed values re-derived from the note
        if kind in COMPUTED:
            mm = re.search(r"calc:\s*([^=]+?)\s*=\s*(\S+)\s*$", r["note"])
            if not mm:
                errors.append(f"{where}: note lacks 'calc: <expression> = <result>' at its end")
            else:
                try:
                    got = fmt(kind, calc(mm.group(1)))
                except Exception as e:  # noqa: BLE001
                    errors.append(f"{where}: cannot evaluate calc ({e})")
                else:
                    if got != figs[0]:
                        errors.append(f"{where}: calc gives {got}, figures[0] is {figs[0]}")
                    if mm.group(2) != figs[0]:
                        errors.append(f"{where}: note states {mm.group(2)}, figures[0] is {figs[0]}")
                    # every operand occurs in at least one cited report's text
                    joined = "\n".join(report_text(x) for x in names)
                    for lit in re.findall(r"\d+(?:\.\d+)?", mm.group(1)):
                        if kind in ("share", "growth") and lit == "100":
                            continue
                        if lit not in joined:
                            errors.append(f"{where}: operand {lit} not in the cited reports' text")
        if kind in ("difference", "growth", "ratio") and isinstance(rep, list) and len(rep) < 2:
            errors.append(f"{where}: {kind} compares two reports (earlier year first)")
        if kind == "ranking" and isinstance(rep, list) and len(rep) < 2:
            errors.append(f"{where}: ranking needs at least two reports")

    all_reports = sorted(p.name for p in REPORTS.iterdir() if p.suffix in (".txt", ".md", ".html", ".pdf"))
    uncited = [x for x in all_reports if x not in cited]
    print(f"{len(ids)} questions, {followups} follow-ups")
    print("per kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"reports cited: {len(cited)} of {len(all_reports)} files; not cited: {', '.join(uncited) or '-'}")
    if errors:
        print(f"FAIL: {len(errors)} problem(s)")
        for e in errors:
            print("  " + e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
