"""`disclosure-qa serve`: one FastAPI app on one port — the JSON API, the widget, its embed page, and
the Gradio chat mounted last at `/`.

    app = create_app(WebConfig(store_dir="store"))      # uvicorn.run(app, port=7860)

Routes (defined before Gradio is mounted, so they win):
- POST /api/ask      {question, history?, agency?, year?} → the Answer JSON of `ask --json`
- GET  /api/reports  the stored reports
- GET  /api/facts    ?agency=&year=&table= → the stored cells (agency by any name `ask` understands)
- GET  /api/health   {"status": "ok", "reports": N}
- POST /api/upload   report files (multipart), only with the admin token (off unless configured)
- GET  /widget.js    the embeddable chat bubble;  GET /embed  the widget's chat page (an iframe)
- the library (ui/library_web.py): /api/library, /api/reports/{id} (its original, DELETE, reread), /api/feedback,
  /report/{id}?at=START-END (a report with the cited span marked)

The API is stateless: a conversation travels with each request (`history`), so any number of
`serve` processes can answer behind a load balancer. The Gradio chat keeps its session in process
memory and needs sticky sessions there.

Secure by default: CORS only for the configured origins (none unless set), the embed page may be
framed only by them (CSP frame-ancestors), limits on question length, history, body size and a
per-client rate, upload only with a token (compared in constant time, never logged), file names
reduced to a safe base name.
"""
from __future__ import annotations

import hmac
import json
import os
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional

from fastapi import FastAPI, File, Header, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, field_validator

from assistant.models import Answer, json_number

from .uploads import ingest_uploads, safe_name

STATIC = Path(__file__).resolve().parent / "static"
MAX_QUESTION = 300  # characters
MAX_HISTORY = 10  # earlier turns sent with a question
MAX_BODY = 32 * 1024  # bytes of a JSON request
MAX_UPLOAD = 30 * 1024 * 1024  # bytes of one upload request
ORIGINS_ENV = "DISCLOSURE_QA_ALLOWED_ORIGINS"  # comma-separated, e.g. https://www.example.gov.cn
TOKEN_ENV = "DISCLOSURE_QA_ADMIN_TOKEN"
RATE_ENV = "DISCLOSURE_QA_RATE"  # requests per minute per client on /api/ask (default 60)


@dataclass
class WebConfig:
    store_dir: Optional[str] = None
    allowed_origins: list[str] = field(default_factory=list)
    admin_token: str = ""
    rate_per_minute: int = 60
    chat: bool = True  # mount the Gradio chat at /
    embedder: object = None  # an embedder spec or instance (default: the store's configured one)
    facts_url: Optional[str] = None  # PostgreSQL for the facts (default: env DISCLOSURE_QA_FACTS_URL, else the store dir)
    chroma_url: Optional[str] = None  # a Chroma server for the vectors (default: env DISCLOSURE_QA_CHROMA_URL)

    @classmethod
    def from_env(cls, store_dir: Optional[str] = None, **kw) -> "WebConfig":
        origins = [o.strip().rstrip("/") for o in os.environ.get(ORIGINS_ENV, "").split(",") if o.strip()]
        return cls(store_dir=store_dir, allowed_origins=origins, admin_token=os.environ.get(TOKEN_ENV, ""),
                   rate_per_minute=int(os.environ.get(RATE_ENV, "60")), **kw)


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


class RateLimiter:
    """A sliding one-minute window per client address (in this process)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 10_000:  # forget clients idle for a minute
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] > 60]:
                    del self._hits[k]
            q = self._hits[client]
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True


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


class BodyLimit:
    """413 for an API request body over its limit — by its Content-Length, and by the bytes as they
    arrive (a chunked body has no Content-Length)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/"):
            return await self.app(scope, receive, send)
        limit = MAX_UPLOAD if path == "/api/upload" else MAX_BODY
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            return await self._too_large(send, limit)
        # read the body first (it is small: 32 KB for questions), so an oversized chunked body is a 413
        # and the app never sees half of it
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > limit:
                return await self._too_large(send, limit)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _too_large(send, limit: int):
        body = json.dumps({"error": f"request body too large (at most {limit} bytes)"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def create_app(config: Optional[WebConfig] = None):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.assistant import Assistant
    from vectorstore.store import Store

    config = config or WebConfig.from_env()
    bad = [o for o in config.allowed_origins if o == "*" or not re.match(r"^https?://[^/\s*]+$", o)]
    if bad:
        raise ValueError(f"allowed origins must be full origins such as https://www.example.gov.cn, not {bad}")
    store = Store.open(config.store_dir, embedder=config.embedder, facts_url=config.facts_url,
                       chroma_url=config.chroma_url)
    if not store.facts.reports():
        _ingest_sample(store)
    bot = Assistant(store)
    limiter = RateLimiter(config.rate_per_minute)
    app = FastAPI(title="disclosure-qa", version="0.1.0",
                  description="Exact, cited answers from 政府信息公开工作年度报告")
    app.state.store, app.state.assistant, app.state.config = store, bot, config

    # Starlette's CORS middleware on the parent app: only the configured origins, no credentials
    # (Gradio's own would echo any origin).
    app.add_middleware(BodyLimit)
    app.add_middleware(FrameGuard)
    # CORS outermost, so that every answer an allowed origin gets (a 413 too) carries its headers
    app.add_middleware(CORSMiddleware, allow_origins=config.allowed_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], allow_credentials=False, max_age=600)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        # one error shape for every 4xx: {"error": "…"}
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": f"invalid request — {problems}"}, status_code=422)

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "?"

    @app.get("/api/health")
    def health():
        return {"status": "ok", "reports": store.facts.report_count()}

    @app.post("/api/ask", response_model=Answer)
    def ask(req: AskRequest, request: Request):
        if not limiter.allow(client_of(request)):
            raise HTTPException(429, detail=f"too many questions: at most {config.rate_per_minute} a minute, please wait",
                                headers={"Retry-After": "60"})
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

    @app.post("/api/upload")
    def upload(files: list[UploadFile] = File(...), authorization: str = Header(default="")):
        if not config.admin_token:
            raise HTTPException(403, detail="uploading is off: set DISCLOSURE_QA_ADMIN_TOKEN to allow it")
        given = authorization.removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), config.admin_token.encode()):
            raise HTTPException(401, detail="a valid admin token is required (Authorization: Bearer …)")
        return {"results": ingest_uploads(store, [(f.filename, f.file.read()) for f in files])}

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

    if config.chat:
        import gradio as gr

        from .chat import build_chat

        demo = build_chat(bot, store, config)
        app = gr.mount_gradio_app(app, demo, path="/")
    return app


def _ingest_sample(store) -> None:
    """An empty store first gets the bundled sample, so a first run answers at once."""
    sample = Path(__file__).resolve().parents[1] / "data"
    ingest_uploads(store, [(p.name, p.read_bytes()) for p in sorted(sample.glob("*.txt"))])
