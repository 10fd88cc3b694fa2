"""The library's routes on the web app (added by ui/web.py before Gradio is mounted):

- GET    /api/library                      every stored report: agency (as the assistant names it, and as
                                           printed), year, format, files, reading (✓/⚠, tables, cells left
                                           unread with reasons), facts, failed checks, findings, when
- GET    /api/reports/{id}                 one report opened: its parts, tables as read, failed checks, findings
- GET    /api/reports/{id}/original        the file it was read from (?source=ID: another file of it)
- DELETE /api/reports/{id}                 remove it everywhere (admin token)
- POST   /api/reports/{id}/reread          read it again from its kept file with the current reader (admin token)
- POST   /api/feedback                     👍/👎 with an optional note on an answer
- GET    /api/feedback                     the feedback stored (admin token; ?format=csv)
- GET    /report/{id}?at=START-END         the report as a page, the cited span marked and scrolled into view
"""
from __future__ import annotations

import hmac
import secrets
from typing import Literal, Optional
from urllib.parse import quote

from fastapi import Header, HTTPException
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from .library import feedback_csv, library_rows, report_detail
from .pages import parse_at, report_page



class FeedbackRequest(BaseModel):
    rating: Literal["up", "down"]
    question: str = Field(min_length=1, max_length=300)
    answer: str = Field(default="", max_length=20000)
    status: str = Field(default="", max_length=20)
    query: Optional[dict] = None
    history: list[str] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=1000)
    channel: Literal["widget", "api"] = "api"


def require_admin(config, authorization: str) -> None:
    """The admin token, compared in constant time; off (403) unless the server has one."""
    if not config.admin_token:
        raise HTTPException(403, detail="managing reports is off: set DISCLOSURE_QA_ADMIN_TOKEN to allow it")
    given = authorization.removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), config.admin_token.encode()):
        raise HTTPException(401, detail="a valid admin token is required (Authorization: Bearer …)")


def _stored(store, report_id: str) -> None:
    if store.facts.report_path(report_id) is None:
        raise HTTPException(404, detail=f"no stored report {report_id}: GET /api/library lists them")


def add_library_routes(app, store, config) -> None:
    @app.get("/api/library")
    def library():
        return library_rows(store)

    @app.get("/api/reports/{report_id}")
    def report(report_id: str):
        detail = report_detail(store, report_id)
        if detail is None:
            raise HTTPException(404, detail=f"no stored report {report_id}: GET /api/library lists them")
        return detail

    @app.get("/api/reports/{report_id}/original")
    def original(report_id: str, source: Optional[str] = None):
        _stored(store, report_id)
        if source and source != report_id:
            if source not in {s["source_id"] for s in store.facts.sources(report_id)}:
                raise HTTPException(404, detail=f"{source} is no file of report {report_id}")
            kept = store.facts.original(source)
            found = None if kept is None else (kept["file_name"], kept["content"])
        else:
            found = store.original_file(report_id)
        if found is None:
            raise HTTPException(404, detail="the original file is not kept in the store (it was stored before files "
                                            "were kept): ingest the file again to keep it")
        name, data = found
        # a PDF opens in the browser (so #page=N works), sandboxed; anything else (HTML above all) is only
        # downloaded: a report file is never run as a page of this site
        inline = name.lower().endswith(".pdf")
        return Response(data, media_type="application/pdf" if inline else "application/octet-stream",
                        headers={"Content-Disposition": f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(name)}",
                                 "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
                                 "Cache-Control": "private, max-age=300"})

    @app.delete("/api/reports/{report_id}")
    def remove(report_id: str, authorization: str = Header(default="")):
        require_admin(config, authorization)
        gone = store.remove_report(report_id)
        if gone is None:
            raise HTTPException(404, detail=f"no stored report {report_id}: GET /api/library lists them")
        return {k: v for k, v in gone.items() if k != "chunk_ids"}

    @app.post("/api/reports/{report_id}/reread")
    def reread(report_id: str, authorization: str = Header(default="")):
        from ingest.models import IngestError

        from .reading import Reading

        require_admin(config, authorization)
        _stored(store, report_id)
        try:
            status, rep = store.reread_report(report_id)
        except FileNotFoundError as e:
            raise HTTPException(409, detail=str(e))
        except IngestError as e:
            raise HTTPException(422, detail=f"{e}; the stored reading stays")
        reading = Reading(rep.tables)
        return {"report_id": report_id, "status": status, "mark": reading.mark, "reading": reading.english(),
                "reading_zh": reading.chinese(), "fact_count": len(rep.facts), "failed_checks": len(rep.failed_checks)}

    @app.post("/api/feedback")
    def feedback(req: FeedbackRequest):
        fid = store.facts.add_feedback(req.rating, req.question, answer=req.answer, status=req.status, query=req.query,
                                       history=req.history, note=req.note, channel=req.channel)
        return {"id": fid, "stored": True}

    @app.get("/api/feedback")
    def feedback_list(format: Literal["json", "csv"] = "json", authorization: str = Header(default="")):
        require_admin(config, authorization)
        rows = store.facts.feedback()
        if format == "json":
            return rows
        return Response(feedback_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=feedback.csv"})

    @app.get("/report/{report_id}", response_class=HTMLResponse)
    def report_html(report_id: str, at: Optional[str] = None):
        detail = report_detail(store, report_id)
        if detail is None:
            return HTMLResponse("<!doctype html><meta charset=utf-8><title>没有这份报告</title>"
                                "<p>没有这份报告（可能已被删除）。<a href=\"/\">返回问答</a></p>", status_code=404)
        text, _ = store.facts.report_text(report_id)
        nonce = secrets.token_urlsafe(16)
        csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
        return HTMLResponse(report_page(detail, text, parse_at(at), nonce),
                            headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
                                     "Referrer-Policy": "no-referrer"})
