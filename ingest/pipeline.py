"""One file in, one checked `Report` out: load, find the metadata and parts, read the tables, check them.

    >>> report = parse_file("data/天津市滨海新区公安局_2022.txt")
    >>> report.agency, report.year, report.fact("三", "新收", "总计").value
    ('天津市滨海新区公安局', 2022, Decimal('56'))

Pure function of the file: no store, no model.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import arithmetic_checks, narrative_findings, sanity_findings
from .loaders import load_document
from .agency import identify
from .metadata import (
    agency_from_first_sentence, agency_from_filename, as_government, find_agency, heading_findings, find_period, find_published,
    find_year, short_forms, slip_findings, year_from_filename,
)
from .narrative_figures import narrative_figures
from .models import READER_VERSION, Document, Finding, IngestError, Report, TableResult, TemplateError
from .parts import detect_format, find_parts, sections as part_sections, table_regions
from .stream import region_tokens, repeats_dropped
from .tables import header_findings, parse_table2, parse_table3, parse_table4
from . import ocr_review

if TYPE_CHECKING:
    from .ocr import OcrSettings


def file_hash(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def parse_file(path: str | Path, ocr: "OcrSettings | None" = None) -> Report:
    """Read one report file. Raises IngestError when the file is not a readable report. `ocr` bounds
    the OCR of scanned pages and page images and reports its progress (default: ingest.ocr's environment)."""
    path = Path(path)
    doc = load_document(path, ocr)
    return parse_document(doc, file_hash(path))


def parse_document(doc: Document, report_id: str) -> Report:
    """Read a loaded document; traditional characters (繁体) are read through their simplified forms,
    while the report keeps the original text, so every quote and offset is the document's own."""
    simple = simplified(doc)
    if simple is None:
        return _parse_document(doc, report_id)
    report = _parse_document(simple, report_id)
    changed = sum(a != b for a, b in zip(doc.text, simple.text))
    report.findings.insert(0, Finding(kind="encoding", message=(
        f"the report is printed in traditional characters ({changed} characters differ from their simplified "
        f"forms): it was read through OpenCC's t2s conversion, quotes show the original text")))
    return report.model_copy(update={"text": doc.text})


def simplified(doc: Document) -> "Document | None":
    """The document in simplified characters, when it is printed in traditional ones (and the
    conversion keeps every character in place, so offsets stay valid); None otherwise."""
    try:
        import opencc
    except ImportError:
        return None
    convert = opencc.OpenCC("t2s").convert
    text = convert(doc.text)
    if len(text) != len(doc.text):
        return None
    changed = sum(a != b for a, b in zip(doc.text, text))
    if changed < 20 or changed < 0.01 * len(text):
        return None  # a simplified report (a stray traditional character or two is no reason)
    rows = [row.model_copy(update={"cells": [c.model_copy(update={"text": convert(c.text)}) for c in row.cells]})
            for row in doc.rows]
    if any(len(a.text) != len(b.text) for r0, r1 in zip(doc.rows, rows) for a, b in zip(r0.cells, r1.cells)):
        return None
    return doc.model_copy(update={"text": text, "rows": rows})


def _parse_document(doc: Document, report_id: str) -> Report:
    rows = doc.rows
    parts = find_parts(doc.text)
    regions = table_regions(parts, doc.text)
    findings: list[Finding] = list(doc.findings)

    agency, aliases = find_agency(rows, doc.text)
    year = find_year(rows, doc.text)
    if not regions and year is None:
        raise IngestError(
            f"{Path(doc.path).name}: this does not look like a 政府信息公开工作年度报告 "
            "(no report title and none of the tables 二/三/四 were found)")
    if not regions and not has_narrative(doc.text):
        shown = " ".join(doc.text.split())
        raise IngestError(
            f"{Path(doc.path).name}: only a title was found (「{shown[:60]}{'…' if len(shown) > 60 else ''}」): "
            "none of the tables 二/三/四 and no sentence of narrative: nothing to answer from, so it is refused. "
            "Check that the file holds the whole report (a web page saved before its text loaded, a PDF of "
            "scanned pages without a text layer), then ingest the complete file")
    file_agency = agency_from_filename(doc.path)
    if not agency:
        agency = agency_from_first_sentence(rows, doc.text)
        if agency:
            findings.append(Finding(kind="layout", message=f"the report prints no agency name in its title or signature; {agency} is read from the first sentence of part 一"))
    if not agency and file_agency and not identify(file_agency).key.startswith("name:"):
        agency = file_agency
        findings.append(Finding(kind="layout", message=f"the report prints no agency name in its title or signature; {agency} is taken from the file name"))
    agency, aliases, government = as_government(agency, aliases)  # 某市 → 某市人民政府
    findings += government
    if file_agency and agency and not identify(file_agency).key.startswith("name:") \
            and identify(file_agency).key != identify(agency).key and not _close(file_agency, agency):
        findings.append(Finding(kind="layout", quote=agency,
                                message=f"the file name says {file_agency}, the document names {agency}: the document's name is used"))
    if year is None:
        year = year_from_filename(doc.path)
        if year:
            findings.append(Finding(kind="layout", message=f"the report prints no year in its title; {year} is taken from the file name"))
    ocr, more = slip_findings(agency, doc.path)
    findings += ocr
    names = set(aliases) | set(more)
    for n in [agency, *aliases, *more]:
        names |= short_forms(n)
    names.discard(agency)

    fmt = detect_format(parts, doc.text, year)
    # one stream of tokens per table, whatever the lines; a crawler that dropped repeated lines
    # printed each run of equal cells once
    repeats = repeats_dropped(doc.text)
    streams = {t: region_tokens(doc, a, b, repeats) for t, (a, b) in regions.items()}
    sections = part_sections(doc.text)
    findings += heading_findings(sections)
    narrative_spans = [(s.start, s.end) for s in sections if s.number in ("一", "五", "六")] or [(0, len(doc.text))]
    narrative = "".join(doc.text[a:b] for a, b in narrative_spans)

    facts, tables = [], []
    for t, parse in (("二", lambda r: parse_table2(r, fmt, narrative, repeats, doc.text)),
                     ("三", lambda r: parse_table3(r, repeats, doc.text)), ("四", lambda r: parse_table4(r, repeats))):
        if t not in regions:
            tables.append(TableResult(table=t, parsed=False, reason=f"table {t} was not found"))
            continue
        parsed = parse(streams[t])
        facts += parsed.facts
        findings += parsed.findings
        tables.append(parsed.result)
    if "三" in regions:
        a, b = regions["三"]
        findings += header_findings([r for r in rows if r.cells and a <= r.cells[0].loc.start < b])
    for tr in tables:
        if tr.empty:
            findings.append(Finding(kind="empty_table", message=f"table {tr.table} is present but every cell is blank (an unfilled template?)"))

    checks = [] if all(t.empty or not t.fact_count for t in tables) else arithmetic_checks(facts)
    if doc.ocr_pages:
        # a figure OCR misread shows where the arithmetic fails: it is left unread, never corrected
        suspects = [(f.loc.start, f.loc.end) for f in doc.findings if f.kind == "ocr" and f.loc is not None]
        facts, rejected, more = ocr_review.review(facts, checks, suspects)
        ocr_review.apply(tables, rejected)
        findings += more
    findings += sanity_findings(facts)
    findings += narrative_findings(doc.text, narrative_spans, facts)
    key = identify(agency).key if agency else ""
    if key.startswith("name:"):  # a misprinted place a character from several: the name the file also gives
        key = next((k for k in (identify(n).key for n in sorted(names)) if k and not k.startswith("name:")), key)
    report = Report(
        report_id=report_id, reader_version=READER_VERSION, agency_key=key, path=str(doc.path), kind=doc.kind,
        agency=agency,
        agency_aliases=sorted(names), year=year, published=find_published(rows, doc.text, year),
        format_version=fmt, period=find_period(doc.text), text=doc.text, sections=sections,
        tables=tables, facts=facts, narrative_figures=narrative_figures(doc.text, sections, _table_spans(regions, facts)),
        checks=checks, findings=findings, page_starts=page_starts(doc), ocr_pages=list(doc.ocr_pages),
    )
    if not agency:
        name = Path(doc.path).name
        if tables and all(t.empty or not t.fact_count for t in tables) and not any(not f.blank for f in facts):
            raise TemplateError(
                f"{name}: a blank report template (every table cell is empty and no agency is named); nothing to store",
                report)
        raise IngestError(
            f"{name}: the report names no agency (no title, signature or 发布机构 line was found). "
            "Name the file after the agency and year (e.g. 某某县人民政府_2023.html) or add the report's title")
    return report


# a sentence of narrative: at least this many Chinese characters before its full stop
NARRATIVE_SENTENCE = 8


def has_narrative(text: str) -> bool:
    """Does the text hold at least one sentence of prose (a full stop after a run of Chinese words)?
    A title, a date and a signature alone do not: a file that is only a report's title is no report."""
    pieces = re.split(r"[。！？!?]", text)
    return any(len(re.findall(r"[\u4e00-\u9fff]", p)) >= NARRATIVE_SENTENCE for p in pieces[:-1])


def _table_spans(regions: dict[str, tuple[int, int]], facts) -> list[tuple[int, int]]:
    """Where each table's cells stand: from its first read cell to its last (a page scraped to one line
    prints the part's prose between its heading and its table), or its whole region when none was read."""
    out = []
    for t, (a, b) in regions.items():
        locs = [f.loc for f in facts if f.table == t and f.loc is not None and f.loc.end > f.loc.start]
        out.append((min(l.start for l in locs), max(l.end for l in locs)) if locs else (a, b))
    return out


def _close(a: str, b: str) -> bool:
    """Names of one length that differ in a character or two (an OCR slip, reported on its own)."""
    return len(a) == len(b) and 0 < sum(x != y for x, y in zip(a, b)) <= 2


def page_starts(doc: Document) -> list[int]:
    """Where each page of a PDF (or of page images) begins in its text (the loader joins pages with one newline)."""
    if doc.pages <= 0:
        return []
    first: dict[int, int] = {}
    for row in doc.rows:
        for cell in row.cells:
            p = cell.loc.page
            if p is not None and (p not in first or cell.loc.start < first[p]):
                first[p] = cell.loc.start
    starts, prev = [0], 0
    for p in range(2, doc.pages + 1):
        # a page without text starts where the next page with text starts (or at the end)
        nxt = next((first[q] for q in range(p, doc.pages + 1) if q in first), len(doc.text))
        prev = max(prev, nxt)
        starts.append(prev)
    return starts
