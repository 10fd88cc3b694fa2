"""Question → Intent: which agency, which year, which table cell(s), what kind of answer.

    >>> catalog = Catalog([ReportEntry("r1", "天津市滨海新区公安局", ["滨海新区公安局"], 2022, "x.txt")])
    >>> intent = understand("2022年滨海新区公安局受理了多少申请", catalog)
    >>> intent.agencies, intent.years, intent.metric.key, intent.kind
    (['天津市滨海新区公安局'], [2022], '新收', 'figure')
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Optional

from ingest.agency import ORGAN_FORMS, nicknames_of

from .accounting import NO_CELL, WITH_PREVIOUS, correct_term_slips, one_slip, unexplained
from .agencies import AgencyResolver, Resolution
from .intent import Intent, Kind, ReportEntry
from .metrics import (
    COLUMN_WORDS, OCCUPY, OUTCOME, REASON, Metric, T2_COLUMN_WORDS, each_measure, find_metric, mask_negated, metadata_asked,
    scan_measures,
    narrative_topics,
    outcome_metrics, T4_RESULT_WORDS,
)


_GENERIC_SUFFIXES = ("人民政府办公室", "人民政府", "政府", "管理委员会", "管委会", "综合实验区", "委员会")
_PLACE_RE = re.compile(r"^(?:[\u4e00-\u9fa5]{2,3}(?:省|自治区))?(?:[\u4e00-\u9fa5]{2,3}市(?=[\u4e00-\u9fa5]{2,}[区县]))?")
# a named agency the question may ask about: 北京市海淀区, 淮安市政府, 某某县人民政府, 某某市公安局…
_AGENCY_MENTION = re.compile(
    r"(?:[\u4e00-\u9fa5]{2,6}?(?:省|市|区|县|州|旗)){1,3}(?:人民政府|政府|[\u4e00-\u9fa5]{1,6}?(?:局|委|厅|办|院|署|中心))?"
)
_NOT_NAME_START = set("年的在是和与及全本我各该这那其每从到向对")
_NOT_PLACES = {"地区", "社区", "市区", "城区", "县区", "新区", "园区", "辖区", "小区", "政区", "本市", "全市", "全区", "全县", "我市", "我区", "我县", "本区", "本县"}


_NAME_END = set("的年在收有被去今前共一是对和与及里从向")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _core(name: str) -> str:
    """The distinctive part of an agency name: 平潭 for 平潭综合实验区, 洪泽区 for 淮安市洪泽区人民政府."""
    core = _PLACE_RE.sub("", name)
    for suffix in _GENERIC_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core[: -len(suffix)]
            break
    return core


class Catalog:
    """The reports held, and the names people may use for their agencies.

    Built once per store version and indexed, so a question costs the same with ten reports or ten thousand.
    """

    def __init__(self, entries: list[ReportEntry]):
        self.entries = entries
        self.names: dict[str, set[str]] = {}  # name → agencies
        self._by_agency: dict[str, list[ReportEntry]] = {}
        for e in entries:
            self._by_agency.setdefault(e.agency, []).append(e)
            for n in e.names():
                self.names.setdefault(n, set()).add(e.agency)
                # every name's distinctive part too: 沭阳县 for a report printed 沐阳县人民政府
                core = _core(n)
                if len(core) >= 2:
                    self.names.setdefault(core, set()).add(e.agency)
                    # 洪泽区 → 洪泽, 沭阳县 → 沭阳 (people drop the 区/县)
                    if core[-1] in "区县市" and len(core) >= 3:
                        self.names.setdefault(core[:-1], set()).add(e.agency)
        self._longest = max(map(len, self.names), default=0)
        self.agencies = sorted(self._by_agency)
        self._years = {a: sorted({e.year for e in es if e.year}) for a, es in self._by_agency.items()}
        all_years = sorted({e.year for e in entries if e.year})
        self._all_years = all_years
        self._latest = all_years[-1] if all_years else None
        # 滨海新区公安局 without its city, for short forms (滨海公安)
        self._cores = {a: _PLACE_RE.sub("", a) for a in self.agencies}
        self._by_first2: dict[str, list[str]] = {}
        for a, core in self._cores.items():
            if len(core) >= 4:
                self._by_first2.setdefault(core[:2], []).append(a)
        self._full_names: dict[str, set[str]] = {}
        for e in entries:
            for n in e.names():
                if len(n) >= 5:
                    self._full_names.setdefault(n, set()).add(e.agency)
        self._longest_full = max(map(len, self._full_names), default=0)
        self.resolver = AgencyResolver({a: sorted({n for e in es for n in e.names()}) for a, es in self._by_agency.items()})

    def years(self, agency: Optional[str] = None) -> list[int]:
        if agency is None:
            return self._all_years
        return self._years.get(agency, [])

    def latest_year(self) -> Optional[int]:
        return self._latest

    def summary(self, limit: int = 12) -> str:
        """What is held, for a not_found answer: the agencies with their years (the first `limit`)."""
        shown = [f"{a}（{'、'.join(map(str, self._years[a]))}年）" for a in self.agencies[:limit]]
        more = len(self.agencies) - limit
        return "、".join(shown) + (f"等{len(self.agencies)}个单位" if more > 0 else "")

    def resolve(self, question: str, years: list[int]) -> Resolution:
        """Which held agencies the question names (see assistant.agencies), with the printed names as a
        fallback for names the gazetteer does not know."""
        exact, text = self._printed_names(question)
        res = self.resolver.resolve(question, self._years, years)
        if exact and not res.unknown:
            # a printed name inside a longer name the resolver read as another agency (某区 in
            # 某区经济法展局, a department typed with a slip) is part of that name, no agency of its own
            inside = []
            for name, agency in zip([t for t in text.split("|") if t], exact):
                at = question.find(name)
                if any(a <= at and at + len(name) <= b and (b - a) > len(name) and agency not in ags
                       for ags, (a, b) in res.spans):
                    inside.append(agency)
            if inside:
                keep = [(n, a) for n, a in zip([t for t in text.split("|") if t], exact) if a not in inside]
                exact, text = [a for _, a in keep], "|".join(n for n, _ in keep)
        if exact:
            # a name an agency was printed under, written out in full, is the strongest evidence there is;
            # the resolver adds the agencies named otherwise (滨海公安 beside 洪泽区政府)
            spans = [t for t in text.split("|") if t]
            if res.unknown and not any(res.unknown in t or t in res.unknown for t in spans):
                return res
            if res.unknown and res.unknown_organ and any(t in res.unknown and len(res.unknown) > len(t) for t in spans):
                # 「某区教育局」 where only 某区 is held under that printed name: the held name is the place of
                # an organ not held — the agency asked, not the place's government, is the one searched
                return res
            more = [a for a in res.agencies if a not in exact] if not res.unknown else []
            # where each was named (for an agency with a year of its own) when the resolver read them all too
            where = res.spans if not res.unknown and set(exact) <= set(res.agencies) else []
            return Resolution(agencies=exact + more, text="|".join([*spans, *(t for t in res.text.split("|") if t)]),
                              notes=res.notes, spans=where)
        if res.typo or (not res.agencies and not res.unknown):
            # a name held as printed (or its distinctive part: 凤泰区) beats reading a typo of another
            found, text = self.find_agencies(question)
            if found:
                return Resolution(agencies=found, text=text)
        return res

    def _printed_names(self, question: str) -> tuple[list[str], str]:
        """Agencies whose full printed name (or a printed alias of five characters or more) the question
        contains, longest first, each stretch of text used once."""
        found, texts = [], []
        used = [False] * len(question)
        for size in range(min(self._longest_full, len(question)), 4, -1):
            for i in range(len(question) - size + 1):
                name = question[i:i + size]
                if name in self._full_names and not any(used[i:i + size]):
                    agencies = self._full_names[name]
                    if len(agencies) == 1:
                        found += [a for a in agencies if a not in found]
                        texts.append(name)
                    used[i:i + size] = [True] * size
        return found, "|".join(texts)

    def find_agencies(self, question: str) -> tuple[list[str], str]:
        """Agencies the question names by a name they were printed under (longest names first, each
        stretch of text used once), and the texts that named them joined by |."""
        found: list[str] = []
        texts: list[str] = []
        used = [False] * len(question)
        for size in range(min(self._longest, len(question)), 1, -1):
            for i in range(len(question) - size + 1):
                name = question[i:i + size]
                if name not in self.names or any(used[i:i + size]):
                    continue
                agencies = self.names[name]
                if len(agencies) == 1 or not found:
                    found += [a for a in sorted(agencies) if a not in found]
                    texts.append(name)
                used[i:i + size] = [True] * size
        if not found:
            found, texts = self._abbreviations(question)
        return found, "|".join(texts)

    def _abbreviations(self, question: str) -> tuple[list[str], list[str]]:
        """滨海公安 for 滨海新区公安局: characters of one held name, in order, starting with its first two."""
        hits: dict[str, str] = {}
        for i in range(len(question) - 1):
            for agency in self._by_first2.get(question[i:i + 2], ()):
                core = self._cores[agency]
                s, pos = core[:2], 2
                for ch in question[i + 2:]:
                    k = core.find(ch, pos)
                    if k < 0:
                        break
                    s, pos = s + ch, k + 1
                after = question[i + len(s):i + len(s) + 1]
                # 「上海市教委」 is not 上海市科委: the short form must end where the name ends in the question
                if len(s) >= 4 and len(s) * 2 >= len(core) and (not after or after in _NAME_END or not _is_cjk(after)):
                    hits[agency] = s
        if len(hits) == 1:
            (agency, text), = hits.items()
            return [agency], [text]
        return [], []

    def reports(self, agency: Optional[str] = None, year: Optional[int] = None) -> list[ReportEntry]:
        pool = self.entries if agency is None else self._by_agency.get(agency, [])
        return [e for e in pool if year is None or e.year == year]


_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*(?:年|年度)?")
_YEAR_RANGE_RE = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:到|至|－|-|—|~|～)\s*((?:19|20)\d{2})")
# a year the question names as where applications came from (「从2021年转过来的」「也就是2021年转过来接着办的」),
# not a report year: its role is the carried-over row, not which report
_FROM_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年?(?:度)?[^，。？?\d]{0,3}?(?:转过来|转来|转入|结转|遗留|留下|转到今年)")
_AFTER_WORDS = ("以后", "之后", "以来", "起")
_YEAR_OPEN_RE = re.compile(r"((?:19|20)\d{2})\s*年?度?\s*(以后|之后|以来|起|以前|之前)(?!.{0,3}(?:转|结转))")
_RELATIVE = {"今年": 0, "本年": 0, "去年": 1, "前一年": 1, "上一年": 1, "上年": 1, "前年": 2}
# in a follow-up these count from the year the conversation is about (「前一年呢？」), not from the calendar
_CONVERSATION_RELATIVE = {"再前一年": -2, "前一年": -1, "上一年": -1, "后一年": 1, "下一年": 1, "次年": 1, "第二年": 1}
_CONVERSATION_RELATIVE_RE = re.compile("|".join(_CONVERSATION_RELATIVE))
_DIFF_RE = re.compile(r"比(?:上一年|上年|去年|前一年|\d{4}\s*年|它)|(?:跟|和|与|同|较)(?:上一年|上年|去年|前一年|前年)(?:相?比|对比)|(?:两年|几年|前后)?(?:相?比|对比)?变(?:了|化|动)|增加|减少|增长|下降|涨了|降了|上涨|下跌|多了|少了|多出|少出|相比|同比|对比|差多少|差了")
_RANK_RE = re.compile(r"从高到低|从低到高|从多到少|从少到多|由高到低|由低到高|由多到少|由少到多|冒尖|领先|居首|排第一|排在前|谁|哪个|哪家|哪一个|哪一年|哪些部门|哪些单位|最多|最少|最高|最低|排名|排序|排行|排第几|排在第几|第几名|位列第几|更多|更少|更高|更低")
_SHARE_RE = re.compile(r"公开率|比例|比重|占比|百分之|比率|百分比|几成|率是多少|率为多少|纠错率|纠正率|" + OCCUPY)
_SUM_RE = re.compile(r"一共|总共|合计|总数|加起来|共计|总计|全部加|加在一起|总和|合起来|合在一起|加一块|算在一块")
_RELATIVE_WORDS = ("上一年", "上年", "去年", "前年")
_ASKS = re.compile(r"多少|几|哪|什么|是否|有没有|吗|呢|如何|怎么|占|比|排|最(?:多|少|高|低|大|小)")
_GROWTH_RE = re.compile(r"(?:增长|增加|上涨|涨|下降|下跌|跌|减少|降|变化|提高|降低|多|少)了?百分之(?:几|多少)|增长率|增幅|增长了?多少%|增加了?百分之几|下降了?百分之几|降幅|变化了?百分之几|同比增长|增长了?几成|(?:变化|变动|增减|升降)幅度|涨幅|跌幅")
_EACH_RE = re.compile(r"还是|分别|各自|各有|各是|各多少|各几|各[提递交申收][了过]?(?:多少|几)")
# 「企业比个人多几件」「个人比企业少多少」: one applicant column against another
_COLUMN_DIFF_RE = re.compile(r"比[^，。？?]{1,10}?(?:多|少)(?:了|出)?(?:多少|几)|相差|差(?:了)?(?:多少|几)")
_RATIO_RE = re.compile(r"几倍|多少倍|是.{0,12}的几倍|翻了几番")
# 「谁批的行政许可少？」「哪年少一些」: which is lower asks for the lower one first
_ASC_RE = re.compile(r"从低到高|从少到多|由低到高|由少到多|最少|最低|最小|更少|更低|垫底|倒数|(?:谁|哪)[^，。？?,]{0,16}?(?:少|低)(?:一些|一点|些|点)?(?=[？?。！!]|$)")
_YEAR_WORDS = re.compile(r"(?:19|20)\d{2}\s*年度?|今年|去年|前年|上一年|上年|本年")


_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CN_YEAR_RE = re.compile(r"([〇零一二三四五六七八九]{4})\s*年")
_SHORT_YEAR_RE = re.compile(r"(?<![\d.])(\d{2})\s*年(?!代)")


_CN_SHORT_YEAR_RE = re.compile(r"(?<![〇零一二三四五六七八九十\d])([一二][〇零一二三四五六七八九])\s*年(?!代)")


# 「22、23、24三年」「21和22两年」: two-digit years listed, 年 written once after the last
_SHORT_YEAR_LIST_RE = re.compile(r"(?<![\d.])(\d{2}(?:\s*[、,，和与及到至~～-]\s*\d{2})+)\s*(?=(?:这|那|这些|共)?[两三四五六七八九十]?个?年(?!代))")


def normalize_years(question: str) -> str:
    """二〇二三年, 二三年 and 23年 written as 2023年, so one rule reads every year (a two-digit year is
    this century's: 23年 is 2023)."""
    question = _SHORT_YEAR_LIST_RE.sub(
        lambda m: re.sub(r"(?<!\d)(\d{2})(?!\d)", r"20\1年", m.group(1)), question)
    q = _CN_YEAR_RE.sub(lambda m: m.group(1).translate(_CN_DIGITS) + "年", question)
    q = _CN_SHORT_YEAR_RE.sub(lambda m: "20" + m.group(1).translate(_CN_DIGITS) + "年", q)
    return _SHORT_YEAR_RE.sub(lambda m: f"20{m.group(1)}年", q)


_CALENDAR = {"今年": 0, "去年": 1, "前年": 2}
_CALENDAR_RE = re.compile(r"(?<![比跟和与同较])(今年|去年|前年)(?!度?.{0,3}(?:结转|转过来|转来|遗留))")


def calendar_years(question: str, today: Optional[date] = None) -> str:
    """今年/去年/前年 written as their years when the question also names a year (「从2023年到前年」,
    「余杭区去年、西湖区2023年」), so ranges, lists and pairs read them; 「比前年」 compares and stays."""
    q = normalize_years(question)
    if not _YEAR_RE.search(q):
        return q
    this_year = (today or date.today()).year
    return _CALENDAR_RE.sub(lambda m: f"{this_year - _CALENDAR[m.group(1)]}年", q)


def _years(question: str, catalog: Catalog, today: Optional[date] = None) -> tuple[list[int], str]:
    question = calendar_years(question, today)
    m = _YEAR_RANGE_RE.search(question)
    if m:
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        if b - a <= 30:
            return list(range(a, b + 1)), f"{a}—{b}"
    m = _YEAR_OPEN_RE.search(question)
    held = catalog.years() if m else []
    if held:
        # 「2021年以后」「2022年以前」: the years held from (or up to) the one named
        y, after = int(m.group(1)), m.group(2) in _AFTER_WORDS
        span = [h for h in held if (h >= y if after else h <= y)]
        if span:
            return span, f"{span[0]}—{span[-1]}" if len(span) > 1 else str(span[0])
    years = [int(m.group(1)) for m in _YEAR_RE.finditer(question)]
    carried = {int(m.group(1)) for m in _FROM_YEAR_RE.finditer(question)}
    if carried and len(years) > len(carried):
        # 「2022年有几件是从2021年转过来的」: 2021 names where they came from, not the report
        years = [y for y in years if y not in carried]
    if years:
        years = list(dict.fromkeys(years))
        if len(years) == 1:
            # 「2024年…比前年多了多少」: the year compared with is named relative to the one asked
            m = re.search(r"比(前年|上一年|上年|去年|前一年)", question)
            if m:
                years = [years[0] - (2 if m.group(1) == "前年" else 1), years[0]]
        return years, "、".join(str(y) for y in years)
    # 去年 is the calendar's: the year before the one the question is asked in (a report for year Y is
    # published early in Y+1, so 去年's report may not be out yet — then the answer says it is not held)
    this_year = (today or date.today()).year
    # 「上一年结转过来的」 names a row of the table, not a report year
    question = re.sub(r"(?:上一?年|去年|上年度)(?:度)?.{0,3}(?:结转|转过来|转来|遗留|留下|没办完)", "", question)
    # 「今年1月挂出来的那份（讲的是去年的情况）」: a relative year with a month or day is a date, not the report's year
    question = re.sub(r"(?:今年|去年|前年|本年)(?:\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月|初|底|年初|年底|上半年|下半年)", "", question)
    # 「本年收费金额」「本年新收」: the format's labels say 本年 of the report's own year
    question = re.sub(r"本年度?(?=新收|收费|制发|废止|处理|办理|新公开|新制作|增减|结转)", "", question)
    if _DIFF_RE.search(question):
        return [], ""  # 比上一年: relative to the year the conversation is about
    for word, back in _RELATIVE.items():
        if word in question:
            return [this_year - back], word
    return [], ""


def _paired_years(q: str, spans, today: Optional[date] = None) -> list[tuple[str, int]]:
    """Each agency named with a year of its own (「审批局21年、西湖区23年、余杭区25年」「2021年的审批局和
    2023年的西湖区」): (agency, year) pairs, when every agency named has exactly one year beside it."""
    if len(spans) < 2 or any(len(agencies) != 1 for agencies, _ in spans):
        return []
    bounds = [b for _, b in spans]
    after = [q[b[1]:(bounds[i + 1][0] if i + 1 < len(bounds) else len(q))] for i, b in enumerate(bounds)]
    before = [q[(bounds[i - 1][1] if i else 0):b[0]] for i, b in enumerate(bounds)]
    for n, pieces in enumerate((after, before)):
        this_year = (today or date.today()).year
        years = [[int(m.group(1)) for m in _YEAR_RE.finditer(normalize_years(p))]
                 + [this_year - _CALENDAR[m.group(1)] for m in _CALENDAR_RE.finditer(p)] for p in pieces]
        if n == 0:
            # 「教育局、科技局（这俩是2021年）和卫健委2022年」: an agency listed without a year takes the next one
            # stated after it in the list
            for i in range(len(years) - 2, -1, -1):
                if not years[i] and re.fullmatch(r"\s*(?:[、和与及,，]|还有|以及)\s*", pieces[i]) and len(years[i + 1]) == 1:
                    years[i] = list(years[i + 1])
        if all(len(ys) == 1 for ys in years):
            return [(agencies[0], ys[0]) for (agencies, _), ys in zip(spans, years)]
    return []


# places named without 省/市: a question about 北京 is not about any report we hold unless one is from there
_PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
              "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃",
              "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "全国", "国务院")


def _unknown_agency(question: str, known_text: str) -> str:
    rest = question
    for k in known_text.split("|"):
        if k:
            rest = rest.replace(k, " ")
    for place in _PROVINCES:
        if place in rest and not re.search(re.escape(place) + r"[\u4e00-\u9fa5]{0,6}?(?:省|市|区|县)", rest):
            return place
    for m in _AGENCY_MENTION.finditer(rest):
        name = m.group(0)
        if name in _NOT_PLACES or len(name) < 3 or name[0] in _NOT_NAME_START or any(name.endswith(p) for p in _NOT_PLACES):
            continue
        return name
    return ""


def _signals(q: str) -> frozenset:
    out = set()
    if _GROWTH_RE.search(q):
        out.add("growth")
    if _RATIO_RE.search(q):
        out.add("ratio")
    if _SHARE_RE.search(q):
        out.add("share")
    if _RANK_RE.search(q):
        out.add("ranking")
    if _DIFF_RE.search(q):
        out.add("difference")
    if _SUM_RE.search(q):
        out.add("sum")
    return frozenset(out)


def asking_text(q: str) -> str:
    """The sentences of a question that ask (「我是记者，想写一篇…的稿子。某县去年…存在哪些不足？」 asks in
    its last): what the narrative is searched for, without the preamble's words."""
    parts = [p for p in re.split(r"(?<=[。！!；;])", q) if p.strip()]
    asking = [p for p in parts if _ASKS.search(p) or "？" in p or "?" in p]
    return "".join(asking) if asking and len(asking) < len(parts) else q


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_T2S = None


def plain(question: str) -> str:
    """The question in the characters every rule reads: full-width digits as ASCII (２０２３年), traditional
    characters as simplified (沭陽縣去年辦理… — the same length, character for character)."""
    global _T2S
    q = question.strip().translate(_FULL_WIDTH)
    if _T2S is None:
        try:
            import opencc

            _T2S = opencc.OpenCC("t2s").convert
        except ImportError:
            _T2S = lambda text: text  # noqa: E731
    converted = _T2S(q)
    return converted if len(converted) == len(q) else q


# a measure asked that no table holds (平均几天, 预算, 工资): its qualifier must be in the sentence quoted
_MEASURED = re.compile(r"平均|天数|多少天|几天|多久|时长|工资|薪|预算|经费")
# a count asked (多少, 几件) — not 「那几件申请」「这几起」, which point back at some already spoken of
COUNT_ASKED = re.compile(r"多少|(?<![那这哪])几[件个起次条项份]")


def understand(question: str, catalog: Catalog, today: Optional[date] = None) -> Intent:
    """`today`: the date the question is asked on, which 今年/去年 count from (default: the clock's)."""
    q = plain(question)
    intent = Intent(question=q, topic=asking_text(q))
    intent.years, intent.year_text = _years(q, catalog, today)
    res = catalog.resolve(q, intent.years)
    asked = without_asker(q)
    if asked != q and (res.unknown or len(res.agencies) > 1):
        # 「我是某市的一名退休教师…想问下某市审计局…」: the place the asker is from is no agency asked, when
        # the rest of the question names one
        alone = catalog.resolve(asked, intent.years)
        if alone.agencies or alone.unknown:
            res = alone
    intent.agencies, intent.agency_text, intent.notes = res.agencies, res.text, res.notes
    intent.vague = res.vague
    intent.one_name = len(res.agencies) > 1 and len(res.spans) == 1 and "|" not in res.text
    intent.pairs = _paired_years(q, res.spans, today)
    if res.unknown:
        intent.unknown_agency, intent.near, intent.unknown_organ = res.unknown, res.near, res.unknown_organ
    elif not intent.agencies:
        unknown = _unknown_agency(q, "")
        if unknown:
            intent.unknown_agency = unknown
    # a table term typed with one character wrong (行政复以): read as the term, and said so
    q, slips = correct_term_slips(q, tuple(intent.agency_text.split("|")))
    intent.notes = intent.notes + slips
    asked = without_clarification(without_asker(q))  # 「我是做律师的。…」: who asks is no column of the table
    intent.metric = find_metric(asked)
    intent.each_metric = each_measure(asked)
    if intent.each_metric:
        intent.metric = intent.each_metric[0]  # 「复议和诉讼各有多少」: each its own figure, the first named first
    masked = mask_negated(asked)
    named_columns = [k for k, rx in COLUMN_WORDS if rx.search(masked)]
    intent.col3 = named_columns[0] if named_columns else None
    if len(named_columns) > 1 and _SUM_RE.search(q):
        intent.columns = named_columns  # 「企业、科研机构、公益组织、律所和其他组织全加起来」
    elif len(named_columns) > 1 and _EACH_RE.search(q):
        # 「是企业提的还是个人提的」「企业和个人分别有多少」: each column's own figure, in the order named
        intent.columns = sorted(named_columns, key=lambda k: dict(COLUMN_WORDS)[k].search(masked).start())
        intent.each_column = True
    elif len(named_columns) == 2 and (_RATIO_RE.search(q) or _GROWTH_RE.search(q) or _COLUMN_DIFF_RE.search(q)):
        # 「个人提的是律所提的几倍」「企业比个人多几件」: two columns of one report compared, in the order named
        intent.columns = sorted(named_columns, key=lambda k: dict(COLUMN_WORDS)[k].search(masked).start())
        intent.compare_columns = True
    if (not intent.compare_columns and intent.metric is not None
            and (_RATIO_RE.search(q) or _GROWTH_RE.search(q) or _COLUMN_DIFF_RE.search(q))):
        # 「行政处罚决定是行政许可的几倍」: two rows of one table and column set against each other, as named
        found, _ = scan_measures(masked)
        rows = [m for _, m in sorted(found, key=lambda x: x[0]) if m.key != "新收"]
        if (len(rows) == 2 and rows[0].table == rows[1].table and rows[0].col == rows[1].col
                and not rows[0].group and not rows[1].group and re.search(r"是|比|相当于", q)):
            intent.compare_rows, intent.metric = rows, rows[0]
    intent.col4 = next((k for k, rx in T4_RESULT_WORDS if rx.search(masked)), None)
    results = [k for k, rx in T4_RESULT_WORDS if rx.search(masked)]
    if (intent.metric is not None and intent.metric.table == "四" and len(results) >= 2
            and re.search(r"还是|或者|或是|哪种|哪个结果|什么结果", q) and not re.search(r"多少|几件|几起|分别|各", q)):
        # 「结果是被维持了、被纠正了，还是其他结果？」: which result it had — each result that holds a figure
        intent.outcome, intent.col4 = True, None
    intent.signals = _signals(q)
    intent.direction = "asc" if _ASC_RE.search(q) else "desc"
    intent.carried_from = sorted({int(m.group(1)) for m in _FROM_YEAR_RE.finditer(normalize_years(q))} - set(intent.years))
    counts = COUNT_ASKED.search(q)
    intent.metadata = "" if counts else metadata_asked(q)
    if intent.metadata:
        intent.metric, intent.each_metric = None, []  # 「年报是哪天发布的」: the report's own line, not a cell
    if intent.metric is not None and REASON.search(q) and not counts:
        intent.metric, intent.each_metric = None, []  # 「为什么没有公开」 asks the report's reason, never a count
    elif (intent.metric is not None and intent.metric.table == "三" and intent.metric.key in ("新收", "总计")
          and OUTCOME.search(q) and not counts):
        # 「收到的申请最后是怎么处理的」: each result row that holds a figure, with its figure
        intent.outcome, intent.each_metric = True, outcome_metrics()
        intent.metric = intent.each_metric[0]
    elif intent.metric is None and OUTCOME.search(q) and not counts and not REASON.search(q):
        # 「那件最后是怎么处理的？」: how what the turn before counted was handled (merge gives it the rows)
        intent.outcome_asked = True
    if (intent.metric is not None and re.search(r"怎么样|如何|怎样|结果呢|咋样", q) and not COUNT_ASKED.search(q)
            and "share" not in intent.signals and not intent.outcome):  # (「公开率咋样」 asks the rate)
        # 「官司后来结果怎么样了」 asks what happened, which the narrative tells, not a count
        intent.metric = None
    if intent.metric is not None and not intent.unknown_agency:
        intent.unexplained = [w for w in unexplained_words(q, intent, catalog)
                              if not (intent.outcome and OUTCOME.search(w))]
        if intent.unexplained:
            # a qualifier no cell answers (撤回, 败诉率, 外省人…): not a table question
            intent.metric = None
    elif intent.metric is None and not intent.unknown_agency and (COUNT_ASKED.search(q) or _MEASURED.search(q)):
        # a count the tables do not hold: the sentence quoted must say what the question qualifies it by
        intent.unexplained = unexplained_words(q, intent, catalog)
    if intent.metric is None and not intent.unknown_agency:
        intent.own_words = intent.unexplained or narrative_topics(q) or unexplained_words(q, intent, catalog, singles=True)
    intent.kind = classify(intent)
    return intent


_ASKER = re.compile(r"(?:^|(?<=[，,。！!；;：:]))\s*(?:我|本人|咱|作为)(?:们|们的?(?:公司|单位|企业|厂|店)|的?(?:公司|单位|企业|厂|店))?"
                    r"(?:是|们是|开了|开着|在|做|当|一个|一名|家里?)[^，,。！!？?；;]*")


# 「…总计是多少件？我说的是连同上一年结转过来的一起办的那个总数。」: a sentence that says what the one before meant
_CLARIFIES = re.compile(r"(?:我说的是|我指的是|我问的是|我要的是|也就是说?|就是指|即)")


def without_clarification(q: str) -> str:
    """The question without a later sentence that only says what the asking one meant (blanked, positions
    kept): the measure is the one the asking sentence names, the clarification's words describe it."""
    pieces = re.split(r"(?<=[。！!？?])", q)
    if len(pieces) < 2:
        return q
    out, asked = [], False
    for piece in pieces:
        if asked and _CLARIFIES.match(piece.strip()):
            out.append(" " * len(piece))
            continue
        asked = asked or bool(find_metric(piece))
        out.append(piece)
    return "".join(out)


def without_asker(q: str) -> str:
    """The question without the clauses that say who is asking (「我是做律师的」「我开了个小店」「作为一名
    企业主」), blanked to keep every position: a lawyer asking is no 法律服务机构 column. A clause that
    also asks (「我是企业的，企业提的有几件」 keeps its second clause) stays."""
    def blank(m: re.Match) -> str:
        asks = _ASKS.search(m.group(0)) or q[m.end():m.end() + 1] in ("？", "?")  # (a clause ending the question asks)
        return m.group(0) if asks else " " * len(m.group(0))
    return _ASKER.sub(blank, q)


def year_phrase(intent: Intent) -> str:
    """The years asked, as an answer says them: 「2024年」「2021—2024年」 (前年 and 去年 as the year they are)."""
    if intent.year_text[:1].isdigit():
        return f"{intent.year_text}年"
    return "、".join(map(str, intent.years)) + "年" if intent.years else ""


def own_reading(part: str) -> bool:
    """Is a sentence a question of its own — naming a cell, an applicant column, a table-four result or a
    qualifier no cell holds (「科研院所又递了几件？」「还有没判完的吗？」「撤回的有几件？」), or opening as a
    follow-up does (「其中网上提交的有几件？」「那2023年呢？」) — rather than going on asking the sentence
    before it (「真的假的，具体是多少万元」「两年比变了多少？」)?"""
    masked = mask_negated(without_asker(part))
    return (find_metric(masked) is not None or any(rx.search(masked) for _, rx in COLUMN_WORDS)
            or any(rx.search(masked) for _, rx in T4_RESULT_WORDS) or bool(NO_CELL.search(masked))
            or any(rx.search(masked) for _, rx in T2_COLUMN_WORDS) or bool(_FOLLOWS_ON.match(part)))


_FOLLOWS_ON = re.compile(r"\s*(?:其中|那么?|另外|此外|还有|以及)")


# what people do with a request, and the ways they send it: a phrase with one of these before a bracketed
# agency (「网上提交（西湖区人民政府）的申请」) says how, and is no name of the agency
_DOING = re.compile(r"提交|递交|提出|申请|邮寄|网上|网络|当面|现场|传真|电话|信函|寄送|快递")


def _name_words(name: str) -> list[str]:
    """The pieces of an organ's name (2–4 characters) a question may use for it: 财政 of 财政金融局."""
    bare = re.sub(r"(局|委员会|委|厅|办公室|办|中心)$", "", name or "")
    return [bare[i:i + n] for n in (4, 3, 2) for i in range(len(bare) - n + 1)]


def unexplained_words(q: str, intent: Intent, catalog: "Catalog", singles: bool = False) -> list[str]:
    """The content words of a table question that its reading does not account for."""
    qq = normalize_years(q)
    explained = [t for t in intent.agency_text.split("|") if t] + [intent.year_text]
    for rx in (_DIFF_RE, _RANK_RE, _SHARE_RE, _SUM_RE, _YEAR_WORDS, _GROWTH_RE, _RATIO_RE):
        explained += [m.group(0) for m in rx.finditer(qq)]
    organs = []
    for a in intent.agencies:
        ident = catalog.resolver.ids.get(a)
        if ident is not None:
            organs += [ident.organ, ident.printed_organ, *ORGAN_FORMS.get(ident.organ, ())]
            # a word of the agency's own name (财政 of 财政金融局, named 财政局) is explained by the agency
            organs += [w for w in _name_words(ident.printed_organ or ident.organ) if len(w) >= 2]
            # the agency's own places, however shortened (天津 for 天津市), explain themselves
            for p in ident.places:
                explained += [p.name, re.sub(r"(?:省|市|区|县|自治区|自治州)$", "", p.name), *nicknames_of(p)]
    explained += [o for o in organs if o]
    # a name the question gives the agency, with the agency named in brackets after it
    # (「岚岛这边（平潭综合实验区）」「西子湖畔（西湖区）」): the name is the agency's
    for t in [t for t in intent.agency_text.split("|") if t]:
        at = qq.find(t)
        if at > 1 and qq[at - 1] in "（(":
            before = re.search(r"(?:^|(?<=[，,。；;：:！!？?、\s]))[\u4e00-\u9fff]{1,6}$", qq[:at - 1])
            # (where the question begins naming it, and no measure or qualifier of its own)
            if (before and find_metric(before.group(0)) is None and not NO_CELL.search(before.group(0))
                    and not _DOING.search(before.group(0))):
                explained.append(before.group(0))
    # only the clauses that ask: 「我在写一篇关于基层执法的报道，想核实一下：…多少件？」 asks in its last clause
    # (a sentence that asks nothing before the one that asks — 「平时挺关心审计局的工作。想问下…」 — only sets the scene)
    said = [x for x in re.split(r"(?<=[。！!？?])", qq) if x.strip()]
    if len(said) > 1 and _ASKS.search(said[-1]):
        qq = "".join(x for x in said[:-1] if _ASKS.search(x) or x.rstrip()[-1:] in "？?") + said[-1]
    clauses = [c for c in re.split(r"[，,：:；;。！!？?]|——|—", qq) if c.strip()]
    asking = [c for c in clauses if _ASKS.search(c) or any(p and p in c for p in explained[:2])]
    text = "，".join(asking) or qq
    return [w for w in unexplained(text, explained, singles) if not one_slip(w, ["政府", *organs])]


def to_query(intent: Intent, column: Optional[str] = None):
    """The typed query (assistant.models.Query) an Intent stands for."""
    from .models import AgencyYear, Query, YearRef

    m = intent.metric
    return Query(
        operation=intent.kind, metric=m.key if m else None, table=m.table if m else None,
        rows=list(m.rows) if m else [], column=column if m else None, agencies=list(intent.agencies),
        unknown_agency=intent.unknown_agency,
        years=[YearRef(year=y) for y in intent.years] + [YearRef(year=y, role="carried_from") for y in intent.carried_from],
        reports=[AgencyYear(agency=a, year=y) for a, y in intent.pairs],
        direction=intent.direction if intent.kind == "ranking" else None,
        unexplained=list(intent.unexplained), notes=list(intent.notes), from_conversation=dict(intent.assumed))


def classify(intent: Intent, previous: Optional[Intent] = None) -> Kind:
    """What kind of answer: from this turn's words, else the turn before's."""
    s = intent.signals
    if intent.metric is None:
        return "narrative"
    if intent.compare_columns or intent.compare_rows:
        return "ratio" if "ratio" in s else ("growth" if "growth" in s else "difference")
    if (intent.each_column or intent.each_metric) and "ranking" not in s:
        return "figure"  # each column's own figure (of each report asked)
    if "growth" in s:
        return "growth"
    if "ratio" in s:
        return "ratio"
    if "sum" in s and len(intent.agencies) > 1 and "ranking" not in s:
        return "sum"  # 「某区公安分局和某县政府…加起来」: one total over the agencies named
    if "ranking" in s or (len(intent.agencies) > 1 and not intent.vague):
        return "ranking"
    if "share" in s:
        return "share"
    if "difference" in s:
        return "difference"
    if previous is not None and not s and previous.kind in ("share", "ranking", "difference", "growth", "ratio") \
            and elliptical(intent):
        # 「那2023年呢？」 after a share asks the share of 2023; 「那行政处罚呢？」 after a growth rate asks the rate of
        # 行政处罚 (the two years kept)
        return previous.kind
    if len(intent.years) == 2 and "sum" not in s:
        return "difference"
    if ("sum" in s and len(intent.years) > 1) or intent.metric.group or len(intent.metric.rows) > 1:
        return "sum"
    return "figure"


_ELLIPSIS = re.compile(r"呢\s*[？?。！!]*\s*$")


def asks_nothing_of_its_own(intent: Intent) -> bool:
    """A follow-up that names no measure, topic or operation of its own (「那2021年呢？」「某区呢？」
    「个人呢？」「跟前一年比呢？」): it fills its gaps from the conversation. Length is no criterion."""
    return intent.metric is None and not intent.own_words and not intent.unexplained


def elliptical(intent: Intent) -> bool:
    """Does the question leave its operation to the conversation — it asks nothing of its own, or it
    changes one thing and says so elliptically (「那部分公开呢？」)? 「…行政处罚作出了多少件决定？」 does not."""
    return asks_nothing_of_its_own(intent) or bool(_ELLIPSIS.search(intent.question))


def _conversation_shift(current: Intent) -> Optional[int]:
    """How many years a follow-up moves from the conversation's year (「前一年呢？」 -1), when it names no
    year of its own."""
    q = current.question
    if _YEAR_RE.search(normalize_years(q)):
        return None
    for m in _CONVERSATION_RELATIVE_RE.finditer(q):
        before, after = q[max(0, m.start() - 3):m.start()], q[m.end():m.end() + 4]
        if re.search(r"[比跟和与同较]$|相比$|对比$|(?:转|留|推|延)[到入至]?$", before) \
                or re.match(r"(?:度)?.{0,2}(?:结转|转过来|转来|遗留|留下|没办完|继续办)", after):
            continue  # 「比上一年多了多少」 compares with it; 「上一年结转过来的」 names a row
        return _CONVERSATION_RELATIVE[m.group(0)]
    return None


_SET_BESIDE = re.compile(r"(?:跟|和|与|同|比|对比|相比|相较)\s*$")


def _set_beside(current: Intent) -> bool:
    """「跟某市科委同一年比呢？」: the agency named is set beside the conversation's — the comparison word
    stands right before it, and the question compares no years of its own."""
    if len(current.years) > 1:
        return False
    q = current.question
    for text in (t for t in current.agency_text.split("|") if t):
        at = q.find(text)
        if at > 0 and _SET_BESIDE.search(q[:at]):
            return True
    return False


def merge(previous: Intent, current: Intent) -> Intent:
    """A follow-up (「那2021年呢？」「淮安市政府呢？」) keeps what it does not say from the turn before."""
    out = replace(current)
    if not current.agencies and not current.unknown_agency:
        out.agencies, out.agency_text = previous.agencies, previous.agency_text
        out.unknown_agency, out.near, out.unknown_organ = previous.unknown_agency, previous.near, previous.unknown_organ
    elif (len(current.agencies) == 1 and previous.agencies and not set(current.agencies) & set(previous.agencies)
          and current.signals & {"ranking", "difference", "growth", "ratio"} and _set_beside(current)):
        # 「跟某市科委同一年比呢？谁多？」: the agency named is set beside the one the conversation is about
        out.agencies = [*previous.agencies, *current.agencies]
        out.agency_text = "|".join(t for t in (previous.agency_text, current.agency_text) if t)
        out.pairs = []
    shift = _conversation_shift(current)
    if shift is not None and previous.years:
        # 「前一年呢？」: the year before the one the conversation is about
        out.years = [y + shift for y in previous.years]
        out.year_text = "、".join(map(str, out.years))
    elif not current.years:
        out.years, out.year_text = previous.years, previous.year_text
    elif (len(current.years) == 1 and len(previous.years) == 1 and current.years != previous.years
          and current.signals & {"difference", "growth", "ratio"} and not current.agencies):
        # 「跟22年比多了多少？」: the year named against the one the conversation is about
        out.years = sorted({*current.years, *previous.years})
        out.year_text = "、".join(map(str, out.years))
    if not current.agencies and not current.years:
        out.pairs = previous.pairs
    if not _RANK_RE.search(current.question):
        out.direction = previous.direction
    if (current.metric is not None and previous.metric is not None and WITH_PREVIOUS.search(current.question)
            and not (current.agencies and current.years)  # (a question naming its own report is asked alone)
            and current.metric.key != previous.metric.key and current.metric.table == previous.metric.table
            and current.metric.col == previous.metric.col):
        # 「那连打官司的一起算呢，总共多少件？」: the measure named added to the one the conversation is about
        a, b = previous.metric, current.metric
        out.metric = Metric(f"{a.key}+{b.key}", f"{a.label}与{b.label}", a.table,
                            tuple(dict.fromkeys((*a.rows, *b.rows))), a.col, a.unit, group=True)
    if previous.metric is not None and asks_nothing_of_its_own(current):
        out.metric, out.each_metric = previous.metric, list(previous.each_metric)
    if (current.outcome_asked and current.metric is None and previous.metric is not None
            and previous.metric.table == "三" and previous.metric.key in ("新收", "总计")):
        # 「收到几件申请？」「那件最后是怎么处理的？」: each result row of those applications that holds a figure
        out.outcome, out.each_metric = True, outcome_metrics()
        out.metric, out.topic = out.each_metric[0], current.topic
    if asks_nothing_of_its_own(current) and previous.metadata:
        out.metadata = previous.metadata  # 「那2023年的呢？」 after 「年报是哪天发布的」
    if current.metric is None and previous.metric is None:
        # 「那2021年呢？」 after 「存在哪些问题？」 asks the same; 「打算怎么改进？」 asks its own
        out.topic = previous.topic if asks_nothing_of_its_own(current) else current.topic
        out.context_topic = previous.topic
    if out.metric is not None and previous.metric is not None and out.metric.table == previous.metric.table:
        out.col3 = current.col3 or (previous.col3 if current.metric is None else None)
        out.col4 = current.col4 or (previous.col4 if current.metric is None else None)
    out.kind = classify(out, previous)
    out.assumed = _assumed(previous, current, out)
    return out


_OPERATIONS = ("share", "ranking", "difference", "growth", "ratio", "sum")


def _assumed(previous: Intent, current: Intent, out: Intent) -> dict:
    """What the merged question took from the conversation (shown, so a person sees what was assumed)."""
    got = {}
    if out.agencies and not current.agencies:
        got["agency"] = "、".join(out.agencies)
    if out.years and not current.years:
        got["year"] = "、".join(map(str, out.years))
    if out.metric is not None and current.metric is None:
        # (an outcome asked of the applications the turn before counted: those applications are what was taken)
        got["measure"] = previous.metric.label if current.outcome_asked and previous.metric else out.metric.label
    if out.col3 and not current.col3:
        got["column"] = out.col3
    if out.kind in _OPERATIONS and out.kind == previous.kind and out.kind != classify(current):
        got["operation"] = out.kind
    if current.metric is None and out.metric is None and out.topic != current.topic:
        got["topic"] = out.topic
    return got
