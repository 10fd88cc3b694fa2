"""The library, the reports behind the chat and feedback in a real browser (Debian's chromium through
Playwright) against a real `disclosure-qa serve` process with an admin token.

The store holds the sample, whose sentence on the cost of disclosure carries an apostrophe, brackets
and asterisks (「It's [点我] **注意**」), and a report whose tables were read in part. In order: the
library lists every report with its reading status; a citation opens the report with the cited text
marked and in view (from the chat and from the widget); untrusted text shows as typed; feedback from
the chat and the widget is stored and exported; a report uploaded in the admin tab shows in the pickers,
examples and landing without a restart; reading it again and deleting it in the library works,
and the deletion reaches everywhere.
Screenshots of the library, a report and a citation opened at its spot go to docs/screenshots/.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, require_browser, require_files, stop_process

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "天津市滨海新区公安局_2022.txt"
REPORTS = REPO.parent / "shared" / "corpus" / "reports"
PUTIAN = REPORTS / "莆田市审计局_2020.txt"  # tables 二 and 三 read in part
HONGZE = REPORTS / "洪泽区人民政府_2023.pdf"  # uploaded during the tests
SHOTS = REPO / "docs" / "screenshots"
TOKEN = "library-browser-token-51c7"
BACKOFF = 0.3  # seconds an address waits after a wrong admin token
TYPED = "It's [点我] **注意**"
FEE_SENTENCE = "2022年度，滨海新区公安局政府信息公开支出费用191元，为邮寄《答复告知书》的费用。"
QUESTION = "滨海新区公安局2022年收到多少信息公开申请？"
FEE_QUESTION = "滨海新区公安局2022年信息公开支出费用多少？"
WAIT = 30_000


def _get(url: str, token: str = ""):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_browser()
    require_files(REPORTS, PUTIAN, HONGZE)
    tmp = tmp_path_factory.mktemp("library-browser")
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.count(FEE_SENTENCE) == 1, "the sample changed"
    sample = tmp / SAMPLE.name
    sample.write_text(text.replace(FEE_SENTENCE, FEE_SENTENCE.replace("的费用。", f"的费用（{TYPED}）。")), encoding="utf-8")
    store = tmp / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCLOSURE_QA_")}
    env.update(PYTHONUTF8="1", GRADIO_ANALYTICS_ENABLED="False")
    cli = [sys.executable, "-m", "ui.cli", "--store", str(store)]
    done = subprocess.run([*cli, "ingest", "-q", str(sample), str(PUTIAN)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    log = open(tmp / "serve.log", "w", encoding="utf-8")
    proc = subprocess.Popen([*cli, "serve", "--port", str(port)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            env={**env, "DISCLOSURE_QA_ADMIN_TOKEN": TOKEN, "DISCLOSURE_QA_TOKEN_BACKOFF": str(BACKOFF),
                                 "DISCLOSURE_QA_RATE": "10000"})  # (the rate budget is tested in test_doors.py)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                if _get(url + "/api/health")["reports"] == 2:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("serve did not start:\n" + (tmp / "serve.log").read_text(encoding="utf-8"))
            time.sleep(0.5)
        yield {"url": url, "store": store, "cli": cli, "env": env}
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    ctx.set_default_timeout(WAIT)
    yield ctx
    ctx.close()


def chat_page(context, site):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(site["url"] + "/")
    page.locator("#question textarea").wait_for()
    page.locator("#landing").get_by_text("现有").wait_for()
    return page


def ask(page, question: str):
    """Ask in the chat; the answer's message once its sources (or its last line) have arrived."""
    before = page.locator("#chat .message.bot").count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(f"() => document.querySelectorAll('#chat .message.bot').length > {before}")
    # the answer streams line by line: done once the chat's text stops changing
    last, deadline = None, time.monotonic() + WAIT / 1000
    while time.monotonic() < deadline:
        now = page.locator("#chat").inner_text()
        if now == last:
            return
        last = now
        page.wait_for_timeout(700)


def tab(page, name: str):
    page.get_by_role("tab", name=name).click()


def dropdown_options(page, elem_id: str) -> list[str]:
    page.locator(f"#{elem_id} input").click()
    options = page.locator("ul[role=listbox] li[role=option]")
    options.first.wait_for()
    texts = [t.strip() for t in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


# ---- the library ------------------------------------------------------------------------------
def test_the_library_lists_every_report_with_its_reading_status(site, context):
    page = chat_page(context, site)
    assert "现有 2 份报告，2 个单位，年度 2020、2022" in page.locator("#landing").inner_text()
    tab(page, "报告库")
    rows = page.locator("#library tr[data-report]")
    rows.first.wait_for()
    stored = _get(site["url"] + "/api/library")
    assert rows.count() == len(stored) == 2
    shown = {r.get_attribute("data-report"): r for r in rows.all()}
    for entry in stored:
        row = shown[entry["report_id"]]
        assert row.get_attribute("data-status") == entry["status"]
        assert row.locator("td.mark").inner_text() == entry["mark"]
        assert row.locator("td.reading").inner_text() == entry["reading_zh"]
    partial = page.locator("#library tr[data-status=warning]")
    assert partial.locator("td.mark").inner_text() == "⚠" and "莆田市审计局" in partial.inner_text()
    assert "部分读出" in partial.inner_text() and "15格未读出" in partial.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)

    with context.expect_page() as opened:
        partial.get_by_role("link", name="打开").click()
    report = opened.value
    report.wait_for_load_state()
    assert report.title() == "莆田市审计局 2020年 政府信息公开工作年度报告"
    assert report.locator("td.unread").count() == 15  # every cell left unread, marked in its table
    assert "nothing in the report decides between them" in report.locator("#tables").inner_text()
    report.locator("#table-三").scroll_into_view_if_needed()
    report.screenshot(path=str(SHOTS / "report.png"))
    assert page.errors == []


# ---- citations open the source ----------------------------------------------------------------
def _in_view(page) -> bool:
    return page.evaluate("() => { const r = document.getElementById('cited').getBoundingClientRect();"
                         " return r.top >= 0 && r.bottom <= innerHeight; }")


def test_a_citation_opens_the_source_with_the_cited_text_highlighted(site, context):
    page = chat_page(context, site)
    ask(page, QUESTION)
    page.locator("#chat").get_by_text("来源（").first.click()
    link = page.locator("#chat a", has_text="在原文中查看").first
    link.wait_for()
    with context.expect_page() as opened:
        link.click()
    source = opened.value
    source.wait_for_load_state()
    mark = source.locator("mark#cited")
    mark.wait_for()
    assert mark.inner_text() == "56" and _in_view(source)
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 224, 102)"
    assert "一、本年新收政府信息公开申请数量" in source.locator("#source").inner_text()
    assert source.locator("#cited-banner").is_visible()  # which report, where: it stays at the top

    # the widget's sources open the same way
    widget = context.new_page()
    widget.goto(site["url"] + "/embed")
    widget.locator("#q").fill(FEE_QUESTION)
    widget.get_by_role("button", name="发送").click()
    answer = widget.locator(".msg.bot[data-status]").first
    answer.wait_for()
    answer.locator("details.sources > summary").click()
    with context.expect_page() as opened:
        answer.locator("a.open").first.click()
    cited = opened.value
    cited.wait_for_load_state()
    assert "191元" in cited.locator("mark#cited").inner_text() and _in_view(cited)
    cited.screenshot(path=str(SHOTS / "citation.png"))


# ---- untrusted text as typed -------------------------------------------------------------------
def test_quotes_brackets_and_asterisks_show_as_typed(site, context):
    page = chat_page(context, site)
    typed = f"{TYPED} 滨海新区公安局2022年收到多少申请？"
    ask(page, typed)
    assert page.locator("#chat .message.user").last.inner_text().strip() == typed
    ask(page, FEE_QUESTION)
    answer = page.locator("#chat .message.bot").last
    assert f"（{TYPED}）" in answer.inner_text()
    page.locator("#chat").get_by_text("来源（").last.click()
    shown = page.locator("#chat").inner_text()
    assert shown.count(TYPED) >= 3  # the question, the answer's quote, the source
    for wrong in ("&#x27;", "&#39;", "\\[", "\\*", "****"):
        assert wrong not in shown, wrong
    ask(page, "How many requests did the Binhai police receive in 2022?")
    assert "Questions are read in Chinese" in page.locator("#chat .message.bot").last.inner_text()
    assert page.locator("#chat img").count() == 0 and page.errors == []


# ---- feedback ----------------------------------------------------------------------------------
def test_feedback_from_the_chat_and_the_widget_is_stored_and_exported(site, context):
    page = chat_page(context, site)
    ask(page, QUESTION)
    # Gradio's 👎 is labelled in the browser's language (踩 in Chinese)
    page.locator("#chat button[aria-label='踩'], #chat button[aria-label='Dislike']").last.click()
    note = page.locator("#feedback-note textarea")
    note.wait_for()
    note.fill("正文说受理62件")
    page.locator("#feedback-send").click()
    page.locator("#feedback-thanks").get_by_text("已记录您的说明").wait_for()

    widget = context.new_page()
    widget.goto(site["url"] + "/embed")
    widget.locator("#q").fill(QUESTION)
    widget.get_by_role("button", name="发送").click()
    answer = widget.locator(".msg.bot[data-status]").first
    answer.wait_for()
    answer.get_by_role("button", name="有帮助", exact=True).click()
    answer.locator(".rate textarea").fill("一目了然")
    answer.get_by_role("button", name="提交反馈").click()
    answer.get_by_text("已记录您的反馈").wait_for()

    stored = _get(site["url"] + "/api/feedback", TOKEN)
    by_channel = {f["channel"]: f for f in stored}
    chat, wid = by_channel["chat"], by_channel["widget"]
    assert (chat["rating"], chat["note"], chat["question"]) == ("down", "正文说受理62件", QUESTION)
    assert "56件" in chat["answer"] and chat["query"]["metric"] == "新收" and chat["status"] == "answered"
    assert (wid["rating"], wid["note"], wid["question"]) == ("up", "一目了然", QUESTION)
    assert "56件" in wid["answer"] and wid["query"]["operation"] == "figure"

    export = subprocess.run([*site["cli"], "feedback", "--format", "csv"], cwd=REPO, env=site["env"],
                            capture_output=True, text=True, timeout=120)
    assert export.returncode == 0, export.stderr
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    assert {(r["channel"], r["rating"], r["note"]) for r in rows} >= {("chat", "down", "正文说受理62件"),
                                                                        ("widget", "up", "一目了然")}

    tab(page, "反馈")
    page.locator("#feedback-token input").fill(TOKEN)
    page.locator("#show-feedback").click()
    page.wait_for_function("() => document.querySelector('#feedback-table').innerText.includes('正文说受理62件')")


# ---- the pickers follow the store; delete ------------------------------------------------------
def test_an_uploaded_report_shows_in_the_pickers_without_a_restart(site, context):
    page = chat_page(context, site)
    assert "洪泽区人民政府" not in dropdown_options(page, "agency-picker")
    tab(page, "上传报告")
    page.locator("#admin-token input").fill(TOKEN)
    page.locator("#admin-confirm").click()  # the admin session, without which no file reaches the server
    page.wait_for_function("() => document.querySelector('#admin-session textarea').value.startsWith('口令正确')")
    page.locator("#upload-files input[type=file]").set_input_files(str(HONGZE))
    page.get_by_text(HONGZE.name).first.wait_for()
    page.locator("#upload").click()
    result = page.locator("#upload-result textarea")
    seen, deadline = set(), time.monotonic() + 300
    while "完成" not in result.input_value() and time.monotonic() < deadline:  # what it says as it goes
        seen.add(result.input_value())
        page.wait_for_timeout(50)
    line = result.input_value()
    assert any(f"正在读取第 1/1 个文件：{HONGZE.name}" in s or "正在为新读入的正文建立检索索引" in s for s in seen), seen
    assert f"✓ {HONGZE.name}：洪泽区人民政府 2023年，表二、表三、表四已读出；读出186个数字，2项勾稽核对未通过〔已入库〕" in line, line
    assert "facts" not in line and "failed" not in line
    tab(page, "问答")
    assert "洪泽区人民政府" in dropdown_options(page, "agency-picker")
    assert "2023" in dropdown_options(page, "year-picker")
    assert "现有 3 份报告" in page.locator("#landing").inner_text()
    assert "洪泽区人民政府2023年收到多少信息公开申请？" in page.locator("#examples").inner_text()
    # and a page opened afresh reads the store again
    fresh = chat_page(context, site)
    assert "洪泽区人民政府" in dropdown_options(fresh, "agency-picker")
    tab(fresh, "报告库")
    fresh.locator("#library tr[data-report]").nth(2).wait_for()
    assert fresh.locator("#library tr[data-report]").count() == 3
    fresh.locator("#library").screenshot(path=str(SHOTS / "library.png"))

    # a citation in the PDF names its page, and opens the PDF itself at that page
    tab(fresh, "问答")
    ask(fresh, "洪泽区人民政府2023年收到多少信息公开申请？")
    fresh.locator("#chat").get_by_text("来源（").last.click()
    with context.expect_page() as opened:
        fresh.locator("#chat a", has_text="在原文中查看").first.click()  # the table's cell, past page 1
    cited = opened.value
    cited.wait_for_load_state()
    banner = cited.locator("#cited-banner").inner_text()
    assert "第" in banner and "页" in banner and _in_view(cited), banner
    with context.expect_page() as opened:
        cited.get_by_role("link", name=re.compile("在PDF原件中打开第")).click()
    pdf = opened.value
    page_no = re.search(r"第(\d+)页", banner).group(1)
    assert int(page_no) > 1
    assert pdf.url.endswith(f"/original#page={page_no}")
    pdf.wait_for_timeout(1500)  # Chromium's viewer draws the PDF at that page
    pdf.screenshot(path=str(SHOTS / "citation-pdf.png"))


def test_reread_and_delete_in_the_library(site, context):
    """Read again from its kept file, then removed everywhere."""
    entry = next(r for r in _get(site["url"] + "/api/library") if r["agency"] == "洪泽区人民政府")
    rid = entry["report_id"]
    page = chat_page(context, site)
    tab(page, "报告库")
    page.locator("#library-token input").fill("not-the-token")  # refused, and this address waits a moment
    page.locator("#report-picker input").click()
    page.locator("ul[role=listbox] li[role=option]", has_text="洪泽区人民政府").click()
    page.locator("#remove-report").click()
    page.locator("#library-result textarea").wait_for()
    page.wait_for_function("() => document.querySelector('#library-result textarea').value !== ''")
    assert page.locator("#library-result textarea").input_value().startswith("口令不正确")
    assert rid in {r["report_id"] for r in _get(site["url"] + "/api/library")}
    time.sleep(BACKOFF + 0.2)

    page.locator("#library-token input").fill(TOKEN)
    page.locator("#reread-report").click()  # read again from the file kept in the store (its upload is gone)
    page.wait_for_function("() => document.querySelector('#library-result textarea').value.includes('已重新读取')",
                           timeout=120_000)
    assert page.locator("#library-result textarea").input_value().startswith("✓ 已重新读取 洪泽区人民政府 2023年")
    page.locator("#remove-report").click()
    page.wait_for_function("() => document.querySelector('#library-result textarea').value.startsWith('已删除')")
    assert "洪泽区人民政府 2023年" in page.locator("#library-result textarea").input_value()
    page.wait_for_function(f"() => !document.querySelector('#library tr[data-report=\"{rid}\"]')")
    assert page.locator("#library tr[data-report]").count() == 2
    tab(page, "问答")
    assert "洪泽区人民政府" not in dropdown_options(page, "agency-picker")
    assert "现有 2 份报告" in page.locator("#landing").inner_text()

    assert rid not in {r["report_id"] for r in _get(site["url"] + "/api/library")}
    ask(page, "洪泽区人民政府2023年收到多少信息公开申请？")
    assert "没有" in page.locator("#chat .message.bot").last.inner_text()
    with sqlite3.connect(site["store"] / "facts.sqlite") as db:
        for table in ("reports", "facts", "narrative_facts", "checks", "findings", "chunks", "sources"):
            assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE report_id = ?", (rid,)).fetchone()[0] == 0, table
        assert db.execute("SELECT COUNT(*) FROM originals WHERE content_id = ?", (rid,)).fetchone()[0] == 0
