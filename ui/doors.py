"""The doors of `serve`: who is asking, how often, with what, and with which admin token.

    gate = Gate(open_budget(store.facts), rate_per_minute=60, admin_token="…", token_backoff=1.0,
                upload_dir=gradio_upload_folder)
    app.add_middleware(Doors, gate=gate)        # ui/web.py: in front of the API and the Gradio chat

A door is every request to the API (`/api/…`), to the reports' pages (`/report/…`) and to the chat's
own endpoints (`/gradio_api/…`: its calls, queue, result streams and file uploads). At each door, in this order:
- the client (`client_key`): the connecting address; an X-Forwarded-For counts only from the proxies
  the operator names (`serve --forwarded-allow-ips`, applied by uvicorn's ProxyHeadersMiddleware in
  front of this); an IPv6 client is its /64, the block one host is given;
- one budget per client over every door (`rate_per_minute`, budget.py; PostgreSQL shares it between
  processes): past it 429 with Retry-After. Every request that asks for something counts — a question
  to the API, a call or a queue entry of the chat, an upload — so a question costs one either way. Not
  counted: `/api/health` (load balancers poll it) and the stream that brings an admitted call its
  result (`GET /gradio_api/queue/data`, `GET /gradio_api/call/{name}/{event}`): refusing it would lose
  an answer already computed, and for a call nobody made it is a 404 at once;
- the admin doors (`POST /api/upload`, `/api/admin/…`, the library's `DELETE /api/reports/{id}`,
  `POST /api/reports/{id}/reread` and `GET /api/feedback`) check the token before a byte of the body is
  read; after a wrong token the client waits 1 s, 2 s, 4 s … 15 min before its next try is even
  checked (`token_backoff` is the first wait), each failure logged with the address, never the token;
- a file sent to the chat (a multipart body under /gradio_api/: the upload tab's files) needs the admin
  session cookie `POST /api/admin/session` gives for the token: nobody else can write to the disk;
- a body larger than its door takes is refused (413) before the app sees it;
- files reach the chat as uploaded bytes only: a call naming a path outside the chat's upload folder
  (`{"path": "/etc/passwd"}`) or a URL is refused (400).

Every refusal is `{"error": "…"}` saying what to do.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Callable, Optional

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser

from .budget import retry_after
from .uploads import MAX_UPLOAD_REQUEST

MAX_BODY = 32 * 1024  # bytes of an API request (a question)
MAX_CHAT_BODY = 2 * 1024 * 1024  # bytes of a chat call: it carries the conversation shown so far
HEALTH = "/api/health"
RESULT_STREAM = re.compile(r"/gradio_api/(queue/data|call/[^/]+/[^/]+)")
SESSION_COOKIE = "disclosure_qa_admin"
SESSION_SECONDS = 30 * 60
SCOPE_KEY = "disclosure_qa.gate"  # where a request carries the gate, for handlers deeper in (the chat)
TOKEN_OFF = "admin actions are off: set DISCLOSURE_QA_ADMIN_TOKEN on the server to allow uploads"

log = logging.getLogger("disclosure_qa.doors")


class TokenRefused(Exception):
    """An admin token that was not accepted: `status` 403 (admin actions off), 401 (wrong; `wait`
    seconds before the next try) or 429 (still waiting `wait` seconds after wrong ones)."""

    def __init__(self, status: int, message: str, wait: float = 0.0):
        super().__init__(message)
        self.status, self.message, self.wait = status, message, wait


class Gate:
    """What the doors decide with: the budget keeper, the limits and the admin token."""

    def __init__(self, budget, *, rate_per_minute: int, admin_token: str = "", token_backoff: float = 1.0,
                 upload_dir: Optional[str | Path] = None, clock: Callable[[], float] = time.time):
        self.budget, self.rate_per_minute, self.admin_token = budget, rate_per_minute, admin_token
        self.token_backoff, self.clock = token_backoff, clock
        # files may reach the chat only from here (None: no chat, no files)
        self.upload_dir = Path(upload_dir).resolve() if upload_dir else None

    def take(self, client: str) -> float:
        """Count one request of `client`: 0.0, or the seconds it must wait (not counted)."""
        return self.budget.take(client, self.rate_per_minute, self.clock())

    def check_token(self, client: str, given: str, door: str = "upload") -> None:
        """Accept the admin token or raise TokenRefused; a wrong one makes `client` wait before its next try."""
        if not self.admin_token:
            raise TokenRefused(403, TOKEN_OFF)
        now = self.clock()
        wait = self.budget.token_wait(client, now)
        if wait > 0:
            raise TokenRefused(429, f"too many wrong admin tokens from this address: try again in "
                                    f"{retry_after(wait)} s", wait)
        if hmac.compare_digest((given or "").encode(), self.admin_token.encode()):
            self.budget.token_passed(client)
            return
        wait = self.budget.token_failed(client, now, self.token_backoff)
        log.warning("wrong admin token from %s at the %s door: its next try is accepted in %.1f s", client, door, wait)
        raise TokenRefused(401, "a valid admin token is required (Authorization: Bearer …); after a wrong one "
                                f"this address waits {retry_after(wait)} s before its next try", wait)

    # ---- the admin session: a cookie proving the token was given, for the chat's file uploads ----
    def session_value(self) -> str:
        expires = int(self.clock()) + SESSION_SECONDS
        return f"{expires}.{self._sign(expires)}"

    def session_valid(self, value: str) -> bool:
        expires, _, signature = (value or "").partition(".")
        if not self.admin_token or not expires.isdigit() or int(expires) < self.clock():
            return False
        return hmac.compare_digest(signature.encode(), self._sign(int(expires)).encode())

    def _sign(self, expires: int) -> str:
        # keyed by the token: any process with the same token accepts it, a new token ends every session
        return hmac.new(self.admin_token.encode(), f"admin-session|{expires}".encode(), hashlib.sha256).hexdigest()

    def accepts_file(self, path: str) -> bool:
        """A file the chat may read: one that arrived as uploaded bytes, inside the upload folder."""
        if self.upload_dir is None or not os.path.isabs(path):
            return False  # a URL, or a path relative to wherever the server runs
        return Path(path).resolve().is_relative_to(self.upload_dir)


def gate_of(scope) -> Gate:
    """The gate a request passed through (a handler below the doors, such as the chat's upload)."""
    return scope[SCOPE_KEY]


def client_key(scope) -> str:
    """Who is asking, for the budgets: the address (set from X-Forwarded-For only for trusted proxies);
    an IPv6 address counts by its /64 and an IPv4-mapped one as its IPv4."""
    host = (scope.get("client") or ("", 0))[0] or "?"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def trusted_proxies(values: list[str]) -> list[str]:
    """The operator's `--forwarded-allow-ips` (addresses or networks, comma-separated) checked and written
    the way uvicorn's ProxyHeadersMiddleware reads them."""
    out = []
    for part in (p.strip() for v in values for p in v.split(",")):
        if not part:
            continue
        if part == "*":
            raise ValueError("--forwarded-allow-ips '*' would let every client choose its own address, and so its "
                             "own rate budget: name the proxies, e.g. 10.0.0.2 or 10.0.0.0/24")
        try:
            out.append(str(ipaddress.ip_network(part, strict=False)) if "/" in part else str(ipaddress.ip_address(part)))
        except ValueError:
            raise ValueError(f"--forwarded-allow-ips: {part!r} is not an IP address or network "
                             f"(e.g. 10.0.0.2, 10.0.0.0/24, ::1)") from None
    return out


def is_admin_door(method: str, path: str) -> bool:
    return ((method == "POST" and path == "/api/upload") or path.startswith("/api/admin/")
            # the library's (ui/library_web.py): removing or re-reading a report, reading the feedback
            or (method == "DELETE" and path.startswith("/api/reports/"))
            or (method == "POST" and path.startswith("/api/reports/") and path.endswith("/reread"))
            or (method == "GET" and path == "/api/feedback"))


def _door(path: str) -> Optional[str]:
    if path.startswith(("/api/", "/report/")):  # (/report/{id}: a stored report as a page, ui/library_web.py)
        return "api"
    if path.startswith("/gradio_api/"):
        return "chat"
    return None


class Doors:
    """The ASGI middleware at every door (see the module's docstring)."""

    def __init__(self, app, gate: Gate):
        self.app, self.gate = app, gate

    async def _ask(self, fn, *args):
        # a budget in PostgreSQL answers over the network: not on the event loop
        return await run_in_threadpool(fn, *args) if self.gate.budget.shared else fn(*args)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        scope[SCOPE_KEY] = self.gate
        path, method = scope.get("path", ""), scope.get("method", "GET")
        door = _door(path)
        if door is None:
            return await self.app(scope, receive, send)
        gate, headers, client = self.gate, Headers(scope=scope), client_key(scope)
        if path != HEALTH and not (method == "GET" and RESULT_STREAM.fullmatch(path)):
            wait = await self._ask(gate.take, client)
            if wait:
                said = (f"too many requests: at most {gate.rate_per_minute} a minute from one address; please wait "
                        f"{retry_after(wait)} s")
                # the chat shows this to people reading Chinese
                return await refuse(send, 429, f"提问太频繁，请 {retry_after(wait)} 秒后再试。{said}" if door == "chat" else said,
                                    wait)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        files = content_type.startswith("multipart/")
        if is_admin_door(method, path):
            try:
                await self._ask(gate.check_token, client, headers.get("authorization", "").removeprefix("Bearer ").strip(),
                                path)
            except TokenRefused as e:
                return await refuse(send, e.status, e.message, e.wait if e.status == 429 else 0)
        elif door == "chat" and files:
            if not gate.admin_token:
                return await refuse(send, 403, "sending files to the chat is off: set DISCLOSURE_QA_ADMIN_TOKEN on "
                                               "the server to allow uploads")
            if not gate.session_valid(cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE, "")):
                return await refuse(send, 401, "请先在「上传报告」中输入管理员口令并点「确认口令」，再选择文件。Sending files "
                                               "to the chat needs an admin session: POST /api/admin/session with the "
                                               "admin token")
        limit = MAX_UPLOAD_REQUEST if files or path == "/api/upload" else MAX_CHAT_BODY if door == "chat" else MAX_BODY
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return await refuse(send, 413, f"request body too large (at most {limit} bytes)")
        # read the body first (a chunked body has no Content-Length), so an oversized one is a 413 and the
        # app never sees half of it
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > limit:
                return await refuse(send, 413, f"request body too large (at most {limit} bytes)")
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if door == "chat" and body and not files and self._names_a_file_it_may_not_read(body):
            return await refuse(send, 400, "files reach the chat as uploaded bytes only: upload them (POST "
                                           "/gradio_api/upload, with an admin session) and pass the path it returns, "
                                           "not a path on the server or a URL")
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _names_a_file_it_may_not_read(self, body: bytes) -> bool:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return False  # not JSON: the chat refuses it itself
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                # a file in a Gradio call is a dict with a path (FileData), with or without its meta
                if isinstance(item.get("path"), str) and not self.gate.accepts_file(item["path"]):
                    return True
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return False


async def refuse(send, status: int, error: str, wait: float = 0.0) -> None:
    """An answer of the doors: `{"error": …}`, with Retry-After when the client is to wait."""
    body = json.dumps({"error": error}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if wait:
        headers.append((b"retry-after", retry_after(wait).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def chat_token_check(request, token: str) -> Optional[str]:
    """The chat's upload: None when the admin token is right, else what to tell the person (Chinese).
    `request` is the Gradio request (gr.Request) of the event; its client waits after wrong tokens, the
    same budget as at /api/upload."""
    scope = request.request.scope
    try:
        gate_of(scope).check_token(client_key(scope), token or "", "chat upload")
    except TokenRefused as e:
        if e.status == 403:
            return "上传已关闭：服务端设置 DISCLOSURE_QA_ADMIN_TOKEN 后可从网页上传报告。"
        if e.status == 429:
            return f"口令错误次数过多，请 {retry_after(e.wait)} 秒后再试。"
        return f"口令不正确（{retry_after(e.wait)} 秒后可再试）。"
    return None


# the upload tab's 确认口令: asks for the admin session (a cookie) in the browser, so that the files the
# person then picks may be sent to the chat; says the outcome in Chinese
SESSION_JS = """
async (token) => {
  try {
    const r = await fetch("api/admin/session", {method: "POST", credentials: "same-origin",
                                                headers: {"Authorization": "Bearer " + (token || "")}});
    if (r.ok) return "口令正确：30 分钟内可以选择报告文件上传。";
    if (r.status === 429) return "口令错误次数过多，请 " + (r.headers.get("Retry-After") || "60") + " 秒后再试。";
    if (r.status === 401) return "口令不正确。";
    if (r.status === 403) return "上传已关闭。";
    return "无法确认口令（HTTP " + r.status + "）。";
  } catch (e) {
    return "无法连接服务。";
  }
}
"""
