"""The Gradio web chat in a real browser (Debian chromium through Playwright): ask a figure and open its
source, a follow-up, an ambiguous question answered by clicking a choice, a chart, and untrusted text
shown as text."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, require_browser, require_files, stop_process

REPO = Path(__file__).resolve().parents[1]
REPORTS = REPO.parent / "shared" / "corpus" / "reports"
SHOTS = REPO / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    require_files(REPORTS)
    store = tmp_path_factory.mktemp("chat-store")
    # the sample and two years of one agency (so that 「平潭收到多少申请」 asks which year)
    files = [REPO / "data" / "天津市滨海新区公安局_2022.txt", REPORTS / "平潭综合实验区_2022.txt", REPORTS / "平潭综合实验区_2023.txt"]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUTF8": "1"}
    subprocess.run([sys.executable, "-m", "ui.cli", "--store", str(store), "ingest", "-q", *map(str, files)],
                   cwd=REPO, env=env, check=True, capture_output=True, timeout=900)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "--store", str(store), "serve", "--port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(url + "/api/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("serve exited: " + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("serve did not answer /api/health")
    yield url
    stop_process(proc)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1200, "height": 1000})
        pg.dialogs = []
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        pg.goto(server + "/", wait_until="load")
        pg.locator("#question textarea").wait_for(timeout=60000)
        yield pg
        browser.close()


def ask(pg, question: str):
    pg.locator("#question textarea").fill(question)
    pg.locator("#send").click()


def new_conversation(pg):
    pg.get_by_role("button", name="新对话").click()
    pg.wait_for_timeout(300)


def test_a_figure_with_its_source_and_a_follow_up(page):
    new_conversation(page)
    ask(page, "滨海新区公安局2022年收到多少信息公开申请？")
    page.locator("#chat").get_by_text("56件").first.wait_for(timeout=30000)
    page.locator("#chat").get_by_text("来源（").first.click()
    source = page.locator("#chat").get_by_text("天津市滨海新区公安局_2022.txt").first
    source.wait_for(timeout=10000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "chat_source.png"), full_page=True)
    ask(page, "那上一年结转过来的呢？")
    page.locator("#chat").get_by_text("上年结转政府信息公开申请数量为2件").first.wait_for(timeout=30000)


def test_an_ambiguous_question_offers_choices_that_answer_when_clicked(page):
    new_conversation(page)
    ask(page, "平潭综合实验区收到多少信息公开申请？")
    choices = page.locator("#choices")
    choices.wait_for(state="visible", timeout=30000)
    choices.get_by_text("2023", exact=False).first.click()
    page.locator("#chat").get_by_text("81件").first.wait_for(timeout=30000)


def test_a_comparison_across_years_is_drawn(page):
    new_conversation(page)
    ask(page, "平潭综合实验区2023年收到的申请比2022年多了多少？")
    page.locator("#chat").get_by_text("增加7件").first.wait_for(timeout=30000)
    page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=20000)
    page.screenshot(path=str(SHOTS / "chat_chart.png"), full_page=True)


def test_untrusted_text_is_shown_as_text_and_nothing_runs(page):
    new_conversation(page)
    hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>滨海新区公安局2022年收到多少申请"
    ask(page, hostile)
    page.locator("#chat").get_by_text("56件").first.wait_for(timeout=30000)
    assert page.locator("#chat").get_by_text("<script>alert(2)</script>", exact=False).count() >= 1
    assert page.locator("#chat img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []
