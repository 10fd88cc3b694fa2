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
