"""Align a region's token stream to the rows of a table of the format.

The rows of the format come in a fixed order, and so do their printed labels and values, however
the lines break. Alignment has three steps:

1. **Anchors.** Each row's label is looked for in the region's label text (every label fragment
   joined, values taken out, so a label wrapped at any character or split around its values reads
   whole). Exact words first — the label, or a shorter form reports print; a short label (「3.其他」
   「（七）总计」) only with its item number — then, between two anchored rows, a typo (「其他法律行政
   止公开」). A dynamic programme keeps the anchors in the format's order and prefers labels printed
   beside their values; a label out of order is left out rather than forcing the order.
2. **Claims.** A row's values are the values between its label and the next anchored label (or,
   in a table printed with each label after its values, between the label before and its own). In
   a real grid (Word, HTML, Markdown) a row's values are those printed in the label's own grid row.
3. **Rows without labels.** Grid rows that print values and no label (a PDF converted to Markdown
   breaks labels from values) fill the rows between two rows read with their labels, in order, only
   when their number is exactly the number of rows missing there. A figure is never shifted into
   another row: rows that cannot be placed stay unread.

    >>> from ingest.layout import table2_blocks
    >>> from ingest.stream import Tok
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Optional, Sequence

from .layout import RowSpec
from .models import Location
from .stream import Tok, Token, normalize_label

_CJK = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def _words(text: str) -> str:
    return "".join(_CJK.findall(text))


def _core(spec: RowSpec) -> str:
    label = spec.label
    if spec.number and label.startswith(spec.number):
        label = label[len(spec.number):]
    return _words(label)


@dataclass
class Anchor:
    spec: int  # index into the specs
    start: int  # char offsets in the label text
    end: int
    first_tok: int  # stream index of its first label fragment
    last_tok: int
    kind: str  # "exact" | "fuzzy"
    score: float = 0.0
    bound: bool = False


@dataclass
class AlignedRow:
    """One row of the format as found: its printed label, its values, and how it was placed."""

    spec: RowSpec
    printed: str
    values: list[Token]
    label_loc: Optional[Location]
    how: str  # "label" | "fuzzy" | "position" | "blank" (a label printed without any figure)
    label_end: Optional[int] = None


@dataclass
class Alignment:
    rows: dict[str, AlignedRow] = field(default_factory=dict)
    lost_runs: int = 0  # rows of values that could not be placed
    score: float = 0.0
    label_after: bool = False
    mode_known: bool = True  # the text tells whether its labels stand before or after their figures
    ambiguous_side: bool = False  # it did not, and rows read differently either way were left out


class _LabelText:
    """Label fragments joined: the words only (CJK and letters) and the normalized text (with item
    numbers and brackets), each character mapped back to its fragment in the stream."""

    def __init__(self, toks: Sequence[Tok]):
        words, norm, wmap, nmap = [], [], [], []
        self.prose: list[bool] = []  # per word: inside a sentence (a 「。」 follows in its fragment)
        for i, t in enumerate(toks):
            if t.kind != "label":
                continue
            label = normalize_label(t.text)
            last_stop = max(label.rfind("。"), label.rfind("；"))
            for k, ch in enumerate(label):
                norm.append(ch)
                nmap.append(i)
                if _CJK.match(ch):
                    words.append(ch)
                    wmap.append(i)
                    self.prose.append(k < last_stop)
        self.words, self.norm = "".join(words), "".join(norm)
        self.wmap, self.nmap = wmap, nmap
        # where each normalized character stands among the words
        self.n2w = []
        w = 0
        for ch in self.norm:
            self.n2w.append(w)
            if _CJK.match(ch):
                w += 1


def _number_pattern(number: str) -> str:
    n = normalize_label(number).rstrip(".、")
    if n.startswith("（"):
        inner = n.strip("（）")
        return rf"(?:（{inner}）|{inner}[、.])"
    return rf"{re.escape(n)}[.、]?"


def _exact(text: _LabelText, spec: RowSpec) -> list[tuple[int, int, float]]:
    """(start, end, score) in word offsets of every exact occurrence of the row's label."""
    out = []
    core = _core(spec)
    if len(core) <= 3:
        # 「3.其他」「（七）总计」「规章」: too short to stand alone among other labels' words; the item
        # number (where the format prints one) must stand before them
        if spec.number:
            rx = re.compile(_number_pattern(spec.number) + re.escape(core) + r"(?![\u4e00-\u9fff]{0,1}(?:法律|处理|对外|组织))")
        else:
            rx = re.compile(re.escape(core) + r"(?!制度)")
        for m in rx.finditer(text.norm):
            ws = text.n2w[m.end() - 1] + 1 - len(core)
            out.append((ws, ws + len(core), 2.0))
        return out
    forms = [(core, 2.0)] + [(_words(a), 1.5) for a in spec.aliases if len(_words(a)) >= 4]
    for form, score in forms:
        pos = text.words.find(form)
        while pos >= 0:
            if not any(s <= pos < e for s, e, _ in out):
                out.append((pos, pos + len(form), score))
            pos = text.words.find(form, pos + 1)
    return out


def _fuzzy(text: _LabelText, spec: RowSpec, lo: int, hi: int) -> Optional[tuple[int, int, float]]:
    """The best near match of the row's label among the words [lo, hi) (a typo, words interleaved
    with another label's), when it is close: ratio ≥ 0.8 and the same first two characters."""
    core = _core(spec)
    if len(core) < 4 or hi - lo < 3:
        return None
    best = None
    window = text.words[lo:hi]
    for i in range(len(window)):
        if window[i:i + 2] != core[:2]:
            continue
        for n in range(max(3, len(core) - 4), len(core) + 5):
            piece = window[i:i + n]
            if len(piece) < n:
                break
            r = SequenceMatcher(None, core, piece).ratio()
            if r >= 0.8 and (best is None or r > best[2]):
                best = (lo + i, lo + i + n, r)
    return best


def _bound(stream: Sequence[Tok], first: int, last: int, next_start: int) -> bool:
    """Is a value printed beside this label: in its own grid row, or (running text) right after
    it, before the next row's label?"""
    grid = stream[last].grid
    if grid is None:
        nxt = next((t for t in stream[last + 1:] if t.kind != "skip"), None)
        return nxt is not None and nxt.kind == "value" and nxt.grid is None
    return any(t.kind == "value" and t.grid == grid for t in stream[last + 1:next_start])


def _chain(cands: list[Anchor]) -> list[Anchor]:
    """The best set of anchors in the format's order and the text's order (at most one per row)."""
    cands = sorted(cands, key=lambda a: (a.start, a.spec))
    best: list[tuple[float, int]] = []  # per candidate: (score of the best chain ending here, previous)
    for j, c in enumerate(cands):
        top, prev = c.score, -1
        for i in range(j):
            p = cands[i]
            if p.spec < c.spec and p.end <= c.start and best[i][0] + c.score > top:
                top, prev = best[i][0] + c.score, i
        best.append((top, prev))
    if not best:
        return []
    j = max(range(len(best)), key=lambda k: (best[k][0], -k))
    out = []
    while j >= 0:
        out.append(cands[j])
        j = best[j][1]
    return out[::-1]


def find_anchors(stream: Sequence[Tok], specs: Sequence[RowSpec], groups: Optional[Sequence[int]] = None) -> list[Anchor]:
    """The rows' labels found in the stream. `groups` (a group number per spec) lets groups of rows
    stand in any order among themselves (table 二's blocks: a converter may move one), each group's
    rows in their order."""
    if groups is not None and len(set(groups)) > 1:
        out = []
        for g in sorted(set(groups)):
            idx = [i for i, x in enumerate(groups) if x == g]
            for a in find_anchors(stream, [specs[i] for i in idx]):
                a.spec = idx[a.spec]
                out.append(a)
        out.sort(key=lambda a: a.start)
        # two groups' anchors on the same words: the better one stays
        kept: list[Anchor] = []
        for a in out:
            if kept and a.start < kept[-1].end:
                if a.score > kept[-1].score:
                    kept[-1] = a
                continue
            kept.append(a)
        return kept
    text = _LabelText(stream)
    if not text.words:
        return []

    def anchor(i: int, s: int, e: int, score: float, kind: str) -> Anchor:
        return Anchor(i, s, e, text.wmap[s], text.wmap[e - 1], kind, score)

    # a row's words inside a sentence of the prose (「…行政处罚类12条。」) are no label
    cands = [anchor(i, s, e, sc, "exact") for i, spec in enumerate(specs) for s, e, sc in _exact(text, spec)
             if not text.prose[s]]
    for c in cands:
        c.bound = _bound(stream, c.first_tok, c.last_tok, len(stream))
    # a label beside its values weighs more than the same words elsewhere (a heading over its row,
    # a label printed apart from the values of a PDF converted to Markdown)
    def weigh(cs: list[Anchor]) -> None:
        starts = sorted({c.first_tok for c in cs})
        for c in cs:
            nxt = next((s for s in starts if s > c.last_tok), len(stream))
            c.bound = _bound(stream, c.first_tok, c.last_tok, nxt)
            c.score = (2.0 if c.kind == "exact" else 1.0) * (1.0 if c.score >= 2 or c.kind != "exact" else 0.75) + (0.5 if c.bound else 0)

    weigh(cands)
    chosen = _chain(cands)
    # typos: a row missing between two anchored ones, looked for in the words between them
    extra = []
    for i, spec in enumerate(specs):
        if any(a.spec == i for a in chosen):
            continue
        before = max((a for a in chosen if a.spec < i), key=lambda a: a.spec, default=None)
        after = min((a for a in chosen if a.spec > i), key=lambda a: a.spec, default=None)
        lo = before.end if before else 0
        hi = after.start if after else len(text.words)
        hit = _fuzzy(text, spec, lo, hi)
        if hit and not text.prose[hit[0]]:
            extra.append(anchor(i, hit[0], hit[1], 1.0, "fuzzy"))
    if extra:
        cands = chosen + extra
        weigh(cands)
        chosen = _chain(cands)
    return chosen


def _block_sides(stream: Sequence[Tok], anchors: Sequence[Anchor], values: Sequence[int],
                 groups: Optional[Sequence[int]]) -> tuple[int, int]:
    """Where a table is printed in blocks, each under a heading of its own (table 二's 「第二十条第（五）项
    信息内容 本年处理决定数量」), the heading between two blocks says which side their labels' figures
    stand on: figures after the heading and before the next block's first label are that label's (labels
    after their figures); figures after the last label of a block and before the next heading are that
    label's (labels before). Counts the (after, before) block boundaries that say so, one way only."""
    after = before = 0
    if groups is None:
        return 0, 0
    for a, b in zip(anchors, anchors[1:]):
        if groups[a.spec] == groups[b.spec]:
            continue
        heading = [i for i in range(a.last_tok + 1, b.first_tok) if stream[i].kind == "label"]
        if not heading:
            continue
        gap = [i for i in values if a.last_tok < i < b.first_tok]
        early = [i for i in gap if i < heading[0]]
        late = [i for i in gap if i > heading[-1]]
        inside = [i for i in gap if heading[0] < i < heading[-1]]
        if inside or (early and late):
            continue
        after += bool(late)
        before += bool(early)
    return after, before


def align(stream: Sequence[Tok], specs: Sequence[RowSpec], groups: Optional[Sequence[int]] = None,
          labels_after: Optional[bool] = None) -> Alignment:
    """Assign the stream's values to the rows of the format (see the module's docstring).

    `labels_after`: whether the labels stand after their figures; None reads it from the text (figures
    before the first label and none after the last: after; figures after the last label: before). Where
    the text does not tell (no figure before the first label nor after the last), `mode_known` is False
    and the caller compares both alignments."""
    out = Alignment()
    anchors = find_anchors(stream, specs, groups)
    out.score = sum(a.score for a in anchors)
    if not anchors:
        return out
    values = [i for i, t in enumerate(stream) if t.kind == "value"]
    grid_values = [i for i in values if stream[i].grid is not None]
    if values and len(grid_values) >= 0.8 * len(values):
        # a table printed as a grid has its cells in the grid: a figure in the running text around
        # it is a broken label's item number or a note's
        values = grid_values
    starts = [a.first_tok for a in anchors]
    bounds = starts[1:] + [len(stream)]
    before_first = [i for i in values if i < starts[0]]
    after_last = [i for i in values if i > anchors[-1].last_tok]
    # a table printed with each label after its values: figures before the first label, none after the last
    plain_before = [i for i in before_first if stream[i].grid is None]
    plain_after = [i for i in after_last if stream[i].grid is None]
    # a real grid says which label a figure is beside — where its labels stand in rows of their own (a
    # text whose lines the loader joined into one "row" says nothing)
    label_rows = [stream[a.last_tok].grid for a in anchors]
    own_row = sum(1 for g in label_rows if g is not None and label_rows.count(g) == 1)
    in_grid = any(stream[i].grid is not None for i in values) and own_row >= max(2, 0.8 * len(anchors))
    if labels_after is not None:
        out.label_after = labels_after and not in_grid
    else:
        after_seen, before_seen = _block_sides(stream, anchors, values, groups)
        after_seen += bool(plain_before)
        before_seen += bool(plain_after)
        out.label_after = bool(after_seen) and not before_seen and not in_grid
        out.mode_known = in_grid or bool(after_seen) != bool(before_seen)
    runs: list[tuple[int, list[int]]] = []  # unlabeled grid runs: (stream position, value indices)
    claimed: dict[int, list[int]] = {}
    for n, a in enumerate(anchors):
        if out.label_after:
            # the figures before its label, and any printed inside it (「行 / 17 / 政许可」): the label's own
            lo = anchors[n - 1].last_tok if n else -1
            own = [i for i in values if lo < i < a.last_tok]
        else:
            own = [i for i in values if a.first_tok < i < bounds[n]]
        mine, rest = [], []
        grid = stream[a.last_tok].grid
        for i in own:
            g = stream[i].grid
            if g is None or g == grid:
                mine.append(i)
            else:
                rest.append(i)
        claimed[n] = mine
        for g in sorted({stream[i].grid for i in rest}, key=lambda g: min(i for i in rest if stream[i].grid == g)):
            idx = [i for i in rest if stream[i].grid == g]
            runs.append((idx[0], idx))
    # grid rows of values before the first label (a label printed below its row's figures)
    if not out.label_after:
        for g in sorted({stream[i].grid for i in before_first if stream[i].grid is not None}):
            idx = [i for i in before_first if stream[i].grid == g]
            runs.append((idx[0], idx))
    runs.sort()
    # a run of one or two figures is no row of the table (a stray item number of a broken label)
    runs = [r for r in runs if len(r[1]) >= 3 or sum(len(stream[i].text) for i in r[1]) >= 3]
    located: list[tuple[int, int]] = []  # (spec index, stream position of its values) of rows read with labels
    for n, a in enumerate(anchors):
        spec = specs[a.spec]
        mine = claimed[n]
        printed = " ".join(stream[i].text for i in range(a.first_tok, a.last_tok + 1) if stream[i].kind == "label")
        label_loc = stream[a.last_tok].loc
        if mine:
            out.rows[spec.key] = AlignedRow(spec, printed, [stream[i].token for i in mine], label_loc,
                                            "label" if a.kind == "exact" else "fuzzy", label_end=stream[a.last_tok].loc.end)
            located.append((a.spec, mine[0]))
    # rows without labels fill the gaps between rows read with their labels, when the counts agree
    used = set()
    edges = [(-1, -1)] + sorted(located) + [(len(specs), len(stream))]
    for (s0, p0), (s1, p1) in zip(edges, edges[1:]):
        gap = [k for k in range(s0 + 1, s1) if specs[k].key not in out.rows]
        pool = [r for r in runs if p0 < r[0] < p1]
        if pool and len(pool) == len(gap):
            for k, (_, idx) in zip(gap, pool):
                spec = specs[k]
                out.rows[spec.key] = AlignedRow(spec, "", [stream[i].token for i in idx], None, "position")
                used.update(idx[0] for _ in [0])
                used.add(idx[0])
    out.lost_runs = sum(1 for r in runs if r[0] not in used)
    # a label printed with no figure at all, in a table whose rows carry their own figures: a row of blanks
    if not runs:
        for n, a in enumerate(anchors):
            spec = specs[a.spec]
            if spec.key in out.rows:
                continue
            if any(stream[i].kind == "skip" for i in range(a.first_tok, bounds[n])):
                continue  # 「— 4 —」 where its figures would stand: a page number, or its figures? not a blank row
            printed = " ".join(stream[i].text for i in range(a.first_tok, a.last_tok + 1) if stream[i].kind == "label")
            out.rows[spec.key] = AlignedRow(spec, printed, [], stream[a.last_tok].loc, "blank")
    return out
