"""The token-stream reader: the same tables read whatever the lines and separators.

The bundled sample is re-laid out the ways portals print it (one cell per line with nothing
between rows, one row per line with blank cells dropped, each table run together on one line,
repeated lines dropped); every figure read must be the one the sample's own grid gives, and the
figures the printed text determines must all be read.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ingest.parts import find_parts
from ingest.pipeline import parse_file
from ingest.stream import repeats_dropped
from ingest.tables import _repeat_readings
from ingest.stream import Token
from ingest.models import Location

SEED = Path(__file__).resolve().parents[1] / "data" / "天津市滨海新区公安局_2022.txt"


def _seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").split("\n")


def cell_per_line() -> str:
    """The tab before each cell and every blank line removed: blank cells vanish."""
    return "\n".join(line.lstrip("\t") for line in _seed_lines() if line.strip())


def row_per_line(joiner: str = " ") -> str:
    """Each table row on one line, its non-blank cells joined; blank cells dropped."""
    out, row = [], []
    for line in _seed_lines():
        if line.startswith("\t"):
            if line.strip():
                row.append(line.strip())
            continue
        if row:
            out.append(joiner.join(row))
            row = []
        if line.strip():
            out.append(line)
    if row:
        out.append(joiner.join(row))
    return "\n".join(out)


def table_on_one_line() -> str:
    """Each table's cells run together on one line (「…数量5600000562000002…」)."""
    out, cells = [], []
    for line in _seed_lines():
        if line.startswith("\t"):
            cells.append(line.strip())
            continue
        if not line.strip():
            continue
        if cells:
            out.append("".join(cells))
            cells = []
        out.append(line)
    if cells:
        out.append("".join(cells))
    return "\n".join(out)


def repeats_removed(text: str) -> str:
    """What a crawler that drops every line equal to the line before it writes."""
    out = []
    for line in text.split("\n"):
        if not out or line != out[-1]:
            out.append(line)
    return "\n".join(out)


@pytest.fixture(scope="module")
def seed_cells():
    report = parse_file(SEED)
    cells = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    assert len(cells) == 200
    return cells


def _read(tmp_path, text: str, name: str = "天津市滨海新区公安局_2022.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_file(path)


@pytest.mark.parametrize("render", [cell_per_line, row_per_line, table_on_one_line])
def test_the_seed_relaid_out_reads_every_cell(tmp_path, seed_cells, render):
    report = _read(tmp_path, render())
    got = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    wrong = {k: (v, seed_cells[k]) for k, v in got.items() if seed_cells.get(k) != v}
    assert not wrong, f"wrong figures: {wrong}"
    missing = sorted(set(seed_cells) - set(got))
    assert not missing, f"{len(missing)} cells unread: {missing[:6]}"
    assert [s.number for s in report.sections] == list("一二三四五六")
    assert not report.failed_checks


def test_repeated_lines_dropped_read_what_the_lines_decide(tmp_path, seed_cells):
    text = repeats_removed(cell_per_line())
    assert repeats_dropped(text)
    report = _read(tmp_path, text)
    got = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    wrong = {k: (v, seed_cells[k]) for k, v in got.items() if seed_cells.get(k) != v}
    assert not wrong, f"wrong figures: {wrong}"
    # table 二's three equal zeros of 规章 print one 「0」: 0, 0, 0 is the only way three cells collapse
    assert got[("二", "规章", "现行有效件数")] == 0
    # 新收 56 0 0 0 0 0 56 prints 56 / 0 / 56: a single 0 between two equal numbers is the five 法人 cells
    assert [got[("三", "新收", c)] for c in ("自然人", "商业企业", "其他", "总计")] == [56, 0, 0, 56]


def test_a_seed_with_ordinary_line_breaks_is_not_taken_for_a_crawler(tmp_path):
    assert not repeats_dropped(cell_per_line())
    assert not repeats_dropped(SEED.read_text(encoding="utf-8"))


def test_repeat_readings_leave_undetermined_positions_open():
    toks = [Token(t, Location(start=i, end=i + 1), atomic=True) for i, t in enumerate(["0", "1", "0", "1"])]
    readings = _repeat_readings(toks, 7)
    sums = [r for r in readings if sum(Decimal(t.text) for t in r[:6]) == Decimal(r[6].text)]
    # the one application can stand in any of the four middle 法人 columns, never in 自然人 or 其他
    assert {tuple(t.text for t in r).index("1") for r in sums} == {1, 2, 3, 4}
    assert all(r[0].text == "0" and r[5].text == "0" and r[6].text == "1" for r in sums)


def test_labels_split_around_their_first_sub_rows_value(tmp_path, seed_cells):
    """「（三）不」 / 「1.属于国家秘密」 / 「0」 / 「予公开」: the group label's second half after the value."""
    text = cell_per_line()
    text = text.replace("（三）不予\n公开\n1.属于国家秘密", "（三）不\n1.属于国家秘密\n0\n予公开", 1)
    assert "予公开" in text
    report = _read(tmp_path, text)
    got = {(f.table, f.row_key, f.col_key): f.value for f in report.facts}
    assert got.get(("三", "不予公开_法律法规禁止", "总计")) == seed_cells[("三", "不予公开_法律法规禁止", "总计")]
    assert not {k for k, v in got.items() if seed_cells.get(k) != v and k[1] != "不予公开_国家秘密"}


@pytest.mark.parametrize("heading", ["四、", "4、", "4. ", "（四）", "第四部分 "])
def test_parts_are_found_by_their_words_whatever_their_numbering(heading):
    text = ("某县人民政府2023年政府信息公开工作年度报告\n本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等部分组成。\n"
            "一、总体情况\n正文。\n二、主动公开政府信息情况\n规章 0 0 0\n三、收到和处理政府信息公开申请情况\n表\n"
            f"{heading}政府信息公开行政复议、行政诉讼情况\n0\n五、存在的主要问题及改进情况\n问题。\n六、其他需要报告的事项\n无。\n")
    parts = find_parts(text)
    assert [p.number for p in parts] == list("一二三四五六")
    assert text[parts[3].start:].startswith(heading.strip())


def test_a_part_named_in_a_sentence_is_no_heading():
    text = "本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况。\n一、总体情况\n2023年…\n二、主动公开政府信息情况\n"
    parts = find_parts(text)
    assert [(p.number, text[p.start:p.start + 2]) for p in parts] == [("一", "一、"), ("二", "二、")]


def test_check_prints_a_row_read_in_part(tmp_path):
    """A row whose printed lines leave some cells undetermined (a crawler's 「0 / 1 / 0 / 1」 for seven
    cells) prints ? for them, and the readings that fit."""
    import os
    import subprocess
    import sys

    path = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "reports" / "莆田市审计局_2020.txt"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"corpus not found at {path}")
        pytest.skip(f"corpus not found at {path}")
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--store", str(tmp_path / "store"), "check", str(path)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.strip().startswith("一、本年新收"))
    assert row.split("\t")[1:] == ["0", "?", "?", "?", "?", "0", "1"]
    assert "fit 4 readings" in proc.stdout
