"""Understanding on agencies and wordings of another province (no corpus, no store): the mechanisms
the held-out sets found missing, each checked where it could fail."""
from datetime import date
from pathlib import Path

import pytest

from assistant.accounting import correct_term_slips
from assistant.metrics import find_metric, match_label
from assistant.understand import Catalog, ReportEntry, normalize_years, understand

# a district government and its departments, a city department, none of them in ../shared/corpus
CATALOG = Catalog([
    ReportEntry("g23", "杭州市西湖区人民政府", ["西湖区人民政府"], 2023, "g23.txt"),
    ReportEntry("g24", "杭州市西湖区人民政府", ["西湖区人民政府"], 2024, "g24.txt"),
    ReportEntry("k24", "杭州市西湖区科学技术局", [], 2024, "k24.txt"),
    ReportEntry("e23", "杭州市西湖区教育局", [], 2023, "e23.txt"),
    ReportEntry("e24", "杭州市西湖区教育局", [], 2024, "e24.txt"),
    ReportEntry("w25", "宁波市卫生健康委员会", [], 2025, "w25.txt"),
    ReportEntry("s22", "宁波市行政审批服务局", [], 2022, "s22.txt"),
    ReportEntry("o21", "宁波市人民政府办公室", [], 2021, "o21.txt"),
])


def test_last_year_is_the_calendars_not_the_latest_report_held():
    asked_2026 = understand("宁波卫健委去年收到多少申请", CATALOG, today=date(2026, 3, 1))
    asked_2025 = understand("宁波卫健委去年收到多少申请", CATALOG, today=date(2025, 3, 1))
    assert asked_2026.years == [2025] and asked_2025.years == [2024]


def test_two_digit_years_listed_with_one_nian():
    assert normalize_years("22、23、24三年") == "2022年、2023年、2024年三年"
    assert understand("西湖区23、24两年收到的申请哪年多", CATALOG).years == [2023, 2024]


def test_open_year_range_spans_the_years_held():
    assert understand("西湖区2023年以后收到多少申请", CATALOG).years == [2023, 2024, 2025]


def test_organ_shortened_at_its_end_and_named_without_a_place():
    assert understand("市卫健委2025年收到多少申请", CATALOG).agencies == ["宁波市卫生健康委员会"]
    assert understand("宁波市政府办2021年收到多少申请", CATALOG).agencies == ["宁波市人民政府办公室"]


def test_each_agency_with_its_own_year():
    intent = understand("审批局22年、西湖区23年、卫健委25年，哪家收到的申请最多？", CATALOG)
    assert intent.kind == "ranking"
    assert intent.pairs == [("宁波市行政审批服务局", 2022), ("杭州市西湖区人民政府", 2023), ("宁波市卫生健康委员会", 2025)]


def test_years_not_one_per_agency_make_no_pairs():
    intent = understand("西湖区和审批局2022年、2023年哪个收到的申请多", CATALOG)
    assert intent.pairs == []


def test_departments_of_a_place_as_a_group():
    intent = understand("西湖区2024年各部门里哪个局收到的申请最多？", CATALOG)
    assert sorted(intent.agencies) == ["杭州市西湖区教育局", "杭州市西湖区科学技术局"]
    assert intent.kind == "ranking"


def test_place_alone_is_its_government_and_the_answer_names_the_departments():
    intent = understand("西湖区2024年收到多少申请", CATALOG)
    assert intent.agencies == ["杭州市西湖区人民政府"]
    assert any("杭州市西湖区教育局" in n and "杭州市西湖区科学技术局" in n for n in intent.notes)
    # no department has a 2023 report beside the government's but the education bureau: named too
    assert not any("科学技术局" in n for n in understand("西湖区2023年收到多少申请", CATALOG).notes)


@pytest.mark.parametrize("question,key", [
    ("补正以后申请内容还是不明确的有几件", "无法提供_补正后仍不明确"),
    ("因为保护第三方合法权益没公开的有几件", "不予公开_第三方权益"),
    ("政府集中采购的项目数量是多少", "政府集中采购"),  # a 2019 row no phrase of the synonym table names
    ("其他对外管理服务事项处理决定数量", "其他对外管理服务事项"),
])
def test_every_row_is_reachable_by_its_printed_labels_words(question, key):
    assert find_metric(question).key == key


def test_a_label_match_needs_two_distinctive_words():
    assert match_label("内容有几件") is None  # one word of 补正后申请内容仍不明确 is not enough


@pytest.mark.parametrize("typed,read", [("行政复以", "行政复议"), ("行政诉松", "行政诉讼"), ("不予公升", "不予公开")])
def test_a_format_term_typed_one_character_wrong_is_read_and_said(typed, read):
    fixed, notes = correct_term_slips(f"西湖区2024年{typed}有几件")
    assert read in fixed and notes == [f"「{typed}」读作「{read}」"]


@pytest.mark.parametrize("text", ["行政机关不再处理了几件", "予以公开的有几件", "行政许可有几件", "行政处罚决定数量有多少"])
def test_words_of_the_labels_are_never_corrected(text):
    assert correct_term_slips(text) == (text, [])


def test_printed_change_column_answers_a_change_question():
    intent = understand("西湖区2024年行政事业性收费项目比上一年增减了多少", CATALOG)
    from assistant.metrics import table2_column
    assert intent.metric.key == "行政事业性收费" and table2_column(intent.question, intent.metric) == "本年增减"


def test_a_group_named_with_one_of_its_rows_and_summed_is_the_group():
    m = find_metric("逾期不补正或者其他原因最后没再处理的（其他处理），加起来有多少件")
    assert m.key == "办理结果_其他处理"
    # asked alone, the row is the row
    assert find_metric("其他处理里逾期不补正的有几件").key == "其他处理_逾期不补正"


def test_a_measure_including_another_is_their_sum():
    m = find_metric("给公开了（含部分公开）的占比多少")
    assert set(m.rows) == {"予以公开", "部分公开"}


def test_who_compares_the_organs_of_one_place_joined_by_gen():
    intent = understand("24年西湖区教育局跟科技局比，谁收到的申请多？", CATALOG)
    assert intent.kind == "ranking"
    assert intent.agencies == ["杭州市西湖区教育局", "杭州市西湖区科学技术局"]


def test_growth_asked_as_baifenzhi_duoshao():
    assert understand("西湖区24年收到的申请比23年增长了百分之多少", CATALOG).kind == "growth"


def test_a_followup_with_a_qualifier_no_cell_holds_keeps_no_figure():
    from assistant.understand import merge
    first = understand("西湖区2024年收到多少申请", CATALOG)
    then = merge(first, understand("其中网上提交的有几件？", CATALOG))
    assert then.metric is None and "网上" in then.unexplained


def test_a_followup_moves_from_the_conversations_year():
    from assistant.understand import merge
    first = understand("西湖区2024年收到多少申请", CATALOG)
    assert merge(first, understand("前一年呢？", CATALOG)).years == [2023]
    # compared with, or a row's name: not a move
    compared = merge(first, understand("比上一年多了多少？", CATALOG))
    assert compared.years == [2024] and compared.kind == "difference"  # 2024 against the year before it
    assert merge(first, understand("那上一年结转过来的申请有几件？", CATALOG)).years == [2024]


def test_a_followup_naming_the_year_to_compare_with():
    from assistant.understand import merge
    first = understand("西湖区2024年收到多少申请", CATALOG)
    then = merge(first, understand("跟23年比多了多少？", CATALOG))
    assert then.years == [2023, 2024] and then.kind == "difference"


def test_organ_initials_in_another_order():
    catalog = Catalog([ReportEntry("t", "平潭综合实验区旅游与文化体育局", [], 2024, "t.txt"),
                       ReportEntry("n", "平潭综合实验区农业农村局", [], 2024, "n.txt")])
    assert understand("平潭文旅局2024年收到多少申请", catalog).agencies == ["平潭综合实验区旅游与文化体育局"]


def test_a_place_name_that_is_an_everyday_word_needs_an_agency_after_it():
    # 比如 is a county of Tibet as well as "for example"
    intent = understand("西湖区2024年其他处理（比如申请人逾期不补正的）加起来有多少件", CATALOG)
    assert intent.agencies == ["杭州市西湖区人民政府"] and not intent.unknown_agency


def test_which_is_lower_ranks_from_the_lowest():
    assert understand("2024年西湖区教育局和科技局谁收到的申请少？", CATALOG).direction == "asc"
    assert understand("2024年西湖区教育局和科技局谁收到的申请多？", CATALOG).direction == "desc"


def test_the_narrative_is_searched_for_the_sentence_that_asks():
    from assistant.understand import asking_text
    assert asking_text("我是记者，想写一篇县级政务公开的稿子。西湖区去年存在哪些不足？") == "西湖区去年存在哪些不足？"
    assert asking_text("西湖区去年存在哪些不足？") == "西湖区去年存在哪些不足？"


def test_full_width_digits_and_traditional_characters_read_as_plain():
    from assistant.understand import plain
    assert plain("２０２４年西湖區收到的申請") == "2024年西湖区收到的申请"
    assert understand("２０２４年西湖區收到多少申請", CATALOG).years == [2024]


def test_calendar_words_among_named_years():
    intent = understand("从2023年到前年，西湖区收到的申请增长率是多少", CATALOG, today=date(2026, 12, 2))
    assert intent.years == [2023, 2024] and intent.kind == "growth"
    pairs = understand("宁波卫健委去年、西湖区2023年，谁收到的申请多？", CATALOG, today=date(2026, 12, 2)).pairs
    assert pairs == [("宁波市卫生健康委员会", 2025), ("杭州市西湖区人民政府", 2023)]


def test_an_excluded_applicant_or_result_is_not_the_one_read():
    intent = understand("西湖区2024年不是个人提的——企业、科研机构、公益组织、律所和其他组织全加起来——一共多少件申请", CATALOG)
    assert intent.col3 != "自然人" and intent.columns == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    other = understand("西湖区2024年的行政复议，既没被维持也没被纠正、算作别的结果的有几件", CATALOG)
    assert other.col4 == "其他结果"


def test_review_then_court_in_everyday_words():
    assert find_metric("先申请复议、复议完了又去法院打官司的案子有几起").key == "行政诉讼_复议后起诉"


def test_a_three_character_organ_with_its_middle_mistyped():
    catalog = Catalog([ReportEntry("p", "天津市滨海新区公安局", [], 2022, "p.txt")])
    assert understand("滨海新区公按局22年收到多少申请", catalog).agencies == ["天津市滨海新区公安局"]
    # an organ of its own is no slip
    assert understand("滨海新区公路局22年收到多少申请", catalog).agencies == []


@pytest.mark.parametrize("question", ["西湖区教育局24年复议以后不服又上法院的官司，法院维持了几件",
                                      "先走复议，然后再起诉到法院的有几起"])
def test_a_lawsuit_after_review_told_as_a_sequence(question):
    assert find_metric(question).key == "行政诉讼_复议后起诉"
    # a review alone, with no court after it, is the review
    assert find_metric("复议以后被纠正的有几件").key == "行政复议"


@pytest.mark.parametrize("question", ["申请人得到全部或者部分信息的占比", "予以公开加部分公开占办结数的比重是多少"])
def test_information_given_in_whole_or_part_is_both_rows(question):
    m = find_metric(question)
    assert set(m.rows) == {"予以公开", "部分公开"}
    assert understand("西湖区2024年" + question, CATALOG).kind == "share"


def test_only_measures_joined_by_and_are_summed():
    # what the applications are of is not a part of the sum
    m = find_metric("收到的申请里，予以公开和部分公开合起来占总数的比例")
    assert set(m.rows) == {"予以公开", "部分公开"}
    # the headline count named by its verb and joined is a part
    m = find_metric("新收的加上从上年结转的，一共多少件")
    assert set(m.rows) == {"新收", "上年结转"}
    # 加起来 joins nothing
    assert find_metric("不予公开的申请加起来有多少").key == "办理结果_不予公开"


def test_the_format_phrase_typed_wrong_and_a_rise_in_percent():
    intent = understand("西湖区2024年收到的信息公开申情比23年涨了百分之多少", CATALOG)
    assert intent.metric.key == "新收" and intent.kind == "growth"
    assert any("申情" in n for n in intent.notes)


def test_a_place_word_with_its_postposition_is_searched_bare():
    from assistant.accounting import without_localizer
    from assistant.narrative import keywords
    assert keywords("政务微信里推送了多少条")[0][0] == "微信"
    assert without_localizer("网站上") == "网站"
    assert without_localizer("实际上") == "实际上"  # a word of its own


def test_an_organ_with_its_place_in_brackets_after_it():
    intent = understand("科技局（西湖区）2024年收到多少申请", CATALOG)
    assert intent.agencies == ["杭州市西湖区科学技术局"]


@pytest.mark.parametrize("question,kind,columns", [
    ("西湖区2024年企业提的申请是个人提的几倍", "ratio", ["商业企业", "自然人"]),
    ("西湖区2024年律师提的申请比老百姓少多少件", "difference", ["法律服务机构", "自然人"]),
])
def test_two_applicant_columns_compared_in_the_order_named(question, kind, columns):
    intent = understand(question, CATALOG)
    assert intent.kind == kind and intent.compare_columns and intent.columns == columns
    # two years compared stay a comparison of years
    assert not understand("西湖区2024年企业提的申请是2023年的几倍", CATALOG).compare_columns


def test_a_secret_said_in_everyday_words():
    assert find_metric("有没有因为涉密拒绝的").key == "不予公开_国家秘密"


def test_a_count_in_the_general_counter_is_answered_in_any():
    from assistant.narrative import counted_re
    assert counted_re("关停了多少个").search("先后关停整合14家微信公众号")
    assert not counted_re("发布了多少条").search("关停整合14家")


def test_a_yes_or_no_question_rules_nothing_out():
    assert understand("西湖区2024年的行政复议有没有被纠错", CATALOG).col4 == "结果纠正"
    assert understand("西湖区2024年的行政复议是不是都维持了", CATALOG).col4 == "结果维持"
    # a real negation still rules the result out
    assert understand("西湖区2024年的行政复议，没被维持的有几件", CATALOG).col4 != "结果维持"


def test_organs_listed_with_their_place_in_brackets_after_them():
    intent = understand("教育局和科技局（都是西湖区的）2024年谁收到的申请多", CATALOG)
    assert intent.agencies == ["杭州市西湖区教育局", "杭州市西湖区科学技术局"]  # not the district's government too


def test_a_name_given_before_the_agency_in_brackets_is_the_agencys():
    intent = understand("西子湖畔这边（西湖区人民政府）2024年收到多少申请", CATALOG)
    assert intent.metric is not None and intent.unexplained == []


def test_late_with_the_correction_said_in_everyday_words():
    assert find_metric("被要求补正材料，结果过了期限也没补的有几件").key == "其他处理_逾期不补正"
    assert find_metric("补正通知发出后申请人一直没补的有几件").key == "其他处理_逾期不补正"


def test_a_website_before_a_postposition_is_one_word():
    from assistant.accounting import cut_words
    assert "官网" in cut_words("公安局官网上的留言有多少条")
    assert "采购网" in cut_words("在政府采购网上公布了多少条")
    # 网上 (online) stays
    assert "网上" in cut_words("通过网上提交的有多少件") and "网上" in cut_words("是网上提交的吗")


def test_which_months_is_no_count():
    from assistant.narrative import counted_re
    assert counted_re("大概是哪几个月办的") is None
    assert counted_re("办了几个培训班") is not None


def test_a_qualifier_before_a_bracketed_agency_is_no_name_of_it():
    intent = understand("网上提交（西湖区人民政府）的申请2024年有多少", CATALOG)
    assert intent.metric is None  # 网上提交 is no cell: the narrative must carry it


def test_who_leads_is_searched_in_the_words_reports_use():
    from assistant.narrative import keywords
    groups = keywords("信息公开工作由哪位副局长牵头")
    assert not any("哪位" in g for g in groups)
    assert any("组长" in g for g in groups)


def test_each_of_several_columns_asked_one_by_one():
    intent = understand("西湖区2024年的申请是企业提的还是个人提的", CATALOG)
    assert intent.each_column and intent.columns == ["商业企业", "自然人"] and intent.kind == "figure"
    # summed when asked together
    together = understand("西湖区2024年企业和个人提的申请加起来多少", CATALOG)
    assert not together.each_column and set(together.columns) == {"自然人", "商业企业"}


def test_a_lawsuit_without_review_in_everyday_words():
    for q in ("西湖区2024年那些没走复议、直接去法院告的有几起？", "西湖区2024年不经过复议就起诉的有多少",
              "西湖区2024年跳过复议直接打官司的有几件"):
        assert find_metric(q).key == "行政诉讼_直接起诉", q
    # 「复议没复议」 is whether or not: every lawsuit
    assert find_metric("西湖区2024年被告上法院的，不管复议没复议，一共多少起？").key == "行政诉讼"
    assert find_metric("西湖区2024年有没有复议？").key == "行政复议"


def test_a_share_of_two_measures_joined():
    intent = understand("西湖区2024年予以公开和部分公开的占多少？", CATALOG)
    assert intent.kind == "share"
    assert set(intent.metric.rows) == {"予以公开", "部分公开"}
    # 「占了几件」 counts: no share
    counted = understand("西湖区2024年其他处理里，企业申请的占了几件？", CATALOG)
    assert counted.kind != "share"


def test_a_followup_asking_how_much_it_changed_compares_both_years():
    from assistant.understand import merge
    first = understand("西湖区2023年作出了多少件行政处罚决定？", CATALOG)
    then = merge(first, understand("2024年又是多少？两年比变了多少？", CATALOG))
    assert then.kind == "difference" and then.years == [2023, 2024]
    assert then.metric.key == "行政处罚" and not then.unexplained


def test_departments_counted_then_named_are_that_places():
    q = "比一比西湖区几个局的行政处罚：教育局2023、科技局2024，谁最多？"
    intent = understand(q, CATALOG)
    assert intent.pairs == [("杭州市西湖区教育局", 2023), ("杭州市西湖区科学技术局", 2024)]
    assert "杭州市西湖区人民政府" not in intent.agencies
    # the place named alone before a list of its departments is no agency of its own
    alone = understand("比一比西湖区的行政处罚：教育局2023、科技局2024，谁最多？", CATALOG)
    assert alone.pairs == intent.pairs
    # …but a place with a year of its own is one of the list
    listed = understand("西湖区2023年、教育局2024年，谁收到的申请多？", CATALOG)
    assert listed.pairs == [("杭州市西湖区人民政府", 2023), ("杭州市西湖区教育局", 2024)]
    # …and the place's government set beside one of its bureaus is compared with it
    beside = understand("西湖区2024年收到多少申请？跟科技局比呢", CATALOG)
    assert set(beside.agencies) == {"杭州市西湖区人民政府", "杭州市西湖区科学技术局"}
    # 几个局 alone: the place's departments
    some = understand("西湖区几个局2024年谁收到的申请最多", CATALOG)
    assert "杭州市西湖区人民政府" not in some.agencies and "杭州市西湖区科学技术局" in some.agencies


def test_a_figure_heard_and_asked_whether_it_is_right():
    for q in ("听说西湖区教育局2024年新收了两百多件申请？真的假的", "有人说西湖区2024年收到的申请有一千二百来件，这个数靠谱吗",
              "西湖区2024年行政处罚是不是有三千多起，对不对？"):
        intent = understand(q, CATALOG)
        assert intent.metric is not None and not intent.unexplained, (q, intent.unexplained)


def test_a_place_by_its_nickname():
    assert understand("杭城西湖区教育局2024年收到多少申请", CATALOG).agencies == ["杭州市西湖区教育局"]
    assert understand("甬城卫健委2025年收到多少申请", CATALOG).agencies == ["宁波市卫生健康委员会"]
    # beside the place's own name, a nickname says nothing more
    intent = understand("宁波甬城卫健委2025年收到多少申请", CATALOG)
    assert intent.agencies == ["宁波市卫生健康委员会"] and not intent.unexplained


def test_a_verb_asked_as_yes_or_no_and_everyday_words_for_fees():
    from assistant.narrative import keywords
    groups = keywords("西湖区2024年办信息公开收没收老百姓的钱？", ("西湖区",))
    words = {w for g in groups for w in g}
    assert "没收" not in words and "老百姓" not in words  # 没收 (confiscate) is jieba's cut of 收没收
    assert "处理费" in words


def test_a_thing_sized_in_other_words_is_the_thing():
    from assistant.accounting import qualifier_forms
    assert "视频" in qualifier_forms("小视频")
    assert qualifier_forms("视频") == ("视频",)


def test_a_short_closing_sentence_is_quoted_without_the_signature():
    from types import SimpleNamespace

    from assistant.narrative import best_sentences
    text = ("六、其他需要报告的事项\n2024年度本局未收取信息处理费。\n杭州市西湖区教育局\n2025年1月20日")
    chunk = SimpleNamespace(text=text, start=0, section="六、其他需要报告的事项", chunk_id="c", report_id="e24")
    picked = best_sentences([(chunk, 1.0)], [("收费", "处理费", "收取")], "收没收钱")
    assert [s.text for s in picked] == ["2024年度本局未收取信息处理费。"]
    # a lead-in still goes on to what it leads to
    lead = ("五、存在的主要问题及改进情况\n仍存在一定差距。\n一是网站栏目更新不及时，二是解读形式单一。\n"
            "杭州市西湖区教育局\n2025年1月20日")
    chunk = SimpleNamespace(text=lead, start=0, section="五、存在的主要问题", chunk_id="d", report_id="e24")
    picked = best_sentences([(chunk, 1.0)], [("差距", "问题", "不足")], "存在哪些问题")
    assert [s.text for s in picked][-1].startswith("一是网站栏目") and not any("2025年" in s.text for s in picked)


def test_a_figure_stated_to_be_checked_is_read_as_a_range():
    from assistant.accounting import stated_amount
    assert stated_amount("听说收了一亿六千多万？真的假的") == ("一亿六千多万", 160_000_000, 170_000_000)
    assert stated_amount("说是有一千二百来件，靠谱吗") == ("一千二百来件", 1200, 1300)
    assert stated_amount("有人说有23件，这个数对不对？") == ("23件", 23, 23)
    assert stated_amount("是不是2000多件，对吗")[1:] == (2000, 3000)
    low, high = stated_amount("收了1.6亿元，是真的吗")[1:]
    assert low < 160_000_000 < high and high - low == pytest.approx(10_000_000)
    assert stated_amount("2024年有多少件") is None  # nothing asked to be checked
    assert stated_amount("有23件还是32件，对不对") is None  # two figures: which one is to be checked?


def test_measures_listed_one_by_one_are_quoted_whole_and_what_is_asked_weighs_most():
    from types import SimpleNamespace

    from assistant.narrative import best_sentences, coverage, keywords
    text = ("（一）主要问题\n2024年本局根据机构改革工作安排，内设机构调整后职能变化较大，原有网站栏目和信息公开目录结构"
            "无法满足发布需要。\n（二）改进情况\n"
            "本局采取以下措施：一是开设专题栏目，集中发布政策。二是调整信息公开目录。三是改版网站栏目。\n"
            "目前，专题栏目已成功开设，目录调整工作正在有序进行中。\n三、其他")
    chunk = SimpleNamespace(text=text, start=0, section="（二）改进情况", chunk_id="c", report_id="k24")
    q = "西湖区科技局2024年机构改革后网站栏目跟不上，他们怎么整改的？现在进展如何？"
    groups = keywords(q, ("西湖区科技局",))
    picked = [s.text for s in best_sentences([(chunk, 1.0)], groups, q)]
    assert any(t.startswith("二是") for t in picked) and any(t.startswith("三是") for t in picked)  # the list, whole
    assert any(t.startswith("目前") for t in picked)  # 进展, asked
    assert not any(t.startswith("（二）") for t in picked)  # a heading is no answer
    assert coverage(groups, best_sentences([(chunk, 1.0)], groups, q), q) >= 0.5


def test_measures_joined_and_asked_each_are_each_a_figure():
    intent = understand("西湖区2024年的官司和复议各有多少件？", CATALOG)
    assert [m.key for m in intent.each_metric] == ["行政诉讼", "行政复议"] and intent.kind == "figure"
    both = understand("西湖区2024年予以公开和部分公开分别是多少", CATALOG)
    assert [m.key for m in both.each_metric] == ["予以公开", "部分公开"]
    # summed when asked together, and one measure alone is no list
    assert not understand("西湖区2024年予以公开和部分公开加起来多少", CATALOG).each_metric
    assert not understand("西湖区2024年各部门收到多少申请", CATALOG).each_metric


def test_who_asks_is_no_column_of_the_table():
    intent = understand("我是做律师的。西湖区2024年有几件申请是属于行政执法案卷没公开的？", CATALOG)
    assert intent.metric.key == "不予公开_行政执法案卷" and intent.col3 is None
    # a clause that asks keeps its column
    asked = understand("我是企业的，西湖区2024年企业提的申请有几件？", CATALOG)
    assert asked.col3 == "商业企业"
    # 「开了个小店」: counted with 个, a shop, not 小店区
    shop = understand("我开了个小店，想问西湖区2024年收到多少申请", CATALOG)
    assert shop.agencies == ["杭州市西湖区人民政府"] and not shop.unknown_agency


def test_compound_questions_are_split_where_each_names_its_own_cell():
    from assistant.assistant import compound_parts
    assert compound_parts("西湖区2024年制定了几件规章？现在还有效的规范性文件一共多少件？") == [
        "西湖区2024年制定了几件规章？", "现在还有效的规范性文件一共多少件？"]
    assert len(compound_parts("西湖区2024年律所递了几件申请？科研院所又递了几件？")) == 2
    assert len(compound_parts("西湖区2024年直接起诉判维持的有几起？还有没判完的吗？")) == 2
    # a qualifier no cell holds, or a follow-up's opening, asks a question of its own
    assert len(compound_parts("西湖区2024年行政处罚多少？撤回的申请有几件？")) == 2
    assert len(compound_parts("西湖区2024年收到多少申请？其中网上提交的有几件？")) == 2
    # the second sentence goes on asking the first: one question
    assert compound_parts("听说西湖区2024年行政事业性收费收了一亿多？真的假的，具体是多少万元") == []
    assert compound_parts("西湖区2023年行政处罚多少？两年比变了多少？") == []
    assert compound_parts("西湖区2024年收了信息处理费吗？是哪个部门收的？") == []


def test_a_followup_adding_a_measure_or_setting_an_agency_beside():
    from assistant.understand import merge
    first = understand("西湖区2024年行政复议一共多少件？", CATALOG)
    more = merge(first, understand("那连打官司的一起算呢，总共多少件？", CATALOG))
    assert set(more.metric.rows) == {"行政复议", "行政诉讼_直接起诉", "行政诉讼_复议后起诉"} and more.kind == "sum"
    first = understand("西湖区教育局2024年行政处罚做了多少件？", CATALOG)
    beside = merge(first, understand("跟西湖区科技局同一年比呢？谁多？", CATALOG))
    assert beside.agencies == ["杭州市西湖区教育局", "杭州市西湖区科学技术局"] and beside.kind == "ranking"
    # 「那科技局呢」 moves to the other agency
    moved = merge(first, understand("那西湖区科技局呢？", CATALOG))
    assert moved.agencies == ["杭州市西湖区科学技术局"]


def test_asides_and_breakdowns():
    aside = understand("西湖区2024年因为属于过程性信息（讨论记录、请示报告那种）而不予公开的有几件？", CATALOG)
    assert aside.metric is not None and not aside.unexplained
    monthly = understand("西湖区2024年每个月分别收到多少件申请？哪个月最多？", CATALOG)
    assert monthly.metric is None  # no cell counts by month
    confirm = understand("西湖区2024年行政强制只有45件，是这样吗？", CATALOG)
    assert confirm.metric is not None and not confirm.unexplained


def test_what_explains_a_question_does_not_depend_on_the_order_it_is_found_in():
    """Overlapping explained pieces (拒绝公开, 公开了几, 几件申请) each cover their own part: the reading is the
    same in every process, whatever order a set hands the pieces out in (string hashing varies by process)."""
    import os
    import subprocess
    import sys
    code = ("from assistant.accounting import unexplained; "
            "print(unexplained('滨海公安2022年一共拒绝公开了几件申请（各种不予公开的理由加起来）？', ['滨海公安', '2022']))")
    seen = set()
    for seed in ("0", "1", "2", "3"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, cwd=Path(__file__).resolve().parents[1])
        seen.add(out.stdout.strip())
    assert seen == {"[]"}, seen


def test_a_ranking_by_the_share_of_one_result():
    q = "把西湖区2023年、宁波卫健委2025年、审批局2022年放一块比：办结的申请里直接予以公开的比例，谁最高？"
    intent = understand(q, CATALOG)
    assert intent.metric.key == "予以公开" and intent.kind == "ranking" and "share" in intent.signals
    assert intent.pairs == [("杭州市西湖区人民政府", 2023), ("宁波市卫生健康委员会", 2025), ("宁波市行政审批服务局", 2022)]


def test_years_that_are_dates_or_labels_are_not_the_report_year():
    q = "我手头有宁波卫健委今年1月挂出来的那份年报（讲的是去年一整年的情况），请提供行政事业性收费的本年收费金额"
    assert understand(q, CATALOG, today=date(2026, 12, 5)).years == [2025]
    assert understand("西湖区22、23、24这三年新收的申请加起来多少", CATALOG).years == [2022, 2023, 2024]


def test_a_change_asked_as_its_size_and_followups_changing_one_thing():
    from assistant.understand import merge
    growth = understand("西湖区的行政处罚，二〇二四年比二〇二三年是涨了还是跌了？变化幅度是百分之多少？", CATALOG)
    assert growth.kind == "growth" and sorted(growth.years) == [2023, 2024]
    first = understand("西湖区2024年行政许可的处理决定有多少件？", CATALOG)
    then = merge(first, understand("那跟前一年比呢？", CATALOG, today=date(2026, 12, 5)))
    assert then.kind == "difference" and then.years == [2024] and not then.unexplained  # (against the year before)
    first = understand("西湖区2024年新收的申请里，企业提的有几件？", CATALOG)
    other = merge(first, understand("换成个人提的呢？", CATALOG))
    assert other.col3 == "自然人" and other.metric.key == "新收" and not other.unexplained


def test_a_core_word_typed_wrong():
    intent = understand("西湖区2024年收到的申清里，被拒绝公开的一共多少件？", CATALOG)
    assert intent.metric is not None and not intent.unexplained
    assert any("申清" in n for n in intent.notes)


def test_agencies_pointed_at_listed_and_sharing_a_year():
    intent = understand("西湖区那个教育局还有科技局2024年两家一共收到多少申请", CATALOG)
    assert set(intent.agencies) == {"杭州市西湖区教育局", "杭州市西湖区科学技术局"} and intent.kind == "sum"
    shared = understand("西湖区教育局、科技局（这俩是2024年）和宁波卫健委2025年，谁收到的申请最多", CATALOG)
    assert shared.pairs == [("杭州市西湖区教育局", 2024), ("杭州市西湖区科学技术局", 2024), ("宁波市卫生健康委员会", 2025)]
    assert not shared.unexplained


def test_accounts_and_spaced_pdf_text_in_the_narrative():
    from types import SimpleNamespace

    from assistant.accounting import cut_words
    from assistant.narrative import best_sentences, keywords
    assert "微信号" in cut_words("那个微信号现在有多少人订阅了")
    groups = keywords("西湖区科技局那个微信号现在有多少人订阅了？", ("西湖区科技局",))
    text = "（四）平台建设\n“西湖科技”微信公众号目前关注人数达 12345 人；\n联系我们：电 话 ： 0571-1234567 ， 电 子 邮 箱 ： a@b.cn"
    chunk = SimpleNamespace(text=text, start=0, section="（四）平台建设", chunk_id="c", report_id="k24")
    assert any("关注人数" in s.text for s in best_sentences([(chunk, 1.0)], groups, "有多少人订阅了"))
    contact = keywords("看不懂打哪个电话问，邮箱是多少")
    assert any("电 子 邮 箱" in s.text for s in best_sentences([(chunk, 1.0)], contact, "邮箱是多少"))


def test_two_asks_in_one_sentence_and_organs_read_to_their_end():
    from assistant.assistant import compound_parts
    assert len(compound_parts("宁波审批局2022年那个行政事业性收费，上一年有几个项目，这一年增减了多少？")) == 2
    # a later clause narrowing the first asks the last: one question
    assert compound_parts("西湖区2024年有几家企业来申请，最后企业的申请里有几份是部分公开的？") == []
    office = understand("市政府办那边2021年，有几个申请是补正了以后还是说不清楚的？", CATALOG)
    assert office.agencies == ["宁波市人民政府办公室"]
    rate = understand("我一个朋友说西湖区2024年的公开率咋样？", CATALOG)
    assert rate.metric is not None and rate.kind == "share" and not rate.unexplained


def test_a_deployment_adds_the_nicknames_of_the_places_it_serves(tmp_path):
    """The shipped table holds well-known city nicknames; a county's or district's own comes from the
    deployment's file (DISCLOSURE_QA_NICKNAMES), read in a process of its own (the table is read once)."""
    import os
    import subprocess
    import sys
    local = tmp_path / "nicknames.csv"
    local.write_text("nickname,place,code\n湖畔,西湖区,330106\n", encoding="utf-8")
    code = ("from tests.test_understand_general import CATALOG; from assistant.understand import understand; "
            "print(understand('湖畔2024年收到多少申请', CATALOG).agencies)")
    run = lambda env: subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                     env=env, cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    plain_env = {k: v for k, v in os.environ.items() if k != "DISCLOSURE_QA_NICKNAMES"}
    assert run({**plain_env, "DISCLOSURE_QA_NICKNAMES": str(local)}) == "['杭州市西湖区人民政府']"
    assert run(plain_env) != "['杭州市西湖区人民政府']"


# organs of another city, none in the corpus: the names people derive from the printed ones
DERIVED = Catalog([
    ReportEntry("hy", "厦门市海洋与渔业局", [], 2023, "hy.txt"),
    ReportEntry("fb", "厦门市人民政府办公室", [], 2023, "fb.txt"),
    ReportEntry("zj", "厦门市住房和城乡建设局", [], 2023, "zj.txt"),
    ReportEntry("cz", "厦门市思明区财政金融局", [], 2023, "cz.txt"),
    ReportEntry("sm", "厦门市思明区人民政府", [], 2023, "sm.txt"),
])


@pytest.mark.parametrize("question, agency", [
    ("厦门海渔局2023年收到多少申请", "厦门市海洋与渔业局"),
    ("厦门市府办2023年收到多少申请", "厦门市人民政府办公室"),
    ("厦门市政府办2023年收到多少申请", "厦门市人民政府办公室"),
    ("厦门住建局2023年收到多少申请", "厦门市住房和城乡建设局"),
    ("思明区财政局2023年收到多少申请", "厦门市思明区财政金融局"),
])
def test_short_forms_derived_from_the_printed_names(question, agency):
    intent = understand(question, DERIVED, today=date(2026, 12, 7))
    assert intent.agencies == [agency] and intent.metric is not None and not intent.unexplained, (
        intent.agencies, intent.unexplained)


def test_a_word_of_the_agencys_name_is_no_qualifier_but_the_same_word_alone_is():
    assert not understand("思明区财政金融局2023年收到多少申请", DERIVED).unexplained
    assert understand("思明区政府2023年财政预算多少", DERIVED).metric is None


@pytest.mark.parametrize("question", [
    "西湖区2024年接到的信访投诉事项有多少件？",
    "西湖区去年处理了多少群众举报？",
])
def test_petitions_outside_applications_are_no_row_of_table_three(question):
    # 信访/举报/投诉 the agency handles on their own are told in the prose: the row counts only applications
    intent = understand(question, CATALOG, today=date(2025, 3, 1))
    assert intent.metric is None and intent.unexplained


@pytest.mark.parametrize("question", [
    "西湖区2024年有几件申请因为是信访投诉没处理？",
    "西湖区2024年不予处理的信访举报投诉类申请有几件？",
    "西湖区2024年被当成信访投诉、没给处理的有几件？",
])
def test_petitions_among_applications_are_the_row(question):
    assert understand(question, CATALOG).metric.key == "不予处理_信访举报投诉"


def test_a_department_not_held_of_a_place_held_by_its_name_is_unknown():
    catalog = Catalog([*CATALOG.entries, ReportEntry("z", "宁波杭州湾新区", ["宁波杭州湾新区"], 2024, "z.txt")])
    intent = understand("宁波杭州湾新区教育局2024年组织了几次培训？", catalog)
    assert intent.agencies == [] and intent.unknown_agency == "宁波杭州湾新区教育局" and intent.unknown_organ
    assert understand("宁波杭州湾新区2024年组织了几次培训？", catalog).agencies == ["宁波杭州湾新区"]


def test_a_place_and_an_organs_stem_naming_an_account_is_no_organ():
    assert understand("“西湖科技”公众号2024年发了多少篇文章？", CATALOG).agencies == ["杭州市西湖区科学技术局"]
    unknown = understand("西湖区城管局2024年存在哪些问题？", CATALOG)
    assert unknown.unknown_organ and not unknown.agencies


def test_a_sentence_names_the_holder_of_a_post():
    from assistant.accounting import PERSON_ASKED, names_the_holder
    assert PERSON_ASKED.search("某县县长叫什么名字").group(1) == "县长"
    assert names_the_holder("局长", "成立以局长王某某同志任组长的领导小组")
    assert names_the_holder("组长", "成立以局长王某某同志任组长的领导小组")
    assert not names_the_holder("局长", "分管副局长李某某同志任副组长")
    assert not names_the_holder("县长", "畅通12345热线、县长信箱等渠道")


def test_a_count_written_in_words_answers_how_many():
    from assistant.narrative import counted_re
    rx = counted_re("一年开几次会研究政务公开？")
    assert rx.search("每年召开一次局务会研究部署政务公开工作")
    assert not counted_re("发了多少条信息").search("第一条规定了范围")


def test_who_compiled_the_report_is_its_own_opening_sentence_not_its_list_of_parts():
    from ingest.metadata import metadata_lines
    from assistant.metrics import metadata_asked
    assert metadata_asked("西湖区2024年的年报是哪个单位编制的？") == "publisher"
    text = "本报告由某市某区人民政府办公室根据《条例》要求编制。\n一、总体情况"
    (a, b), = metadata_lines(text, "publisher")
    assert text[a:b] == "本报告由某市某区人民政府办公室根据《条例》要求编制"
    assert metadata_lines("本报告由总体情况、主动公开政府信息情况等六个部分组成。", "publisher") == []


def test_a_list_whose_items_say_more_after_their_own_sentence_is_quoted_whole():
    from types import SimpleNamespace

    from assistant.narrative import best_sentences, keywords
    text = ("五、存在的主要问题及改进情况\n2024年本局仍有不足。2025年，我局将针对这些不足，努力予以改进，争取再上台阶。"
            "一是强化意识。组织干部学习条例。二是完善内容。进一步扩大公开范围。三是丰富解读。运用图解、视频等方式。"
            "六、其他需要报告的事项\n本局未收取信息处理费。")
    chunk = SimpleNamespace(text=text, start=0, section="五、存在的主要问题及改进情况", chunk_id="c", report_id="e24",
                            agency="x", year=2024, file_name="x.txt", page=None)
    q = "西湖区教育局2024年打算怎么改进？"
    picked = [s.text for s in best_sentences([(chunk, 1.0)], keywords(q, ("西湖区教育局",)), q)]
    joined = "".join(picked)
    assert "进一步扩大公开范围" in joined and "运用图解、视频等方式" in joined  # each item with what it says
    assert "信息处理费" not in joined  # the next part is not the list's


def test_the_askers_own_place_is_no_agency_asked_and_an_everyday_word_no_typo():
    catalog = Catalog([ReportEntry("s", "温州市某某区审计局", [], 2020, "s.txt"),
                       ReportEntry("t", "温州市某某区体育局", [], 2020, "t.txt"),
                       ReportEntry("p", "平潭综合实验区", [], 2020, "p.txt")])  # 平时 is one character from 平潭
    q = "我是温州的一名退休教师，平时挺关心审计局的工作。想问下温州审计局2020年一共接到几份政府信息公开申请？"
    intent = understand(q, catalog)
    assert intent.agencies == ["温州市某某区审计局"] and not intent.unknown_agency
    assert intent.metric.key == "新收" and intent.unexplained == []  # the scene-setting sentence asks nothing


def test_the_two_years_of_the_conversation_summed():
    from assistant.assistant import _BOTH, both_spoken_of
    from assistant.understand import merge
    first = understand("西湖区2024年收到多少申请", CATALOG)
    second = merge(first, understand("那2023年呢？", CATALOG))
    asked = understand("两年加起来一共多少件？", CATALOG)
    assert _BOTH.search(asked.question)
    both = both_spoken_of(merge(second, asked), [first, second])
    assert both.years == [2023, 2024] and both.kind == "sum" and both.assumed["year"] == "2023、2024"


def test_a_row_named_by_its_group_in_a_share_is_the_row():
    # 「因为不掌握信息没法提供的」: the reason names the row; only a total asked sums a group with its rows
    assert find_metric("西湖区2024年因为本机关不掌握信息没法提供的占全部申请百分之几").key == "无法提供_不掌握"
    assert find_metric("西湖区2024年逾期不补正或者其他原因没再处理的（其他处理），加起来有多少件").key == "办理结果_其他处理"


def test_an_organ_whose_words_run_on_into_the_question():
    # 「…局行政许可办了多少件」: 许可办 ends like an office; the organ held is 科学技术局 (科技局)
    intent = understand("西湖区科技局行政许可办了多少件", CATALOG)
    assert intent.agencies == ["杭州市西湖区科学技术局"] and intent.metric.key == "行政许可"


def test_whether_anyone_applied_asks_the_new_applications():
    assert understand("西湖区教育局2024年有没有人来申请政府信息公开", CATALOG).metric.key == "新收"


def test_how_they_changed_it_asks_a_topic_of_its_own():
    from assistant.understand import merge
    first = understand("西湖区教育局2024年信息公开工作存在什么问题", CATALOG)
    then = merge(first, understand("那他们是怎么改的", CATALOG))
    assert "改" in then.topic and then.topic != first.topic


def test_a_rough_count_counts_and_an_exact_one_ranks_first():
    from types import SimpleNamespace

    from assistant.narrative import best_sentences, counted_re, keywords
    assert counted_re("贴出了多少份信息").search("按时发布党建、人事等信息70多份")
    text = "围绕疫情防控工作主动转发权威信息（微信310余条、微博160余条）。\n某区微博信息发布9384条。\n"
    chunk = SimpleNamespace(text=text, start=0, section="主动公开情况", chunk_id="c", report_id="r")
    q = "某区2022年在微博上发了多少条信息？"
    picked = best_sentences([(chunk, 1.0)], keywords(q, ("某区",)), q, limit=1)
    assert "9384" in picked[0].text


def test_a_place_qualifier_said_without_its_building_word():
    from assistant.accounting import qualifier_forms
    assert "办公" in qualifier_forms("办公楼") and "外省" in qualifier_forms("外省")


def test_information_disclosed_on_application_is_no_count_of_applications():
    assert find_metric("西湖区2022年制发的政府信息里，主动公开和依申请公开的合计占多少比例？") is None
    assert find_metric("西湖区2022年依申请公开的信息有多少条？") is None
    assert find_metric("西湖区2022年依申请公开收到多少件？") is not None


def test_a_proportion_heard_is_no_qualifier_and_public_or_partly_is_both_rows():
    intent = understand("听说西湖区2024年办结的申请里超过一半都公开或部分公开了，年报里具体说的是多少件、占多少？", CATALOG)
    assert intent.metric.key == "公开" and intent.kind == "share" and intent.unexplained == []


def test_a_company_asking_is_no_agency_or_column_asked():
    from assistant.understand import without_asker
    assert without_asker("我们公司在宁波做科技企业，想知道宁波卫健委2025年收到多少申请？").startswith(" ")
    intent = understand("我们公司在宁波做科技企业，想知道宁波卫健委2025年收到多少申请？", CATALOG)
    assert intent.agencies == ["宁波市卫生健康委员会"] and intent.col3 is None


def test_how_the_one_application_counted_before_was_handled():
    from assistant.understand import merge
    first = understand("西湖区2024年收到几件政府信息公开申请？", CATALOG)
    then = merge(first, understand("那件最后是怎么处理的？", CATALOG))
    assert then.outcome and len(then.each_metric) > 5 and then.assumed["measure"] == first.metric.label


def test_a_sentence_saying_what_the_question_meant_adds_no_measure():
    intent = understand("西湖区2024年的申请办理结果总计是多少件？我说的是连同上一年结转过来的一起办的那个总数。", CATALOG)
    assert intent.metric.key == "总计"


def test_a_carried_over_count_ruled_out_is_not_the_one_read():
    assert find_metric("西湖区2024年本年新收到的申请是多少件？不算从上一年结转过来的。").key == "新收"
    assert find_metric("西湖区2024年从上一年结转过来的申请有几件？").key == "上年结转"


def test_which_result_a_review_had_is_each_result_that_holds_a_figure():
    intent = understand("西湖区2024年那件行政复议，结果是被维持了、被纠正了，还是其他结果？", CATALOG)
    assert intent.outcome and intent.metric.table == "四" and intent.col4 is None
    # one result asked is that result
    assert understand("西湖区2024年行政复议被纠正了几件？", CATALOG).col4 == "结果纠正"


def test_a_measure_no_table_holds_is_a_qualifier_of_the_narrative():
    intent = understand("西湖区2024年办理一件政府信息公开申请平均要用几天？", CATALOG)
    assert intent.metric is None and "平均" in "".join(intent.unexplained)


def test_the_category_asked_after_how_many():
    from assistant.prose import asked_categories
    assert asked_categories("某局2019年在网上主动公开了多少条行政处罚类的信息？") == ["行政处罚类"]
    assert asked_categories("某局2021年主动公开的信息中价格详情栏和食品安全栏加起来多少条？") == ["价格详情栏", "食品安全栏"]
    assert asked_categories("主动公开了哪些类的信息") == []


def test_an_elliptical_measure_after_a_growth_rate_keeps_the_rate():
    from assistant.understand import merge
    first = understand("西湖区2024年的行政许可决定数比2023年增长了百分之几？", CATALOG)
    then = merge(first, understand("那行政处罚呢？", CATALOG))
    assert first.kind == "growth" and then.kind == "growth" and then.metric.key == "行政处罚"
    # a question naming its own operation is asked as it says
    assert merge(first, understand("那行政处罚比2023年多了多少？", CATALOG)).kind == "difference"


def test_a_year_not_held_is_left_out_of_the_years_spoken_of():
    from assistant.assistant import both_spoken_of
    from assistant.understand import merge
    turns = [understand("西湖区2023年收到了几件申请？", CATALOG)]
    turns.append(merge(turns[-1], understand("2021年呢？", CATALOG)))
    turns.append(merge(turns[-1], understand("那2024年呢？", CATALOG)))
    asked = merge(turns[-1], understand("两年加起来一共多少件？", CATALOG))
    held = lambda a, y: bool(CATALOG.reports(a, y))
    assert both_spoken_of(asked, turns, held).years == [2023, 2024]


def test_two_rows_of_one_report_set_against_each_other():
    intent = understand("西湖区2024年作出的行政处罚决定是行政许可的几倍？", CATALOG)
    assert [m.key for m in intent.compare_rows] == ["行政处罚", "行政许可"] and intent.kind == "ratio"
    # two rows joined by 和 are summed or asked each, not set against each other
    assert not understand("西湖区2024年行政处罚和行政许可一共多少件？", CATALOG).compare_rows


def test_relative_years_and_function_words_are_no_topic_of_the_narrative():
    from assistant.narrative import keywords
    groups = keywords("某区科委前年有没有因为信息公开向申请人收费？", ("某区科委",))
    assert [g[0] for g in groups] == ["收费"]
