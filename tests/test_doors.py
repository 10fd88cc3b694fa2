"""Every door of `disclosure-qa serve`, tried the way a hostile client would (ui/doors.py, ui/budget.py).

- the chat's own upload endpoint (/gradio_api/upload): refused without the admin session, size-limited;
- one per-client rate budget over /gradio_api/call/*, /gradio_api/queue/* and /api/*;
- a rotating X-Forwarded-For does not make a client new (in the app, and in a real uvicorn process,
  whose own default would trust it from 127.0.0.1);
- wrong admin tokens slow their sender down, at /api/upload and in the chat's upload tab alike;
- a file named by a path on the server or a URL is refused: only uploaded bytes;
- the upload tab in a real browser: the admin session first, then the files;
- two `serve` processes on one PostgreSQL count one budget (the server pair; skips locally without it).

Most tests talk to one real app (real store holding the bundled sample, real Gradio chat) through
TestClient, each as a client address of its own, so that one test's budget is not another's: `app`
with a small rate budget, for the tests of the budget, and `admin_app` with a large one, for the tests
of the admin doors, which take many requests. The backoff after a wrong token starts at BACKOFF
seconds here, so that it can be waited out.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, require_browser, schema_version, set_schema_version, stop_process

pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "天津市滨海新区公安局_2022.txt"
TOKEN = "doors-admin-token-5e1a7c"
RATE = 6  # requests a minute per client in this module's app
BACKOFF = 0.25  # seconds: the first wait after a wrong token
QUESTION = "滨海新区公安局2022年收到多少信息公开申请？"

_addresses = (f"10.77.{i // 250}.{i % 250 + 1}" for i in itertools.count())


@pytest.fixture(scope="module")
def upload_dir(tmp_path_factory):
    """The chat's upload folder, of this module alone: what a refused upload would have written is visible."""
    folder = tmp_path_factory.mktemp("gradio_uploads")
    old = os.environ.get("GRADIO_TEMP_DIR")
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("GRADIO_TEMP_DIR", None)
    else:
        os.environ["GRADIO_TEMP_DIR"] = old


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("doors_store")


@pytest.fixture(scope="module")
def app(store_dir, upload_dir):
    from ui.web import WebConfig, create_app

    return create_app(WebConfig(store_dir=str(store_dir), admin_token=TOKEN, rate_per_minute=RATE,
                                token_backoff=BACKOFF))


@pytest.fixture(scope="module")
def admin_app(app, store_dir, upload_dir):
    from ui.web import WebConfig, create_app

    return create_app(WebConfig(store_dir=str(store_dir), admin_token=TOKEN, rate_per_minute=1000,
                                token_backoff=BACKOFF))


def client(app, address: str | None = None) -> TestClient:
    """A client of the app with an address of its own (its own budgets)."""
    return TestClient(app, client=(address or next(_addresses), 50000))


@pytest.fixture
def c(app):
    with client(app) as cl:
        yield cl


@pytest.fixture
def admin(admin_app):
    with client(admin_app) as cl:
        yield cl


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def session(c: TestClient) -> None:
    """Open the admin session (the cookie the chat's upload tab gets for the token)."""
    r = c.post("/api/admin/session", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text


def call_result(c: TestClient, api: str, data: list):
    """Call one of the chat's events through Gradio's API and read its result (or the refusal)."""
    r = c.post(f"/gradio_api/call/{api}", json={"data": data})
    if r.status_code != 200:
        return r
    stream = c.get(f"/gradio_api/call/{api}/{r.json()['event_id']}").text
    return json.loads([line for line in stream.splitlines() if line.startswith("data:")][-1][5:])


def file_data(path: str, meta: bool = True) -> dict:
    return {"path": path, **({"meta": {"_type": "gradio.FileData"}} if meta else {})}


# ---- Gradio's upload endpoint ------------------------------------------------------------------
def test_the_chat_takes_no_file_without_the_admin_session(admin, upload_dir):
    c = admin
    before = files_in(upload_dir)
    r = c.post("/gradio_api/upload", files={"files": ("fill.bin", b"x" * 4096, "application/octet-stream")})
    assert r.status_code == 401
    assert "admin session" in r.json()["error"] and "确认口令" in r.json()["error"]
    # a session cookie that is forged, expired or signed with another token is no session
    from ui.budget import MemoryBudget
    from ui.doors import SESSION_COOKIE, Gate

    expired = Gate(MemoryBudget(), rate_per_minute=1, admin_token=TOKEN, clock=lambda: time.time() - 3600).session_value()
    other = Gate(MemoryBudget(), rate_per_minute=1, admin_token=TOKEN + "x").session_value()
    for value in ("9999999999.deadbeef", expired, other, ""):
        c.cookies.set(SESSION_COOKIE, value)
        r = c.post("/gradio_api/upload", files={"files": ("fill.bin", b"x" * 4096, "application/octet-stream")})
        assert r.status_code == 401, value
    c.cookies.clear()
    # the same for Gradio's other file-taking endpoints: any file sent to the chat needs the session
    r = c.post("/gradio_api/process_recording", files={"file": ("a.wav", b"RIFF", "audio/wav")})
    assert r.status_code == 401
    # a wrong token opens no session
    r = c.post("/api/admin/session", headers={"Authorization": "Bearer guess"})
    assert r.status_code == 401 and "set-cookie" not in r.headers
    assert files_in(upload_dir) == before, "a refused upload wrote to the disk"


def test_the_admin_session_lets_uploads_through_each_within_its_limit(admin, upload_dir):
    from ui.uploads import MAX_REPORT_BYTES, MAX_UPLOAD_REQUEST

    c = admin

    session(c)
    r = c.post("/gradio_api/upload", files={"files": ("report.txt", SAMPLE.read_bytes(), "text/plain")})
    assert r.status_code == 200, r.text
    (path,) = r.json()
    assert Path(path).resolve().is_relative_to(upload_dir.resolve()) and Path(path).read_bytes() == SAMPLE.read_bytes()
    before = files_in(upload_dir)
    # one file over a report's limit: refused, nothing kept
    r = c.post("/gradio_api/upload", files={"files": ("big.pdf", b"x" * (MAX_REPORT_BYTES + 1), "application/pdf")})
    assert r.status_code == 413
    # a request over the upload limit: refused before the chat reads it
    r = c.post("/gradio_api/upload", files=[("files", (f"part{i}.pdf", b"x" * (MAX_UPLOAD_REQUEST // 2), "application/pdf"))
                                            for i in range(3)])
    assert r.status_code == 413 and "too large" in r.json()["error"]
    assert files_in(upload_dir) == before


def test_uploads_to_the_chat_are_off_without_an_admin_token(store_dir, upload_dir):
    from ui.web import WebConfig, create_app

    off = create_app(WebConfig(store_dir=str(store_dir), admin_token=""))
    with client(off) as c:
        r = c.post("/gradio_api/upload", files={"files": ("fill.bin", b"x" * 4096, "application/octet-stream")})
        assert r.status_code == 403 and "DISCLOSURE_QA_ADMIN_TOKEN" in r.json()["error"]
        assert c.post("/api/admin/session", headers={"Authorization": "Bearer "}).status_code == 403


# ---- one rate budget over every door -----------------------------------------------------------
def test_the_chat_calls_are_rate_limited_like_the_api(app, c):
    """65 calls to /gradio_api/call/respond in a burst: RATE answered, the rest 429."""
    calls = [c.post("/gradio_api/call/respond", json={"data": [QUESTION, [], None, None]}) for _ in range(65)]
    assert [r.status_code for r in calls] == [200] * RATE + [429] * (65 - RATE)
    r = calls[-1]
    assert f"at most {RATE} a minute" in r.json()["error"] and "请" in r.json()["error"]
    assert 1 <= int(r.headers["retry-after"]) <= 60 + 60 / RATE + 1
    # one budget: the queue, the API and the uploads are closed to this client too; health is not counted
    assert c.post("/gradio_api/queue/join", json={"data": [QUESTION, [], None, None], "fn_index": 0,
                                                 "session_hash": "abc"}).status_code == 429
    assert c.post("/api/ask", json={"question": QUESTION}).status_code == 429
    assert c.post("/gradio_api/upload", files={"files": ("a.txt", b"x", "text/plain")}).status_code == 429
    assert c.get("/api/health").status_code == 200
    # the stream that brings an admitted call its answer is not refused: the answer is not lost
    stream = c.get(f"/gradio_api/call/respond/{calls[RATE - 1].json()['event_id']}")
    assert stream.status_code == 200 and "event: complete" in stream.text and "56" in stream.text
    # another client has a budget of its own
    with client(app) as other:
        assert other.post("/gradio_api/call/respond", json={"data": ["你好", [], None, None]}).status_code == 200


def test_an_ipv6_client_counts_by_its_64(app):
    codes = []
    for i in range(RATE + 2):  # a host rotating through the addresses of its /64
        with client(app, f"2001:db8:77:1::{i + 1:x}") as c:
            codes.append(c.get("/api/reports").status_code)
    assert codes == [200] * RATE + [429] * 2
    with client(app, "2001:db8:77:2::1") as c:  # the next /64 is another client
        assert c.get("/api/reports").status_code == 200


# ---- forwarded headers -------------------------------------------------------------------------
def test_a_rotating_forwarded_for_is_not_a_new_client(app, store_dir):
    # no proxy named (the default): X-Forwarded-For is the client's own say-so, ignored
    with client(app, "10.78.0.1") as c:
        codes = [c.get("/api/reports", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(RATE + 3)]
    assert codes == [200] * RATE + [429] * 3

    from ui.web import WebConfig, create_app

    proxied = create_app(WebConfig(store_dir=str(store_dir), chat=False, rate_per_minute=RATE,
                                   forwarded_allow_ips=["10.78.1.0/24"]))
    # behind the named proxy: the client is the address the proxy appended, whatever the client put before it
    with client(proxied, "10.78.1.5") as proxy:
        codes = [proxy.get("/api/reports", headers={"X-Forwarded-For": f"198.51.100.{i}, 192.0.2.7"}).status_code
                 for i in range(RATE + 3)]
        assert codes == [200] * RATE + [429] * 3
        # another client through the same proxy has its own budget
        assert proxy.get("/api/reports", headers={"X-Forwarded-For": "192.0.2.8"}).status_code == 200
    # a client that is not the proxy cannot claim to be forwarded by it
    with client(proxied, "192.0.2.50") as c:
        codes = [c.get("/api/reports", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                 for i in range(RATE + 1)]
        assert codes == [200] * RATE + [429]


def test_forwarded_allow_ips_takes_addresses_and_networks_only(tmp_path):
    from ui.doors import trusted_proxies

    assert trusted_proxies(["10.0.0.2, 10.0.1.0/24", "::1"]) == ["10.0.0.2", "10.0.1.0/24", "::1"]
    assert trusted_proxies(["10.0.1.7/24"]) == ["10.0.1.0/24"]
    for bad in ("*", "proxy.example.gov.cn", "10.0.0.300"):
        with pytest.raises(ValueError, match="forwarded-allow-ips"):
            trusted_proxies([bad])
    # serve refuses it at once, with what to do, before opening any store
    env = {**os.environ, "PYTHONUTF8": "1"}
    out = subprocess.run([sys.executable, "-m", "ui.cli", "--store", str(tmp_path / "store"), "serve", "--no-chat",
                          "--forwarded-allow-ips", "*"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "name the proxies" in out.stderr
    assert not (tmp_path / "store").exists()


# ---- admin token guessing ----------------------------------------------------------------------
def test_wrong_tokens_slow_the_guesser_down(admin_app, caplog):
    app = admin_app
    gate = app.state.gate
    upload = {"files": ("x.txt", b"not a report", "text/plain")}
    with client(app, "10.79.0.1") as c, caplog.at_level(logging.WARNING, logger="disclosure_qa.doors"):
        r = c.post("/api/upload", files=upload, headers={"Authorization": "Bearer guess-1"})
        assert r.status_code == 401
        # the next try, even with the right token, is not checked until the wait is over
        r = c.post("/api/upload", files=upload, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 429 and "wrong admin tokens" in r.json()["error"] and r.headers["retry-after"] == "1"
        assert 0 < gate.budget.token_wait("10.79.0.1", time.time()) <= BACKOFF
        time.sleep(BACKOFF + 0.05)
        # each wrong token doubles the wait
        assert c.post("/api/upload", files=upload, headers={"Authorization": "Bearer guess-2"}).status_code == 401
        assert BACKOFF < gate.budget.token_wait("10.79.0.1", time.time()) <= 2 * BACKOFF
        assert c.post("/api/admin/session", headers={"Authorization": "Bearer guess-3"}).status_code == 429
        time.sleep(2 * BACKOFF + 0.05)
        # the chat's upload tab is the same door for the same client
        assert call_result(c, "upload_reports", ["guess-3", None]) == ["口令不正确（1 秒后可再试）。"]
        assert 2 * BACKOFF < gate.budget.token_wait("10.79.0.1", time.time()) <= 4 * BACKOFF
        assert c.post("/api/upload", files=upload, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 429
        assert call_result(c, "upload_reports", [TOKEN, None])[0].startswith("口令错误次数过多")
        time.sleep(4 * BACKOFF + 0.05)
        # the right token after the wait: accepted, and the failures forgotten
        r = c.post("/api/upload", files=upload, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 422 and r.json()["results"][0].startswith("✗")  # checked, read, not a report
        assert gate.budget.token_wait("10.79.0.1", time.time()) == 0
        assert c.post("/api/upload", files=upload, headers={"Authorization": "Bearer guess-4"}).status_code == 401
        assert 0 < gate.budget.token_wait("10.79.0.1", time.time()) <= BACKOFF
    # every failure is logged with the address and the wait, never with the token
    failures = [rec.getMessage() for rec in caplog.records if "wrong admin token" in rec.getMessage()]
    assert len(failures) == 4 and all("10.79.0.1" in m for m in failures)
    assert any("chat upload" in m for m in failures) and any("/api/upload" in m for m in failures)
    assert not any("guess" in m or TOKEN in m for m in caplog.messages)
    # another client is not slowed down by this one
    with client(app, "10.79.0.2") as other:
        assert other.post("/api/upload", files=upload, headers={"Authorization": "Bearer guess"}).status_code == 401


def test_the_backoff_doubles_up_to_fifteen_minutes():
    from ui.budget import MemoryBudget, token_wait_after

    assert [token_wait_after(n, 1.0) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert token_wait_after(11, 1.0) == token_wait_after(1000, 1.0) == 900
    budget = MemoryBudget()
    assert [budget.token_failed("a", 0.0, 1.0) for _ in range(3)] == [1, 2, 4]
    budget.token_passed("a")
    assert budget.token_wait("a", 0.0) == 0 and budget.token_failed("a", 0.0, 1.0) == 1


# ---- local files -------------------------------------------------------------------------------
def test_a_path_on_the_server_is_refused(admin_app, admin, upload_dir):
    app, c = admin_app, admin
    session(c)
    (uploaded,) = c.post("/gradio_api/upload", files={"files": ("r.txt", b"uploaded bytes", "text/plain")}).json()
    link = Path(uploaded).parent / "link.txt"
    link.symlink_to("/etc/passwd")  # a link inside the upload folder to a file outside it
    for payload in (file_data("/etc/passwd"), file_data("/etc/passwd", meta=False),
                    file_data(f"{uploaded}/../../../../etc/passwd"), file_data(str(link)),
                    file_data("../../etc/passwd"), file_data("http://169.254.169.254/latest/meta-data")):
        r = c.post("/gradio_api/call/upload_reports", json={"data": [TOKEN, [payload]]})
        assert r.status_code == 400, payload
        assert "uploaded bytes only" in r.json()["error"]
        r = c.post("/gradio_api/queue/join", json={"data": [TOKEN, [payload]], "fn_index": 0, "session_hash": "h1"})
        assert r.status_code == 400, payload
    assert [r["file_name"] for r in app.state.store.facts.reports()] == [SAMPLE.name]  # nothing stored
    # the bytes that were uploaded are read (and refused only as not being a report)
    (line,) = call_result(c, "upload_reports", [TOKEN, [file_data(uploaded)]])
    assert line.startswith("✗ r.txt") and "root" not in line


def test_the_upload_limits(admin):
    c = admin
    from ui.uploads import MAX_FILES, MAX_REPORT_BYTES

    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = c.post("/api/upload", headers=auth, files={"files": ("huge.pdf", b"x" * (MAX_REPORT_BYTES + 1), "application/pdf")})
    assert r.status_code == 422
    (line,) = r.json()["results"]
    assert line.startswith("✗ huge.pdf") and "disclosure-qa ingest" in line
    r = c.post("/api/upload", headers=auth, files=[("files", (f"r{i}.txt", b"x", "text/plain")) for i in range(MAX_FILES + 1)])
    assert r.status_code == 413 and f"at most {MAX_FILES}" in r.json()["error"]


# ---- real processes ----------------------------------------------------------------------------
def _serve_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCLOSURE_QA_") or k.startswith("DISCLOSURE_QA_TEST_")}
    env.update(PYTHONUTF8="1", GRADIO_ANALYTICS_ENABLED="False", **extra)
    return env


def _serve(args: list[str], env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """A `disclosure-qa serve` process on a free port, once it answers /api/health."""
    port = free_port()
    out = open(log, "w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", *args, "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            pytest.fail(f"serve exited with {proc.returncode}:\n{log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2) as r:
                if json.load(r)["reports"] >= 1:
                    return proc, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"serve did not answer /api/health:\n{log.read_text(encoding='utf-8')}")
        time.sleep(0.3)


def _get(url: str, headers: dict | None = None) -> int:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_real_server_trusts_no_forwarded_for_by_default(tmp_path):
    """uvicorn's own default trusts X-Forwarded-For from 127.0.0.1: serve must not."""
    proc, url = _serve(["--store", str(tmp_path / "store")], _serve_env(DISCLOSURE_QA_RATE=str(RATE)), tmp_path / "serve.log")
    try:
        codes = [_get(url + "/api/reports", {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(RATE + 3)]
        assert codes == [200] * RATE + [429] * 3
        codes = [_get(url + "/gradio_api/info", {"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(2)]
        assert codes == [429, 429]
    finally:
        stop_process(proc)


def test_the_upload_tab_opens_the_admin_session_first(tmp_path):
    """In a real browser: files picked before the token is confirmed are refused; after 确认口令 they
    are sent and stored."""
    require_browser()
    from playwright.sync_api import sync_playwright

    uploads = tmp_path / "gradio"
    env = _serve_env(DISCLOSURE_QA_ADMIN_TOKEN=TOKEN, DISCLOSURE_QA_TOKEN_BACKOFF="0.2", GRADIO_TEMP_DIR=str(uploads))
    proc, url = _serve(["--store", str(tmp_path / "store")], env, tmp_path / "serve.log")
    report = tmp_path / "滨海新区公安局_2099.txt"  # a report the store does not hold yet: the sample, another year
    report.write_text(SAMPLE.read_text(encoding="utf-8").replace("2022", "2099"), encoding="utf-8")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
            page.goto(url + "/")
            page.get_by_role("tab", name="上传报告").click()
            # no session: the file is refused by the server, nothing reaches its disk
            page.locator("input[type=file]").set_input_files(str(report))
            page.wait_for_timeout(1500)
            assert files_in(uploads) == []
            # a wrong token: said so, no session
            page.get_by_label("管理员口令").fill("guess")
            page.get_by_role("button", name="确认口令").click()
            status = page.locator("#admin-session textarea")
            page.wait_for_function("el => el.value.length > 0", arg=status.element_handle())
            assert status.input_value() == "口令不正确。"
            page.wait_for_timeout(300)  # the backoff after the wrong token
            page.get_by_label("管理员口令").fill(TOKEN)
            page.get_by_role("button", name="确认口令").click()
            page.wait_for_function("el => el.value.startsWith('口令正确')", arg=status.element_handle())
            # now the file goes through, and 导入 stores it
            page.reload()
            page.get_by_role("tab", name="上传报告").click()
            page.get_by_label("管理员口令").fill(TOKEN)
            page.locator("input[type=file]").set_input_files(str(report))
            page.get_by_text(report.name).first.wait_for(timeout=20000)
            # the server writes it under a temporary name, then moves it in place
            deadline = time.monotonic() + 10
            while [p.name for p in files_in(uploads)] != [report.name] and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [p.name for p in files_in(uploads)] == [report.name]
            page.get_by_role("button", name="导入").click()
            result = page.get_by_label("结果")
            # it says which file it is reading, then each file's line, then 完成
            page.wait_for_function("el => el.value.includes('完成')", arg=result.element_handle(), timeout=120000)
            # the chat says it in Chinese (the API's line is the command line's)
            assert result.input_value().startswith(f"✓ {report.name}：天津市滨海新区公安局 2099年"), result.input_value()
            browser.close()
        with urllib.request.urlopen(url + "/api/reports") as r:
            assert sorted(rep["year"] for rep in json.load(r)) == [2022, 2099]
    finally:
        stop_process(proc)


# ---- several processes -------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["servers"], indirect=True)
def test_two_serve_processes_share_one_budget(backend, tmp_path):
    """Two `serve` processes on one PostgreSQL (as behind a round-robin balancer): one rate budget and
    one token backoff per client, whichever process it reaches."""
    env = _serve_env(DISCLOSURE_QA_RATE=str(RATE), DISCLOSURE_QA_ADMIN_TOKEN=TOKEN, DISCLOSURE_QA_TOKEN_BACKOFF="30")
    ingest = subprocess.run([sys.executable, "-m", "ui.cli", *backend.cli_args(), "ingest", "-q", str(SAMPLE)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    one, url1 = _serve(backend.cli_args(), env, tmp_path / "serve1.log")
    try:
        two, url2 = _serve([*backend.cli_args(), "--store", str(tmp_path / "store2")], env, tmp_path / "serve2.log")
        try:
            # alternating between the processes, with a rotating X-Forwarded-For besides: one client
            doors = itertools.cycle([url1 + "/api/reports", url2 + "/gradio_api/info", url2 + "/api/reports",
                                     url1 + "/gradio_api/info"])
            codes = [_get(next(doors), {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(RATE + 4)]
            assert codes == [200] * RATE + [429] * 4
            assert _get(url1 + "/api/health") == _get(url2 + "/api/health") == 200

            # a wrong token at one process makes the client wait at the other
            req = urllib.request.Request(url1 + "/api/admin/session", method="POST",
                                         headers={"Authorization": "Bearer guess"})
            with facts_rows(backend) as rows:
                rows.run("DELETE FROM door_budget WHERE kind = 'rate'")  # a fresh minute for the token part
            assert _post(req) == 401
            req = urllib.request.Request(url2 + "/api/admin/session", method="POST",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
            assert _post(req) == 429
            with facts_rows(backend) as rows:
                kinds = {r[0]: r[1] for r in rows.rows("SELECT kind, hits FROM door_budget WHERE client = '127.0.0.1'")}
            assert kinds.get("token") == 1
        finally:
            stop_process(two)
    finally:
        stop_process(one)


class facts_rows:
    """The facts database of a backend, to read door_budget directly."""

    def __init__(self, backend):
        self.fs = backend.facts()

    def __enter__(self):
        return self.fs.db

    def __exit__(self, *exc):
        self.fs.close()


def _post(req) -> int:
    try:
        with urllib.request.urlopen(req, data=b"", timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_store_of_schema_7_gains_the_door_budget(backend):
    from vectorstore import facts as facts_module

    with backend.facts() as fs:
        with fs.db.write():  # as version 7 left it
            fs.db.run("DROP TABLE door_budget")
            set_schema_version(fs.db, 7)
    with backend.facts() as fs:
        assert schema_version(fs) == facts_module.SCHEMA_VERSION >= 8
        assert fs.db.rows("SELECT client, kind, slot, hits, blocked_until, expires FROM door_budget") == []
