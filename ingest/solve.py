"""Choose among the readings of a table's rows with the table's own arithmetic, row by row.

Each row comes with its candidate readings (tuples of cell values). A row printed with clear
cell borders has one; a row whose digits ran together may have many. The table's rules (a row's
总计 is the sum of its parts; a column balances) remove the readings no solution can use. What
is left decides each row — or, where several readings survive, each cell on which they all
agree. Nothing is ever chosen between readings that the arithmetic cannot tell apart.

A rule the printed figures break whatever the reading (an original that does not add up) is not
used to choose: it stays a failed check, reported later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product
from typing import Hashable, Sequence

Values = tuple[Decimal, ...]
# a linear rule: sum(coef * cell(row, col)) == 0
Rule = list[tuple[Hashable, int, int]]

MAX_SUMS = 20_000  # past this many distinct partial sums a rule is too loose to help
MAX_COMBINATIONS = 200_000


@dataclass
class Outcome:
    domains: dict[Hashable, list[int]]  # per row: the indices of its readings that survive
    used_rules: int = 0
    broken_rules: list[int] = field(default_factory=list)  # rules no reading satisfies (not used)
    joint_solutions: int | None = None  # when the combinations were enumerated


def _sums(options: Sequence[set[Decimal]]) -> set[Decimal] | None:
    acc = {Decimal(0)}
    for opts in options:
        acc = {a + o for a in acc for o in opts}
        if len(acc) > MAX_SUMS:
            return None
    return acc


def resolve(candidates: dict[Hashable, list[Values]], rules: list[Rule]) -> Outcome:
    """Prune each row's readings with the rules (arc consistency), then enumerate what is left."""
    dom = {k: list(range(len(v))) for k, v in candidates.items()}
    active = [r for r in rules if all(k in candidates and candidates[k] for k, _, _ in r)]
    broken: set[int] = set()
    changed = True
    while changed:
        changed = False
        for ri, rule in enumerate(active):
            if ri in broken:
                continue
            if all(len(dom[k]) == 1 for k, _, _ in rule):
                continue
            contrib = [{coef * candidates[k][i][col] for i in dom[k]} for k, col, coef in rule]
            total = _sums(contrib)
            if total is None:
                continue
            if Decimal(0) not in total:
                broken.add(ri)
                continue
            for pos, (k, col, coef) in enumerate(rule):
                if len(dom[k]) == 1:
                    continue
                others = _sums(contrib[:pos] + contrib[pos + 1:])
                if others is None:
                    continue
                keep = [i for i in dom[k] if -(coef * candidates[k][i][col]) in others]
                if len(keep) != len(dom[k]):
                    dom[k] = keep
                    contrib[pos] = {coef * candidates[k][i][col] for i in keep}
                    changed = True
    out = Outcome(domains=dom, used_rules=len(active) - len(broken), broken_rules=sorted(broken))
    # arc consistency keeps what each rule alone allows; the rows still open are checked jointly
    open_rows = [k for k in dom if len(dom[k]) > 1]
    if not open_rows:
        return out
    size = 1
    for k in open_rows:
        size *= len(dom[k])
    if size > MAX_COMBINATIONS:
        return out
    live = [rule for ri, rule in enumerate(active) if ri not in broken]
    fixed = {k: candidates[k][dom[k][0]] for k in dom if len(dom[k]) == 1}
    seen: dict[Hashable, set[int]] = {k: set() for k in open_rows}
    n = 0
    for combo in product(*(dom[k] for k in open_rows)):
        chosen = dict(fixed)
        chosen.update({k: candidates[k][i] for k, i in zip(open_rows, combo)})
        if all(sum(coef * chosen[k][col] for k, col, coef in rule) == 0 for rule in live):
            n += 1
            for k, i in zip(open_rows, combo):
                seen[k].add(i)
    out.joint_solutions = n
    if n:
        for k in open_rows:
            dom[k] = sorted(seen[k])
    return out


def refused_rules(candidates: dict[Hashable, list[Values]], rules: list[Rule]) -> list[int]:
    """The rules (by index) that no choice of the readings left after `resolve` satisfies — a rule
    decided by single readings included, which `resolve` leaves to the checks."""
    dom = resolve(candidates, rules).domains
    out = []
    for ri, rule in enumerate(rules):
        if not all(k in candidates and dom.get(k) for k, _, _ in rule):
            continue
        total = _sums([{coef * candidates[k][i][col] for i in dom[k]} for k, col, coef in rule])
        if total is not None and Decimal(0) not in total:
            out.append(ri)
    return out


def agreed_cells(readings: Sequence[Values]) -> list[bool]:
    """For each cell: do all readings give it the same value?"""
    if not readings:
        return []
    first = readings[0]
    return [all(r[c] == first[c] for r in readings) for c in range(len(first))]
