"""Which cells of a rendered report the printed text and the format's arithmetic determine.

A careful reader of a rendering knows the national format (the rows, their cells, the 勾稽关系) and
sees the text. From the pieces a `grammar.Rendering` printed, this module rebuilds what that reader
sees of each table — the row labels in order (anchors), table 二's block headers (a row never
crosses one), and the figures as visible tokens: a run of digits where cells ran together, 「—」,
「/」, an empty cell between two tabs or on a line of its own — and enumerates every reading of them
consistent with the operations the rendering used on that table:

- digits of adjacent cells run together (some separator was none): a token may be cut anywhere
  into valid numbers (no leading zeros, a sign only first and only in 本年增/减, a decimal point
  only in a 万元 cell);
- blanks dropped (a zero printed as nothing, or an empty cell no border shows): any cell may be a
  dropped 0;
- repeated lines dropped: each printed line may stand for a run of equal cells, and the last line
  of one row may also be the first of the next;
- a label after its values (some row did it): each row's figures lie after its label or before it.

A reading of the table picks, for every row, a side, the tokens it takes and their cells, such that
every token belongs to a row and the table's arithmetic holds (table 三: each row's 总计, the column
balance 一 + 二 = （七） + 四, （七） = the sum of the results; table 四: each group's 总计; table 二 has
none). A cell is determined when every reading gives it the same value. This is exact: each row's
candidate readings are enumerated, then each candidate is kept only if some full reading of the
table uses it (a search with the arithmetic's bounds).

Conservative where exactness would cost too much: a row with more candidate readings than
`ROW_LIMIT` (a long run of digits cut every way, with drops), a search that exceeds its budget, or a
row whose label the text lost are not enumerated — their cells are "unmodelled" (never counted as
determined), and the rules and neighbours touching them are left out, which only adds readings.
Page markers, repeated headers, merged group labels and wrapped label ends are treated as noise
(not as row borders), which also only adds readings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Optional

from ingest.layout import T3_COLUMNS, table2_blocks

from .grammar import Rendering
from .render import Key, T3_OUTSIDE_RESULTS, is_money

ROW_LIMIT = 20_000  # steps of one row's enumeration
SEARCH_BUDGET = 150  # nodes of one search for a reading (each node propagates the rules)
TABLE_BUDGET = 800  # nodes of all the searches of one table; past it, candidates left unsearched are kept
ZERO = Decimal(0)


@dataclass
class Tok:
    text: str
    kind: str  # num | mark | empty


@dataclass
class CellReading:
    values: Optional[frozenset]  # every value the readings give (None: unmodelled)
    exact: bool
    row: frozenset = frozenset()  # the readings of its whole row (tuples of its row's cells), where modelled
    col: int = -1  # its place in those tuples

    @property
    def determined(self) -> bool:
        return self.exact and self.values is not None and len(self.values) == 1


class _TooMany(Exception):
    pass


_NUM = re.compile(r"[+-]?(?:0|[1-9]\d*)(?:\.\d+)?")


def _cell_kind(key: Key, fmt: str) -> str:
    if key[2] == "本年增减":
        return "signed"
    if key[0] == "二":
        for b in table2_blocks(fmt):
            for c in b.columns:
                if c.key == key[2] and any(r.key == key[1] for r in b.rows) and is_money(b, c):
                    return "money"
    return "int"


def _fits(s: str, kind: str) -> bool:
    if kind == "int":
        return s[0] not in "+-" and "." not in s
    if kind == "signed":
        return "." not in s
    return s[0] not in "+-"


def _splits(text: str, fuse: bool, most: int) -> list[list[str]]:
    """The ways a token of digits may be cut into numbers (one way when nothing ran together)."""
    if not fuse:
        return [[text]] if _NUM.fullmatch(text) else []
    out: list[list[str]] = []

    def rec(pos: int, acc: list[str]) -> None:
        if len(out) > ROW_LIMIT:
            raise _TooMany
        if pos == len(text):
            out.append(list(acc))
            return
        if len(acc) >= most:
            return
        for end in range(pos + 1, len(text) + 1):
            if _NUM.fullmatch(text[pos:end]) and not (end < len(text) and text[end] == "."):
                rec(end, acc + [text[pos:end]])

    rec(0, [])
    return out


def row_readings(kinds: list[str], toks: list[Tok], fuse: bool, drop: bool, dedupe: bool,
                 row_ok: Callable[[tuple], bool]) -> set[tuple]:
    """Every tuple of cell values the tokens may print. Raises _TooMany past ROW_LIMIT steps.

    Memoised on (token, cell): the readings of the cells from a cell on, with the tokens from a token
    on, are built once, so a row whose tokens allow many placements of equal values (blanks and 0s
    anywhere among fifteen cells) costs what its distinct readings cost."""
    n = len(kinds)
    opts = [[["0"]] if t.kind != "num" else _splits(t.text, fuse, n) for t in toks]
    steps = [0]
    memo: dict = {}

    def count(k: int) -> None:
        steps[0] += 1 + k
        if steps[0] > ROW_LIMIT * 10:
            raise _TooMany

    def suf(ti: int, ci: int) -> frozenset:
        key = ("r", ti, ci)
        if key in memo:
            return memo[key]
        res: set = set()
        if n - ci >= len(toks) - ti:  # every token left needs a cell
            if drop and ci < n:
                res |= {(ZERO,) + x for x in suf(ti, ci + 1)}
            if ti == len(toks):
                if ci == n:
                    res.add(())
            else:
                for sp in opts[ti]:
                    for r in (range(1, (n - ci) // len(sp) + 1) if dedupe else (1,)):
                        res |= place(ti, tuple(sp * r), 0, ci)
        count(len(res))
        memo[key] = frozenset(res)
        return memo[key]

    def place(ti: int, parts: tuple, pi: int, ci: int) -> frozenset:
        """The numbers of one token in consecutive cells, but for blanks dropped between them
        (「4」, a vanished blank, 「4」 print 「44」)."""
        if pi == len(parts):
            return suf(ti + 1, ci)
        key = ("p", ti, parts, pi, ci)
        if key in memo:
            return memo[key]
        res: set = set()
        if n - ci >= len(parts) - pi + len(toks) - ti - 1:
            if pi > 0 and drop:
                res |= {(ZERO,) + x for x in place(ti, parts, pi, ci + 1)}
            if _fits(parts[pi], kinds[ci]):
                v = Decimal(parts[pi])
                res |= {(v,) + x for x in place(ti, parts, pi + 1, ci + 1)}
        count(len(res))
        memo[key] = frozenset(res)
        return memo[key]

    return {x for x in suf(0, 0) if row_ok(x)}


# ---- what the reader sees of one table ----------------------------------------------------------


def _items(r: Rendering, table: str) -> tuple[list, bool, bool]:
    """The table's anchors, barriers and visible tokens in order; whether digits ran together, and
    whether a cell vanished (an empty cell no border shows)."""
    items: list = []
    fused = vanished = False
    pieces = r.pieces
    gap: Optional[str] = None  # the visible text since the last digit token (None: something else came between)
    for i, (p, sep) in enumerate(pieces):
        if p.table != table:
            continue
        prev_sep = pieces[i - 1][1] if i else "\n"
        if p.kind == "value":
            if p.text == "":
                visible = ("\t" in prev_sep and "\t" in sep) or ("\n" in prev_sep and "\n" in sep)
                if not visible:
                    vanished = True
                    if gap is not None:
                        gap += sep
                    continue
                items.append(("tok", Tok("", "empty")))
                gap = None
            elif _NUM.fullmatch(p.text):
                if gap == "" and items and items[-1][0] == "tok" and items[-1][1].kind == "num":
                    items[-1][1].text += p.text
                    fused = True
                else:
                    items.append(("tok", Tok(p.text, "num")))
                gap = sep
            else:
                items.append(("tok", Tok(p.text, "mark")))
                gap = None
        elif p.kind == "label":
            items.append(("anchor", p.row))
            gap = None
        elif p.kind == "block":
            items.append(("barrier", None))
            gap = None
        else:
            gap = None  # noise: header, page marker, merged or wrapped label text
    return items, fused, vanished


def _rules(table: str, rows: list[list[Key]]) -> tuple[Callable[[int, tuple], bool], list[list[tuple[int, int, int]]]]:
    """A row's own rule (a check of one row's values) and the rules across rows: [(row, cell, coef)]."""
    index = {keys[0][1]: i for i, keys in enumerate(rows) if keys}

    def row_ok(i: int, v: tuple) -> bool:
        if table == "三":
            return sum(v[:6]) == v[6]
        if table == "四":
            return all(sum(v[g:g + 4]) == v[g + 4] for g in (0, 5, 10))
        return True

    across: list[list[tuple[int, int, int]]] = []
    if table == "三":
        results = [i for k, i in index.items() if k not in T3_OUTSIDE_RESULTS and k != "总计"]
        for j in range(len(T3_COLUMNS)):
            across.append([(index["新收"], j, 1), (index["上年结转"], j, 1), (index["总计"], j, -1),
                           (index["结转下年度"], j, -1)])
            across.append([(i, j, 1) for i in results] + [(index["总计"], j, -1)])
    return row_ok, across


def _determine_table(r: Rendering, table: str) -> dict[Key, CellReading]:
    rows = r.value_rows[table]
    ops = r.ops[table]
    items, fuse, vanished = _items(r, table)
    drop = ops.dropped > 0 or vanished
    dedupe = ops.repeats_dropped > 0
    kinds = [[_cell_kind(k, r.truth.format_version) for k in keys] for keys in rows]
    row_ok, across = _rules(table, rows)
    unmodelled = {k: CellReading(None, False) for keys in rows for k in keys}

    # segments of tokens between boundaries (anchors and barriers)
    segments: list[list[Tok]] = [[]]
    bounds: list = []  # bounds[s] is the boundary after segment s
    for kind, x in items:
        if kind == "tok":
            segments[-1].append(x)
        else:
            bounds.append((kind, x))
            segments.append([])
    anchors = [x for kind, x in bounds if kind == "anchor"]
    if not anchors:
        if len(rows) != 1:
            return unmodelled
        toks = [t for s in segments for t in s]
        try:
            vals = row_readings(kinds[0], toks, fuse, drop, dedupe, lambda v: row_ok(0, v))
        except _TooMany:
            return unmodelled
        return _cells(rows, [[("before", len(toks), v) for v in vals]], [None], r)
    if anchors != list(range(len(rows))):
        return unmodelled  # a label the text lost (or printed twice): not modelled
    at = {x: b for b, (kind, x) in enumerate(bounds) if kind == "anchor"}  # row -> its boundary's index
    # a table prints all its labels on one side of their figures; a reader knows which only where the text
    # tells (figures before the first label or after a block's last): every side with a reading counts
    kept: list = [[] for _ in rows]
    inexact = [False] * len(rows)
    for side in ("before", "after"):
        got = _one_side(side, rows, segments, bounds, at, kinds, fuse, drop, dedupe, row_ok, across, r)
        if got is None:
            continue  # no reading of the table puts its figures on this side
        for i, (k, x) in enumerate(zip(*got)):
            if k is None or kept[i] is None:
                kept[i] = None
            else:
                kept[i] = sorted(set(kept[i]) | set(k), key=repr)
            inexact[i] = inexact[i] or x
    return _cells(rows, kept, inexact, r)


def _one_side(side, rows, segments, bounds, at, kinds, fuse, drop, dedupe, row_ok, across, r):
    """The candidates some full reading uses, with every label on `side` of its figures (None: none)."""
    sides = (side,)
    domains: list[Optional[list[tuple]]] = []
    for i in range(len(rows)):
        b = at[i]
        left, right = segments[b], segments[b + 1]
        left_owned = b == 0 or bounds[b - 1][0] != "anchor"  # only this row may take the tokens before its label
        right_owned = b + 1 == len(bounds) or bounds[b + 1][0] != "anchor"
        dom: list[tuple] = []
        try:
            for side in sides:
                seg, owned_other = (right, left_owned) if side == "before" else (left, right_owned)
                ks = [len(seg)] if (right_owned if side == "before" else left_owned) else range(len(seg) + 1)
                if owned_other and (left if side == "before" else right):
                    continue  # the tokens on the other side would belong to no row
                for k in ks:
                    toks = seg[:k] if side == "before" else seg[len(seg) - k:]
                    for v in row_readings(kinds[i], toks, fuse, drop, dedupe, lambda v, i=i: row_ok(i, v)):
                        dom.append((side, k, v))
        except _TooMany:
            domains.append(None)
            continue
        domains.append(sorted(set(dom), key=repr))

    def compatible(i: int, a: tuple, b: tuple) -> bool:
        """Rows i and i+1 share the tokens between their labels: together they take all of them."""
        g = len(segments[at[i] + 1])
        ka = a[1] if a[0] == "before" else 0
        kb = b[1] if b[0] == "after" else 0
        return ka + kb == g or (dedupe and ka > 0 and kb > 0 and ka + kb == g + 1)

    shares = [i + 1 < len(rows) and at[i + 1] == at[i] + 1 and domains[i] is not None and domains[i + 1] is not None
              for i in range(len(rows))]
    if any(d is not None and not d for d in domains):
        return None  # a row no reading on this side can take
    kept, inexact = _solve(rows, domains, shares, compatible, across, r)
    if any(k is not None and not k for k in kept):
        return None
    return kept, inexact


MAX_SUMS = 5_000  # a rule whose partial sums exceed this is not used to prune (the search still checks it)


def _solve(rows, domains, shares, compatible, across, r: Rendering) -> dict[Key, CellReading]:
    """Keep each row's candidates that some full reading uses; the cells' values over what is kept.

    For each candidate not yet seen in a reading, a search for a reading that uses it: maintaining
    arc consistency on the chain of rows sharing tokens and generalised arc consistency on each rule
    (the sums the other rows can still make), so the arithmetic decides early."""
    m = len(rows)
    live = [i for i in range(m) if domains[i] is not None]
    rules = [rule for rule in across if all(domains[i] is not None for i, _, _ in rule)]
    contrib: list[dict[int, list[Decimal]]] = []  # per rule, per row, per candidate
    for rule in rules:
        per = {}
        for i in sorted({ri for ri, _, _ in rule}):
            cells = [(j, coef) for ri, j, coef in rule if ri == i]
            per[i] = [sum((coef * e[2][j] for j, coef in cells), ZERO) for e in domains[i]]
        contrib.append(per)
    links = [i for i in live if shares[i]]

    def propagate(dom: dict[int, list[int]]) -> bool:
        changed = True
        while changed:
            changed = False
            for i in links:
                a, b = dom[i], dom[i + 1]
                na = [x for x in a if any(compatible(i, domains[i][x], domains[i + 1][y]) for y in b)]
                nb = [y for y in b if any(compatible(i, domains[i][x], domains[i + 1][y]) for x in na)]
                if not na or not nb:
                    return False
                if len(na) < len(a) or len(nb) < len(b):
                    dom[i], dom[i + 1], changed = na, nb, True
            for per in contrib:
                order = list(per)
                sets = [{per[i][e] for e in dom[i]} for i in order]
                prefix, ok = [{ZERO}], True
                for st in sets:
                    nxt = {x + y for x in prefix[-1] for y in st}
                    if len(nxt) > MAX_SUMS:
                        ok = False
                        break
                    prefix.append(nxt)
                if not ok:
                    continue
                if ZERO not in prefix[-1]:
                    return False
                suffix = [{ZERO}]
                for st in reversed(sets):
                    suffix.append({x + y for x in suffix[-1] for y in st})
                suffix.reverse()
                for pos, i in enumerate(order):
                    if len(dom[i]) == 1:
                        continue
                    before, after = prefix[pos], suffix[pos + 1]
                    if len(before) * len(after) > MAX_SUMS * 4:
                        continue
                    need = {-(x + y) for x in before for y in after}
                    keep = [e for e in dom[i] if per[i][e] in need]
                    if not keep:
                        return False
                    if len(keep) < len(dom[i]):
                        dom[i], changed = keep, True
        return True

    def search(dom: dict[int, list[int]], nodes: list[int]) -> Optional[dict[int, int]]:
        nodes[0] += 1
        if nodes[0] > SEARCH_BUDGET:
            raise _TooMany
        if not propagate(dom):
            return None
        open_rows = [i for i in live if len(dom[i]) > 1]
        if not open_rows:
            sol = {i: dom[i][0] for i in live}
            if all(sum((per[i][sol[i]] for i in per), ZERO) == 0 for per in contrib):
                return sol
            return None
        i = min(open_rows, key=lambda k: len(dom[k]))
        for e in dom[i]:
            sub = {k: list(v) for k, v in dom.items()}
            sub[i] = [e]
            sol = search(sub, nodes)
            if sol is not None:
                return sol
        return None

    supported: list[set[int]] = [set() for _ in range(m)]
    inexact: set[int] = set()
    full = {i: list(range(len(domains[i]))) for i in live}
    if not propagate(full):
        full = {i: [] for i in live}  # no reading at all (the truth check below reports it)
    spent = 0
    for i in live:
        for e in full[i]:
            if e in supported[i]:
                continue
            dom = {k: list(v) for k, v in full.items()}
            dom[i] = [e]
            nodes = [0 if spent < TABLE_BUDGET else SEARCH_BUDGET]
            try:
                sol = search(dom, nodes)
            except _TooMany:
                supported[i].add(e)  # unknown: kept, which only adds readings
                inexact.add(i)
                continue
            finally:
                spent += nodes[0]
            if sol is None:
                full[i] = [x for x in full[i] if x != e]  # no reading uses it
            else:
                for j, x in sol.items():
                    supported[j].add(x)
    kept = [None if domains[i] is None else [domains[i][e] for e in sorted(supported[i])] for i in range(m)]
    return kept, [i in inexact for i in range(m)]


def _cells(rows, kept, inexact, r: Rendering) -> dict[Key, CellReading]:
    out: dict[Key, CellReading] = {}
    for i, keys in enumerate(rows):
        if kept[i] is None:
            out.update({k: CellReading(None, False) for k in keys})
            continue
        truth = tuple(Decimal(str(r.truth.cells[k])) for k in keys)
        if not any(e[2] == truth for e in kept[i]):
            raise AssertionError(f"harness: the truth of row {keys[0][:2]} {truth} is not among its readings "
                                 f"{[e[2] for e in kept[i]][:5]}")
        for j, k in enumerate(keys):
            out[k] = CellReading(frozenset(e[2][j] for e in kept[i]), not inexact[i],
                                 frozenset(e[2] for e in kept[i]), j)
    return out


def determine(r: Rendering) -> dict[Key, CellReading]:
    """Per truth cell: the values every reading of the rendered text allows."""
    out: dict[Key, CellReading] = {}
    for table in ("二", "三", "四"):
        out.update(_determine_table(r, table))
    return out
