"""Figures the prose prints with their measure (ingest.narrative_figures, stored as narrative facts),
found for a question and computed with like cells: one figure, a difference or growth between two
years, a sum of parts, a part's share of its whole — each sentence cited, the formula shown.

A prose figure answers only when its measure says what the question asks: most of the measure's
words are in the question, a category the question names (科教文体卫生类, 价格详情栏) is the
measure's own, and the unit fits (条/份/件 for a count, 元 for money). Two figures that fit as well
as each other with different values answer nothing: the sentences are quoted instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from .intent import ReportEntry

_COUNT_UNITS = {"条", "份", "件", "个", "篇", "期", "项", "次", "人次", "场", "家", "批", ""}
_MONEY_UNITS = {"元", "万元"}
_MONEY_WORDS = re.compile(r"钱|费|花了|花费|支出|开支|金额|多少元|收取")
# the thing counted, named after 多少/几 (「收了多少信息处理费」「主动公开了多少条政府信息」): the measure must name it
_ASKED_THING = re.compile(r"(?:多少|几)[条件份个篇期项次场家批元]?([\u4e00-\u9fff]{2,10}?)(?=[呢吗啊？?，,。！!]|$|是|有|呀)")
_SHARE_WORDS = re.compile(r"比例|比重|占比|百分比|几成|份额")
_PART_WORDS = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:类|栏|栏目|方面|领域|专栏)")
_ASKS_COUNT = re.compile(r"多少|几[条份件个篇期项次场家批]?|百分之|占比|比例|比重|几成|差|多了|少了|增加|减少|加起来|一共|合计")


@dataclass
class ProseFigure:
    entry: ReportEntry
    measure: str
    value: Decimal
    unit: str
    sentence: tuple[int, int]
    loc: tuple[int, int]
    page: Optional[int] = None
    whole: Optional["ProseFigure"] = None
    fact_id: int = 0
    sentence_text: str = ""  # the sentence as printed (its offsets: `sentence`)


@dataclass
class ProseAnswer:
    """The figure answered (a prose figure, or one computed from several) and the figures behind it."""

    value: Decimal
    unit: str
    label: str
    used: list[ProseFigure] = field(default_factory=list)
    formula: str = ""


def prose_figures(store, entry: ReportEntry) -> list[ProseFigure]:
    rows = store.facts.narrative_facts(report_id=entry.report_id)
    by_id: dict[int, ProseFigure] = {}
    out = []
    for d in rows:
        f = ProseFigure(entry, d["measure"], d["value"], d["unit"] or "", (d["sentence_start"], d["sentence_end"]),
                        (d["start"], d["end"]), d.get("page"), fact_id=d["id"], sentence_text=d["sentence"] or "")
        by_id[d["id"]] = f
        out.append((f, d.get("whole_id")))
    for f, whole in out:
        f.whole = by_id.get(whole) if whole else None
    return [f for f, _ in out]


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def asked_categories(question: str) -> list[str]:
    """The categories the question names (行政处罚类, 价格详情栏): 「多少条行政处罚类的信息」 names 行政处罚类 — the
    words before it that ask (多少条, 了, 的) are cut off; 「哪些类」「什么方面」 name none."""
    out = []
    for p in _PART_WORDS.findall(question):
        p = re.split(r"(?:多少|几)[条件份个篇项次]?|[的了是在中里和与及、]", p)[-1]
        if len(p) >= 3 and not re.search(r"哪些|哪个|什么|多少", p):
            out.append(p)
    return out


def _same_and(text: str) -> str:
    """「图文和视频类」 as the report writes 「图文及视频类」: one word for and."""
    return re.sub(r"以及|和|与|及|、", "及", text)


def _head(measure: str) -> str:
    """A measure's first verb phrase where it goes on with 并/同时 (「主动发布政府信息并移交市档案馆…信息」 counts
    what 主动发布政府信息 counts)."""
    head = re.split(r"并且|并|同时", measure)[0]
    return head if len(head) >= 4 else measure


def _fit(question: str, f: ProseFigure, money: bool) -> float:
    """How well a prose figure's measure says what the question asks (0: not at all); a measure going on with
    并 fits by its head as well."""
    fit = _fit_measure(question, f, money)
    head = _head(f.measure)
    if head != f.measure and fit == 0.0:
        fit = _fit_measure(question, replace(f, measure=head), money)
    return fit


def _fit_measure(question: str, f: ProseFigure, money: bool) -> float:
    """How well a prose figure's measure says what the question asks (0: not at all)."""
    if money != (f.unit in _MONEY_UNITS):
        return 0.0
    if not money and f.unit not in _COUNT_UNITS and f.unit != "%":
        return 0.0
    asked_parts = asked_categories(question)
    if asked_parts and not any(_same_and(p) in _same_and(f.measure) or _same_and(f.measure) in _same_and(p)
                               for p in asked_parts):
        return 0.0  # 「科教文体卫生类有多少」 is answered by that category's figure only
    thing = _ASKED_THING.search(question)
    if thing and _SHARE_WORDS.search(thing.group(1)):
        thing = None  # 「占了多少比例」 asks a share of what the question names before it
    if asked_parts:
        thing = None  # 「多少条行政处罚类的信息」: the category named is the thing counted
    if thing and not money and not (_bigrams(thing.group(1)[-2:]) & _bigrams(f.measure)):
        return 0.0  # 「多少信息处理费」 is not answered by 受理…申请749件
    if thing and money and "费" in thing.group(1) and thing.group(1)[-2:] not in f.measure and "费" not in f.measure:
        return 0.0
    words = _bigrams(_same_and(f.measure))
    if not words:
        return 0.0
    asked = _bigrams(_same_and(question))
    covered = len(words & asked) / len(words)
    if f.measure and f.measure in question:
        covered = 1.0
    elif _widened(question, _said(f.measure)):
        covered = max(covered, 0.75)
    return covered if covered >= 0.5 and len(words & asked) >= 2 else 0.0


def _widened(question: str, measure: str) -> bool:
    """The thing asked, with a word added inside it by the report (政策解读 → 政策文件解读): a word of four
    characters or more of the question that the measure begins and ends as."""
    for w in re.findall(r"[\u4e00-\u9fff]{4,}", question):
        for i in range(len(w) - 3):
            for j in range(i + 4, len(w) + 1):
                piece = w[i:j]
                if len(measure) > len(piece) and measure.startswith(piece[:2]) and measure.endswith(piece[-2:]) \
                        and len(measure) - len(piece) <= 3:
                    return True
    return False


_SPENT = re.compile(r"费用|支出|经费|花费|收取|处理费|费")


def best(question: str, figures: list[ProseFigure]) -> Optional[ProseFigure]:
    """The one prose figure whose measure says what the question asks; None when none does, or when
    two fit as well as each other and differ."""
    money = bool(_MONEY_WORDS.search(question))
    scored = sorted(((s, f) for f in figures if (s := _fit(question, f, money)) > 0), key=lambda x: -x[0])
    if not scored and money and re.search(r"花|费|支出|开支|收取|收了|交了|缴", question):
        # 「花了多少钱」: the one sum of money the prose says was spent or charged (支出费用191元) — not 罚款
        spent = [f for f in figures if f.unit in _MONEY_UNITS and _SPENT.search(f.measure)]
        return spent[0] if len({(f.value, f.unit) for f in spent}) == 1 else None
    if not scored:
        return None
    top = scored[0][0]
    level = [f for s, f in scored if s == top]
    if len({(f.value, f.unit) for f in level}) > 1:
        # the measure printed twice with different figures (part 一 and part 六): the one with the most
        # specific measure, else nothing
        longest = max(len(f.measure) for f in level)
        level = [f for f in level if len(f.measure) == longest]
        if len({(f.value, f.unit) for f in level}) > 1:
            return None
    return level[0]


def asks_a_figure(question: str) -> bool:
    return bool(_ASKS_COUNT.search(question))


def _fmt(v: Decimal) -> str:
    return format(v.normalize(), "f") if v == v.to_integral_value() else format(v, "f")


def answer(question: str, per_entry: list[tuple[ReportEntry, list[ProseFigure]]], kind: str) -> Optional[ProseAnswer]:
    """A figure the prose gives for the question, computed as its kind asks, or None."""
    if kind in ("difference", "growth") and len(per_entry) == 2:
        (e0, f0), (e1, f1) = sorted(per_entry, key=lambda x: x[0].year or 0)
        a, b = best(question, f0), best(question, f1)
        if a is None or b is None or a.unit != b.unit or not _alike(a.measure, b.measure):
            return None
        if kind == "growth":
            if a.value == 0:
                return None
            pct = ((b.value - a.value) / a.value * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
            return ProseAnswer(pct, "%", f"{b.measure}增长率（{e0.year}→{e1.year}年）", [a, b],
                               f"({e1.year}年 {_fmt(b.value)} − {e0.year}年 {_fmt(a.value)}) ÷ {_fmt(a.value)} × 100% = {pct}%")
        diff = b.value - a.value
        return ProseAnswer(diff, b.unit, f"{b.measure}变化（{e0.year}→{e1.year}年）", [a, b],
                           f"{e1.year}年 {_fmt(b.value)} − {e0.year}年 {_fmt(a.value)} = {'+' if diff > 0 else ''}{_fmt(diff)}")
    if kind == "sum" and len(per_entry) >= 2:
        # 「2019年和2023年…加起来」: the one measure of each year's report, summed
        ordered = sorted(per_entry, key=lambda x: x[0].year or 0)
        each = [best(question, figs) for _, figs in ordered]
        if any(f is None for f in each) or len({f.unit for f in each}) != 1 or not all(_alike(each[0].measure, f.measure) for f in each):
            return None
        total = sum((f.value for f in each), Decimal(0))
        years = "、".join(str(e.year) for e, _ in ordered)
        return ProseAnswer(total, each[0].unit, f"{each[-1].measure}合计（{years}年）", each,
                           " + ".join(f"{e.year}年 {_fmt(f.value)}" for (e, _), f in zip(ordered, each)) + f" = {_fmt(total)}")
    if len(per_entry) != 1:
        return None
    entry, figs = per_entry[0]
    # the measures the question names as the report prints them (机构职能、财政资金), each once
    named: dict[str, ProseFigure] = {}
    for f in sorted(figs, key=lambda f: -len(f.measure)):
        said = _said(f.measure)
        if len(said) >= 2 and said in question and not any(said in m for m in named):
            named[said] = f
    found = sorted(named.values(), key=lambda f: question.find(_said(f.measure)))
    joined = _joined_parts(question, figs)  # (the parts the question joins by 和, found once for the sum and the share)
    if len(found) < 2:
        found = joined or found
    asks_share = kind == "share" or bool(re.search(r"百分之|占比|比例|比重|几成|占了?多少", question))
    if len(found) >= 2 and not asks_share and (kind == "sum" or re.search(r"加起来|一共|合计|总共|共有|之和", question)):
        if len({f.unit for f in found}) != 1 or len({f.measure for f in found}) != len(found):
            return None
        total = sum((f.value for f in found), Decimal(0))
        return ProseAnswer(total, found[0].unit, "与".join(f.measure for f in found), found,
                           " + ".join(f"{f.measure} {_fmt(f.value)}" for f in found) + f" = {_fmt(total)}")
    parts = asked_categories(question)
    if asks_share:
        wholes = {id(f.whole): f.whole for f in joined if f.whole is not None}
        last = re.split(r"[？?]\s*", question.strip("？? "))[-1]  # (the question asked last, not the turn before's)
        if len(joined) < 2 and re.search(r"合计|加起来|一共|总共|之和|合起来", last):
            return None  # the share of several parts summed, and they were not all found: no share of one of them
        if len(joined) >= 2 and len(wholes) == 1 and all(f.whole is not None for f in joined):
            # 「主动公开和依申请公开的合计占多少比例」: the parts joined, summed, in the whole they are parts of
            whole = next(iter(wholes.values()))
            total = sum((f.value for f in joined), Decimal(0))
            if whole.value == 0:
                return None
            pct = (total / whole.value * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
            names = "与".join(f.measure for f in joined)
            return ProseAnswer(pct, "%", f"{names}占{whole.measure}的比例", [*joined, whole],
                               f"({' + '.join(f'{f.measure} {_fmt(f.value)}' for f in joined)}) ÷ {whole.measure} "
                               f"{_fmt(whole.value)} × 100% = {pct}%")
        # (a part named as a category, by the measures' own words, or as 「其中…」 of the whole asked before)
        part = best(question, figs) if parts or found or "其中" in question else None
        if part is None or part.whole is None or part.whole.value == 0 or not (
                part.unit == part.whole.unit or {part.unit, part.whole.unit} <= _COUNT_UNITS):
            return None
        pct = (part.value / part.whole.value * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return ProseAnswer(pct, "%", f"{part.measure}占{part.whole.measure}的比例", [part, part.whole],
                           f"{part.measure} {_fmt(part.value)} ÷ {part.whole.measure} {_fmt(part.whole.value)} × 100% = {pct}%")
    f = best(question, figs)
    if f is None:
        return None
    # the same figure printed again for the same measure (part 一 and part 六): each sentence is quoted
    again = [g for g in figs if g is not f and g.measure == f.measure and (g.value, g.unit) == (f.value, f.unit)]
    return ProseAnswer(f.value, f.unit, f.measure, [f, *again])


_JOINED_BY = re.compile(r"的?\s*(?:和|与|及|以及|加上|加|还有|、|跟|同)\s*")


def _joined_parts(question: str, figs: list[ProseFigure]) -> list[ProseFigure]:
    """「微信公众号和微博加起来发了多少条动态」: things joined by 和/加上 in the question, each a word found in
    exactly one prose figure's measure (通过…微信公众号公开工作动态, …微博公开动态), each measure counting the
    thing asked (动态): those figures, in the order named; [] unless every piece is so found."""
    thing = _ASKED_THING.search(question)
    if thing and _SHARE_WORDS.search(thing.group(1)):
        thing = None  # (「占多少比例」: a share of the parts, which name no 比例)
    usable = [f for f in figs if not thing or _bigrams(thing.group(1)[-2:]) & _bigrams(f.measure)]
    picks: list[tuple[int, int, ProseFigure]] = []  # (start, end, figure) of each stretch naming one figure
    i = 0
    while i < len(question) - 1:
        # the longest stretch from here that some measure contains
        n = next((n for n in range(min(16, len(question) - i), 1, -1)
                  if re.fullmatch(r"[\u4e00-\u9fff]+", question[i:i + n])
                  and any(question[i:i + n] in f.measure for f in usable)), 0)
        if not n:
            i += 1
            continue
        having = [f for f in usable if question[i:i + n] in f.measure]
        if len({(f.measure, f.value) for f in having}) > 1:
            # (主动公开 names 主动公开政府信息, not 其他应主动公开的政府信息: the measure it begins)
            having = [f for f in having if _said(f.measure).startswith(question[i:i + n])] or having
        if len({(f.measure, f.value) for f in having}) == 1:
            # (the figure printed twice: the printing that says what it is part of)
            picks.append((i, i + n, min(having, key=lambda f: f.whole is None)))
        i += n
    # the longest run of picks each joined to the one before by 和/加上 (a word of the agency's name before
    # them — 公安 of 某区公安局 in a measure 公安警务工作信息 — is no part of the run)
    best: list[ProseFigure] = []
    run: list[ProseFigure] = []
    last_end = None
    for start, end, f in picks:
        if run and f is run[-1]:
            last_end = end  # another word of the same measure (微信 公众号)
            continue
        between = question[last_end:start] if last_end is not None else ""
        if run and not _JOINED_BY.fullmatch(between):
            run = []  # (only a word for and between: 「主动公开和不予公开的」 does not join 主动公开 to 公开的…)
        run.append(f)
        last_end = end
        if len(run) > len(best):
            best = list(run)
    return best if len(best) >= 2 and len({f.unit for f in best}) == 1 else []


# a verb the prose prints before what it counts (「开展民意征集53期」): a question names the thing only
_LIGHT_VERB = re.compile(r"^(?:开展|组织|举办|举行|召开|进行|完成|发布|办理|印发|推送|编发|累计)(?=..)")


def _said(measure: str) -> str:
    """The measure as a question names it: without a light verb before the thing counted."""
    return _LIGHT_VERB.sub("", measure)


def _alike(a: str, b: str) -> bool:
    """Do two years' measures count the same thing, whatever their wording's small differences (发布政策解读 /
    发布政策文件解读): the same ending, or most of the shorter one's pairs of characters in the other."""
    if a != _head(a) or b != _head(b):
        if _alike(_head(a), _head(b)):
            return True
    if _shape(a) == _shape(b):
        return True
    x, y = sorted((_bigrams(a), _bigrams(b)), key=len)
    return bool(x) and len(x & y) / len(x) >= 0.75 and a[-2:] == b[-2:]


def _shape(measure: str) -> str:
    """A measure without its wording's small differences, to tell whether two years count the same thing."""
    return re.sub(r"[^\u4e00-\u9fff]", "", measure)[-4:]
