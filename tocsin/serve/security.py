"""Web security in one place: headers (CSP without unsafe-inline), request size limits,
the write token, and the one JSON error shape.

Why each: article text is untrusted (partisan scrapes can carry markup), so pages allow only
our own static scripts and styles; uploads are bounded before they are read; writes need the
token given at start-up and are disabled without one.
"""
from __future__ import annotations

import hmac
import json
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import CODES, TocsinError

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
DEFAULT_MAX_BODY = 20 * 1024 * 1024  # uploads: a few digests or a WARC; bigger goes via the CLI

HTTP_TITLES = {400: "bad request", 401: "token required", 403: "forbidden", 404: "not found",
               405: "method not allowed", 413: "request too large", 422: "invalid parameters",
               500: "internal error"}


def error_body(status: int, message: str, *, code: str | None = None, hint: str | None = None,
               file: str | None = None, line: int | None = None) -> dict[str, Any]:
    """The shape of TocsinError.to_dict(), for HTTP errors that are not TocsinErrors."""
    return {"error": {"code": code or f"HTTP{status}", "title": HTTP_TITLES.get(status, "error"),
                      "message": message, "file": file, "line": line, "hint": hint}}


def status_for(err: TocsinError) -> int:
    if err.code.startswith("E1") or err.code in ("E301", "E400"):
        return 400
    return 500


def tocsin_error_body(err: TocsinError) -> dict[str, Any]:
    body = err.to_dict()
    body["error"]["title"] = CODES.get(err.code, "error")
    return body


class SecurityMiddleware:
    """Pure ASGI: adds security headers to every response and refuses oversized bodies (413)."""

    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                await _send_json(send, 413, error_body(413, f"request body over {self.max_body} bytes"))
                return
        seen = 0
        started = False
        overflow = False

        async def limited_receive() -> Message:
            # Chunked uploads declare no length: count what actually arrives.
            nonlocal seen, overflow
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_body:
                    overflow = True
                    raise _TooLarge()
            return msg

        async def send_with_headers(msg: Message) -> None:
            nonlocal started
            if overflow:
                # FastAPI's form parser catches _TooLarge and answers 400 ("error parsing the
                # body"): whatever the app sends after an overflow is replaced by our 413.
                if not started:
                    started = True
                    await _send_json(send, 413, error_body(413, f"request body over {self.max_body} bytes"))
                return
            if msg["type"] == "http.response.start":
                started = True
                existing = {k.lower() for k, _ in msg.get("headers", [])}
                msg = {**msg, "headers": list(msg.get("headers", [])) +
                       [h for h in HEADERS if h[0] not in existing]}
            await send(msg)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, error_body(413, f"request body over {self.max_body} bytes"))


class _TooLarge(Exception):
    pass


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(raw)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": raw})


def supplied_token(request: Request, form_token: str | None = None) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-tocsin-token") or form_token


def check_token(expected: str | None, given: str | None) -> tuple[int, str] | None:
    """None when the write may go ahead, else (status, reason)."""
    if not expected:
        return 403, "writes are disabled: start the server with --token or TOCSIN_TOKEN"
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return 401, "a valid write token is required"
    return None
