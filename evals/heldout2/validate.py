"""Check heldout.jsonl: every line parses, fields present, reports exist, ids unique,
quote_contains (8-30 chars) occurs verbatim inside one line of the report's text."""
import json, os, re, sys, html, collections
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.environ.get("CORPUS", "../shared/corpus/reports")
FIELDS = ["id", "question", "history", "kind", "status", "report", "figures", "note"]
KINDS = {"figure": "fig", "sum": "sum", "share": "shr", "difference": "dif", "ranking": "rnk",
         "narrative": "nar", "not_found": "nf", "ambiguous": "amb"}

def text_of(name):
    p = os.path.join(CORPUS, name)
    if name.endswith(".pdf"):
        import pypdfium2 as pdfium
        d = pdfium.PdfDocument(p)
        return "\n".join(pg.get_textpage().get_text_range() for pg in d)
    if name.endswith(".docx"):
        import docx
        return "\n".join(par.text for par in docx.Document(p).paragraphs)
    s = open(p, encoding="utf-8").read()
    if name.endswith(".html"):
        s = re.sub(r"<(script|style)\b.*?</\1>", "", s, flags=re.S)
        s = re.sub(r"<[^>]+>", "", s)
        s = html.unescape(s).replace("\xa0", " ")
    return s

ids, counts, errors = set(), collections.Counter(), []
lines = open(os.path.join(HERE, "heldout.jsonl"), encoding="utf-8").read().split("\n")
assert lines[-1] == "", "file must end with a newline"
for n, line in enumerate(lines[:-1], 1):
    try:
        r = json.loads(line)
    except Exception as e:
        errors.append((n, "parse", e)); continue
    for f in FIELDS:
        if f not in r: errors.append((n, "missing", f))
    if r["id"] in ids: errors.append((n, "dup id", r["id"]))
    ids.add(r["id"])
    k = r["kind"]
    if k not in KINDS: errors.append((n, "kind", k)); continue
    fu = r["id"].startswith("h2-fu-")
    if not fu and not re.fullmatch(rf"h2-{KINDS[k]}-\d\d", r["id"]): errors.append((n, "id pattern", r["id"]))
    if fu != bool(r["history"]): errors.append((n, "history", r["id"]))
    counts["followup" if fu else k] += 1
    exp_status = {"not_found": "not_found", "ambiguous": "ambiguous"}.get(k, "answered")
    if r["status"] != exp_status: errors.append((n, "status", r["status"]))
    rep = r["report"]
    if k in ("not_found", "ambiguous"):
        if rep is not None or r["figures"]: errors.append((n, "report/figures must be null/[]"))
    elif k in ("sum", "difference", "ranking"):
        if not isinstance(rep, list) or not rep: errors.append((n, "report must be list"))
    else:
        if not isinstance(rep, str): errors.append((n, "report must be str"))
    for name in ([rep] if isinstance(rep, str) else rep or []):
        if not os.path.exists(os.path.join(CORPUS, name)): errors.append((n, "no such report", name))
    if k == "narrative":
        qc = r.get("quote_contains")
        if not qc or not (8 <= len(qc) <= 30): errors.append((n, "quote length", qc))
        elif r["figures"]: errors.append((n, "narrative figures must be []"))
        else:
            t = text_of(rep)
            if not any(qc in ln for ln in t.split("\n")): errors.append((n, "quote not found in one line", qc))
    elif "quote_contains" in r:
        errors.append((n, "quote_contains only for narrative"))
    if k in ("figure", "sum", "share", "difference", "ranking") and not r["figures"]:
        errors.append((n, "figures empty"))
    if k == "share" and not all(re.fullmatch(r"\d+\.\d\d%", x) for x in r["figures"]):
        errors.append((n, "share format", r["figures"]))
# every report in the corpus is cited at least once
cited = set()
for line in lines[:-1]:
    r = json.loads(line); rep = r["report"]
    cited |= set([rep] if isinstance(rep, str) else rep or [])
reports = {f for f in os.listdir(CORPUS) if not f.endswith(".docx")}
missing = sorted(reports - cited)
print(len(ids), "questions;", dict(counts))
print("reports never cited:", missing or "none")
for e in errors: print("ERROR", *e)
sys.exit(1 if errors else 0)
