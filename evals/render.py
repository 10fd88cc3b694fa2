"""Render known tables into the shapes real report files come in, to measure the table parser.

A `Truth` holds every cell of tables 二, 三 and 四 of one report, keyed exactly as the facts of
`ingest.pipeline.parse_file` are: (table, row_key, col_key) with the keys of `ingest.layout`.
It comes either from `synthetic_truth(rng)` (random figures that obey the format's arithmetic,
REPORT_FORMAT.md 勾稽关系) or from `seed_truth()` (the bundled sample report as parsed; that
report is verified cell by cell elsewhere).

`build_document(truth, rng)` lays a Truth out as a whole report: title, intro, the six parts with
a few sentences each, the three tables as grids with the national format's merged cells, and a
signature. Each function of `RENDERINGS` then prints that document the way one kind of
publishing pipeline does (a portal page scraped to one line of text, Word, PDF, Markdown made from
a PDF…) and returns (file name suffix, str or bytes):

    >>> import random
    >>> rng = random.Random("doc")
    >>> truth = synthetic_truth(rng)
    >>> suffix, content = RENDERINGS["flat"](truth, rng)
    >>> suffix, content.count("\\n")
    ('.txt', 1)

Everything is a pure function of the Truth and the random generator passed in: the same seed
gives the same files. The labels printed are those of `ingest.layout` (RowSpec.label,
ColumnSpec.label, Block.label), so the renderings stay true to the format; the few texts of the
format that layout.py does not hold (the header block of table 三, 信息内容, 行政诉讼) are
constants below. The renderings never print a figure ambiguously to a careful human reader
except where the format itself does (cells run together in `flat`); a parser may leave such
cells unread, but must never store a wrong figure.
"""
from __future__ import annotations

import html
import io
import os
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Optional, Union

from ingest.layout import (
    FORMAT_2019, FORMAT_2021, T3_COLUMNS, T3_GROUP_LABELS, T4_GROUPS, T4_RESULTS, TABLE_TITLES, Block, ColumnSpec,
    table2_blocks, table3_rows,
)

REPO = Path(__file__).resolve().parents[1]
SEED_PATH = REPO / "data" / "天津市滨海新区公安局_2022.txt"
# A CJK TrueType font for the PDF: Debian's fonts-wqy-microhei (apt-get install -y fonts-wqy-microhei),
# or any .ttf/.ttc named by the environment variable CJK_FONT.
CJK_FONT = Path(os.environ.get("CJK_FONT") or "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

Key = tuple[str, str, str]  # (table, row_key, col_key)
Value = Union[int, Decimal]

# Texts of the national format that ingest.layout does not hold.
T2_CONTENT = "信息内容"
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANTS = "申请人情况"
T3_LEGAL = "法人或其他组织"
T3_RESULTS = "三、本年度办理结果"
T4_LITIGATION = T4_GROUPS[1].label.split("·")[0]  # 行政诉讼

# Table 三 rows that are not 办理结果 (three label columns wide); all others are results.
T3_OUTSIDE_RESULTS = ("新收", "上年结转", "结转下年度")


# ---- the truth ------------------------------------------------------------------------


@dataclass(repr=False)
class Truth:
    """Every cell of tables 二/三/四 of one report, and what the report prints around them."""

    agency: str
    year: int
    format_version: str  # "2021" or "2019"
    single_other_row: bool  # （六）其他处理 printed as one row with numbers
    cells: dict[Key, Value]
    origin: str = "synthetic"  # or "seed", or the corpus file a truth was read from
    blank: frozenset = frozenset()  # cells the source printed empty (value 0); none for a synthetic truth

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"

    def __repr__(self) -> str:
        """Compact, for test failures: the non-zero cells only (every other cell is 0)."""
        nonzero = ", ".join(f"{'/'.join(k)}={fmt_value(v)}" for k, v in self.cells.items() if v)
        return (f"Truth({self.agency} {self.year}, format {self.format_version}, "
                f"single_other_row={self.single_other_row}, {len(self.cells)} cells, non-zero: {nonzero or 'none'})")


def is_money(block: Block, col: ColumnSpec) -> bool:
    """A 万元 amount (a decimal), as opposed to a count."""
    return block.decimal and (col.unit or block.unit) == "万元"


def table2_keys(fmt: str) -> list[Key]:
    return [("二", r.key, c.key) for b in table2_blocks(fmt) for r in b.rows for c in b.columns]


def table3_keys(single_other_row: bool) -> list[Key]:
    return [("三", r.key, c.key) for r in table3_rows(single_other_row) for c in T3_COLUMNS]


def table4_keys() -> list[Key]:
    return [("四", g.key, c.key) for g in T4_GROUPS for c in T4_RESULTS]


def truth_keys(fmt: str, single_other_row: bool) -> list[Key]:
    """Every cell a report of this format has, in reading order."""
    return table2_keys(fmt) + table3_keys(single_other_row) + table4_keys()


def check_truth(truth: Truth) -> list[str]:
    """What is wrong with a Truth: missing or extra cells, broken arithmetic. [] when it is sound."""
    problems = []
    want = truth_keys(truth.format_version, truth.single_other_row)
    missing = [k for k in want if k not in truth.cells]
    extra = [k for k in truth.cells if k not in set(want)]
    if missing:
        problems.append(f"missing cells: {missing[:5]}{' …' if len(missing) > 5 else ''}")
    if extra:
        problems.append(f"cells the format does not have: {extra[:5]}")
    if missing:
        return problems
    c = truth.cells
    rows = table3_rows(truth.single_other_row)
    results = [r.key for r in rows if r.key not in T3_OUTSIDE_RESULTS and r.key != "总计"]
    for r in rows:
        parts = sum(c[("三", r.key, col.key)] for col in T3_COLUMNS[:-1])
        if parts != c[("三", r.key, "总计")]:
            problems.append(f"三 row {r.key}: parts {parts} != 总计 {c[('三', r.key, '总计')]}")
    for col in T3_COLUMNS:
        v = lambda row: c[("三", row, col.key)]  # noqa: E731
        if v("新收") + v("上年结转") != v("总计") + v("结转下年度"):
            problems.append(f"三 column {col.key}: 新收 + 上年结转 != （七）总计 + 结转下年度")
        if sum(v(r) for r in results) != v("总计"):
            problems.append(f"三 column {col.key}: results do not add up to （七）总计")
    for g in T4_GROUPS:
        parts = sum(c[("四", g.key, r.key)] for r in T4_RESULTS[:-1])
        if parts != c[("四", g.key, "总计")]:
            problems.append(f"四 {g.key}: parts {parts} != 总计")
    for k, v in c.items():
        if v < 0 and k[2] != "本年增减":
            problems.append(f"negative figure {k} = {v}")
    return problems


# ---- synthetic truths -----------------------------------------------------------------

# (province, city, county-level unit); the agency is printed city + county (+ department).
_PLACES = (
    ("江苏省", "南京市", "江宁区"), ("江苏省", "苏州市", "昆山市"), ("江苏省", "徐州市", "沛县"),
    ("浙江省", "杭州市", "余杭区"), ("浙江省", "温州市", "瑞安市"), ("浙江省", "金华市", "义乌市"),
    ("山东省", "济南市", "历城区"), ("山东省", "潍坊市", "寿光市"), ("山东省", "临沂市", "沂水县"),
    ("广东省", "佛山市", "南海区"), ("广东省", "惠州市", "博罗县"), ("广东省", "湛江市", "廉江市"),
    ("四川省", "成都市", "双流区"), ("四川省", "绵阳市", "江油市"), ("四川省", "宜宾市", "叙州区"),
    ("湖北省", "宜昌市", "夷陵区"), ("湖北省", "襄阳市", "枣阳市"), ("湖南省", "长沙市", "浏阳市"),
    ("湖南省", "岳阳市", "平江县"), ("河南省", "洛阳市", "偃师区"), ("河南省", "南阳市", "邓州市"),
    ("福建省", "泉州市", "晋江市"), ("福建省", "漳州市", "龙海区"), ("安徽省", "合肥市", "肥西县"),
    ("安徽省", "阜阳市", "临泉县"), ("江西省", "赣州市", "南康区"), ("江西省", "上饶市", "鄱阳县"),
    ("河北省", "保定市", "涿州市"), ("河北省", "石家庄市", "正定县"), ("陕西省", "西安市", "长安区"),
    ("山西省", "晋中市", "榆次区"), ("云南省", "曲靖市", "宣威市"), ("贵州省", "遵义市", "仁怀市"),
    ("甘肃省", "天水市", "秦州区"), ("广西壮族自治区", "桂林市", "临桂区"), ("辽宁省", "大连市", "金州区"),
    ("吉林省", "长春市", "九台区"), ("黑龙江省", "哈尔滨市", "双城区"), ("重庆市", "", "万州区"),
)
_COUNTY_DEPARTMENTS = (
    "发展和改革局", "人力资源和社会保障局", "市场监督管理局", "自然资源局", "教育局", "卫生健康委员会",
    "卫生健康局", "财政局", "民政局", "司法局", "住房和城乡建设局", "交通运输局", "农业农村局", "水利局",
    "应急管理局", "退役军人事务局", "医疗保障局", "统计局", "审计局", "文化和旅游局", "商务局",
    "城市管理局", "行政审批局", "林业局", "人民政府办公室", "公安分局", "生态环境分局", "科学技术局",
)
_CITY_DEPARTMENTS = (
    "发展和改革委员会", "人力资源和社会保障局", "市场监督管理局", "自然资源和规划局", "教育局",
    "卫生健康委员会", "生态环境局", "住房和城乡建设局", "交通运输局", "公安局", "人民政府办公室",
)
_TOWNS = ("城关镇", "新桥镇", "石门镇", "龙泉镇", "白沙镇", "河口镇", "东城街道办事处", "南苑街道办事处")


def agency_name(rng: random.Random) -> str:
    """A plausible agency: a county/district government, one of its departments, a city department, a town."""
    province, city, county = rng.choice(_PLACES)
    roll = rng.random()
    if roll < 0.22:
        name = f"{city}{county}人民政府"
    elif roll < 0.78:
        name = f"{city}{county}{rng.choice(_COUNTY_DEPARTMENTS)}"
    elif roll < 0.9 and city:
        name = f"{city}{rng.choice(_CITY_DEPARTMENTS)}"
    else:
        town = rng.choice(_TOWNS)
        name = f"{city}{county}{town}" + ("" if town.endswith("办事处") else "人民政府")
    if rng.random() < 0.08 and not province.endswith("市"):
        name = province + name
    return name


def _count(rng: random.Random, p_zero: float, max_digits: int, big: float = 0.15) -> int:
    """Mostly 0; otherwise a 1–3 digit figure, and with probability `big` up to `max_digits` digits."""
    if rng.random() < p_zero:
        return 0
    digits = rng.randint(1, min(3, max_digits))
    if max_digits > 3 and rng.random() < big:
        digits = rng.randint(4, max_digits)
    digits = min(digits, max_digits)
    return rng.randint(1 if digits == 1 else 10 ** (digits - 1), 10**digits - 1)


def _money(rng: random.Random, p_zero: float = 0.55) -> Decimal:
    """A 万元 amount: 0, or like 16220.85 / 4068.208 / 350."""
    if rng.random() < p_zero:
        return Decimal(0)
    whole = _count(rng, 0, 6, big=0.5)
    places = rng.choice((0, 1, 2, 2, 2, 3, 4, 6))
    if places == 0:
        return Decimal(whole)
    return Decimal(f"{whole}.{rng.randint(1, 10**places - 1):0{places}d}")


def _split(rng: random.Random, n: int, m: int) -> list[int]:
    """n split into m non-negative parts (uniform cut points)."""
    cuts = sorted(rng.randint(0, n) for _ in range(m - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, n])]


def _synthetic_t2(rng: random.Random, fmt: str) -> dict[Key, Value]:
    cells: dict[Key, Value] = {}
    for block in table2_blocks(fmt):
        for row in block.rows:
            for col in block.columns:
                key = ("二", row.key, col.key)
                if is_money(block, col):
                    cells[key] = _money(rng)
                elif row.key == "规章":
                    cells[key] = _count(rng, 0.9, 2)  # departments make no 规章
                elif block.key == "第二十条第一项":  # 规范性文件: a few a year, tens to hundreds in force
                    cells[key] = _count(rng, 0.45, 3 if col.key in ("现行有效件数", "对外公开总数量") else 2)
                elif col.key == "本年增减":
                    prev = cells[("二", row.key, "上一年项目数量")]
                    cells[key] = 0 if rng.random() < 0.5 else rng.randint(-prev, prev // 2 + 5)
                elif row.key in ("行政许可", "行政处罚") or col.key == "处理决定数量":
                    cells[key] = _count(rng, 0.35, 6, big=0.3)  # 4–6 digit figures now and then
                else:
                    cells[key] = _count(rng, 0.55, 4)
    return cells


# How likely each 办理结果 row is to be used in a report, and where applications go.
_RESULT_USE = {
    "予以公开": 0.8, "部分公开": 0.35, "无法提供_不掌握": 0.6, "不予处理_信访举报投诉": 0.25,
    "不予处理_重复申请": 0.2, "其他处理": 0.3, "其他处理_其他": 0.25, "其他处理_逾期不补正": 0.15,
}
_COLUMN_USE = {"自然人": 0.92, "商业企业": 0.35, "科研机构": 0.04, "社会公益组织": 0.06, "法律服务机构": 0.15, "其他": 0.12}
_SCALES = (("none", 0, 0.12), ("tiny", 5, 0.35), ("small", 40, 0.3), ("medium", 300, 0.17), ("large", 3000, 0.06))


def _synthetic_t3(rng: random.Random, single_other_row: bool) -> dict[Key, Value]:
    rows = table3_rows(single_other_row)
    results = [r.key for r in rows if r.key not in T3_OUTSIDE_RESULTS and r.key != "总计"]
    _, n_max, _ = rng.choices(_SCALES, weights=[s[2] for s in _SCALES])[0]
    used = [k for k in results if rng.random() < _RESULT_USE.get(k, 0.07)] or ["予以公开"]
    cells: dict[Key, Value] = {}
    for col in T3_COLUMNS[:-1]:
        handled = {k: 0 for k in results}
        carried_out = carried_in = 0
        if n_max and rng.random() < _COLUMN_USE[col.key]:
            n = rng.randint(1, n_max if col.key == "自然人" else max(1, n_max // 6))
            for k, part in zip(used, _split(rng, n, len(used))):
                handled[k] = part
            carried_out = 0 if rng.random() < 0.7 else rng.randint(1, max(1, n // 5))
            # 新收 = 总计 + 结转下年度 − 上年结转 must stay ≥ 0
            carried_in = 0 if rng.random() < 0.6 else rng.randint(0, n + carried_out)
        total = sum(handled.values())
        figures = {**handled, "总计": total, "结转下年度": carried_out, "上年结转": carried_in,
                   "新收": total + carried_out - carried_in}
        for k, v in figures.items():
            cells[("三", k, col.key)] = v
    for r in rows:  # the 总计 column: each row's six applicant columns
        cells[("三", r.key, "总计")] = sum(cells[("三", r.key, c.key)] for c in T3_COLUMNS[:-1])
    return cells


def _synthetic_t4(rng: random.Random) -> dict[Key, Value]:
    cells: dict[Key, Value] = {}
    use = {"行政复议": 0.3, "行政诉讼_直接起诉": 0.2, "行政诉讼_复议后起诉": 0.12}
    for g in T4_GROUPS:
        active = rng.random() < use[g.key]
        parts = [rng.choice((0, 0, 1, 1, 2, 3, rng.randint(1, 40))) if active else 0 for _ in T4_RESULTS[:-1]]
        for res, v in zip(T4_RESULTS, [*parts, sum(parts)]):
            cells[("四", g.key, res.key)] = v
    return cells


def synthetic_truth(rng: random.Random) -> Truth:
    """A random report whose cells obey the format's arithmetic exactly.

    `rng` is any random.Random: a seeded one for the CLI, or hypothesis' `st.randoms()` in tests.
    """
    fmt = FORMAT_2019 if rng.random() < 0.25 else FORMAT_2021
    year = rng.choice((2019, 2020)) if fmt == FORMAT_2019 else rng.randint(2021, 2025)
    single = fmt == FORMAT_2019 or rng.random() < 0.15  # 2019 prints （六）其他处理 as one row; so do some 2021 reports
    agency = agency_name(rng)
    cells = {**_synthetic_t2(rng, fmt), **_synthetic_t3(rng, single), **_synthetic_t4(rng)}
    truth = Truth(agency, year, fmt, single, cells)
    problems = check_truth(truth)
    assert not problems, problems  # the generator's own promise
    return truth


def seed_truth(path: Path = SEED_PATH) -> Truth:
    """The cells of the bundled sample report, as `ingest.pipeline.parse_file` reads them.

    That report is verified cell by cell elsewhere (tests/test_seed_report.py), so its parse is a
    trustworthy truth; a parse that is incomplete or does not add up raises ValueError.
    """
    from ingest.pipeline import parse_file

    truth = truth_from_report(parse_file(path), origin="seed")
    problems = check_truth(truth)
    if problems:
        raise ValueError(f"the parse of {path.name} is not a usable truth: " + "; ".join(problems))
    return truth


def truth_from_report(report, origin: str) -> Truth:
    """A Truth of a parsed report's facts (whatever they are: `check_truth` says whether it is usable)."""
    money = {("二", r.key, c.key) for b in table2_blocks(report.format_version or FORMAT_2021)
             for r in b.rows for c in b.columns if is_money(b, c)}
    cells: dict[Key, Value] = {}
    blank = set()
    for f in report.facts:
        key = (f.table, f.row_key, f.col_key)
        cells[key] = f.value if key in money or f.value != f.value.to_integral_value() else int(f.value)
        if f.blank:
            blank.add(key)
    return Truth(report.agency, report.year, report.format_version or FORMAT_2021,
                 ("三", "其他处理", "总计") in cells, cells, origin=origin, blank=frozenset(blank))


def fmt_value(v: Value) -> str:
    return format(v, "f") if isinstance(v, Decimal) else str(v)


# ---- the document ---------------------------------------------------------------------


@dataclass
class Para:
    text: str
    kind: str = "text"  # title | heading (一、…) | subheading (（一）…) | text | signature


@dataclass
class TCell:
    """One cell of a table grid, placed at (r, c); cells covered by a span are not listed."""

    r: int
    c: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    key: Optional[Key] = None  # the truth cell it prints (None for labels and headers)
    value: Optional[Value] = None

    @property
    def is_value(self) -> bool:
        return self.key is not None


@dataclass
class Table:
    name: str  # 二 | 三 | 四
    ncols: int
    cells: list[TCell]
    header_rows: int = 0  # leading rows that a PDF repeats after a page break

    @property
    def nrows(self) -> int:
        return max(c.r + c.rowspan for c in self.cells)

    def rows(self) -> list[list[TCell]]:
        """The cells of each grid row, left to right, as HTML lists them (covered cells omitted)."""
        out: list[list[TCell]] = [[] for _ in range(self.nrows)]
        for cell in self.cells:
            out[cell.r].append(cell)
        return [sorted(r, key=lambda c: c.c) for r in out]


@dataclass
class Document:
    truth: Truth
    blocks: list[Union[Para, Table]] = field(default_factory=list)
    date: str = ""

    def tables(self) -> dict[str, Table]:
        return {b.name: b for b in self.blocks if isinstance(b, Table)}


def _value_cell(truth: Truth, r: int, c: int, key: Key, colspan: int = 1) -> TCell:
    v = truth.cells[key]
    return TCell(r, c, fmt_value(v), colspan=colspan, key=key, value=v)


def build_table2(truth: Truth) -> Table:
    """Four columns, as the template: block title across; 信息内容 + its columns; a row per item."""
    cells, r = [], 0
    for block in table2_blocks(truth.format_version):
        k = len(block.columns)
        spans = [1] * (k - 1) + [3 - (k - 1)]  # the last column takes what is left of the three
        cells.append(TCell(r, 0, block.label, colspan=4))
        r += 1
        cells.append(TCell(r, 0, T2_CONTENT))
        for j, (col, span) in enumerate(zip(block.columns, spans)):
            cells.append(TCell(r, 1 + j, col.label, colspan=span))
        r += 1
        for row in block.rows:
            cells.append(TCell(r, 0, row.label))
            for j, (col, span) in enumerate(zip(block.columns, spans)):
                cells.append(_value_cell(truth, r, 1 + j, ("二", row.key, col.key), span))
            r += 1
    return Table("二", 4, cells)


def build_table3(truth: Truth) -> Table:
    """Ten columns: three of labels (三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密), seven of figures."""
    cells = [
        TCell(0, 0, T3_NOTE, rowspan=3, colspan=3), TCell(0, 3, T3_APPLICANTS, colspan=7),
        TCell(1, 3, T3_COLUMNS[0].label, rowspan=2), TCell(1, 4, T3_LEGAL, colspan=5),
        TCell(1, 9, T3_COLUMNS[-1].label, rowspan=2),
        *(TCell(2, 4 + i, col.label) for i, col in enumerate(T3_COLUMNS[1:-1])),
    ]
    rows = table3_rows(truth.single_other_row)
    n_results = sum(1 for s in rows if s.key not in T3_OUTSIDE_RESULTS)
    group_size: dict[str, int] = {}
    for s in rows:
        if "_" in s.key:
            group_size[s.key.split("_")[0]] = group_size.get(s.key.split("_")[0], 0) + 1
    r, seen = 3, set()
    for spec in rows:
        if spec.key in T3_OUTSIDE_RESULTS:
            cells.append(TCell(r, 0, spec.label, colspan=3))
        else:
            if T3_RESULTS not in seen:
                seen.add(T3_RESULTS)
                cells.append(TCell(r, 0, T3_RESULTS, rowspan=n_results))
            group = spec.key.split("_")[0] if "_" in spec.key else None
            if group:
                if group not in seen:
                    seen.add(group)
                    cells.append(TCell(r, 1, T3_GROUP_LABELS["办理结果_" + group], rowspan=group_size[group]))
                cells.append(TCell(r, 2, spec.label))
            else:
                cells.append(TCell(r, 1, spec.label, colspan=2))
        for j, col in enumerate(T3_COLUMNS):
            cells.append(_value_cell(truth, r, 3 + j, ("三", spec.key, col.key)))
        r += 1
    return Table("三", 10, cells, header_rows=3)


def build_table4(truth: Truth) -> Table:
    """Fifteen columns: 行政复议 | 行政诉讼 (未经复议直接起诉 | 复议后起诉), five results each, one row of figures."""
    n = len(T4_RESULTS)
    cells = [TCell(0, 0, T4_GROUPS[0].label, colspan=n), TCell(0, n, T4_LITIGATION, colspan=2 * n)]
    cells += [TCell(1, i, res.label, rowspan=2) for i, res in enumerate(T4_RESULTS)]
    cells += [TCell(1, n * g, T4_GROUPS[g].label.split("·")[-1], colspan=n) for g in (1, 2)]
    cells += [TCell(2, n * g + i, res.label) for g in (1, 2) for i, res in enumerate(T4_RESULTS)]
    cells += [_value_cell(truth, 3, n * g + i, ("四", grp.key, res.key))
              for g, grp in enumerate(T4_GROUPS) for i, res in enumerate(T4_RESULTS)]
    return Table("四", 3 * n, cells, header_rows=3)


def _t(truth: Truth, *key: str) -> Value:
    return truth.cells.get(key, 0)  # type: ignore[arg-type]


def build_document(truth: Truth, rng: random.Random) -> Document:
    """The whole report: title, intro, parts 一–六 (tables in 二–四), signature and date."""
    y, short = truth.year, rng.choice(("我局", "本机关", "我单位", "本单位"))
    if truth.agency.endswith("人民政府"):
        short = rng.choice(("我区", "我县", "本级政府", "我市"))
    notice = "国办公开办函〔2019〕60号" if truth.format_version == FORMAT_2019 else "国办公开办函〔2021〕30号"
    new = _t(truth, "三", "新收", "总计")
    carried = _t(truth, "三", "上年结转", "总计")
    review = _t(truth, "四", "行政复议", "总计")
    suits = _t(truth, "四", "行政诉讼_直接起诉", "总计") + _t(truth, "四", "行政诉讼_复议后起诉", "总计")
    docs_made = _t(truth, "二", "行政规范性文件", "本年制发件数") or _t(truth, "二", "规范性文件", "本年新制作数量")
    published = rng.randint(30, 3000)
    P = Para
    blocks: list[Union[Para, Table]] = [
        P(truth.title, "title"),
        P(f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室"
          f"关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{notice}）要求，由{truth.agency}编制。"
          f"本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。本报告电子版可在{truth.agency}门户网站"
          f"政府信息公开专栏查阅或下载。如对本报告有任何疑问，请与{truth.agency}办公室联系。"),
        P("一、总体情况", "heading"),
        P(f"{y}年，{short}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》，"
          f"坚持以公开为常态、不公开为例外，扎实推进政务公开各项工作。"),
        P("（一）主动公开", "subheading"),
        P(f"全年通过门户网站主动公开政府信息{published}条，其中政策文件{rng.randint(0, 60)}条、政策解读"
          f"{rng.randint(0, 30)}篇" + (f"，制发行政规范性文件{docs_made}件" if docs_made and rng.random() < 0.6 else "")
          + "。"),
        P("（二）依申请公开", "subheading"),
        P(rng.choice((
            f"{y}年共受理政府信息公开申请{new}件，上年结转{carried}件，均在法定期限内予以答复。",
            f"全年共收到政府信息公开申请{new + carried + rng.choice((0, 0, 1, 2))}件（含撤回申请），已全部办结。",
        )) if new or carried else f"{y}年度{short}未收到政府信息公开申请。"),
        P("（三）政府信息管理", "subheading"),
        P("严格落实公开前保密审查制度，动态更新政府信息公开指南和目录，规范做好政府信息的发布、更新和归档。"),
        P("（四）平台建设", "subheading"),
        P(f"持续加强政府网站和政务新媒体建设，全年通过政务新媒体发布信息{rng.randint(0, 2000)}条。"),
        P("（五）监督保障", "subheading"),
        P(f"将政务公开工作纳入年度绩效考核，组织开展政务公开专题培训{rng.randint(1, 6)}次。"
          + (f"全年发生政府信息公开行政复议{review}起、行政诉讼{suits}起。" if review or suits else "")),
        P(TABLE_TITLES["二"], "heading"), build_table2(truth),
        P(TABLE_TITLES["三"], "heading"), build_table3(truth),
        P(TABLE_TITLES["四"], "heading"), build_table4(truth),
        P("五、存在的主要问题及改进情况", "heading"),
        P(rng.choice(("一是主动公开的深度和广度有待拓展；二是政策解读形式较为单一；三是工作人员业务能力有待提升。",
                      "政府信息公开工作仍存在公开内容不够全面、更新不够及时等问题。")),),
        P("下一步，" + short + "将进一步加强业务培训，完善信息发布审核机制，提升政务公开质效。"),
        P("六、其他需要报告的事项", "heading"),
        P(rng.choice(("本年度未收取信息处理费。", f"本年度收取信息处理费{rng.randint(0, 900)}元。"))
          + rng.choice(("无其他需要报告的事项。", f"{short}认真落实政务公开工作年度要点，按要求完成各项任务。"))),
    ]
    date = f"{y + 1}年1月20日"
    blocks += [P(truth.agency, "signature"), P(date, "signature")]
    return Document(truth, blocks, date)


# ---- helpers shared by the renderings ---------------------------------------------------

_NUMBER_CHARS = set("0123456789.-+")


def _inner_positions(text: str) -> list[int]:
    """Positions where a space or a line break may go inside a label: never inside a number."""
    return [i for i in range(1, len(text))
            if not (text[i - 1] in _NUMBER_CHARS and text[i] in _NUMBER_CHARS)
            and not text[i - 1].isspace() and not text[i].isspace()]


def _insert(text: str, rng: random.Random, what: str) -> str:
    spots = _inner_positions(text)
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + what + text[i:]


def _zero_blanker(rng: random.Random, always: bool = False) -> Callable[[TCell], bool]:
    """Whether a zero cell is printed empty: all zeros, some zeros (Word users vary), or (unless
    `always`) none."""
    mode = rng.choice(("all", "all", "mixed") if always else ("all", "all", "mixed", "none"))
    if mode == "none":
        return lambda cell: False
    if mode == "all":
        return lambda cell: cell.value == 0
    return lambda cell: cell.value == 0 and rng.random() < 0.5


def _text(cell: TCell, blank: Callable[[TCell], bool]) -> str:
    return "" if cell.is_value and blank(cell) else cell.text


# ---- renderings: plain text ---------------------------------------------------------------


def render_flat(truth: Truth, rng: random.Random) -> tuple[str, str]:
    """A portal page scraped to text: the whole article on one line, cells run together, no separators."""
    doc = build_document(truth, rng)
    out = []
    for b in doc.blocks:
        out += [b.text] if isinstance(b, Para) else [c.text for row in b.rows() for c in row]
    return ".txt", "".join(out) + "\n"


def render_spaced(truth: Truth, rng: random.Random) -> tuple[str, str]:
    """Flat, with irregular spaces inside labels and between cells ('30 0 0 0 03'); never inside a number."""
    doc = build_document(truth, rng)
    out = []
    for b in doc.blocks:
        if isinstance(b, Para):
            out += [b.text, rng.choice(("", " "))]
            continue
        for row in b.rows():
            density = rng.random() * 0.8  # how spaced a row is changes from row to row
            for cell in row:
                text = cell.text
                if not cell.is_value and len(text) > 3 and rng.random() < 0.25:
                    text = _insert(text, rng, " ")  # 「社会公益 组织」
                out.append(text)
                if rng.random() < density:
                    out.append(" " * rng.choice((1, 1, 1, 2)))
    return ".txt", "".join(out) + "\n"


def _row_label(row: list[TCell], rng: random.Random, joiner: str) -> str:
    return joiner.join(c.text for c in row if not c.is_value)


def render_label_breaks(truth: Truth, rng: random.Random) -> tuple[str, str]:
    """A line per row, but labels broken by a space or a line break ('（三）不予\\n公开') and now and
    then a row glued to the previous row's last figure ('… 0 16.属于四类过程性信息 …')."""
    doc = build_document(truth, rng)
    lines: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Para):
            lines.append(b.text)
            continue
        for row in b.rows():
            labels = []
            for cell in row:
                if cell.is_value:
                    continue
                text = cell.text
                if len(text) >= 4 and rng.random() < 0.35:
                    text = _insert(text, rng, rng.choice((" ", "\n")))
                labels.append(text)
            label = rng.choice(("", " ")).join(labels)
            values = " ".join(c.text for c in row if c.is_value)
            line = " ".join(p for p in (label, values) if p)
            glue = (lines and re.match(r"\d+\.", label) and lines[-1][-1:].isdigit() and rng.random() < 0.3)
            if glue:
                lines[-1] += line  # the line break between two rows got lost
            else:
                lines.append(line)
    return ".txt", "\n".join(lines) + "\n"


def render_page_markers(truth: Truth, rng: random.Random) -> tuple[str, str]:
    """A line per row (cells separated by tabs or spaces), with page numbers ('— 4 —', '- 6 -', '第 3 页')
    between lines, and table 三's header printed again after the page break inside it."""
    doc = build_document(truth, rng)
    style = rng.choice(("— {} —", "- {} -", "第 {} 页", "—{}—"))
    page = rng.randint(1, 3)
    entries: list[tuple[str, str]] = []  # (line, where: "text" | "t3" (a data row of 三) | table name)
    for b in doc.blocks:
        if isinstance(b, Para):
            entries.append((b.text, "text"))
            continue
        for i, row in enumerate(b.rows()):
            sep = rng.choice(("\t", " ", "  ", "\t"))
            where = "t3" if b.name == "三" and b.header_rows + 2 <= i < b.nrows - 2 else b.name
            entries.append((sep.join(c.text for c in row), where))
    t3_rows = [i for i, (_, w) in enumerate(entries) if w == "t3"]
    breaks = {rng.choice(t3_rows)} | set(rng.sample(range(3, len(entries)), rng.randint(1, 3)))
    header3 = [" ".join(c.text for c in row) for row in doc.tables()["三"].rows()[:3]]
    lines = []
    for i, (line, where) in enumerate(entries):
        if i in breaks:
            lines += ["", style.format(page), ""] if rng.random() < 0.6 else [style.format(page)]
            page += 1
            if where == "t3":
                lines += header3  # Word repeats the header rows on the new page
        lines.append(line)
    lines += ["", style.format(page)]
    return ".txt", "\n".join(lines) + "\n"


def render_blanks(truth: Truth, rng: random.Random) -> tuple[str, str]:
    """A line per row, cells separated by tabs, zero cells printed empty (Word exports; blank = 0)."""
    doc = build_document(truth, rng)
    blank = _zero_blanker(rng, always=True)
    lines = []
    for b in doc.blocks:
        if isinstance(b, Para):
            lines.append(b.text)
        else:
            lines += ["\t".join(_text(c, blank) for c in row) for row in b.rows()]
    return ".txt", "\n".join(lines) + "\n"


def render_markdown_rows(truth: Truth, rng: random.Random) -> tuple[str, str]:
    """PDF→Markdown: each table row, or a few rows, as a Markdown table of its own; now and then an
    empty trailing cell."""
    doc = build_document(truth, rng)
    hashes = rng.random() < 0.5
    lines: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Para):
            prefix = {"title": "# ", "heading": "## "}.get(b.kind, "") if hashes else ""
            lines += [prefix + b.text, ""]
            continue
        rows, i = b.rows(), 0
        while i < len(rows):
            group = rows[i:i + rng.choice((1, 1, 2, 3))]
            i += len(group)
            trailing = rng.random() < 0.2
            for n, row in enumerate(group):
                cells = [c.text for c in row] + ([""] if trailing else [])
                lines.append("| " + " | ".join(cells) + " |")
                if n == 0:
                    lines.append("|" + "---|" * len(cells))
            lines.append("")
    return ".md", "\n".join(lines)


# ---- renderings: Word, HTML, PDF -------------------------------------------------------------


def render_docx(truth: Truth, rng: random.Random) -> tuple[str, bytes]:
    """A Word file (python-docx) with real merged cells, as the national template has them."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = build_document(truth, rng)
    blank = _zero_blanker(rng)
    out = docx.Document()
    out.core_properties.created = out.core_properties.modified = datetime(truth.year + 1, 1, 20, tzinfo=timezone.utc)
    for b in doc.blocks:
        if isinstance(b, Para):
            p = out.add_paragraph()
            run = p.add_run(b.text)
            run.bold = b.kind in ("title", "heading")
            if b.kind == "title":
                run.font.size = Pt(18)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif b.kind == "signature":
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            continue
        table = out.add_table(rows=b.nrows, cols=b.ncols)
        table.style = "Table Grid"
        for cell in b.cells:
            target = table.cell(cell.r, cell.c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(cell.r + cell.rowspan - 1, cell.c + cell.colspan - 1))
            target.text = _text(cell, blank)
    buf = io.BytesIO()
    out.save(buf)
    return ".docx", _fixed_zip_times(buf.getvalue(), (truth.year + 1, 1, 20, 0, 0, 0))


def _fixed_zip_times(data: bytes, when: tuple[int, int, int, int, int, int]) -> bytes:
    """The same zip with every member dated `when`: python-docx stamps members with the time of saving."""
    src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=when), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _html_cell(cell: TCell, blank: Callable[[TCell], bool], rng: random.Random) -> str:
    attrs = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
        f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
    text = html.escape(_text(cell, blank))
    if cell.is_value:
        pad = rng.choice(("", "", "&nbsp;"))
        inner = f"{pad}{text}{pad}" if text else rng.choice(("", "&nbsp;"))
    else:
        inner = text
        if text.find("（") > 0 and rng.random() < 0.2:
            inner = text.replace("（", "<br/>（", 1)  # 本年收费金额<br/>（单位：万元）
    style = ' style="text-align:center;"' if rng.random() < 0.5 else ""
    return f'<td{attrs}{style}><p style="margin:0;">{inner}</p></td>'


def render_html_portal(truth: Truth, rng: random.Random) -> tuple[str, str]:
    """A whole portal page: header and navigation, breadcrumb, the article with real tables
    (rowspan/colspan), related links, footer, and a script listing other agencies."""
    doc = build_document(truth, rng)
    blank = _zero_blanker(rng)
    others = [agency_name(rng) for _ in range(6)]
    site = truth.agency if truth.agency.endswith("人民政府") else re.sub(r"(区|县|市)[^区县市]*$", r"\1人民政府", truth.agency)
    body = []
    for b in doc.blocks:
        if isinstance(b, Para):
            if b.kind == "title":
                continue  # printed as the article's <h1>
            esc = html.escape(b.text)
            if b.kind == "heading":
                body.append(f'<p style="text-indent:2em;"><strong>{esc}</strong></p>')
            elif b.kind == "signature":
                body.append(f'<p style="text-align:right;">{esc}</p>')
            else:
                body.append(f'<p style="text-indent:2em;">{esc}</p>')
            continue
        rows = "".join("<tr>" + "".join(_html_cell(c, blank, rng) for c in row) + "</tr>" for row in b.rows())
        body.append(f'<table border="1" cellspacing="0" cellpadding="0" style="width:100%;border-collapse:collapse;">'
                    f"<tbody>{rows}</tbody></table>")
    related = "".join(f'<li><a href="/zwgk/ndbg/{i}.html">{html.escape(o)}{truth.year}年政府信息公开工作年度报告</a>'
                      f"<span>{truth.year + 1}-01-{20 + i:02d}</span></li>" for i, o in enumerate(others[:4]))
    script_names = ", ".join(f'"{o}"' for o in others)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(truth.title)}_{html.escape(site)}</title>
<meta name="keywords" content="政府信息公开,年度报告"><style>.article td{{border:1px solid #000;}}</style>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); }})();</script></head>
<body><div class="header"><div class="logo"><a href="/">{html.escape(site)}</a></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zjxq/">走进{html.escape(site[:6])}</a></li></ul>
<div class="search"><input type="text" placeholder="请输入关键词"><button>搜索</button></div></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/ndbg/">年度报告</a></div>
<div class="article"><h1>{html.escape(truth.title)}</h1>
<div class="info">发布时间：{truth.year + 1}-01-20 来源：{html.escape(truth.agency)} 浏览次数：{rng.randint(50, 5000)}</div>
<div class="content">{''.join(body)}</div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a><a href="javascript:window.close()">【关闭窗口】</a></div></div>
<div class="related"><h3>相关链接</h3><ul>{related}</ul></div>
<div class="footer"><p>主办单位：{html.escape(site)}办公室　　网站标识码：{rng.randint(3000000000, 3999999999)}</p>
<p>ICP备{rng.randint(10000000, 99999999)}号　　联系电话：0{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}</p></div>
<script type="text/javascript">var relatedAgencies = [{script_names}];
for (var i = 0; i < relatedAgencies.length; i++) {{ console.log(relatedAgencies[i] + "{truth.year}年政府信息公开工作年度报告"); }}</script>
</body></html>
"""
    return ".html", page


def cjk_font() -> Optional[Path]:
    """The CJK font the PDF is drawn with, or None when it is not installed."""
    return CJK_FONT if CJK_FONT.is_file() else None


def render_pdf(truth: Truth, rng: random.Random) -> tuple[str, bytes]:
    """A PDF with a text layer (fpdf2, WenQuanYi Micro Hei), tables drawn as grids with merged cells,
    page numbers in the footer."""
    doc = build_document(truth, rng)
    return ".pdf", draw_pdf(doc.blocks, truth.year, _zero_blanker(rng), rng)


def draw_pdf(blocks: list[Union[Para, Table]], year: int, blank: Callable[[TCell], bool], rng: random.Random) -> bytes:
    """Paragraphs and table grids drawn into an A4 PDF with a text layer; `blank(cell)` says which
    value cells are printed empty."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    font = cjk_font()
    if font is None:
        raise RuntimeError(f"{CJK_FONT} is missing: apt-get install -y fonts-wqy-microhei")
    widths = {"二": (46, 48, 48, 48), "三": (14, 22, 52, 15, 15, 15, 15, 15, 14, 13), "四": (12.6,) * 15}
    dash = rng.choice(("— {} —", "- {} -"))

    class Report(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("wqy", size=9)
            self.cell(0, 10, dash.format(self.page_no()), align="C")

    pdf = Report(format="A4")
    pdf.set_creation_date(datetime(year + 1, 1, 20, tzinfo=timezone.utc))
    pdf.add_font("wqy", fname=str(font), collection_font_number=0)
    pdf.set_margins(10, 15, 10)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for b in blocks:
        if isinstance(b, Para):
            size = {"title": 16, "heading": 12}.get(b.kind, 10.5)
            pdf.set_font("wqy", size=size)
            align = {"title": "C", "signature": "R"}.get(b.kind, "L")
            pdf.multi_cell(0, size * 0.6, b.text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
            continue
        pdf.set_font("wqy", size=7.5 if b.name != "二" else 9)
        with pdf.table(col_widths=widths[b.name], text_align="CENTER", first_row_as_headings=False,
                       line_height=4, num_heading_rows=0) as grid:
            for row in b.rows():
                out = grid.row()
                for cell in row:
                    out.cell(_text(cell, blank), colspan=cell.colspan, rowspan=cell.rowspan)
        pdf.ln(2)
    return bytes(pdf.output())


# ---- the acceptance cases: the seed, flattened in two ordinary ways ---------------------------


def seed_flattened_cell_per_line(path: Path = SEED_PATH) -> str:
    """The seed as exported (a tab before each table cell, one cell per line) with every blank line
    removed, so the blank cells (lines of a tab alone) vanish."""
    text = path.read_text(encoding="utf-8")
    return "".join(line for line in text.splitlines(keepends=True) if line.strip())


RENDERINGS: dict[str, Callable[[Truth, random.Random], tuple[str, Union[str, bytes]]]] = {
    "flat": render_flat,
    "spaced": render_spaced,
    "label_breaks": render_label_breaks,
    "markdown_rows": render_markdown_rows,
    "page_markers": render_page_markers,
    "blanks": render_blanks,
    "docx": render_docx,
    "html_portal": render_html_portal,
    "pdf": render_pdf,
}


def write_rendering(truth: Truth, name: str, rng: random.Random, directory: Path, stem: str) -> Path:
    """Render `truth` with rendering `name` into directory/stem<suffix>; the file's path."""
    suffix, content = RENDERINGS[name](truth, rng)
    path = Path(directory) / f"{stem}{suffix}"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path
