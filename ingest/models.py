"""The data types ingest produces. Other folders import them from here."""
from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import Literal, Optional

from pydantic import BaseModel, Field


class Location(BaseModel):
    """Where something is in the source: character span in the extracted text,
    plus the page (PDF, page images) or table/row/column index (docx, HTML, Markdown).

    Text read by OCR from a page image also carries `ocr`, the region of the page it was read from
    (`box`: left, top, right, bottom as fractions of the page's width and height, so a citation
    can point at it whatever the resolution) and the recognizer's confidence in it."""

    start: int
    end: int
    page: Optional[int] = None
    table_index: Optional[int] = None
    row_index: Optional[int] = None
    col_index: Optional[int] = None
    ocr: bool = False
    box: Optional[tuple[float, float, float, float]] = None
    confidence: Optional[float] = None


class Cell(BaseModel):
    text: str
    loc: Location


class Row(BaseModel):
    """A row of a table as the source lays it out; a plain text line is a one-cell row."""

    cells: list[Cell]
    in_table: bool = False  # a real table row (docx/HTML/Markdown/tab-separated text)

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


class Document(BaseModel):
    """A loaded file: its extracted text, and the same text as rows of cells."""

    path: str
    kind: Literal["txt", "docx", "html", "pdf", "md", "image"]
    encoding: Optional[str] = None
    text: str
    rows: list[Row]
    pages: int = 0
    ocr_pages: list[int] = Field(default_factory=list)  # the pages whose text was read by OCR (1-based)
    findings: list["Finding"] = Field(default_factory=list)  # what the loader noticed (a replaced broken byte…)


class Section(BaseModel):
    """One of the six parts of a report (一 to 六)."""

    number: str  # 一 … 六
    title: str  # as printed
    start: int
    end: int


class Fact(BaseModel):
    """One table cell, typed and located."""

    table: Literal["二", "三", "四"]
    row_key: str
    col_key: str
    row_label: str  # the canonical label of the national format
    col_label: str
    printed_row_label: str = ""  # the label as this report printed it ("" when not printed next to the value)
    value: Decimal
    unit: str = "件"
    blank: bool = False  # the source cell was empty (value 0)
    source_text: str = ""  # the cell text as printed
    loc: Location


class NarrativeFigure(BaseModel):
    """A number the prose prints with its measure: 「主动公开政府信息110条，其中…行政许可类7条」 gives
    110 条 of 主动公开政府信息 and 7 条 of 行政许可类, a part of the 110 (ingest.narrative_figures)."""

    value: Decimal
    unit: str  # as printed: 条 件 份 个 次 元 万元 篇 期 人次 项 % …; "" for a count printed bare (…信息数130)
    measure: str  # what it counts, as printed right before the number (line breaks removed)
    whole_index: Optional[int] = None  # the figure (index in the report's list) this one is a part of
    part: Optional[str] = None  # 一 … 六, or None before part 一
    heading: Optional[str] = None  # the nearest sub-heading above it in its part (（一）主动公开情况)
    sentence: Location  # the whole sentence it is printed in
    loc: Location  # the number itself


class Check(BaseModel):
    """One arithmetic rule of REPORT_FORMAT.md, evaluated on one report."""

    rule: str  # e.g. "三:列平衡:自然人"
    description: str
    passed: bool
    expected: Optional[Decimal] = None
    actual: Optional[Decimal] = None
    detail: str  # the numbers involved, in words
    cells: list[tuple[str, str, str]] = Field(default_factory=list)  # (table, row_key, col_key) of every cell it adds up


class Finding(BaseModel):
    """Something a person should know about the source: a quirk, a disagreement, an unparsed table."""

    kind: Literal["ocr", "label_typo", "narrative_mismatch", "narrative_agreement", "unparsed", "layout", "empty_table", "encoding",
                  "source_mismatch", "source_line"]
    message: str
    quote: str = ""
    loc: Optional[Location] = None


class Unread(BaseModel):
    """A row (or one cell of it) of the format that was found or expected but not read, and why."""

    row_key: str
    col_key: str = ""  # "" for the whole row
    reason: str
    quote: str = ""  # the text as printed, when there is any
    loc: Optional[Location] = None


class TableResult(BaseModel):
    table: Literal["二", "三", "四"]
    parsed: bool  # every row of the table was read
    empty: bool = False  # found, but every cell blank (a template)
    reason: str = ""  # why it was not (wholly) read
    fact_count: int = 0
    unread: list[Unread] = Field(default_factory=list)  # rows and cells left unread, each with its reason


# Bump whenever the table/metadata reader changes what it reads: stored reports of an older version are re-read.
READER_VERSION = 5  # (stores written before reports carried a version count as 1; 3: narrative figures; 4: labels' side from block headings and the arithmetic, cells placed by their lines; 5: a prose figure's parts after a later 其中)


class Report(BaseModel):
    report_id: str  # content hash of the source file
    reader_version: int = READER_VERSION  # the version of the reader that read it (READER_VERSION when parsed)
    path: str
    kind: str
    agency: str  # as printed
    agency_key: str = ""  # the canonical identity (ingest.agency): one agency, however it is printed
    agency_aliases: list[str] = Field(default_factory=list)
    year: Optional[int] = None  # the year reported on
    published: Optional[str] = None  # ISO date
    format_version: Optional[str] = None  # "2021" or "2019"
    period: Optional[str] = None  # statistics period as printed
    text: str
    sections: list[Section] = Field(default_factory=list)
    tables: list[TableResult] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    narrative_figures: list[NarrativeFigure] = Field(default_factory=list)  # the prose's figures with their measures
    checks: list[Check] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    # Where each page begins in `text` (PDF only; [] for formats without pages). page_starts[0] == 0.
    page_starts: list[int] = Field(default_factory=list)
    # The pages whose text OCR read from an image (1-based; [] when every page has a text layer): a figure
    # on one of them was recognised, and checked by the arithmetic, not printed in a text layer
    ocr_pages: list[int] = Field(default_factory=list)

    def page_at(self, offset: int) -> Optional[int]:
        """The 1-based page that character `offset` of `text` is on, or None when the source has no pages."""
        if not self.page_starts:
            return None
        return max(1, bisect_right(self.page_starts, offset))

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def fact(self, table: str, row_key: str, col_key: str) -> Optional[Fact]:
        for f in self.facts:
            if f.table == table and f.row_key == row_key and f.col_key == col_key:
                return f
        return None


class Chunk(BaseModel):
    """A passage of a report's narrative (parts 一, 五, 六 and text outside the tables), for retrieval.

    `text` is a verbatim slice of the report's text: report.text[start:end] == text. `section` is
    the heading path as printed, parts and sub-headings joined by " › ", e.g.
    "一、总体情况 › （二）依申请公开办理情况" ("" for text before the first part).
    """

    chunk_id: str  # sha256 of f"{report_id}:{start}"
    report_id: str
    agency: str
    year: Optional[int] = None
    file_name: str
    section: str = ""
    text: str
    start: int
    end: int
    page: Optional[int] = None  # PDF: the page the chunk starts on


class IngestError(Exception):
    """A file that cannot be read as a report. The message is meant for the person at the terminal."""


class TemplateError(IngestError):
    """A blank report template: tables without a figure and no agency. `report` is what was read."""

    def __init__(self, message: str, report: "Report"):
        super().__init__(message)
        self.report = report


Document.model_rebuild()  # Document names Finding, defined after it
