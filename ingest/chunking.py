"""Split a report's narrative into located passages for retrieval.

    >>> chunks = chunk_report(parse_file("data/天津市滨海新区公安局_2022.txt"))
    >>> c = chunks[3]
    >>> c.section, report.text[c.start:c.end] == c.text
    ('1、 总体情况 › （1） 主动公开情况', True)

What is chunked: parts 一, 五 and 六, and any text outside the table parts 二/三/四 (a
preamble before 一, or everything when the parts were not found). Never table text: the
parts 二/三/四, the spans the parsed facts came from, and lines that look like table rows
(several numbers in a row, tab-separated cells) are left out.

How: a paragraph is a run of lines (a PDF wraps lines mid-sentence, so a line break counts as a
paragraph end only after 。；！？： or a blank line, or before a sub-heading); short paragraphs
are merged up to MAX_CHARS, long ones (a web page scraped flat holds a whole part on one line)
are split at sentence ends into pieces of at most MAX_CHARS. A sub-heading — （一）, （1） or
一是… at the start of a line or a sentence — always starts a new chunk, and goes into the
chunk's section path ("一、总体情况 › （二）依申请公开办理情况"). Every chunk's text is a
verbatim slice of report.text (leading/trailing whitespace trimmed), so its offsets cite it.

Pure function of the report: no store, no model.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .loaders import artifact_spans
from .models import Chunk, Report
from .parts import HEADING_RES
from .stream import NUMBER_RE, SPACE

MAX_CHARS = 300  # target size of a chunk, in characters of the source text
MIN_CHARS = 150  # a chunk shorter than this takes in the next 一是/二是… item
PATH_SEP = " › "
TABLE_PARTS = ("二", "三", "四")
NARRATIVE_PARTS = ("一", "五", "六")

_ENDERS = "。；！？!?;"
_CLOSERS = "”’」』）)】》\"'"
_CLAUSE = "：:"
_SOFT_SPLIT = "，,、"
_CN_NUM = "一二三四五六七八九十"
# a converter's leftover before a heading ("[bookmark: _GoBack]（一）存在问题")
# and Markdown's heading marks ("### 三是提高解读效能。")
_MARKUP = r"(?:\[bookmark:[^\]\n]*\]\s*)?(?:#{1,6}\s*)?"
_MARKUP_RE = re.compile(_MARKUP)
# rank 1: （一） or （1） (reports mix the two as siblings); rank 2: 一是… inside them
_PAREN_RE = re.compile(_MARKUP + rf"[（(]\s*(?:[{_CN_NUM}]{{1,3}}|\d{{1,2}})\s*[）)]")
_SHI_RE = re.compile(_MARKUP + rf"[{_CN_NUM}]{{1,2}}\s*是")
_PAGE_NUMBER_RE = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,3}\s*(?:页)?(?:\s*/\s*\d{1,3})?(?:\s*共\s*\d{1,3}\s*页)?[-—–－\s]*$")
_WS_NEWLINE_RE = re.compile(r"\s*\n\s*")


@dataclass
class _Heading:
    rank: int
    title: str


@dataclass
class _Unit:
    """A sentence (or a piece of a long one) inside a paragraph."""

    start: int
    end: int
    para_start: int
    para_end: int
    heading: Optional[_Heading] = None
    heading_only: bool = False  # the unit is nothing but the heading (a heading line)


def chunk_id(report_id: str, start: int) -> str:
    return hashlib.sha256(f"{report_id}:{start}".encode("utf-8")).hexdigest()


def chunk_report(report: Report, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """The report's narrative as chunks, in text order."""
    text = report.text
    excluded = _table_spans(report)
    # export artifacts (「[bookmark: _GoBack]」, page markers): no chunk and no quote holds them — a chunk
    # that would is cut around them — while every offset still points into the original text
    artifacts = artifact_spans(text)
    spans = [(a, b, t, excluded) for a, b, t in _narrative_spans(report, excluded)]
    cells = _cell_spans(report)
    spans += [(a, b, t, cells) for a, b, t in _table_part_prose(report, cells)]
    spans.sort()
    file_name = Path(report.path).name
    out: list[Chunk] = []
    for a, b, part_title, not_here in spans:
        for start0, end0, path in _chunk_span(text, a, b, part_title, not_here, max_chars):
            for start, end in _without(text, start0, end0, artifacts):
                out.append(Chunk(
                    chunk_id=chunk_id(report.report_id, start), report_id=report.report_id, agency=report.agency,
                    year=report.year, file_name=file_name, section=PATH_SEP.join(path), text=text[start:end],
                    start=start, end=end, page=report.page_at(start),
                ))
    return out


def _without(text: str, a: int, b: int, cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[a, b) without the spans in `cut`, as verbatim pieces with their whitespace trimmed."""
    pieces, pos = [], a
    for x, y in cut:
        if y <= pos or x >= b:
            continue
        pieces.append((pos, x))
        pos = max(pos, y)
    pieces.append((pos, b))
    out = []
    for x, y in pieces:
        while x < y and text[x] in SPACE:
            x += 1
        while y > x and text[y - 1] in SPACE:
            y -= 1
        if y > x:
            out.append((x, y))
    return out


# ---- where the narrative is ------------------------------------------------

def _table_spans(report: Report) -> list[tuple[int, int]]:
    """Spans that hold table text: parts 二/三/四, and the extent of each table's parsed cells."""
    spans = [(s.start, s.end) for s in report.sections if s.number in TABLE_PARTS]
    return _merge(spans + _cell_spans(report))


def _cell_spans(report: Report) -> list[tuple[int, int]]:
    """The extent of each table's parsed cells."""
    by_table: dict[str, list[int]] = {}
    for f in report.facts:
        lo_hi = by_table.setdefault(f.table, [f.loc.start, f.loc.end])
        lo_hi[0], lo_hi[1] = min(lo_hi[0], f.loc.start), max(lo_hi[1], f.loc.end)
    return _merge([(lo, hi) for lo, hi in by_table.values() if hi > lo])


_PROSE_END = "。！；"


def _table_part_prose(report: Report, cells: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Sentences a table part prints around its table (「二、主动公开政府信息情况 2019年度，主动公开政府信息
    475条。」): outside the table's cells, not a table row, ended as prose is."""
    text, out = report.text, []
    for part in report.sections:
        if part.number not in TABLE_PARTS:
            continue
        title = _part_title(text, part.start, part.end, part.number, part.title)
        for a, b in _sentences(text, part.start, part.end):
            body = text[a:b].strip(SPACE)
            if (len(body) >= 12 and body[-1] in _PROSE_END and not any(x < b and a < y for x, y in cells)
                    and not any(_is_table_row(line) for line in body.splitlines())):
                out.append((a, b, title))
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _narrative_spans(report: Report, excluded: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, part title) of every stretch of text that is neither a table part nor a table."""
    n = len(report.text)
    # the parts' own boundaries, so that a chunk never runs from one part into the next
    cuts = sorted({0, n, *(s.start for s in report.sections), *(s.end for s in report.sections)})
    titles = {s.start: _part_title(report.text, s.start, s.end, s.number, s.title) for s in report.sections}
    out: list[tuple[int, int, str]] = []
    for a, b in zip(cuts, cuts[1:]):
        part = next((s for s in report.sections if s.start <= a < s.end), None)
        title = titles.get(part.start, "") if part else ""
        if part and part.number in TABLE_PARTS:
            continue
        # what is left of [a, b) once the table spans are cut out
        pos = a
        for x, y in excluded:
            if y <= pos or x >= b:
                continue
            if x > pos:
                out.append((pos, x, title))
            pos = max(pos, y)
        if pos < b:
            out.append((pos, b, title))
    return [(a, b, t) for a, b, t in out if report.text[a:b].strip(SPACE)]


def _part_title(text: str, start: int, end: int, number: str, fallback: str) -> str:
    """The part's heading as printed ("五、存在的主要问题及改进情况"), without the prose after it."""
    body = text[start:end]
    m = HEADING_RES[number].match(body)
    if not m:
        return _clean_title(fallback.split("。")[0][:40])
    tail = re.match(r"(?:及?(?:改进|整改)?情况)?", body[m.end():])
    return _clean_title(body[: m.end() + (tail.end() if tail else 0)])


def _clean_title(s: str) -> str:
    return _WS_NEWLINE_RE.sub("", s).strip(SPACE + "#。：:，,").strip()


# ---- lines, paragraphs, sentences -------------------------------------------

def _lines(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Line spans in [a, b), whitespace-trimmed (empty lines come back empty)."""
    out = []
    pos = a
    while pos < b:
        nl = text.find("\n", pos, b)
        e = b if nl < 0 else nl
        s, t = pos, e
        while s < t and text[s] in SPACE:
            s += 1
        while t > s and text[t - 1] in SPACE:
            t -= 1
        out.append((s, t))
        pos = e + 1
    return out


def _is_table_row(line: str) -> bool:
    cells = [c for c in line.split("\t") if c.strip(SPACE)]
    if len(cells) >= 3 or (len(cells) == 2 and any(NUMBER_RE.match(c.strip(SPACE)) for c in cells)):
        return True
    run = longest = 0  # a table row prints its numbers side by side: "21 0 0 0 0 0 21"
    for t in line.split():
        run = run + 1 if NUMBER_RE.match(t) else 0
        longest = max(longest, run)
    return longest >= 3


def _heading_at(text: str, pos: int, end: int) -> Optional[_Heading]:
    """A sub-heading starting at pos (a line or sentence start), with its title as printed."""
    window = text[pos:min(end, pos + 80)]
    m = _PAREN_RE.match(window)
    if m:
        rank, stops, cap = 1, "。；：:！？!?;\n", 40
    else:
        m = _SHI_RE.match(window)
        if not m:
            return None
        rank, stops, cap = 2, "，,。；：:！？!?;", 30
    title_start = _MARKUP_RE.match(window).end()
    i = m.end()
    while i < len(window) and window[i] in SPACE:
        i += 1
    while i < len(window) and window[i] not in stops and i - title_start < cap:
        if rank == 1 and window[i] in " \u3000\t":  # "（一）主动公开方面 平潭综合实验区切实落实…"
            break
        i += 1
    title = _clean_title(window[title_start:i])
    if rank == 1 and i - title_start >= cap:
        # no punctuation after a run-on heading ("（二）依申请公开方面持续强化服务理念…"): end it at 方面/情况
        run_on = re.search(r"方面|情况", title)
        if run_on:
            title = title[:run_on.end()]
    return _Heading(rank, title) if title else None


def _paragraphs(text: str, a: int, b: int, excluded: list[tuple[int, int]]) -> list[Optional[tuple[int, int]]]:
    """Paragraph spans in [a, b); None marks a table row between them (a chunk must not run across it)."""
    out: list[Optional[tuple[int, int]]] = []
    cur: Optional[list[int]] = None
    prev_end_char = ""
    blank_before = False
    for s, e in _lines(text, a, b):
        line = text[s:e]
        if s == e:
            blank_before = True
            continue
        if _PAGE_NUMBER_RE.match(line):
            continue  # a page header/footer: inside a paragraph it stays (verbatim), it never starts or ends one
        if _is_table_row(line) or any(x < e and s < y for x, y in excluded):
            if cur:
                out.append((cur[0], cur[1]))
            cur = None
            out.append(None)
            continue
        hard = (
            cur is None or blank_before or prev_end_char in _ENDERS + _CLAUSE
            or _heading_at(text, s, e) is not None or _part_heading(line)
        )
        if hard:
            if cur:
                out.append((cur[0], cur[1]))
            cur = [s, e]
        else:
            cur[1] = e
        stripped = line.rstrip(_CLOSERS + SPACE)
        prev_end_char = stripped[-1:] if stripped else ""
        blank_before = False
    if cur:
        out.append((cur[0], cur[1]))
    return out


def _part_heading(line: str) -> bool:
    return any(rx.match(line) for rx in HEADING_RES.values()) and len(line) <= 40


def _sentences(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Sentence spans in [a, b): cut after 。；！？ (with closing quotes), and before a
    sub-heading that follows a colon ("改进：一是…")."""
    cuts = [a]
    i = a
    while i < b:
        ch = text[i]
        if ch in _ENDERS:
            j = i + 1
            while j < b and (text[j] in _CLOSERS or text[j] in _ENDERS):
                j += 1
            while j < b and text[j] in SPACE:
                j += 1
            if j < b:
                cuts.append(j)
            i = j
            continue
        if ch in _CLAUSE:
            j = i + 1
            while j < b and text[j] in SPACE:
                j += 1
            if j < b and _heading_at(text, j, b):
                cuts.append(j)
            i = j
            continue
        i += 1
    cuts.append(b)
    out = []
    for s, e in zip(cuts, cuts[1:]):
        while e > s and text[e - 1] in SPACE:
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _split_long(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    """A sentence longer than max_chars, cut after commas, else every max_chars characters."""
    if b - a <= max_chars:
        return [(a, b)]
    out = []
    start = a
    while b - start > max_chars:
        window = text[start:start + max_chars]
        cut = max(window.rfind(c) for c in _SOFT_SPLIT)
        end = start + cut + 1 if cut >= max_chars // 3 else start + max_chars
        out.append((start, end))
        start = end
        while start < b and text[start] in SPACE:
            start += 1
    if start < b:
        out.append((start, b))
    return out


def _units(text: str, para: tuple[int, int], max_chars: int) -> list[_Unit]:
    ps, pe = para
    units = []
    for s, e in _sentences(text, ps, pe):
        heading = _heading_at(text, s, e)
        pieces = _split_long(text, s, e, max_chars)
        for k, (x, y) in enumerate(pieces):
            u = _Unit(x, y, ps, pe)
            if k == 0 and heading:
                u.heading = heading
            if k == 0 and heading and (heading.rank == 1 or (x, y) == (ps, pe)):
                # a title with nothing after it: a bare （一）… anywhere, 一是… only as a line of its own
                # (an 一是… sentence inside a paragraph is content)
                body = _WS_NEWLINE_RE.sub("", text[x:y]).strip(SPACE + "#。：:，,")
                u.heading_only = len(body) <= len(heading.title.replace(" ", "")) + 2 or body.endswith(heading.title)
            units.append(u)
    return units


# ---- packing -----------------------------------------------------------------

def _chunk_span(text: str, a: int, b: int, part_title: str, excluded: list[tuple[int, int]],
                max_chars: int) -> list[tuple[int, int, list[str]]]:
    """(start, end, section path) of the chunks of one narrative stretch."""
    out: list[tuple[int, int, list[str]]] = []
    subpath: list[_Heading] = []
    cur: Optional[list[int]] = None  # [start, end] of the chunk being filled
    cur_path: list[str] = []
    cur_heading_only = False  # the current chunk holds nothing but headings so far

    def path(max_rank: int = 99) -> list[str]:
        return ([part_title] if part_title else []) + [h.title for h in subpath if h.rank <= max_rank]

    def flush() -> None:
        nonlocal cur, cur_heading_only
        if cur and not cur_heading_only:  # a heading with nothing under it is no passage
            out.append((cur[0], cur[1], cur_path))
        cur, cur_heading_only = None, False

    first_para = True
    for para in _paragraphs(text, a, b, excluded):
        if para is None:
            flush()
            continue
        part_heading_only = first_para and bool(part_title) and _clean_title(text[para[0]:para[1]]) == part_title
        first_para = False
        for u in _units(text, para, max_chars):
            if u.heading and u.heading.title == part_title:
                u.heading = None  # the part's own title, printed the way a sub-heading is ("（一）主要问题")
            if u.heading:
                # short 一是…/二是… items share a chunk, filed under what they are items of
                share = (cur is not None and not cur_heading_only and u.heading.rank == 2
                         and cur[1] - cur[0] < MIN_CHARS and u.end - cur[0] <= max_chars)
                if cur and not cur_heading_only and not share:
                    flush()
                while subpath and subpath[-1].rank >= u.heading.rank:
                    subpath.pop()
                subpath.append(u.heading)
                if share:
                    cur_path = path(max_rank=1)
                elif cur is not None:  # a chunk that so far holds only headings takes the deeper path
                    cur_path = path()
            elif cur and cur_heading_only:
                pass  # a heading stays with the text under it
            elif cur and u.start == u.para_start and u.para_end - cur[0] > max_chars:
                flush()  # the next paragraph does not fit whole: start it in a chunk of its own
            elif cur and u.end - cur[0] > max_chars:
                flush()
            if cur is None:
                cur = [u.start, u.end]
                cur_path = path()
                cur_heading_only = bool(u.heading_only or part_heading_only)
            else:
                cur[1] = u.end
                cur_heading_only = cur_heading_only and bool(u.heading_only)
    flush()
    return out
