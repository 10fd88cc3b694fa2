"""The prose's figures (ingest.narrative_figures): measures, wholes and parts, what is not a figure;
on the corpus's reports; stored, listed and removed with their report on both engines."""
from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.models import Section
from ingest.narrative_figures import narrative_figures
from tests.conftest import CORPUS, SEED, require_files, schema_version, set_schema_version

REPORTS = CORPUS / "reports"


def figs(text: str, sections=None, tables=None):
    return narrative_figures(text, sections or [], tables or [])


def brief(text: str, **kw) -> list[tuple]:
    return [(f.measure, f.value, f.unit, f.whole_index) for f in figs(text, **kw)]


# ---- sentences of other agencies (none of the corpus) ---------------------------------------------
def test_a_whole_and_its_parts():
    text = "全年主动公开政府信息356条，其中财政预决算类120条、政策文件类45条。"
    assert brief(text) == [("主动公开政府信息", 356, "条", None), ("财政预决算类", 120, "条", 0),
                           ("政策文件类", 45, "条", 0)]
    f = figs(text)[1]
    assert text[f.loc.start:f.loc.end] == "120"
    assert text[f.sentence.start:f.sentence.end] == text


def test_applications_received_with_their_parts_in_another_unit():
    text = "2023年，某县财政局共收到政府信息公开申请12件，其中自然人申请10件、法人或其他组织申请2份，均按时答复。"
    assert brief(text) == [("收到政府信息公开申请", 12, "件", None), ("自然人申请", 10, "件", 0),
                           ("法人或其他组织申请", 2, "份", 0)]


def test_who_when_and_through_what_are_not_the_measure():
    assert brief("今年我局通过门户网站主动公开政府信息88条。")[0][0] == "主动公开政府信息"
    assert brief("全年受理政府信息公开申请7件。")[0][0] == "受理政府信息公开申请"
    assert brief("在“政务公开”专栏发布政策解读12篇。")[0][0] == "发布政策解读"


def test_a_measure_keeps_its_qualifiers():
    assert brief("其他应主动公开政府信息6条。")[0][0] == "其他应主动公开政府信息"
    assert brief("不予处理2件，其他处理1件。") == [("不予处理", 2, "件", None), ("其他处理", 1, "件", None)]
    assert brief("上年结转政府信息公开申请3件。")[0][0] == "上年结转政府信息公开申请"


def test_money_and_shares():
    assert brief("全年收取信息处理费共计120元。") == [("收取信息处理费", 120, "元", None)]
    assert brief("群众满意率达99.21%。") == [("群众满意率", Decimal("99.21"), "%", None)]
    assert brief("办理预算资金3.5万元。") == [("办理预算资金", Decimal("3.5"), "万元", None)]


def test_dates_phones_codes_and_articles_are_not_figures():
    text = ("本报告统计期限为2023年1月5日至2023年12月31日。联系电话：0594-2293755，邮编：351100。"
            "依据《条例》第三十六条、第5条，国办公开办函〔2021〕30号。发布时间：2024-01-20 15:07。")
    assert figs(text) == []


def test_a_number_without_a_measure_is_no_figure():
    assert figs("共计3.5。") == []
    assert figs("其中6件在办理过程中撤回。") == []
    assert figs("予以公开42件，占51.85%。") == [f for f in figs("予以公开42件，占51.85%。") if f.unit == "件"]
    assert brief("发布111条涉农信息。") == []  # the noun it counts comes after it
    assert brief("累计发布信息560余条。") == []  # approximate


def test_tables_are_skipped_and_parts_and_headings_are_kept():
    text = ("一、总体情况\n（一）主动公开情况\n全年主动公开政府信息20条。\n"
            "二、主动公开政府信息情况\n规章 5 0 7\n六、其他需要报告的事项\n全年收取费用0元。")
    t2 = text.index("二、")
    six = text.index("六、")
    sections = [Section(number="一", title="一、总体情况", start=0, end=t2),
                Section(number="二", title="二、主动公开政府信息情况", start=t2, end=six),
                Section(number="六", title="六、其他需要报告的事项", start=six, end=len(text))]
    out = figs(text, sections=sections, tables=[(t2 + 12, six)])
    assert [(f.measure, f.value, f.part, f.heading) for f in out] == [
        ("主动公开政府信息", 20, "一", "（一）主动公开情况"), ("收取费用", 0, "六", None)]


def test_line_breaks_inside_a_sentence_do_not_cut_it():
    text = "（一）主动公开情况。\n主动发布政府信息\n37份\n，其中科教文体卫生类信息\n35\n份、其他类信息\n2\n份。"
    assert brief(text) == [("主动发布政府信息", 37, "份", None), ("科教文体卫生类信息", 35, "份", 0),
                           ("其他类信息", 2, "份", 0)]


def test_parts_stop_at_another_kind_of_count_and_at_a_sum_beyond_the_whole():
    text = "发布政府信息575份，其中主动公开317份，立案查处违法行为并作出处罚决定204起。"
    assert [f.whole_index for f in figs(text)] == [None, 0, None]
    text = "累计发布信息100条，其中动态类信息发布90条，政务信息发布20条。"
    assert [f.whole_index for f in figs(text)] == [None, 0, None]


# ---- the corpus ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus():
    require_files(REPORTS, SEED)
    from ingest.pipeline import parse_file

    return {**{p.name: parse_file(p) for p in sorted(REPORTS.iterdir())}, "seed": parse_file(SEED)}


def _find(report, measure, value):
    return [i for i, f in enumerate(report.narrative_figures) if f.measure == measure and f.value == Decimal(value)]


def test_every_corpus_report_parses_with_figures_in_its_text(corpus):
    assert len(corpus) == 25  # the 24 corpus reports and the bundled sample
    for name, r in corpus.items():
        for f in r.narrative_figures:
            printed = r.text[f.loc.start:f.loc.end]
            assert Decimal(printed) == f.value, (name, f)
            assert f.sentence.start <= f.loc.start < f.loc.end <= f.sentence.end, (name, f)
            assert f.whole_index is None or r.narrative_figures[f.whole_index].loc.start < f.loc.start
    assert all(r.narrative_figures for r in corpus.values())


def test_the_issue_examples_are_found_with_their_measures_and_wholes(corpus):
    r = corpus["平潭综合实验区农业农村局_2024.txt"]
    [whole, *_] = _find(r, "主动公开政府信息", 110)
    [part] = _find(r, "行政许可类", 7)
    assert r.narrative_figures[part].whole_index == whole and r.narrative_figures[part].unit == "条"

    r = corpus["平潭综合实验区市场监督管理局_2021.txt"]
    [whole] = _find(r, "主动公开政府信息", 394)
    for measure, value in (("价格详情栏", 161), ("食品安全栏", 69)):
        [i] = _find(r, measure, value)
        assert r.narrative_figures[i].whole_index == whole

    r = corpus["莆田市审计局_2020.txt"]
    [i] = _find(r, "政策法规类", 1)
    assert r.narrative_figures[r.narrative_figures[i].whole_index].value == 21

    r = corpus["平潭综合实验区社会事业局_2023.txt"]
    [i] = _find(r, "依申请公开信息数", 363)
    assert r.narrative_figures[r.narrative_figures[i].whole_index].value == 514

    seed = corpus["seed"]
    fees = _find(seed, "支出费用", 191)
    assert fees and all(seed.narrative_figures[i].unit == "元" for i in fees)
    assert {seed.narrative_figures[i].part for i in fees} == {"一", "六"}
    [received] = _find(seed, "受理依申请公开", 62)
    assert seed.narrative_figures[received].heading == "（2）依申请公开办理情况"


def test_no_corpus_figure_is_a_date_or_a_year(corpus):
    for name, r in corpus.items():
        for f in r.narrative_figures:
            after = r.text[f.loc.end:f.loc.end + 2].strip()
            assert not after.startswith(("年", "月", "日", "号")), (name, f)
            assert f.unit or f.measure.endswith(("数", "数量")), (name, f)


# ---- the store, both engines ---------------------------------------------------------------------
def test_narrative_facts_are_stored_listed_and_removed_with_their_report(backend):
    require_files(REPORTS / "平潭综合实验区市场监督管理局_2021.txt")
    from ingest.pipeline import parse_file

    report = parse_file(REPORTS / "平潭综合实验区市场监督管理局_2021.txt")
    seed = parse_file(SEED)
    with backend.facts() as fs:
        assert fs.add_report(report, chunks=[]) == "added"
        assert fs.add_report(seed, chunks=[]) == "added"
        rows = fs.narrative_facts(agency="市场监督管理局")
        assert len(rows) == len(report.narrative_figures) and {r["report_id"] for r in rows} == {report.report_id}
        price = next(r for r in rows if r["measure"] == "价格详情栏")
        whole = next(r for r in rows if r["id"] == price["whole_id"])
        assert (price["value"], price["unit"], whole["measure"], whole["value"]) == (
            Decimal("161"), "条", "主动公开政府信息", Decimal("394"))
        assert report.text[price["start"]:price["end"]] == "161"
        assert price["sentence"] == report.text[price["sentence_start"]:price["sentence_end"]]
        assert price["year"] == 2021 and price["part"] == "一"
        assert fs.narrative_facts(year=2022, report_id=seed.report_id)
        assert fs.narrative_facts(year=2021, report_id=seed.report_id) == []
        assert fs.get_report(report.report_id).narrative_figures == report.narrative_figures
        assert fs.delete_report(report.report_id)
        assert fs.narrative_facts(agency="市场监督管理局") == []
        assert fs.db.one("SELECT COUNT(*) FROM narrative_facts WHERE report_id = ?", (report.report_id,))[0] == 0
        assert len(fs.narrative_facts()) == len(seed.narrative_figures)


def test_a_store_of_schema_6_gains_the_table_and_its_reports_are_read_again(backend):
    """A database written before narrative facts (schema 6): opened, it has an empty narrative_facts and
    the current version; its reports, read by an older reader, are read again by the next add."""
    from ingest.pipeline import parse_file
    from vectorstore import facts as facts_module

    seed = parse_file(SEED)
    with backend.facts() as fs:
        fs.add_report(seed, chunks=[])
        db = fs.db
        with db.write():  # as version 6 left it
            db.run("DROP TABLE narrative_facts")
            db.run("UPDATE reports SET reader_version = 2")
            set_schema_version(db, 6)
    with backend.facts() as fs:
        assert schema_version(fs) == facts_module.SCHEMA_VERSION
        assert fs.narrative_facts() == []
        assert fs.add_report(seed, chunks=[]) == "re-read"
        assert len(fs.narrative_facts()) == len(seed.narrative_figures) > 0


def test_parts_joined_in_the_question_are_summed_by_the_words_that_tell_them_apart():
    from decimal import Decimal

    from assistant import prose
    from assistant.intent import ReportEntry

    e = ReportEntry("x", "某市某区文化局", [], 2023, "x.txt")
    fig = lambda m, v: prose.ProseFigure(e, m, Decimal(v), "条", (0, 1), (0, 1))
    figs = [fig("通过“某区文化”微信公众号发布工作动态", 40), fig("“某区文化”抖音号发布工作动态", 25),
            fig("主动公开政府信息", 300)]
    found = prose.answer("某区文化局2023年微信公众号和抖音号加起来发了多少条动态？", [(e, figs)], "sum")
    assert found is not None and found.value == 65 and "40 + " in found.formula
    # one named, the other not joined to it: no sum
    assert prose._joined_parts("微信公众号发了多少条动态？抖音号呢", figs) == []


def test_a_share_asked_as_bili_of_a_part_in_its_whole():
    from decimal import Decimal

    from assistant import prose
    from assistant.intent import ReportEntry

    e = ReportEntry("x", "某市某区文化局", [], 2023, "x.txt")
    whole = prose.ProseFigure(e, "主动公开政府信息", Decimal(80), "条", (0, 1), (0, 1))
    part = prose.ProseFigure(e, "文化旅游类", Decimal(20), "条", (0, 1), (2, 3), whole=whole)
    found = prose.answer("某区文化局2023年主动公开的信息里，文化旅游类的占了多少比例？", [(e, [whole, part])], "share")
    assert found is not None and found.value == Decimal("25.00") and found.unit == "%"


def test_a_prose_figure_summed_over_two_years():
    from decimal import Decimal

    from assistant import prose
    from assistant.intent import ReportEntry

    a, b = ReportEntry("a", "某市某局", [], 2019, "a.txt"), ReportEntry("b", "某市某局", [], 2023, "b.txt")
    fa = prose.ProseFigure(a, "新增主动公开政府信息", Decimal(34), "条", (0, 1), (0, 1))
    fb = prose.ProseFigure(b, "新增主动公开政府信息", Decimal(29), "条", (0, 1), (0, 1))
    found = prose.answer("某局2019年和2023年新增主动公开的政府信息加起来一共多少条？", [(b, [fb]), (a, [fa])], "sum")
    assert found.value == 63 and found.formula == "2019年 34 + 2023年 29 = 63"


def test_a_line_broken_before_its_figure_goes_on():
    from types import SimpleNamespace

    from assistant.narrative import sentences
    text = ("根据重点领域政务公开清单要求，及时公开审计结果公告，同步做好解读。全年主动发布政府信息并移交\n市档案馆的查阅中心\n"
            "信息\n21条，其中政策法规类1份。\n（二）依申请公开情况\n")
    got = [t for t, _, _ in sentences(SimpleNamespace(text=text, start=0))]
    assert got[1].startswith("全年主动发布") and got[1].endswith("政策法规类1份。")
    assert "（二）依申请公开情况" in got  # a heading before a line of text is still a heading


def test_parts_after_a_later_qizhong_and_a_share_across_counters():
    from decimal import Decimal

    from assistant import prose
    from assistant.intent import ReportEntry
    from ingest.narrative_figures import narrative_figures

    text = "全年累计发布解读类信息 21 条，打造文字、图文、视频全品类解读产品矩阵，其中图文及视频类产品共 17 篇，占比超八成。"
    figs = narrative_figures(text, [], [])
    assert [(f.measure, f.value, f.whole_index) for f in figs] == [("累计发布解读类信息", 21, None), ("图文及视频类产品", 17, 0)]
    e = ReportEntry("x", "某县人民政府", [], 2025, "x.txt")
    whole = prose.ProseFigure(e, figs[0].measure, figs[0].value, "条", (0, 1), (0, 1))
    part = prose.ProseFigure(e, figs[1].measure, figs[1].value, "篇", (0, 1), (2, 3), whole=whole)
    found = prose.answer("某县去年发的政策解读里，图文和视频类的占比是多少？", [(e, [whole, part])], "share")
    assert found is not None and found.value == Decimal("80.95")
    # a new total after the first part still ends the parts
    figs = narrative_figures("共收到申请12件，其中自然人3件、法人9件；共办结10件。", [], [])
    assert [f.whole_index for f in figs] == [None, 0, 0, None]


def test_two_years_measures_worded_apart_count_the_same_thing():
    from assistant import prose
    assert prose._alike("发布政策解读", "发布政策文件解读") and not prose._alike("发布政策解读", "开展政务培训")
    assert prose._widened("一共出了多少篇政策解读？", "政策文件解读")


def test_a_share_of_parts_joined_and_no_share_of_one_of_them():
    from decimal import Decimal

    from assistant import prose
    from assistant.intent import ReportEntry

    e = ReportEntry("x", "某区经济局", [], 2022, "x.txt")
    whole = prose.ProseFigure(e, "制发政府信息", Decimal(316), "条", (0, 1), (0, 1))
    own = prose.ProseFigure(e, "主动公开政府信息", Decimal(121), "条", (0, 1), (2, 3), whole=whole)
    asked = prose.ProseFigure(e, "依申请公开", Decimal(128), "条", (0, 1), (4, 5), whole=whole)
    other = prose.ProseFigure(e, "其他应主动公开的政府信息", Decimal(90), "条", (0, 1), (6, 7), whole=own)
    figs = [whole, own, asked, other]
    found = prose.answer("某区经济局2022年制发的政府信息里，主动公开和依申请公开的合计占多少比例？", [(e, figs)], "share")
    assert found.value == Decimal("78.80") and "121 + " in found.formula
    # a summed share whose parts are not all found is no share of one of them
    assert prose.answer("某区经济局2022年制发的政府信息里，主动公开和不予公开的合计占多少比例？", [(e, figs)], "share") is None
    # a fine is no money spent
    fee = prose.ProseFigure(e, "支出费用", Decimal(191), "元", (0, 1), (8, 9))
    assert prose.answer("某区经济局2022年行政处罚一共罚款多少钱？", [(e, [fee])], "figure") is None


def test_a_measure_going_on_with_bing_counts_what_its_head_counts():
    from decimal import Decimal

    from assistant import prose
    from assistant.intent import ReportEntry

    a, b = ReportEntry("a", "某市某局", [], 2020, "a.txt"), ReportEntry("b", "某市某局", [], 2023, "b.txt")
    fa = prose.ProseFigure(a, "主动发布政府信息并移交市档案馆的政府信息查阅中心信息", Decimal(21), "条", (0, 1), (0, 1))
    fb = prose.ProseFigure(b, "主动发布政府信息", Decimal(25), "条", (0, 1), (0, 1))
    found = prose.answer("某局2023年主动发布的政府信息条数比2020年增长了百分之几？", [(a, [fa]), (b, [fb])], "growth")
    assert found is not None and found.value == Decimal("19.05")
