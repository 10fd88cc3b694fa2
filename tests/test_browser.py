"""The widget and its chat page in a real browser (Playwright, Debian's chromium, headless) against a
real `disclosure-qa serve` process.

Three loopback origins:
- SERVE  `disclosure-qa serve` (the API, /widget.js, /embed), allowing only PAGE's origin;
- PAGE   a host site carrying the widget tag, with hostile CSS aimed at the widget;
- OTHER  the same host pages from an origin the server does not allow.

The store holds one report: a copy of the bundled sample whose part 六 (其他需要报告的事项) carries
markup (`<script>alert(1)</script>`, `<img src=x onerror=alert(2)>`) inside the sentence the
assistant quotes about the cost of disclosure (信息公开支出费用). Everything else is the sample's.

Screenshots of the widget (closed, open with an answer, on a phone) go to docs/screenshots/.
Without chromium the tests are skipped, on CI (env CI set) they fail.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, require_browser, stop_process

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "天津市滨海新区公安局_2022.txt"
SHOTS = REPO / "docs" / "screenshots"
QUESTION = "滨海新区公安局2022年收到多少信息公开申请？"
FEE_QUESTION = "滨海新区公安局2022年信息公开支出费用多少？"
SCRIPT_TAG = "<script>alert(1)</script>"
IMG_TAG = "<img src=x onerror=alert(2)>"
TITLE = "滨海新区公安局 · 信息公开问答"
AGENCY = "天津市滨海新区公安局"
TIMEOUT = 20_000  # ms for an answer to show


def _hostile_copy(folder: Path) -> Path:
    """The sample with markup inside the sentence of part 六 that the assistant quotes about its costs."""
    text = SAMPLE.read_text(encoding="utf-8")
    edits = {
        "2022年度，滨海新区公安局政府信息公开支出费用191元，为邮寄《答复告知书》的费用。":
            f"2022年度，滨海新区公安局政府信息公开支出费用191元{SCRIPT_TAG}，为邮寄《答复告知书》{IMG_TAG}的费用。",
    }
    for old, new in edits.items():
        assert text.count(old) == 1, f"the sample changed: {old!r} not found once"
        text = text.replace(old, new)
    path = folder / SAMPLE.name
    path.write_text(text, encoding="utf-8")
    return path


# ---- the host pages --------------------------------------------------------------------------
HOSTILE_CSS = """
  /* aimed at anything the widget might add to the page, and at its class names */
  body > *:not(main) { display: none !important; visibility: hidden !important; opacity: 0 !important; }
  div, iframe, button:not(.mine) { display: none !important; }
  .bubble, .panel, .frame, .close, .title, .head, .root, .open { display: none !important; color: red !important; }
  * { font-family: "Comic Sans MS", cursive !important; letter-spacing: 4px !important; color: #0a0 !important; }
  button { color: red !important; background: yellow !important; font-size: 40px !important; }
"""


def host_page(serve: str, css: str = "", title: str = TITLE, agency: str = AGENCY, mobile: bool = True) -> str:
    def attr(v: str) -> str:
        return v.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">{'<meta name="viewport" content="width=device-width, initial-scale=1">' if mobile else ''}
<title>天津市滨海新区公安局 · 政务公开</title>
<style>
  body {{ margin: 0; font: 16px/1.7 "Noto Serif CJK SC", serif; background: #efeae0; color: #333; }}
  main {{ max-width: 760px; margin: 32px auto; padding: 24px 32px; background: #fff; }}
  h1 {{ color: #8b0000; font-size: 24px; }}
  {css}
</style></head>
<body>
<main>
  <h1>天津市滨海新区公安局 政府信息公开</h1>
  <p>本栏目公开政府信息公开工作年度报告、政府信息公开指南和依申请公开办理情况。</p>
  <p>对年度报告中的数字有疑问？点击右下角的按钮提问，回答会注明报告原文出处。</p>
  {'<button class="mine" type="button" id="own-button">本站按钮</button>' if css else ''}
  {'<section class="panel" id="own-panel">本站自己的 .panel</section>' if css else ''}
</main>
<script src="{serve}/widget.js" data-title="{attr(title)}" data-agency="{attr(agency)}" async></script>
</body></html>"""


class _Pages(ThreadingHTTPServer):
    daemon_threads = True


def _page_server(pages: dict[str, str]) -> tuple[_Pages, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet
            pass

    server = _Pages(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


# ---- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The serve process and the two host sites: {"serve", "page", "other"} → origin."""
    require_browser()
    tmp = tmp_path_factory.mktemp("browser")
    store = tmp / "store"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISCLOSURE_QA_STORE", "DISCLOSURE_QA_ALLOWED_ORIGINS", "DISCLOSURE_QA_ADMIN_TOKEN",
                        "DISCLOSURE_QA_RATE")}
    env.update(PYTHONUTF8="1", GRADIO_ANALYTICS_ENABLED="False")
    cli = [sys.executable, "-m", "ui.cli", "--store", str(store)]
    ingest = subprocess.run([*cli, "ingest", str(_hostile_copy(tmp))], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr

    pages: dict[str, str] = {}
    page_server, page = _page_server(pages)
    other_server, other = _page_server(pages)
    port = free_port()
    serve = f"http://127.0.0.1:{port}"
    pages["/"] = host_page(serve, HOSTILE_CSS)
    pages["/plain.html"] = host_page(serve)
    pages["/desktop.html"] = host_page(serve, mobile=False)  # no viewport meta: 980 px wide on a phone
    pages["/general.html"] = host_page(serve, agency="")  # no data-agency: questions name their agency
    pages["/markup.html"] = host_page(serve, title=f"问答{IMG_TAG}{SCRIPT_TAG}", agency="")
    # the chat page framed directly, without the widget
    pages["/framed.html"] = (f'<!doctype html><html><head><meta charset="utf-8"></head><body>'
                             f'<iframe id="direct" src="{serve}/embed" style="width:380px;height:560px"></iframe></body></html>')

    # the Gradio chat is mounted too once ui/chat.py exists (the widget's routes must win over it)
    chat = (REPO / "ui" / "chat.py").exists()
    log = open(tmp / "serve.log", "w", encoding="utf-8")
    proc = subprocess.Popen([*cli, "serve", "--port", str(port), "--allow-origin", page, *([] if chat else ["--no-chat"])],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited with {proc.returncode}:\n{(tmp / 'serve.log').read_text(encoding='utf-8')}")
            try:
                with urllib.request.urlopen(f"{serve}/api/health", timeout=2) as r:
                    if json.load(r)["reports"] == 1:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"serve did not answer /api/health:\n{(tmp / 'serve.log').read_text(encoding='utf-8')}")
            time.sleep(0.3)
        yield {"serve": serve, "page": page, "other": other}
    finally:
        stop_process(proc)
        log.close()
        page_server.shutdown()
        other_server.shutdown()


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """What a page did that it should not: dialogs (alert), page errors, console errors."""

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.watch = Watch(pg)
    yield pg
    context.close()


# ---- helpers ---------------------------------------------------------------------------------
def widget(page):
    return page.locator("disclosure-qa-widget")


def open_chat(page):
    """Click the bubble; the chat page inside the iframe (a FrameLocator)."""
    widget(page).locator("button.bubble").click()
    frame_el = widget(page).locator("iframe")
    frame_el.wait_for(state="visible")
    return frame_el.content_frame


def ask(chat, question: str):
    """Type a question and send it; the answer's message once it has arrived."""
    before = chat.locator(".msg.bot[data-status]").count()
    chat.locator("#q").fill(question)
    chat.get_by_role("button", name="发送").click()
    answer = chat.locator(".msg.bot[data-status]").nth(before)
    answer.wait_for(state="visible")
    return answer


def no_injection(page, chat) -> None:
    assert page.watch.dialogs == [], f"a dialog fired: {page.watch.dialogs}"
    assert chat.locator("img").count() == 0, "an <img> was injected into the chat page"
    assert chat.locator("#log script").count() == 0
    assert page.locator("img").count() == 0 and widget(page).locator("img").count() == 0
    assert page.watch.errors == [], page.watch.errors


# ---- (a) the widget on an allowed host page, under hostile CSS ---------------------------------
def test_widget_asks_and_shows_the_answer_with_sources(site, page):
    page.goto(site["page"] + "/")
    bubble = widget(page).locator("button.bubble")
    bubble.wait_for(state="visible")
    # the page's CSS does not reach the widget: still there, bottom-right, our own colours
    box = bubble.bounding_box()
    assert box and box["width"] >= 40 and box["x"] + box["width"] > 1280 - 60 and box["y"] + box["height"] > 800 - 60
    style = bubble.evaluate("e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor, s.display] }")
    assert style == ["rgb(255, 255, 255)", "rgb(200, 16, 46)", "flex"]
    assert bubble.get_attribute("aria-expanded") == "false"
    # and ours does not leak out: the page's own .panel is not our fixed panel, its button is still its own
    assert page.locator("#own-panel").evaluate("e => getComputedStyle(e).position") == "static"
    assert page.locator("#own-button").evaluate("e => getComputedStyle(e).color") == "rgb(255, 0, 0)"
    assert widget(page).locator(".panel").is_hidden()

    chat = open_chat(page)
    assert bubble.get_attribute("aria-expanded") == "true"
    heading = widget(page).locator(".title")
    assert heading.text_content() == TITLE
    assert heading.evaluate("e => getComputedStyle(e).letterSpacing") == "normal"
    src = widget(page).locator("iframe").get_attribute("src")
    assert src.startswith(site["serve"] + "/embed?")
    from urllib.parse import parse_qs, urlsplit
    assert parse_qs(urlsplit(src).query) == {"title": [TITLE], "agency": [AGENCY]}

    answer = ask(chat, QUESTION)
    assert answer.get_attribute("data-status") == "answered"
    text = answer.locator(".answer").inner_text()
    assert "56件" in text and "\n来源：" in text  # line breaks kept (white-space: pre-wrap)
    assert answer.locator(".answer").evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    summary = answer.locator("details.sources > summary")
    assert summary.inner_text() == "来源（2）"
    assert answer.locator("details.sources li").first.is_hidden()  # collapsed
    summary.click()
    first = answer.locator("details.sources li").first
    assert first.locator(".section").inner_text() == "表三 · 一、本年新收政府信息公开申请数量 · 总计"
    assert first.locator("blockquote").inner_text() == "56"
    assert "实际受理56件" in answer.locator("details.sources li").nth(1).locator("blockquote").inner_text()

    # a follow-up: the earlier question travels as history
    follow = ask(chat, "那上一年结转的呢？")
    assert "上年结转政府信息公开申请数量为2件" in follow.locator(".answer").inner_text()

    # closing: the × button; reopening keeps the conversation; Escape inside the iframe closes (postMessage)
    widget(page).get_by_role("button", name="关闭", exact=True).click()
    assert widget(page).locator(".panel").is_hidden() and bubble.get_attribute("aria-expanded") == "false"
    bubble.click()
    assert chat.locator(".msg.mine").count() == 2
    chat.locator("#q").press("Escape")
    widget(page).locator(".panel").wait_for(state="hidden")
    no_injection(page, chat)


def test_screenshots_and_phone_layout(site, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(site["page"] + "/plain.html")
        widget(page).locator("button.bubble").wait_for(state="visible")
        page.screenshot(path=str(SHOTS / "widget-closed.png"))
        chat = open_chat(page)
        answer = ask(chat, QUESTION)
        answer.locator("details.sources > summary").click()
        chat.locator(".msg.mine").last.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(SHOTS / "widget-open.png"))
    finally:
        context.close()

    # under 640 px the panel fills the screen, and the chat page is usable there
    phone = browser.new_context(viewport={"width": 390, "height": 760}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="zh-CN")
    try:
        page = phone.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(site["page"] + "/plain.html")
        chat = open_chat(page)
        box = widget(page).locator(".panel").bounding_box()
        assert [round(box[k]) for k in ("x", "y", "width", "height")] == [0, 0, 390, 760]
        assert widget(page).locator("button.bubble").is_hidden()  # the panel's × closes it
        answer = ask(chat, QUESTION)
        assert "56件" in answer.inner_text()
        send = chat.get_by_role("button", name="发送").bounding_box()
        assert send and send["x"] + send["width"] <= 390 and send["height"] >= 32
        assert chat.locator("body").evaluate("e => e.scrollWidth <= e.clientWidth")  # no sideways scrolling
        page.screenshot(path=str(SHOTS / "widget-phone.png"))
        widget(page).get_by_role("button", name="关闭", exact=True).click()
        widget(page).locator("button.bubble").wait_for(state="visible")

        # a site without a viewport meta tag is laid out 980 px wide on the phone: still full screen
        page.goto(site["page"] + "/desktop.html")
        open_chat(page).locator("#q").wait_for(state="visible")
        width, height = page.evaluate("[innerWidth, innerHeight]")
        assert width > 640
        box = widget(page).locator(".panel").bounding_box()
        assert [round(box[k]) for k in ("x", "y", "width", "height")] == [0, 0, width, height]
    finally:
        phone.close()


# ---- (b) markup in report text, questions and the widget tag stays text -------------------------
def test_markup_in_answers_sources_questions_and_the_tag_is_shown_as_text(site, page):
    # the page's widget tag carries markup in data-title (and no data-agency)
    page.goto(site["page"] + "/markup.html")
    chat = open_chat(page)
    hostile_title = f"问答{IMG_TAG}{SCRIPT_TAG}"
    assert widget(page).locator(".title").text_content() == hostile_title
    chat.locator("#q").wait_for(state="visible")
    assert chat.locator("title").text_content() == hostile_title
    assert widget(page).locator("script").count() == 0

    # the question itself, echoed by the chat and by the answer (not found: it names what was asked)
    hostile = "<svg onload=confirm(3)>有多少？<b>粗体</b>"
    answer = ask(chat, hostile)
    assert chat.locator(".msg.mine").last.inner_text() == hostile
    assert answer.get_attribute("data-status") == "not_found"
    assert hostile in answer.locator(".answer").inner_text()
    assert chat.locator("b").count() == 0 and chat.locator("svg").count() == 0

    # a sentence of the report with markup in it, quoted in the answer and in its source
    answer = ask(chat, FEE_QUESTION)
    assert answer.get_attribute("data-status") == "answered"
    text = answer.locator(".answer").inner_text()
    assert f"191元{SCRIPT_TAG}" in text and IMG_TAG in text  # shown, as text
    answer.locator("details.sources > summary").click()
    # (the answer may quote the figure's other sentences too: the one with the markup is among its sources)
    quotes = answer.locator("details.sources blockquote").all_inner_texts()
    assert any(SCRIPT_TAG in q and IMG_TAG in q for q in quotes), quotes
    answer.get_by_text(SCRIPT_TAG).first.wait_for(state="visible")  # seen on screen, as text

    page.wait_for_timeout(300)  # an injected onerror would have fired by now
    no_injection(page, chat)


# ---- errors, choices and the conversation sent as history --------------------------------------
def test_errors_choices_and_history(site, page):
    page.goto(site["page"] + "/general.html")
    chat = open_chat(page)
    sent: list[dict] = []
    replies: list = []  # what the next requests get; None = the real server

    def route(r):
        sent.append(json.loads(r.request.post_data))
        reply = replies.pop(0) if replies else None
        if reply is None:
            r.continue_()
        elif reply == "abort":
            r.abort("connectionrefused")
        else:
            r.fulfill(status=reply[0], json=reply[1])

    page.route("**/api/ask", route)

    # ambiguous: the choices are buttons that ask again, with the conversation as history
    answer = ask(chat, "天津市2022年收到多少信息公开申请？")
    assert answer.get_attribute("data-status") == "ambiguous"
    assert answer.locator(".status").inner_text() == "请确认"
    answer.locator(".choices").get_by_role("button", name="天津市滨海新区公安局").click()
    chosen = chat.locator(".msg.bot[data-status]").nth(1)
    chosen.wait_for(state="visible")
    assert "56件" in chosen.inner_text()
    assert sent[0] == {"question": "天津市2022年收到多少信息公开申请？", "history": []}  # no agency: none sent
    assert sent[1] == {"question": "天津市滨海新区公安局", "history": ["天津市2022年收到多少信息公开申请？"]}

    # not found
    answer = ask(chat, "滨海新区公安局2019年收到多少信息公开申请？")
    assert answer.get_attribute("data-status") == "not_found"
    assert answer.locator(".status").inner_text() == "未找到" and "2019" in answer.inner_text()

    errors = chat.locator(".msg.error")
    cases = [
        ((429, {"detail": "too many questions"}), "提问太频繁", True),
        ((422, {"error": "invalid request — question: too long"}), "问题无法受理", False),
        ((413, {"error": "request body too large"}), "内容太长", False),
        ((403, {"detail": "forbidden"}), "请求被拒绝（HTTP 403）", False),
        ((502, {"detail": "bad gateway"}), "服务暂时不可用（HTTP 502）", True),
        ("abort", "无法连接服务器", True),
    ]
    for i, (reply, message, retry) in enumerate(cases):
        replies.append(reply)
        chat.locator("#q").fill(f"错误测试{i}")
        chat.get_by_role("button", name="发送").click()
        error = errors.nth(i)
        error.wait_for(state="visible")
        assert message in error.inner_text(), (reply, error.inner_text())
        assert error.get_by_role("button", name="重试").count() == (1 if retry else 0)
    assert chat.get_by_role("button", name="发送").is_enabled()

    # retrying the refused one reaches the server again; failed questions never join the history
    errors.nth(len(cases) - 1).get_by_role("button", name="重试").click()
    chat.locator(".msg.bot[data-status]").nth(3).wait_for(state="visible")
    assert sent[-1]["question"] == f"错误测试{len(cases) - 1}"
    assert sent[-1]["history"] == ["天津市2022年收到多少信息公开申请？", "天津市滨海新区公安局",
                                   "滨海新区公安局2019年收到多少信息公开申请？"]
    assert chat.locator(".msg.error").count() == len(cases) - 1  # the retried error is gone

    # an empty question is not sent
    n = len(sent)
    chat.locator("#q").fill("   ")
    chat.get_by_role("button", name="发送").click()
    page.wait_for_timeout(200)
    assert len(sent) == n
    assert chat.locator("#q").get_attribute("maxlength") == "300"
    assert page.watch.dialogs == [] and page.watch.errors == []


# ---- (c) a host the server does not allow -----------------------------------------------------
def test_a_disallowed_origin_cannot_frame_the_chat_or_call_the_api(site, page):
    page.goto(site["other"] + "/plain.html")
    # the script itself loads (any page may include it); the bubble opens a panel that says the site is
    # not allowed, instead of a frame the browser would refuse to fill
    widget(page).locator("button.bubble").click()
    notice = widget(page).locator(".notice")
    notice.wait_for(state="visible")
    assert "本网站暂未开通此问答服务" in notice.inner_text() and site["other"] in notice.inner_text()
    assert widget(page).locator("iframe").count() == 0
    page.screenshot(path=str(SHOTS / "widget-not-allowed.png"))
    # closed and opened again: still the message, still no frame
    widget(page).locator("button.bubble").click()
    widget(page).locator("button.bubble").click()
    assert widget(page).locator(".notice").count() == 1 and widget(page).locator("iframe").count() == 0

    # framed directly, the chat page is refused by the browser itself (CSP frame-ancestors)
    page.goto(site["other"] + "/framed.html")
    deadline = time.monotonic() + 10
    while not any("frame-ancestors" in m for m in page.watch.console) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    # chromium: "Framing 'http://…/' violates the following Content Security Policy directive:
    # "frame-ancestors 'self' http://…". The request has been blocked."
    assert any("frame-ancestors" in m and site["page"] in m and "blocked" in m for m in page.watch.console), \
        page.watch.console
    assert page.frame_locator("#direct").locator("#q").count() == 0

    fetch = """url => fetch(url + '/api/ask', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                           body: JSON.stringify({question: %s})})
        .then(r => r.json()).then(a => 'ok:' + JSON.stringify(a.figures.map(f => f.value)), e => 'failed:' + e.name)
    """ % json.dumps(QUESTION)
    assert page.evaluate(fetch, site["serve"]) == "failed:TypeError"  # blocked by CORS
    # the same request from the allowed site works: it is CORS, not the server, that said no
    page.goto(site["page"] + "/plain.html")
    assert page.evaluate(fetch, site["serve"]) == "ok:[56]"
    assert page.watch.dialogs == []
