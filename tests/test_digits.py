"""Cutting run-together digits: only the cuts the arithmetic allows, and more than one means unreadable."""
from ingest import digits


def test_cuts_never_invent_leading_zeros():
    assert list(digits.cuts("105", 2)) == [(10, 5)]
    assert list(digits.cuts("000", 3)) == [(0, 0, 0)]


def test_row_rule_picks_the_only_cut():
    # "713000074": 71 natural persons + 3 companies = 74 (平潭 2022, 新收)
    cands = digits.row_candidates("713000074", 7, lambda v: sum(v[:6]) == v[6])
    assert cands == [(71, 3, 0, 0, 0, 0, 74)]


def test_two_cuts_that_both_add_up_are_both_returned():
    # 1 + 12 = 13 and 11 + 2 = 13: the digits alone cannot say which was printed
    cands = digits.row_candidates("11213", 3, lambda v: v[0] + v[1] == v[2])
    assert sorted(cands) == [(1, 12, 13), (11, 2, 13)]
    assert len(digits.solve([cands], lambda rows: True)) == 2


def test_cut_positions_locate_each_number_in_the_run():
    assert digits.cut_positions("713000074", (71, 3, 0, 0, 0, 0, 74)) == [
        (0, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 9)]
