"""Questions about what happened, why, and the report itself; agencies typed a character wrong.

On the real store of every corpus report (facts, report text and passages; no vectors).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant.assistant import Assistant


@pytest.fixture(scope="module")
def bot(corpus_facts_store):
    return Assistant(corpus_facts_store, today=date(2026, 12, 7))


def test_how_applications_were_handled_lists_each_result_that_holds_a_figure(bot, corpus_facts_store):
    ans = bot.ask("滨海新区公安局2022年收到的申请最后都是怎么处理的？")
    assert ans.status == "answered" and len(ans.figures) >= 2, ans.answer
    assert all(f.value != 0 for f in ans.figures)
    assert all(f.row != "（七）总计" and "新收" not in f.row for f in ans.figures)
    report_id = ans.citations[0].report_id
    total = next(f for f in corpus_facts_store.facts.report_facts(report_id) if f.row_key == "总计" and f.col_key == "总计")
    assert sum(f.value for f in ans.figures) == Decimal(str(total.value))


def test_how_applications_were_handled_when_none_came_says_none(bot):
    ans = bot.ask("莆田市体育局2023年收到的申请最后怎么处理的？")
    assert ans.status == "answered" and [f.value for f in ans.figures] == [0], ans.answer


def test_why_asks_the_reason_never_a_count(bot):
    ans = bot.ask("执法局2025年收到的那件申请为什么没有公开？")
    assert ans.status == "answered" and not ans.figures, ans.answer
    assert any("信访" in c.quote for c in ans.citations), ans.answer


@pytest.mark.parametrize("question, agency, value", [
    ("平潭综合实验区经济法展局2022年收到多少信息公开申请？", "平潭综合实验区经济发展局", 3),
    ("平潭综合实验区市场监督管里局2021年作出了多少件行政处罚决定？", "平潭综合实验区市场监督管理局", 211),
    ("沭阳县人民政俯2025年收到律师事务所的申请有几件？", "沐阳县人民政府", 5),
])
def test_an_organ_typed_a_character_wrong_is_that_organ_not_its_places_government(bot, question, agency, value):
    ans = bot.ask(question)
    assert ans.status == "answered", ans.answer
    assert {c.agency for c in ans.citations} == {agency} and ans.figures[0].value == value
    assert any("读作" in n for n in ans.notes), ans.notes


def test_when_the_report_was_published_quotes_the_line_that_says_it(bot):
    ans = bot.ask("莆田市审计局2020年的政府信息公开年报是哪天发布的？")
    assert ans.status == "answered" and not ans.figures
    assert any("2021-01-05" in c.quote for c in ans.citations), ans.answer
    signed = bot.ask("莆田市审计局2020年的年报落款是哪一天？")
    assert any("2021年1月4日" in c.quote for c in signed.citations), signed.answer
    # 「哪天出的」 asks the same; the page's 发布时间 is quoted, then the report's own signature — that line
    # only, not the paragraph the text runs into it
    out = bot.ask("莆田市审计局2020年的年报是哪天出的？")
    quotes = [c.quote for c in out.citations]
    assert out.status == "answered" and any("2021-01-05" in q for q in quotes), out.answer
    assert any("2021年1月4日" in q and len(q) <= 60 for q in quotes), quotes


def test_the_statistics_period_and_a_date_no_report_prints(bot):
    period = bot.ask("洪泽区2023年报告的统计期限是什么？")
    assert period.status == "answered" and any("统计期限" in c.quote for c in period.citations), period.answer
    none = bot.ask("洪泽区2023年的年报是什么时候发布的？")
    assert none.status == "not_found" and not none.figures, none.answer


def test_who_made_the_most_decisions_is_no_question_about_the_report(bot):
    ans = bot.ask("滨海公安2022、沭阳2025、洪泽2023，这三家谁作出的行政处罚最多？")
    assert ans.status == "answered" and ans.figures[0].value == 1325160, ans.answer


def test_a_purchase_amount_is_the_table_cell(bot):
    ans = bot.ask("莆田市审计局2020年政府集中采购一共花了多少钱？")
    assert ans.status == "answered" and (ans.figures[0].value, ans.figures[0].unit) == (160200, "元"), ans.answer


@pytest.mark.parametrize("question, value, unit", [
    ("滨海新区公安局2022年搞政府信息公开花了多少钱？", 191, "元"),
    ("平潭农业农村局2024年在政府门户网站主动公开了多少条政府信息？", 110, "条"),
    ("莆田林业局2023年主动公开的信息中，机构职能和财政资金两类加起来有多少条？", 19, "条"),
    ("经发局2022年主动公开的信息里，科教文体卫生类占了百分之多少？", Decimal("17.36"), "%"),
    ("莆田林业局2023年主动公开的政府信息比2019年多还是少？差几条？", -5, "条"),
])
def test_figures_the_prose_prints_answer_and_compute(bot, question, value, unit):
    ans = bot.ask(question)
    assert ans.status == "answered" and ans.figures, ans.answer
    head = ans.figures[0]
    assert (head.value, head.unit, head.table) == (Decimal(value), unit, "正文"), ans.answer
    printed = [f for f in ans.figures if not f.computed]
    assert printed and all(any(format(f.value.normalize(), "f") in c.quote for c in ans.citations) for f in printed)
    assert head.computed == (len(printed) > 1) and (not head.computed or "=" in head.formula)


@pytest.mark.parametrize("question", [
    "沭阳县去年搞政务公开的预算是多少钱？",  # the prose spends 信息处理费, it budgets nothing
    "洪泽区2023年那21件信息公开申请，有几件是网上提交的、几件是当面递的？",
    "上海市科委专门负责政府信息公开的工作人员有几个人？",
])
def test_a_prose_figure_of_another_thing_answers_nothing(bot, question):
    ans = bot.ask(question)
    assert ans.status == "not_found" and not ans.figures, ans.answer


def test_no_year_is_asked_for_when_no_report_says_it(bot):
    """「局长是谁」 of an agency with three years of reports: none says it, so the year would not change
    the answer — not_found at once; 「存在哪些问题」 each year answers, so the person is asked which."""
    none = bot.ask("平潭综合实验区的局长是谁？")
    assert none.status == "not_found" and "2022、2023、2024" in none.answer, none.answer
    several = bot.ask("平潭综合实验区存在哪些问题？")
    assert several.status == "ambiguous" and len(several.choices) >= 2, several.answer


@pytest.mark.parametrize("question", [
    "莆田市教育局2023年政府信息公开工作存在哪些问题？",  # the place's departments are held, its government is not
    "平潭综合实验区教育局2024年组织了几次培训？",  # the place's government is held under that name
    "天津市滨海新区教育局2022年存在哪些问题？",
])
def test_the_agency_asked_is_the_agency_searched(bot, question):
    # a department no report is held for: never a sentence of another agency of its place
    ans = bot.ask(question)
    assert ans.status == "not_found" and not ans.citations, ans.answer
    assert "没有找到" in ans.answer


def test_an_accounts_name_is_no_agency(bot):
    # 「“上海科技”公众号」: a place and an organ's stem naming an account — searched in that place's reports
    ans = bot.ask("“上海科技”微信公众号2024年发了多少篇文章？")
    assert ans.status == "answered" and any("1640" in c.quote for c in ans.citations), ans.answer


def test_how_they_were_handled_quotes_the_reports_own_sentence_beside_the_rows(bot):
    ans = bot.ask("平潭市场监管局2021年收到的那几件申请，结果如何，最后是怎么处理的？")
    assert ans.status == "answered" and {f.value for f in ans.figures} == {3, 2}, ans.answer
    assert any("回复" in c.quote or "答复" in c.quote for c in ans.citations), ans.answer


@pytest.mark.parametrize("question", ["沭阳县人民政府2025年的县长是谁？", "滨海新区公安局2022年的局长叫什么名字？"])
def test_who_holds_a_post_needs_a_sentence_naming_them(bot, question):
    # 县长信箱, 局长审批: the word of the post in a sentence is no answer to who holds it
    ans = bot.ask(question)
    assert ans.status == "not_found" and not ans.citations, ans.answer


def test_the_holder_named_in_the_report_is_quoted(bot):
    ans = bot.ask("平潭行政审批局2021年信息公开领导小组的组长是谁？")
    assert ans.status == "answered" and "同志任组长" in ans.citations[0].quote, ans.answer


def test_who_applied_as_the_prose_tells_it_is_quoted_beside_the_columns(bot):
    # the table and the prose disagree here (自然人 3 in the table; 法人1件、自然人2件 in the text): both are shown
    ans = bot.ask("平潭农业农村局2024年的申请里，个人和企业各提了几件？")
    assert ans.status == "answered" and [f.value for f in ans.figures][:2] == [3, 0], ans.answer
    assert any("法人申请" in c.quote for c in ans.citations), ans.answer


def test_a_line_only_the_reports_other_file_prints_is_quoted_from_that_file(bot, corpus_facts_store):
    # the portal page (.txt) prints 发布机构 above the report; the file read (.html) does not
    ans = bot.ask("平潭执法局2025年那份年报，网站上写的发布机构是谁？")
    assert ans.status == "answered", ans.answer
    cite = ans.citations[0]
    assert cite.other_file and cite.file_name.endswith(".txt") and "发布机构" in cite.quote
    lines = [f for f in corpus_facts_store.facts.findings(cite.report_id) if f.kind == "source_line"]
    assert any(f.quote == cite.quote for f in lines)


def test_a_budget_asked_as_an_amount_needs_a_sentence_with_one(bot):
    # the report names 部门预算 among what it published, and prints no budget figure
    ans = bot.ask("上海市科委2024年政务公开花了多少经费预算？")
    assert ans.status == "not_found" and not ans.citations, ans.answer


def test_a_prose_question_without_a_year_asks_which_when_the_years_differ(bot):
    # both years print a rough count (70多份 and 50多份), the 2020 one at 办公区域
    ans = bot.ask("莆田市审计局机关办公楼公开栏里发布了多少份信息？")
    assert ans.status == "ambiguous", ans.answer


def test_how_much_fewer_than_the_year_before_compares_the_two_years_spoken_of(bot):
    # 2024 asked, then 2023: 「比前一年少了多少篇」 sets them side by side (2022 prints no such count)
    history = ["平潭综合实验区2024年发了几篇政策解读？", "那前一年呢？"]
    ans = bot.ask("比前一年少了多少篇？", history=history)
    assert ans.status == "answered" and ans.figures[0].value == -21, ans.answer
    assert "96" in ans.figures[0].formula and "117" in ans.figures[0].formula


def test_a_share_of_part_of_what_the_turn_before_counted(bot):
    ans = bot.ask("其中原创的有百分之几？", history=["“上海科技”微信公众号2024年发了多少篇文章？"])
    assert ans.status == "answered" and str(ans.figures[0].value) == "17.93", ans.answer


def test_the_prose_stating_the_same_count_is_quoted_beside_the_cells(bot):
    ans = bot.ask("平潭2023年予以公开和部分公开的一共多少件？")
    assert ans.status == "answered" and ans.figures[0].value == 42, ans.answer
    assert any("予以公开及部分公开42件" in c.quote for c in ans.citations), ans.answer


def test_where_the_agency_publishes_is_no_qualifier_but_a_channel_of_applications_is(bot):
    # 「在网上主动公开」: the report counts what it published; 「网上提交的申请」 would be some of the applications
    ans = bot.ask("平潭自然资源与生态环境局2019年在网上主动公开了多少条财政资金类的信息？")
    assert ans.status == "answered" and ans.figures and ans.figures[0].value == 7, ans.answer
    ans = bot.ask("天津市滨海新区公安局2022年办理一件政府信息公开申请平均要用几天？")
    assert ans.status == "not_found", ans.answer  # 平均4天 is of the portal's messages, not applications


def test_two_agencies_who_has_more_and_by_how_much(bot):
    ans = bot.ask("2023年洪泽区政府和平潭综合实验区，谁作出的行政处罚决定多？多多少？")
    assert ans.status == "answered" and ans.figures[0].value == 2789, ans.answer
    assert ans.figures[0].formula.startswith("洪泽区人民政府2023年 4119 − 平潭综合实验区2023年 1330")


def test_no_year_where_it_changes_the_answer_asks_which(bot):
    # a growth rate with three years held; a place's departments whose reports are of different years
    assert bot.ask("平潭综合实验区的行政许可决定数增长了百分之几？").status == "ambiguous"
    assert bot.ask("平潭综合实验区各个局里，哪个局收到的信息公开申请最多？").status == "ambiguous"
    # agencies named one by one, each with its one report, are compared as they are
    assert bot.ask("滨海公安、沭阳县政府、洪泽区政府这三家，谁的行政处罚数量最多？").status == "answered"


def test_one_agency_as_many_times_another_in_one_year(bot):
    ans = bot.ask("前年平潭综合实验区收到的信息公开申请是上海市科委的几倍？")
    assert ans.status == "answered" and str(ans.figures[0].value) == "6.41", ans.answer
    assert "218 ÷ " in ans.figures[0].formula


def test_a_threshold_checked_is_answered_by_the_figure(bot):
    ans = bot.ask("平潭综合实验区2022年到2024年这三年新收的政府信息公开申请，加起来超过300件了吗？")
    assert ans.status == "answered" and ans.figures[0].value == 373, ans.answer
    ans = bot.ask("平潭综合实验区2024年的行政事业性收费金额跟2022年比有没有翻倍？是2022年的几倍？")
    assert ans.status == "answered" and str(ans.figures[0].value) == "2.05", ans.answer


def test_the_place_of_one_agency_in_a_ranking(bot):
    ans = bot.ask("前年平潭综合实验区、上海市科委和平潭旅游与文化体育局这三家，收到的信息公开申请上海市科委排第几？")
    assert ans.status == "answered" and ans.figures[0].value == 34 and "排第2" in ans.answer, ans.answer


def test_a_ratio_of_two_rows_of_one_report(bot):
    ans = bot.ask("平潭综合执法与应急管理局2025年作出的行政处罚决定是行政许可的几倍？")
    assert ans.status == "answered" and str(ans.figures[0].value) == "2.65", ans.answer
