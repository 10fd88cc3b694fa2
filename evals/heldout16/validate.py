"""Self-check of the sixteenth held-out set (standard library only).

Run from the repository root:

    .venv/bin/python evals/heldout16/validate.py

Checks: the JSON Lines format (UTF-8, one object a line, ensure_ascii=False,
no blank lines), unique ids, id prefix <-> kind, the fields each kind needs,
that every cited report exists in ../shared/corpus/reports/ (relative to the
repository root), that every `quote_contains` occurs verbatim in its report,
and that every computed value is re-derived from the `calc:` expression that
ends its note (decimal arithmetic; percentages ROUND_HALF_UP to 2 decimals).

How the report text is read for the quote check:
- .txt / .md: the quote must lie inside one line of the file as it is.
- .html: inside one line of the raw file, or of that line once tags are
  removed and entities unescaped.
- .pdf: the text layer is decoded here without third-party packages
  (FlateDecode streams inflated with zlib, glyph codes of the Type0 /
  Identity-H fonts mapped through each font's ToUnicode CMap, text taken from
  the Tj/TJ operators). The layer places characters one by one, so its spacing
  carries no meaning: the quote must occur once all whitespace is removed from
  both. (The writer also checked by eye that each PDF quote lies on one line of
  the page text.)
"""
from __future__ import annotations

import ast
import html
import json
import re
import sys
import zlib
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REPORTS = REPO / ".." / "shared" / "corpus" / "reports"
SET = HERE.parent / "gold" / "heldout16.jsonl"  # written as heldout16, now gold
ASKED_ON = "2026-12-06"

PREFIX_KINDS = {
    "fig": {"figure"},
    "sum": {"sum"},
    "shr": {"share"},
    "dif": {"difference", "growth"},
    "rnk": {"ranking"},
    "nar": {"narrative"},
    "nf": {"not_found"},
    "amb": {"ambiguous"},
}
ALL_KINDS = set().union(*PREFIX_KINDS.values())
FIELDS = ["id", "question", "history", "kind", "status", "report", "figures", "asked_on", "note"]
COMPUTED = {"sum", "share", "difference", "growth", "ranking"}
LIST_REPORT = {"sum", "difference", "growth", "ranking"}
STR_REPORT = {"figure", "share", "narrative"}
ID_RE = re.compile(r"^h16-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)(\d{2})$")
CALC_RE = re.compile(r"calc: (?P<expr>[^=]+?) = (?P<result>\S+)$")

errors: list[str] = []


def err(where: str, msg: str) -> None:
    errors.append(f"{where}: {msg}")


# ---------------------------------------------------------------- PDF text layer
def _pdf_objects(b: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(3)
            for m in re.finditer(rb"(\d+)\s+(\d+)\s+obj\b(.*?)endobj", b, re.S)}


def _pdf_stream(obj: bytes) -> bytes:
    m = re.search(rb"stream\r?\n(.*?)\r?\n?endstream", obj, re.S)
    data = m.group(1)
    if b"/FlateDecode" in obj.split(b"stream")[0]:
        data = zlib.decompressobj().decompress(data)
    return data


def _utf16(hexstr: bytes) -> str:
    return bytes.fromhex(hexstr.decode()).decode("utf-16-be", "replace")


def _to_unicode(data: bytes) -> dict[int, str]:
    cmap: dict[int, str] = {}
    for blk in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", blk):
            cmap[int(code, 16)] = _utf16(uni)
    for blk in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", blk):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if dst.startswith(b"["):
                for i, uni in enumerate(re.findall(rb"<([0-9A-Fa-f]+)>", dst)):
                    cmap[lo_i + i] = _utf16(uni)
            else:
                base = int(dst[1:-1], 16)
                for c in range(lo_i, hi_i + 1):
                    cmap[c] = chr(base + c - lo_i)
    return cmap


def _literal(s: bytes) -> bytes:
    out, i = bytearray(), 0
    esc = {b"n": 10, b"r": 13, b"t": 9, b"b": 8, b"f": 12}
    while i < len(s):
        if s[i] == 0x5C and i + 1 < len(s):
            d = s[i + 1:i + 2]
            if d in esc:
                out.append(esc[d]); i += 2; continue
            if d.isdigit():
                j = i + 1
                while j < len(s) and j < i + 4 and chr(s[j]) in "01234567":
                    j += 1
                out.append(int(s[i + 1:j], 8) & 255); i = j; continue
            if d not in (b"\n", b"\r"):
                out += d
            i += 2; continue
        out.append(s[i]); i += 1
    return bytes(out)


_TOKEN = re.compile(rb"<([0-9A-Fa-f\s]*)>|\((?:\\.|[^\\)])*\)|/[^\s/\[\]()<>]+|\[|\]|[A-Za-z'\"*]+|-?[\d.]+", re.S)


def pdf_text(path: Path) -> str:
    b = path.read_bytes()
    objs = _pdf_objects(b)
    pages_obj = next(o for o in objs.values() if re.search(rb"/Type\s*/Pages\b", o))
    pages = [int(x) for x in re.findall(rb"(\d+)\s+0\s+R",
                                        re.search(rb"/Kids\s*\[([^\]]*)\]", pages_obj).group(1))]
    out = []
    for p in pages:
        page = objs[p]
        fonts: dict[bytes, dict[int, str]] = {}
        fdict = re.search(rb"/Font\s*<<(.*?)>>", page, re.S)
        for name, ref in re.findall(rb"/([^\s/]+)\s+(\d+)\s+0\s+R", fdict.group(1) if fdict else b""):
            tu = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", objs[int(ref)])
            fonts[name] = _to_unicode(_pdf_stream(objs[int(tu.group(1))])) if tu else {}
        content = b"".join(_pdf_stream(objs[int(r)]) for r in
                           re.findall(rb"(\d+)\s+0\s+R",
                                      re.search(rb"/Contents\s*(\[[^\]]*\]|\d+\s+0\s+R)", page).group(1)))
        font: dict[int, str] = {}
        stack: list = []
        parts: list[str] = []
        for m in _TOKEN.finditer(content):
            t = m.group(0)
            if t.startswith(b"/"):
                stack.append(t)
            elif t.startswith(b"<"):
                stack.append(("s", bytes.fromhex(re.sub(rb"\s", b"", m.group(1)).decode())))
            elif t.startswith(b"("):
                stack.append(("s", _literal(t[1:-1])))
            elif t == b"Tf":
                names = [x for x in stack if isinstance(x, bytes) and x.startswith(b"/")]
                if names:
                    font = fonts.get(names[-1][1:], {})
                stack = []
            elif t in (b"Tj", b"TJ", b"'", b'"'):
                for x in stack:
                    if isinstance(x, tuple):
                        raw = x[1]
                        if font:
                            parts.append("".join(font.get(int.from_bytes(raw[i:i + 2], "big"), "")
                                                 for i in range(0, len(raw) - 1, 2)))
                        else:
                            parts.append(raw.decode("latin-1"))
                stack = []
            elif t in (b"ET", b"Td", b"TD", b"T*", b"Tm"):
                parts.append("\n" if t == b"ET" else " ")
                stack = []
            elif t in (b"[", b"]") or re.fullmatch(rb"-?[\d.]+", t):
                stack.append(t)
            else:
                stack = []
        out.append("".join(parts))
    return "\n".join(out)


# ---------------------------------------------------------------- report text
_cache: dict[str, tuple[list[str], str]] = {}


def report_text(name: str) -> tuple[list[str], str]:
    """(lines to search a quote in, whitespace-free full text)."""
    if name not in _cache:
        path = REPORTS / name
        if name.endswith(".pdf"):
            full = pdf_text(path)
            lines = [re.sub(r"\s", "", full)]
        else:
            full = path.read_text(encoding="utf-8")
            lines = full.splitlines()
            if name.endswith(".html"):
                lines = lines + [html.unescape(re.sub(r"<[^>]+>", "", ln)) for ln in lines]
        _cache[name] = (lines, re.sub(r"\s", "", full))
    return _cache[name]


def quote_found(name: str, quote: str) -> bool:
    lines, _ = report_text(name)
    if name.endswith(".pdf"):
        return re.sub(r"\s", "", quote) in lines[0]
    return any(quote in ln for ln in lines)


# ---------------------------------------------------------------- calc
def dec_eval(node: ast.AST) -> Decimal:
    if isinstance(node, ast.Expression):
        return dec_eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Decimal(ast.unparse(node))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = dec_eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        a, b = dec_eval(node.left), dec_eval(node.right)
        return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b,
                ast.Div: a / b if b else Decimal("NaN")}[type(node.op)]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("max", "min") and node.args and not node.keywords):
        vals = [dec_eval(a) for a in node.args]
        return max(vals) if node.func.id == "max" else min(vals)
    raise ValueError(f"unsupported expression element {ast.dump(node)[:60]}")


def check_calc(where: str, d: dict) -> None:
    m = CALC_RE.search(d["note"])
    if not m:
        err(where, "computed item: note must end with 'calc: <expression> = <result>'")
        return
    expr, result = m.group("expr").strip(), m.group("result")
    if not d["figures"] or d["figures"][0] != result:
        err(where, f"calc result {result!r} is not the first expected figure {d['figures'][:1]}")
    try:
        value = dec_eval(ast.parse(expr, mode="eval"))
    except (SyntaxError, ValueError) as e:
        err(where, f"calc expression {expr!r}: {e}")
        return
    if d["kind"] in ("share", "growth"):
        if not result.endswith("%"):
            err(where, "share/growth result must be written with %")
            return
        got = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if f"{got}%" != result:
            err(where, f"calc {expr} gives {got}%, note says {result}")
    else:
        if value != Decimal(result):
            err(where, f"calc {expr} gives {value}, note says {result}")
        if value == value.to_integral_value() and "." not in result and str(int(value)) != result:
            err(where, f"integer result should be written {int(value)}")


# ---------------------------------------------------------------- main
def year_of(name: str) -> int:
    return int(re.search(r"_(\d{4})\.", name).group(1))


def main() -> int:
    raw = SET.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print(f"not UTF-8: {e}")
        return 1
    if not text.endswith("\n"):
        err("file", "last line must end with a newline")
    ids: set[str] = set()
    kinds: Counter = Counter()
    followups = 0
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}"
        if not line.strip():
            err(where, "blank line")
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            err(where, f"not JSON: {e}")
            continue
        if not isinstance(d, dict):
            err(where, "not an object")
            continue
        if json.dumps(d, ensure_ascii=False) != line:
            err(where, "not written with json.dumps(..., ensure_ascii=False) on one line")
        where = f"line {n} ({d.get('id')})"
        expected = FIELDS + (["quote_contains"] if d.get("kind") == "narrative" else [])
        if set(d) != set(expected):
            err(where, f"fields {sorted(d)} != {sorted(expected)}")
            continue
        m = ID_RE.match(d["id"])
        if not m:
            err(where, "id must look like h16-fig01 (prefixes fig sum shr dif rnk nar nf amb fu)")
            continue
        if d["id"] in ids:
            err(where, "duplicate id")
        ids.add(d["id"])
        kind, prefix = d["kind"], m.group(1)
        if kind not in ALL_KINDS:
            err(where, f"unknown kind {kind}")
            continue
        kinds[kind] += 1
        if not isinstance(d["history"], list) or not all(isinstance(h, str) and h for h in d["history"]):
            err(where, "history must be a list of strings")
        if prefix == "fu":
            followups += 1
            if not d["history"]:
                err(where, "follow-up (fu) needs a non-empty history")
        else:
            if kind not in PREFIX_KINDS[prefix]:
                err(where, f"prefix {prefix} does not fit kind {kind}")
            if d["history"]:
                err(where, "only fu- items carry a history")
        if d["asked_on"] != ASKED_ON:
            err(where, f"asked_on must be {ASKED_ON}")
        for f in ("question", "note"):
            if not isinstance(d[f], str) or not d[f].strip():
                err(where, f"{f} must be a non-empty string")
        want_status = kind if kind in ("not_found", "ambiguous") else "answered"
        if d["status"] != want_status:
            err(where, f"status must be {want_status}")
        rep, figs = d["report"], d["figures"]
        if not isinstance(figs, list) or not all(isinstance(x, str) and x for x in figs):
            err(where, "figures must be a list of strings")
            continue
        if kind in ("not_found", "ambiguous"):
            if rep is not None:
                err(where, "report must be null")
            if figs:
                err(where, "figures must be []")
            continue
        if kind in STR_REPORT and not isinstance(rep, str):
            err(where, "report must be a string")
            continue
        if kind in LIST_REPORT and not (isinstance(rep, list) and rep and all(isinstance(r, str) for r in rep)):
            err(where, "report must be a non-empty list")
            continue
        names = [rep] if isinstance(rep, str) else rep
        missing = [r for r in names if not (REPORTS / r).is_file()]
        if missing:
            err(where, f"report file(s) not found in ../shared/corpus/reports: {missing}")
            continue
        if kind in ("difference", "growth"):
            if len(names) != 2 or year_of(names[0]) >= year_of(names[1]):
                err(where, "difference/growth: two reports, earlier year first")
        if kind == "narrative":
            q = d["quote_contains"]
            if figs:
                err(where, "narrative figures must be []")
            if not isinstance(q, str) or not 8 <= len(q) <= 30 or "\n" in q:
                err(where, "quote_contains must be 8-30 characters on one line")
            elif not quote_found(rep, q):
                err(where, f"quote_contains not found verbatim in {rep}: {q!r}")
            continue
        if not figs:
            err(where, "figures must not be empty")
            continue
        if kind in COMPUTED:
            check_calc(where, d)
        if kind in ("figure", "ranking"):
            # the expected cell must be printed in a cited report (digits, spacing ignored)
            digits = figs[0].lstrip("-")
            if not any(digits in report_text(r)[1] for r in names):
                err(where, f"figure {figs[0]} not printed in {names}")
            if figs[0] not in d["note"]:
                err(where, "note must state the expected figure")
    print(f"{len(ids)} questions, {followups} follow-ups")
    for k in sorted(kinds):
        print(f"  {k}: {kinds[k]}")
    if errors:
        print(f"{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        return 1
    print("OK: format, ids, fields, report files, quotes and calc expressions check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
