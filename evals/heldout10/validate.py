"""Self-check for evals/gold/heldout10.jsonl (written as heldout10; line format, ids, reports, quotes, figures, calc)."""
import html
import json
import re
import sys
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = (HERE / ".." / ".." / ".." / "shared" / "corpus" / "reports").resolve()
FILE = HERE.parent / "gold" / "heldout10.jsonl"  # written as heldout10, now gold

KINDS = {"figure": "fig", "sum": "sum", "share": "shr", "difference": "dif", "growth": "dif",
         "ratio": "dif", "ranking": "rnk", "narrative": "nar", "not_found": "nf", "ambiguous": "amb"}
COMPUTED = {"sum", "share", "difference", "growth", "ratio", "ranking"}
LIST_REPORT = {"sum", "difference", "growth", "ratio", "ranking"}
FIELDS = ["id", "question", "history", "kind", "status", "report", "figures", "note", "asked_on"]
_cache = {}


def report_text(name):
    if name in _cache:
        return _cache[name]
    p = REPORTS / name
    if p.suffix == ".pdf":
        import pypdfium2 as pdfium
        doc = pdfium.PdfDocument(str(p))
        text = "\n".join(pg.get_textpage().get_text_range() for pg in doc)
    elif p.suffix in (".html", ".htm"):
        raw = p.read_text(encoding="utf-8")
        raw = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", "", raw)
        raw = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|td|th|li|h\d)>", "\n", raw)
        text = html.unescape(re.sub(r"<[^>]+>", "", raw)).replace("\xa0", " ")
    else:
        text = p.read_text(encoding="utf-8")
    _cache[name] = text
    return text


def calc_check(note):
    m = re.search(r"calc:\s*(.+?)\s*=\s*(-?[\d.]+%?)\s*$", note)
    if not m:
        return None, "no calc"
    expr, result = m.group(1), m.group(2)
    if not re.fullmatch(r"[\d.+\-*/() ,maxin]+", expr):
        return None, "bad expr " + expr
    val = Decimal(str(eval(expr, {"__builtins__": {}}, {"max": max, "min": min})))
    pct = result.endswith("%")
    res = result.rstrip("%")
    places = len(res.split(".")[1]) if "." in res else 0
    if pct or places:
        val = val.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    ok = val == Decimal(res)
    return result, None if ok else f"calc {expr} gives {val}, note says {result}"


def main():
    errs, ids = [], set()
    lines = FILE.read_text(encoding="utf-8").split("\n")
    if lines[-1] == "":
        lines = lines[:-1]
    for n, line in enumerate(lines, 1):
        def err(msg):
            errs.append(f"line {n}: {msg}")
        if not line.strip():
            err("blank line"); continue
        r = json.loads(line)
        for k in FIELDS:
            if k not in r:
                err("missing " + k)
        kind, rid = r.get("kind"), r.get("id", "")
        if kind not in KINDS:
            err("bad kind " + str(kind)); continue
        m = re.fullmatch(r"h10-(fig|sum|shr|dif|rnk|nar|nf|amb|fu)-(\d{2})", rid)
        if not m:
            err("bad id " + rid)
        elif m.group(1) == "fu":
            if not r["history"]:
                err("fu item without history")
        else:
            if m.group(1) != KINDS[kind]:
                err(f"id prefix {m.group(1)} does not fit kind {kind}")
            if r["history"]:
                err("history on a non-fu item")
        if rid in ids:
            err("duplicate id " + rid)
        ids.add(rid)
        if r.get("asked_on") != "2026-12-02":
            err("asked_on")
        if not isinstance(r["history"], list) or not all(isinstance(h, str) for h in r["history"]):
            err("history must be a list of strings")
        status = r["status"]
        want_status = kind if kind in ("not_found", "ambiguous") else "answered"
        if status != want_status:
            err(f"status {status} for kind {kind}")
        rep = r["report"]
        if kind in ("not_found", "ambiguous"):
            if rep is not None or r["figures"]:
                err("not_found/ambiguous must have report null and no figures")
            reps = []
        elif kind in LIST_REPORT:
            if not isinstance(rep, list) or not rep:
                err("report must be a non-empty list"); reps = []
            else:
                reps = rep
        else:
            if not isinstance(rep, str):
                err("report must be a string"); reps = []
            else:
                reps = [rep]
        for name in reps:
            if not (REPORTS / name).is_file():
                err("report file missing: " + name)
        reps = [x for x in reps if (REPORTS / x).is_file()]
        texts = [report_text(x) for x in reps]
        if kind == "narrative":
            q = r.get("quote_contains", "")
            if r["figures"]:
                err("narrative with figures")
            if not 8 <= len(q) <= 30:
                err(f"quote length {len(q)}")
            if not any(q in ln for t in texts for ln in t.splitlines()):
                err("quote not found within one line: " + q)
        elif "quote_contains" in r:
            err("quote_contains on a non-narrative item")
        if kind in ("figure",) + tuple(COMPUTED):
            if not r["figures"] or not all(isinstance(f, str) for f in r["figures"]):
                err("figures must be a non-empty list of strings")
        result = None
        if kind in COMPUTED:
            result, problem = calc_check(r["note"])
            if problem:
                err(problem)
            elif r["figures"] and r["figures"][0] != result:
                err(f"first figure {r['figures'][0]} != calc result {result}")
        flat = [re.sub(r"\s+", "", t) for t in texts]
        for i, f in enumerate(r["figures"]):
            if kind in COMPUTED and kind != "ranking" and i == 0:
                continue
            if not any(f in t for t in flat):
                err(f"figure {f} not in the cited report text")
    print(f"{len(lines)} lines, {len(ids)} ids, {len(errs)} problems")
    for e in errs:
        print("  " + e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
