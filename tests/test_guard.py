"""The optional LLM's rewording: every number stays in the evidence, and beside its own label."""
from __future__ import annotations

from decimal import Decimal

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.guard import moved_numbers, rephrase_checked
from assistant.models import Answer, Citation, Figure


def _answer() -> Answer:
    figs = [Figure(agency="某区人民政府", year=2023, table="四", row="行政复议", column=col, value=Decimal(v))
            for col, v in (("结果维持", 10), ("结果纠正", 1), ("总计", 0))]
    cites = [Citation(report_id="r", agency="某区人民政府", year=2023, section=f"表四 · 行政复议 · {f.column}",
                      quote=str(f.value), start=0, end=1) for f in figs]
    text = "某区人民政府2023年行政复议：结果维持10件，结果纠正1件，总计栏为0（原表不相加）。"
    return Answer(question="复议维持和纠正各几件", status="answered", answer=text, figures=figs, citations=cites)


def test_numbers_beside_their_own_labels_pass():
    assert moved_numbers("2023年，行政复议结果维持的有10件，被纠正的有1件。", _answer()) == []


def test_swapped_labels_are_caught():
    assert moved_numbers("2023年，行政复议结果维持1件，结果纠正10件。", _answer())


def test_a_swapping_rewrite_is_refused_and_the_deterministic_answer_stands():
    ans = _answer()
    out = rephrase_checked(ans, FakeListChatModel(responses=["该区2023年行政复议中维持1件、纠正10件。"]))
    assert out.answer == ans.answer
    assert any("别的项目" in n for n in out.notes)
    kept = rephrase_checked(ans, FakeListChatModel(responses=["该区2023年行政复议中维持10件、纠正1件，总计栏为0。"]))
    assert kept.answer.startswith("该区2023年")
