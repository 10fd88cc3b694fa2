"""One report, one identity: the agency comes from the document, one agency has one key however it
is printed, and two files of one report are one report with two sources."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ingest.agency import government_of, identify, same_agency
from ingest.models import IngestError, TemplateError
from ingest.pipeline import parse_file
from vectorstore.facts import FactStore

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "天津市滨海新区公安局_2022.txt"
CORPUS = REPO.parent / "shared" / "corpus"
REPORTS = CORPUS / "reports"


def corpus_file(name: str) -> Path:
    path = REPORTS / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing (the shared corpus is expected at ../shared/corpus)")
        pytest.skip(f"{path} is missing")
    return path


# ---- the agency's canonical identity ------------------------------------------------------------
@pytest.mark.parametrize("a, b", [
    ("北京市海淀区人民政府", "海淀区人民政府"),
    ("天津市滨海新区公安局", "滨海新区公安局"),
    ("淮安市洪泽区人民政府", "洪泽区政府"),
    ("上海市科学技术委员会", "上海市科委"),
    ("南京市发展和改革委员会", "南京市发改委"),
    ("苏州市人力资源和社会保障局", "苏州市人社局"),
    ("宿迁市市场监督管理局", "宿迁市市场监管局"),
    ("平潭综合实验区", "平潭综合实验区管委会"),
])
def test_two_printed_names_are_one_agency(a, b):
    assert same_agency(a, b), (identify(a), identify(b))


@pytest.mark.parametrize("a, b", [
    ("平潭综合实验区", "平潭综合实验区农业农村局"),  # a zone and its department
    ("平潭综合实验区管委会", "平潭综合实验区管委会办公室"),
    ("天津市滨海新区公安局", "天津市滨海新区人民政府"),
    ("北京市朝阳区人民政府", "北京市海淀区人民政府"),
    ("南京市发展和改革委员会", "苏州市发展和改革委员会"),
])
def test_different_agencies_stay_apart(a, b):
    assert not same_agency(a, b), (identify(a), identify(b))


def test_place_is_parsed_with_the_gazetteer():
    ident = identify("淮安市洪泽区人民政府")
    assert (ident.city, ident.county, ident.organ) == ("淮安市", "洪泽区", "人民政府")
    assert ident.place_code == "320813"
    assert identify("平潭综合实验区交通与建设局").zone == "综合实验区"


# ---- the agency comes from the document -----------------------------------------------------------
def test_a_file_named_report_html_is_named_by_its_document(tmp_path):
    src = corpus_file("平潭综合实验区社会事业局_2023.html")
    path = tmp_path / "report.html"
    shutil.copy(src, path)
    report = parse_file(path)
    assert report.agency == "平潭综合实验区社会事业局"
    assert report.year == 2023
    assert report.agency_key == identify("平潭综合实验区社会事业局").key


def test_text_after_the_signature_does_not_rename_the_agency(tmp_path):
    path = tmp_path / "滨海公安2022年报.txt"
    path.write_text(SEED.read_text(encoding="utf-8") + "\n附：本报告的电子版可在天津市滨海新区人民政府网站下载。\n联系电话：022-12345678\n",
                    encoding="utf-8")
    assert parse_file(path).agency == parse_file(SEED).agency == "天津市滨海新区公安局"


def test_a_file_name_that_disagrees_is_a_finding(tmp_path):
    path = tmp_path / "洪泽区人民政府_2022.txt"
    shutil.copy(SEED, path)
    report = parse_file(path)
    assert report.agency == "天津市滨海新区公安局"
    assert any("file name" in f.message and "洪泽区人民政府" in f.message for f in report.findings)


def test_a_report_that_names_no_agency_is_refused_with_what_to_do(tmp_path):
    text = SEED.read_text(encoding="utf-8").replace("天津市滨海新区公安局", "").replace("滨海新区公安局", "")
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError) as e:
        parse_file(path)
    assert "names no agency" in str(e.value) and "report.txt" in str(e.value)


def test_the_blank_template_is_refused(tmp_path):
    template = CORPUS / "年报格式模板_2021.docx"
    if not template.is_file():
        pytest.fail("template missing") if os.environ.get("CI") else pytest.skip("template missing")
    with pytest.raises(TemplateError, match="template"):
        parse_file(template)


# ---- two files of one report ------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["html first", "txt first"])
def test_the_same_report_as_txt_and_html_is_one_report_and_keeps_the_fuller_reading(tmp_path, order):
    html = parse_file(corpus_file("平潭综合实验区社会事业局_2023.html"))
    txt = parse_file(corpus_file("平潭综合实验区社会事业局_2023.txt"))
    assert html.agency_key == txt.agency_key and html.year == txt.year
    assert len(html.facts) > len(txt.facts)  # the .txt cannot split 规范性文件 '2120'
    first, second = (html, txt) if order == "html first" else (txt, html)
    with FactStore(tmp_path / "facts.sqlite") as store:
        assert store.add_report(first, chunks=[]) == "added"
        assert store.add_report(second, chunks=[]) == "merged"
        rows = store.reports()
        assert len(rows) == 1, rows
        assert rows[0]["file_name"] == "平潭综合实验区社会事业局_2023.html"
        kept = store.get_report(rows[0]["report_id"])
        assert kept.fact("二", "行政规范性文件", "本年废止件数").value == 12
        sources = store.sources(kept.report_id)
        assert [s["file_name"] for s in sources] == ["平潭综合实验区社会事业局_2023.txt"]
        assert sources[0]["disagree"] == 0 and sources[0]["agree"] == len(txt.facts)
        # either file again: already stored
        assert store.add_report(first, chunks=[]) == "unchanged"
        assert store.add_report(second, chunks=[]) == "unchanged"


def test_cells_the_two_files_read_differently_are_findings(tmp_path):
    a = parse_file(SEED)
    b = a.model_copy(deep=True)
    b.report_id = "x" * 64
    b.path = str(tmp_path / "滨海新区公安局2022年度报告.html")
    cell = b.fact("三", "新收", "总计")
    cell.value += 1
    with FactStore(tmp_path / "facts.sqlite") as store:
        store.add_report(a, chunks=[])
        assert store.add_report(b, chunks=[]) == "merged"
        (row,) = store.reports()
        findings = [f for f in store.findings(row["report_id"]) if f.kind == "source_mismatch"]
        assert len(findings) == 1 and "新收" in findings[0].message, findings
        assert store.get_report(row["report_id"]).fact("三", "新收", "总计").value == 56


def test_a_corrected_file_still_replaces_its_own_earlier_version(tmp_path):
    path = tmp_path / SEED.name
    shutil.copy(SEED, path)
    old = parse_file(path)
    path.write_text(SEED.read_text(encoding="utf-8").replace("2023年1月16日", "2023年1月17日"), encoding="utf-8")
    new = parse_file(path)
    with FactStore(tmp_path / "facts.sqlite") as store:
        store.add_report(old, chunks=[])
        assert store.add_report(new, chunks=[]) == "replaced"
        assert [r["report_id"] for r in store.reports()] == [new.report_id]


# ---- a place's own report is its government's ---------------------------------------------------------
def small_report(tmp_path: Path, title: str, signature: str, name: str = "report.txt") -> Path:
    """A report with a title, parts 一, 五 and 六, and a signature: enough to be read for its agency."""
    path = tmp_path / name
    path.write_text(f"{title}\n\n一、总体情况\n2023年，本地坚持以公开为常态、不公开为例外。\n\n"
                    f"五、存在的主要问题及改进情况\n无。\n\n六、其他需要报告的事项\n无。\n\n{signature}\n2024年1月20日\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("printed, government", [
    ("三明市", "三明市人民政府"),
    ("仙游县", "仙游县人民政府"),
    ("福建省", "福建省人民政府"),
    ("景宁畲族自治县", "景宁畲族自治县人民政府"),
    ("阿里地区", "阿里地区行政公署"),  # a 地区's government is its 行政公署
    ("三明市政务公开工作领导小组", "三明市人民政府"),
    ("仙游县政务公开办公室", "仙游县人民政府"),
])
def test_a_place_alone_or_its_disclosure_body_names_its_government(printed, government):
    assert government_of(printed) == government
    assert identify(government).key == identify(printed.replace("政务公开工作领导小组", "").replace("政务公开办公室", "")).key


@pytest.mark.parametrize("name", [
    "三明市人民政府", "三明市审计局", "三明市人民政府办公室",  # the government itself, its departments
    "三明高新技术产业开发区",  # a zone keeps its 管委会 rule
    "某某单位",
])
def test_an_organ_or_a_zone_is_no_places_government(name):
    assert government_of(name) == ""


def test_a_city_wide_report_is_stored_as_the_citys_government(tmp_path):
    report = parse_file(small_report(tmp_path, "三明市2023年政府信息公开工作年度报告", "三明市政务公开工作领导小组"))
    assert report.agency == "三明市人民政府"
    assert {"三明市", "三明市政务公开工作领导小组"} <= set(report.agency_aliases)
    assert "政务公开工作领导小组" not in report.agency_aliases and "人民政府" not in report.agency_aliases
    assert report.agency_key == identify("三明市人民政府").key
    (finding,) = [f for f in report.findings if f.kind == "layout" and "place only" in f.message]
    assert "三明市人民政府" in finding.message
    # one agency with the report its government signs
    signed = parse_file(small_report(tmp_path, "三明市人民政府2024年政府信息公开工作年度报告", "三明市人民政府", "b.txt"))
    assert signed.agency_key == report.agency_key
    assert not [f for f in signed.findings if "place only" in f.message]


def test_a_place_report_signed_by_the_general_office_is_still_the_governments(tmp_path):
    report = parse_file(small_report(tmp_path, "三明市2023年政府信息公开工作年度报告", "三明市人民政府办公室"))
    assert report.agency == "三明市人民政府"
    assert "三明市人民政府办公室" not in report.agency_aliases  # an organ of its own, with reports of its own


def test_a_county_report_signed_by_its_disclosure_office_is_the_countys_government(tmp_path):
    report = parse_file(small_report(tmp_path, "2023年政府信息公开工作年度报告", "仙游县政务公开办公室"))
    assert report.agency == "仙游县人民政府"
    assert "仙游县政务公开办公室" in report.agency_aliases
    assert report.agency_key == identify("仙游县人民政府").key


@pytest.mark.parametrize("title, signature", [
    ("三明市审计局2023年政府信息公开工作年度报告", "三明市审计局"),
    ("三明高新技术产业开发区2023年政府信息公开工作年度报告", "三明高新技术产业开发区管委会"),
])
def test_a_department_or_a_zone_keeps_its_own_name(tmp_path, title, signature):
    report = parse_file(small_report(tmp_path, title, signature))
    assert report.agency == signature
    assert not [f for f in report.findings if "place only" in f.message]


# ---- a place printed one character wrong ---------------------------------------------------------------
def test_a_place_one_character_wrong_is_the_only_place_it_can_be():
    ident = identify("尤漠县人民政府")  # 尤溪县 is the only place one character from 尤漠县
    assert ident.key == identify("尤溪县人民政府").key and ident.slip == "尤溪县"
    # 仙浙县 is one character from 仙游县 and 仙居县: inside 莆田市 only 仙游县
    assert identify("仙浙县人民政府").key.startswith("name:")
    assert {p.name for _, p in identify("仙浙县人民政府").near} == {"仙游县", "仙居县"}
    assert identify("莆田市仙浙县人民政府").key == identify("仙游县人民政府").key
    # a place of the gazetteer is never read as another, nor a department of the city as a slip
    assert not identify("朝阳区人民政府").near and not identify("三明市审计局").slip


def test_a_report_with_a_misprinted_place_is_identified_without_its_file_name(tmp_path):
    report = parse_file(small_report(tmp_path, "尤漠县人民政府2023年政府信息公开工作年度报告", "尤漠县人民政府"))
    assert report.agency == "尤漠县人民政府"  # as printed
    assert report.agency_key == identify("尤溪县人民政府").key
    assert "尤溪县人民政府" in report.agency_aliases
    assert [f for f in report.findings if f.kind == "ocr" and "尤溪县" in f.message]


def test_a_misprinted_place_several_places_are_near_stays_unknown(tmp_path):
    report = parse_file(small_report(tmp_path, "仙浙县人民政府2023年政府信息公开工作年度报告", "仙浙县人民政府"))
    assert report.agency_key.startswith("name:")
    (ocr,) = [f for f in report.findings if f.kind == "ocr"]
    assert "仙游县" in ocr.message and "仙居县" in ocr.message and "cannot tell" in ocr.message


def test_the_ocrd_county_is_found_by_its_file_name_and_named_unknown_without_it(tmp_path):
    src = corpus_file("沭阳县人民政府_2025.md")
    named = parse_file(src)
    assert named.agency_key == identify("沭阳县人民政府").key
    # 沐阳县 is one character from 49 counties (泗阳县 in the same city among them): the name alone
    # cannot tell which, so without the file name the agency stays unidentified, with a finding
    path = tmp_path / "report.md"
    shutil.copy(src, path)
    report = parse_file(path)
    assert report.agency == "沐阳县人民政府" and report.agency_key.startswith("name:")
    assert [f for f in report.findings if f.kind == "ocr" and "沐阳县" in f.message and "cannot tell" in f.message]
