"""Self-check for evals/gold/heldout11.jsonl (written as evals/heldout11/heldout.jsonl).

Checks: line format and field types, unique ids (h11- + kind prefix + two digits),
asked_on, that every cited report file exists in ../shared/corpus/reports (relative to
the repository root, found from this script's own location), that each quote_contains
occurs verbatim in its report's text, and that computed figures (sum, share, difference,
growth, ratio, ranking) re-derive from the expression written in the note after "计算:".

Run:  .venv/bin/python evals/heldout11/validate.py
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
REPO = HERE.parents[1]  # evals/heldout11 -> evals -> repository root
REPORTS = (REPO / ".." / "shared" / "corpus" / "reports").resolve()
DATA = HERE.parent / "gold" / "heldout11.jsonl"  # written as heldout11, now gold

KINDS = {"figure", "sum", "share", "difference", "growth", "ratio", "ranking",
         "narrative", "not_found", "ambiguous"}
PREFIX = {"figure": "fig", "sum": "sum", "share": "shr", "difference": "dif",
          "growth": "dif", "ratio": "dif", "ranking": "rnk", "narrative": "nar",
          "not_found": "nf", "ambiguous": "amb"}
FIELDS = {"id", "question", "history", "kind", "status", "report", "figures",
          "asked_on", "note"}
ASKED_ON = "2026-12-02"


def report_text(name: str) -> str:
    path = REPORTS / name
    if name.endswith(".pdf"):
        import pypdfium2  # reading tool only
        doc = pypdfium2.PdfDocument(str(path))
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    text = path.read_text(encoding="utf-8")
    if name.endswith(".html"):
        text = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", text)
        text = re.sub(r"<[^>]+>", "", text)
        text = html.unescape(text).replace("\xa0", " ")
    return text


def _eval(node):
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Fraction(str(node.value))
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
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "max":
        return max(_eval(a) for a in node.args)
    raise ValueError(f"unsupported expression: {ast.dump(node)}")


def fmt(value: Fraction, kind: str) -> str:
    if kind in ("share", "growth"):
        d = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{d}%"
    if value.denominator == 1:
        return str(value.numerator)
    d = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(d)


def main() -> int:
    errors: list[str] = []
    ids: set[str] = set()
    counts: dict[str, int] = {}
    followups = 0
    texts: dict[str, str] = {}
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
            errors.append(f"{where}: bad JSON {e}")
            continue
        if line != json.dumps(r, ensure_ascii=False):
            errors.append(f"{where}: not written with ensure_ascii=False / compact form")
        where = f"line {n} {r.get('id')}"
        missing = FIELDS - r.keys()
        if missing:
            errors.append(f"{where}: missing {sorted(missing)}")
            continue
        kind = r["kind"]
        if kind not in KINDS:
            errors.append(f"{where}: unknown kind {kind}")
            continue
        counts[kind] = counts.get(kind, 0) + 1
        rid = r["id"]
        if rid in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(rid)
        if not isinstance(r["history"], list) or not all(isinstance(h, str) for h in r["history"]):
            errors.append(f"{where}: history must be a list of strings")
        is_fu = bool(r["history"])
        followups += is_fu
        want = "fu" if is_fu else PREFIX[kind]
        if not re.fullmatch(rf"h11-{want}\d\d", rid):
            errors.append(f"{where}: id should be h11-{want}NN")
        if r["asked_on"] != ASKED_ON:
            errors.append(f"{where}: asked_on must be {ASKED_ON}")
        if not isinstance(r["question"], str) or not r["question"].strip():
            errors.append(f"{where}: empty question")
        if not isinstance(r["figures"], list) or not all(isinstance(x, str) for x in r["figures"]):
            errors.append(f"{where}: figures must be a list of strings")
        status = {"not_found": "not_found", "ambiguous": "ambiguous"}.get(kind, "answered")
        if r["status"] != status:
            errors.append(f"{where}: status should be {status}")
        rep = r["report"]
        if kind in ("not_found", "ambiguous"):
            if rep is not None or r["figures"]:
                errors.append(f"{where}: report must be null and figures empty")
            names = []
        else:
            if kind in ("sum", "difference", "growth", "ranking"):
                if not isinstance(rep, list) or not rep:
                    errors.append(f"{where}: report must be a non-empty list")
                    names = []
                else:
                    names = rep
                if kind in ("difference", "growth") and isinstance(rep, list) and len(rep) != 2:
                    errors.append(f"{where}: difference/growth cites two reports, earlier first")
                if kind == "ranking" and isinstance(rep, list) and len(rep) < 2:
                    errors.append(f"{where}: ranking compares at least two reports")
            else:
                if not isinstance(rep, str):
                    errors.append(f"{where}: report must be a string")
                    names = []
                else:
                    names = [rep]
            for name in names:
                if "/" in name or "\\" in name:
                    errors.append(f"{where}: report must be a bare file name: {name}")
                elif not (REPORTS / name).is_file():
                    errors.append(f"{where}: report file not found: {name}")
        if kind == "narrative":
            q = r.get("quote_contains")
            if not isinstance(q, str) or not (8 <= len(q) <= 30):
                errors.append(f"{where}: quote_contains must be 8-30 characters")
            elif "\n" in q:
                errors.append(f"{where}: quote_contains crosses a line break")
            elif r["figures"]:
                errors.append(f"{where}: narrative figures must be []")
            else:
                for name in names:
                    if name not in texts:
                        texts[name] = report_text(name)
                    if q not in texts[name]:
                        errors.append(f"{where}: quote not found verbatim in {name}: {q}")
        elif "quote_contains" in r:
            errors.append(f"{where}: quote_contains only on narrative items")
        if kind in ("figure", "sum", "share", "difference", "growth", "ratio", "ranking"):
            if not r["figures"]:
                errors.append(f"{where}: figures empty")
        if kind in ("sum", "share", "difference", "growth", "ratio", "ranking"):
            m = re.search(r"计算:\s*(.+?)\s*=\s*(\S+?)(?:[，。,;；\s]|$)", r["note"])
            if not m:
                errors.append(f"{where}: note lacks '计算: <expr> = <value>'")
            else:
                expr, stated = m.group(1), m.group(2)
                try:
                    value = _eval(ast.parse(expr, mode="eval"))
                except (SyntaxError, ValueError, ZeroDivisionError) as e:
                    errors.append(f"{where}: cannot evaluate {expr!r}: {e}")
                else:
                    got = fmt(value, kind)
                    if got != r["figures"][0]:
                        errors.append(f"{where}: {expr} = {got}, figures[0] = {r['figures'][0]}")
                    if stated != got:
                        errors.append(f"{where}: note states {stated}, computed {got}")
                    operands = re.findall(r"\d+(?:\.\d+)?", expr)
                    for num in operands:
                        if num != "100" and num not in r["note"].replace(expr, ""):
                            errors.append(f"{where}: operand {num} not quoted elsewhere in note")
                    for extra in r["figures"][1:]:
                        if extra not in operands:
                            errors.append(f"{where}: extra figure {extra} is not an operand")
    if errors:
        print("\n".join(errors))
        print(f"FAILED: {len(errors)} problem(s)")
        return 1
    total = sum(counts.values())
    print(f"{total} questions, ids unique, {followups} follow-ups")
    print(", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
