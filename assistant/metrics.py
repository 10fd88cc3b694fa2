"""The words people use for the table cells, mapped to the canonical keys of ingest.layout.

Order matters: the more specific phrase is tried first (部分公开 before 公开, 复议后起诉 before 起诉).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ingest.layout import T3_GROUPS, T3_GROUP_LABELS


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # how the answer names it
    table: str
    rows: tuple[str, ...]  # one row, or the rows a sum runs over
    col: str  # the default column
    unit: str = "件"
    group: bool = False  # a group of rows: (三)不予公开 …
    fallback_rows: tuple[str, ...] = ()  # rows to use when a report prints the group as one row


def _t3(key, label, rows=None, group=False, fallback=()):
    return Metric(key, label, "三", tuple(rows or (key,)), "总计", group=group, fallback_rows=fallback)


def _t4(key, label, rows):
    return Metric(key, label, "四", tuple(rows), "总计", unit="件", group=len(rows) > 1)


def _t2(key, label, col="本年处理决定数量", unit="件"):
    return Metric(key, label, "二", (key,), col, unit=unit)


_G = T3_GROUPS
METRICS: list[tuple[str, Metric]] = [
    # table 三: the reasons first, then their groups, then the headline rows
    (r"国家秘密|涉密|涉及秘密|保密事项|属于秘密", _t3("不予公开_国家秘密", "不予公开（属于国家秘密）")),
    (r"法律行政法规禁止|法律法规禁止|法规禁止", _t3("不予公开_法律法规禁止", "不予公开（其他法律行政法规禁止公开）")),
    (r"三安全一稳定|危及.{0,6}稳定", _t3("不予公开_三安全一稳定", "不予公开（危及“三安全一稳定”）")),
    (r"第三方|第三人", _t3("不予公开_第三方权益", "不予公开（保护第三方合法权益）")),
    (r"内部事务", _t3("不予公开_内部事务", "不予公开（属于三类内部事务信息）")),
    (r"过程性", _t3("不予公开_过程性信息", "不予公开（属于四类过程性信息）")),
    (r"执法案卷", _t3("不予公开_行政执法案卷", "不予公开（属于行政执法案卷）")),
    (r"行政查询|查询事项", _t3("不予公开_行政查询事项", "不予公开（属于行政查询事项）")),
    (r"不掌握|没有(?:这个|该|相关|这些|这类|这份|这条|此)?信息|没这个信息|找不到|信息不存在|查无|没有掌握", _t3("无法提供_不掌握", "无法提供（本机关不掌握相关政府信息）")),
    (r"另行制作|没有现成|重新制作|需要加工|另外.{0,2}(?:制作|加工|做|整理)", _t3("无法提供_需另行制作", "无法提供（没有现成信息需要另行制作）")),
    (r"补正.{0,12}(?:不明确|不清楚|不清|没(?:说|讲|写)清楚?|说不明白)|仍不明确|内容不明确|说不清楚?", _t3("无法提供_补正后仍不明确", "无法提供（补正后申请内容仍不明确）")),
    (r"信访|举报|投诉", _t3("不予处理_信访举报投诉", "不予处理（信访举报投诉类申请）")),
    (r"重复申请|重复提出|重复的申请|重复提交|重复", _t3("不予处理_重复申请", "不予处理（重复申请）")),
    (r"出版物", _t3("不予处理_公开出版物", "不予处理（要求提供公开出版物）")),
    (r"大量反复|反复申请|大量申请", _t3("不予处理_大量反复申请", "不予处理（无正当理由大量反复申请）")),
    (r"重新出具|确认.{0,4}已获取|要求.{0,4}确认", _t3("不予处理_确认或重新出具", "不予处理（要求行政机关确认或重新出具已获取信息）")),
    (r"逾期不补正|不补正|没有补正|未补正|(?:过了?期限|逾期|超过期限|超期|到期)[^，。？?]{0,4}?(?:没|未|不)补|补正[^。？?]{0,14}?(?:没补|未补|不补|没有补)", _t3("其他处理_逾期不补正", "其他处理（申请人无正当理由逾期不补正）")),
    (r"缴纳费用|缴费|交费|交钱|未缴|没交", _t3("其他处理_逾期未缴费", "其他处理（申请人逾期未按收费通知要求缴纳费用）")),
    (r"(?<!不予)(?<!拒绝)(?<!不让)(?<!不给)(?<!予以)(?<![不未没拒])(?:公开率|公开(?:了)?的?比例|公开的?占比|公开了的比例)|全部或者?部分|(?<!予以)(?<![不未没拒])公开(?:或者?|和|与|及)部分公开|全部(?:和|与|及|加上?)部分|(?:拿到|得到|获得)了?[（(]?(?:全部或者?部分)?[)）]?的?(?:政府)?信息", Metric("公开", "予以公开与部分公开", "三", ("予以公开", "部分公开"), "总计", group=True)),
    (r"部分公开|公开了一部分|公开一部分|区分处理", _t3("部分公开", "部分公开")),
    (r"不予公开|拒绝公开|不公开|没有公开|不让公开|不给公开|未予公开|未公开", _t3("办理结果_不予公开", T3_GROUP_LABELS["办理结果_不予公开"], _G["办理结果_不予公开"], True)),
    (r"无法提供|没法提供|提供不了|不能提供|无法答复", _t3("办理结果_无法提供", T3_GROUP_LABELS["办理结果_无法提供"], _G["办理结果_无法提供"], True)),
    (r"不予处理|不处理|没有处理|未予处理", _t3("办理结果_不予处理", T3_GROUP_LABELS["办理结果_不予处理"], _G["办理结果_不予处理"], True)),
    (r"其他处理|其他方式处理|其他情形", _t3("办理结果_其他处理", T3_GROUP_LABELS["办理结果_其他处理"], _G["办理结果_其他处理"], True, ("其他处理",))),
    (r"予以公开|同意公开|给(?:予|了)?公开(?!率)|全部公开|全部予以公开|准予公开|批准公开|答复公开|(?<!主动)公开了多少|(?<!主动)公开了几|给予公开|是公开的|获得公开|得到公开|同意了", _t3("予以公开", "予以公开")),
    (r"上年结转|上一年结转|去年结转|结转过来|上年度结转|上年转来|从上一?年转|上一?年遗留|上一?年留下|上一?年.{0,8}(?:转过来|转来|转入|结转)|从\d{4}\s*年?.{0,4}转|转过来|接着办", _t3("上年结转", "上年结转政府信息公开申请数量")),
    (r"结转下年|转入下一?年|转到下一?年|下一?年度?继续|结转到|还没办完|没有办完|未办结|没办完|转下一年|留到下一?年|拖到下一?年|明年继续", _t3("结转下年度", "结转下年度继续办理")),
    (r"办理结果总计|办结了?(?:多少|几)|(?:办理|处理|答复)了?(?:多少|几)|(?<!收到和)(?:办理|处理|答复|办结)了?的?(?:政府信息公开|信息公开)?申请.{0,3}(?:多少|几)|办理完|总共办理|办理结果|处理完|办完了|办完的|办结|答复完", _t3("总计", "本年度办理结果总计")),
    # table 四
    # 「复议后又起诉」「先复议、后来又去法院告」「复议完不服再打官司」: a lawsuit after the review
    (r"复议[、，,]?(?:之?后|以后|后来|然后|完了?|结束后?|过后|不服|再|又)[^，。？?；;]{0,8}?(?:起诉|诉讼|打官司|告|法院|法庭)|经复议后|复议后又", _t4("行政诉讼_复议后起诉", "行政诉讼（复议后起诉）", ("行政诉讼_复议后起诉",))),
    (r"直接起诉|(?:未经|(?<!有)(?<!复议)没有?(?:走|经过?|申请|通过|去)?|(?<!是)(?<!复议)不(?:走|经过?|通过)|跳过|绕过)(?:行政)?复议|直接(?:去|到|向)?(?:法院|法庭)?(?:打官司|告|起诉|诉讼)", _t4("行政诉讼_直接起诉", "行政诉讼（未经复议直接起诉）", ("行政诉讼_直接起诉",))),
    (r"行政诉讼|诉讼|起诉|打官司|告上法庭|官司|被告|法院|法庭", _t4("行政诉讼", "行政诉讼（直接起诉与复议后起诉合计）", ("行政诉讼_直接起诉", "行政诉讼_复议后起诉"))),
    (r"复议", _t4("行政复议", "行政复议", ("行政复议",))),
    # table 二
    (r"行政事业性收费|收费金额|事业性收费", _t2("行政事业性收费", "行政事业性收费金额", "本年收费金额", "万元")),
    (r"行政处罚|处罚|罚款|罚了|罚得|罚的|罚过", _t2("行政处罚", "行政处罚决定")),
    (r"行政许可|许可", _t2("行政许可", "行政许可决定")),
    (r"行政强制|强制措施|强制", _t2("行政强制", "行政强制决定")),
    (r"规章", _t2("规章", "规章", "本年制发件数")),
    (r"规范性文件|红头文件", Metric("行政规范性文件", "行政规范性文件", "二", ("行政规范性文件",), "本年制发件数", fallback_rows=("规范性文件",))),
    # the headline count last: 申请 is in many questions about the other rows
    (r"受理|收到|接到|新收|接收|(?:有没有|有无|是否有|没有|有)人[来去]?(?:申请|提)|申请了多少|申请数|申请量|(?:多少|几)(?:件|个|份|条|起)?[^，。？?、]{0,6}申请|申请(?:信息)?公开的有|申请.{0,8}多少|提出.{0,10}申请|提交.{0,10}申请|申请.{0,8}(?:多了|少了|增加|减少|变化|最多|最少)|申请(?:件数|数量)|申请了|申请过|申请的有|几件申请|多少申请|申请信息公开|(?:企业|公司|个人|自然人|老百姓|群众|律师|律所|法律服务机构|科研机构|公益组织|社会组织)(?:[^。？?，,]{0,6}申请|[^。？?，,]{0,3}提(?:的|出|交|了))", _t3("新收", "本年新收政府信息公开申请数量")),
]
_COMPILED = [(re.compile(p), m) for p, m in METRICS]

# Rows whose words also name things outside the disclosure process: 信访/举报/投诉 are petitions and
# complaints an agency handles on their own (「接到信访投诉事项6359件」), and the row counts only the
# disclosure applications that were one. Such a row is named only where the question speaks of
# applications or of their handling; elsewhere its words stay unexplained and the question goes to the prose.
_IN_CONTEXT = {
    # (applications; their handling, done or refused — 没给处理, 不予处理; or being classed as one — 被当成信访)
    "不予处理_信访举报投诉": re.compile(r"申请|[不没未][^，。？?、]{0,2}(?:处理|受理)|办理结果|表三|当成|当作|算作|归为|视为|认定为"),
}


def in_context(metric: "Metric", question: str) -> bool:
    """May the question's words name this row (see _IN_CONTEXT)?"""
    rx = _IN_CONTEXT.get(metric.key)
    return rx is None or bool(rx.search(question))


def out_of_context(question: str) -> set[str]:
    """The keys of the rows the question's words may not name (see _IN_CONTEXT)."""
    return {key for key, rx in _IN_CONTEXT.items() if not rx.search(question)}


def patterns_for(question: str) -> list[str]:
    """The phrase patterns of the measures the question may name (a row needing a context it lacks left out)."""
    return [p for p, m in METRICS if in_context(m, question)]

# narrative topics that share words with the tables: 信息处理费 is part 六's text, not 行政事业性收费
_NARRATIVE_FIRST = re.compile(r"信息处理费|处理费|费用|花了|花费|支出|开支|收了多少钱|收取.{0,6}费|主动公开|网站|新媒体|微博|微信|培训|问题|改进|整改|(?:怎么|如何|怎样|咋)改(?!成|为)|措施|做法|经验|平台|政策解读|解读|会议|栏目")
_TABLE_WORDS = re.compile(r"行政事业性收费|收费金额|事业性收费|集中采购|申请|复议|诉讼|起诉|处罚|许可|强制|规范性文件|规章")

COLUMN_WORDS = [
    ("自然人", re.compile(r"自然人|个人|老百姓|群众|公民|市民|居民")),
    ("商业企业", re.compile(r"商业企业|企业|公司|商家")),
    ("科研机构", re.compile(r"科研")),
    ("社会公益组织", re.compile(r"公益|社会组织")),
    ("法律服务机构", re.compile(r"法律服务|律师|律所")),
    ("其他", re.compile(r"其他组织|其他法人|其他单位")),
]
T4_RESULT_WORDS = [
    # (败诉 and 驳回 are not results the format counts: 结果纠正 includes 确认违法, 维持 is not 驳回)
    ("结果纠正", re.compile(r"(?<![没未不非])纠正|纠错|撤销|改判|被改|确认违法")),
    ("结果维持", re.compile(r"(?<![没未不非])维持")),
    ("尚未审结", re.compile(r"尚未审结|没审完|未审结|没审结|没有审结|还在审|没有结案|未结案|还没结|没结案|审理中|没判完|没判下来|还没判|"
                           r"(?:结案|审结|判完|了结)了?(?:吗|没有?|与否)|是否(?:已经?)?(?:结案|审结)|有没有(?:结案|审结)")),
    ("其他结果", re.compile(r"其他结果|其他的结果|别的结果|另外的结果|其他情况的结果")),
]
T2_COLUMN_WORDS = [
    # the 2019 trial format's columns first: 新制作 is not 制作 of the 2021 format's 制发
    ("本年新公开数量", re.compile(r"新公开")),
    ("对外公开总数量", re.compile(r"对外公开总数|公开总数|对外公开的?[^，。？?]{0,10}(?:累计|总数)")),
    ("本年新制作数量", re.compile(r"新制作")),
    ("上一年项目数量", re.compile(r"上一?年[^，,。？?]{0,4}?项目")),
    # (the 2019 format's printed change; a 2021 report has none, and the change is then computed)
    ("本年增减", re.compile(r"增减|增/减|增加或减少|增加了?还是减少|变化了?多少|多出|多了几|少了几")),
    ("本年废止件数", re.compile(r"(?:清理)?(?:并|和|、)?(?:废止|废除|废掉|废了|取消)")),
    ("现行有效件数", re.compile(r"现行有效|有效的|还有效|仍有效|现行|生效")),
    ("本年制发件数", re.compile(r"制发|新制|出台|印发|发布|制定")),
    # the 2019 format's 政府集中采购 row: its count of projects and their amount
    ("采购总金额", re.compile(r"总金额|金额|多少钱|花了多少")),
    ("采购项目数量", re.compile(r"项目")),
]
_PURCHASE_COLUMNS = {"采购总金额", "采购项目数量"}


# measures no table holds: time taken, money fined, staff — these go to the narrative (and usually to not_found)
_NOT_IN_TABLES = re.compile(r"平均|多少天|几天|天数|多长时间|多久|时长|工资|薪|人数|编制|多少人|几个人|(?<!收费)(?<!采购总)(?<!采购)金额|多少钱|罚款.{0,6}(?:多少|金额)|满意度|点击量|访问量")
_FEES = re.compile(r"信息处理费|处理费|收费吗|收费了|收费情况|收不收费|要收费|收了多少(?:钱|费)|收取.{0,4}费|费用|花了多少")
_NEW_VERB = re.compile(r"受理|收到|接到|新收|接收|提出|提交")
_AND = re.compile(r"和|与|及|加上|(?<![增追参])加(?!起来|在一起|总)|以及|还有|、|包括|连同|含|或")
# 「占多少」「占了总数的几成」: a part's share of the whole (a share of two measures joined is of their sum)
OCCUPY = r"占(?:了|到)?(?:总数|全部|所有|总量|总体|全年|整体)?的?(?:(?:多少|几)(?!\s*[件个起次条项份人家])|百分|多大|大概|比)"
_TOGETHER = re.compile(r"加起来|一共|合计|总共|总数|共计|加在一起|总和|合起来|合在一起|算在一起|加一块|算在一块|占了|占比|比例|比重|百分之|" + OCCUPY)


# a total asked (not a share: 「因为不掌握信息没法提供的占百分之几」 names the row by its group, it sums nothing)
_SUMMED = re.compile(r"加起来|一共|合计|总共|总数|共计|加在一起|总和|合起来|合在一起|算在一起|加一块|算在一块")


# a measure the question rules out (「只问复议，不算打官司的」「既不是维持也不是纠正」) is not the one asked
# (「既没被维持也没被纠正」「不是个人提的」: a result or an applicant the question excludes)
_RULED_OUT = (r"打官司|官司|诉讼|起诉|复议|维持|纠正|纠错|个人|自然人|老百姓|群众|企业|公司|律师|律所"
              r"|(?:从)?上一?年度?(?:结转|转)(?:过来|来)?的?|结转(?:过来|来)?的?")  # (不算从上一年结转过来的)
# (「有没有被纠错」「是不是维持」 ask yes or no: no measure is ruled out)
NEGATED = re.compile(r"(?<!有)(?<!是)(?:不算|不含|不包括|不计|除去|除了|排除|不问|并非|而非|不是|没被|未被|没有被|既没|也没|既未|也未)"
                     r"(?:[^，。,；;？?、]{0,2})(?=" + _RULED_OUT + r"|公开|处理)")
_NEGATED_WORD = re.compile(NEGATED.pattern + r"(?:" + _RULED_OUT + r")")


# 依申请公开 as a kind of information the agency made (「主动公开和依申请公开的」「依申请公开信息」 — counted in
# the prose in 条), not the applications table 三 counts
_INFO_KIND = re.compile(r"主动公开(?:的?(?:信息)?)?(?:和|与|及|、|以及)依申请公开|依申请公开(?:的?(?:信息)?)?(?:和|与|及|、|以及)主动公开"
                        r"|依申请公开的?(?:政府)?信息")


def mask_negated(question: str) -> str:
    """The question with the measures it rules out blanked (same length, so positions hold), and the
    kinds of information that only sound like a row (依申请公开信息)."""
    blank = lambda m: "\0" * len(m.group(0))
    return _INFO_KIND.sub(blank, _NEGATED_WORD.sub(blank, question))


# 「办结的申请里，直接予以公开的比例」: a share of the whole named beside it
_PART_OF = re.compile(r"比例|比重|占比|百分之|百分比|几成|" + OCCUPY)


# 「最后是怎么处理的」「办理结果怎么样」: how the applications were handled — the result rows, each with its figure
OUTCOME = re.compile(r"(?:最后|最终|后来|都)?(?:是)?(?:怎么|如何|怎样)(?:处理|办理|答复|回复|办)的?|(?:处理|办理|答复)(?:结果|情况)(?:怎么样|如何|是什么|怎样|呢)|结果(?:怎么样|如何|是什么|怎样)")
# questions about the report itself, answered from the line that states it: (kind, pattern)
METADATA = (
    ("signed", re.compile(r"落款|签署|签发|成文(?:日期|时间)?")),
    ("published", re.compile(r"(?:什么时候|何时|哪天|哪一天|几号|几月几[日号]|日期|时间)[^，。？?]{0,6}(?:发布|公布|发出|公开|出来|出的|出了|印发|上网)"
                             r"|(?:发布|公布|发出|印发|上网)[^，。？?]{0,4}(?:时间|日期|的时间|于何时|是哪天|是什么时候|是哪一天|在哪天)")),
    ("period", re.compile(r"统计(?:期限|时限|周期|区间|时间|范围|口径)|数据(?:时限|期限|时间范围|截止)|(?:统计|数据)[^，。？?]{0,4}从什么时候")),
    ("publisher", re.compile(r"(?:哪个|哪家|什么|谁)[^，。？?]{0,6}(?:发布|公布|印发|编(?!号)|制作|撰写|出具|写的)|(?:发布|编制)(?:机构|单位|部门)")),
)
# the report itself named (or a term only the report's own lines use): 「谁作出的处罚最多」 asks no metadata
_OF_THE_REPORT = re.compile(r"年报|报告|这份|本报告|发布时间|发布机构|落款|统计期限|统计时限|数据时限")


def metadata_asked(question: str) -> str:
    """Which fact about the report itself the question asks (published, signed, period, publisher), or ""."""
    if not _OF_THE_REPORT.search(question):
        return ""
    return next((kind for kind, rx in METADATA if rx.search(question)), "")


# 「为什么没有公开」: the reason the report gives, quoted — never a count
REASON = re.compile(r"为什么|为何|为啥|什么原因|啥原因|什么理由|原因是什么|理由是什么|怎么会")


def outcome_metrics() -> list["Metric"]:
    """Every result row of table 三 (in the format's order, both layouts of （六）其他处理), for a question
    about how applications were handled."""
    from ingest.layout import table3_rows

    rows = [r for r in (*table3_rows(False), *table3_rows(True)) if r.key not in ("新收", "上年结转", "总计", "结转下年度")]
    seen, out = set(), []
    for r in rows:
        if r.key not in seen:
            seen.add(r.key)
            named = next((m for _, m in METRICS if m.key == r.key and m.table == "三"), None)
            out.append(_t3(r.key, named.label if named else r.label))
    return out


def narrative_topics(question: str) -> list[str]:
    """The words that make a question one about the narrative (费用, 花了, 问题, 改进, 培训…): a topic of its own."""
    return [m.group(0) for rx in (_NARRATIVE_FIRST, _NOT_IN_TABLES, _FEES, REASON, *(r for _, r in METADATA))
            for m in rx.finditer(question)]


def find_metric(question: str) -> Optional[Metric]:
    """The table cell(s) the question asks about, or None for a question about the narrative.

    Two measures joined by 和/加上 in a question about a total (「予以公开和部分公开加起来」)
    become one sum over both.
    """
    if _NARRATIVE_FIRST.search(question) and not _TABLE_WORDS.search(question):
        return None
    # (a fee or an amount is the narrative's, unless the question names a table row that counts money:
    # 「政府集中采购一共花了多少钱」 is the 2019 format's 采购总金额)
    if _NOT_IN_TABLES.search(question) and not re.search(r"收费金额|行政事业性收费|集中采购", question):
        return None
    if _FEES.search(question) and not re.search(r"收费金额|行政事业性收费|事业性收费|集中采购", question):
        return None  # 信息处理费 is told in part 六, not counted in a table
    found, spans = _scan(question)
    masked = mask_negated(question)
    by_label = match_label(masked)
    if by_label is not None:
        label_metric, used = by_label
        broader = all(m.key == "新收" or (m.group and label_metric.key in m.rows) for _, m in found)
        if not any(m.key == label_metric.key for _, m in found) and broader:
            # the phrases found only the headline count or the row's group: the label names the row itself
            return label_metric
    if not found:
        return None
    keys = {m.key for _, m in found}
    if keys & {"行政许可", "行政处罚", "行政强制"}:
        # 「行政许可处理了多少件」: 处理 is the decisions' own column (处理决定数量), not 办理结果总计
        found = [(p, m) for p, m in found if m.key != "总计"] or found
    found.sort(key=lambda x: x[0])
    groups = [m for _, m in found if m.group and m.key in T3_GROUPS]
    if groups and _SUMMED.search(question):
        # 「逾期不补正或者其他原因没再处理的（其他处理），加起来」: a group named with some of its rows, summed,
        # is the group
        g = groups[0]
        inside = {*g.rows, *g.fallback_rows}
        if all(m is g or set(m.rows) <= inside for _, m in found):
            return g
    first = found[0][1]
    same = [m for _, m in found if m.table == first.table and m.col == first.col]
    if len(same) > 2 or (len(same) == 2 and ("总计" not in {m.key for m in same} or _PART_OF.search(question))):
        # 「办理结果里，予以公开和部分公开合计占了百分之几」: 办理结果 is the whole, not a part
        same = [m for m in same if m.key != "总计"]
    if len(same) > 1:
        # only measures joined to each other (「直接起诉和复议后起诉」「新收的加上年留下来的」) are summed:
        # 「收到的申请，公开率（予以公开加部分公开占总数）」 sums two, 收到的申请 is what they are of
        same = _joined(same, spans, question) or same
        if "新收" in {m.key for m in same} and len(same) > 1:
            a, b = spans["新收"]
            if not _NEW_VERB.search(question[a:b]):
                same = [m for m in same if m.key != "新收"]  # 申请 alone is in most questions
    if len(same) > 1 and _AND.search(question) and _TOGETHER.search(question):
        rows = tuple(dict.fromkeys(r for m in same for r in m.rows))
        # a measure inside another one named (公开率 with 予以公开加部分公开 spelled out) is said once
        shown = list({m.rows: m for m in same if not any(set(m.rows) < set(o.rows) for o in same)}.values())
        if len(shown) == 1 and shown[0].rows == rows:
            return shown[0]
        label = "与".join(m.label for m in shown)
        return Metric("+".join(m.key for m in shown), label, first.table, rows, first.col, first.unit, group=True)
    return found[0][1] if len(found) == 1 else _most_specific(found)


# ---- the lexicon the format's own labels give -------------------------------------------------
# Every row of tables 二 and 三 (both format versions) is reachable by the words of its printed label,
# not only by the phrases above: 「补正以后申请内容还是不明确」 names 3.补正后申请内容仍不明确 by 补正, 内容, 明确.
# Words every label shares say nothing about which row it is.
_LABEL_FILLER = {"政府", "信息", "公开", "申请", "申请人", "行政", "机关", "属于", "相关", "要求", "需要", "其他",
                 "没有", "数量", "本年", "处理", "不再", "政府信息", "获取信息", "正当理由", "年度"}
_LABEL_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")


@dataclass(frozen=True)
class LabelEntry:
    metric: Metric
    words: tuple[str, ...]  # the label's distinctive words


def _label_lexicon() -> list[LabelEntry]:
    from ingest.layout import table2_blocks, table3_rows
    from vectorstore.chunks import _jieba

    def words(label: str) -> tuple[str, ...]:
        text = re.sub(r"（[^）]*）", "", _LABEL_NUMBER.sub("", label))
        cut = _jieba().cut(re.sub(r"[^\u4e00-\u9fff]", " ", text))
        return tuple(dict.fromkeys(w for w in cut if len(w) >= 2 and w not in _LABEL_FILLER))

    out, seen = [], set()
    for single in (False, True):
        for row in table3_rows(single):
            if row.key not in seen:
                seen.add(row.key)
                out.append(LabelEntry(_t3(row.key, _LABEL_NUMBER.sub("", row.label)), words(row.label)))
    for fmt in ("2021", "2019"):
        for block in table2_blocks(fmt):
            for row in block.rows:
                if row.key not in seen:
                    seen.add(row.key)
                    col = block.columns[-1].key if block.columns[-1].key != "采购总金额" else block.columns[0].key
                    out.append(LabelEntry(Metric(row.key, row.label, "二", (row.key,), col, unit=block.unit), words(row.label)))
    return [e for e in out if e.words]


_LEXICON: Optional[list[LabelEntry]] = None
MIN_LABEL_SHARE = 0.6  # of a label's distinctive characters the question must use


def match_label(question: str) -> Optional[tuple[Metric, list[str]]]:
    """The row whose printed label the question's words cover best (two distinctive words at least, and
    MIN_LABEL_SHARE of their characters), with the words used; None when no row or two rows fit equally."""
    global _LEXICON
    if _LEXICON is None:
        _LEXICON = _label_lexicon()
    scored = []
    for entry in _LEXICON:
        if not in_context(entry.metric, question):
            continue
        used = [w for w in entry.words if w in question]
        share = sum(map(len, used)) / sum(map(len, entry.words))
        if len(used) >= 2 and share >= MIN_LABEL_SHARE:
            scored.append((share, len(used), entry, used))
    if not scored:
        return None
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    if len(scored) > 1 and scored[0][:2] == scored[1][:2]:
        return None
    return scored[0][2].metric, scored[0][3]


def scan_measures(question: str) -> tuple[list[tuple[int, Metric]], dict[str, tuple[int, int]]]:
    """The measures the phrases name, each with where it was found (see _scan)."""
    return _scan(question)


def _scan(question: str) -> tuple[list[tuple[int, Metric]], dict[str, tuple[int, int]]]:
    """The measures the phrases name, each with where it was found (a phrase found hides its text from
    the phrases after it)."""
    found: list[tuple[int, Metric]] = []
    spans: dict[str, tuple[int, int]] = {}
    rest = mask_negated(question)
    for rx, metric in _COMPILED:
        if not in_context(metric, question):
            continue
        m = rx.search(rest)
        if m:
            found.append((m.start(), metric))
            spans.setdefault(metric.key, (m.start(), m.end()))
            rest = rest[: m.start()] + "\0" * (m.end() - m.start()) + rest[m.end():]
    return found, spans


_EACH_MEASURE = re.compile(r"分别|各自|各有|各是|各(?:多少|几|为)|各[有是]?(?:多少|几)")


def each_measure(question: str) -> list[Metric]:
    """「复议和诉讼各有多少件」「予以公开和部分公开分别是多少」: measures of one table joined by 和/与 and asked
    one by one, each its own figure, in the order named; [] otherwise."""
    if not _EACH_MEASURE.search(question) or _TOGETHER.search(question):
        return []
    found, spans = _scan(question)
    measures = [m for _, m in sorted(found, key=lambda x: x[0]) if m.key != "新收" or _NEW_VERB.search(question)]
    joined = _joined(measures, spans, question)
    if len({(m.table, m.col) for m in joined}) != 1:
        return []
    # a measure inside another one named (部分公开 inside 公开) is not asked apart
    apart = [m for m in joined if not any(m is not o and set(m.rows) < set(o.rows) for o in joined)]
    return apart if len(apart) > 1 else []


def _joined(measures: list[Metric], spans: dict[str, tuple[int, int]], question: str) -> list[Metric]:
    """The longest run of measures, in the question's order, each joined to the next by 和/加/与… with
    no clause between; [] when none are joined."""
    ordered = sorted(measures, key=lambda m: spans[m.key][0])
    best, run = [], ordered[:1]
    for prev, cur in zip(ordered, ordered[1:]):
        between = question[spans[prev.key][1]:spans[cur.key][0]]
        if len(between) <= 8 and _AND.search(between) and not re.search(r"[，,。？?；;：:（(）)]", between):
            run.append(cur)
        else:
            run = [cur]
        if len(run) > len(best):
            best = list(run)
    return best if len(best) > 1 else []


def _most_specific(found: list[tuple[int, Metric]]) -> Metric:
    """Of several measures named, the one listed first in METRICS (the more specific phrase)."""
    order = {id(m): i for i, (_, m) in enumerate(METRICS)}
    return min((m for _, m in found), key=lambda m: order.get(id(m), 1 << 30))


_DOCUMENT_COLUMNS = {"本年新公开数量", "对外公开总数量", "本年新制作数量", "本年废止件数", "现行有效件数", "本年制发件数"}


def table2_column(question: str, metric: Metric) -> str:
    """The column of table 二 a question asks for: 规章/规范性文件 have their document counts, the
    2019 format's 许可/处罚/强制/收费 rows their 上一年项目数量 and 本年增/减 beside 处理决定数量."""
    for key, rx in T2_COLUMN_WORDS:
        if (rx.search(question) and ((key in _DOCUMENT_COLUMNS) == (metric.key in ("规章", "行政规范性文件")))
                and ((key in _PURCHASE_COLUMNS) == (metric.key == "政府集中采购"))):
            return key
    return metric.col
