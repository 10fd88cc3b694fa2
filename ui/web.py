"""`disclosure-qa serve`: one FastAPI app on one port — the JSON API, the widget, its embed page, and
the Gradio chat mounted last at `/`.

    app = create_app(WebConfig(store_dir="store"))      # uvicorn.run(app, port=7860)

Routes (defined before Gradio is mounted, so they win):
- POST /api/ask      {question, history?, agency?, year?} → the Answer JSON of `ask --json`
- GET  /api/reports  the stored reports
- GET  /api/facts    ?agency=&year=&table= → the stored cells (agency by any name `ask` understands)
- GET  /api/health   {"status": "ok", "reports": N}
- POST /api/upload   report files (multipart), only with the admin token (off unless configured)
- POST /api/admin/session  the admin token → a cookie that lets the chat's upload tab send files
- GET  /widget.js    the embeddable chat bubble;  GET /embed  the widget's chat page (an iframe)
- the library (ui/library_web.py): /api/library, /api/reports/{id} (its original, DELETE, reread), /api/feedback,
  /report/{id}?at=START-END (a report with the cited span marked)

The API is stateless: a conversation travels with each request (`history`), so any number of
`serve` processes can answer behind a load balancer. The Gradio chat keeps its session in process
memory and needs sticky sessions there.

Secure by default: CORS only for the configured origins (none unless set), the embed page may be
framed only by them (CSP frame-ancestors), limits on question length and history, and at every door
of the API and of the chat (ui/doors.py) body sizes, one per-client rate, the admin token (compared in
constant time, never logged, slower after each wrong one), uploaded bytes only; X-Forwarded-For only
from the proxies named; file names reduced to a safe base name; every error `{"error": "…"}`.
"""
from __future__ import annotations

import hmac
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional

from fastapi import FastAPI, File, Header, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.models import Answer, json_number

from .budget import open_budget
from .doors import SESSION_COOKIE, SESSION_SECONDS, Doors, Gate, trusted_proxies
from .uploads import FAILED, MAX_FILES, MAX_REPORT_BYTES, MAX_UPLOAD_REQUEST, ingest_uploads

STATIC = Path(__file__).resolve().parent / "static"
MAX_QUESTION = 300  # characters
MAX_HISTORY = 10  # earlier turns sent with a question
MAX_UPLOAD = MAX_UPLOAD_REQUEST  # bytes of one upload request
ORIGINS_ENV = "DISCLOSURE_QA_ALLOWED_ORIGINS"  # comma-separated, e.g. https://www.example.gov.cn
TOKEN_ENV = "DISCLOSURE_QA_ADMIN_TOKEN"
RATE_ENV = "DISCLOSURE_QA_RATE"  # requests per minute per client at the API and the chat (default 60)
PROXIES_ENV = "DISCLOSURE_QA_FORWARDED_ALLOW_IPS"  # proxies whose X-Forwarded-For counts (default none)
BACKOFF_ENV = "DISCLOSURE_QA_TOKEN_BACKOFF"  # seconds of the first wait after a wrong admin token (default 1)


@dataclass
class WebConfig:
    store_dir: Optional[str] = None
    allowed_origins: list[str] = field(default_factory=list)
    admin_token: str = ""
    rate_per_minute: int = 60
    forwarded_allow_ips: list[str] = field(default_factory=list)  # proxies whose X-Forwarded-For counts
    token_backoff: float = 1.0  # seconds of the first wait after a wrong admin token (doubling, at most 15 min)
    chat: bool = True  # mount the Gradio chat at /
    embedder: object = None  # an embedder spec or instance (default: the store's configured one)
    facts_url: Optional[str] = None  # PostgreSQL for the facts (default: env DISCLOSURE_QA_FACTS_URL, else the store dir)
    chroma_url: Optional[str] = None  # a Chroma server for the vectors (default: env DISCLOSURE_QA_CHROMA_URL)

    @classmethod
    def from_env(cls, store_dir: Optional[str] = None, **kw) -> "WebConfig":
        origins = [o.strip().rstrip("/") for o in os.environ.get(ORIGINS_ENV, "").split(",") if o.strip()]
        return cls(store_dir=store_dir, allowed_origins=origins, admin_token=os.environ.get(TOKEN_ENV, ""),
                   rate_per_minute=int(os.environ.get(RATE_ENV, "60")),
                   forwarded_allow_ips=[p for p in os.environ.get(PROXIES_ENV, "").split(",") if p.strip()],
                   token_backoff=float(os.environ.get(BACKOFF_ENV, "1")), **kw)


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY)
    agency: Optional[str] = Field(default=None, max_length=60)
    year: Optional[int] = Field(default=None, ge=1990, le=2100)
    # the day the question is asked on (今年/去年 count from it): replays a conversation on a fixed day
    today: Optional[date] = None

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the question is empty")
        return v.strip()

    @field_validator("history")
    @classmethod
    def _short_turns(cls, v: list[str]) -> list[str]:
        if any(len(t) > MAX_QUESTION for t in v):
            raise ValueError(f"each earlier question may have at most {MAX_QUESTION} characters")
        return v


def history_for(req: AskRequest) -> list[str]:
    """The conversation, with the agency and year picked in the widget or chat as its first turn."""
    context = f"{req.agency or ''}{f'{req.year}年' if req.year else ''}".strip()
    return ([context] if context else []) + list(req.history)


class FrameGuard:
    """Only the embed page may be framed by the allowed sites; the chat and everything else only by itself."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").startswith("/embed"):
            return await self.app(scope, receive, send)

        async def guarded(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(k.lower() in (b"content-security-policy", b"x-frame-options") for k, _ in headers):
                    headers += [(b"x-frame-options", b"SAMEORIGIN"),
                                (b"content-security-policy", b"frame-ancestors 'self'")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, guarded)


def create_app(config: Optional[WebConfig] = None):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.assistant import Assistant
    from vectorstore.store import Store

    config = config or WebConfig.from_env()
    bad = [o for o in config.allowed_origins if o == "*" or not re.match(r"^https?://[^/\s*]+$", o)]
    if bad:
        raise ValueError(f"allowed origins must be full origins such as https://www.example.gov.cn, not {bad}")
    proxies = trusted_proxies(config.forwarded_allow_ips)
    store = Store.open(config.store_dir, embedder=config.embedder, facts_url=config.facts_url,
                       chroma_url=config.chroma_url)
    if not store.facts.reports():
        _ingest_sample(store)
    bot = Assistant(store)
    app = FastAPI(title="disclosure-qa", version="0.1.0",
                  description="Exact, cited answers from 政府信息公开工作年度报告")
    app.state.store, app.state.assistant, app.state.config = store, bot, config

    # the doors (ui/doors.py): one rate budget per client over the API and the chat's endpoints, shared
    # through PostgreSQL; admin token with backoff; body limits; files as uploaded bytes only
    upload_dir = None
    if config.chat:
        from gradio.utils import get_upload_folder

        upload_dir = get_upload_folder()
    gate = Gate(open_budget(store.facts), rate_per_minute=config.rate_per_minute, admin_token=config.admin_token,
                token_backoff=config.token_backoff, upload_dir=upload_dir)
    app.state.gate = gate
    app.add_middleware(Doors, gate=gate)
    app.add_middleware(FrameGuard)
    # Starlette's CORS middleware on the parent app: only the configured origins, no credentials
    # (Gradio's own would echo any origin); outside the doors, so that every answer an allowed origin
    # gets (a 413 or a 429 too) carries its headers
    app.add_middleware(CORSMiddleware, allow_origins=config.allowed_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], allow_credentials=False, max_age=600)
    if proxies:
        # outermost: the doors count the client the named proxies forwarded for, nobody else's say-so
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        # one error shape for every 4xx: {"error": "…"} (FastAPI's own refusals too: a body it cannot parse)
        detail = exc.detail
        if detail == "There was an error parsing the body":
            detail = "the request body could not be read: send JSON in UTF-8, e.g. {\"question\": \"…\"}"
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": f"invalid request — {problems}"}, status_code=422)

    @app.get("/api/health")
    def health():
        return {"status": "ok", "reports": store.facts.report_count()}

    @app.post("/api/ask", response_model=Answer)
    def ask(req: AskRequest):
        return bot.ask(req.question, history=history_for(req), today=req.today)

    @app.get("/api/reports")
    def reports():
        return [{k: r[k] for k in ("report_id", "agency", "year", "file_name", "format_version", "fact_count", "failed_checks")}
                for r in store.facts.reports()]

    @app.get("/api/facts")
    def facts(agency: Optional[str] = None, year: Optional[int] = None, table: Optional[str] = None,
              kind: str = "table"):
        if table is not None and table not in ("二", "三", "四"):
            raise HTTPException(422, detail="table must be 二, 三 or 四")
        if kind not in ("table", "narrative"):
            raise HTTPException(422, detail="kind must be table (the tables' cells) or narrative (the prose's figures)")
        ids = None
        if agency:
            res = bot.catalog.resolve(agency, [year] if year else [])
            if not res.agencies:
                raise HTTPException(404, detail=f"no stored report of {agency}")
            ids = {e.report_id for a in res.agencies for e in bot.catalog.reports(a)}
        if kind == "narrative":
            # the figures the prose prints with their measure (主动公开政府信息110条), each with its sentence
            prose = [d for d in store.facts.narrative_facts(year=year) if ids is None or d["report_id"] in ids]
            return [{"kind": "narrative", "agency": d["agency"], "year": d["year"], "measure": d["measure"],
                     "value": json_number(d["value"]), "unit": d["unit"], "whole_id": d["whole_id"], "id": d["id"],
                     "sentence": d["sentence"], "file_name": d["file_name"], "start": d["start"], "end": d["end"],
                     "page": d["page"]} for d in prose[:20000]]
        rows = store.facts.facts(year=year, table=table)
        if ids is not None:
            rows = [f for f in rows if f.report_id in ids]
        return [{"agency": f.agency, "year": f.year, "table": f.table, "row": f.row_label, "column": f.col_label,
                 "row_key": f.row_key, "col_key": f.col_key, "value": json_number(f.value), "unit": f.unit,
                 "blank": f.blank, "file_name": f.file_name, "start": f.loc.start, "end": f.loc.end, "page": f.loc.page}
                for f in rows[:20000]]

    def admin(authorization: str) -> None:
        # the doors checked the token (with its backoff) before the body was read; checked again here so
        # that these routes never depend on a middleware alone
        given = authorization.removeprefix("Bearer ").strip()
        if not config.admin_token or not hmac.compare_digest(given.encode(), config.admin_token.encode()):
            raise HTTPException(401, detail="a valid admin token is required (Authorization: Bearer …)")

    @app.post("/api/upload")
    def upload(files: list[UploadFile] = File(...), authorization: str = Header(default="")):
        admin(authorization)
        if len(files) > MAX_FILES:
            raise HTTPException(413, detail=f"{len(files)} files: at most {MAX_FILES} in one upload, "
                                            f"send the others in another")
        results = ingest_uploads(store, [(f.filename, f.file.read(MAX_REPORT_BYTES + 1)) for f in files])
        if results and all(line.startswith(FAILED) for line in results):
            return JSONResponse({"error": "no file was stored: see results", "results": results}, status_code=422)
        return {"results": results}

    @app.post("/api/admin/session")
    def admin_session(request: Request, authorization: str = Header(default="")):
        """The admin token → a cookie (30 minutes, this browser only) with which the chat's upload tab
        may send files."""
        admin(authorization)
        response = JSONResponse({"status": "ok", "expires_in": SESSION_SECONDS})
        response.set_cookie(SESSION_COOKIE, gate.session_value(), max_age=SESSION_SECONDS, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https", path="/")
        return response

    @app.get("/widget.js")
    def widget_js():
        return Response((STATIC / "widget.js").read_text(encoding="utf-8"), media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=300"})

    @app.get("/embed")
    def embed():
        ancestors = " ".join(["'self'", *config.allowed_origins])
        csp = (f"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               f"connect-src 'self'; img-src 'self' data:; frame-ancestors {ancestors}")
        return Response((STATIC / "embed.html").read_text(encoding="utf-8"), media_type="text/html",
                        headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "no-referrer"})

    from .library_web import add_library_routes

    add_library_routes(app, store, config)  # the library, the reports opened, feedback (before Gradio's mount)

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def no_such_endpoint(rest: str, request: Request):
        # before the chat's mount at /, so that an unknown /api/… answers in this API's shape
        allowed = sorted({m for r in app.routes if getattr(r, "path", "") == f"/api/{rest}"
                          for m in getattr(r, "methods", ())} - {"HEAD"})
        if allowed:
            raise HTTPException(405, detail=f"use {' or '.join(allowed)} for /api/{rest}", headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404, detail=f"no endpoint /api/{rest}: see /docs for the API")

    if config.chat:
        import gradio as gr

        from .chat import build_chat

        demo = build_chat(bot, store, config)
        # the chat takes files only through its upload tab (admin session, ui/doors.py), each at most one report's size
        app = gr.mount_gradio_app(app, demo, path="/", max_file_size=MAX_REPORT_BYTES)
    return app


def _ingest_sample(store) -> None:
    """An empty store first gets the bundled sample, so a first run answers at once."""
    sample = Path(__file__).resolve().parents[1] / "data"
    ingest_uploads(store, [(p.name, p.read_bytes()) for p in sorted(sample.glob("*.txt"))])
