"""The fixed layout of tables 二, 三 and 四 (REPORT_FORMAT.md), for both format versions.

Every row and column has a canonical key (stable, used in the facts store and in
questions) and the label as the national format prints it. Parsers anchor on
these labels; the keys never change with how an agency spelled the label.
"""
from __future__ import annotations

from dataclasses import dataclass

FORMAT_2021 = "2021"
FORMAT_2019 = "2019"


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str  # as the national format prints it
    aliases: tuple[str, ...] = ()  # other spellings seen in real reports
    number: str = ""  # the item number printed before it ("2." or "（三）")


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str
    unit: str = ""  # when it differs from its block's (采购总金额 is 万元, 采购项目数量 a count)


@dataclass(frozen=True)
class Block:
    """A block of table 二: one 第二十条 item with its own columns."""

    key: str
    label: str
    rows: tuple[RowSpec, ...]
    columns: tuple[ColumnSpec, ...]
    decimal: bool = False
    unit: str = "件"


# ---- table 二 -------------------------------------------------------------
_T2_2021 = (
    Block(
        "第二十条第一项",
        "第二十条第（一）项",
        (
            RowSpec("规章", "规章"),
            RowSpec("行政规范性文件", "行政规范性文件", ("规范性文件",)),
        ),
        (
            ColumnSpec("本年制发件数", "本年制发件数"),
            ColumnSpec("本年废止件数", "本年废止件数"),
            ColumnSpec("现行有效件数", "现行有效件数"),
        ),
    ),
    Block(
        "第二十条第五项",
        "第二十条第（五）项",
        (RowSpec("行政许可", "行政许可"),),
        (ColumnSpec("本年处理决定数量", "本年处理决定数量"),),
    ),
    Block(
        "第二十条第六项",
        "第二十条第（六）项",
        (RowSpec("行政处罚", "行政处罚"), RowSpec("行政强制", "行政强制")),
        (ColumnSpec("本年处理决定数量", "本年处理决定数量"),),
    ),
    Block(
        "第二十条第八项",
        "第二十条第（八）项",
        (RowSpec("行政事业性收费", "行政事业性收费"),),
        (ColumnSpec("本年收费金额", "本年收费金额（单位：万元）"),),
        decimal=True,
        unit="万元",
    ),
)

_T2_2019_COUNTS = (
    ColumnSpec("上一年项目数量", "上一年项目数量"),
    ColumnSpec("本年增减", "本年增/减"),
    ColumnSpec("处理决定数量", "处理决定数量"),
)
_T2_2019 = (
    Block(
        "第二十条第一项",
        "第二十条第（一）项",
        (RowSpec("规章", "规章"), RowSpec("规范性文件", "规范性文件", ("行政规范性文件",))),
        (
            ColumnSpec("本年新制作数量", "本年新制作数量"),
            ColumnSpec("本年新公开数量", "本年新公开数量"),
            ColumnSpec("对外公开总数量", "对外公开总数量"),
        ),
    ),
    Block(
        "第二十条第五项",
        "第二十条第（五）项",
        (RowSpec("行政许可", "行政许可"), RowSpec("其他对外管理服务事项", "其他对外管理服务事项")),
        _T2_2019_COUNTS,
    ),
    Block(
        "第二十条第六项",
        "第二十条第（六）项",
        (RowSpec("行政处罚", "行政处罚"), RowSpec("行政强制", "行政强制")),
        _T2_2019_COUNTS,
    ),
    Block(
        "第二十条第八项",
        "第二十条第（八）项",
        (RowSpec("行政事业性收费", "行政事业性收费"),),
        (ColumnSpec("上一年项目数量", "上一年项目数量"), ColumnSpec("本年增减", "本年增/减")),
    ),
    Block(
        "第二十条第九项",
        "第二十条第（九）项",
        (RowSpec("政府集中采购", "政府集中采购"),),
        (ColumnSpec("采购项目数量", "采购项目数量"), ColumnSpec("采购总金额", "采购总金额", unit="万元")),
        decimal=True,
    ),
)


def table2_blocks(format_version: str) -> tuple[Block, ...]:
    return _T2_2019 if format_version == FORMAT_2019 else _T2_2021


# ---- table 三 -------------------------------------------------------------
T3_COLUMNS = (
    ColumnSpec("自然人", "自然人"),
    ColumnSpec("商业企业", "商业企业"),
    ColumnSpec("科研机构", "科研机构"),
    ColumnSpec("社会公益组织", "社会公益组织"),
    ColumnSpec("法律服务机构", "法律服务机构"),
    ColumnSpec("其他", "其他"),
    ColumnSpec("总计", "总计"),
)

_T3_HEAD = (
    RowSpec("新收", "一、本年新收政府信息公开申请数量", ("本年新收政府信息公开申请数量",), "一、"),
    RowSpec("上年结转", "二、上年结转政府信息公开申请数量", ("上年结转政府信息公开申请数量",), "二、"),
    RowSpec("予以公开", "（一）予以公开", (), "（一）"),
    RowSpec("部分公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("部分公开",), "（二）"),
    RowSpec("不予公开_国家秘密", "1.属于国家秘密", (), "1."),
    RowSpec("不予公开_法律法规禁止", "2.其他法律行政法规禁止公开", (), "2."),
    RowSpec("不予公开_三安全一稳定", "3.危及“三安全一稳定”", ("危及三安全一稳定",), "3."),
    RowSpec("不予公开_第三方权益", "4.保护第三方合法权益", (), "4."),
    RowSpec("不予公开_内部事务", "5.属于三类内部事务信息", (), "5."),
    RowSpec("不予公开_过程性信息", "6.属于四类过程性信息", (), "6."),
    RowSpec("不予公开_行政执法案卷", "7.属于行政执法案卷", (), "7."),
    RowSpec("不予公开_行政查询事项", "8.属于行政查询事项", (), "8."),
    RowSpec("无法提供_不掌握", "1.本机关不掌握相关政府信息", (), "1."),
    RowSpec("无法提供_需另行制作", "2.没有现成信息需要另行制作", (), "2."),
    RowSpec("无法提供_补正后仍不明确", "3.补正后申请内容仍不明确", (), "3."),
    RowSpec("不予处理_信访举报投诉", "1.信访举报投诉类申请", (), "1."),
    RowSpec("不予处理_重复申请", "2.重复申请", (), "2."),
    RowSpec("不予处理_公开出版物", "3.要求提供公开出版物", (), "3."),
    RowSpec("不予处理_大量反复申请", "4.无正当理由大量反复申请", (), "4."),
    RowSpec("不予处理_确认或重新出具", "5.要求行政机关确认或重新出具已获取信息", (), "5."),
)
_T3_OTHER_2021 = (
    RowSpec("其他处理_逾期不补正", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", (), "1."),
    RowSpec("其他处理_逾期未缴费", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", (), "2."),
    RowSpec("其他处理_其他", "3.其他", (), "3."),
)
_T3_OTHER_SINGLE = (RowSpec("其他处理", "（六）其他处理", (), "（六）"),)
_T3_TAIL = (
    RowSpec("总计", "（七）总计", (), "（七）"),
    RowSpec("结转下年度", "四、结转下年度继续办理", ("结转下年度继续办理",), "四、"),
)


def table3_rows(single_other_row: bool) -> tuple[RowSpec, ...]:
    """Rows of table 三. The 2019 format (and some 2021 reports) print （六）其他处理 as one row."""
    return _T3_HEAD + (_T3_OTHER_SINGLE if single_other_row else _T3_OTHER_2021) + _T3_TAIL


# Groups of table 三 rows whose sum a question may ask for (不予公开一共…).
T3_GROUPS = {
    "办理结果_不予公开": tuple(r.key for r in _T3_HEAD if r.key.startswith("不予公开_")),
    "办理结果_无法提供": tuple(r.key for r in _T3_HEAD if r.key.startswith("无法提供_")),
    "办理结果_不予处理": tuple(r.key for r in _T3_HEAD if r.key.startswith("不予处理_")),
    "办理结果_其他处理": tuple(r.key for r in _T3_OTHER_2021),
}
T3_GROUP_LABELS = {
    "办理结果_不予公开": "（三）不予公开",
    "办理结果_无法提供": "（四）无法提供",
    "办理结果_不予处理": "（五）不予处理",
    "办理结果_其他处理": "（六）其他处理",
}

# ---- table 四 -------------------------------------------------------------
T4_GROUPS = (
    ColumnSpec("行政复议", "行政复议"),
    ColumnSpec("行政诉讼_直接起诉", "行政诉讼·未经复议直接起诉"),
    ColumnSpec("行政诉讼_复议后起诉", "行政诉讼·复议后起诉"),
)
T4_RESULTS = (
    ColumnSpec("结果维持", "结果维持"),
    ColumnSpec("结果纠正", "结果纠正"),
    ColumnSpec("其他结果", "其他结果"),
    ColumnSpec("尚未审结", "尚未审结"),
    ColumnSpec("总计", "总计"),
)

TABLE_TITLES = {
    "二": "二、主动公开政府信息情况",
    "三": "三、收到和处理政府信息公开申请情况",
    "四": "四、政府信息公开行政复议、行政诉讼情况",
}
