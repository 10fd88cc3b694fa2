"""The bundled sample 天津市滨海新区公安局_2022.txt, every cell of tables 二, 三 and 四.

The expected values below were typed in by reading data/天津市滨海新区公安局_2022.txt by hand
(a text export of a Word file: one cell per line, tab-indented, rows separated by blank lines).
None = the cell is empty in the source (an empty line, or a line holding only a no-break space):
the fact must be value 0 with blank=True. A printed "0" is value 0 with blank=False.

Arithmetic, checked by hand before writing the expectations:
  三, 自然人 column: 新收 56 + 上年结转 2 = 58 = （七）总计 58 + 结转下年度 0;
                     （七）总计 58 = 予以公开 12 + 法律法规禁止 2 + 行政执法案卷 1 + 不掌握 40 + 重复申请 3.
  三, every other column: all zero or blank.  三, every row: 总计 = 自然人 (the only non-zero column).
  四, every group: 总计 0, every result blank.
So the report adds up everywhere: no check may fail.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from ingest.layout import T3_COLUMNS, T4_GROUPS, T4_RESULTS, table3_rows
from ingest.pipeline import parse_file

SEED = Path(__file__).parent.parent / "data" / "天津市滨海新区公安局_2022.txt"

_ = None  # blank cell in the source

# ---- 二、主动公开政府信息情况 (all printed, none blank) ------------------------------
T2_EXPECTED = {
    "规章": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0},
    "行政规范性文件": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0},
    "行政许可": {"本年处理决定数量": 136557},
    "行政处罚": {"本年处理决定数量": 1325160},
    "行政强制": {"本年处理决定数量": 7030},
    "行政事业性收费": {"本年收费金额": 0},  # 万元
}

# ---- 三、收到和处理政府信息公开申请情况 -------------------------------------------------
# columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
T3_EXPECTED = {
    "新收":                     [56, 0, 0, 0, 0, 0, 56],
    "上年结转":                 [2, 0, 0, 0, 0, 0, 2],
    "予以公开":                 [12, _, _, _, _, _, 12],
    "部分公开":                 [_, _, _, _, _, _, _],
    "不予公开_国家秘密":        [_, _, _, _, _, _, _],
    "不予公开_法律法规禁止":    [2, _, _, _, _, _, 2],
    "不予公开_三安全一稳定":    [_, _, _, _, _, _, _],
    "不予公开_第三方权益":      [_, _, _, _, _, _, _],
    "不予公开_内部事务":        [_, _, _, _, _, _, _],
    "不予公开_过程性信息":      [_, _, _, _, _, _, _],
    "不予公开_行政执法案卷":    [1, _, _, _, _, _, 1],
    "不予公开_行政查询事项":    [_, _, _, _, _, _, _],
    "无法提供_不掌握":          [40, _, _, _, _, _, 40],
    "无法提供_需另行制作":      [_, _, _, _, _, _, _],
    "无法提供_补正后仍不明确":  [_, _, _, _, _, _, _],
    "不予处理_信访举报投诉":    [_, _, _, _, _, _, _],
    "不予处理_重复申请":        [3, _, _, _, _, _, 3],
    "不予处理_公开出版物":      [_, _, _, _, _, _, _],
    "不予处理_大量反复申请":    [_, _, _, _, _, _, _],
    "不予处理_确认或重新出具":  [_, _, _, _, _, _, _],
    "其他处理_逾期不补正":      [_, _, _, _, _, _, _],
    "其他处理_逾期未缴费":      [_, _, _, _, _, _, _],
    "其他处理_其他":            [_, _, _, _, _, _, _],
    "总计":                     [58, 0, 0, 0, 0, 0, 58],
    "结转下年度":               [0, 0, 0, 0, 0, 0, 0],
}

# ---- 四、政府信息公开行政复议、行政诉讼情况 ---------------------------------------------
# columns: 结果维持, 结果纠正, 其他结果, 尚未审结, 总计
# (results are "\xa0" or empty lines in the source, each 总计 is a printed 0)
T4_EXPECTED = {
    "行政复议":             [_, _, _, _, 0],
    "行政诉讼_直接起诉":    [_, _, _, _, 0],
    "行政诉讼_复议后起诉":  [_, _, _, _, 0],
}

T3_COLS = [c.key for c in T3_COLUMNS]
T4_COLS = [c.key for c in T4_RESULTS]


@lru_cache(maxsize=None)
def _report():
    return parse_file(SEED)


def _check_cell(report, table, row, col, expected, problems):
    f = report.fact(table, row, col)
    where = f"{table}/{row}/{col}"
    if f is None:
        problems.append(f"{where}: no fact (expected {'blank' if expected is None else expected})")
        return
    if expected is None:
        if not (f.blank and f.value == 0):
            problems.append(f"{where}: expected blank (0, blank=True), got value={f.value} blank={f.blank}")
    else:
        if f.value != Decimal(expected) or f.blank:
            problems.append(f"{where}: expected {expected} (printed), got value={f.value} blank={f.blank}")


def _cells_of(report, table):
    return [(f.row_key, f.col_key) for f in report.facts if f.table == table]


def test_seed_file_present():
    assert SEED.is_file(), f"bundled sample missing: {SEED}"


def test_metadata():
    r = _report()
    assert "滨海新区公安局" in r.agency, r.agency
    assert r.year == 2022
    assert r.format_version == "2021"


def test_tables_found_and_parsed():
    r = _report()
    by_table = {t.table: t for t in r.tables}
    for t in ("二", "三", "四"):
        assert t in by_table, f"table {t} not reported in report.tables"
        assert by_table[t].parsed, f"table {t} not parsed: {by_table[t].reason}"
        assert not by_table[t].empty, f"table {t} flagged empty but the report fills it in"


def test_table2_every_cell():
    r = _report()
    problems: list[str] = []
    for row, cols in T2_EXPECTED.items():
        for col, expected in cols.items():
            _check_cell(r, "二", row, col, expected, problems)
    assert not problems, "\n".join(problems)
    expected_cells = {(row, col) for row, cols in T2_EXPECTED.items() for col in cols}
    got = _cells_of(r, "二")
    assert sorted(got) == sorted(expected_cells), f"table 二 facts differ from the 10 expected cells: {sorted(got)}"


def test_table3_uses_the_three_other_rows_layout():
    # the report prints （六）其他处理 as three rows (1. 2. 3.), so the canonical rows are the 2021 ones
    assert [s.key for s in table3_rows(single_other_row=False)] == list(T3_EXPECTED)
    r = _report()
    assert r.fact("三", "其他处理", "总计") is None, "（六）其他处理 is printed as three rows here, not one"


def test_table3_every_cell():
    r = _report()
    problems: list[str] = []
    for row, values in T3_EXPECTED.items():
        assert len(values) == 7, row
        for col, expected in zip(T3_COLS, values):
            _check_cell(r, "三", row, col, expected, problems)
    assert not problems, f"{len(problems)} wrong cells in table 三:\n" + "\n".join(problems)


def test_table3_no_extra_or_duplicate_facts():
    r = _report()
    got = _cells_of(r, "三")
    expected_cells = {(row, col) for row in T3_EXPECTED for col in T3_COLS}
    assert len(got) == len(set(got)), "duplicate facts in table 三"
    assert set(got) == expected_cells, (
        f"extra: {sorted(set(got) - expected_cells)}; missing: {sorted(expected_cells - set(got))}"
    )
    assert len(got) == 25 * 7


def test_table4_every_cell():
    r = _report()
    assert list(T4_EXPECTED) == [g.key for g in T4_GROUPS]
    problems: list[str] = []
    for group, values in T4_EXPECTED.items():
        for col, expected in zip(T4_COLS, values):
            _check_cell(r, "四", group, col, expected, problems)
    assert not problems, "\n".join(problems)
    got = _cells_of(r, "四")
    assert len(got) == 15 and len(set(got)) == 15, f"table 四 should have exactly 15 facts, got {sorted(got)}"


def test_arithmetic_holds():
    r = _report()
    assert r.checks, "no arithmetic checks were evaluated"
    rules = [c.rule for c in r.checks]
    assert any("三" in rule for rule in rules), f"no table 三 checks among {rules}"
    assert any("四" in rule for rule in rules), f"no table 四 checks among {rules}"
    assert not r.failed_checks, "the seed report adds up, but these checks failed:\n" + "\n".join(
        f"{c.rule}: {c.detail}" for c in r.failed_checks
    )


def test_narrative_62_withdrawn_6_actual_56_is_reported():
    # 一、总体情况（2）: 全年受理依申请公开62件，其中6件…申请人自行撤销，实际受理56件; table 三 新收 = 56
    r = _report()
    hits = [
        f
        for f in r.findings
        if f.kind in ("narrative_mismatch", "narrative_agreement")
        and "62" in f.message + f.quote
        and "56" in f.message + f.quote
    ]
    assert hits, "no narrative finding mentioning 62 and 56; findings: " + "; ".join(
        f"[{f.kind}] {f.message}" for f in r.findings
    )
