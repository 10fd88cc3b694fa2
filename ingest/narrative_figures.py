"""The prose's figures: every number the narrative prints with its measure.

    >>> text = "一、总体情况\\n全年主动公开政府信息110条，其中行政许可类7条、其他类103条。"
    >>> [(f.measure, str(f.value), f.unit, f.whole_index) for f in narrative_figures(text, [], [])]
    [('主动公开政府信息', '110', '条', None), ('行政许可类', '7', '条', 0), ('其他类', '103', '条', 0)]

A figure is a number followed by a unit (条 件 份 个 次 人次 元 万元 篇 期 项 %…) and preceded, in its
clause, by the phrase saying what it counts. The measure is read backwards from the number to the
clause's start (，。；： a line that is a heading, a number before it; 、 only when what stands before
it is an item of its own, with a number), then
- a parenthesis holding a number, and the words that only introduce (其中 共 全年 我局 涉及…) are
  dropped from its front, the linking words (达 为 共计 的有…) from its end;
- when a verb of the kind the reports count by (收到 受理 办理 处理 发布 开展 组织 举办 支出 主动公开
  依申请公开…) stands in it with something after it, the measure starts at that verb: what comes
  before it is who, when or through which channel (「通过门户网站主动公开政府信息」 → 主动公开政府信息).
  A verb inside quotation marks (a column's name) or followed by 的 (a modifier) does not count.
A number no measure precedes (「其中6件在办理中」, 「占51.85%」, 「共计3.5」), a number followed by
the noun it counts (「发布111条涉农信息」: the measure comes after, and is not read), an approximate
one (「560余条」), dates, years, phone numbers, codes and article numbers are not figures.

A figure followed by 其中 is a whole; the figures of the same sentence after it are its parts while
they count in the same kind of unit, no new total (共…) or sentence begins, and their sum stays
within the whole.

Pure function of the text: the pipeline passes the parts found and the spans of tables 二/三/四.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional

from .models import Location, NarrativeFigure, Section

_WS = " \t\u3000\xa0\r\n"
# a number standing alone: not inside a code, a date (2023-02-20), a time (15:07), a phone (0594-2293755) or
# a URL, and not an article or document number (第3条, 第711号)
_NUMBER = re.compile(r"(?<![\d.．A-Za-z_/\-:～~第])(\d+(?:\.\d+)?)(?![\d.A-Za-z_\-:：/～~])")
_UNIT = re.compile(r"[ \t\u3000\xa0\r\n]{0,3}(人次|万元|亿元|批次|场次|条|件|份|个|次|元|篇|期|项|场|起|家|人|%|％)")
# what may follow a figure's unit: the clause ends, or a word that goes on about the same figure
_FOLLOW_CHARS = set("，。；、：:,;.）)（(！？!?")
_FOLLOW_WORDS = ("其中", "均", "同比", "较", "比", "占", "以上", "左右", "和", "及", "与", "共", "全部", "并", "已")
_STOP = set("，。；：:,;！？!?|\t")
_OPEN_OF = {"）": "（", ")": "(", "”": "“", "》": "《", "」": "「", "’": "‘"}
_OPENERS = set(_OPEN_OF.values())
_MAX_BACK = 60  # a measure is a phrase: scanning further back found no clause start
_MAX_MEASURE = 40

# words that only lead into the measure: a part (其中), a total (共), when, who, over what
_PREFIX = re.compile(
    r"^(?:其中包括|其中|包括|另有|另外|此外|同时|并且|涉及的|涉及|分别|另|并|还|均|已|都|"
    # (累计 and 历年 stay: a running total over the years is another measure than the year's)
    r"共计|总共|合计|总计|共|全年度|全年|今年|当年|年内|本年度|本年|年度|年|截至目前|截止目前|目前|"
    r"全区|全县|全市|全镇|全局|全省|(?:我|本)(?:局|委|办|区|县|市|厅|中心|单位|机关|部门|镇|街道|院|所|站|馆)|[：:，,、])")
_TOTAL = ("共计", "总共", "合计", "累计", "总计", "共")
_TRAIL = re.compile(r"(?:的有|的为|的共|共计|总共|合计|累计|总计|共|达到|达|为|约|近|超过|逾|有|计|是)$")
# verbs the reports count by: the measure starts at the first of them that has an object after it
_VERBS = ("收到", "接到", "接收", "受理", "办理", "办结", "处理", "答复", "发布", "印发", "制发", "制作", "编发", "转载",
          "转发", "推送", "报送", "移交", "开展", "组织", "举办", "召开", "公示", "清理", "回应", "支出", "收取",
          "更新", "发表", "转下", "结转", "立案", "查处")
_VERB_RE = re.compile("|".join(_VERBS) + r"|(?:主动|依申请)公开")
_ADVERBS = ("主动", "依申请", "实际", "按时", "依法", "上一年度", "上一年", "上年", "本年度", "本年")
# a measure that is a comparison or a share, not a count of its own
_NOT_MEASURE = re.compile(r"^(?:占|比|较|同比|环比|增长|增加|下降|减少|上升|提高|降低)|分别")
_COUNTS = {"条", "件", "份", "篇", "个", "项", ""}
# a sub-heading on a line of its own: （一）主动公开情况 / (2) 依申请公开办理情况
_HEADING = re.compile(r"(?m)^[ \t\u3000\xa0#*]*([（(][一二三四五六七八九十\d]{1,3}[）)][ \t\u3000]*[^\n。]{0,30}?)"
                      r"[ \t\u3000]*(?:。|：|:|\n|$)")
_HEADING_LINE = re.compile(r"^[ \t\u3000\xa0#*]*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,2}[、.．])")


def narrative_figures(text: str, sections: list[Section], table_spans: list[tuple[int, int]]) -> list[NarrativeFigure]:
    """The figures the prose outside `table_spans` prints with their measures, in the order printed."""
    spans = sorted(table_spans)
    headings = [(m.start(1), m.end(1), re.sub(r"\s+", "", m.group(1)))
                for m in _HEADING.finditer(text) if len(m.group(1).strip()) >= 4]
    breaks = sorted([(s.start, _line_end(text, s.start)) for s in sections] + [(a, b) for a, b, _ in headings]
                    + [(a, b) for a, b in spans])
    out: list[NarrativeFigure] = []
    opens: list[tuple[int, int]] = []  # (index, end of its unit) of figures followed by 其中
    extra: list[tuple[bool, int, int]] = []  # (introduced as a total, where its clause begins, end of its unit)
    for m in _NUMBER.finditer(text):
        a, b = m.span(1)
        if _inside(spans, a):
            continue
        u = _UNIT.match(text, b)
        unit, end = (u.group(1).replace("％", "%"), u.end()) if u else ("", b)
        follow = _follow(text, end)
        if follow is None:
            continue
        lo = _floor(breaks, a)
        got = _measure(text, a, lo)
        if got is None:
            continue
        measure, total, clause = got
        if not unit and not (measure.endswith(("数", "数量")) and follow != "word"):
            continue  # a bare number counts only after a measure that says it is a count
        sent = _sentence(text, a, end, breaks)
        part = next((s.number for s in sections if s.start <= a < s.end), None)
        sec_start = next((s.start for s in sections if s.start <= a < s.end), 0)
        heading = next((h for hs, he, h in reversed(headings) if sec_start < hs and he <= a), None)
        out.append(NarrativeFigure(value=Decimal(m.group(1)), unit=unit, measure=measure, part=part, heading=heading,
                                   sentence=Location(start=sent[0], end=sent[1]), loc=Location(start=a, end=b)))
        extra.append((total, clause, end))
        if re.match(r"[ \t\u3000\xa0\r\n]*[，,：:]?[ \t\u3000\xa0\r\n]*其中", text[end:end + 12]):
            opens.append((len(out) - 1, end))
        elif (later := _LATER_OF_WHICH.match(text, end)) is not None:
            # 「发布解读类信息21条，打造…产品矩阵，其中图文及视频类产品共17篇」: a clause without a figure between
            opens.append((len(out) - 1, later.end() - 2))
    for i, at in opens:
        _link_parts(text, out, extra, i, at)
    _link_listed_sums(out)
    return out


def _link_listed_sums(figs: list[NarrativeFigure]) -> None:
    """A figure followed in its sentence by a list of figures that add up to it exactly (「主动公开政府信息121
    条，涵盖…类8条、…类2条、…类21条、其他…90条」) is their whole, 其中 or not: two or more parts, the
    same kind of unit, none a part of something else already."""
    for i, whole in enumerate(figs):
        if whole.unit == "%" or any(f.whole_index == i for f in figs):
            continue
        total, run = Decimal(0), []
        for j in range(i + 1, len(figs)):
            f = figs[j]
            if f.sentence.start != whole.sentence.start or f.whole_index is not None or f.unit == "%" \
                    or not (f.unit == whole.unit or (f.unit in _COUNTS and whole.unit in _COUNTS)):
                break
            total += f.value
            run.append(j)
            if total >= whole.value:
                break
        if len(run) >= 2 and total == whole.value:
            for j in run:
                figs[j].whole_index = i


def _link_parts(text: str, figs: list[NarrativeFigure], extra: list[tuple[bool, int, int]], i: int, at: int) -> None:
    """The figures after a whole followed by 其中 (at `at`) that are its parts: one clause after another with
    nothing between them, in the same sentence, in the same kind of unit, no new total, their sum within the
    whole."""
    whole = figs[i]
    if whole.unit == "%":
        return
    total, prev_end = Decimal(0), at
    for j in range(i + 1, len(figs)):
        f = figs[j]
        is_total, clause, end = extra[j]
        if f.sentence.start != whole.sentence.start or f.whole_index is not None:
            break
        gap = re.sub(r"\s+", "", text[prev_end:clause])
        if not _PART_GAP.match(gap):
            break
        # (a new total ends the parts — but the first, 「其中图文及视频类产品共17篇」, is the part 其中 names)
        if (is_total and total > 0) or f.unit == "%" or not (f.unit == whole.unit or (f.unit in _COUNTS and whole.unit in _COUNTS)):
            break
        if total + f.value > whole.value:
            break
        f.whole_index = i
        total, prev_end = total + f.value, end
        if total == whole.value:
            break


# 其中 after a clause of the same sentence that prints no figure (its parts are still the figure's)
_LATER_OF_WHICH = re.compile(r"[^。；;！!？?\d\n]{1,40}?[，,：:][ \t\u3000]*其中")
_PART_GAP = re.compile(r"^[，,、；;：:]*(?:其中包括|其中|包括)?[，,、；;：:]*$")


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    return any(a <= pos < b for a, b in spans)


def _line_end(text: str, pos: int) -> int:
    e = text.find("\n", pos)
    return len(text) if e < 0 else e


def _floor(breaks: list[tuple[int, int]], pos: int) -> int:
    """Where the clause of `pos` may begin at the earliest: after the heading or table before it."""
    lo = 0
    for a, b in breaks:
        if a >= pos:
            break
        if b <= pos:
            lo = max(lo, b)
    return lo


def _follow(text: str, end: int) -> Optional[str]:
    """How the text goes on after a figure: "end" (its clause ends), "word" (a word about the same figure),
    or None (a noun: the number counts what follows it, 「发布111条涉农信息」)."""
    i = end
    while i < len(text) and text[i] in _WS:
        i += 1
    if i >= len(text) or text[i] in _FOLLOW_CHARS:
        return "end"
    if text.startswith(_FOLLOW_WORDS, i):
        return "word"
    if i > end and "\n" in text[end:i]:
        return "end"  # the line ends after it
    return None


def _measure(text: str, num: int, lo: int) -> Optional[tuple[str, bool, int]]:
    """The measure printed before the number at `num`, whether it is introduced as a total, and where its
    clause begins; or None."""
    i, n = num - 1, 0
    while i >= lo:
        ch = text[i]
        n += 1
        if n > _MAX_BACK:
            return None
        if ch == "\n":
            j = text.rfind("\n", lo, i)
            above = text[j + 1:i]
            if not above.strip(_WS) or _HEADING_LINE.match(above):
                break
            i -= 1
            continue
        if ch in _STOP or ch.isdigit():
            break
        if ch in _UNIT_CHARS and text[max(lo, i - 8):i].rstrip(_WS)[-1:].isdigit():
            break  # the unit of the number before
        if ch == "、":
            k = i - 1
            while k >= lo and text[k] not in _STOP and text[k] != "\n":
                k -= 1
            if _UNIT_AFTER_DIGIT.search(text, k + 1, i):
                break  # the item before is a figure of its own
        elif ch in _OPEN_OF:
            k = text.rfind(_OPEN_OF[ch], max(lo, i - 40), i)
            if k < 0:
                break
            i = k
        elif ch in _OPENERS:
            break  # inside a parenthesis: 「（共153项」
        i -= 1
    raw = re.sub(r"\s+", "", text[i + 1:num])
    raw = re.sub(r"[（(][^（()）]*\d[^（()）]*[）)]", "", raw)
    total = False
    while True:
        m = _PREFIX.match(raw)
        if not m or not m.group():
            break
        total = total or m.group() in _TOTAL
        raw = raw[m.end():]
    while True:
        m = _TRAIL.search(raw)
        if not m or m.start() == 0:
            break
        total = total or m.group() in _TOTAL
        raw = raw[:m.start()]
    k = raw.rfind("共有")
    if 0 <= k and len(raw) - k - 2 >= 2:
        raw, total = raw[k + 2:], True  # 「…方面共有行政诉讼案件1件」
    raw = _from_verb(raw)
    if len(raw) < 2 or len(raw) > _MAX_MEASURE or raw.endswith(("的", "、", "“", "（", "《")) or _NOT_MEASURE.search(raw):
        return None
    return raw, total, i + 1


_UNIT_CHARS = set("条件份个次元篇期项场起家人%％")
_UNIT_AFTER_DIGIT = re.compile(r"\d[ \t\u3000\xa0\r\n]*(?:人次|万元|亿元|条|件|份|个|次|元|篇|期|项|场|起|家|人|%|％)")


def _from_verb(measure: str) -> str:
    """The measure from its first counting verb on (with the adverb before it), when the verb has an object.

    Not a verb there: one inside quotation marks (a column's name), one that modifies (…办理的…), one
    after a modal or qualifier (其他应主动公开…, 不予处理, 其他组织), one naming a place (公示栏)."""
    quoted = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*”|《[^》]*》|「[^」]*」|‘[^’]*’", measure)]
    for m in _VERB_RE.finditer(measure):
        a, b = m.span()
        if any(qa <= a < qb for qa, qb in quoted) or b >= len(measure) or measure.startswith(_NOUN_AFTER, b):
            continue
        for adv in _ADVERBS:
            if measure.endswith(adv, 0, a):
                a -= len(adv)
                break
        # a running total over the years (历年累计主动公开…) is another measure than the year's: it stays
        running = re.search(r"(?:历年|历史)?(?:累计|累积)$", measure[:a])
        if running:
            a = running.start()
        if a > 0 and measure[a - 1] in _QUALIFIERS:
            continue
        return measure[a:]
    return measure


_NOUN_AFTER = ("的", "栏", "板", "牌", "平台", "系统", "窗口")
_QUALIFIERS = set("应可须需要被待已未不予他它或和及与的")


_SENTENCE_END = re.compile(r"[。！？!?]|\n[ \t\u3000\xa0\r]*\n")


def _sentence(text: str, a: int, end: int, breaks: list[tuple[int, int]]) -> tuple[int, int]:
    """The sentence around a figure: from the sentence end (or heading, blank line) before it to the one after."""
    lo = _floor(breaks, a)
    start = lo
    for m in _SENTENCE_END.finditer(text, max(lo, a - 400), a):
        start = m.end()
    hi = next((s for s, _ in breaks if s >= end), len(text))
    m = _SENTENCE_END.search(text, end, hi)
    stop = hi if m is None else (m.end() if m.group() != "\n" and not m.group().startswith("\n") else m.start())
    while start < a and text[start] in _WS:
        start += 1
    while stop > end and text[stop - 1] in _WS:
        stop -= 1
    return start, stop
