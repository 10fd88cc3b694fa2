"""load_document on awkward inputs: spanned HTML tables, whole portal pages, broken bytes, deep nesting,
export artifacts. Every input is written here into tmp_path (and a few real pages are checked when the
shared corpus is present)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.loaders import artifact_spans, load_document
from ingest.models import Document, IngestError

CORPUS = Path(__file__).parent.parent.parent / "shared/corpus"

NARRATIVE = (
    "本报告根据《中华人民共和国政府信息公开条例》要求编制，所列数据统计期限为2024年1月1日至2024年12月31日。"
    "本年度共新收政府信息公开申请12件，全部按期答复。"
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def table_rows(doc: Document, table_index: int = 0) -> list[list[tuple[int, str]]]:
    """(col_index, text) of every cell of every row of one table."""
    return [
        [(c.loc.col_index, c.text) for c in row.cells]
        for row in doc.rows
        if row.in_table and row.cells[0].loc.table_index == table_index
    ]


def assert_spans(doc: Document) -> None:
    for row in doc.rows:
        for cell in row.cells:
            assert doc.text[cell.loc.start:cell.loc.end] == cell.text, cell


# ---- 1. HTML tables on their real grid ------------------------------------------------------

SPANNED_TABLE = """<html><body><table border="1"><tbody>
<tr><td colspan="3" rowspan="3"><p>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</p></td>
    <td colspan="7"><p>申请人情况</p></td></tr>
<tr><td rowspan="2"><p>自</p><p>然</p><p>人</p></td><td colspan="5"><p>法人或其他组织&nbsp;</p></td>
    <td rowspan="2"><p>总计</p></td></tr>
<tr><td><p>商业</p><p>企业&nbsp;</p></td><td><p>科研</p><p>机构</p></td><td><p>社会</p><p><span>公益</span> &nbsp; &nbsp;</p><p>组织</p></td>
    <td><p>法律服务机构</p></td><td><p>其他</p></td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>12</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>12</td></tr>
<tr><td rowspan="2"><p>三、本年度</p><p>办理结果</p></td><td colspan="2">（一）予以公开</td>
    <td>7</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>7</td></tr>
<tr><td rowspan="1">（三）不予公开</td><td>1.属于国家秘密</td><td>5</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>5</td></tr>
</tbody></table></body></html>"""


def test_html_rowspan_colspan_grid(tmp_path):
    doc = load_document(write(tmp_path, "t3.html", SPANNED_TABLE))
    rows = table_rows(doc)
    assert rows[0] == [(0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"), (3, "申请人情况")]
    # the 3x3 corner covers columns 0-2 of rows 1 and 2; the label split into one <p> per character is one word
    assert rows[1] == [(3, "自然人"), (4, "法人或其他组织"), (9, "总计")]
    # 自然人 and 总计 (rowspan 2) cover columns 3 and 9 of this row; &nbsp; between pieces is whitespace
    assert rows[2] == [(4, "商业企业"), (5, "科研机构"), (6, "社会公益组织"), (7, "法律服务机构"), (8, "其他")]
    assert rows[3] == [(0, "一、本年新收政府信息公开申请数量")] + [(c, v) for c, v in zip(range(3, 10), "12 0 0 0 0 0 12".split())]
    assert rows[4][:2] == [(0, "三、本年度办理结果"), (1, "（一）予以公开")]
    # the spanned label is written once: its second row starts at grid column 1, and no number is repeated
    assert rows[5][:3] == [(1, "（三）不予公开"), (2, "1.属于国家秘密"), (3, "5")]
    assert [c for c, _ in rows[5]] == list(range(1, 10))
    assert doc.text.count("三、本年度办理结果") == 1
    assert "\t5\t0\t0\t0\t0\t0\t5\n" in doc.text
    assert_spans(doc)


def test_html_spans_end_with_their_row_group_and_rowspan_zero(tmp_path):
    page = """<table>
    <thead><tr><th rowspan="5">项目</th><th>数量</th></tr></thead>
    <tbody><tr><td rowspan="0">合计</td><td>1</td></tr><tr><td>2</td></tr><tr><td>3</td></tr></tbody>
    <tfoot><tr><td>注</td><td>无</td></tr></tfoot></table>"""
    doc = load_document(write(tmp_path, "groups.html", page))
    assert table_rows(doc) == [
        [(0, "项目"), (1, "数量")],  # rowspan 5 stops at the end of <thead>
        [(0, "合计"), (1, "1")],
        [(1, "2")],  # rowspan="0" reaches to the end of <tbody> ...
        [(1, "3")],
        [(0, "注"), (1, "无")],  # ... and no further
    ]
    assert [r.cells[0].loc.row_index for r in doc.rows if r.in_table] == [0, 1, 2, 3, 4]
    assert_spans(doc)


def test_html_bad_span_attributes(tmp_path):
    page = '<table><tr><td colspan="0">甲</td><td colspan="x">乙</td><td rowspan="-1">丙</td><td colspan="2px">丁</td><td>戊</td></tr></table>'
    doc = load_document(write(tmp_path, "bad.html", page))
    assert table_rows(doc) == [[(0, "甲"), (1, "乙"), (2, "丙"), (3, "丁"), (5, "戊")]]


# ---- 2. a whole portal page: read the article -----------------------------------------------

AGENCIES = ["发展和改革局", "财政金融局", "自然资源局", "生态环境局", "交通运输局", "农业农村局", "卫生健康局",
            "应急管理局", "市场监督管理局", "教育局", "公安局", "司法局", "民政局", "人力资源和社会保障局"]


def portal_page(article_class: str = "x7q", with_title_heading: bool = True) -> str:
    nav_links = "".join(f'<li><a href="/dept/{i}">某某市{name}</a></li>' for i, name in enumerate(AGENCIES))
    footer_links = "".join(f'<a href="http://site{i}.gov.cn">友情链接网站{i}号</a> ' for i in range(12))
    heading = '<div class="hd9">某某市教育局2024年政府信息公开工作年度报告</div>' if with_title_heading else ""
    rows = "".join(
        f"<tr><td>{label}</td><td>{a}</td><td>{b}</td><td>{c}</td></tr>"
        for label, a, b, c in (("规章", 0, 0, 0), ("行政规范性文件", 3, 1, 25))
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>某某市教育局2024年政府信息公开工作年度报告_政府信息公开年报_某某市人民政府门户网站</title>
<script>var nav = ["某某市公安局", "页面统计"]; document.write("<p>脚本写的字</p>");</script>
<style>.x7q p {{ text-indent: 2em }}</style></head>
<body><div class="t1"><div class="t2">
  <div class="top"><span>欢迎访问某某市人民政府门户网站</span> <a href="/">首页</a> <a href="/en">English</a> <a href="/old">长者模式</a></div>
  <div class="menu"><ul>{nav_links}</ul><span>热门搜索：</span></div>
  <div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; <a href="/nb">政府信息公开年报</a></div>
  <div class="main"><div class="left">
    {heading}
    <div class="meta">来源：某某市教育局 时间：2025-01-20 <a href="#">微信</a> <a href="#">微博</a></div>
    <div class="{article_class}">
      <p>{NARRATIVE}</p>
      <p>一、总体情况</p><p>{NARRATIVE}</p>
      <p>二、主动公开政府信息情况</p>
      <table border="1"><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>{rows}</table>
      <p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>
      <p>某某市教育局</p><p>2025年1月20日</p>
    </div>
    <div class="share">扫一扫在手机上查看当前页面 <a href="#">打印</a> <a href="#">关闭</a></div>
  </div>
  <div class="right"><div>相关文章</div><ul>
    <li><a href="/a1">某某市教育局2023年政府信息公开工作年度报告</a></li>
    <li><a href="/a2">某某市教育局2022年政府信息公开工作年度报告</a></li></ul></div></div>
  <div class="foot"><div>{footer_links}</div>
    <p>版权所有：某某市人民政府办公室 网站标识码：1234567890 备案号：某ICP备12345678号</p>
    <p>为确保最佳浏览效果，建议您使用以下浏览器版本：IE浏览器9.0版本及以上。</p></div>
</div></div><script>console.log("页脚脚本")</script></body></html>"""


TITLE = "某某市教育局2024年政府信息公开工作年度报告"
BYLINE = "来源：某某市教育局 时间：2025-01-20 微信 微博"


def test_portal_page_is_read_from_its_article(tmp_path):
    doc = load_document(write(tmp_path, "portal.html", portal_page()))
    # the article's title and byline (it has the date), then the article
    assert doc.text.startswith(f"{TITLE}\n{BYLINE}\n{NARRATIVE}\n一、总体情况\n")
    for chrome in [f"某某市{name}" for name in AGENCIES if name != "教育局"] + ["欢迎访问", "首页", "当前位置", "热门搜索", "相关文章", "2023年政府信息公开工作年度报告",
                              "友情链接网站", "版权所有", "备案号", "浏览器", "扫一扫", "打印", "脚本", "页面统计"]:
        assert chrome not in doc.text, chrome
    assert [[c.text for c in r.cells] for r in doc.rows if r.in_table] == [
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "0", "0", "0"], ["行政规范性文件", "3", "1", "25"],
    ]
    assert doc.text.endswith("某某市教育局\n2025年1月20日\n")  # the signature stays
    assert [r.cells[0].text for r in doc.rows[:2]] == [TITLE, BYLINE] and not doc.rows[0].in_table
    assert_spans(doc)


def test_portal_page_title_from_the_page_title_when_the_article_has_no_heading(tmp_path):
    page = portal_page(article_class="TRS_Editor", with_title_heading=False)
    doc = load_document(write(tmp_path, "portal.html", page))
    assert doc.rows[0].cells[0].text == f"{TITLE}_政府信息公开年报_某某市人民政府门户网站"
    assert doc.rows[1].cells[0].text == NARRATIVE  # no byline without a title element before the article
    assert "某某市发展和改革局" not in doc.text


def test_portal_page_with_semantic_chrome_tags(tmp_path):
    links = "".join(f'<a href="/d{i}">某某市{name}</a>' for i, name in enumerate(AGENCIES))
    page = f"""<html><head><title>年度报告</title></head><body>
    <header><h1>某某市人民政府</h1><p>这里是一段很长的网站介绍文字，它不属于报告，也不应出现在读出的文本里。</p></header>
    <nav>{links}</nav>
    <article><h2>某某市财政局2023年政府信息公开工作年度报告</h2><p>{NARRATIVE}</p>
      <table><tr><td>行政许可</td><td>15</td></tr><tr><td>行政处罚</td><td>2</td></tr><tr><td>行政强制</td><td>0</td></tr></table>
    </article>
    <aside><p>这是一段侧栏里的通知公告文字，篇幅也不短，同样不属于报告本身的内容。</p></aside>
    <footer><p>版权所有：某某市人民政府办公室，地址：某某市某某路一号，邮编：123456，电话：0000-1234567。</p>{links}</footer>
    </body></html>"""
    doc = load_document(write(tmp_path, "semantic.html", page))
    assert doc.text.startswith("某某市财政局2023年政府信息公开工作年度报告\n" + NARRATIVE)
    assert "网站介绍" not in doc.text and "侧栏" not in doc.text and "版权所有" not in doc.text
    assert not any(name in doc.text for name in AGENCIES)
    assert [[c.text for c in r.cells] for r in doc.rows if r.in_table][0] == ["行政许可", "15"]


def test_portal_article_split_over_sibling_blocks_is_kept_whole(tmp_path):
    page = portal_page().replace(
        '<div class="x7q">', '<div class="wrap"><div class="part1">'
    ).replace(
        "<p>二、主动公开政府信息情况</p>", '</div><div class="part2"><p>二、主动公开政府信息情况</p>'
    ).replace("<p>2025年1月20日</p>\n    </div>", "<p>2025年1月20日</p>\n    </div></div>")
    doc = load_document(write(tmp_path, "split.html", page))
    assert doc.text.startswith(f"{TITLE}\n{BYLINE}\n{NARRATIVE}\n一、总体情况\n")
    assert doc.text.endswith("某某市教育局\n2025年1月20日\n")
    assert "行政规范性文件\t3\t1\t25\n" in doc.text and "某某市财政金融局" not in doc.text


def test_portal_report_without_tables(tmp_path):
    page = re.sub(r"<table.*?</table>", f"<p>{NARRATIVE}</p>", portal_page(), flags=re.S)
    doc = load_document(write(tmp_path, "narrative.html", page))
    assert doc.text.startswith(f"{TITLE}\n{BYLINE}\n{NARRATIVE}")
    assert doc.text.endswith("某某市教育局\n2025年1月20日\n")
    assert "某某市财政金融局" not in doc.text and "版权所有" not in doc.text


def test_portal_title_not_repeated_when_the_article_starts_with_it(tmp_path):
    page = portal_page().replace('<div class="x7q">', '<div class="x7q"><p>某某市教育局2024年政府信息公开工作年度报告</p>')
    doc = load_document(write(tmp_path, "titled.html", page))
    assert doc.text.count(TITLE) == 1
    assert doc.text.startswith(f"{TITLE}\n{NARRATIVE}")


def test_portal_title_kept_when_the_article_starts_with_a_part_heading(tmp_path):
    page = portal_page().replace('<div class="x7q">', '<div class="x7q"><h3>一、总体情况</h3>')
    doc = load_document(write(tmp_path, "h3.html", page))
    assert doc.text.startswith(f"{TITLE}\n{BYLINE}\n一、总体情况\n{NARRATIVE}")


def test_page_without_chrome_is_not_cut(tmp_path):
    """Few links on the page: nothing is navigation, so nothing is cut, not even the short lines."""
    page = f"""<html><head><title>页面标题</title></head><body>
    <p>某某县民政局2024年政府信息公开工作年度报告</p>
    <div class="c"><p>{NARRATIVE}</p><p>{NARRATIVE}</p>
      <table><tr><td>规章</td><td>0</td><td>1</td><td>2</td></tr></table></div>
    <p>某某县民政局</p><p>2025年1月5日 <a href="a.pdf">附件</a></p></body></html>"""
    doc = load_document(write(tmp_path, "plain.html", page))
    assert doc.text.startswith("某某县民政局2024年政府信息公开工作年度报告\n")
    assert doc.text.endswith("某某县民政局\n2025年1月5日 附件\n")
    assert "页面标题" not in doc.text


def test_real_portal_pages(tmp_path):
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is missing at {CORPUS}")
    for name, title, byline in (
        ("平潭综合实验区社会事业局_2023.html", "平潭综合实验区社会事业局2023年政府信息公开工作年度报告",
         "来源：平潭综合实验区社会事业局 时间：2024-01-26 14:58"),
        ("平潭综合实验区综合执法与应急管理局_2025.html", "平潭综合实验区综合执法与应急管理局 2025年政府信息公开工作年度报告",
         "来源：行政科 时间：2026-01-26 11:49"),
    ):
        doc = load_document(CORPUS / "reports" / name)
        assert doc.text.startswith(f"{title}\n{byline}\n根据《中华人民共和国政府信息公开条例》"), name
        for chrome in ("国务院 省政府", "当前位置", "福州市政府网站", "友情链接", "版权所有", "闽ICP备", "扫一扫", "浏览器"):
            assert chrome not in doc.text, (name, chrome)
        assert {r.cells[0].loc.table_index for r in doc.rows if r.in_table} == {0, 1, 2}
        assert "（七）总计" in doc.text and doc.text.rstrip().endswith("日")
        assert_spans(doc)


# ---- 3. broken bytes and legacy encodings ---------------------------------------------------

REPORT_TEXT = "某某区卫生健康委员会2023年政府信息公开工作年度报告\n一、总体情况\n" + NARRATIVE + "\n\t规章\n\t0\n"


def test_utf8_with_one_broken_byte(tmp_path):
    data = bytearray(REPORT_TEXT.encode("utf-8"))
    at = data.index("总体".encode("utf-8")) + 1  # the middle byte of 总
    data[at] = 0xFF
    doc = load_document(write(tmp_path, "broken.txt", bytes(data)))
    assert doc.encoding == "utf-8"
    assert doc.text.startswith("某某区卫生健康委员会2023年政府信息公开工作年度报告\n一、")  # not GB18030 nonsense
    assert "\ufffd" in doc.text and doc.text.replace("\ufffd" * 3, "总") == REPORT_TEXT  # E6 FF BB: three bad bytes
    [finding] = doc.findings
    assert finding.kind == "encoding"
    assert f"bytes {at - 1}–{at + 1}" in finding.message and "E6 FF BB" in finding.message
    assert doc.text[finding.loc.start:finding.loc.end] == "\ufffd" * 3 == finding.quote
    assert doc.rows[1].cells[0].text == "一、\ufffd\ufffd\ufffd体情况"


def test_many_broken_bytes_in_a_long_utf8_report(tmp_path):
    data = bytearray(("政府信息公开工作年度报告" * 250).encode("utf-8"))  # 3,000 characters, 3 bytes each
    for i in range(25):
        data[360 * i + 1] = 0xFF  # the middle byte of every 120th character: three invalid bytes in a row
    doc = load_document(write(tmp_path, "many.txt", bytes(data)))
    assert doc.encoding == "utf-8" and doc.text.count("\ufffd") == 75
    assert len(doc.findings) == 21 and "5 more runs" in doc.findings[-1].message
    assert all(doc.text[f.loc.start:f.loc.end] == "\ufffd" * 3 for f in doc.findings[:20])
    assert doc.findings[1].loc.start == 122 and "bytes 360–362" in doc.findings[1].message


def test_utf8_broken_byte_located_after_crlf(tmp_path):
    data = REPORT_TEXT.replace("\n", "\r\n").encode("utf-8")
    cut = data.index("全部".encode("utf-8"))
    data = data[:cut] + b"\x80" + data[cut:]  # a stray continuation byte
    doc = load_document(write(tmp_path, "crlf.txt", data))
    [finding] = doc.findings
    assert f"byte {cut} " in finding.message
    assert doc.text[finding.loc.start:finding.loc.end + 2] == "\ufffd全部"
    assert "\r" not in doc.text


def test_utf8_bom_and_html_with_a_broken_byte(tmp_path):
    html = f"<html><body><p>{NARRATIVE}</p><p>结束</p></body></html>".encode("utf-8")
    cut = html.index("结束".encode("utf-8"))
    doc = load_document(write(tmp_path, "page.html", b"\xef\xbb\xbf" + html[:cut] + b"\xc3" + html[cut:]))
    assert (doc.kind, doc.encoding) == ("html", "utf-8-sig")
    assert doc.text.endswith("\ufffd结束\n")
    [finding] = doc.findings
    assert finding.kind == "encoding" and f"byte {cut + 3} " in finding.message and finding.loc is None


@pytest.mark.parametrize("codec, recorded", [("gbk", "gb18030"), ("gb18030", "gb18030"), ("gb2312", "gb18030")])
def test_legacy_chinese_encodings_still_detected(tmp_path, codec, recorded):
    text = REPORT_TEXT + ("㐀（扩展A）\n" if codec == "gb18030" else "")
    doc = load_document(write(tmp_path, f"{codec}.txt", text.encode(codec)))
    assert (doc.encoding, doc.text, doc.findings) == (recorded, text, [])


def test_gbk_with_a_broken_byte_is_read_as_gbk(tmp_path):
    data = REPORT_TEXT.encode("gbk")
    data = data[:10] + b"\xff" + data[10:]  # 0xFF is invalid in GB18030 too
    doc = load_document(write(tmp_path, "gbk-broken.txt", data))
    assert doc.encoding == "gb18030"
    assert doc.text == REPORT_TEXT[:5] + "\ufffd" + REPORT_TEXT[5:]
    [finding] = doc.findings
    assert finding.kind == "encoding" and "byte 10 " in finding.message and "gb18030" in finding.message


def test_gbk_cut_mid_character(tmp_path):
    data = REPORT_TEXT.rstrip("\n").encode("gbk") + "年".encode("gbk")[:1]
    doc = load_document(write(tmp_path, "cut.txt", data))
    assert doc.encoding == "gb18030" and doc.text.endswith("\t0\ufffd")
    assert f"byte {len(data) - 1} " in doc.findings[0].message


def test_many_broken_bytes_are_not_utf8(tmp_path):
    data = REPORT_TEXT.encode("utf-8")
    data = b"".join(data[i:i + 4] + b"\xff" for i in range(0, len(data), 4))  # one bad byte in five
    try:
        doc = load_document(write(tmp_path, "junk.txt", data))
    except IngestError:
        return
    assert doc.encoding != "utf-8" and not doc.findings


# ---- 4. deeply nested HTML ---------------------------------------------------------------------


def nested(depth: int) -> str:
    return (
        "<html><body>" + "<div>" * depth + f"<p>某某镇2024年政府信息公开工作年度报告</p><p>{NARRATIVE}</p>"
        "<table><tr><td>行政许可</td><td>3</td></tr></table>" + "</div>" * depth + "<p>某某镇人民政府</p></body></html>"
    )


@pytest.mark.parametrize("depth", [300, 1500])  # past libxml2's default 256 levels, and past Python's recursion limit
def test_deeply_nested_html_is_read(tmp_path, depth):
    doc = load_document(write(tmp_path, "deep.html", nested(depth)))
    assert [[c.text for c in r.cells] for r in doc.rows] == [
        ["某某镇2024年政府信息公开工作年度报告"], [NARRATIVE], ["行政许可", "3"], ["某某镇人民政府"]
    ]


def test_html_nested_too_deeply_is_refused(tmp_path):
    path = write(tmp_path, "deeper.html", nested(10_000))
    with pytest.raises(IngestError) as caught:
        load_document(path)
    message = str(caught.value)
    assert "nested too deeply" in message and str(path) in message and message.endswith(".")


# ---- 5. export artifacts -----------------------------------------------------------------------


def test_artifact_spans_word_markers_and_page_numbers(tmp_path):
    text = (
        "一、总体情况[bookmark: _GoBack]\n"
        "本年度共收到申请5件。[bookmark: _Toc123456789][comment: 1]\n"
        "— 4 —\n"
        "  - 6 -  \n"
        "第 3 页 共 10 页\n"
        "共10页，第3页\n"
        "－12－\n"
        "Page 7 of 9\n"
        "【bookmark:_Hlk1】二、主动公开\n"
    )
    doc = load_document(write(tmp_path, "export.txt", text))
    assert doc.text == text  # kept in the text: offsets still point into the original
    spans = artifact_spans(doc.text)
    assert [doc.text[a:b] for a, b in spans] == [
        "[bookmark: _GoBack]", "[bookmark: _Toc123456789]", "[comment: 1]", "— 4 —", "- 6 -",
        "第 3 页 共 10 页", "共10页，第3页", "－12－", "Page 7 of 9", "【bookmark:_Hlk1】",
    ]
    assert spans == sorted(spans)


def test_artifact_spans_leave_report_text_alone():
    text = (
        "\t行政许可\n\t4\n\n"  # a number alone on a line is a table cell, not a page number
        "本报告第3页所列数据\n"
        "- 6 - 7\n"
        "（一）予以公开 - 4 -\n"
        "[1]《条例》第二十条\n"
        "[注] 本表数据截至12月31日\n"
        "-4\n"
    )
    assert artifact_spans(text) == []


def test_artifact_spans_in_real_exports():
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is missing at {CORPUS}")
    seed = load_document(CORPUS / "reports/天津市滨海新区公安局_2022.txt")
    assert [seed.text[a:b] for a, b in artifact_spans(seed.text)] == ["[bookmark: _GoBack]"]
    pdf = load_document(CORPUS / "reports/洪泽区人民政府_2023.pdf")
    assert [pdf.text[a:b] for a, b in artifact_spans(pdf.text)] == [f"- {n} -" for n in range(1, 6)]


def test_a_traditional_character_report_is_read_and_quoted_as_printed(tmp_path):
    """繁体: the tables and metadata are read through OpenCC t2s; the stored text stays the original."""
    import opencc

    from ingest.pipeline import parse_file

    seed = Path(__file__).resolve().parents[1] / "data" / "天津市滨海新区公安局_2022.txt"
    original = opencc.OpenCC("s2t").convert(seed.read_text(encoding="utf-8"))
    path = tmp_path / "report_traditional.txt"
    path.write_text(original, encoding="utf-8")
    simple = parse_file(seed)
    trad = parse_file(path)
    assert trad.agency == simple.agency and trad.year == simple.year
    assert {(f.table, f.row_key, f.col_key): f.value for f in trad.facts} == \
        {(f.table, f.row_key, f.col_key): f.value for f in simple.facts}
    assert trad.text == original  # quotes and offsets point into the document as printed
    fact = trad.fact("三", "新收", "总计")
    assert trad.text[fact.loc.start:fact.loc.end] == "56"
    assert any(f.kind == "encoding" and "traditional" in f.message for f in trad.findings)


def test_export_artifacts_never_reach_a_passage():
    """The sample's Word export carries 「[bookmark: _GoBack]」: no chunk holds it, offsets stay the original's."""
    from ingest.chunking import chunk_report
    from ingest.pipeline import parse_file

    report = parse_file(Path(__file__).resolve().parents[1] / "data" / "天津市滨海新区公安局_2022.txt")
    assert "[bookmark: _GoBack]" in report.text
    chunks = chunk_report(report)
    assert chunks and not any("[bookmark" in c.text for c in chunks)
    assert all(report.text[c.start:c.end] == c.text for c in chunks)
