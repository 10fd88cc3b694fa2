"""The JSON API of `disclosure-qa serve` (ui/web.py) through FastAPI's TestClient: answers, the
stateless conversation, every limit and error, CORS, the embed page's CSP, and upload with its token.

One app (and one store, holding the bundled sample) for the whole module: building the store embeds
the sample. Each test talks as its own client address, so the small per-client rate limit of the
module's app only bites in the test that is about it. The upload test replaces the stored report,
so it runs last.
"""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "天津市滨海新区公安局_2022.txt"
ALLOWED = "https://www.allowed.example.gov.cn"
OTHER = "https://evil.example.com"
TOKEN = "s3cret-admin-token-7f2c9d41e0b8"
RATE = 5  # questions a minute per client in this module's app
QUESTION = "滨海新区公安局2022年收到多少信息公开申请？"
FOLLOW_UP = "那上一年结转的呢？"
ANSWER_KEYS = {"question", "status", "answer", "figures", "citations", "notes"}
FIGURE_KEYS = {"agency", "year", "table", "row", "column", "value", "unit", "computed", "formula"}
CITATION_KEYS = {"report_id", "agency", "year", "file_name", "section", "quote", "start", "end", "page"}

# ways of turning a string into markup: the widget and the embed page use none of them
HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML|document\.write|createContextualFragment|\beval\(")

_addresses = (f"10.1.{i // 250}.{i % 250 + 1}" for i in itertools.count())
_responses: list = []  # every response of this module's clients, to search for the token


def _record(response) -> None:
    response.read()
    _responses.append(response)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("api_store")


@pytest.fixture(scope="module")
def app(store_dir):
    from ui.web import WebConfig, create_app

    return create_app(WebConfig(store_dir=str(store_dir), chat=False, allowed_origins=[ALLOWED],
                                admin_token=TOKEN, rate_per_minute=RATE))


def _client(app) -> TestClient:
    c = TestClient(app, client=(next(_addresses), 50000))
    c.event_hooks = {"request": [], "response": [_record]}
    return c


@pytest.fixture
def client(app) -> TestClient:
    """A TestClient with an address of its own (its own rate-limit window)."""
    with _client(app) as c:
        yield c


def ask(client: TestClient, question: str, **kw):
    return client.post("/api/ask", json={"question": question, **kw})


# ---- health, answers, the conversation ------------------------------------------------------
def test_health_counts_the_sample(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "reports": 1}


def test_reports_lists_the_sample(client):
    r = client.get("/api/reports")
    assert r.status_code == 200
    (rep,) = r.json()
    assert rep["agency"] == "天津市滨海新区公安局" and rep["year"] == 2022
    assert rep["file_name"] == SAMPLE.name and rep["fact_count"] > 100


def test_ask_answers_56_with_citations(client):
    r = ask(client, QUESTION)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    a = r.json()
    assert ANSWER_KEYS <= a.keys()
    assert a["question"] == QUESTION and a["status"] == "answered"
    assert "56" in a["answer"]
    fig = a["figures"][0]
    assert FIGURE_KEYS <= fig.keys()
    assert fig["value"] == 56 and isinstance(fig["value"], int)  # a JSON number, not "56"
    assert (fig["agency"], fig["year"], fig["table"], fig["column"]) == ("天津市滨海新区公安局", 2022, "三", "总计")
    assert fig["computed"] is False
    assert a["citations"], "an answer without a source"
    for c in a["citations"]:
        assert CITATION_KEYS <= c.keys()
        assert c["file_name"] == SAMPLE.name and c["quote"]
    cell = a["citations"][0]
    assert cell["section"].startswith("表三") and cell["quote"] == "56"
    text = SAMPLE.read_text(encoding="utf-8")
    for c in a["citations"]:  # every quote is the report's text at its offsets
        assert c["quote"] in text and c["end"] > c["start"]


def test_history_carries_the_conversation(client):
    """The API is stateless: the follow-up only makes sense with the first question as history."""
    r = ask(client, FOLLOW_UP, history=[QUESTION])
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["status"] == "answered", a
    assert a["figures"][0]["value"] == 2 and "上年结转" in a["figures"][0]["row"]
    assert "2件" in a["answer"]
    assert a["citations"] and a["citations"][0]["section"].startswith("表三")


def test_today_replays_a_question_on_a_fixed_day(client):
    """去年 counts from `today`: on 2023-05-01 it is 2022, the sample's year; on 2026-12-07 it is 2025."""
    r = ask(client, "滨海新区公安局去年收到多少申请？", today="2023-05-01")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "answered" and r.json()["figures"][0]["value"] == 56
    later = ask(client, "滨海新区公安局去年收到多少申请？", today="2026-12-07").json()
    assert later["status"] == "not_found" and "2025" in later["answer"]
    assert ask(client, "滨海新区公安局去年收到多少申请？", today="去年").status_code == 422


def test_the_conversation_says_what_it_assumed(client):
    a = ask(client, FOLLOW_UP, history=[QUESTION]).json()
    assert a["answer"].startswith("（接上文：") and a["query"]["from_conversation"]["agency"]


def test_agency_and_year_fields_set_the_context(client):
    """The widget's data-agency arrives as `agency`: a question that names no agency gets it."""
    r = ask(client, "收到多少信息公开申请？", agency="天津市滨海新区公安局", year=2022)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["status"] == "answered" and a["figures"][0]["value"] == 56


def test_ambiguous_and_not_found_are_answers_not_errors(client):
    r = ask(client, "天津市2022年收到多少信息公开申请？")
    assert r.status_code == 200
    assert r.json()["status"] == "ambiguous" and r.json()["choices"] == ["天津市滨海新区公安局"]
    r = ask(client, "滨海新区公安局2019年收到多少信息公开申请？")
    assert r.status_code == 200
    assert r.json()["status"] == "not_found" and r.json()["citations"] == []


# ---- limits and errors -----------------------------------------------------------------------
@pytest.mark.parametrize("body, where", [
    ({"question": ""}, "question"),
    ({"question": "   \n\t "}, "question"),
    ({"question": "问" * 301}, "question"),
    ({"question": QUESTION, "history": ["问题"] * 11}, "history"),
    ({"question": QUESTION, "history": ["问" * 301]}, "history"),
    ({"question": QUESTION, "history": "不是列表"}, "history"),
    ({"question": QUESTION, "year": 1800}, "year"),
    ({"question": QUESTION, "agency": "局" * 61}, "agency"),
    ({"history": []}, "question"),
    ({"question": 42}, "question"),
], ids=["empty", "blank", "too-long", "history-11", "history-item-too-long", "history-not-list",
        "year-out-of-range", "agency-too-long", "missing", "not-a-string"])
def test_invalid_questions_get_422_with_an_error(client, body, where):
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert isinstance(err, str) and where in err
    assert "问" * 50 not in err  # the offending input is not echoed back


def test_longest_question_and_fullest_history_are_accepted(client):
    q = "滨海新区公安局2022年收到多少信息公开申请"
    q += "？" * (300 - len(q))
    r = ask(client, q, history=["问" * 300] * 10)
    assert r.status_code == 200, r.text


def test_malformed_json_is_422(client):
    r = client.post("/api/ask", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()


@pytest.mark.parametrize("method, path, body, headers, status", [
    ("post", "/api/ask", b'{"question": "\xff\xfe"}', {"Content-Type": "application/json"}, 400),  # not UTF-8
    ("post", "/api/ask", b"\xff\xfe", {"Content-Type": "application/json"}, 422),
    ("get", "/api/no-such-thing", None, {}, 404),
    ("get", "/api/ask", None, {}, 405),
    ("put", "/api/reports", None, {}, 405),
    ("post", "/api/upload", b"--zz\r\nnot multipart", {"Content-Type": "multipart/form-data; boundary=zz",
                                                         "Authorization": f"Bearer {TOKEN}"}, 400),
], ids=["invalid-utf8", "not-json", "unknown-endpoint", "wrong-method", "wrong-method-2", "bad-multipart"])
def test_every_refusal_has_one_shape(client, method, path, body, headers, status):
    """{"error": "…"}: never FastAPI's {"detail": …}, whichever part of the stack refused."""
    r = client.request(method.upper(), path, content=body, headers=headers)
    assert r.status_code == status, r.text
    assert list(r.json()) == ["error"] and isinstance(r.json()["error"], str) and r.json()["error"]
    if status == 405:
        assert r.headers["allow"] in r.json()["error"]


def test_body_over_32_kb_is_413(client):
    body = json.dumps({"question": QUESTION, "history": [], "pad": "x" * (33 * 1024)}).encode()
    r = client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert "error" in r.json()
    # just under the limit the body is read (and the extra field ignored)
    body = json.dumps({"question": QUESTION, "pad": "x" * (30 * 1024)}).encode()
    assert len(body) < 32 * 1024
    assert client.post("/api/ask", content=body, headers={"Content-Type": "application/json"}).status_code == 200


def test_chunked_body_over_32_kb_is_413(client):
    body = json.dumps({"question": QUESTION, "pad": "x" * (256 * 1024)}).encode()

    def chunks():  # no Content-Length: sent with Transfer-Encoding: chunked
        for i in range(0, len(body), 16 * 1024):
            yield body[i:i + 16 * 1024]

    r = client.post("/api/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert r.status_code != 200  # refused, at least
    assert r.status_code == 413 and "error" in r.json()


def test_upload_over_its_limit_is_413(client):
    big = b"x" * (30 * 1024 * 1024 + 1)
    r = client.post("/api/upload", files={"files": ("big.txt", big, "text/plain")},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 413


def test_facts_of_the_prose(client):
    """kind=narrative lists the figures the prose prints: the sample's 支出费用191元 with its sentence."""
    rows = client.get("/api/facts", params={"kind": "narrative", "agency": "滨海公安"}).json()
    fee = [r for r in rows if r["measure"] == "支出费用"]
    assert fee and fee[0]["value"] == 191 and fee[0]["unit"] == "元" and "191元" in fee[0]["sentence"]
    assert client.get("/api/facts", params={"kind": "prose"}).status_code == 422


def test_facts_filters_and_bad_table(client):
    r = client.get("/api/facts", params={"agency": "滨海新区公安局", "year": 2022, "table": "三"})
    assert r.status_code == 200
    rows = r.json()
    assert rows and {f["table"] for f in rows} == {"三"}
    new = [f for f in rows if f["row_key"] == "新收" and f["col_key"] == "总计"]
    assert [f["value"] for f in new] == [56]
    r = client.get("/api/facts", params={"table": "五"})
    assert r.status_code == 422 and "error" in r.json()
    r = client.get("/api/facts", params={"year": "二〇二二"})
    assert r.status_code == 422
    r = client.get("/api/facts", params={"agency": "不存在的单位"})
    assert r.status_code == 404


def test_rate_limit_429_after_a_bounded_burst(app, client):
    codes = [ask(client, "你好").status_code for _ in range(RATE + 3)]
    assert codes[:RATE] == [200] * RATE
    assert codes[RATE:] == [429] * 3
    r = ask(client, QUESTION)
    assert r.status_code == 429 and "error" in r.json()
    # until one more request fits in the sliding minute (the last minute's count slides out evenly: at
    # most a minute and a RATE-th), and said in the error
    wait = int(r.headers["retry-after"])
    assert 1 <= wait <= 60 + 60 / RATE + 1 and f"wait {wait} s" in r.json()["error"]
    # other clients have their own window
    with _client(app) as other:
        assert ask(other, QUESTION).status_code == 200
    # one budget for every door of the API; /api/health alone is not counted (load balancers poll it)
    assert client.get("/api/reports").status_code == 429
    assert client.get("/api/health").status_code == 200


# ---- CORS, the widget and its embed page -------------------------------------------------------
def test_cors_allows_only_the_configured_origin(client):
    r = client.get("/api/health", headers={"Origin": ALLOWED})
    assert r.headers.get("access-control-allow-origin") == ALLOWED
    assert "access-control-allow-credentials" not in r.headers
    r = client.get("/api/health", headers={"Origin": OTHER})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers

    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    r = client.options("/api/ask", headers={"Origin": ALLOWED, **pre})
    assert r.status_code == 200 and r.headers.get("access-control-allow-origin") == ALLOWED
    assert "POST" in r.headers.get("access-control-allow-methods", "")
    r = client.options("/api/ask", headers={"Origin": OTHER, **pre})
    assert r.status_code >= 400 and "access-control-allow-origin" not in r.headers

    r = client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": ALLOWED})
    assert r.status_code == 200 and r.headers.get("access-control-allow-origin") == ALLOWED
    r = client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": OTHER})
    assert "access-control-allow-origin" not in r.headers


def test_embed_may_be_framed_only_by_the_allowed_origin(client):
    r = client.get("/embed", params={"title": "问答", "agency": "天津市滨海新区公安局"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = {d.strip().split()[0]: d.strip().split()[1:] for d in r.headers["content-security-policy"].split(";") if d.strip()}
    assert csp["frame-ancestors"] == ["'self'", ALLOWED]
    assert "*" not in " ".join(v for vals in csp.values() for v in vals)
    assert csp["connect-src"] == ["'self'"] and csp["default-src"] == ["'self'"]
    assert r.headers["x-content-type-options"] == "nosniff"
    page = r.text
    assert "api/ask" in page and "发送" in page and not HTML_SINKS.search(page)
    # no external resources
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_widget_js_is_served(client):
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    assert "attachShadow" in r.text and not HTML_SINKS.search(r.text)


# ---- upload ----------------------------------------------------------------------------------
def test_upload_is_off_without_a_token(store_dir):
    from ui.web import WebConfig, create_app

    app = create_app(WebConfig(store_dir=str(store_dir), chat=False, admin_token=""))
    with _client(app) as c:
        r = c.post("/api/upload", files={"files": ("x.txt", b"x", "text/plain")})
        assert r.status_code == 403
        r = c.post("/api/upload", files={"files": ("x.txt", b"x", "text/plain")}, headers={"Authorization": "Bearer "})
        assert r.status_code == 403
        assert c.get("/api/health").json()["reports"] == 1


def test_upload_needs_the_token_and_stores_a_safe_name(app, client, store_dir):
    """Runs last in this module: it replaces the stored sample with a copy under a hostile name."""
    data = SAMPLE.read_bytes() + "\n（上传测试副本）\n".encode("utf-8")  # other content: a new version
    files = {"files": ("../../evil.txt", data, "text/plain")}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
                    {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Basic {TOKEN}"}):
        with _client(app) as guesser:  # each from an address of its own: wrong tokens slow their sender down
            r = guesser.post("/api/upload", files=files, headers=headers)
        assert r.status_code == 401, (headers, r.text)
    assert client.get("/api/reports").json()[0]["file_name"] == SAMPLE.name  # nothing stored

    r = client.post("/api/upload", files=files, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    (line,) = r.json()["results"]
    # the same agency and year from another file: stored as a second source of the sample's report
    assert line.startswith("✓ evil.txt: 天津市滨海新区公安局 2022") and "[merged]" in line, line
    assert not (store_dir.parent / "evil.txt").exists() and not (store_dir / "evil.txt").exists()

    # other hostile names: a Windows path, an absolute path, markup, only dots
    r = client.post("/api/upload", headers={"Authorization": f"Bearer {TOKEN}"}, files=[
        ("files", ("..\\..\\win<b>.txt", b"not a report", "text/plain")),
        ("files", ("/etc/passwd", b"root:x:0:0", "text/plain")),
        ("files", ("..", b"", "text/plain")),
    ])
    assert r.status_code == 422, r.text  # every file failed: a failure, saying why for each
    assert r.json()["error"]
    results = r.json()["results"]
    assert len(results) == 3 and all(line.startswith("✗") for line in results), results
    assert all(name not in " ".join(results) for name in ("..\\", "/etc/", "<b>"))

    # every file name the store holds is a safe base name
    facts = app.state.store.facts
    (rep,) = client.get("/api/reports").json()
    names = [rep["file_name"]] + [s["file_name"] for s in facts.sources(rep["report_id"])]
    assert names == [SAMPLE.name, "evil.txt"]
    for name in names:
        assert "/" not in name and "\\" not in name and not name.startswith(".")

    # still one report, still answered
    a = ask(client, QUESTION).json()
    assert a["status"] == "answered" and a["figures"][0]["value"] == 56

    # the token never appears in any response of this module: bodies or headers
    assert len(_responses) > 30
    for resp in _responses:
        assert TOKEN not in resp.text
        assert all(TOKEN not in v for v in resp.headers.values())
