"""Conversations: a follow-up fills the gaps it leaves, it never overrides what it says.

On the real store of three reports (the sample, 平潭综合实验区 2024, 洪泽区 2023).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant.assistant import Assistant


@pytest.fixture(scope="module")
def bot(built_store):
    return Assistant(built_store, today=date(2026, 12, 7))


def head(ans):
    assert ans.figures, ans.answer
    return ans.figures[0]


SHARE = "滨海新区公安局2022年公开率是多少？"


def test_a_question_with_its_own_measure_after_a_share_gets_its_count(bot):
    alone = head(bot.ask("洪泽区政府2023年本机关不掌握相关信息的申请有几件？"))
    after = head(bot.ask("洪泽区政府2023年本机关不掌握相关信息的申请有几件？", history=[SHARE]))
    assert (after.value, after.unit) == (alone.value, alone.unit) == (Decimal(10), "件")


def test_a_short_question_naming_a_measure_is_no_ellipsis(bot):
    ans = bot.ask("收到多少申请？", history=[SHARE])
    assert head(ans).unit != "%" and head(ans).value == 56, ans.answer


def test_an_elliptical_follow_up_keeps_the_operation_and_says_what_it_assumed(bot):
    ans = bot.ask("洪泽区2023年的呢？", history=["平潭综合实验区2024年公开率是多少？"])
    assert head(ans).unit == "%", ans.answer
    assert ans.query.from_conversation.get("operation") == "share"
    assert ans.answer.startswith("（接上文：") and "比例" in ans.answer.splitlines()[0]


def test_a_row_word_that_looks_like_a_year_keeps_the_conversations_year(bot):
    ans = bot.ask("结转到下一年的还有几件？", history=["天津市滨海新区公安局2022年收到多少申请？"])
    assert ans.status == "answered", ans.answer
    assert head(ans).row.startswith("四、结转下年度") and ans.query.years[0].year == 2022


def test_the_report_words_after_a_figure_are_the_report_words(bot):
    ans = bot.ask("他们的工作存在哪些问题？", history=[SHARE])
    assert ans.status == "answered" and not ans.figures, ans.answer
    assert ans.citations and all("表" not in c.section for c in ans.citations)


def test_a_new_topic_is_not_the_last_topic(bot):
    problems = bot.ask("滨海新区公安局2022年的工作存在哪些问题？")
    plans = bot.ask("打算怎么改进？", history=["滨海新区公安局2022年的工作存在哪些问题？"])
    assert plans.status == "answered"
    assert {c.start for c in plans.citations} != {c.start for c in problems.citations}


def test_a_person_no_report_names_is_not_found_after_figures(bot):
    ans = bot.ask("他们局长叫什么名字？", history=["天津市滨海新区公安局2022年行政强制有多少件？"])
    assert ans.status == "not_found", ans.answer


def test_an_applicant_column_does_not_become_a_fee(bot):
    ans = bot.ask("信息公开花了多少钱？", history=["滨海新区公安局2022年律师事务所申请了几件"])
    assert (ans.figures[0].value, ans.figures[0].unit, ans.figures[0].table) == (191, "元", "正文"), ans.answer
    assert "法律服务机构" not in ans.answer


@pytest.mark.parametrize("question", [
    "如果方便的话请告诉我滨海公安2022年予以公开多少件",
    "麻烦问一下，滨海公安2022年予以公开多少件？谢谢。",
    "我想请问一下滨海公安2022年予以公开的有多少件",
])
def test_courtesy_words_are_ordinary_words(bot, question):
    ans = bot.ask(question)
    assert ans.status == "answered" and head(ans).value == 12, ans.answer
    assert not any("读作" in n for n in ans.notes), ans.notes  # no courtesy word read as a typo of 申请


def test_an_organ_named_alone_is_the_one_of_the_conversations_place(corpus_facts_store):
    """Two places hold a 体育局: after a question about one place's organs, it is that place's."""
    bot = Assistant(corpus_facts_store, today=date(2026, 12, 7))
    for place, agency in (("莆田市", "莆田市体育局"), ("平潭综合实验区", "平潭综合实验区旅游与文化体育局")):
        history = [f"{place}林业局2023年行政许可作出了多少件决定？" if place == "莆田市" else f"{place}2024年收到多少申请？"]
        ans = bot.ask("那体育局呢？", history=history)
        assert ans.citations and ans.citations[0].agency == agency, ans.answer


def test_two_agencies_named_with_and_are_not_set_beside_the_last_one(bot):
    q = "2023年的年报里，平潭和洪泽区哪个收到的信息公开申请更多？"
    alone = bot.ask(q)
    after = bot.ask(q, history=["滨海新区公安局2022年有多少件申请是申请人自己撤回的？"])
    assert after.status == alone.status
    assert {c.agency for c in after.citations} == {c.agency for c in alone.citations}


def test_an_organ_named_alone_earlier_in_the_conversation_stays_of_its_place(corpus_facts_store):
    bot = Assistant(corpus_facts_store, today=date(2026, 12, 7))
    history = ["莆田市林业局2023年作出了多少件行政许可决定？", "那体育局呢？"]
    ans = bot.ask("那两家谁收到的信息公开申请更多？", history=history)
    assert ans.status == "answered", ans.answer
    assert {c.agency for c in ans.citations} == {"莆田市林业局", "莆田市体育局"}
