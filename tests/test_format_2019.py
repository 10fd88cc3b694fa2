"""The 2019 trial format (国办公开办函〔2019〕60号), on a report this test writes itself.

The corpus has 2019-format reports only as flattened portal text; this file is made here in the layout Word exports
to text (one cell per tab-indented line, rows separated by blank lines), with figures chosen so the
format's arithmetic holds: table 二's 2019 columns (本年新制作数量…, 本年增/减 — negative here),
and （六）其他处理 as one row.
"""
from __future__ import annotations

from decimal import Decimal

from ingest.pipeline import parse_file

T2 = [
    ("第二十条第（一）项", ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
     [("规章", ["1", "1", "5"]), ("规范性文件", ["12", "12", "80"])]),
    ("第二十条第（五）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政许可", ["30", "-3", "1200"]), ("其他对外管理服务事项", ["10", "2", "300"])]),
    ("第二十条第（六）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政处罚", ["5", "0", "450"]), ("行政强制", ["2", "-1", "20"])]),
    ("第二十条第（八）项", ["信息内容", "上一年项目数量", "本年增/减"], [("行政事业性收费", ["3", "-1"])]),
    ("第二十条第（九）项", ["信息内容", "采购项目数量", "采购总金额"], [("政府集中采购", ["15", "320.5"])]),
]
Z = ["0"] * 7
T3 = [
    ("一、本年新收政府信息公开申请数量", ["8", "2", "0", "0", "0", "0", "10"]),
    ("二、上年结转政府信息公开申请数量", ["1", "0", "0", "0", "0", "0", "1"]),
    ("（一）予以公开", ["4", "1", "0", "0", "0", "0", "5"]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ["2", "0", "0", "0", "0", "0", "2"]),
    ("1.属于国家秘密", Z), ("2.其他法律行政法规禁止公开", Z), ("3.危及“三安全一稳定”", Z),
    ("4.保护第三方合法权益", ["1", "0", "0", "0", "0", "0", "1"]), ("5.属于三类内部事务信息", Z),
    ("6.属于四类过程性信息", Z), ("7.属于行政执法案卷", Z), ("8.属于行政查询事项", Z),
    ("1.本机关不掌握相关政府信息", ["2", "0", "0", "0", "0", "0", "2"]), ("2.没有现成信息需要另行制作", Z),
    ("3.补正后申请内容仍不明确", Z),
    ("1.信访举报投诉类申请", Z), ("2.重复申请", Z), ("3.要求提供公开出版物", Z), ("4.无正当理由大量反复申请", Z),
    ("5.要求行政机关确认或重新出具已获取信息", Z),
    ("（六）其他处理", ["0", "1", "0", "0", "0", "0", "1"]),
    ("（七）总计", ["9", "2", "0", "0", "0", "0", "11"]),
    ("四、结转下年度继续办理", Z),
]
T4 = ["1", "0", "0", "0", "1", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0"]


def _row(cells: list[str]) -> str:
    return "".join(f"\t{c}\n" for c in cells) + "\n"


def write_report(path):
    parts = ["某某县人民政府2020年政府信息公开工作年度报告\n", "一、总体情况\n",
             "2020年，本县依照《条例》和国办公开办函〔2019〕60号的要求编制本报告，全年收到政府信息公开申请10件。\n",
             "二、主动公开政府信息情况\n"]
    for head, cols, rows in T2:
        parts.append(_row([head]))
        parts.append(_row(cols))
        for label, values in rows:
            parts.append(_row([label, *values]))
    parts.append("三、收到和处理政府信息公开申请情况\n")
    parts.append(_row(["", "自然人", "法人或其他组织", "总计"]))
    parts.append(_row(["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]))
    for label, values in T3:
        parts.append(_row([label, *values]))
    parts.append("四、政府信息公开行政复议、行政诉讼情况\n")
    parts.append(_row(["行政复议", "行政诉讼"]))
    parts.append(_row(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"]))
    parts.append(_row(T4))
    parts.append("五、存在的主要问题及改进情况\n问题是公开不够及时。\n六、其他需要报告的事项\n本年度未收取任何费用。\n")
    path.write_text("".join(parts), encoding="gb18030")  # a legacy encoding, as older reports often are


def test_2019_format_tables(tmp_path):
    path = tmp_path / "某某县人民政府_2020.txt"
    write_report(path)
    report = parse_file(path)
    assert report.format_version == "2019"
    assert report.year == 2020 and "某某县人民政府" in report.agency
    assert all(t.parsed for t in report.tables), report.tables

    def v(table, row, col):
        f = report.fact(table, row, col)
        assert f is not None, (table, row, col)
        return f.value

    assert v("二", "规范性文件", "本年新制作数量") == 12
    assert v("二", "规范性文件", "对外公开总数量") == 80
    assert v("二", "行政许可", "本年增减") == -3
    assert v("二", "其他对外管理服务事项", "处理决定数量") == 300
    assert v("二", "行政强制", "本年增减") == -1
    assert v("二", "行政事业性收费", "上一年项目数量") == 3
    assert v("二", "政府集中采购", "采购总金额") == Decimal("320.5")
    assert report.fact("二", "政府集中采购", "采购总金额").unit == "万元"
    assert report.fact("二", "政府集中采购", "采购项目数量").unit == "件"

    assert v("三", "其他处理", "商业企业") == 1  # one row in the 2019 format
    assert report.fact("三", "其他处理_其他", "总计") is None
    assert v("三", "总计", "总计") == 11
    assert v("四", "行政诉讼_直接起诉", "尚未审结") == 1
    assert report.checks and not report.failed_checks, [c.detail for c in report.failed_checks]


def test_run_together_cells_with_their_unit_are_split_by_the_sentence_stating_them():
    """A 2019-format report flattened to one line prints 「政府集中采购215419886元」: the amount with its unit
    after it, the two cells run together. Its narrative states 「今年共发布采购信息21条共5419886元」, which
    decides the split; the unit printed (元) is the cell's, not the column's 万元."""
    from tests.conftest import CORPUS, require_files
    path = CORPUS / "reports" / "平潭综合实验区管委会办公室_2019.txt"
    require_files(path)
    report = parse_file(path)
    cells = {f.col_key: f for f in report.facts if f.table == "二" and f.row_key == "政府集中采购"}
    assert cells["采购项目数量"].value == Decimal(21)
    assert cells["采购总金额"].value == Decimal(5419886) and cells["采购总金额"].unit == "元"
    assert any("5419886元" in f.message and "21/5419886" in f.message for f in report.findings)
