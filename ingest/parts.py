"""Where the six parts of a report begin: found by their headings' words, whatever their numbering.

A report may number its parts 一、, 1、, （一）, 第一部分 or not at all, print them mid-line (a portal
page scraped to one line) or on lines of their own, and name them in a sentence before the first
one (「本报告由总体情况、主动公开政府信息情况…组成」). A heading is the format's words for a part
standing where a heading stands — at a line's start, after a numeral, or after the figures of the
table before it — and not inside an enumeration. The parts are taken in their order.

    >>> [(p.number, p.title) for p in find_parts("1、总体情况\\n…\\n4、政府信息公开行政复议、行政诉讼情况\\n")]
    [('一', '1、总体情况'), ('四', '4、政府信息公开行政复议、行政诉讼情况')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# The format's words for each part; reports word some of them their own way (one prints 一、主动公开… for part 二).
PART_CORES = {
    "一": r"总体情况",
    "二": r"主动公开政府信息(?:情况|工作情况)",
    "三": r"收到和处理政府信息公开申请(?:情况)?",
    "四": r"(?:政府信息公开)?(?:被申请)?行政法?复议[、和及与]?(?:提起)?(?:行政诉讼)情况",
    "五": r"(?:政府信息公开工作)?存在的主要问题(?:[及和]改进(?:情况|措施))?|主要问题及改进情况|存在问题及整改(?:情况)?"
          r"|存在的问题及改进(?:措施|情况)?|主要问题(?=[ \t]*(?:\n|$))",
    "六": r"其他需要报告的事项",
}
_SP = r"[ \t\u3000\xa0]*"
# a part's own numbering: 一、 1、 1. （一） (一) 第一部分 表三： — or none
NUMBERING = (r"(?:表[一二三四]" + _SP + r"[：:]" + _SP + r")?(?:第[一二三四五六七]部分" + _SP + r"[、：:]?"
             r"|[一二三四五六七1-7１-７]" + _SP + r"[、.．]|[（(][一二三四五六七1-7][）)])?")
_PART_RES = {k: re.compile(f"(?P<num>{NUMBERING})\\s*(?:{v})") for k, v in PART_CORES.items()}
# a line that is a part's heading (numbered or not), for cutting the narrative into passages
HEADING_RES = {k: re.compile(r"^[#\s]*" + NUMBERING + _SP + f"(?:{v})") for k, v in PART_CORES.items()}
_LIST_AFTER = re.compile(_SP + r"(?:[、，,和及与等]|以及)")


@dataclass(frozen=True)
class PartHeading:
    number: str  # 一 … 六
    start: int  # where the heading (with its numbering) begins in the text
    end: int  # where its words end
    title: str  # as printed, up to the end of its line (at most 60 characters)
    score: int


def _candidates(text: str, part: str) -> list[PartHeading]:
    out = []
    for m in _PART_RES[part].finditer(text):
        start, end = m.start(), m.end()
        numbered = bool(m.group("num"))
        line_start = text.rfind("\n", 0, start) + 1
        before = text[line_start:start].strip(" \t\u3000\xa0#*>")
        prev = text[start - 1] if start > 0 else "\n"
        if _LIST_AFTER.match(text, end) and not text.startswith("情况", end - 2):
            continue  # 「…主动公开政府信息情况、收到和处理…」: named in a sentence, not a heading
        if _LIST_AFTER.match(text, end):
            continue
        if prev in "、，,和及与" and not numbered:
            continue
        if not before:
            score = 3 if numbered else 2  # a line of its own
        elif numbered:
            score = 2  # mid-line and numbered: a heading of a page scraped to one line
        elif re.search(r"[\d\s]$", before) or before.endswith(("。", "）", ")")):
            score = 1  # after the figures of the table before it
        else:
            continue  # inside a sentence
        if part == "一" and not numbered and before:
            continue  # 总体情况 is too common a phrase to cut a line at
        eol = text.find("\n", start)
        eol = len(text) if eol < 0 else eol
        eol = max(eol, text.find("\n", end) if "\n" in text[start:end] and text.find("\n", end) >= 0 else eol)
        title = text[start:min(eol, start + 60)] if score >= 2 and before == "" else text[start:end]
        title = re.sub(r"(?<=[、.．）)])\s*\n\s*", "", title).strip(" \t\u3000\xa0#*")
        out.append(PartHeading(part, start, end, title, score))
    return out


def find_parts(text: str) -> list[PartHeading]:
    """The headings of parts 一…六 found in the text, in order (a part not found is left out).

    Among the places each part's words stand as a heading, the choice keeps the parts in order and
    prefers headings on lines of their own and numbered ones (a dynamic programme over the parts)."""
    order = list(PART_CORES)
    cands = [_candidates(text, p) for p in order]
    # best[i][j]: best (score, chain) ending with candidate j of part i; parts may be skipped
    best: list[list[tuple[int, list[PartHeading]]]] = []
    for i, cs in enumerate(cands):
        row = []
        for c in cs:
            prev = max(((s, chain) for pi in range(i) for (s, chain) in best[pi]
                        if chain and chain[-1].end <= c.start), default=(0, []), key=lambda x: x[0])
            row.append((prev[0] + c.score, prev[1] + [c]))
        best.append(row)
    chains = [x for row in best for x in row]
    if not chains:
        return []
    top = max(s for s, _ in chains)
    # among equal scores the chain whose headings come first (a heading before its mention in prose)
    return min((chain for s, chain in chains if s == top), key=lambda ch: [h.start for h in ch])


def sections(text: str) -> list["Section"]:
    """The parts as `Section`s: each from its heading to the next part's heading (or the end)."""
    from .models import Section
    found = find_parts(text)
    return [Section(number=h.number, title=h.title, start=h.start,
                    end=found[i + 1].start if i + 1 < len(found) else len(text)) for i, h in enumerate(found)]


def detect_format(parts: list[PartHeading], text: str, year) -> str:
    """2019 trial format or 2021 format, from table 二's column labels, then the cited notice, then the year."""
    from .layout import FORMAT_2019, FORMAT_2021
    from .stream import normalize_label
    two = next((i for i, h in enumerate(parts) if h.number == "二"), None)
    if two is not None:
        end = parts[two + 1].start if two + 1 < len(parts) else len(text)
        region = normalize_label(text[parts[two].end:end])
        if any(k in region for k in ("本年新制作数量", "对外公开总数量", "上一年项目数量", "本年新公开数量", "本年新制作", "本年增/减")):
            return FORMAT_2019
        if any(k in region for k in ("本年制发件数", "现行有效件数", "本年废止件数")):
            return FORMAT_2021
    if "2019〕60号" in text:
        return FORMAT_2019
    if "2021〕30号" in text:
        return FORMAT_2021
    return FORMAT_2019 if year is not None and year <= 2020 else FORMAT_2021


def table_regions(parts: list[PartHeading], text: str) -> dict[str, tuple[int, int]]:
    """Text spans [start, end) of tables 二, 三 and 四: from each table's heading to the next part's."""
    out = {}
    for i, h in enumerate(parts):
        if h.number in ("二", "三", "四"):
            out[h.number] = (h.end, parts[i + 1].start if i + 1 < len(parts) else len(text))
    return out
