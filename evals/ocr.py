"""How well scanned reports are read: known tables drawn into PDFs, rasterised, read back by OCR.

    python -m evals.ocr [--reports N] [--scans clean200,noisy200,…] [--blanks zeros,empty] [--keep DIR]

Every corpus report whose cells are all known (`evals.grammar.corpus_frames`: the reader reads every
cell of it and every check passes) is drawn into an A4 PDF with a text layer — its own text, its
three tables as ruled grids with the format's merged cells (`evals.render.draw_pdf`) — once with
every zero printed 「0」 (`zeros`) and once with zero cells left empty as many Word tables do
(`empty`). Each PDF's pages are rasterised (`--scans`: resolution, optionally noise, a small skew and
JPEG compression) into an image-only PDF, which `ingest.pipeline.parse_file` reads through OCR.

Per rendering and scan: the cells the arithmetic determines and the share of them read, every
figure read wrong (must be 0), and the seconds per page (rasterising and OCR on this machine).
Determined: with every zero printed, every cell is printed and determined; with zero cells empty,
a row printing fewer figures than cells may be read several ways, so the determined cells are those
the same reader reads from the PDF's own text layer (the printed text and the arithmetic, without
OCR). The exit status is 1 when any figure is wrong or a scan reads below `READ_GATE` of them.
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .reading import Wrong, _context
from .render import Key, Para, Truth, build_table2, build_table3, build_table4, draw_pdf, fmt_value

READ_GATE = 0.90  # of the determined cells, the share a scan must read
EXAMPLES = 10


@dataclass(frozen=True)
class Scan:
    """How a page is scanned: resolution, grey noise (σ of 0–255), skew (degrees), JPEG quality (None: lossless)."""

    name: str
    dpi: int
    noise: float = 0.0
    skew: float = 0.0
    jpeg: Optional[int] = None

    def describe(self) -> str:
        bits = [f"{self.dpi} dpi"]
        if self.noise:
            bits.append(f"noise σ {self.noise:g}")
        if self.skew:
            bits.append(f"skew ±{self.skew:g}°")
        bits.append(f"JPEG q{self.jpeg}" if self.jpeg else "lossless")
        return ", ".join(bits)


SCANS = {
    "clean150": Scan("clean150", 150),
    "clean200": Scan("clean200", 200),
    "clean300": Scan("clean300", 300),
    "noisy200": Scan("noisy200", 200, noise=14, skew=0.8, jpeg=55),
}
BLANKS = ("zeros", "empty")


def report_blocks(doc) -> list:
    """A framed report (its own text around its tables) as paragraphs and grids, the title centred."""
    blocks: list = []
    tables = [build_table2(doc.truth), build_table3(doc.truth), build_table4(doc.truth)]
    for i, frame in enumerate(doc.frames):
        for line in frame.split("\n"):
            if line.strip():
                blocks.append(Para(line.strip(), "title" if not blocks else "text"))
        if i < len(tables):
            blocks.append(tables[i])
    return blocks


def text_pdf(doc, blanks: str, rng: random.Random) -> bytes:
    """The report drawn into a PDF with a text layer; zero cells printed 「0」 or left empty."""
    empty = blanks == "empty"
    return draw_pdf(report_blocks(doc), doc.truth.year, lambda cell: empty and cell.value == 0, rng)


def scanned_pdf(pdf: bytes, scan: Scan, rng: random.Random) -> tuple[bytes, int]:
    """The PDF's pages rasterised as `scan` says, in an image-only PDF of the same page size; and its pages."""
    import numpy as np
    import pypdfium2 as pdfium
    from fpdf import FPDF
    from PIL import Image

    source = pdfium.PdfDocument(pdf)
    out = FPDF(unit="pt")
    try:
        for page in source:
            w, h = page.get_size()
            img = page.render(scale=scan.dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            if scan.skew:
                img = img.rotate(rng.uniform(-scan.skew, scan.skew), resample=Image.BICUBIC, fillcolor=255)
            if scan.noise:
                arr = np.asarray(img, dtype=np.float32)
                noise = np.random.default_rng(rng.randrange(2**32)).normal(0, scan.noise, arr.shape)
                img = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))
            buf = io.BytesIO()
            if scan.jpeg:
                img.save(buf, "JPEG", quality=scan.jpeg)
            else:
                img.save(buf, "PNG")
            out.add_page(format=(w, h))
            out.image(buf, x=0, y=0, w=w, h=h)
        pages = len(source)
    finally:
        source.close()
    return bytes(out.output()), pages


@dataclass
class ScanResult:
    blanks: str
    scan: Scan
    reports: int = 0
    pages: int = 0
    cells: int = 0
    determined: int = 0
    read: int = 0  # determined cells read right
    read_any: int = 0  # cells read right, determined or not
    seconds: float = 0.0
    wrong: list[Wrong] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.wrong and not self.crashes and self.read >= READ_GATE * self.determined


def _facts(report) -> dict[Key, list]:
    out: dict[Key, list] = {}
    for f in report.facts:
        out.setdefault((f.table, f.row_key, f.col_key), []).append(f)
    return out


def score(truth: Truth, report, determined: set, file: str, res: ScanResult) -> None:
    from decimal import Decimal

    facts = _facts(report)
    for key, value in truth.cells.items():
        got = facts.get(key, [])
        bad = [f for f in got if f.value != Decimal(str(value))]
        if bad:
            res.wrong.append(Wrong(file, key, value, bad[0].value, _context(report, bad[0].loc.start, bad[0].loc.end)))
            continue
        if got:
            res.read_any += 1
            res.read += key in determined
    for key, fs in facts.items():
        if key not in truth.cells:
            res.wrong.append(Wrong(file, key, None, fs[0].value, _context(report, fs[0].loc.start, fs[0].loc.end)))
    res.cells += len(truth.cells)
    res.determined += len(determined)


def determined_cells(truth: Truth, text_report, blanks: str) -> set:
    """Every cell when every figure is printed; else the cells the reader reads right from the text layer."""
    if blanks == "zeros":
        return set(truth.cells)
    from decimal import Decimal

    facts = _facts(text_report)
    return {k for k, v in truth.cells.items() if facts.get(k) and all(f.value == Decimal(str(v)) for f in facts[k])}


def run(docs: list, blanks: str, scans: list[Scan], seed: int, directory: Path) -> list[ScanResult]:
    from ingest.pipeline import parse_file

    results = {s.name: ScanResult(blanks, s) for s in scans}
    for i, doc in enumerate(docs):
        name = f"{doc.truth.agency}_{doc.truth.year}"
        pdf = text_pdf(doc, blanks, random.Random(f"{seed}:{blanks}:{i}"))
        text_path = Path(directory) / f"{i:03d}_{blanks}_text" / f"{name}.pdf"
        text_path.parent.mkdir(parents=True, exist_ok=True)
        text_path.write_bytes(pdf)
        determined = determined_cells(doc.truth, parse_file(text_path), blanks)
        for scan in scans:
            res = results[scan.name]
            data, pages = scanned_pdf(pdf, scan, random.Random(f"{seed}:{scan.name}:{i}"))
            path = Path(directory) / f"{i:03d}_{blanks}_{scan.name}" / f"{name}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            res.reports += 1
            res.pages += pages
            started = time.perf_counter()
            try:
                report = parse_file(path)
            except Exception as e:  # noqa: BLE001 — any exception is a crash to report
                last = traceback.extract_tb(e.__traceback__)[-1]
                res.crashes.append(f"{doc.name}: {type(e).__name__}: {e} (at {Path(last.filename).name}:{last.lineno})")
                res.cells += len(doc.truth.cells)
                res.determined += len(determined)
                continue
            finally:
                res.seconds += time.perf_counter() - started
            score(doc.truth, report, determined, doc.name, res)
            print(f"  {blanks} {scan.name} {doc.name}: {pages} pages, {time.perf_counter() - started:.1f} s",
                  file=sys.stderr, flush=True)
    return list(results.values())


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}" if b else "–"


def print_results(results: list[ScanResult]) -> None:
    print("| zero cells | scan | reports | pages | cells | determined | read % of determined | read % of all "
          "| wrong | crashes | s / page | gate |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        per_page = f"{r.seconds / r.pages:.1f}" if r.pages else "–"
        print(f"| {r.blanks} | {r.scan.name} ({r.scan.describe()}) | {r.reports} | {r.pages} | {r.cells} | "
              f"{r.determined} | {_pct(r.read, r.determined)} | {_pct(r.read_any, r.cells)} | {len(r.wrong)} | "
              f"{len(r.crashes)} | {per_page} | {'pass' if r.passed else 'FAIL'} |")
    pages = sum(r.pages for r in results)
    seconds = sum(r.seconds for r in results)
    if pages:
        print(f"\n{pages} pages in {seconds:.0f} s: {60 * pages / seconds:.1f} pages per minute")
    for r in results:
        for w in r.wrong[:EXAMPLES]:
            truth = "no such cell" if w.truth is None else fmt_value(w.truth)
            print(f"- wrong, {r.blanks}/{r.scan.name}, {w.file}: {'/'.join(w.key)} truth {truth}, got {fmt_value(w.got)} — …{w.context}…")
        for c in r.crashes[:EXAMPLES]:
            print(f"- crash, {r.blanks}/{r.scan.name}: {c}")


def main(argv: Optional[list[str]] = None) -> int:
    from ingest import ocr

    from .grammar import corpus_frames

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=None, help="corpus reports with known cells (default: all)")
    ap.add_argument("--scans", default="clean200,noisy200", help=f"comma-separated, of {', '.join(SCANS)}")
    ap.add_argument("--blanks", default=",".join(BLANKS), help="zeros (every zero printed), empty (zero cells empty)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", default="", help="write the PDFs and scans into this folder and keep them")
    args = ap.parse_args(argv)
    scans = [SCANS[n] for n in args.scans.split(",") if n in SCANS]
    unknown = [n for n in args.scans.split(",") if n not in SCANS] + [
        b for b in args.blanks.split(",") if b not in BLANKS]
    if unknown:
        ap.error(f"unknown {unknown}; scans: {', '.join(SCANS)}; blanks: {', '.join(BLANKS)}")
    if not ocr.available():
        print(f"the OCR extra is not installed: {ocr.INSTALL_HINT}", file=sys.stderr)
        return 2
    docs = corpus_frames()[: args.reports]
    if not docs:
        print("no corpus report with known cells (is ../shared/corpus there?)", file=sys.stderr)
        return 2
    print(f"## Scans: {len(docs)} corpus reports with known cells, each drawn to a PDF and scanned (seed {args.seed})\n")
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp)
        results = [r for b in args.blanks.split(",") for r in run(docs, b, scans, args.seed, out)]
    print_results(results)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
