"""Stored rows ↔ the models of ingest.models (facts, chunks, locations), for both engines."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Optional

from ingest.models import Chunk, Fact, Location, NarrativeFigure, Report

from .db import Database


class FactRecord(Fact):
    """A stored fact together with the report it came from.

    >>> rec.report_id, rec.agency, rec.year, rec.table, rec.value   # doctest: +SKIP
    ('9f3c…', '天津市滨海新区公安局', 2022, '三', Decimal('56'))
    """

    report_id: str
    agency: str
    year: Optional[int] = None
    file_name: str


def decimal_text(value: Decimal) -> str:
    """The exact decimal as plain text, never in exponent form.

    >>> decimal_text(Decimal("4068.208")), decimal_text(Decimal("1E+3")), decimal_text(Decimal("-2"))
    ('4068.208', '1000', '-2')
    """
    return format(value, "f")


def decimal_or_none(text: Optional[str]) -> Optional[Decimal]:
    return None if text is None else Decimal(text)


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def json_list(models: Iterable) -> str:
    return json.dumps([m.model_dump(mode="json") for m in models], ensure_ascii=False)


def insert_report(db: Database, report: Report) -> None:
    """Insert one report and everything under it; the caller owns the transaction."""
    db.run(
        "INSERT INTO reports (report_id, path, file_name, kind, agency, agency_aliases, year, published,"
        " format_version, period, text, sections, tables, ingested_at, page_starts, agency_key, reader_version, ocr_pages)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            report.report_id, report.path, Path(report.path).name, report.kind, report.agency,
            json.dumps(report.agency_aliases, ensure_ascii=False), report.year, report.published,
            report.format_version, report.period, report.text, json_list(report.sections),
            json_list(report.tables), now_text(), json.dumps(report.page_starts), report.agency_key,
            report.reader_version, json.dumps(report.ocr_pages),
        ),
    )
    db.run_many(
        "INSERT INTO facts (report_id, agency, year, tbl, row_key, col_key, row_label, col_label,"
        " printed_row_label, value, unit, blank, source_text, loc_start, loc_end, page, table_index,"
        " row_index, col_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (fact_row(report, f) for f in report.facts),
    )
    db.run_many(
        "INSERT INTO checks (report_id, rule, description, passed, expected, actual, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        ((report.report_id, c.rule, c.description, int(c.passed),
          None if c.expected is None else decimal_text(c.expected),
          None if c.actual is None else decimal_text(c.actual), c.detail) for c in report.checks),
    )
    insert_findings(db, report.report_id, report.findings)
    insert_narrative(db, report)


def insert_narrative(db: Database, report: Report) -> None:
    """The report's narrative figures, in order; a part's whole_id is the row id of its whole (inserted
    before it), so each row is inserted on its own to learn its id."""
    ids: list[int] = []
    for f in report.narrative_figures:
        whole = ids[f.whole_index] if f.whole_index is not None and f.whole_index < len(ids) else None
        ids.append(db.one(
            "INSERT INTO narrative_facts (report_id, agency, year, measure, value, unit, whole_id, part, heading,"
            " sentence_start, sentence_end, loc_start, loc_end, page) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (report.report_id, report.agency, report.year, f.measure, decimal_text(f.value), f.unit, whole, f.part,
             f.heading, f.sentence.start, f.sentence.end, f.loc.start, f.loc.end, report.page_at(f.loc.start)))[0])


def narrative_from_rows(rows) -> list[NarrativeFigure]:
    """Stored narrative_facts rows of one report (in id order) as the report's NarrativeFigures."""
    index = {r.id: i for i, r in enumerate(rows)}
    return [NarrativeFigure(
        value=Decimal(r.value), unit=r.unit, measure=r.measure, whole_index=index.get(r.whole_id), part=r.part,
        heading=r.heading, sentence=Location(start=r.sentence_start, end=r.sentence_end),
        loc=Location(start=r.loc_start, end=r.loc_end, page=r.page)) for r in rows]


def insert_findings(db: Database, report_id: str, findings) -> None:
    db.run_many(
        "INSERT INTO findings (report_id, kind, message, quote, loc_start, loc_end, page, table_index,"
        " row_index, col_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((report_id, f.kind, f.message, f.quote, *location_values(f.loc)) for f in findings),
    )


def insert_chunks(db: Database, chunks: Iterable[Chunk]) -> None:
    db.run_many(
        "INSERT INTO chunks (chunk_id, report_id, agency, year, file_name, section, text, loc_start, loc_end, page)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((c.chunk_id, c.report_id, c.agency, c.year, c.file_name, c.section, c.text, c.start, c.end, c.page)
         for c in chunks),
    )


CHUNK_COLUMNS = "chunk_id, report_id, agency, year, file_name, section, text, loc_start, loc_end, page"


def chunk_from_row(row) -> Chunk:
    return Chunk(
        chunk_id=row.chunk_id, report_id=row.report_id, agency=row.agency, year=row.year,
        file_name=row.file_name, section=row.section, text=row.text, start=row.loc_start,
        end=row.loc_end, page=row.page,
    )


def fact_row(report: Report, fact: Fact) -> tuple:
    return (
        report.report_id, report.agency, report.year, fact.table, fact.row_key, fact.col_key,
        fact.row_label, fact.col_label, fact.printed_row_label, decimal_text(fact.value), fact.unit,
        int(fact.blank), fact.source_text, *location_values(fact.loc),
    )


def location_values(loc: Optional[Location]) -> tuple:
    if loc is None:
        return (None,) * 6
    return (loc.start, loc.end, loc.page, loc.table_index, loc.row_index, loc.col_index)


def location_from_row(row) -> Location:
    return Location(start=row.loc_start, end=row.loc_end, page=row.page, table_index=row.table_index,
                    row_index=row.row_index, col_index=row.col_index)


def fact_fields(row) -> dict:
    return dict(
        table=row.tbl, row_key=row.row_key, col_key=row.col_key, row_label=row.row_label,
        col_label=row.col_label, printed_row_label=row.printed_row_label, value=Decimal(row.value),
        unit=row.unit, blank=bool(row.blank), source_text=row.source_text, loc=location_from_row(row),
    )


def fact_from_row(row) -> Fact:
    return Fact(**fact_fields(row))


@dataclass(frozen=True, slots=True)
class StoredLocation:
    start: int
    end: int
    page: Optional[int] = None
    table_index: Optional[int] = None
    row_index: Optional[int] = None
    col_index: Optional[int] = None


@dataclass(frozen=True, slots=True)
class StoredCell:
    """A stored fact as the assistant reads it on every question about a report it has not looked at
    yet: FactRecord's attributes, without a pydantic model's construction (~15 µs a fact; a report has
    ~200). Read-only; every row was validated as a Fact when it was stored."""
    table: str
    row_key: str
    col_key: str
    row_label: str
    col_label: str
    printed_row_label: str
    value: Decimal
    unit: str
    blank: bool
    source_text: str
    loc: StoredLocation
    report_id: str
    agency: str
    year: Optional[int]
    file_name: str


def stored_cell_from_row(row) -> StoredCell:
    return StoredCell(row[0], row[1], row[2], row[3], row[4], row[5], Decimal(row[6]), row[7], bool(row[8]), row[9],
                      StoredLocation(row[10], row[11], row[12], row[13], row[14], row[15]), row[16], row[17], row[18],
                      row[19])


STORED_CELL_COLUMNS = ("f.tbl, f.row_key, f.col_key, f.row_label, f.col_label, f.printed_row_label, f.value, f.unit, "
                       "f.blank, f.source_text, f.loc_start, f.loc_end, f.page, f.table_index, f.row_index, "
                       "f.col_index, f.report_id, f.agency, f.year, r.file_name")


def fact_record_from_row(row) -> FactRecord:
    return FactRecord(**fact_fields(row), report_id=row.report_id, agency=row.agency, year=row.year,
                      file_name=row.file_name)
