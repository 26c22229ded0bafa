"""The FastAPI application factory: pages (views.py), JSON API (api_v1.py), static files.

``create_app(db, token=...)`` opens the store once, read-only, shared by all requests (the
Store serialises its connection with a lock). Writes (ingest) go through tocsin.api.run with
its own writer connection, and only with the token given at start-up.
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import TocsinError
from ..store import Store
from . import security

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


class StoreHub:
    """The shared read-only store; reopened after an ingest so new tables become visible."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._store: Store | None = None
        # Open once writable: creates an empty store for a fresh server and applies any
        # migration newer code ships; then every request reads through one read-only handle.
        Store(db).close()

    def get(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(self.db, readonly=True)
            return self._store

    def reopen(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
            self._store = None
            Store(self.db).close()

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def create_app(db: str | None = None, *, token: str | None = None,
               max_body: int = security.DEFAULT_MAX_BODY, allow_feed_urls: bool = True) -> FastAPI:
    """The dashboard and API over the store at ``db`` (writes enabled only with ``token``)."""
    from ..config import settings
    from . import api_v1, views

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.hub.close()

    app = FastAPI(lifespan=lifespan, title="tocsin", version="1", description="Conflict news evidence: search, events, "
                  "claims, stories, alerts. Errors share one shape: {error: {code, title, message, "
                  "file, line, hint}}.", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")
    app.state.hub = StoreHub(db or settings().db)
    app.state.token = token if token is not None else (os.environ.get("TOCSIN_TOKEN") or None)
    app.state.allow_feed_urls = allow_feed_urls
    app.state.max_body = max_body
    templates = Jinja2Templates(directory=str(TEMPLATES))  # autoescape on for .html
    templates.env.autoescape = True
    app.state.templates = templates

    app.include_router(api_v1.router)
    app.include_router(views.router)

    @app.get("/static/{path:path}", include_in_schema=False)
    def static(path: str) -> Response:
        # Resolve and require the result inside STATIC: "..", absolute paths, symlinks out,
        # encoded separators all end in 404.
        root = STATIC.resolve()
        try:
            target = (root / path).resolve()
        except (OSError, ValueError):
            return _not_found(path)
        if root not in target.parents or not target.is_file() or "\x00" in path:
            return _not_found(path)
        return FileResponse(target, headers={"cache-control": "public, max-age=3600"})

    @app.exception_handler(TocsinError)
    async def tocsin_error(request: Request, exc: TocsinError) -> Response:
        return _error(request, security.status_for(exc), security.tocsin_error_body(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        return _error(request, exc.status_code, security.error_body(exc.status_code, detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                          for e in exc.errors()[:5])
        return _error(request, 422, security.error_body(422, where or "invalid parameters"))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return _error(request, 500, security.error_body(500, f"{type(exc).__name__}"))

    app.add_middleware(security.SecurityMiddleware, max_body=max_body)

    return app


def _not_found(path: str) -> JSONResponse:
    return JSONResponse(security.error_body(404, "no such static file"), status_code=404)


def _error(request: Request, status: int, body: dict) -> Response:
    """JSON under /api, an HTML error page elsewhere (same content, escaped)."""
    if request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(body, status_code=status)
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html", {"status": status, "err": body["error"]},
                                      status_code=status)
