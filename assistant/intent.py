"""What a question was read as, and what a report is to the reader of questions: the types the
understanding step produces and every later step (resolve, compose, the Answer's query) reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from .metrics import Metric

Kind = Literal["figure", "sum", "share", "difference", "growth", "ratio", "ranking", "narrative"]


@dataclass(frozen=True)
class ReportEntry:
    report_id: str
    agency: str
    aliases: list[str]
    year: Optional[int]
    file_name: str
    ocr_pages: list[int] = field(default_factory=list)  # pages of a scan whose text OCR read

    def names(self) -> list[str]:
        return [self.agency, *self.aliases]


@dataclass
class Intent:
    question: str
    agencies: list[str] = field(default_factory=list)
    agency_text: str = ""
    unknown_agency: str = ""  # a named agency that no report held belongs to
    near: list[str] = field(default_factory=list)  # held agencies of the place an unknown agency is in
    unknown_organ: bool = False  # the unknown agency was named with its organ: not one of `near`
    unexplained: list[str] = field(default_factory=list)  # words no cell accounts for (then no table answer)
    # content words asked of its own beyond agency, year, applicant column and operation (改进, 局长): a
    # follow-up with some asks its own question; one without fills its gaps from the turn before
    own_words: list[str] = field(default_factory=list)
    # what the conversation supplied that this question left unsaid: agency, year, measure, column, operation
    assumed: dict = field(default_factory=dict)
    one_name: bool = False  # the agencies are what one name fits (「体育局」 held in two places), not several named
    vague: bool = False  # the agency was named vaguely (那个局): several fit, ask which — never rank them
    direction: str = "desc"  # a ranking's order: "asc" for 最少 / 最低 / 更少
    carried_from: list[int] = field(default_factory=list)  # 「从2021年转过来的」: a row's year, not a report's
    notes: list[str] = field(default_factory=list)  # how a name was read (a typo)
    pairs: list[tuple[str, int]] = field(default_factory=list)  # 「审批局21年、西湖区23年」: each agency with its own year
    years: list[int] = field(default_factory=list)
    year_text: str = ""
    metric: Optional[Metric] = None
    col3: Optional[str] = None  # applicant column words (自然人, 企业…)
    col4: Optional[str] = None  # result words (维持, 纠正…)
    columns: list[str] = field(default_factory=list)  # several applicant columns named and summed (or compared)
    compare_columns: bool = False  # two applicant columns compared: a ratio or difference within one report
    compare_rows: list = field(default_factory=list)  # two rows of one report compared (「处罚是许可的几倍」), as named
    each_column: bool = False  # several applicant columns asked one by one (「是企业提的还是个人提的」)
    each_metric: list = field(default_factory=list)  # several measures asked one by one (「复议和诉讼各有多少」)
    outcome: bool = False  # how the applications were handled: each result row that holds a figure
    outcome_asked: bool = False  # 「那件最后是怎么处理的」 with no measure of its own: an outcome of the turn before's
    metadata: str = ""  # a fact about the report itself: published | signed | period | publisher
    signals: frozenset = frozenset()  # share / difference / ranking / sum words in this turn
    kind: Kind = "narrative"
    topic: str = ""  # the words of a narrative question, for retrieval
    context_topic: str = ""  # the topic of the turn before, in a conversation (「其中原创的占多大比例」 is of it)

    @property
    def column(self) -> Optional[str]:
        if self.metric is None:
            return None
        return {"三": self.col3, "四": self.col4}.get(self.metric.table)
