"""The Answer contract (DESIGN.md): what every way in — CLI, web, API, evals — prints."""
from __future__ import annotations

from decimal import Decimal
from typing import Literal, Optional

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, field_serializer

if TYPE_CHECKING:  # the types below only name these in annotations
    from vectorstore.facts import FactRecord

    from .intent import Intent, ReportEntry


def json_number(v: Decimal):
    """A stored figure as a JSON number (56, 4068.208), exactly as printed."""
    return int(v) if v == v.to_integral_value() else float(v)


class Figure(BaseModel):
    agency: str
    year: Optional[int]
    table: str  # "二" / "三" / "四"
    row: str  # row label as in the national format
    column: str
    value: Decimal
    unit: str = "件"
    computed: bool = False  # a sum, share or difference of stored cells
    formula: str = ""  # how a computed figure was reached, with every term
    row_key: str = ""
    col_key: str = ""

    @field_serializer("value", when_used="json")
    def _value_number(self, v: Decimal):
        return json_number(v)


class Citation(BaseModel):
    report_id: str
    agency: str
    year: Optional[int]
    file_name: str = ""
    section: str = ""  # "表三 · （一）予以公开 · 总计" or "一、总体情况"
    quote: str  # the source text: the cell as printed, or the sentence verbatim
    start: int  # character offsets in the report's extracted text
    end: int
    page: Optional[int] = None
    ocr: bool = False  # on a scanned page: the figure was recognised by OCR (and checked by the arithmetic)
    # quoted from another file of the same report (file_name), which only that file prints (a portal page's
    # 发布机构 line): start/end are then no place in the report's text
    other_file: bool = False


class YearRef(BaseModel):
    year: int
    # report: a report year asked about; carried_from: the year applications were carried over from
    # (「从2021年转过来的」), which names a row of the table, not a report
    role: Literal["report", "carried_from"] = "report"


class AgencyYear(BaseModel):
    agency: str
    year: int


class Query(BaseModel):
    """What the question was read as: the typed query the answer was computed from."""

    operation: Literal["figure", "sum", "share", "difference", "growth", "ratio", "ranking", "narrative"]
    metric: Optional[str] = None  # the canonical cell key (新收, 办理结果_不予公开, 行政复议 …); None: the narrative
    table: Optional[str] = None
    rows: list[str] = Field(default_factory=list)
    column: Optional[str] = None  # the applicant column, 表四 result or table 二 column asked
    agencies: list[str] = Field(default_factory=list)
    unknown_agency: str = ""  # an agency named that no report held belongs to
    years: list[YearRef] = Field(default_factory=list)
    # each agency with the year named beside it (「审批局21年、西湖区23年」): exactly these reports
    reports: list[AgencyYear] = Field(default_factory=list)
    direction: Optional[Literal["asc", "desc"]] = None  # a ranking's order
    unexplained: list[str] = Field(default_factory=list)  # words no cell accounts for (why no table answer)
    notes: list[str] = Field(default_factory=list)  # how a name was read (a typo)
    # what earlier turns supplied that the question left unsaid (agency, year, measure, column, operation)
    from_conversation: dict[str, str] = Field(default_factory=dict)


class Answer(BaseModel):
    question: str
    status: Literal["answered", "not_found", "ambiguous"]
    answer: str
    figures: list[Figure] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    choices: list[str] = Field(default_factory=list)  # for `ambiguous`: what the person can pick
    notes: list[str] = Field(default_factory=list)  # failed checks, other readings, fallbacks
    query: Optional[Query] = None  # how the question was read


# ---- what the chain passes between its steps (understand → resolve → compose) -----------------

@dataclass
class Value:
    """A figure and the cells behind it."""

    entry: "ReportEntry"
    label: str
    value: Decimal
    cells: "list[FactRecord]"
    unit: str = "件"
    formula: str = ""  # empty for a single cell
    sides: tuple[str, ...] = ()  # a comparison's two sides as named (「2024年」「2023年」, or two applicant columns)
    steps: "list[Value]" = field(default_factory=list)  # computed values the formula uses (a share's summed part)

    @property
    def computed(self) -> bool:
        return bool(self.formula)


@dataclass
class Missing:
    entry: "ReportEntry"
    reason: str



@dataclass
class Resolved:
    """What a question turned into once checked against the reports held."""

    intent: "Intent"
    status: str = "answered"
    entries: "list[ReportEntry]" = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    compared: int = 0  # a ranking over thousands: how many reports were compared (values holds those that can be shown)
    tied: int = 0  # …and how many of them are level with the first, when counted without computing each
    rank_of: int = -1  # 「某市科委排第几」: the place in the ranking of the report asked about
    sentences: list = field(default_factory=list)
    said: list = field(default_factory=list)  # a yes-or-no answered by a cell: the report's sentence saying it
    prose: object = None  # a figure the prose prints (or one computed from several), assistant.prose.ProseAnswer
    message: str = ""  # for not_found / ambiguous
    choices: list[str] = field(default_factory=list)


