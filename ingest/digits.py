"""Split runs of digits whose cell boundaries were lost ("713000074" → 71,3,0,0,0,0,74).

Web pages scraped to text glue adjacent table cells together. The only safe way
back is the table's own arithmetic: enumerate every way to cut the run into the
expected number of cells and keep the cuts the arithmetic allows. More than one
survivor means the source cannot be read; callers must then say so, not pick one.
"""
from __future__ import annotations

from itertools import product
from typing import Callable, Iterator, Sequence

MAX_SOLUTIONS = 2  # enough to know a reading is not unique


def cuts(run: str, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to cut a digit run into `parts` numbers without leading zeros.

    >>> list(cuts("105", 2))
    [(10, 5)]
    """
    if parts == 1:
        if run and (run == "0" or run[0] != "0"):
            yield (int(run),)
        return
    first_max = len(run) - (parts - 1)
    for i in range(1, first_max + 1):
        head = run[:i]
        if len(head) > 1 and head[0] == "0":
            break
        for rest in cuts(run[i:], parts - 1):
            yield (int(head),) + rest


def cut_positions(run: str, values: Sequence[int]) -> list[tuple[int, int]]:
    """The (start, end) offset of each value inside the run it was cut from."""
    spans, pos = [], 0
    for v in values:
        n = len(str(v))
        spans.append((pos, pos + n))
        pos += n
    return spans


def row_candidates(run: str, parts: int, row_ok: Callable[[tuple[int, ...]], bool]) -> list[tuple[int, ...]]:
    """The cuts of `run` into `parts` numbers that satisfy the row's own rule."""
    return [c for c in cuts(run, parts) if row_ok(c)]


def solve(
    candidates: Sequence[Sequence[tuple[int, ...]]],
    table_ok: Callable[[list[tuple[int, ...]]], bool],
    limit: int = 200_000,
) -> list[list[tuple[int, ...]]]:
    """Combinations of row candidates that satisfy the whole-table rules.

    Returns at most MAX_SOLUTIONS solutions; an empty list when none fits, or
    when the search would exceed `limit` combinations (too ambiguous to read).
    """
    total = 1
    for c in candidates:
        total *= max(len(c), 1)
        if total > limit:
            return []
    found: list[list[tuple[int, ...]]] = []
    for combo in product(*candidates):
        rows = list(combo)
        if table_ok(rows):
            found.append(rows)
            if len(found) >= MAX_SOLUTIONS:
                break
    return found


# ---- cutting printed tokens into cells ---------------------------------------------------------
#
# A row's values arrive as tokens: what stands between two spaces (or two table cells). A space is
# always a cell border, but a border may be missing ("30 0 0 0 03" is 3,0,0,0,0,0,3), so a token
# of several digits may hold several cells. A sign starts a cell ("88-720": 88 | -7… ), a decimal
# part ends one ("82059.2090": 8 | 2059.2090). Tokens from real table cells are atomic.

def token_splits(token: str, k: int) -> list[list[tuple[str, int, int]]]:
    """Every way to cut one printed token into k cell texts, each a valid number (no leading zeros)."""
    sign = token[0] if token[:1] and token[0] in "+-" else ""
    body = token[len(sign):]
    if "," in body or not body:
        return [[(token, 0, len(token))]] if k == 1 else []
    intpart, dot, frac = body.partition(".")
    if not intpart.isdigit() or (dot and not frac.isdigit()):
        return [[(token, 0, len(token))]] if k == 1 else []
    out = []
    for values in cuts(intpart, k):
        pos, pieces = len(sign), []
        for i, v in enumerate(values):
            n = len(str(v))
            start = pos if i else 0  # the sign belongs to the first cell
            end = pos + n
            if i == k - 1 and dot:
                end += 1 + len(frac)
            pieces.append((token[start:end], start, end))
            pos += n
        out.append(pieces)
    return out


def token_cuts(
    tokens: Sequence[str],
    parts: int,
    atomic: Sequence[bool] = (),
    prefix_ok: Callable[[list[str]], bool] | None = None,
    limit: int = 50_000,
) -> tuple[list[list[tuple[int, str, int, int]]], bool]:
    """Every reading of `tokens` as exactly `parts` cells.

    Returns (readings, complete): each reading is a list of (token index, cell text, start, end);
    `complete` is False when more than `limit` readings exist (then the list is cut short).
    `prefix_ok` may reject a partial reading early (e.g. a group of table 四 that does not add up).
    """
    atomic = list(atomic) + [False] * (len(tokens) - len(atomic))
    # the most cells each token can hold: one per digit of its integer part
    caps = []
    for tok, at in zip(tokens, atomic):
        body = tok.lstrip("+-").split(".")[0]
        caps.append(1 if at or not body.isdigit() else max(1, len(body)))
    suffix_cap = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        suffix_cap[i] = suffix_cap[i + 1] + caps[i]
    readings: list[list[tuple[int, str, int, int]]] = []
    complete = True

    def walk(i: int, acc: list[tuple[int, str, int, int]]):
        nonlocal complete
        if not complete:
            return
        left = parts - len(acc)
        if i == len(tokens):
            if left == 0:
                readings.append(list(acc))
                if len(readings) > limit:
                    complete = False
            return
        remaining_tokens = len(tokens) - i
        if left < remaining_tokens or left > suffix_cap[i]:
            return
        for k in range(1, min(caps[i], left - (remaining_tokens - 1)) + 1):
            for split in token_splits(tokens[i], k):
                nxt = acc + [(i, t, a, b) for t, a, b in split]
                if prefix_ok is not None and not prefix_ok([c[1] for c in nxt]):
                    continue
                walk(i + 1, nxt)

    walk(0, [])
    return readings, complete
