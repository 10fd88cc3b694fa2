"""Check evals/heldout6/heldout.jsonl against its line format and against the corpus reports.

Run:  .venv/bin/python evals/heldout6/validate.py [FILE.jsonl]   (default: evals/gold/heldout6.jsonl)

Checks
  * every line parses; fields, types and allowed values (format of evals/gold/README.md);
  * ids unique, of the form h6-<abbr>-NN, abbr matching the kind (fu = follow-up, non-empty history);
  * status / report / figures / quote_contains consistent with the kind; asked_on set;
  * every cited report file exists in ../../../shared/corpus/reports (relative to this script);
  * quote_contains (narrative) lies within one line of the cited report's text;
  * printed figures occur in a cited report's text (digits may run together with neighbours,
    whitespace is ignored);
  * every computed value (sum, share, difference, growth, ratio, ranking) is re-done from the
    `calc: <expr> = <result>` part of its note, and each operand of the expression is printed in a
    cited report;
  * every report file of the corpus is cited at least once.
Exit status 0 when all checks pass, 1 otherwise.
"""
from __future__ import annotations

import ast
import html
import json
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path

getcontext().prec = 40

HERE = Path(__file__).resolve().parent
JSONL = HERE.parent / "gold" / "heldout6.jsonl"  # written as heldout6, now gold
REPORTS = (HERE / ".." / ".." / ".." / "shared" / "corpus" / "reports").resolve()
ASKED_ON = "2026-12-02"

KINDS = {"figure", "sum", "share", "difference", "growth", "ratio", "ranking",
         "narrative", "not_found", "ambiguous"}
ABBR = {"figure": "fig", "sum": "sum", "share": "shr", "difference": "dif", "growth": "dif",
        "ratio": "dif", "ranking": "rnk", "narrative": "nar", "not_found": "nf", "ambiguous": "amb"}
COMPUTED = {"sum", "share", "difference", "growth", "ratio", "ranking"}
REQUIRED = ["id", "question", "history", "kind", "status", "report", "figures", "note"]
OPTIONAL = {"quote_contains", "asked_on"}
ID_RE = re.compile(r"^h6-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)-\d{2}$")

errors: list[str] = []


def err(where: str, msg: str) -> None:
    errors.append(f"{where}: {msg}")


# ---------------------------------------------------------------- report text
_text_cache: dict[str, str] = {}


def _html_text(raw: str) -> str:
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", raw)
    raw = re.sub(r"(?s)<!--.*?-->", " ", raw)
    raw = re.sub(r"(?i)<br\s*/?>", "\n", raw)
    raw = re.sub(r"(?i)</(p|div|tr|li|h[1-6]|table|tbody)\s*>", "\n", raw)
    raw = re.sub(r"(?i)</t[dh]\s*>", "\t", raw)
    raw = re.sub(r"<[^>]+>", "", raw)
    raw = html.unescape(raw).replace("\xa0", " ")
    return raw


def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium  # in the project's .venv

    doc = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def report_text(name: str) -> str:
    if name not in _text_cache:
        path = REPORTS / name
        if path.suffix.lower() == ".pdf":
            text = _pdf_text(path)
        else:
            text = path.read_text(encoding="utf-8")
            if path.suffix.lower() in {".html", ".htm"}:
                text = _html_text(text)
        _text_cache[name] = text
    return _text_cache[name]


def report_lines(name: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", report_text(name))


def squeezed(name: str) -> str:
    """The text with all whitespace removed, so that '0 010 10' and '713000074' are digit runs."""
    return re.sub(r"\s+", "", report_text(name))


def printed_in(value: str, names: list[str]) -> bool:
    v = value.strip().rstrip("%")
    return any(v in squeezed(n) for n in names)


# ---------------------------------------------------------------- arithmetic
def _eval(node: ast.AST) -> tuple[Decimal, list[str]]:
    """Evaluate +, -, *, /, unary minus, max(), min() over decimal literals; return value and operands."""
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        raise ValueError("numbers must come from the source text")  # replaced below
    if isinstance(node, ast.Name) and node.id.startswith("N_"):
        lit = _LITS[int(node.id[2:])]
        return Decimal(lit), [lit]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v, ops = _eval(node.operand)
        return -v, ops
    if isinstance(node, ast.BinOp):
        a, oa = _eval(node.left)
        b, ob = _eval(node.right)
        if isinstance(node.op, ast.Add):
            return a + b, oa + ob
        if isinstance(node.op, ast.Sub):
            return a - b, oa + ob
        if isinstance(node.op, ast.Mult):
            return a * b, oa + ob
        if isinstance(node.op, ast.Div):
            return a / b, oa + ob
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"max", "min"}:
        vals = [_eval(a) for a in node.args]
        pick = max if node.func.id == "max" else min
        return pick(v for v, _ in vals), [o for _, ops in vals for o in ops]
    raise ValueError(f"unsupported expression element {ast.dump(node)[:60]}")


_LITS: list[str] = []


def evaluate(expr: str) -> tuple[Decimal, list[str]]:
    """Numbers are kept as their literal strings (so '9116.36' stays exact)."""
    _LITS.clear()

    def sub(m: re.Match) -> str:
        _LITS.append(m.group(0))
        return f"N_{len(_LITS) - 1}"

    coded = re.sub(r"\d+(?:\.\d+)?", sub, expr)
    return _eval(ast.parse(coded, mode="eval"))


def fmt_plain(v: Decimal) -> str:
    s = format(v.normalize(), "f") if v != v.to_integral_value() else str(int(v))
    return s


def fmt_pct(v: Decimal) -> str:
    return str((v * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + "%"


def fmt_ratio(v: Decimal) -> str:
    return str(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


CALC_RE = re.compile(r"calc:\s*(?P<expr>[^=]+?)\s*=\s*(?P<res>-?\d+(?:\.\d+)?%?)\s*$")


def check_calc(where: str, r: dict) -> None:
    m = CALC_RE.search(r["note"])
    if not m:
        err(where, "computed item without 'calc: <expr> = <result>' at the end of its note")
        return
    expr, res = m.group("expr"), m.group("res")
    try:
        value, operands = evaluate(expr)
    except Exception as e:  # noqa: BLE001
        err(where, f"cannot evaluate calc '{expr}': {e}")
        return
    kind = r["kind"]
    if kind in {"share", "growth"}:
        got = fmt_pct(value)
    elif kind == "ratio":
        got = fmt_ratio(value)
    else:
        got = fmt_plain(value)
    if got != res:
        err(where, f"calc '{expr}' gives {got}, note says {res}")
    if not r["figures"] or r["figures"][0] != got:
        err(where, f"first figure {r['figures'][:1]} is not the computed value {got}")
    names = r["report"] if isinstance(r["report"], list) else [r["report"]]
    for op in operands:
        if not printed_in(op, names):
            err(where, f"calc operand {op} not printed in {names}")
    if kind == "difference" and not expr.strip().startswith("max"):
        if len(names) not in (1, 2):
            err(where, "difference should compare two reports (or two cells of one)")
    if kind in {"difference", "growth"} and len(names) == 2:
        ya = re.search(r"_(\d{4})\.", names[0]); yb = re.search(r"_(\d{4})\.", names[1])
        if ya and yb and int(ya.group(1)) >= int(yb.group(1)):
            err(where, "report list must give the earlier year first")
    if kind == "ranking":
        if not expr.strip().startswith("max(") and not expr.strip().startswith("min("):
            err(where, "ranking calc must be max(...) or min(...)")
        if len(operands) != len(names):
            err(where, f"ranking compares {len(operands)} values but cites {len(names)} reports")
        if sorted(r["figures"]) != sorted(set(operands)) and sorted(r["figures"]) != sorted(operands):
            err(where, f"ranking figures {r['figures']} are not the compared values {operands}")


# ---------------------------------------------------------------- line checks
def check_line(n: int, r: dict, ids: set[str], cited: set[str]) -> None:
    where = f"line {n} ({r.get('id', '?')})"
    for k in REQUIRED:
        if k not in r:
            err(where, f"missing field {k}")
            return
    extra = set(r) - set(REQUIRED) - OPTIONAL
    if extra:
        err(where, f"unknown fields {sorted(extra)}")
    if not isinstance(r["id"], str) or not ID_RE.match(r["id"]):
        err(where, "id must be h6-<fig|sum|shr|dif|rnk|nar|nf|amb|fu>-NN")
    if r["id"] in ids:
        err(where, "duplicate id")
    ids.add(r["id"])
    kind = r["kind"]
    if kind not in KINDS:
        err(where, f"unknown kind {kind}")
        return
    abbr = r["id"].split("-")[1] if r["id"].count("-") == 2 else ""
    if not isinstance(r["history"], list) or not all(isinstance(h, str) and h for h in r["history"]):
        err(where, "history must be a list of non-empty strings")
    if abbr == "fu":
        if not r["history"]:
            err(where, "a follow-up (fu) needs a non-empty history")
    else:
        if r["history"]:
            err(where, "only fu- items carry a history")
        if abbr != ABBR[kind]:
            err(where, f"id prefix {abbr} does not match kind {kind} ({ABBR[kind]})")
    if not isinstance(r["question"], str) or not re.search(r"[\u4e00-\u9fff]", r["question"]):
        err(where, "question must be Chinese text")
    if not isinstance(r["note"], str) or not r["note"].strip():
        err(where, "note must be a non-empty string")
    if r.get("asked_on") != ASKED_ON:
        err(where, f"asked_on must be {ASKED_ON}")
    if not isinstance(r["figures"], list) or not all(isinstance(f, str) and f for f in r["figures"]):
        err(where, "figures must be a list of non-empty strings")
        return

    status, report = r["status"], r["report"]
    if kind in {"not_found", "ambiguous"}:
        if status != kind:
            err(where, f"status must be {kind}")
        if report is not None:
            err(where, "report must be null")
        if r["figures"]:
            err(where, "figures must be []")
        if "quote_contains" in r:
            err(where, "quote_contains only on narrative lines")
        return
    if status != "answered":
        err(where, "status must be answered")
    if kind in {"figure", "share", "narrative"}:
        if not isinstance(report, str):
            err(where, f"report must be a string for {kind}")
            return
        names = [report]
    else:
        if not isinstance(report, list) or not report or not all(isinstance(x, str) for x in report):
            err(where, f"report must be a non-empty list for {kind}")
            return
        if len(set(report)) != len(report):
            err(where, "report list repeats a file")
        names = report
    for name in names:
        if not (REPORTS / name).is_file():
            err(where, f"report file not found: {name}")
            return
        cited.add(name)

    if kind == "narrative":
        if r["figures"]:
            err(where, "narrative figures must be []")
        qc = r.get("quote_contains")
        if not isinstance(qc, str) or not (8 <= len(qc) <= 30):
            err(where, "quote_contains must be a string of 8-30 characters")
        elif "\n" in qc or not any(qc in line for line in report_lines(names[0])):
            err(where, f"quote_contains not within one line of {names[0]}: {qc}")
        return
    if "quote_contains" in r:
        err(where, "quote_contains only on narrative lines")
    if not r["figures"]:
        err(where, "figures must not be empty")
        return
    if kind == "figure":
        for f in r["figures"]:
            if not printed_in(f, names):
                err(where, f"figure {f} not found in {names}")
        if "calc:" in r["note"]:
            err(where, "a plain figure should not carry a calc")
    else:
        for f in r["figures"][1:]:
            if not printed_in(f, names):
                err(where, f"printed figure {f} not found in {names}")
        check_calc(where, r)


def main() -> int:
    if not REPORTS.is_dir():
        print(f"reports folder not found: {REPORTS}")
        return 1
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else JSONL
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print(f"not UTF-8: {e}")
        return 1
    ids: set[str] = set()
    cited: set[str] = set()
    counts: dict[str, int] = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            err(f"line {n}", "blank line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"line {n}", f"bad JSON: {e}")
            continue
        if not isinstance(r, dict):
            err(f"line {n}", "not a JSON object")
            continue
        if json.dumps(r, ensure_ascii=False) != line:
            err(f"line {n}", "not written with json.dumps(..., ensure_ascii=False)")
        check_line(n, r, ids, cited)
        counts[r.get("kind", "?")] = counts.get(r.get("kind", "?"), 0) + 1
    corpus = {p.name for p in REPORTS.iterdir()
              if p.is_file() and p.suffix.lower() in {".txt", ".md", ".html", ".pdf"}}
    for name in sorted(corpus - cited):
        err("coverage", f"corpus report never cited: {name}")
    fu = sum(1 for i in ids if i.startswith("h6-fu-"))
    print(f"{len(lines)} questions, {len(ids)} ids; per kind: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f"; follow-ups {fu}")
    print(f"reports cited: {len(cited)} of {len(corpus)}")
    if errors:
        print(f"{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
