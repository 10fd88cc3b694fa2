"""Self-check for evals/heldout14/heldout.jsonl.

Run from the repository root:  .venv/bin/python evals/heldout14/validate.py

Checks, for every line:
  * the line is one JSON object in the gold line format (evals/gold/README.md), no blank lines;
  * ids are unique, look like h14-<prefix><2 digits>, and the prefix fits the kind
    (fig figure, sum sum, shr share, dif difference|growth, rnk ranking, nar narrative,
    nf not_found, amb ambiguous, fu = a follow-up of any answered kind with a non-empty history);
  * the fields each kind needs (report as string / list / null, figures, status, quote_contains);
  * asked_on is 2026-12-04;
  * every report file exists in REPO/../shared/corpus/reports;
  * every quote_contains (8-30 characters, no line break) occurs verbatim in its report's text;
  * every expected figure of a figure item occurs in the report text (as a number standing alone;
    where the note says the digits are run together, as a substring of that text);
  * computed items (sum, share, difference, growth, ranking) end their note with
    `calc: <expression> = <result>`; the expression is re-derived in decimal arithmetic
    (percentages ROUND_HALF_UP to 2 decimals), must equal the stated result and figures[0],
    and each of its operands must occur in the text of one of the item's reports.

Texts: .txt and .md are read as they are; .html has scripts, styles, comments and tags removed
(block tags become line breaks) and entities decoded; .pdf is read with pdfplumber when it is
installed, else with the small standard-library reader below (Type0 fonts with ToUnicode CMaps,
which is what the corpus PDF uses). For a PDF the quote check ignores whitespace, since
extractors differ in the spaces they put between glyphs.
"""
from __future__ import annotations

import ast
import html
import json
import re
import sys
import zlib
from decimal import ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path

getcontext().prec = 40

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REPORTS = REPO / ".." / "shared" / "corpus" / "reports"
DATA = HERE.parent / "gold" / "heldout14.jsonl"  # written as heldout14, now gold
ASKED_ON = "2026-12-04"

PREFIX_KINDS = {
    "fig": {"figure"},
    "sum": {"sum"},
    "shr": {"share"},
    "dif": {"difference", "growth"},
    "rnk": {"ranking"},
    "nar": {"narrative"},
    "nf": {"not_found"},
    "amb": {"ambiguous"},
    "fu": {"figure", "sum", "share", "difference", "growth", "ranking", "narrative"},
}
STRING_REPORT = {"figure", "share", "narrative"}
LIST_REPORT = {"sum", "difference", "growth", "ranking"}
COMPUTED = {"sum", "share", "difference", "growth", "ranking"}
PERCENT = {"share", "growth"}
FIELDS = ["id", "question", "history", "kind", "status", "report", "figures", "asked_on", "note"]
RUN_TOGETHER = re.compile(r"run together|run-together|one digit per cell|one-digit cells", re.I)


# ---------------------------------------------------------------- texts
def _pdf_objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+)\s+\d+\s+obj(.*?)endobj", data, re.S)}


def _pdf_stream(obj: bytes) -> bytes:
    m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", obj, re.S) or re.search(rb"stream\r?\n(.*)endstream", obj, re.S)
    raw = m.group(1)
    if b"/FlateDecode" in obj.split(b"stream", 1)[0]:
        return zlib.decompressobj().decompress(raw)
    return raw


def _to_unicode(cmap: bytes) -> dict[int, str]:
    text = cmap.decode("latin1")
    table: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be", "replace")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if dst.startswith("["):
                for i, uni in enumerate(re.findall(r"<([0-9A-Fa-f]+)>", dst)):
                    table[lo_i + i] = bytes.fromhex(uni).decode("utf-16-be", "replace")
            else:
                base = int(dst[1:-1], 16)
                for i in range(hi_i - lo_i + 1):
                    table[lo_i + i] = chr(base + i)
    return table


def pdf_text_stdlib(path: Path) -> str:
    """Text of a PDF whose pages draw 2-byte CIDs (<hex> Tj) with Tm/TD positioning."""
    data = path.read_bytes()
    objs = _pdf_objects(data)

    def ref(obj: bytes, key: bytes) -> int | None:
        m = re.search(rb"/" + key + rb"\s+(\d+)\s+0\s+R", obj)
        return int(m.group(1)) if m else None

    pages_obj = next(o for o in objs.values() if re.search(rb"/Type\s*/Pages\b", o))
    kids = [int(k) for k in re.findall(rb"(\d+)\s+0\s+R", re.search(rb"/Kids\s*\[([^\]]*)\]", pages_obj).group(1))]
    pages = []
    for num in kids:
        page = objs[num]
        fonts: dict[str, dict[int, str]] = {}
        fdict = re.search(rb"/Font\s*<<(.*?)>>", page, re.S)
        for name, fnum in re.findall(rb"/([A-Za-z0-9]+)\s+(\d+)\s+0\s+R", fdict.group(1) if fdict else b""):
            tu = ref(objs[int(fnum)], b"ToUnicode")
            fonts[name.decode()] = _to_unicode(_pdf_stream(objs[tu])) if tu else {}
        content = _pdf_stream(objs[ref(page, b"Contents")]).decode("latin1")
        glyphs = []
        font, size, tm, x, y = None, 0.0, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0.0, 0.0
        pattern = (r"/(\w+)\s+([\d.]+)\s+Tf"
                   r"|([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+Tm"
                   r"|([-\d.]+)\s+([-\d.]+)\s+TD"
                   r"|<([0-9A-Fa-f]+)>\s*Tj")
        for tok in re.finditer(pattern, content):
            if tok.group(1):
                font, size = tok.group(1), float(tok.group(2))
            elif tok.group(3):
                tm = tuple(float(tok.group(i)) for i in range(3, 9))
                x, y = tm[4], tm[5]
            elif tok.group(9):
                x += tm[0] * float(tok.group(9))
                y += tm[3] * float(tok.group(10))
            else:
                hexs, cmap = tok.group(11), fonts.get(font, {})
                txt = "".join(cmap.get(int(hexs[i:i + 4], 16), "") for i in range(0, len(hexs), 4))
                glyphs.append((round(y), x, txt, abs(tm[0]) * size))
        lines: dict[float, list] = {}
        for gy, gx, txt, width in glyphs:
            key = next((k for k in lines if abs(k - gy) <= 3), gy)
            lines.setdefault(key, []).append((gx, txt, width))
        out = []
        for key in sorted(lines):
            buf, prev = "", None
            for gx, txt, width in sorted(lines[key]):
                if prev is not None and gx - prev > 0.9 * width + 1.5:
                    buf += " "
                buf += txt
                prev = gx + (width if txt and ord(txt[0]) > 0x2E80 else width * 0.5)
            out.append(buf)
        pages.append("\n".join(out))
    return "\n".join(pages)


def pdf_text(path: Path) -> str:
    try:
        import pdfplumber  # type: ignore
    except ImportError:
        return pdf_text_stdlib(path)
    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def html_text(path: Path) -> str:
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"(?s)<!--.*?-->", "", s)
    s = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", s)
    s = re.sub(r"(?i)<br\s*/?>|</?(p|div|tr|table|h\d|li|ul|ol|section|article)\b[^>]*>", "\n", s)
    s = re.sub(r"(?i)</t[dh]>", "\n", s)
    s = re.sub(r"<[^>]+>", "", s)
    s = html.unescape(s).replace("\xa0", " ")
    return s


_CACHE: dict[str, str] = {}


def report_text(name: str) -> str:
    if name not in _CACHE:
        path = REPORTS / name
        if path.suffix == ".pdf":
            _CACHE[name] = pdf_text(path)
        elif path.suffix in (".html", ".htm"):
            _CACHE[name] = html_text(path)
        else:
            _CACHE[name] = path.read_text(encoding="utf-8")
    return _CACHE[name]


# ---------------------------------------------------------------- numbers
def number_in(text: str, value: str, allow_substring: bool) -> bool:
    if re.search(r"(?<![\d.])" + re.escape(value) + r"(?![\d])(?!\.\d)", text):
        return True
    return allow_substring and value in text


def eval_decimal(expr: str) -> Decimal:
    node = ast.parse(expr, mode="eval").body

    def ev(n: ast.AST) -> Decimal:
        if isinstance(n, ast.BinOp):
            a, b = ev(n.left), ev(n.right)
            if isinstance(n.op, ast.Add):
                return a + b
            if isinstance(n.op, ast.Sub):
                return a - b
            if isinstance(n.op, ast.Mult):
                return a * b
            if isinstance(n.op, ast.Div):
                return a / b
            raise ValueError("operator not allowed")
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)):
            return Decimal(ast.get_source_segment(expr, n))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("max", "min") and n.args:
            vals = [ev(a) for a in n.args]
            return max(vals) if n.func.id == "max" else min(vals)
        raise ValueError(f"unsupported expression part: {ast.dump(n)}")

    return ev(node)


def fmt_decimal(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return "0" if s in ("-0", "") else s


# ---------------------------------------------------------------- checks
def check() -> list[str]:
    errors: list[str] = []
    if not REPORTS.is_dir():
        return [f"reports folder not found: {REPORTS}"]
    raw = DATA.read_bytes().decode("utf-8")
    lines = raw.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    ids: set[str] = set()
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
            err(f"not JSON: {e}")
            continue
        if not isinstance(r, dict):
            err("not an object")
            continue
        if line != json.dumps(r, ensure_ascii=False):
            err("line is not json.dumps(obj, ensure_ascii=False)")
        where = f"line {n} ({r.get('id')})"
        for f in FIELDS:
            if f not in r:
                err(f"missing field {f}")
        extra = set(r) - set(FIELDS) - {"quote_contains"}
        if extra:
            err(f"unexpected fields {sorted(extra)}")
        if any(f not in r for f in FIELDS):
            continue
        rid, kind = r["id"], r["kind"]
        if rid in ids:
            err("duplicate id")
        ids.add(rid)
        m = re.fullmatch(r"h14-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)(\d{2})", rid)
        if not m:
            err("id does not look like h14-<prefix><2 digits>")
            continue
        prefix = m.group(1)
        if kind not in PREFIX_KINDS[prefix]:
            err(f"kind {kind!r} does not fit prefix {prefix!r}")
        if not isinstance(r["question"], str) or not r["question"].strip():
            err("empty question")
        if not isinstance(r["history"], list) or not all(isinstance(h, str) and h for h in r["history"]):
            err("history must be a list of strings")
        elif (prefix == "fu") != bool(r["history"]):
            err("history must be non-empty exactly for fu- items")
        if r["asked_on"] != ASKED_ON:
            err(f"asked_on must be {ASKED_ON}")
        if not isinstance(r["note"], str) or not r["note"].strip():
            err("empty note")
        figures = r["figures"]
        if not isinstance(figures, list) or not all(isinstance(x, str) and x for x in figures):
            err("figures must be a list of non-empty strings")
            continue
        report = r["report"]
        expected_status = {"not_found": "not_found", "ambiguous": "ambiguous"}.get(kind, "answered")
        if r["status"] != expected_status:
            err(f"status must be {expected_status!r} for kind {kind!r}")

        if kind in ("not_found", "ambiguous"):
            if report is not None:
                err("report must be null")
            if figures:
                err("figures must be []")
            if "quote_contains" in r:
                err("quote_contains only for narrative")
            continue

        if kind in STRING_REPORT:
            if not isinstance(report, str):
                err("report must be a string")
                continue
            names = [report]
        elif kind in LIST_REPORT:
            if not isinstance(report, list) or not report or not all(isinstance(x, str) for x in report):
                err("report must be a non-empty list of file names")
                continue
            names = report
            if kind in ("difference", "growth") and len(report) != 2:
                err("difference/growth compare two reports (earlier year first)")
            if kind == "ranking" and len(report) < 2:
                err("ranking compares at least two reports")
        else:
            err(f"unknown kind {kind!r}")
            continue
        missing = [x for x in names if not (REPORTS / x).is_file()]
        if missing:
            err(f"report file(s) not found: {missing}")
            continue
        texts = [report_text(x) for x in names]

        if kind == "narrative":
            if figures:
                err("narrative figures must be []")
            q = r.get("quote_contains")
            if not isinstance(q, str):
                err("narrative needs quote_contains")
                continue
            if not 8 <= len(q) <= 30:
                err(f"quote_contains has {len(q)} characters (8-30)")
            if "\n" in q:
                err("quote_contains spans a line break")
            text = texts[0]
            if names[0].endswith(".pdf"):
                ok = re.sub(r"\s+", "", q) in re.sub(r"\s+", "", text)
            else:
                ok = any(q in ln for ln in text.split("\n"))
            if not ok:
                err(f"quote_contains not found verbatim on one line of {names[0]}: {q!r}")
            continue
        if "quote_contains" in r:
            err("quote_contains only for narrative")
        if not figures:
            err("figures must not be empty")
            continue

        run_together = bool(RUN_TOGETHER.search(r["note"]))
        if kind == "figure":
            for v in figures:
                if not re.fullmatch(r"-?\d+(\.\d+)?", v):
                    err(f"figure {v!r} is not a plain number")
                elif not number_in(texts[0], v, run_together):
                    err(f"figure {v!r} not found in {names[0]}")
            continue

        # computed kinds
        cm = re.search(r"calc:\s*(.+?)\s*=\s*(-?[\d.]+)\s*$", r["note"])
        if not cm:
            err("note must end with 'calc: <expression> = <result>'")
            continue
        expr, stated = cm.group(1), cm.group(2)
        try:
            value = eval_decimal(expr)
        except Exception as e:  # noqa: BLE001
            err(f"cannot evaluate calc expression {expr!r}: {e}")
            continue
        if kind in PERCENT:
            value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            derived = format(value, "f")
            if figures[0] != derived + "%":
                err(f"figures[0] {figures[0]!r} != derived {derived}%")
            if stated != derived:
                err(f"calc result {stated} != derived {derived}")
        else:
            derived = fmt_decimal(value)
            if figures[0] != derived:
                err(f"figures[0] {figures[0]!r} != derived {derived}")
            if Decimal(stated) != value:
                err(f"calc result {stated} != derived {derived}")
        operands = re.findall(r"(?<![\w.])\d+(?:\.\d+)?", expr)
        if kind in PERCENT and operands and operands[-1] == "100" and re.search(r"\*\s*100\s*$", expr):
            operands = operands[:-1]
        for op in operands:
            if not any(number_in(t, op, run_together) for t in texts):
                err(f"calc operand {op} not found in {names}")
        if kind == "ranking":
            if not any(number_in(t, figures[0], run_together) for t in texts):
                err(f"winning value {figures[0]} not found in the compared reports")
    return errors


def main() -> int:
    errors = check()
    n = sum(1 for ln in DATA.read_text(encoding="utf-8").split("\n") if ln.strip())
    if errors:
        for e in errors:
            print("FAIL", e)
        print(f"{len(errors)} problem(s) in {n} lines")
        return 1
    kinds: dict[str, int] = {}
    for ln in DATA.read_text(encoding="utf-8").splitlines():
        k = json.loads(ln)["kind"]
        kinds[k] = kinds.get(k, 0) + 1
    print(f"OK: {n} questions, ids unique, all checks passed")
    print("per kind:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
