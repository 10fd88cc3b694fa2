"""The naive RAG peer runs on a real store (the session's built store) and is scored like the assistant."""
from decimal import Decimal

from evals.peer import NaiveRAG, compare, first_figure, markdown


def test_first_figure_skips_years_and_item_numbers():
    assert first_figure("2022年，1.属于国家秘密 共受理56件") == Decimal("56")
    assert first_figure("收费4068.208万元") == Decimal("4068.208")
    assert first_figure("二〇二二年无数字") is None


def test_the_peer_and_the_assistant_side_by_side(built_store):
    from assistant.assistant import Assistant
    from evals.harness import GoldItem

    peer = NaiveRAG(built_store)
    assert peer.pieces > 10
    got = peer.ask("滨海新区公安局2022年门户网站的留言受理了多少条？")
    assert got.report_ids and got.text and "留言" in got.text
    items = [
        GoldItem(id="a", question="2022年滨海新区公安局受理了多少申请", status="answered", kind="figure",
                 report="天津市滨海新区公安局_2022.txt", figures=["56"]),
        GoldItem(id="b", question="北京市海淀区2022年收到多少申请？", status="not_found", kind="not_found"),
    ]
    cmp = compare(built_store, Assistant(built_store), items, "2026-12-01")
    assert cmp["ours"]["figure_exactness"] == (1.0, 1) and cmp["ours"]["not_found_or_ambiguous"] == (1.0, 1)
    assert cmp["peer"]["not_found_or_ambiguous"] == (0.0, 1)  # it always answers with its top pieces
    assert "naive RAG" in markdown(cmp)
