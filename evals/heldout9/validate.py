"""Self-check for evals/gold/heldout9.jsonl (written as heldout9) (run with the project's .venv python)."""
import html, json, re, sys
from decimal import Decimal, ROUND_HALF_UP
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = (HERE / "../../../shared/corpus/reports").resolve()
FILE = HERE.parent / "gold" / "heldout9.jsonl"  # written as heldout9, now gold
FIELDS = {"id", "question", "history", "kind", "status", "report", "figures", "note", "asked_on"}
KINDS = {"figure": "fig", "sum": "sum", "share": "shr", "difference": "dif", "growth": "dif", "ratio": "dif",
         "ranking": "rnk", "narrative": "nar", "not_found": "nf", "ambiguous": "amb"}
STATUS = {"not_found": "not_found", "ambiguous": "ambiguous"}
LIST_KINDS = {"sum", "difference", "growth", "ratio", "ranking"}
COMPUTED = {"sum", "share", "difference", "growth", "ratio"}
errors = []
_cache = {}


def err(i, msg):
    errors.append(f"{i}: {msg}")


def lines_of(name):
    if name in _cache:
        return _cache[name]
    p = REPORTS / name
    if p.suffix == ".pdf":
        import pypdfium2 as pdfium
        doc = pdfium.PdfDocument(str(p))
        text = "\n".join(pg.get_textpage().get_text_range() for pg in doc)
    else:
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".html":
            text = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", text, flags=re.S)
            text = re.sub(r"<br\s*/?>|</(p|div|tr|td|th|h\d|li)>", "\n", text, flags=re.I)
            text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\xa0", " ")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    _cache[name] = lines
    return lines


def text_of(name):
    return "\n".join(lines_of(name))


def compact(s):
    return re.sub(r"\s+", "", s)


def fmt(value, result):
    """Format the Fraction value the way `result` is written (%, decimals, integer)."""
    pct = result.endswith("%")
    body = result[:-1] if pct else result
    places = len(body.split(".")[1]) if "." in body else 0
    d = Decimal(value.numerator) / Decimal(value.denominator)
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q}{'%' if pct else ''}"


def redo_calc(i, note):
    m = re.search(r"calc:\s*(.+?)\s*=\s*(-?[\d.]+%?)\s*$", note)
    if not m:
        err(i, "computed item without a final 'calc: <expr> = <result>' in note")
        return None, []
    expr, result = m.group(1), m.group(2)
    if not re.fullmatch(r"[\d.\s+\-*/()]+", expr):
        err(i, f"calc expression has unexpected characters: {expr!r}")
        return None, []
    # operands are the report's numbers; the "* 100" of a percentage is not
    nums = re.findall(r"\d+(?:\.\d+)?", re.sub(r"\*\s*100\s*$", "", expr))
    py = re.sub(r"\d+(?:\.\d+)?", lambda t: f"Fraction('{t.group(0)}')", expr)
    value = eval(py, {"__builtins__": {}, "Fraction": Fraction})
    got = fmt(value, result)
    if got != result:
        err(i, f"calc re-done gives {got}, note says {result}")
    return result, nums


def main():
    raw = FILE.read_text(encoding="utf-8")
    if not raw.endswith("\n") or "\n\n" in raw:
        errors.append("file must end with a newline and contain no blank lines")
    ids = set()
    rows = [l for l in raw.split("\n") if l]
    for n, line in enumerate(rows, 1):
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            err(n, f"bad JSON: {e}")
            continue
        i = r.get("id", f"line {n}")
        if json.dumps(r, ensure_ascii=False) != line:
            err(i, "line is not compact ensure_ascii=False JSON")
        kind = r.get("kind")
        need = FIELDS | ({"quote_contains"} if kind == "narrative" else set())
        if set(r) != need:
            err(i, f"fields {sorted(set(r) ^ need)} wrong")
            continue
        if i in ids:
            err(i, "duplicate id")
        ids.add(i)
        if kind not in KINDS:
            err(i, f"unknown kind {kind}")
            continue
        fu = bool(r["history"])
        m = re.fullmatch(r"h9-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)-(\d{2})", i)
        if not m or m.group(1) != ("fu" if fu else KINDS[kind]):
            err(i, "id must be h9-<kind abbreviation>-NN (fu for follow-ups)")
        if not isinstance(r["history"], list) or not all(isinstance(h, str) and h for h in r["history"]):
            err(i, "history must be a list of strings")
        if r["asked_on"] != "2026-12-02":
            err(i, "asked_on must be 2026-12-02")
        if r["status"] != STATUS.get(kind, "answered"):
            err(i, f"status {r['status']} does not fit kind {kind}")
        if not r["question"] or not r["note"]:
            err(i, "empty question or note")
        rep = r["report"]
        if kind in ("not_found", "ambiguous"):
            if rep is not None or r["figures"]:
                err(i, "not_found/ambiguous must have report null and no figures")
            continue
        reps = rep if isinstance(rep, list) else [rep]
        if kind in LIST_KINDS and not isinstance(rep, list):
            err(i, "report must be a list for this kind")
        if kind not in LIST_KINDS and not isinstance(rep, str):
            err(i, "report must be a string for this kind")
        for name in reps:
            if not (REPORTS / name).is_file():
                err(i, f"report file missing: {name}")
        if any(not (REPORTS / x).is_file() for x in reps):
            continue
        if kind == "narrative":
            q = r["quote_contains"]
            if r["figures"]:
                err(i, "narrative must have no figures")
            if not (8 <= len(q) <= 30):
                err(i, f"quote length {len(q)} not in 8..30")
            if not any(q in ln for ln in lines_of(reps[0])):
                err(i, "quote_contains not found within one line of the report")
            continue
        figs = r["figures"]
        if not figs or not all(isinstance(f, str) and f for f in figs):
            err(i, "figures must be a non-empty list of strings")
            continue
        texts = [compact(text_of(x)) for x in reps]
        if kind in COMPUTED:
            result, nums = redo_calc(i, r["note"])
            if result is not None and result != figs[0]:
                err(i, f"first figure {figs[0]} != calc result {result}")
            for num in nums:
                if not any(num in t for t in texts):
                    err(i, f"calc operand {num} not in the cited report text")
        else:
            for f in figs:
                if not any(f in t for t in texts):
                    err(i, f"figure {f} does not occur in the cited report text")
            if kind == "ranking":
                if len(figs) != len(reps):
                    err(i, "ranking must list one value per compared report")
                try:
                    vals = [Decimal(f) for f in figs]
                    if vals[0] != max(vals):
                        err(i, "ranking winner (first figure) is not the largest value")
                except Exception:
                    err(i, "ranking figures must be numbers")
    if len(ids) != 40:
        errors.append(f"expected 40 questions, found {len(ids)}")
    if errors:
        print("\n".join(errors))
        print(f"FAILED: {len(errors)} problem(s)")
        sys.exit(1)
    print(f"OK: {len(ids)} questions checked")


if __name__ == "__main__":
    main()
