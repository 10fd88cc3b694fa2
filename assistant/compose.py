"""Resolved question → Answer text, figures and citations. Deterministic: the reference answer."""
from __future__ import annotations

import re
from functools import lru_cache

from vectorstore.facts import FactRecord

from .accounting import stated_amount
from .understand import year_phrase
from .figures import Value, fmt, pct_text
from .models import Answer, Citation, Figure, Resolved


_UNIT = {"件": "件", "万元": "万元", "%": ""}
_BLANK_NOTE = "（原表此格为空，按0计）"
RANK_SHOWN = 10  # a ranking lists (and cites) at most this many reports
TIES_NAMED = 5  # reports level with the first named in its note
MISSING_SHOWN = 5  # reports named in the notes where the figure could not be read


def cell_citation(f: FactRecord) -> Citation:
    where = f"表{f.table} · {f.row_label} · {f.col_label}"
    if f.blank:
        where += _BLANK_NOTE
    return Citation(
        report_id=f.report_id, agency=f.agency, year=f.year, file_name=f.file_name, section=where,
        quote=f.source_text, start=f.loc.start, end=f.loc.end, page=f.loc.page,
    )


def cell_figure(f: FactRecord) -> Figure:
    return Figure(agency=f.agency, year=f.year, table=f.table, row=f.row_label, column=f.col_label,
                  value=f.value, unit=f.unit, computed=False, row_key=f.row_key, col_key=f.col_key)


def _touches(rule: str, f: FactRecord) -> bool:
    """Whether an arithmetic rule (ingest.checks) involves this cell."""
    parts = rule.split(":")
    if len(parts) != 3 or parts[0] != f.table:
        return False
    _, kind, key = parts
    if f.table == "四":
        return key == f.row_key
    if kind == "行合计":
        return key == f.row_key
    if kind == "收支平衡":
        return key == f.col_key and f.row_key in ("新收", "上年结转", "总计", "结转下年度")
    if kind == "办理结果合计":
        return key == f.col_key and f.row_key not in ("新收", "上年结转", "结转下年度")
    return False


class Composer:
    def __init__(self, store):
        self.store = store

    @lru_cache(maxsize=4096)
    def _checks(self, report_id: str):
        return tuple(c for c in self.store.facts.checks(report_id) if not c.passed)

    @lru_cache(maxsize=4096)
    def _findings(self, report_id: str):
        return tuple(self.store.facts.findings(report_id))

    def compose(self, r: "Resolved") -> Answer:
        q = r.intent.question
        if r.status != "answered":
            return Answer(question=q, status=r.status, answer=r.message, choices=r.choices)
        if r.sentences:
            return self._narrative(r)
        return self._figures(r)

    # ---- figures ------------------------------------------------------------
    def _figures(self, r: "Resolved") -> Answer:
        intent = r.intent
        lines, figures, citations, notes = [], [], [], []
        seen_cells: set[int] = set()
        shown = r.values
        if intent.kind == "ranking":
            year = year_phrase(intent)
            shown = r.values[:RANK_SHOWN]
            compared = max(r.compared, len(r.values))
            more = f"（共{compared}份报告，列出前{RANK_SHOWN}名）" if compared > RANK_SHOWN else ""
            order = "由少到多" if intent.direction == "asc" else "由多到少"
            if 0 <= r.rank_of < len(r.values):
                asked = r.values[r.rank_of]
                lines.append(f"{asked.entry.agency}{asked.entry.year}年排第{r.rank_of + 1}（{pct_text(asked)}，"
                             f"共{compared}份报告）。")
                shown = [asked, *[v for v in shown if v is not asked]]  # (its figure first)
            lines.append(f"{year}各报告中“{r.values[0].label}”{order}{more}：")
            tied = [v for v in r.values if v.value == r.values[0].value]
            if max(len(tied), r.tied) > 1:
                notes.append(f"{max(len(tied), r.tied)}份报告并列第一（{'、'.join(f'{v.entry.agency}{v.entry.year}年' for v in tied[:TIES_NAMED])}"
                             f"{'等' if max(len(tied), r.tied) > TIES_NAMED else ''}）")
            for i, v in enumerate(r.values[:RANK_SHOWN], 1):
                lines.append(f"{i}. {v.entry.agency}{v.entry.year}年：{pct_text(v)}" + (f"（{v.formula}）" if v.formula else ""))
        elif intent.kind in ("growth", "ratio", "difference"):
            v, a, b = r.values
            bn, an = v.sides  # the later (or first named) side, the earlier
            if a.entry is b.entry and intent.compare_rows:
                # two rows of one report (「行政处罚决定是行政许可的几倍」), in the order named
                sides = f"{b.entry.agency}{b.entry.year}年：{bn}{pct_text(b)}，{an}{pct_text(a)}，"
            elif a.entry is b.entry:
                # two columns of one report (「个人提的是律所提的几倍」), in the order named
                sides = f"{b.entry.agency}{b.entry.year}年“{intent.metric.label}”：{bn}{pct_text(b)}，{an}{pct_text(a)}，"
            elif a.entry.agency != b.entry.agency:
                # two agencies (「谁作出的行政处罚决定多？多多少？」), each side named with its year
                sides = f"“{a.label}”：{bn}{pct_text(b)}，{an}{pct_text(a)}，"
            else:
                sides = f"{b.entry.agency}“{a.label}”：{an}{pct_text(a)}，{bn}{pct_text(b)}，"
            if intent.kind == "difference":
                change = "增加" if v.value > 0 else ("减少" if v.value < 0 else "持平，变化")
                if a.entry is b.entry or a.entry.agency != b.entry.agency:
                    change = f"{bn}比{an}" + ("多" if v.value > 0 else ("少" if v.value < 0 else "相差"))
                lines.append(f"{sides}{change}{fmt(abs(v.value))}{_UNIT.get(v.unit, v.unit)}（{v.formula}）。")
            else:
                what = "增长率" if intent.kind == "growth" else "倍数"
                word = ("增长" if v.value > 0 else ("下降" if v.value < 0 else "持平")) if intent.kind == "growth" else "是"
                shown_value = f"{fmt(abs(v.value))}%" if intent.kind == "growth" else f"{fmt(v.value)}倍"
                lines.append(f"{sides}{bn}{'比' + an + word if intent.kind == 'growth' else '是' + an + '的'}"
                             f"{shown_value}（{what}：{v.formula}）。")
        else:
            for v in r.values:
                several = "与" in v.label and v.computed and v.label.endswith("合计")
                head = v.label if several else f"{v.entry.agency}{'' if v.label[:4].isdigit() else f'{v.entry.year}年'}{v.label}"
                if v.formula:
                    lines.append(f"{head}为{pct_text(v)}。计算：{v.formula}。")
                else:
                    lines.append(f"{head}为{pct_text(v)}。")
        for v in shown:
            if v.computed:
                f0 = v.cells[0]
                figures.append(Figure(agency=v.entry.agency, year=v.entry.year, table=f0.table, row=v.label,
                                      column=f0.col_label if intent.kind != "share" else "比例", value=v.value,
                                      unit=v.unit, computed=True, formula=v.formula))
            for step in v.steps:  # a share's summed part: its total is in the formula, and a figure of its own
                f0 = step.cells[0]
                figures.append(Figure(agency=step.entry.agency, year=step.entry.year, table=f0.table, row=step.label,
                                      column=f0.col_label, value=step.value, unit=step.unit, computed=True,
                                      formula=step.formula))
            for f in v.cells:
                if id(f) in seen_cells:
                    continue
                seen_cells.add(id(f))
                figures.append(cell_figure(f))
                citations.append(cell_citation(f))
        lines.append("来源：" + self._sources(citations) + "。")
        notes += _scanned(citations, [v.entry for v in r.values])
        for m in r.missing[:MISSING_SHOWN]:
            notes.append(f"{m.entry.agency}{m.entry.year}年：{m.reason}")
        if len(r.missing) > MISSING_SHOWN:
            notes.append(f"另有{len(r.missing) - MISSING_SHOWN}份报告的这一项未能从原文读出")
        notes += self._check_notes(shown)
        notes += _checked_claim(intent, shown)
        for ch, start, end in _runs(r.said):
            citations.append(_quoted(ch, start, end))
            notes.append(f"报告正文：「{citations[-1].quote}」")
        narrative_notes, narrative_cites = self._narrative_readings(r)
        notes += narrative_notes
        citations += narrative_cites
        text = "\n".join(lines + [f"注：{n}" for n in notes])
        return Answer(question=intent.question, status="answered", answer=text, figures=figures,
                      citations=citations, notes=notes)

    @staticmethod
    def _sources(citations: list[Citation]) -> str:
        """One title per report, then its cells: 《…年报》表三 · 新收 · 总计、…"""
        by_report: dict[str, list[str]] = {}
        titles: dict[str, str] = {}
        blank = False
        for c in citations:
            titles[c.report_id] = f"《{c.agency}{c.year}年政府信息公开工作年度报告》"
            page = f"第{c.page}页 " if c.page else ""
            blank |= c.section.endswith(_BLANK_NOTE)
            by_report.setdefault(c.report_id, []).append(page + c.section.removesuffix(_BLANK_NOTE))
        text = "；".join(titles[r] + "、".join(cells) for r, cells in by_report.items())
        return text + ("（空白格按0计）" if blank else "")

    def _check_notes(self, values: list[Value]) -> list[str]:
        notes, seen = [], set()
        for v in values:
            for f in v.cells:
                for c in self._checks(f.report_id):
                    if c.rule not in seen and _touches(c.rule, f):
                        seen.add(c.rule)
                        notes.append(f"原表这一处的勾稽关系不成立（{c.description}）：{c.detail}。数字按原表照录。")
        return notes

    def _narrative_readings(self, r: "Resolved") -> tuple[list[str], list[Citation]]:
        """Where the report's text gives another figure for the same count (受理62件 vs 新收56件), say so."""
        if r.intent.metric is None or not {"新收", "总计"} & set(r.intent.metric.rows) or r.intent.kind == "ranking":
            return [], []
        notes, cites, quoted = [], [], set()
        for e in {v.entry.report_id: v.entry for v in r.values}.values():
            shown = {fmt(v.value) for v in r.values if v.entry.report_id == e.report_id}
            for f in self._findings(e.report_id):
                if f.kind not in ("narrative_mismatch", "narrative_agreement") or not f.loc:
                    continue
                if "申请" not in f.quote and "受理" not in f.quote:
                    continue
                if f.loc.start in quoted:
                    continue  # one sentence may hold both readings (受理62件 … 实际受理56件): quote it once
                if f.kind == "narrative_agreement":
                    # the text says the same figure in its own words: quote it beside the cells
                    if not any(re.search(rf"(?<!\d){re.escape(v)}\s*件", f.quote) for v in shown):
                        continue
                    notes.append(f"报告正文的说法一致：「{f.quote}」")
                else:
                    notes.append(
                        f"报告正文另有说法：「{f.quote}」与表中数字不同。表格“本年新收”只计本年新收到且进入办理的申请，"
                        f"正文的数字可能包括撤回的申请或上年结转的申请，以原文为准。")
                quoted.add(f.loc.start)
                cites.append(Citation(report_id=e.report_id, agency=e.agency, year=e.year, file_name=e.file_name,
                                      section="正文", quote=f.quote, start=f.loc.start, end=f.loc.end, page=f.loc.page))
        return notes, cites

    # ---- narrative ------------------------------------------------------------
    def _narrative(self, r: "Resolved") -> Answer:
        intent = r.intent
        citations, quotes = [], []
        for ch, start, end in _runs(r.sentences):
            citations.append(_quoted(ch, start, end))
            quotes.append(f"「{citations[-1].quote}」")
        e = r.entries[0] if len(r.entries) == 1 else None
        head = f"{e.agency}{e.year}年报告" if e else "报告"
        where = "；".join(dict.fromkeys(c.section or "正文" for c in citations))
        text = f"{head}原文：" + "".join(quotes) + f"\n来源：{where}。"
        figures = []
        if r.prose is not None:
            # a figure the prose prints (or one computed from several), the sentences saying them quoted
            p = r.prose
            shown = _prose_value(p.value, p.unit)
            for f in (p.used if p.formula else p.used[:1]):
                figures.append(Figure(agency=f.entry.agency, year=f.entry.year, table="正文", row=f.measure, column="正文",
                                      value=f.value, unit=f.unit or "件"))
            if p.formula:
                first = p.used[-1].entry
                figures.insert(0, Figure(agency=first.agency, year=first.year, table="正文", row=p.label, column="正文",
                                         value=p.value, unit=p.unit or "件", computed=True, formula=p.formula))
                one_year = {f.entry.year for f in p.used} == {first.year}  # (a difference's label says its years)
                lead = (f"{first.agency}{f'{first.year}年' if one_year else ''}报告正文：{p.label}为{shown}。"
                        f"计算：{p.formula}（各数见报告原文）。")
            else:
                f = p.used[0]
                lead = f"{f.entry.agency}{f.entry.year}年报告正文：{f.measure}{shown}。"
            text = lead + "\n原文：" + "".join(quotes) + f"\n来源：{where}。"
        return Answer(question=intent.question, status="answered", answer=text, citations=citations, figures=figures)


def _prose_value(value, unit: str) -> str:
    v = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return f"{v}%" if unit == "%" else f"{v}{unit}"


def _quoted(ch, start: int, end: int) -> Citation:
    """The citation of a passage's text from `start` to `end` (offsets in the report), quoted verbatim."""
    return Citation(report_id=ch.report_id, agency=ch.agency, year=ch.year, file_name=ch.file_name,
                    section=ch.section, quote=ch.text[start - ch.start:end - ch.start], start=start, end=end,
                    page=ch.page, other_file=getattr(ch, "other_file", False))


def _runs(sentences) -> list[tuple[object, int, int]]:
    """Adjacent sentences of one passage, joined into one verbatim quote."""
    runs: list[list] = []
    for s in sorted(sentences, key=lambda s: s.start):
        if runs and runs[-1][0] is s.chunk and s.start - runs[-1][2] <= 2:
            runs[-1][2] = s.end
        else:
            runs.append([s.chunk, s.start, s.end])
    return [tuple(r) for r in runs]


def _checked_claim(intent, shown: list) -> list[str]:
    """「听说有23件，对不对？」: the figure the question states, set beside the one printed."""
    if intent.kind not in ("figure", "sum") or len(shown) != 1:
        return []
    claim = stated_amount(intent.question)
    if claim is None:
        return []
    text, low, high = claim
    v = shown[0]
    value = float(v.value) * (10_000 if v.unit == "万元" else 1)
    fits = low <= value <= high if low == high else low <= value < high
    printed = pct_text(v)
    if fits:
        return [f"问题里说的「{text}」与报告相符（报告为{printed}）。"]
    return [f"问题里说的「{text}」与报告不符：报告为{printed}。"]


def _scanned(citations: list[Citation], entries: list) -> list[str]:
    """Mark the cells cited from a page OCR read, and say so once: the figure was recognised from the
    page's image and checked by the table's arithmetic, not printed in a text layer."""
    read = {e.report_id: set(e.ocr_pages) for e in entries if getattr(e, "ocr_pages", None)}
    pages = set()
    for c in citations:
        if c.page is not None and c.page in read.get(c.report_id, ()):
            c.ocr = True
            pages.add(c.page)
    if not pages:
        return []
    shown = "、".join(f"第{p}页" for p in sorted(pages))
    return [f"{shown}是扫描件：其上的数字由文字识别（OCR）读出，经表格勾稽关系核对，未能核对或疑似识别错误的数字不予读出"]
