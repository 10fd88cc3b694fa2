"""How well the table parser reads reports it has never seen: rendered truths, then the real corpus.

    python -m evals.reading [--reports N] [--seed S] [--only flat,docx|none] [--families mixed,…|none]
                            [--corpus-reports N] [--keep DIR] [--no-corpus]

Part 1. For each rendering of `evals.render` (a portal page scraped to one line, Word, PDF, …), the
seed truth (the bundled sample's cells) and N synthetic truths are rendered to files, each file is
parsed with `ingest.pipeline.parse_file`, and every truth cell is compared with the facts:

- read: a Fact with the cell's (table, row_key, col_key) exists and its value equals the truth;
- wrong: a Fact exists with another value, or a Fact exists for a key the truth does not have;
- unread: no Fact exists (leaving a cell the text does not determine unread is correct).

A parse that raises is a crash: all its cells are unread and the file is listed.

Part 1b. The generative families of `evals.grammar` (one_cell_per_line, repeats_dropped,
row_per_line_blank_dropped, table_on_one_line, labels_split_around_values, label_after_values,
mixed) and the issue's two flattenings of the seed: every corpus report whose cells are all known,
in its own text, and the N synthetic reports, each table laid out at random by the family's
grammar. `evals.determine` says which cells the printed text and the arithmetic determine. Per
family: determined cells read / unread; undetermined cells "guessed" (read anyway, right this
time), "told" (a table-二 cell read as the report's own narrative states it), "silent" (neither
read nor listed in TableResult.unread); wrong (a fact whose value is not the truth, determined or
not). The gate, per family: 0 wrong, 0 crashes, 0 guessed, 0 silent, ≥ 95 % of determined cells read.

The exit status is 1 when a fixed rendering has a wrong figure or a crash, or a family fails its gate.

Part 2. The real reports of ../shared/corpus (relative to the repo root) against the figures of
its keyfacts.json, read by hand: per report, how many of those figures were read / unread / wrong.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Optional

from ingest.layout import FORMAT_2019, T3_COLUMNS, T3_GROUPS, T4_GROUPS, T4_RESULTS, table2_blocks, table3_rows
from ingest.models import Report

from .render import RENDERINGS, Key, Truth, Value, fmt_value, seed_truth, synthetic_truth, write_rendering

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
EXAMPLES = 10  # wrong figures listed per rendering


# ---- comparing one parse with its truth ----------------------------------------------------


@dataclass
class Wrong:
    file: str
    key: Key
    truth: Optional[Value]  # None: the truth has no such cell
    got: Decimal
    context: str = ""  # the report text around the fact


@dataclass
class Comparison:
    cells: int = 0
    read: int = 0
    unread: int = 0
    wrong: list[Wrong] = field(default_factory=list)


def _context(report: Report, start: int, end: int, width: int = 40) -> str:
    text = report.text
    a, b = max(0, start - width), min(len(text), end + width)
    return (text[a:start] + "⟦" + text[start:end] + "⟧" + text[end:b]).replace("\n", "⏎").replace("\t", "→")


def compare(truth: Truth, report: Report, file: str = "") -> Comparison:
    """Every truth cell read, unread or wrong; every fact for a key the truth lacks is wrong too."""
    out = Comparison(cells=len(truth.cells))
    by_key: dict[Key, list] = {}
    for f in report.facts:
        by_key.setdefault((f.table, f.row_key, f.col_key), []).append(f)
    for key, value in truth.cells.items():
        facts = by_key.get(key, [])
        if not facts:
            out.unread += 1
            continue
        bad = [f for f in facts if f.value != value]
        if bad:
            f = bad[0]
            out.wrong.append(Wrong(file, key, value, f.value, _context(report, f.loc.start, f.loc.end)))
        else:
            out.read += 1
    for key, facts in by_key.items():
        if key not in truth.cells:
            f = facts[0]
            out.wrong.append(Wrong(file, key, None, f.value, _context(report, f.loc.start, f.loc.end)))
    return out


# ---- part 1: renderings --------------------------------------------------------------------


@dataclass
class RenderingResult:
    name: str
    reports: int = 0
    cells: int = 0
    read: int = 0
    unread: int = 0
    wrong: list[Wrong] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)  # "file: error"


def truths(n: int, seed: int) -> list[Truth]:
    """The seed truth, then n synthetic ones; the same for every rendering."""
    return [seed_truth(), *(synthetic_truth(random.Random(f"{seed}:truth:{i}")) for i in range(n))]


def run_rendering(name: str, all_truths: list[Truth], seed: int, directory: Path) -> RenderingResult:
    from ingest.pipeline import parse_file

    res = RenderingResult(name)
    for i, truth in enumerate(all_truths):
        stem = f"{i:03d}_{name}_{truth.agency}_{truth.year}"
        path = write_rendering(truth, name, random.Random(f"{seed}:{name}:{i}"), directory, stem)
        res.reports += 1
        res.cells += len(truth.cells)
        try:
            report = parse_file(path)
        except Exception as e:  # noqa: BLE001 — any exception is a crash to report
            res.unread += len(truth.cells)
            last = traceback.extract_tb(e.__traceback__)[-1]
            res.crashes.append(f"{path.name}: {type(e).__name__}: {e} (at {Path(last.filename).name}:{last.lineno})")
            continue
        c = compare(truth, report, path.name)
        res.read, res.unread = res.read + c.read, res.unread + c.unread
        res.wrong += c.wrong
    return res


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}" if b else "—"


def print_renderings(results: list[RenderingResult]) -> None:
    print("| rendering | reports | cells | read % | unread | wrong | crashes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.name} | {r.reports} | {r.cells} | {_pct(r.read, r.cells)} | {r.unread} | {len(r.wrong)} | {len(r.crashes)} |")
    for r in results:
        if r.wrong:
            print(f"\n### {r.name}: wrong figures ({len(r.wrong)}; up to {EXAMPLES} shown)")
            for w in r.wrong[:EXAMPLES]:
                truth = "no such cell" if w.truth is None else fmt_value(w.truth)
                print(f"- {w.file}: {'/'.join(w.key)} truth {truth}, got {fmt_value(w.got)} — …{w.context}…")
        if r.crashes:
            print(f"\n### {r.name}: crashes ({len(r.crashes)})")
            for c in r.crashes[:EXAMPLES]:
                print(f"- {c}")


# ---- part 2: the real corpus against keyfacts.json -------------------------------------------

# keyfacts names -> row keys (see keyfacts.json _readme). Table 二 triples are the three columns of
# 第二十条第（一）项; the single figures are a block's 处理决定 / 收费 column.
T2_TRIPLE_ROWS = {"2021": {"规章": "规章", "行政规范性文件": "行政规范性文件", "规范性文件": "行政规范性文件"},
                  "2019": {"规章": "规章", "行政规范性文件": "规范性文件", "规范性文件": "规范性文件"}}
T2_SINGLE = {
    "2021": {"行政许可": ("行政许可", "本年处理决定数量"), "行政处罚": ("行政处罚", "本年处理决定数量"),
             "行政强制": ("行政强制", "本年处理决定数量"), "行政事业性收费_万元": ("行政事业性收费", "本年收费金额")},
    # the 2019 format's 行政事业性收费 block has no amount column: 行政事业性收费_万元 is skipped there
    "2019": {"行政许可": ("行政许可", "处理决定数量"), "行政处罚": ("行政处罚", "处理决定数量"),
             "行政强制": ("行政强制", "处理决定数量")},
}
T3_NAMES = {"不掌握": "无法提供_不掌握", "三类内部事务": "不予公开_内部事务", "七_总计": "总计"}
T3_SUMS = {"不予公开_合计": "办理结果_不予公开", "无法提供_合计": "办理结果_无法提供",
           "不予处理_合计": "办理结果_不予处理", "其他处理_合计": "办理结果_其他处理"}
T4_NAMES = {"复议": "行政复议", "直接起诉": "行政诉讼_直接起诉", "复议后起诉": "行政诉讼_复议后起诉"}

AMBIGUOUS = object()  # the cell's printed digits split more than one way: it must stay unread

# Where keyfacts.json disagrees with the document, the document wins (as in tests/test_corpus_keyfacts.py):
# 上海市科委 prints the 总计 cell of 四、结转下年度继续办理 empty (keyfacts' own flags say so).
DOCUMENT_OVERRIDES = {("上海市科委_2024.md", "三", "结转下年度", "总计"): 0}


def _agreed_cells(raw: str, n: int) -> list:
    """For an ambiguous row, the value of each of its n cells when every split the `_raw` note lists
    agrees on it ('88-720 … 88/-72/0 or 88/-7/20': the first cell is 88 either way), else AMBIGUOUS.
    Only a note that lists at least two splits and does not trail off ('…', '...') is trusted."""
    head = raw.split("HTML")[0]
    splits = [m.split("/") for m in re.findall(r"-?\d+(?:/-?\d+)+", head)]
    splits = [s for s in splits if len(s) == n]
    if len(splits) < 2 or "..." in head or "…" in head:
        return [AMBIGUOUS] * n
    return [int(col[0]) if len(set(col)) == 1 else AMBIGUOUS for col in zip(*splits)]


def _t3_row(name: str) -> Optional[str]:
    """A keyfacts table-三 name to its row key: a known short name, a key, or (part of) a printed label."""
    if name in T3_NAMES:
        return T3_NAMES[name]
    specs = table3_rows(False) + table3_rows(True)
    for s in specs:
        if name == s.key:
            return s.key
    for s in specs:
        core = s.label[len(s.number):] if s.label.startswith(s.number) else s.label
        if name == core or (len(name) >= 4 and name in core):
            return s.key
    return None


def keyfacts_expectations(name: str, entry: dict) -> tuple[dict, list[str]]:
    """{figure: (key or tuple of keys to sum, expected value | AMBIGUOUS)} for one report, and notes on
    names that were skipped."""
    fmt = FORMAT_2019 if int(Path(name).stem.rsplit("_", 1)[-1]) <= 2020 else "2021"
    want: dict[str, tuple] = {}
    notes: list[str] = []
    t2 = entry.get("t2", {})
    triple_cols = [c.key for c in table2_blocks(fmt)[0].columns]
    raws = {k[:-4] for k in t2 if k.endswith("_raw")}
    for k in sorted(set(t2) | raws):
        if k.endswith("_raw"):
            continue
        v = t2.get(k)
        amb = k in raws and v is None  # null with a sibling _raw (or only the _raw): ambiguous; a figure with
        # a _raw beside it is certain, the _raw only says how the printed lines decide it
        if k in T2_TRIPLE_ROWS[fmt]:
            row = T2_TRIPLE_ROWS[fmt][k]
            vals = _agreed_cells(t2[f"{k}_raw"], 3) if amb else ([0, 0, 0] if v is None else v)  # plain null: blank = 0
            for col, x in zip(triple_cols, vals):
                want[f"t2 {k} {col}"] = (("二", row, col), x)
        elif k in T2_SINGLE[fmt]:
            if fmt == FORMAT_2019 and entry.get("t2_2019_cols", {}).get(k, "absent") != "absent":
                continue  # the 2019 columns below cover it
            row, col = T2_SINGLE[fmt][k]
            want[f"t2 {k}"] = (("二", row, col), AMBIGUOUS if amb else (0 if v is None else v))
        else:
            notes.append(f"t2 {k}: no {fmt}-format cell (skipped)")
    if fmt == FORMAT_2019:
        cols19 = {r.key: [c.key for c in b.columns] for b in table2_blocks(fmt) for r in b.rows}
        for k, vals in entry.get("t2_2019_cols", {}).items():
            if k not in cols19:
                notes.append(f"t2_2019_cols {k}: no 2019-format row by that name (skipped)")
                continue  # e.g. a note on how a row's digits split (…_raw)
            amb = vals is None and f"{k}_raw" in t2
            agreed = _agreed_cells(t2[f"{k}_raw"], len(cols19[k])) if amb else []
            for i, col in enumerate(cols19[k]):
                x = agreed[i] if amb else (0 if vals is None else vals[i])
                want[f"t2 {k} {col}"] = (("二", k, col), x)
    t3_col = {"t3_total": "总计", "t3_total_as_printed": "总计", "t3_自然人_col": "自然人"}
    for section, col in t3_col.items():
        for k, v in entry.get(section, {}).items():
            if k in T3_SUMS:
                want[f"{section} {k}"] = (("sum", T3_SUMS[k], col), v)
                continue
            row = _t3_row(k)
            if row is None:
                notes.append(f"{section} {k}: no table-三 row by that name (skipped)")
                continue
            want[f"{section} {k}"] = (("三", row, col), 0 if v is None else v)
    for col, v in zip(T3_COLUMNS, entry.get("t3_新收_by_col", [])):
        want[f"t3 新收 {col.key}"] = (("三", "新收", col.key), 0 if v is None else v)
    for k, vals in (entry.get("t4") or entry.get("t4_as_printed") or {}).items():
        for res, v in zip(T4_RESULTS, vals):
            want[f"t4 {k} {res.key}"] = (("四", T4_NAMES[k], res.key), 0 if v is None else v)
    return want, notes


def _figure(report: Report, key: tuple) -> Optional[Decimal]:
    """The parsed value of a cell, or of a 办理结果 group's sum; None when (a part of) it was not read."""
    if key[0] == "sum":
        _, group, col = key
        rows = T3_GROUPS[group]
        if group == "办理结果_其他处理" and report.fact("三", "其他处理", col) is not None:
            rows = ("其他处理",)  # （六）其他处理 printed as one row
        facts = [report.fact("三", r, col) for r in rows]
        return None if any(f is None for f in facts) else sum((f.value for f in facts), Decimal(0))
    f = report.fact(*key)
    return None if f is None else f.value


def corpus_reading(corpus: Path = CORPUS) -> Optional[list[tuple[str, int, int, int, list[str], list[str]]]]:
    """Per report: (name, read, unread, wrong, wrong descriptions, notes); None when the corpus is missing."""
    from ingest.pipeline import parse_file

    kf_path, reports = corpus / "keyfacts.json", corpus / "reports"
    if not kf_path.is_file() or not reports.is_dir():
        return None
    keyfacts = json.loads(kf_path.read_text(encoding="utf-8"), parse_float=Decimal)
    rows = []
    for name, entry in sorted(keyfacts.items()):
        if name.startswith("_"):
            continue
        want, notes = keyfacts_expectations(name, entry)
        try:
            report = parse_file(reports / name)
        except Exception as e:  # noqa: BLE001
            rows.append((name, 0, len(want), 0, [f"crash: {type(e).__name__}: {e}"], notes))
            continue
        read = unread = 0
        wrong = []
        for figure, (key, expected) in want.items():
            expected = DOCUMENT_OVERRIDES.get((name, *key), expected)
            got = _figure(report, key)
            if got is None and (expected is AMBIGUOUS or expected is None):
                read += 1  # left unread, as it must be
            elif got is None:
                unread += 1
            elif expected is AMBIGUOUS or expected is None:  # (keyfacts' null: the printed lines do not decide it)
                wrong.append(f"{figure}: ambiguous in the original (must stay unread), got {fmt_value(got)}")
            elif got == Decimal(re.match(r"[-+]?[\d.]+", str(expected)).group(0)):  # 「3批」「160200元」: the figure
                read += 1
            else:
                wrong.append(f"{figure}: expected {expected}, got {fmt_value(got)}")
        rows.append((name, read, unread, len(wrong), wrong, notes))
    return rows


def print_corpus(rows) -> None:
    print("\n## Real corpus (../shared/corpus) against keyfacts.json\n")
    if rows is None:
        print(f"(corpus not found at {CORPUS})")
        return
    print("| report | figures | read % | unread | wrong |")
    print("|---|---:|---:|---:|---:|")
    for name, read, unread, nwrong, _, _ in rows:
        n = read + unread + nwrong
        print(f"| {name} | {n} | {_pct(read, n)} | {unread} | {nwrong} |")
    tot = [sum(r[i] for r in rows) for i in (1, 2, 3)]
    print(f"| **all** | {sum(tot)} | {_pct(tot[0], sum(tot))} | {tot[1]} | {tot[2]} |")
    for name, _, _, _, wrong, notes in rows:
        for w in wrong:
            print(f"- wrong: {name}: {w}")
    skipped = sorted({n for r in rows for n in r[5]})
    if skipped:
        print("\nNot compared (no mapping to a cell): " + "; ".join(skipped))


# ---- part 1b: the generative families (evals.grammar), gated on determined cells -------------------

READ_GATE = 0.95  # of the cells the text and the arithmetic determine, the share a family must read


@dataclass
class FamilyResult:
    name: str
    source: str  # corpus | synthetic
    reports: int = 0
    cells: int = 0
    determined: int = 0
    read: int = 0  # determined cells read right
    unread: int = 0  # determined cells left unread
    undetermined: int = 0
    guessed: int = 0  # undetermined cells read (right, this time)
    told: int = 0  # undetermined table-二 cells read as the narrative states them
    silent: int = 0  # undetermined cells neither read nor listed in TableResult.unread
    wrong: list[Wrong] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)

    def add(self, other: "FamilyResult") -> None:
        for f in ("reports", "cells", "determined", "read", "unread", "undetermined", "guessed", "told", "silent"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.wrong += other.wrong
        self.crashes += other.crashes

    @property
    def passed(self) -> bool:
        return (not self.wrong and not self.crashes and not self.guessed and not self.silent
                and (self.determined == 0 or self.read >= READ_GATE * self.determined))


def _stated(prose: str, label: str, value: Decimal) -> bool:
    """Whether a sentence of the report's own text names the row and states the figure."""
    words = "规范性文件" if "规范性文件" in label else label
    number = re.compile(rf"(?<![\d.]){re.escape(fmt_value(value))}(?![\d.])")
    return any(words in s and number.search(s) for s in re.split(r"[。；;！!？?\n]", prose))


def _told(r, readings, key: Key, labels: dict) -> bool:
    """A table-二 cell the report's own narrative decides: it states the figure, or it states other cells
    of the row, and every reading of the row's printed figures that agrees with them gives this cell one
    value (「现行有效…698件」「制发…88件」 and the digits 8855698: 55)."""
    label = labels.get(key[1], key[1])
    if _stated(r.prose, label, Decimal(str(r.truth.cells[key]))):
        return True
    cell = readings[key]
    if not cell.row or not cell.exact:
        return False
    keys = [k for k in r.truth.cells if k[:2] == key[:2]]
    stated = [(readings[k].col, Decimal(str(r.truth.cells[k]))) for k in keys
              if readings[k].col >= 0 and _stated(r.prose, label, Decimal(str(r.truth.cells[k])))]
    if not stated:
        return False
    fits = {t[cell.col] for t in cell.row if all(t[c] == v for c, v in stated)}
    return len(fits) == 1


def score_generative(r, report: Report, file: str, res: FamilyResult) -> None:
    """Compare one parse with its rendering's truth and what the text determines."""
    from .determine import determine

    readings = determine(r)
    facts: dict[Key, list] = {}
    for f in report.facts:
        facts.setdefault((f.table, f.row_key, f.col_key), []).append(f)
    unread_listed = {(t.table, u.row_key, u.col_key) for t in report.tables for u in t.unread}
    labels = {row.key: row.label for b in table2_blocks(r.truth.format_version) for row in b.rows}
    res.reports += 1
    for key, value in r.truth.cells.items():
        res.cells += 1
        truth = Decimal(str(value))
        got = facts.get(key, [])
        bad = [f for f in got if f.value != truth]
        if bad:
            f = bad[0]
            res.wrong.append(Wrong(file, key, value, f.value, _context(report, f.loc.start, f.loc.end)))
        det = readings[key].determined
        if det:
            res.determined += 1
            if got and not bad:
                res.read += 1
            elif not got:
                res.unread += 1
            continue
        res.undetermined += 1
        if got and not bad:
            if key[0] == "二" and _told(r, readings, key, labels):
                res.told += 1
            else:
                res.guessed += 1
        elif not got and not ((key[0], key[1], "") in unread_listed or key in unread_listed):
            res.silent += 1
    for key, fs in facts.items():
        if key not in r.truth.cells:
            f = fs[0]
            res.wrong.append(Wrong(file, key, None, f.value, _context(report, f.loc.start, f.loc.end)))


def _write(text: str, folder: Path, truth: Truth) -> Path:
    """The rendering as <folder>/<agency>_<year>.txt: named as reports are, since a report may print
    its agency only in the page's metadata, which a rendering of its text does not keep."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{truth.agency}_{truth.year}.txt"
    path.write_bytes(text.encode("utf-8"))
    return path


def run_seed_cases(directory: Path) -> list[FamilyResult]:
    """The issue's acceptance cases: the seed with its blank lines removed, and one row per line."""
    from ingest.pipeline import parse_file

    from .grammar import seed_case

    out = []
    for name in ("cell_per_line", "row_per_line"):
        res = FamilyResult(f"seed_{name}", "seed")
        r = seed_case(name)
        path = _write(r.text, Path(directory) / f"seed_{name}", r.truth)
        try:
            score_generative(r, parse_file(path), path.name, res)
        except Exception as e:  # noqa: BLE001
            res.reports += 1
            res.crashes.append(f"{path.name}: {type(e).__name__}: {e}")
        out.append(res)
    return out


def run_family(family: str, docs: list, seed: int, directory: Path) -> list[FamilyResult]:
    """Render every framed report with `family`, parse, score; one result per source."""
    from ingest.pipeline import parse_file

    from .grammar import render_generative

    out = {src: FamilyResult(family, src) for src in ("corpus", "synthetic")}
    for i, doc in enumerate(docs):
        res = out["synthetic" if doc.truth.origin == "synthetic" else "corpus"]
        r = render_generative(doc, family, random.Random(f"{seed}:{family}:{i}"))
        path = _write(r.text, Path(directory) / f"{i:03d}_{family}", doc.truth)
        try:
            report = parse_file(path)
        except Exception as e:  # noqa: BLE001 — any exception is a crash to report
            res.reports += 1
            res.cells += len(doc.truth.cells)
            last = traceback.extract_tb(e.__traceback__)[-1]
            res.crashes.append(f"{path.name}: {type(e).__name__}: {e} (at {Path(last.filename).name}:{last.lineno})")
            continue
        score_generative(r, report, path.name, res)
    return [out["corpus"], out["synthetic"]]


def framed_docs(n: int, seed: int, corpus_limit: Optional[int] = None) -> list:
    """The corpus reports with known cells (each in its own text), then n synthetic reports."""
    from .grammar import corpus_frames, synthetic_frame

    docs = corpus_frames()[:corpus_limit]
    return docs + [synthetic_frame(synthetic_truth(random.Random(f"{seed}:truth:{i}")), random.Random(f"{seed}:doc:{i}"))
                   for i in range(n)]


def print_families(results: list[FamilyResult]) -> None:
    print("| family | source | reports | cells | determined | read % of determined | unread determined "
          "| undetermined | guessed | told | silent | wrong | crashes | gate |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    fams: dict[str, FamilyResult] = {}
    for r in results:
        fams.setdefault(r.name, FamilyResult(r.name, "all")).add(r)
    for r in [x for f in fams for x in [*(y for y in results if y.name == f), fams[f]]]:
        gate = ("pass" if r.passed else "FAIL") if r.source == "all" else ""
        name = f"**{r.name}**" if r.source == "all" else r.name
        print(f"| {name} | {r.source} | {r.reports} | {r.cells} | {r.determined} | {_pct(r.read, r.determined)} | "
              f"{r.unread} | {r.undetermined} | {r.guessed} | {r.told} | {r.silent} | {len(r.wrong)} | "
              f"{len(r.crashes)} | {gate} |")
    for f, r in fams.items():
        if r.wrong:
            print(f"\n### {f}: wrong figures ({len(r.wrong)}; up to {EXAMPLES} shown)")
            for w in r.wrong[:EXAMPLES]:
                truth = "no such cell" if w.truth is None else fmt_value(w.truth)
                print(f"- {w.file}: {'/'.join(w.key)} truth {truth}, got {fmt_value(w.got)} — …{w.context}…")
        if r.crashes:
            print(f"\n### {f}: crashes ({len(r.crashes)})")
            for c in r.crashes[:EXAMPLES]:
                print(f"- {c}")


# ---- the command ------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    from .grammar import FAMILIES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=20, help="synthetic truths per rendering (plus the seed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma-separated fixed renderings (default: all; 'none' for none)")
    ap.add_argument("--families", default="", help="comma-separated generative families (default: all; 'none' for none)")
    ap.add_argument("--corpus-reports", type=int, default=None,
                    help="corpus reports with known cells per family (default: all of them)")
    ap.add_argument("--keep", default="", help="write the rendered files into this folder and keep them")
    ap.add_argument("--no-corpus", action="store_true", help="skip part 2")
    args = ap.parse_args(argv)
    names = [] if args.only == "none" else [n for n in args.only.split(",") if n] or list(RENDERINGS)
    unknown = [n for n in names if n not in RENDERINGS]
    if unknown:
        ap.error(f"unknown renderings {unknown}; known: {', '.join(RENDERINGS)}")
    families = [] if args.families == "none" else [n for n in args.families.split(",") if n] or list(FAMILIES)
    unknown = [n for n in families if n not in FAMILIES]
    if unknown:
        ap.error(f"unknown families {unknown}; known: {', '.join(FAMILIES)}")
    with tempfile.TemporaryDirectory(prefix="reading-") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        results = []
        if names:
            all_truths = truths(args.reports, args.seed)
            print(f"## Renderings: seed truth + {args.reports} synthetic truths each (seed {args.seed})\n")
            results = [run_rendering(n, all_truths, args.seed, out) for n in names]
            print_renderings(results)
        fam_results = []
        if families:
            docs = framed_docs(args.reports, args.seed, args.corpus_reports)
            n_corpus = sum(d.truth.origin != "synthetic" for d in docs)
            print(f"\n## Generative families: {n_corpus} corpus reports with known cells (their own text) + "
                  f"{len(docs) - n_corpus} synthetic, each family (seed {args.seed})\n")
            fam_results = run_seed_cases(out) + [x for f in families for x in run_family(f, docs, args.seed, out)]
            print_families(fam_results)
    if not args.no_corpus:
        print_corpus(corpus_reading())
    fams: dict[str, FamilyResult] = {}
    for r in fam_results:
        fams.setdefault(r.name, FamilyResult(r.name, "all")).add(r)
    failed = any(r.wrong or r.crashes for r in results) or any(not r.passed for r in fams.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
