"""The real reports of ../shared/corpus against the figures of keyfacts.json, plus their known quirks.

keyfacts.json: figures read by hand from the originals (null = blank cell in the original).
Where the document itself says otherwise, the document wins: see DOCUMENT_OVERRIDES.
T3_READ_FROM_DOCUMENT adds full table-三 rows the test author read from the originals
(each checked with the table's own arithmetic), beyond the figures keyfacts lists.
"""
from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest

from ingest.layout import T3_COLUMNS, T3_GROUPS, T4_RESULTS
from ingest.pipeline import parse_file

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
REPORTS = CORPUS / "reports"
KEYFACTS_PATH = CORPUS / "keyfacts.json"

# The reports keyfacts.json covers; used as test ids when the corpus is absent so the tests still show up.
KNOWN_REPORTS = (
    "沭阳县人民政府_2025.md",
    "上海市科委_2024.md",
    "平潭综合实验区_2022.txt",
    "平潭综合实验区_2023.txt",
    "平潭综合实验区_2024.html",
    "洪泽区人民政府_2023.pdf",
)


def _load_keyfacts() -> dict:
    if not KEYFACTS_PATH.is_file():
        return {}
    with KEYFACTS_PATH.open(encoding="utf-8") as fh:
        data = json.load(fh, parse_float=Decimal)
    return {k: v for k, v in data.items() if not k.startswith("_")}


KEYFACTS = _load_keyfacts()
NAMES = sorted(KEYFACTS) or list(KNOWN_REPORTS)


def _require_corpus() -> None:
    if not KEYFACTS_PATH.is_file() or not REPORTS.is_dir():
        msg = f"corpus not found at {CORPUS}"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


@lru_cache(maxsize=None)
def _parse(name: str):
    return parse_file(REPORTS / name)


def load(name: str):
    _require_corpus()
    path = REPORTS / name
    assert path.is_file(), f"keyfacts.json lists {name} but {path} does not exist"
    return _parse(name)


# ---- metadata per ../shared/corpus/README.md --------------------------------------------
# (year reported on, distinctive part of the agency name as printed)
METADATA = {
    "沭阳县人民政府_2025.md": (2025, "沐阳县"),  # printed with the OCR error 沐 for 沭
    "上海市科委_2024.md": (2024, "上海市科"),
    "平潭综合实验区_2022.txt": (2022, "平潭综合实验区"),
    "平潭综合实验区_2023.txt": (2023, "平潭综合实验区"),
    "平潭综合实验区_2024.html": (2024, "平潭综合实验区"),
    "洪泽区人民政府_2023.pdf": (2023, "洪泽区"),
    "平潭综合实验区管委会办公室_2019.txt": (2019, "平潭综合实验区管委会办公室"),
    "平潭综合实验区自然资源与生态环境局_2019.txt": (2019, "平潭综合实验区自然资源与生态环境局"),
    "平潭综合实验区交通与建设局_2020.txt": (2020, "平潭综合实验区交通与建设局"),
    "平潭综合实验区行政审批局_2021.txt": (2021, "平潭综合实验区行政审批局"),
    "平潭综合实验区市场监督管理局_2021.txt": (2021, "平潭综合实验区市场监督管理局"),
    "平潭综合实验区经济发展局_2022.txt": (2022, "平潭综合实验区经济发展局"),
    "平潭综合实验区社会事业局_2023.txt": (2023, "平潭综合实验区社会事业局"),
    "平潭综合实验区社会事业局_2023.html": (2023, "平潭综合实验区社会事业局"),
    "平潭综合实验区农业农村局_2024.txt": (2024, "平潭综合实验区农业农村局"),
    "平潭综合实验区旅游与文化体育局_2024.txt": (2024, "平潭综合实验区旅游与文化体育局"),
    "平潭综合实验区综合执法与应急管理局_2025.txt": (2025, "平潭综合实验区综合执法与应急管理局"),
    "平潭综合实验区综合执法与应急管理局_2025.html": (2025, "平潭综合实验区综合执法与应急管理局"),
    "莆田市审计局_2020.txt": (2020, "莆田市审计局"),
    "莆田市林业局_2019.txt": (2019, "莆田市林业局"),
    "莆田市审计局_2023.txt": (2023, "莆田市审计局"),
    "莆田市体育局_2023.txt": (2023, "莆田市体育局"),
    "莆田市林业局_2023.html": (2023, "莆田市林业局"),
}
# reports in the 2019 trial format (corpus README); every other report uses the 2021 format
FORMAT_2019_REPORTS = {
    "平潭综合实验区管委会办公室_2019.txt",
    "平潭综合实验区自然资源与生态环境局_2019.txt",
    "平潭综合实验区交通与建设局_2020.txt",
    "莆田市审计局_2020.txt",
    "莆田市林业局_2019.txt",
}

# ---- keyfacts names -> canonical keys ----------------------------------------------------
T2_TRIPLE_COLS = ("本年制发件数", "本年废止件数", "现行有效件数")
T2_TRIPLE_ROWS = {"规章": "规章", "行政规范性文件": "行政规范性文件", "规范性文件": "行政规范性文件"}
T2_SINGLE = {
    "行政许可": ("行政许可", "本年处理决定数量"),
    "行政处罚": ("行政处罚", "本年处理决定数量"),
    "行政强制": ("行政强制", "本年处理决定数量"),
    "行政事业性收费_万元": ("行政事业性收费", "本年收费金额"),
}
# the 2019 trial format: other columns, and its row key 规范性文件; 收费 has no amount column
T2_TRIPLE_COLS_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量")
T2_TRIPLE_ROWS_2019 = {"规章": "规章", "行政规范性文件": "规范性文件", "规范性文件": "规范性文件"}
T2_SINGLE_2019 = {
    "行政许可": ("行政许可", "处理决定数量"),
    "行政处罚": ("行政处罚", "处理决定数量"),
    "行政强制": ("行政强制", "处理决定数量"),
    "行政事业性收费_万元": None,
}
# Cells of a run-together row that every split of its digits gives the same value: certain, so read.
# 交通与建设局 2020 行政许可 '88-720' = 88 | -72 | 0 or 88 | -7 | 20; 行政处罚 '26-260' = 26 | -26 | 0 or 26 | -2 | 60.
CERTAIN_IN_AMBIGUOUS_ROWS = {
    ("平潭综合实验区交通与建设局_2020.txt", "行政许可", "上一年项目数量"): 88,
    ("平潭综合实验区交通与建设局_2020.txt", "行政处罚", "上一年项目数量"): 26,
}
T2_2019_COLS = {  # keyfacts t2_2019_cols
    "行政许可": ("上一年项目数量", "本年增减", "处理决定数量"),
    "其他对外管理服务事项": ("上一年项目数量", "本年增减", "处理决定数量"),
    "行政处罚": ("上一年项目数量", "本年增减", "处理决定数量"),
    "行政强制": ("上一年项目数量", "本年增减", "处理决定数量"),
    "行政事业性收费": ("上一年项目数量", "本年增减"),
    "政府集中采购": ("采购项目数量", "采购总金额"),
}
T3_ROWS = {
    "新收": "新收",
    "上年结转": "上年结转",
    "予以公开": "予以公开",
    "部分公开": "部分公开",
    "不掌握": "无法提供_不掌握",
    "三类内部事务": "不予公开_内部事务",
    "保护第三方合法权益": "不予公开_第三方权益",
    "属于行政执法案卷": "不予公开_行政执法案卷",
    "属于行政查询事项": "不予公开_行政查询事项",
    "补正后申请内容仍不明确": "无法提供_补正后仍不明确",
    "信访举报投诉类申请": "不予处理_信访举报投诉",
    "重复申请": "不予处理_重复申请",
    "其他处理": "其他处理",
    "七_总计": "总计",
    "结转下年度": "结转下年度",
}
T3_SUMS = {
    "不予公开_合计": "办理结果_不予公开",
    "无法提供_合计": "办理结果_无法提供",
    "不予处理_合计": "办理结果_不予处理",
    "其他处理_合计": "办理结果_其他处理",
}
T3_COLS = [c.key for c in T3_COLUMNS]
T4_GROUP_KEYS = {"复议": "行政复议", "直接起诉": "行政诉讼_直接起诉", "复议后起诉": "行政诉讼_复议后起诉"}
T4_COLS = [c.key for c in T4_RESULTS]

# Where keyfacts.json disagrees with the document. key: (report, table, row_key, col_key) -> expected (None = blank)
DOCUMENT_OVERRIDES = {
    # keyfacts t3_total gives 结转下年度 = 1 (the value the arithmetic implies, 34+2 = 35+1, and the
    # 自然人 cell is 1), but the 总计 cell of 四、结转下年度继续办理 is empty in the markdown
    # ("| 四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 |  |"); keyfacts' own flags say so.
    ("上海市科委_2024.md", "三", "结转下年度", "总计"): None,
}

# Tables whose arithmetic (REPORT_FORMAT.md 勾稽关系) fails in the ORIGINAL; every other table adds up.
EXPECTED_FAILING_TABLES = {
    "沭阳县人民政府_2025.md": set(),
    "上海市科委_2024.md": {"三"},  # blank 结转下年度 总计: 34+2 = 36 vs 35 + (blank) 0
    "平潭综合实验区_2022.txt": set(),
    "平潭综合实验区_2023.txt": set(),
    "平潭综合实验区_2024.html": set(),
    "洪泽区人民政府_2023.pdf": {"四"},  # 复议 10+1 vs 总计 0; 复议后起诉 5 vs 总计 0
    "平潭综合实验区管委会办公室_2019.txt": set(),
    "平潭综合实验区自然资源与生态环境局_2019.txt": set(),
    "平潭综合实验区交通与建设局_2020.txt": set(),
    "平潭综合实验区行政审批局_2021.txt": set(),
    "平潭综合实验区市场监督管理局_2021.txt": set(),  # two （六） rows printed without figures: blank = 0
    "平潭综合实验区经济发展局_2022.txt": set(),
    "平潭综合实验区社会事业局_2023.txt": set(),
    "平潭综合实验区社会事业局_2023.html": set(),
    "平潭综合实验区农业农村局_2024.txt": {"三"},  # its 总计 column is 0 in every row, 自然人 3
    "平潭综合实验区旅游与文化体育局_2024.txt": set(),
    "平潭综合实验区综合执法与应急管理局_2025.txt": set(),
    "平潭综合实验区综合执法与应急管理局_2025.html": set(),
    "莆田市审计局_2020.txt": set(),
    "莆田市林业局_2019.txt": set(),
    "莆田市审计局_2023.txt": set(),
    "莆田市体育局_2023.txt": set(),
    "莆田市林业局_2023.html": set(),
}

# Full table-三 rows read from the documents by the test author (none blank: every cell is printed).
# columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
_Z = [0, 0, 0, 0, 0, 0, 0]


def _only_natural(n: int) -> list[int]:
    return [n, 0, 0, 0, 0, 0, n]


T3_READ_FROM_DOCUMENT = {
    # PDF: the text layer prints the 国家秘密 row's "1 … 1" above its label and the typo'd row's zeros
    # beside "2.其他法律行政止公开"; a table-aware reading puts the 1 on 1.属于国家秘密.
    # （六）其他处理 is a single row.
    "洪泽区人民政府_2023.pdf": {
        "新收": _only_natural(21),
        "上年结转": _Z,
        "予以公开": _Z,
        "部分公开": _only_natural(4),
        "不予公开_国家秘密": _only_natural(1),
        "不予公开_法律法规禁止": _Z,
        "不予公开_三安全一稳定": _Z,
        "不予公开_第三方权益": _Z,
        "不予公开_内部事务": _Z,
        "不予公开_过程性信息": _only_natural(1),
        "不予公开_行政执法案卷": _only_natural(1),
        "不予公开_行政查询事项": _Z,
        "无法提供_不掌握": _only_natural(10),
        "无法提供_需另行制作": _only_natural(3),
        "无法提供_补正后仍不明确": _Z,
        "不予处理_信访举报投诉": _only_natural(1),
        "不予处理_重复申请": _Z,
        "不予处理_公开出版物": _Z,
        "不予处理_大量反复申请": _Z,
        "不予处理_确认或重新出具": _Z,
        "其他处理": _Z,
        "总计": _only_natural(21),
        "结转下年度": _Z,
    },
    # digits run together; split by the row sums and the column balances
    "平潭综合实验区_2022.txt": {
        "新收": [71, 3, 0, 0, 0, 0, 74],  # 713000074
        "上年结转": _only_natural(1),  # 1000001
        "予以公开": _only_natural(21),  # 210000021
        "部分公开": [8, 1, 0, 0, 0, 0, 9],  # 8100009
        "不予公开_国家秘密": _Z,
        "不予公开_法律法规禁止": _Z,
        "不予公开_三安全一稳定": _Z,
        "不予公开_第三方权益": _Z,
        "不予公开_内部事务": _only_natural(1),
        "不予公开_过程性信息": _only_natural(2),
        "不予公开_行政执法案卷": _only_natural(1),
        "不予公开_行政查询事项": _Z,
        "无法提供_不掌握": _only_natural(37),  # 370000037
        "无法提供_需另行制作": _Z,
        "无法提供_补正后仍不明确": _Z,
        "不予处理_信访举报投诉": _Z,
        "不予处理_重复申请": _Z,
        "不予处理_公开出版物": _Z,
        "不予处理_大量反复申请": _Z,
        "不予处理_确认或重新出具": _Z,
        "其他处理_逾期不补正": _only_natural(2),
        "其他处理_逾期未缴费": _Z,
        "其他处理_其他": [0, 2, 0, 0, 0, 0, 2],  # 0200002
        "总计": [72, 3, 0, 0, 0, 0, 75],  # 723000075
        "结转下年度": _Z,
    },
    "平潭综合实验区_2023.txt": {
        "新收": [80, 1, 0, 0, 0, 0, 81],  # 801000081
        "上年结转": _Z,
        "予以公开": _only_natural(22),
        "部分公开": [19, 1, 0, 0, 0, 0, 20],  # 191000020
        "不予公开_国家秘密": _Z,
        "不予公开_法律法规禁止": _Z,
        "不予公开_三安全一稳定": _Z,
        "不予公开_第三方权益": _only_natural(1),
        "不予公开_内部事务": _Z,
        "不予公开_过程性信息": _only_natural(1),
        "不予公开_行政执法案卷": _only_natural(1),
        "不予公开_行政查询事项": _only_natural(2),
        "无法提供_不掌握": _only_natural(31),
        "无法提供_需另行制作": _Z,
        "无法提供_补正后仍不明确": _Z,
        "不予处理_信访举报投诉": _Z,
        "不予处理_重复申请": _only_natural(1),
        "不予处理_公开出版物": _Z,
        "不予处理_大量反复申请": _Z,
        "不予处理_确认或重新出具": _Z,
        "其他处理_逾期不补正": _only_natural(1),
        "其他处理_逾期未缴费": _Z,
        "其他处理_其他": _only_natural(1),
        "总计": [80, 1, 0, 0, 0, 0, 81],
        "结转下年度": _Z,
    },
    "平潭综合实验区_2024.html": {
        "新收": [217, 1, 0, 0, 0, 0, 218],
        "上年结转": _Z,
        "予以公开": _only_natural(71),
        "部分公开": _only_natural(29),
        "不予公开_国家秘密": _only_natural(4),
        "不予公开_法律法规禁止": _Z,
        "不予公开_三安全一稳定": _Z,
        "不予公开_第三方权益": _only_natural(3),
        "不予公开_内部事务": _only_natural(32),
        "不予公开_过程性信息": _Z,
        "不予公开_行政执法案卷": _Z,
        "不予公开_行政查询事项": _Z,
        "无法提供_不掌握": _only_natural(75),
        "无法提供_需另行制作": _Z,
        "无法提供_补正后仍不明确": _Z,
        "不予处理_信访举报投诉": _Z,
        "不予处理_重复申请": _only_natural(1),
        "不予处理_公开出版物": _Z,
        "不予处理_大量反复申请": _Z,
        "不予处理_确认或重新出具": _Z,
        "其他处理_逾期不补正": _only_natural(1),
        "其他处理_逾期未缴费": _Z,
        "其他处理_其他": [1, 1, 0, 0, 0, 0, 2],
        "总计": [217, 1, 0, 0, 0, 0, 218],
        "结转下年度": _Z,
    },
    # the last markdown table (其他处理 2./3., （七）总计, 四、结转) carries wrong headers
    # (本年新收件数/上年结转件数/…) over the seven applicant columns
    "沭阳县人民政府_2025.md": {
        "新收": [705, 3, 0, 0, 5, 0, 713],
        "上年结转": _only_natural(36),
        "予以公开": [290, 1, 0, 0, 3, 0, 294],
        "部分公开": [99, 0, 0, 0, 2, 0, 101],
        "不予公开_国家秘密": _Z,
        "不予公开_法律法规禁止": _Z,
        "不予公开_三安全一稳定": _only_natural(2),
        "不予公开_第三方权益": _only_natural(2),
        "不予公开_内部事务": _only_natural(13),
        "不予公开_过程性信息": _only_natural(2),
        "不予公开_行政执法案卷": _only_natural(4),
        "不予公开_行政查询事项": _only_natural(9),
        "无法提供_不掌握": _only_natural(111),
        "无法提供_需另行制作": _only_natural(2),
        "无法提供_补正后仍不明确": _Z,
        "不予处理_信访举报投诉": _only_natural(12),
        "不予处理_重复申请": [6, 1, 0, 0, 0, 0, 7],
        "不予处理_公开出版物": _Z,
        "不予处理_大量反复申请": _Z,
        "不予处理_确认或重新出具": _Z,
        "其他处理_逾期不补正": _only_natural(9),
        "其他处理_逾期未缴费": _only_natural(7),
        "其他处理_其他": [142, 1, 0, 0, 0, 0, 143],
        "总计": [710, 3, 0, 0, 5, 0, 718],
        "结转下年度": _only_natural(31),
    },
}


# ---- helpers -----------------------------------------------------------------------------
def _expected(name, table, row, col, value):
    return DOCUMENT_OVERRIDES.get((name, table, row, col), value)


def _check_cell(report, table, row, col, expected, problems):
    f = report.fact(table, row, col)
    where = f"{table}/{row}/{col}"
    if f is None:
        problems.append(f"{where}: no fact (expected {'blank' if expected is None else expected})")
    elif expected is None:
        if not (f.blank and f.value == 0):
            problems.append(f"{where}: expected blank (0, blank=True), got value={f.value} blank={f.blank}")
    elif f.value != Decimal(expected) or f.blank:
        problems.append(f"{where}: expected {expected} (printed), got value={f.value} blank={f.blank}")


def _table_of(rule: str):
    """The table a check belongs to: the first of 二/三/四 in its rule name (e.g. "三:列平衡:自然人")."""
    found = [(rule.find(t), t) for t in "二三四" if t in rule]
    return min(found)[1] if found else None


def _report_problems(problems, name):
    assert not problems, f"{name}: {len(problems)} problem(s):\n" + "\n".join(problems)


# ---- tests -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    report = load(name)
    assert name in METADATA, f"no metadata for {name}: add it to METADATA"
    year, agency_part = METADATA[name]
    assert report.year == year
    assert agency_part in report.agency, f"agency as printed {report.agency!r} should contain {agency_part!r}"
    assert report.format_version == ("2019" if name in FORMAT_2019_REPORTS else "2021")


def _check_unread(report, table, row, cols, problems):
    """A row the text cannot decide (run-together digits with several splits) or does not print: no facts."""
    for col in cols:
        f = report.fact(table, row, col)
        if f is not None:
            problems.append(f"{table}/{row}/{col}: expected unread (ambiguous or not printed), got value={f.value}")


@pytest.mark.parametrize("name", NAMES)
def test_table2(name):
    report = load(name)
    problems: list[str] = []
    old = name in FORMAT_2019_REPORTS
    triple_rows, triple_cols = (T2_TRIPLE_ROWS_2019, T2_TRIPLE_COLS_2019) if old else (T2_TRIPLE_ROWS, T2_TRIPLE_COLS)
    singles = T2_SINGLE_2019 if old else T2_SINGLE
    t2 = KEYFACTS[name].get("t2", {})
    for key, value in t2.items():
        if key.endswith("_raw"):
            continue  # see below: the row it describes must stay unread
        ambiguous = f"{key}_raw" in t2
        if key in triple_rows:
            row = triple_rows[key]
            if value is None:  # run together past telling, or a row the report does not print
                _check_unread(report, "二", row, triple_cols, problems)
                continue
            for col, v in zip(triple_cols, value):
                _check_cell(report, "二", row, col, _expected(name, "二", row, col, v), problems)
        elif key in singles:
            if singles[key] is None:
                continue  # no such column in this format
            row, col = singles[key]
            if ambiguous:
                _check_unread(report, "二", row, [col], problems)
            else:
                _check_cell(report, "二", row, col, _expected(name, "二", row, col, value), problems)
        else:
            problems.append(f"keyfacts t2 name {key!r} has no mapping in this test")
    cols2019 = KEYFACTS[name].get("t2_2019_cols", {})
    for key, values in cols2019.items():
        if key.endswith("_raw"):
            continue
        cols = T2_2019_COLS[key]
        if values is not None and f"{key}_raw" in cols2019:
            # the surviving lines leave some cells undetermined (null): those stay unread, the rest are read
            _check_unread(report, "二", key, [c for c, v in zip(cols, values) if v is None], problems)
            values = [v for v in values]
            for col, v in zip(cols, values):
                if v is not None:
                    _check_cell(report, "二", key, col, v, problems)
            continue
        if values is None:
            certain = {c: v for (n, r, c), v in CERTAIN_IN_AMBIGUOUS_ROWS.items() if n == name and r == key}
            for col, v in certain.items():
                _check_cell(report, "二", key, col, v, problems)
            _check_unread(report, "二", key, [c for c in cols if c not in certain], problems)
            continue
        for col, v in zip(cols, values):
            if isinstance(v, str):  # printed with its unit (「3批」「160200元」): the figure, and the unit as printed
                figure, unit = re.match(r"([\d.]+)(\D*)", v).groups()
                _check_cell(report, "二", key, col, Decimal(figure), problems)
                f = report.fact("二", key, col)
                if f is not None and f.unit != unit:
                    problems.append(f"二/{key}/{col}: unit {f.unit!r}, printed {unit!r}")
                continue
            _check_cell(report, "二", key, col, v, problems)
    _report_problems(problems, name)


@pytest.mark.parametrize("name", NAMES)
def test_table3_totals(name):
    report = load(name)
    problems: list[str] = []
    facts = KEYFACTS[name]
    columns = [("总计", facts.get("t3_total") or facts.get("t3_total_as_printed") or {}),
               ("自然人", facts.get("t3_自然人_col", {}))]
    for col, key, value in [(c, k, v) for c, d in columns for k, v in d.items()]:
        if key in T3_ROWS:
            row = T3_ROWS[key]
            _check_cell(report, "三", row, col, _expected(name, "三", row, col, value), problems)
        elif key in T3_SUMS:
            group = T3_SUMS[key]
            rows = T3_GROUPS[group]
            if group == "办理结果_其他处理" and report.fact("三", "其他处理", "总计") is not None:
                rows = ("其他处理",)  # （六）其他处理 printed as one row
            cells = [report.fact("三", r, col) for r in rows]
            missing = [r for r, f in zip(rows, cells) if f is None]
            if missing:
                problems.append(f"{key}: no 总计 fact for {missing}")
                continue
            total = sum((f.value for f in cells), Decimal(0))
            if total != Decimal(value):
                problems.append(f"{key}: sum of {list(rows)} is {total}, expected {value}")
        else:
            problems.append(f"keyfacts t3_total name {key!r} has no mapping in this test")
    _report_problems(problems, name)


# only the reports keyfacts gives the row for (all of them when keyfacts is missing, so that fails on CI)
@pytest.mark.parametrize("name", [n for n in NAMES if not KEYFACTS or "t3_新收_by_col" in KEYFACTS[n]])
def test_table3_new_applications_by_column(name):
    _require_corpus()
    by_col = KEYFACTS[name]["t3_新收_by_col"]
    report = load(name)
    problems: list[str] = []
    undetermined = "t3_新收_by_col_raw" in KEYFACTS[name]  # null: the printed lines do not decide the cell
    for col, v in zip(T3_COLS, by_col):
        if v is None and undetermined:
            _check_unread(report, "三", "新收", [col], problems)
            continue
        _check_cell(report, "三", "新收", col, _expected(name, "三", "新收", col, v), problems)
    _report_problems(problems, name)


@pytest.mark.parametrize("name", NAMES)
def test_table4(name):
    report = load(name)
    facts = KEYFACTS[name]
    t4 = facts.get("t4") or facts.get("t4_as_printed")
    assert t4, f"keyfacts has no t4 for {name}"
    problems: list[str] = []
    for key, values in t4.items():
        group = T4_GROUP_KEYS[key]
        for col, v in zip(T4_COLS, values):
            _check_cell(report, "四", group, col, _expected(name, "四", group, col, v), problems)
    _report_problems(problems, name)


@pytest.mark.parametrize("name", sorted(T3_READ_FROM_DOCUMENT))
def test_table3_full_rows_read_from_document(name):
    report = load(name)
    problems: list[str] = []
    for row, values in T3_READ_FROM_DOCUMENT[name].items():
        for col, v in zip(T3_COLS, values):
            _check_cell(report, "三", row, col, _expected(name, "三", row, col, v), problems)
    _report_problems(problems, name)


@pytest.mark.parametrize("name", NAMES)
def test_arithmetic_fails_only_where_the_original_does(name):
    report = load(name)
    assert report.checks, "no arithmetic checks were evaluated"
    failing = {_table_of(c.rule) for c in report.failed_checks}
    listing = "\n".join(f"{c.rule}: {c.detail}" for c in report.failed_checks)
    assert failing == EXPECTED_FAILING_TABLES[name], (
        f"tables with failed checks {failing}, expected {EXPECTED_FAILING_TABLES[name]}:\n{listing}"
    )


# ---- quirks ------------------------------------------------------------------------------
def test_ambiguous_table2_row_not_invented():
    """平潭_2023: 行政规范性文件 printed as '77132470' while the narrative says 制发77、现行有效393."""
    name = "平潭综合实验区_2023.txt"
    report = load(name)
    raw_key = next((k for k in KEYFACTS[name]["t2"] if k.endswith("_raw")), None)
    assert raw_key, "keyfacts no longer marks a raw (ambiguous) table-二 row for 平潭_2023"
    row = T2_TRIPLE_ROWS[raw_key[: -len("_raw")]]
    digits = re.match(r"\d+", KEYFACTS[name]["t2"][raw_key]).group()  # "77132470"

    invented = [(col, report.fact("二", row, col)) for col in T2_TRIPLE_COLS]
    invented = [(col, f.value) for col, f in invented if f is not None]
    assert not invented, f"{row} cannot be split uniquely ({digits}), yet facts were produced: {invented}"

    t2 = next((t for t in report.tables if t.table == "二"), None)
    explained_in_table = t2 is not None and bool(t2.reason)
    explained_in_findings = [
        f for f in report.findings if row in f.message + f.quote or digits in f.message + f.quote
    ]
    assert explained_in_table or explained_in_findings, (
        f"no finding or table reason says why {row} ({digits}) was left out; findings: "
        + "; ".join(f"[{f.kind}] {f.message}" for f in report.findings)
    )


def test_hongze_table4_totals_fail_as_in_the_original():
    report = load("洪泽区人民政府_2023.pdf")
    failed4 = [c for c in report.failed_checks if "四" in c.rule]
    listing = "\n".join(f"{c.rule}: {c.detail}" for c in report.failed_checks)

    def about(c):  # the group is named in the rule (e.g. "四:合计:行政复议") or at least in the detail
        return c.rule + " " + c.detail

    # "行政诉讼_复议后起诉" / "复议后起诉" does not contain the substring "行政复议"
    fuyi = [c for c in failed4 if "行政复议" in about(c)]
    after = [c for c in failed4 if "复议后起诉" in about(c)]
    direct = [c for c in failed4 if "直接起诉" in about(c) and "复议后起诉" not in about(c)]
    assert fuyi, f"no failed 四 check on 行政复议 (维持10 + 纠正1 ≠ 总计0):\n{listing}"
    assert after, f"no failed 四 check on 行政诉讼_复议后起诉 (维持5 ≠ 总计0):\n{listing}"
    assert not direct, f"行政诉讼_直接起诉 adds up (all 0), but a check failed:\n{listing}"
    for checks, parts_sum, other in ((fuyi, 11, "复议后起诉"), (after, 5, "行政复议")):
        for c in checks:
            if other in about(c):
                continue  # a check covering several groups: its numbers are not one group's
            if c.expected is not None and c.actual is not None:
                assert {c.expected, c.actual} == {Decimal(parts_sum), Decimal(0)}, f"{c.rule}: {c.detail}"


def test_hongze_typo_label_parsed_and_reported():
    # printed "2.其他法律行政止公开" for 2.其他法律行政法规禁止公开
    typo = "其他法律行政止公开"
    report = load("洪泽区人民政府_2023.pdf")
    problems: list[str] = []
    for col in T3_COLS:
        _check_cell(report, "三", "不予公开_法律法规禁止", col, 0, problems)
        _check_cell(report, "三", "不予公开_国家秘密", col, 1 if col in ("自然人", "总计") else 0, problems)
    _report_problems(problems, "洪泽区人民政府_2023.pdf")

    fact = report.fact("三", "不予公开_法律法规禁止", "自然人")
    typo_findings = [f for f in report.findings if f.kind == "label_typo" and typo in f.message + f.quote]
    assert typo_findings or typo in fact.printed_row_label, (
        f"typo'd label {typo!r} neither reported as a label_typo finding nor kept as printed_row_label "
        f"({fact.printed_row_label!r})"
    )


def test_hongze_other_handling_is_a_single_row():
    report = load("洪泽区人民政府_2023.pdf")
    problems: list[str] = []
    for col in T3_COLS:
        _check_cell(report, "三", "其他处理", col, 0, problems)
    _report_problems(problems, "洪泽区人民政府_2023.pdf")
    split_rows = [k for k in T3_GROUPS["办理结果_其他处理"] if report.fact("三", k, "总计") is not None]
    assert not split_rows, f"（六）其他处理 is printed as one row, yet facts exist for {split_rows}"


def test_shuyang_ocr_agency_name():
    report = load("沭阳县人民政府_2025.md")
    assert "沐阳" in report.agency, f"agency as printed should keep the OCR'd 沐阳: {report.agency!r}"
    ocr = [f for f in report.findings if f.kind == "ocr" and "沭阳" in f.message + f.quote]
    assert ocr, "no 'ocr' finding naming 沭阳; findings: " + "; ".join(
        f"[{f.kind}] {f.message}" for f in report.findings
    )


def test_shanghai_blank_carry_over_total():
    report = load("上海市科委_2024.md")
    problems: list[str] = []
    _check_cell(report, "三", "结转下年度", "自然人", 1, problems)
    _check_cell(report, "三", "结转下年度", "总计", None, problems)
    _report_problems(problems, "上海市科委_2024.md")
    failed3 = [c for c in report.failed_checks if _table_of(c.rule) == "三"]
    assert failed3, "the blank 结转下年度 总计 breaks 一+二 = （七）+四 in the 总计 column; no 三 check failed"
    for c in failed3:
        text = c.rule + c.description + c.detail
        assert "结转下年度" in text or "总计" in text, f"unexpected failed check {c.rule}: {c.detail}"
