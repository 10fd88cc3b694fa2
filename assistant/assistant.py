"""Question → Answer, as a LangChain Runnable chain over the store.

    >>> from vectorstore.store import Store
    >>> bot = Assistant(Store.open("store"))
    >>> bot.ask("2022年滨海新区公安局收到多少信息公开申请").answer     # doctest: +SKIP
    '天津市滨海新区公安局2022年本年新收政府信息公开申请数量为56件。…'

understand → resolve the report(s) → look the cells up or retrieve passages → compose.
Figures come from stored cells only; an optional LLM may rephrase, guarded by assistant.guard.
"""
from __future__ import annotations

import gc
import heapq
import re

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from datetime import date
from typing import Optional

from langchain_core.runnables import Runnable

from ingest.agency import identify
from ingest.metadata import META_RES, METADATA_WORDS, metadata_lines

from .compose import Composer
from .accounting import NET_FORMS, NO_CELL, PERSON_ASKED, SITE_FORMS, names_the_holder, qualifier_forms, without_localizer
from .figures import (PCT, SAME_COLUMN, Cells, Missing, Value, blank_total_parts, cell_value, column_label, difference, growth,
                      ratio, share, share_terms, total_over_columns, total_over_years)
from . import prose
from .language import with_language_note
from .metrics import find_metric, table2_column
from .compose import RANK_SHOWN, TIES_NAMED
from .models import Answer, Resolved
from .narrative import Sentence, answers_count, best_sentences, content_query, counted_re, coverage, keywords, sentences, squeezed
from .understand import _ASKS, COUNT_ASKED, Catalog, Intent, ReportEntry, classify, merge, own_reading, plain, to_query, understand, without_asker, year_phrase


LIGHT_RANKING = 40  # past this many reports a ranking compares light records, and fetches full ones for those shown
BY_STORE = 400  # past this many, the store sums each report's cells to order them (FactStore.rank_sums)
BY_ID = 200  # up to this many reports, their cells are fetched by report, not by year
OPEN_SEARCH_MAX = 50  # agencies a question naming none may be searched across before asking which
MAX_CHOICES = 12  # an ambiguous answer names at most this many reports to pick from
CELL_CACHE = 512  # reports whose cells stay in memory between questions


@dataclass(frozen=True)
class LightCell:
    """A stored cell's value and labels, enough to rank by; the cited cells are fetched whole."""

    table: str
    row_key: str
    col_key: str
    row_label: str
    col_label: str
    value: Decimal
    unit: str
    blank: bool


def _nouns(text: str) -> set[str]:
    import jieba.posseg

    from vectorstore.chunks import _jieba

    _jieba()  # the dictionary, loaded once
    return {w.word for w in jieba.posseg.cut(text) if w.flag[:1] == "n" or w.flag in ("s", "f")}


def _sentence_text(picked) -> str:
    return squeezed(getattr(picked, "text", "") or getattr(picked, "quote", "") or str(picked))


def catalog_entries(rows: list[dict]) -> list[ReportEntry]:
    """One agency, however it was printed: reports of one canonical identity (ingest.agency) share the
    name of its latest report, and every other printing is an alias (北京市海淀区人民政府 one year,
    海淀区人民政府 the next, is one agency with two years)."""
    by_key: dict[str, list[dict]] = {}
    for r in rows:
        by_key.setdefault(r.get("agency_key") or f"printed:{r['agency']}", []).append(r)
    out = []
    for group in by_key.values():
        latest = max(group, key=lambda r: (r["year"] or 0, r["agency"]))
        names = sorted({n for r in group for n in (r["agency"], *r["agency_aliases"])} - {latest["agency"]})
        out += [ReportEntry(r["report_id"], latest["agency"], names, r["year"], r["file_name"], r.get("ocr_pages") or [])
                for r in group]
    return out


def _listing(names: list[str]) -> str:
    more = len(names) - MAX_CHOICES
    return "、".join(names[:MAX_CHOICES]) + (f"等{len(names)}个" if more > 0 else "")


# the retrieval mix the evaluation measured best on the gold sets (docs/EVALUATION.md)
DEFAULT_MODE = "hybrid"
# a quoted sentence must carry at least this share of the question's concepts, or the answer is not_found
MIN_COVERAGE = 0.5
SAID_COVERAGE = 0.75  # of a yes-or-no question's concepts, for its sentence to be quoted beside the cell
_YES_NO = re.compile(r"有没有|是否|是不是|吗[？?。！!]*$|了没有?[？?]*$|与否")


_OPERATION_WORDS = {"share": "比例", "ranking": "排名", "difference": "与上年比较", "growth": "增长率", "ratio": "倍数", "sum": "合计"}


def _carried_phrase(assumed: dict) -> str:
    """「某区公安局 2022年 · 新收」: what a follow-up took from the turns before it."""
    parts = []
    if "agency" in assumed:
        parts.append(assumed["agency"])
    if "year" in assumed:
        parts.append(f"{assumed['year']}年")
    if "measure" in assumed:
        parts.append(assumed["measure"])
    if "column" in assumed:
        parts.append(assumed["column"])
    if "operation" in assumed:
        parts.append(_OPERATION_WORDS.get(assumed["operation"], assumed["operation"]))
    return " ".join(parts)




@dataclass
class _Line:
    """A stretch of the report's text as a passage, for quoting a line of it (a header line no passage
    holds, a sentence a prose figure stands in)."""

    report_id: str
    agency: str
    year: Optional[int]
    file_name: str
    text: str
    start: int = 0  # where `text` begins in the report's text
    page: Optional[int] = None
    section: str = "报告信息"
    other_file: bool = False  # a line of another file of the report (Citation.other_file)


def _line(entry: ReportEntry, text: str, start: int = 0, page: Optional[int] = None, section: str = "报告信息") -> _Line:
    return _Line(entry.report_id, entry.agency, entry.year, entry.file_name, text, start, page, section)


@dataclass
class MetaLine:
    chunk: _Line
    start: int
    end: int


def page_of(page_starts: list[int], pos: int) -> Optional[int]:
    """The page a character of a PDF's text stands on (None for a text without pages)."""
    return max((i + 1 for i, s in enumerate(page_starts) if s <= pos), default=None) if page_starts else None


class Step(Runnable):
    """One step of the chain: a function of the step before's output. (RunnableLambda inspects its
    function's signature on every call, ~0.2 ms a step — half of a figure answer; the chain as a whole
    still runs, streams and traces as a LangChain Runnable.)"""

    def __init__(self, func, name: str):
        self.func, self.name = func, name

    def invoke(self, input, config=None, **kwargs):
        return self.func(input)


# 「它们俩加起来呢？」「这两个谁多？」: the reports the conversation has been about, together
# 「他们」 alone is the agency spoken of (「他们局长是谁」); both of them need 俩/都/加起来…
_BOTH = re.compile(r"(?:它们|他们|她们)(?:俩|两|都|加|一共|合计|总共|分别|各)|两者|二者|这两个|那两个|这俩|俩|两家|两个单位|两份|两年|两个年度|两个年份")


def both_spoken_of(intent: Intent, turns: list[Intent], held=None) -> Intent:
    """A follow-up about everything asked before (「某市科委…？」「某区政府2023年的呢？」「它们俩加起来呢？」):
    each report the earlier turns were about, one agency and one year each, with its own year — of those held
    (`held(agency, year)`: a turn about a year no report has, 「2021年呢？」, answered nothing to add)."""
    pairs = list(dict.fromkeys((t.agencies[0], t.years[0]) for t in turns if len(t.agencies) == 1 and len(t.years) == 1))
    if held is not None:
        pairs = [(a, y) for a, y in pairs if held(a, y)]
    if len(pairs) < 2:
        return intent
    out = replace(intent, pairs=pairs, agencies=list(dict.fromkeys(a for a, _ in pairs)),
                  years=sorted({y for _, y in pairs}))
    out.year_text = "、".join(map(str, out.years))
    out.kind = classify(out)
    out.assumed = {**intent.assumed, "agency": "、".join(out.agencies), "year": out.year_text}
    return out


_NARROWS = re.compile(r"其中|[里中]有|之中|这些|那些|最后|最终|结果")
# a clause that only sets the frame of the next one (「那几件申请里，有几件是…」): in X, how many are Y
_FRAME = re.compile(r"(?:里|里面|中|当中|之中|之内)[，,]\s*$")


def compound_parts(question: str) -> list[str]:
    """「市科委2024年制定了几件规章？现在还有效的规范性文件一共多少件？」: two table questions in one, each asked
    in its own sentence; [] unless every sentence after the first names a cell, column or result of its own
    (「真的假的，具体是多少万元」「两年比变了多少？」 go on asking the first question, and stay with it)."""
    pieces = [p for p in re.split(r"(?<=[？?；;])", plain(question)) if p.strip()]
    if len(pieces) < 2:
        # 「上一年有几个项目，这一年增减了多少？」: two asks in the clauses of one sentence
        # (not when a later clause narrows the earlier one: 「有几家企业来申请，最后企业的申请里有几份…」 asks the last)
        pieces = [p for p in re.split(r"(?<=[，,])", plain(question)) if p.strip()]
        if (len(pieces) < 2 or sum(1 for p in pieces if _ASKS.search(p)) < 2
                or any(_NARROWS.search(p) for p in pieces[1:])
                or any(_FRAME.search(p) for p in pieces[:-1])):
            return []
    asking = [i for i, p in enumerate(pieces) if _ASKS.search(p)]
    if len(asking) < 2 or find_metric(without_asker("".join(pieces[:asking[1]]))) is None:
        return []
    parts = ["".join(pieces[:asking[1]])]  # the first question, with what comes before it
    bounds = asking[1:] + [len(pieces)]
    for a, b in zip(bounds, bounds[1:]):
        part = "".join(pieces[a:b])
        if not own_reading(part):
            return []
        parts.append(part)
    return parts


def joined_answers(question: str, answers: list[Answer]) -> Answer:
    """The answers to each question of a compound one, in order: the first one's figure leads."""
    answered = [a for a in answers if a.status == "answered"]
    if not answered:
        return answers[0].model_copy(update={"question": question})
    notes = list(dict.fromkeys(n for a in answers for n in a.notes))
    return Answer(question=question, status="answered", answer="\n\n".join(a.answer for a in answers),
                  figures=[f for a in answered for f in a.figures], citations=[c for a in answered for c in a.citations],
                  notes=notes, query=answered[0].query)


def _reports_named(entries: list) -> str:
    """The reports a narrative answer looked in, as a not_found says them (「某区2023年、某区2024年」)."""
    return "、".join(f"{e.agency}{e.year}年" for e in entries) or "已入库"


# a question about the applications people made (where a channel named is a part of them)
_APPLYING = re.compile(r"申请|提交|递交|受理|收到|来信|信访")
# a follow-up about part of what the turn before counted
_OF_THOSE = re.compile(r"^\s*(?:那|那么)?(?:其中|这其中|这里面|那里面|里面|这些里|这当中|当中)")
# money no cell holds, asked as an amount (预算, 经费, 工资), and an amount a sentence prints
_AMOUNT_OF = re.compile(r"预算|经费|工资|薪|资金")
_AN_AMOUNT = re.compile(r"\d[\d,.]*\s*(?:多|余)?\s*(?:万|亿)?元")
# 「某市科委排第几」: the place of one report in a ranking
_RANK_OF = re.compile(r"(?:排|排在|排名|位列|名列|位居)(?:第几|多少)(?:名|位)?")
# 「谁多？多多少？」: a ranking of two that asks the difference too
_HOW_MUCH_MORE = re.compile(r"[多少]多少|差多少|相差多少|多出多少|差了多少|差距(?:有)?多大")
# table 四's results, in the format's order
T4_RESULTS_ORDER = ("结果维持", "结果纠正", "其他结果", "尚未审结")
# who applied, as the prose says it (法人申请1件、自然人申请2件)
_APPLICANT_WORDS = re.compile(r"自然人|个人|公民|法人|企业|公司|其他组织|律师|法律服务|科研|公益")
# how a report says its applications were answered
_HANDLED_WORDS = ("答复", "回复", "告知", "予以公开", "不予公开", "部分公开", "不予处理", "无法提供", "办结")


class Assistant:
    def __init__(self, store, mode: Optional[str] = None, llm=None, k: int = 5, today: Optional[date] = None):
        """today: the date questions are asked on (今年/去年 count from it); None means the clock's."""
        self.store = store
        self.today = today
        self.mode = mode or DEFAULT_MODE
        self.llm = llm
        self.k = k
        self._catalog: Optional[Catalog] = None
        self._catalog_version = None
        self._cells: dict[str, Cells] = {}
        self._prose: dict[str, list] = {}  # report id → its prose figures (the last CELL_CACHE reports)
        self.composer = Composer(store)
        self.chain: Runnable = (
            Step(self._understand, "understand") | Step(self._resolve, "resolve")
            | Step(self._answer, "compose") | Step(self._rephrase, "rephrase")
        )

    # ---- public -----------------------------------------------------------
    def ask(self, question: str, history: Optional[list[str]] = None, today: Optional[date] = None) -> Answer:
        parts = compound_parts(question)
        if len(parts) < 2:
            answer = self.chain.invoke({"question": question, "history": history or [], "today": today or self.today})
            return with_language_note(question, answer)
        # 「律所递了几件？科研院所又递了几件？」: each question in turn, the ones before it as its conversation
        said, answers = list(history or []), []
        for part in parts:
            answers.append(self.chain.invoke({"question": part, "history": said, "today": today or self.today}))
            said.append(part)
        return with_language_note(question, joined_answers(question, answers))

    @property
    def catalog(self) -> Catalog:
        version = self.store.facts.data_version()
        if self._catalog is None or version != self._catalog_version:
            rows = self.store.facts.catalog()
            self._catalog = Catalog(catalog_entries(rows))
            self._catalog_version = version
            self._cells.clear()
            self._prose.clear()
        return self._catalog

    def prose_figures(self, entry: ReportEntry) -> list:
        """The figures one report's prose prints (prose.prose_figures), kept like its cells: a figure answer
        looks at them to quote the prose stating the same count."""
        cached = self._prose.pop(entry.report_id, None)
        if cached is None:
            cached = prose.prose_figures(self.store, entry)
        self._prose[entry.report_id] = cached
        while len(self._prose) > CELL_CACHE:
            self._prose.pop(next(iter(self._prose)))
        return cached

    def cells(self, entry: ReportEntry) -> Cells:
        """Every cell of one report, kept for the next question about it (the last CELL_CACHE reports)."""
        cached = self._cells.pop(entry.report_id, None)
        if cached is None:
            cached = {(f.table, f.row_key, f.col_key): f for f in self.store.facts.report_cells(entry.report_id)}
        self._cells[entry.report_id] = cached
        while len(self._cells) > CELL_CACHE:
            self._cells.pop(next(iter(self._cells)))
        return cached

    def light_cells_across(self, entries: list[ReportEntry], table: str, rows: set[str], cols: set[str]) -> dict[str, Cells]:
        """The cells a ranking over many reports compares, as light records (value and labels only)."""
        wanted = {e.report_id for e in entries}
        out: dict[str, Cells] = {rid: {} for rid in wanted}
        years = sorted({e.year for e in entries if e.year is not None})
        if len(wanted) <= BY_ID:
            values = self.store.facts.cell_values(table, rows, cols, report_ids=sorted(wanted))
        else:
            # only the years compared: a ranking of one year reads that year's reports, not every report's cells
            values = self.store.facts.cell_values(table, rows, cols, years=years if len(years) <= 3 and
                                                  all(e.year is not None for e in entries) else None)
        for rid, row, col, value, unit, blank in values:
            if rid in wanted:
                out[rid][(table, row, col)] = LightCell(table, row, col, row, col, Decimal(value), unit, bool(blank))
        return out

    def cells_across(self, entries: list[ReportEntry], table: str, rows: set[str], cols: set[str]) -> dict[str, Cells]:
        """Only the cells a ranking needs, from every report at once: one query per row, not one per report.
        A few reports (the agencies a question lists) are read each whole instead: a row's query reads that
        row of every stored report, thousands of cells to keep a handful."""
        wanted = {e.report_id for e in entries}
        if len(wanted) <= LIGHT_RANKING:
            return {e.report_id: self.cells(e) for e in entries}
        out: dict[str, Cells] = {rid: {} for rid in wanted}
        for row in rows:
            for col in cols:
                for f in self.store.facts.facts(table=table, row_key=row, col_key=col):
                    if f.report_id in wanted:
                        out[f.report_id][(f.table, f.row_key, f.col_key)] = f
        return out

    # ---- chain steps ------------------------------------------------------
    def _understand(self, inp: dict) -> Intent:
        catalog = self.catalog
        today = inp.get("today")
        intent = understand(inp["question"], catalog, today)
        context, spoken = None, []
        for earlier in inp.get("history") or []:
            turn = understand(earlier, catalog, today)
            if context is not None and turn.one_name:
                # (「那体育局呢？」 earlier in the conversation was of its place then, as it is when asked)
                turn.agencies = self._in_the_conversations_place(turn.agencies, context)
            context = turn if context is None else merge(context, turn)
            spoken.append(context)
        if context is not None:
            mentioned = not intent.agencies and _BOTH.search(intent.question)
            # 「比前一年少了多少篇？」 after 2024 and then 2023 were asked about: the two years spoken of, compared
            compared = (not intent.agencies and not intent.years and intent.metric is None
                        and intent.signals & {"difference", "growth", "ratio"})
            if intent.one_name:
                intent.agencies = self._in_the_conversations_place(intent.agencies, context)
            alone = intent
            intent = merge(context, intent)
            intent.question = inp["question"].strip()
            held = lambda a, y: bool(catalog.reports(a, y))
            if mentioned:
                intent = both_spoken_of(intent, spoken, held)
            elif compared and len({t.years[0] for t in spoken if len(t.years) == 1}) == 2:
                intent = both_spoken_of(intent, spoken, held)
                intent.kind = classify(alone) if intent.metric is None else intent.kind
        return intent

    def _in_the_conversations_place(self, agencies: list[str], context: Intent) -> list[str]:
        """An organ named without its place that several places have (「那体育局呢？」) is the one of the
        place the conversation is about, where that place has one."""
        if len(agencies) < 2:
            return agencies
        ids = self.catalog.resolver.ids
        names = context.agencies or ([context.unknown_agency] if context.unknown_agency else [])
        spoken = [ids[n] if n in ids else identify(n) for n in names]
        codes = {p.code for ident in spoken for p in ident.places[-1:]}
        if not codes:
            return agencies
        here = [a for a in agencies if a in ids and {p.code for p in ids[a].places} & codes]
        return here if here else agencies

    def _resolve(self, intent: Intent) -> Resolved:
        catalog = self.catalog
        r = Resolved(intent)
        held = catalog.summary()
        if not catalog.entries:
            return self._stop(r, "not_found", "还没有任何报告入库。请先用 `disclosure-qa ingest` 导入报告。")
        if intent.unknown_agency:
            near = intent.near
            if near and intent.metric is None and len(near) <= OPEN_SEARCH_MAX and not intent.unknown_organ:
                # 「“上海科技”公众号…」: a narrative question the reports of that place may answer outright
                r.entries = [e for e in catalog.entries if e.agency in near and (not intent.years or e.year in intent.years)]
                found = self._narrative(r)
                if found.status == "answered":
                    return found
                r.status = "answered"
            if near and intent.unknown_organ:
                # 「淮安市政府」「洪泽区教育局」: named whole, and not held — say what that place has
                return self._stop(r, "not_found", f"没有找到{intent.unknown_agency}的报告；该地现有：{_listing(near)}。")
            if near:
                # 「天津…」 may mean 天津市滨海新区公安局, or the city: ask rather than guess
                r.choices = near
                return self._stop(r, "ambiguous", f"没有{intent.unknown_agency}本级的报告；是指{'、'.join(near)}吗？")
            return self._stop(r, "not_found", f"没有找到{intent.unknown_agency}的报告。现有报告：{held}。")
        if intent.pairs and intent.metric is not None and intent.kind in ("ranking", "sum"):
            # each agency with the year named beside it: exactly those reports
            absent = [f"{a}{y}年" for a, y in intent.pairs if not catalog.reports(a, y)]
            if absent:
                return self._stop(r, "not_found", f"没有{'、'.join(absent)}的报告。现有报告：{held}。")
            r.entries = [e for a, y in intent.pairs for e in catalog.reports(a, y)]
            return self._figures(r)
        if intent.kind == "ranking" and intent.metric is not None:
            entries = [e for e in catalog.entries if not intent.years or e.year in intent.years]
            if intent.agencies:
                entries = [e for e in entries if e.agency in intent.agencies]
                absent = [a for a in intent.agencies if not any(e.agency == a for e in entries)]
                if absent and not intent.vague:
                    # an agency named to compare has no report of the years asked: no ranking without it
                    return self._stop(r, "not_found", f"没有{'、'.join(absent)}{year_phrase(intent)}的报告，无法比较。"
                                                      f"现有：{'；'.join(f'{a}（' + '、'.join(map(str, catalog.years(a))) + '年）' for a in absent)}。")
            if not entries:
                return self._stop(r, "not_found", f"没有{year_phrase(intent)}的报告。现有报告：{held}。")
            if intent.vague and not intent.years and len({e.year for e in entries}) > 1:
                # 「某区各个局里哪个局收到的申请最多？」: a place's departments, their reports of different years — which
                # year is compared? (agencies named one by one are compared by the reports they have)
                years = sorted({e.year for e in entries if e.year is not None})
                r.choices = [f"{y}年" for y in years]
                return self._stop(r, "ambiguous", f"这些单位的报告年份不同（{'、'.join(map(str, years))}年），请问比较哪一年？")
            r.entries = entries
            return self._figures(r)
        agencies = intent.agencies or (catalog.agencies if len(catalog.agencies) == 1 else [])
        if not agencies:
            fitting = [a for a in catalog.agencies if not intent.years or set(intent.years) & set(catalog.years(a))]
            if not fitting:
                return self._stop(r, "not_found", f"没有{year_phrase(intent)}的报告。现有报告：{held}。")
            if len(fitting) == 1:
                agencies = fitting
            elif intent.metric is None and len(fitting) <= OPEN_SEARCH_MAX:
                # a narrative question naming no agency: answer it if one report clearly does
                # (no year: search every report, unfiltered); past a few dozen agencies, ask which
                r.entries = [e for e in catalog.entries if e.year in intent.years] if intent.years else []
                found = self._narrative(r)
                if found.status == "answered":
                    return found
                r.status, r.entries = "answered", []
                r.choices = fitting[:MAX_CHOICES]
                return self._stop(r, "ambiguous", f"请问是哪个单位的报告？现有：{_listing(fitting)}。")
            else:
                r.choices = fitting[:MAX_CHOICES]
                return self._stop(r, "ambiguous", f"请问是哪个单位的报告？现有：{_listing(fitting)}。")
        if len(agencies) > 1 and intent.kind == "sum" and intent.metric is not None:
            # one total over several agencies: each agency's report of the year asked (or its only one)
            for a in agencies:
                ys = catalog.years(a)
                picked = [y for y in ys if y in intent.years] if intent.years else (ys if len(ys) == 1 else [])
                if not picked:
                    r.choices = [f"{a}{y}年" for y in ys]
                    return self._stop(r, "ambiguous", f"{a}有{'、'.join(map(str, ys))}年的报告，请问是哪一年？")
                r.entries += [e for y in picked for e in catalog.reports(a, y)]
            return self._figures(r)
        if len(agencies) == 2 and intent.kind in ("difference", "growth", "ratio") and intent.metric is not None \
                and not intent.vague:
            return self._agencies_compared(r, agencies)
        if len(agencies) > 1:
            r.choices = agencies
            return self._stop(r, "ambiguous", f"“{intent.agency_text}”对应多个单位：{'、'.join(agencies)}，请指明是哪一个。")
        agency = agencies[0]
        years = catalog.years(agency)
        if intent.kind in ("difference", "growth", "ratio") and intent.metric is not None:
            return self._difference(r, agency, years)
        if not intent.years:
            if len(years) == 1:
                wanted = years
            elif intent.metric is None and len(years) <= OPEN_SEARCH_MAX:
                # the report's words asked without a year: ask which year only when it changes the answer —
                # no report says it (「局长是谁」): not_found; one does: that one
                said = []
                for y in years:
                    one = self._narrative(Resolved(intent, entries=self.catalog.reports(agency, y)))
                    if one.status == "answered":
                        said.append(one)
                if len(said) == 1:
                    return said[0]
                if not said:
                    return self._stop(r, "not_found", f"{agency}的{'、'.join(map(str, years))}年报告都没有写到“{intent.question}”。")
                r.choices = [f"{agency}{e.year}年" for one in said for e in one.entries]
                return self._stop(r, "ambiguous", f"{agency}有{'、'.join(map(str, years))}年的报告，请问是哪一年？")
            else:
                r.choices = [f"{agency}{y}年" for y in years]
                return self._stop(r, "ambiguous", f"{agency}有{'、'.join(map(str, years))}年的报告，请问是哪一年？")
        else:
            wanted = intent.years
        absent = [y for y in wanted if y not in years]
        if absent:
            return self._stop(r, "not_found", f"没有{agency}{'、'.join(map(str, absent))}年的报告；现有年份：{'、'.join(map(str, years))}年。")
        r.entries = [e for y in wanted for e in catalog.reports(agency, y)]
        return self._figures(r) if intent.metric is not None else self._narrative(r)

    def _stop(self, r: Resolved, status: str, message: str) -> Resolved:
        r.status, r.message = status, message
        return r

    def _column(self, intent: Intent) -> str:
        m = intent.metric
        if m.table == "二":
            return table2_column(intent.question, m)
        return intent.column or m.col

    def _figures(self, r: Resolved) -> Resolved:
        if r.intent.kind == "ranking" and len(r.entries) > LIGHT_RANKING and gc.isenabled():
            # tens of thousands of short-lived cells and values, none in a cycle: the cyclic collector
            # would only walk them (measured: a third of a ranking over 10,000 reports)
            gc.disable()
            try:
                return self._figures_of(r)
            finally:
                gc.enable()
        return self._figures_of(r)

    def _figures_of(self, r: Resolved, by_store: bool = True) -> Resolved:
        intent = r.intent
        col = self._column(intent)
        as_share = intent.kind == "share" or "share" in intent.signals
        if by_store and intent.kind == "ranking" and len(r.entries) > BY_STORE and not intent.columns:
            return self._ranking_by_store(r, col, as_share)
        many = None
        # (by_store off: the few reports a store-ordered ranking computes, out of thousands)
        light = intent.kind == "ranking" and (len(r.entries) > LIGHT_RANKING or not by_store)
        if light or (len(r.entries) > 3 and not intent.each_metric):
            m = intent.metric
            fetch = self.light_cells_across if light else self.cells_across
            cols = {col, m.col, *intent.columns, *([SAME_COLUMN[col]] if col in SAME_COLUMN else [])}
            rows = {*m.rows, *m.fallback_rows}
            if as_share or intent.kind == "figure":
                rows, cols = rows | {"总计"}, cols | {"总计"}  # a share's whole; a blank 总计's row parts
            many = fetch(r.entries, m.table, rows, cols)
        for entry in r.entries:
            cells = many[entry.report_id] if many is not None else self.cells(entry)
            if as_share:
                v = share(entry, cells, intent.metric, intent.column)
            elif intent.outcome and intent.metric.table == "四":
                # which result the reviews or lawsuits had: each result column that holds a figure
                found = [v for c in T4_RESULTS_ORDER if isinstance(v := cell_value(entry, cells, intent.metric, c), Value)]
                held = [v for v in found if v.value != 0]
                total = cell_value(entry, cells, intent.metric, "总计")
                r.values += held or ([total] if isinstance(total, Value) else [])
                if not held and not isinstance(total, Value):
                    r.missing.append(total)
                continue
            elif intent.outcome:
                # how the applications were handled: the result rows that hold a figure, in the format's order
                found = [v for m in intent.each_metric
                         if isinstance(v := cell_value(entry, cells, m, self._column(replace(intent, metric=m))), Value)]
                held = [v for v in found if v.value != 0]
                total = cell_value(entry, cells, find_metric("办理结果总计") or intent.metric, intent.column or "总计")
                r.values += held or ([total] if isinstance(total, Value) else [])
                if not held and not isinstance(total, Value):
                    r.missing.append(total)
                continue
            elif intent.each_metric and intent.kind != "ranking":
                for m in intent.each_metric:  # each measure asked: a figure of its own, in the order named
                    v = cell_value(entry, cells, m, self._column(replace(intent, metric=m)))
                    (r.values if isinstance(v, Value) else r.missing).append(v)
                continue
            elif intent.each_column and intent.metric.table == "三":
                for c in intent.columns:  # each column asked: a figure of its own
                    v = cell_value(entry, cells, intent.metric, c)
                    (r.values if isinstance(v, Value) else r.missing).append(v)
                continue
            elif intent.columns and intent.metric.table == "三":
                parts = [cell_value(entry, cells, intent.metric, c) for c in intent.columns]
                bad = next((p for p in parts if isinstance(p, Missing)), None)
                v = bad or total_over_columns(parts, [column_label("三", c) for c in intent.columns])
            else:
                v = cell_value(entry, cells, intent.metric, col)
            (r.values if isinstance(v, Value) else r.missing).append(v)
            if isinstance(v, Value) and intent.kind == "figure":
                parts = blank_total_parts(v, cells)
                if parts:  # the printed 总计 is blank: the row's own sum is the figure, the blank cell beside it
                    r.values[-1:] = parts + [v]
        if intent.kind == "ranking" and len(r.values) == 2 and _HOW_MUCH_MORE.search(intent.question) and not r.missing:
            # 「某区政府和某县政府，谁作出的行政处罚决定多？多多少？」: the two figures and their difference
            big, small = sorted(r.values, key=lambda v: v.value, reverse=True)
            named = lambda v: f"{v.entry.agency}{v.entry.year}年"
            d = difference(big, small, sides=(named(big), named(small)))
            r.values = [d, small, big]
            r.intent = replace(intent, kind="difference")
            return r
        if intent.kind == "ranking":
            r.values.sort(key=lambda v: v.value, reverse=intent.direction != "asc")
            r.rank_of = self._rank_asked(intent, r.values)
            if light:
                # the reports shown (and cited) get their full cells back; the rest only counted
                top = []
                for v in r.values[:RANK_SHOWN]:
                    cells = self.cells(v.entry)
                    full = share(v.entry, cells, intent.metric, intent.column) if as_share else cell_value(v.entry, cells, intent.metric, col)
                    top.append(full if isinstance(full, Value) else v)
                r.values[:RANK_SHOWN] = top
        elif intent.kind == "sum" and len(r.values) > 1 and not r.missing:
            r.values = [total_over_years(r.values)]
        if not r.values:
            r.status = "not_found"
            r.message = "；".join(f"{m.entry.agency}{m.entry.year}年：{m.reason}" for m in r.missing)
        return r

    def _ranking_by_store(self, r: Resolved, col: str, as_share: bool) -> Resolved:
        """A ranking over thousands of reports: the store sums each report's cells (floats, to order
        them); the reports that can be first or are shown — the first RANK_SHOWN, every report level
        with the first — and every report whose cells need more than a sum (fallback rows, the other
        format's column, a zero whole) are computed exactly from their cells as any figure is. The
        rest are counted."""
        intent, m = r.intent, r.intent.metric
        if as_share:
            terms_of = share_terms(m, intent.column)
            if terms_of is None:
                return self._figures_of(r, by_store=False)
            (pm, pc), (wm, wc), _ = terms_of
            terms = [(pm.rows, pc), (wm.rows, wc)]
        else:
            terms = [(m.rows, col)]
        by_id = {e.report_id: e for e in r.entries}
        years = sorted({e.year for e in r.entries if e.year is not None})
        use_years = years if len(years) <= 3 and all(e.year is not None for e in r.entries) else None
        # counts (件) sum to whole numbers, which floats hold exactly: their sums, and a share's rounded
        # percentage computed from them as share() computes it, are the exact figures; amounts are not
        counts = all(t.unit == "件" for t in ((pm, wm) if as_share else (m,)))
        need = [len(rows) for rows, _ in terms]
        keyed, rest = [], set(by_id)
        for rid, agg in self.store.facts.rank_sums(m.table, terms, use_years).items():
            if rid not in by_id or [n for _, n in agg] != need:
                continue  # not held whole as a sum: computed one by one below
            if counts and not all(float(t).is_integer() for t, _ in agg):
                continue
            if as_share:
                part, whole = agg[0][0], agg[1][0]
                if not whole:
                    continue  # a zero whole: the exact figure says why there is no share
                key = ((Decimal(int(part)) / Decimal(int(whole)) * 100).quantize(PCT, rounding=ROUND_HALF_UP)
                       if counts else part / whole * 100)
            else:
                key = int(agg[0][0]) if counts else agg[0][0]
            keyed.append((key, rid))
            rest.discard(rid)
        # ties in the order the reports are listed, as a ranking computed one by one keeps them
        pos = {e.report_id: i for i, e in enumerate(r.entries)}
        sign = -1 if intent.direction != "asc" else 1
        top = heapq.nsmallest(max(RANK_SHOWN, TIES_NAMED), keyed, key=lambda x: (sign * x[0], pos[x[1]]))
        exact = set(rest) | {rid for _, rid in top}
        tied = 0
        if top:
            first = top[0][0]
            if counts:
                tied = sum(1 for k, _ in keyed if k == first)
            else:
                # amounts: every report that could be level with the first is computed exactly
                tol = 0.006 if as_share else 1e-9 * max(1.0, abs(first))
                exact |= {rid for k, rid in keyed if abs(k - first) <= tol}
        counted = sum(1 for _, rid in keyed if rid not in exact)
        entries = r.entries
        r.entries = [e for e in entries if e.report_id in exact]
        r = self._figures_of(r, by_store=False)
        r.entries, r.compared, r.tied = entries, len(r.values) + counted, tied
        return r

    def _rank_asked(self, intent: Intent, values: list) -> int:
        """「…这三家，收到的申请某市科委排第几？」: the place of the agency named right before 排第几, or -1."""
        m = _RANK_OF.search(intent.question)
        if not m:
            return -1
        before = intent.question[:m.start()]
        named = [(before.rfind(t), t) for t in intent.agency_text.split("|") if t and before.rfind(t) >= 0]
        if not named:
            return -1
        text = max(named)[1]
        agencies = self.catalog.resolve(text, intent.years).agencies
        return next((i for i, v in enumerate(values) if v.entry.agency in agencies), -1) if len(agencies) == 1 else -1

    def _agencies_compared(self, r: Resolved, agencies: list[str]) -> Resolved:
        """「前年某区收到的申请是某市科委的几倍？」「A比B多多少」: two agencies named, one year (named, or
        the one both have), the first named set against the second."""
        intent, catalog = r.intent, self.catalog
        named = sorted(agencies, key=lambda a: min((intent.question.find(t) for t in intent.agency_text.split("|")
                                                    if t and catalog.resolve(t, intent.years).agencies == [a]), default=99))
        common = sorted(set(catalog.years(named[0])) & set(catalog.years(named[1])))
        years = intent.years or (common[-1:] if len(common) == 1 else [])
        if len(years) != 1:
            r.choices = [f"{y}年" for y in common]
            return self._stop(r, "ambiguous", f"请问比较{named[0]}和{named[1]}哪一年的数字？"
                                              + (f"两者都有的年份：{'、'.join(map(str, common))}年。" if common else ""))
        entries = [catalog.reports(a, years[0]) for a in named]
        if not all(entries):
            absent = [a for a, e in zip(named, entries) if not e]
            return self._stop(r, "not_found", f"没有{'、'.join(absent)}{years[0]}年的报告，无法比较。")
        col = self._column(intent)
        first, second = (cell_value(e[0], self.cells(e[0]), intent.metric, col) for e in entries)
        r.missing += [v for v in (first, second) if isinstance(v, Missing)]
        if r.missing:
            return self._stop(r, "not_found", "；".join(f"{m.entry.agency}{m.entry.year}年：{m.reason}" for m in r.missing))
        sides = (f"{first.entry.agency}{years[0]}年", f"{second.entry.agency}{years[0]}年")
        v = {"difference": difference, "growth": growth, "ratio": ratio}[intent.kind](first, second, sides=sides)
        if v is None:
            return self._stop(r, "not_found", f"{sides[1]}的这一数字为0，无法计算{'倍数' if intent.kind == 'ratio' else '增长率'}。")
        r.entries, r.values = [e[0] for e in entries], [v, second, first]
        return r

    def _difference(self, r: Resolved, agency: str, years: list[int]) -> Resolved:
        intent = r.intent
        if (intent.compare_columns or intent.compare_rows) and len(intent.years) <= 1:
            return self._columns_compared(r, agency, years)
        wanted = sorted(intent.years)
        if len(wanted) == 1:
            wanted = [wanted[0] - 1, wanted[0]]
        elif not wanted and len(years) > 2:
            # 「行政许可决定数增长了百分之几？」 with three years held: which two are compared is the question's
            r.choices = [f"{agency}{a}—{b}年" for a, b in zip(years, years[1:])]
            return self._stop(r, "ambiguous", f"{agency}有{'、'.join(map(str, years))}年的报告，请问比较哪两年？")
        elif not wanted:
            wanted = years[-2:]
        col = self._column(intent)
        if col == "本年增减":
            # the 2019 format prints the change itself (本年增/减): the agency's own figure answers
            asked = self.catalog.reports(agency, wanted[-1]) if wanted else []
            v = cell_value(asked[0], self.cells(asked[0]), intent.metric, col) if asked else None
            if isinstance(v, Value):
                r.intent = replace(intent, kind="figure")
                r.entries, r.values = asked[:1], [v]
                return r
            col = intent.metric.col
        if len(wanted) < 2 or any(y not in years for y in wanted):
            have = "、".join(map(str, years))
            return self._stop(r, "not_found", f"比较需要{agency}两个年度的报告，现有年份：{have}年，缺少{'、'.join(str(y) for y in wanted if y not in years) or '上一年'}的报告。")
        earlier, later = (self.catalog.reports(agency, y)[0] for y in (wanted[0], wanted[-1]))
        a, b = (cell_value(e, self.cells(e), intent.metric, col) for e in (earlier, later))
        for v in (a, b):
            if isinstance(v, Missing):
                r.missing.append(v)
        if r.missing:
            return self._stop(r, "not_found", "；".join(f"{m.entry.agency}{m.entry.year}年：{m.reason}" for m in r.missing))
        r.entries = [earlier, later]
        if intent.kind in ("growth", "ratio"):
            v = (growth if intent.kind == "growth" else ratio)(b, a)
            if v is None:
                return self._stop(r, "not_found", f"{agency}{a.entry.year}年“{a.label}”为0，无法计算"
                                                  f"{'增长率' if intent.kind == 'growth' else '倍数'}。")
            r.values = [v, a, b]
        else:
            r.values = [difference(b, a), a, b]
        return r

    def _columns_compared(self, r: Resolved, agency: str, years: list[int]) -> Resolved:
        """Two applicant columns of one report (「个人提的是律所提的几倍」): first named against second."""
        intent = r.intent
        year = intent.years[0] if intent.years else (years[0] if len(years) == 1 else None)
        if year is None:
            r.choices = [f"{agency}{y}年" for y in years]
            return self._stop(r, "ambiguous", f"{agency}有{'、'.join(map(str, years))}年的报告，请问是哪一年？")
        if year not in years:
            return self._stop(r, "not_found", f"没有{agency}{year}年的报告；现有年份：{'、'.join(map(str, years))}年。")
        entry = self.catalog.reports(agency, year)[0]
        cells = self.cells(entry)
        if intent.compare_rows:
            # two rows of the one report (「行政处罚决定是行政许可的几倍」), each in its own column
            first, second = (cell_value(entry, cells, m, table2_column(intent.question, m) if m.table == "二" else m.col)
                             for m in intent.compare_rows[:2])
        else:
            first, second = (cell_value(entry, cells, intent.metric, c) for c in intent.columns[:2])
        r.missing = [v for v in (first, second) if isinstance(v, Missing)]
        if r.missing:
            return self._stop(r, "not_found", "；".join(f"{m.entry.agency}{m.entry.year}年：{m.reason}" for m in r.missing))
        sides = (tuple(m.label for m in intent.compare_rows[:2]) if intent.compare_rows
                 else tuple(column_label("三", c) for c in intent.columns[:2]))
        op = {"growth": growth, "ratio": ratio}.get(intent.kind, difference)
        v = op(first, second, sides=sides)
        if v is None:
            return self._stop(r, "not_found", f"{agency}{year}年“{second.label}”为0，无法计算。")
        r.entries, r.values = [entry], [v, second, first]
        return r

    def _narrative(self, r: Resolved) -> Resolved:
        intent = r.intent
        if intent.metadata and len(r.entries) == 1:
            return self._metadata(r)

        names = (*intent.agency_text.split("|"), *(e.agency for e in r.entries))
        groups = keywords(intent.topic, names)
        ids = [e.report_id for e in r.entries]
        hits = self.retrieve(intent.topic, ids or None, k=self.k)
        if ids and len(ids) <= 3:
            # the passages retrieval ranked, then the rest of the report: a report has a few dozen
            seen = {c.chunk_id for c, _ in hits}
            hits += [(c, 0.0) for c in self.store.facts.chunks(report_ids=ids) if c.chunk_id not in seen]
        person = PERSON_ASKED.search(intent.question)
        if person:
            # 「局长是谁」: only a sentence that names the post's holder answers; one that merely uses the word
            # (县长信箱, 局长审批) does not
            post = person.group(1) or person.group(2)
            naming = [Sentence(t, a, b, c, 1.0) for c, _ in hits for t, a, b in sentences(c) if names_the_holder(post, t)]
            if not naming:
                names_ = _reports_named(r.entries)
                return self._stop(r, "not_found", f"{names_}的报告没有写到{post}是谁。")
            r.sentences = naming[:1]
            if not r.entries:
                r.entries = [e for e in self.catalog.entries if e.report_id == naming[0].chunk.report_id]
            return r
        picked = best_sentences(hits, groups, intent.question)
        qualifiers = [w for w in intent.unexplained if NO_CELL.search(w)]
        if intent.unexplained and not qualifiers and COUNT_ASKED.search(intent.question):
            # a count asked with a qualifier no cell holds (「通过网上提交的有多少件」, a noun or a place word):
            # only a sentence that says it answers, not one that gives another count
            qualifiers = [w for w in intent.unexplained if w in _nouns(intent.question)]
        if not _APPLYING.search(intent.question):
            # 「在网上主动公开了多少条」「网站上的过期信息」: where the agency publishes is what its report counts — a
            # channel qualifies only applications (「通过网上提交的申请」 are some of them)
            qualifiers = [w for w in qualifiers if without_localizer(w) not in (*NET_FORMS, *SITE_FORMS)]
        # (a figure the prose prints with its measure answers even where the question's other words match no
        # sentence: 「主动公开和依申请公开的合计占多少比例」 is computed from the figures the measures name)
        if prose.asks_a_figure(intent.question) and 0 < len(r.entries) <= 2 and self._from_prose(r, qualifiers, picked):
            return r
        if not picked or coverage(groups, picked, intent.question) < MIN_COVERAGE or not answers_count(intent.question, picked):
            names_ = _reports_named(r.entries)
            return self._stop(r, "not_found", f"{names_}的报告中没有找到与“{intent.question}”相关的内容。")
        if qualifiers:
            # a table question with a qualifier no cell holds (撤回, 败诉率…): only a sentence that says it answers
            picked = [p for p in picked if any(form in _sentence_text(p) for w in qualifiers for form in qualifier_forms(w))]
            if re.search(r"申请", intent.question):
                # 「办理一件申请平均要用几天」: a sentence on something else handled (留言办理…平均4天) says nothing of it
                picked = [p for p in picked if "申请" in _sentence_text(p)]
            if not picked:
                names_ = _reports_named(r.entries)
                words = "、".join(f"“{w}”" for w in qualifiers)
                return self._stop(r, "not_found", f"{names_}的报告的表格不统计{words}，正文也没有写到。")
            money = [w for w in qualifiers if _AMOUNT_OF.search(w)]
            if money and (COUNT_ASKED.search(intent.question) or re.search(r"是多少|有多少|多少钱|几万", intent.question)):
                # 「经费预算是多少」 asks an amount: a sentence that names the budget (部门预算 published) without one
                # says nothing of it
                picked = [p for p in picked if _AN_AMOUNT.search(_sentence_text(p))]
                if not picked:
                    names_ = _reports_named(r.entries)
                    return self._stop(r, "not_found", f"{names_}的报告没有写明{'、'.join(money)}的金额。")
        r.sentences = picked
        if not r.entries:
            chunk = picked[0].chunk
            r.entries = [e for e in self.catalog.entries if e.report_id == chunk.report_id]
        return r

    def _from_prose(self, r: Resolved, qualifiers: list[str], picked: list) -> bool:
        """A figure the prose prints with its measure answers a count the tables do not hold (主动公开了
        多少条, 花了多少钱), computed as the question asks; its sentences are quoted."""
        s, intent = r.intent.signals, r.intent
        kind = ("growth" if "growth" in s else "difference" if "difference" in s
                else "share" if "share" in s else "sum" if "sum" in s else "difference" if len(r.entries) == 2
                else "figure")
        per_entry = [(e, self.prose_figures(e)) for e in r.entries]
        # (a follow-up's measure is in the turn it follows: 「跟2022年比少了多少条？」)
        asked = intent.question if intent.topic == intent.question else f"{intent.topic} {intent.question}"
        if intent.context_topic and _OF_THOSE.match(intent.question) and intent.context_topic not in asked:
            asked = f"{intent.context_topic} {asked}"  # 「其中原创的占多大比例？」: of what the turn before counted
        found = prose.answer(asked, per_entry, kind)
        if found is None:
            return False
        # what the question qualifies its count by (网上提交的, 工作人员, 预算) must be what the figure counts:
        # 「预算是多少钱」 is not answered by 信息处理费 380元
        def said(f) -> str:  # what the sentence says up to the figure, and up to its whole's
            own = f.sentence_text[:f.loc[1] - f.sentence[0]]
            return own + (said(f.whole) if f.whole is not None else "")

        if qualifiers and not all(any(form in squeezed(said(f)) for f in found.used for form in qualifier_forms(w))
                                  for w in qualifiers):
            return False
        unit = counted_re(intent.question)
        if unit is not None and not all(unit.search(f"1{f.unit}") for f in found.used if f.unit != "%"):
            return False  # 「几个人」 is no count of 条
        r.prose = found
        r.sentences = [MetaLine(_line(f.entry, f.sentence_text, f.sentence[0], f.page, "正文"), *f.sentence)
                       for f in sorted(found.used, key=lambda f: ((f.entry.year or 0), f.sentence[0]))]
        # one sentence quoted once (a part and its whole in the same sentence)
        seen, unique = set(), []
        for line in r.sentences:
            key = (line.chunk.report_id, line.start)
            if key not in seen:
                seen.add(key)
                unique.append(line)
        r.sentences = unique
        if not found.formula:
            # the passages' own sentences that print the same figure (the fee told again in part 六) are quoted too
            printed = prose._fmt(found.value) + found.unit
            r.sentences += [p for p in picked if printed in squeezed(_sentence_text(p))
                            and not any(p.start < u.end and u.start < p.end for u in unique)]
        return True

    def _metadata(self, r: Resolved) -> Resolved:
        """A fact about the report itself (when it was published or signed, the period its figures cover,
        who published it), answered with the report's own line that states it, quoted and located."""
        e = r.entries[0]
        text, page_starts = self.store.facts.report_text(e.report_id)
        spans = metadata_lines(text, r.intent.metadata)
        kind = r.intent.metadata
        printed_elsewhere = [f for f in self.store.facts.findings(e.report_id)
                             if f.kind == "source_line" and kind in META_RES and META_RES[kind].search(f.quote)]
        if printed_elsewhere and (not spans or (kind == "published" and not META_RES[kind].search(text))):
            # 「网站上标的发布机构」: the other file of the report (its portal page) prints it, the file read does not
            f = printed_elsewhere[0]
            other = f.message.split(": ")[0]
            line = _Line(e.report_id, e.agency, e.year, other, f.quote, 0, None, "同一报告的另一份文件", other_file=True)
            r.sentences = [MetaLine(line, 0, len(f.quote))] + [MetaLine(_line(e, text, 0, page_of(page_starts, a)), a, b)
                                                                  for a, b in spans]
            r.intent.notes = [*r.intent.notes, f"这一行印在同一报告的另一份文件（{other}）上"]
            return r
        if not spans:
            what = METADATA_WORDS[r.intent.metadata]
            return self._stop(r, "not_found", f"{e.agency}{e.year}年的报告没有写明{what}。")
        r.sentences = [MetaLine(_line(e, text, 0, page_of(page_starts, a)), a, b) for a, b in spans]
        if r.intent.metadata == "published" and not META_RES["published"].search(text):
            r.intent.notes = [*r.intent.notes, "报告页面没有单列发布时间，以上是报告的落款日期"]
        elif r.intent.metadata == "published" and len(spans) > 1:
            r.intent.notes = [*r.intent.notes, "先引页面的发布时间，再引报告落款处的日期"]
        return r

    def retrieve(self, query: str, report_ids: Optional[list[str]] = None, k: int = 5, mode: Optional[str] = None):
        """Passages for a narrative question: (chunk, score) pairs, best first.

        The agency's name and the year are taken out of the query: the report filter says them,
        and left in they pull title lines and metadata ahead of the passage that answers."""
        _, named = self.catalog.find_agencies(query)
        names = tuple(n for n in named.split("|") if n)
        return self.store.search(content_query(query, names), k=k, report_ids=report_ids, mode=mode or self.mode)

    def _said_in_text(self, r: Resolved) -> list:
        """「那件复议有没有被纠错？」「都结案了吗？」: a yes-or-no the cell answers (0 件 纠正) is often said in the
        report's own words too (「该行政复议件未被复议审查机关纠错」); that sentence is quoted beside the cell
        when it carries (nearly) every concept of the question."""
        intent = r.intent
        if (intent.outcome and intent.metric is not None and intent.metric.table == "三" and r.status == "answered"
                and len(r.entries) == 1 and not r.sentences):
            return self._handling_said(r.entries[0])
        if (r.status == "answered" and len(r.entries) == 1 and not r.sentences and intent.metric is not None
                and intent.metric.table == "三" and (intent.col3 or intent.columns) and r.prose is None):
            return self._applicants_said(r.entries[0])
        agreeing = self._prose_agreeing(r)
        if agreeing:
            return agreeing
        if (r.status != "answered" or r.sentences or intent.kind not in ("figure", "sum") or len(r.entries) != 1
                or not _YES_NO.search(intent.question)):
            return []
        names = (*intent.agency_text.split("|"), r.entries[0].agency)
        groups = keywords(intent.question, names)
        if len(groups) < 2:
            return []
        hits = [(c, 0.0) for c in self.store.facts.chunks(report_ids=[r.entries[0].report_id])]
        picked = best_sentences(hits, groups, intent.question, limit=1)[:1]
        share = coverage(groups, picked)
        return picked if round(share * len(groups)) >= 2 and share >= SAID_COVERAGE else []

    def _handling_said(self, entry: ReportEntry) -> list:
        """「最后怎么处理的」: beside the result rows, the report's own sentence on how its applications were
        answered (「…告知申请人获取该政府信息的方式、途径」「…因属信访举报投诉类，故不予处理」), where it has one."""
        hits = [(c, 0.0) for c in self.store.facts.chunks(report_ids=[entry.report_id])]
        groups = [("申请",), _HANDLED_WORDS]
        picked = best_sentences(hits, groups, "", limit=1)[:1]
        return picked if picked and coverage(groups, picked) == 1 else []

    def _prose_agreeing(self, r: Resolved) -> list:
        """Where the prose prints the same count as the cells answered, with a measure naming the same row
        (「予以公开及部分公开42件，占51.85%」 beside 予以公开 22 + 部分公开 20), its sentence is quoted too: the
        table and the prose both state it. (The headline counts, 新收 and 总计, have their own findings.)"""
        intent = r.intent
        m = intent.metric
        if (r.status != "answered" or r.sentences or len(r.entries) != 1 or m is None or not r.values
                or intent.kind not in ("figure", "share", "sum") or r.prose is not None or {"新收", "总计"} & set(m.rows)):
            return []
        v = r.values[0]
        rows = set(m.rows)
        part = (sum((Decimal(str(c.value)) for c in v.cells if getattr(c, "row_key", None) in rows), Decimal(0))
                if intent.kind == "share" else v.value)
        named = prose._bigrams(prose._same_and(m.label))
        figs = [f for f in self.prose_figures(r.entries[0]) if f.value == part and f.unit in ("件", "")
                and len(prose._bigrams(prose._same_and(f.measure)) & named) >= 2]
        return self._sentences_at(r.entries[0], sorted({f.sentence for f in figs})[:1])

    def _sentences_at(self, entry: ReportEntry, spans: list[tuple[int, int]]) -> list:
        """The report's sentences at these offsets, as quotable sentences of its passages."""
        if not spans:
            return []
        chunks = self.store.facts.chunks(report_ids=[entry.report_id])
        out = []
        for a, b in spans:
            ch = next((c for c in chunks if c.start <= a and b <= c.start + len(c.text)), None)
            if ch is not None:
                out.append(Sentence(ch.text[a - ch.start:b - ch.start], a, b, ch, 1.0))
        return out

    def _applicants_said(self, entry: ReportEntry) -> list:
        """「是企业提的还是个人提的」: where the prose tells who applied (「其中法人申请1件、自然人申请2件」), that
        sentence is quoted beside the table's columns — agreeing or not, the reader sees both."""
        figs = [f for f in self.prose_figures(entry)
                if "申请" in f.measure and _APPLICANT_WORDS.search(f.measure)]
        return self._sentences_at(entry, sorted({f.sentence for f in figs})[:2])

    def _answer(self, r: Resolved) -> Answer:
        r.said = self._said_in_text(r)
        answer = self.composer.compose(r)
        column = self._column(r.intent) if r.intent.metric is not None else None
        update = {"query": to_query(r.intent, column)}
        carried = _carried_phrase(r.intent.assumed)
        if carried and answer.status != "ambiguous":
            # what the conversation supplied is said, so a person sees what was assumed
            update["answer"] = f"（接上文：{carried}）\n{answer.answer}"
            answer = answer.model_copy(update={"answer": update["answer"]})
        if answer.status == "answered" and r.intent.notes:
            # how the question was read (a typo taken for a name, a place read as its government) is said
            update["notes"] = [*r.intent.notes, *answer.notes]
            update["answer"] = answer.answer + "".join(f"\n注：{n}" for n in r.intent.notes)
        return answer.model_copy(update=update)

    def _rephrase(self, answer: Answer) -> Answer:
        if self.llm is None or answer.status != "answered":
            return answer
        from .guard import rephrase_checked

        return rephrase_checked(answer, self.llm)
