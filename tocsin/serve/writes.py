"""Downloads (table exports, briefings) and the token-guarded ingest, for the API and pages."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Any, Iterable, Iterator

from fastapi import HTTPException, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from ..store import Store
from . import security

_WRITE_LOCK = threading.Lock()  # one ingest at a time: the store has a single writer
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MEDIA = {"json": "application/json", "jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8",
         "parquet": "application/vnd.apache.parquet"}


def export_table(store: Store, table: str, fmt: str) -> Response:
    from ..export import EXPORTERS, export_store

    if table not in EXPORTERS:
        raise HTTPException(404, f"no export table {table!r} (known: {', '.join(sorted(EXPORTERS))})")
    headers = {"content-disposition": f'attachment; filename="{table}.{fmt}"'}
    if fmt == "json":
        return StreamingResponse(_json_array(EXPORTERS[table](store)), media_type=MEDIA[fmt], headers=headers)
    tmp = Path(tempfile.mkdtemp(prefix="tocsin-export-"))
    try:
        written = export_store(store, tmp, formats=[fmt], tables=[table])
        path = written[fmt][0]
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    body = path.read_bytes()  # exports of one table fit in memory; the CLI handles the huge ones
    shutil.rmtree(tmp, ignore_errors=True)
    return Response(body, media_type=MEDIA[fmt], headers=headers)


def _json_array(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    yield b"["
    for i, row in enumerate(rows):
        yield (b"," if i else b"") + json.dumps(row, ensure_ascii=False, default=str).encode()
    yield b"]\n"


def briefing_response(store: Store, *, date_from: str | None, date_to: str | None,
                      story: str | None) -> Response:
    from ..export.briefing import render_briefing

    page = render_briefing(store, date_from=date_from, date_to=date_to, story=story)
    name = f"briefing-{story or (date_from or 'all') + '_' + (date_to or 'now')}.html"
    name = _SAFE_NAME.sub("_", name)
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def uploads_dir(db: str) -> Path:
    """Uploaded files are kept beside the store, so every article's provenance stays readable."""
    return Path(str(db) + ".uploads")


def ingest(request: Request, *, files: list[UploadFile], feed_url: str | None,
           form_token: str | None) -> dict[str, Any]:
    from .. import api

    refused = security.check_token(request.app.state.token, security.supplied_token(request, form_token))
    if refused:
        raise HTTPException(*refused)
    files = [f for f in files or [] if f.filename]
    if not files and not feed_url:
        raise HTTPException(400, "give files to upload or a feed URL")
    hub = request.app.state.hub
    folder = uploads_dir(hub.db)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    for f in files:
        raw = f.file.read()
        paths.append(str(_keep(folder, f.filename or "upload", raw)))
    if feed_url:
        if not request.app.state.allow_feed_urls:
            raise HTTPException(403, "feed URLs are disabled on this server")
        paths.append(str(_keep(folder, "feed.xml", _fetch(feed_url, request.app.state.max_body))))
    with _WRITE_LOCK:
        summary = api.run(paths, db=hub.db)
        hub.reopen()
    return {"files_seen": summary.files_seen, "files_skipped": summary.files_skipped,
            "files_failed": summary.files_failed, "articles_found": summary.articles_found,
            "articles_new": summary.articles_new, "errors": summary.errors[:50]}


def _keep(folder: Path, filename: str, raw: bytes) -> Path:
    # Only the base name, sanitised: an upload named "../../x" lands inside the folder.
    name = _SAFE_NAME.sub("_", Path(filename.replace("\\", "/")).name).lstrip(".") or "upload"
    path = folder / f"{hashlib.sha256(raw).hexdigest()[:12]}_{name[:100]}"
    path.write_bytes(raw)
    return path


def _fetch(url: str, limit: int) -> bytes:
    """The one network read tocsin does, and only when a token holder asks for it."""
    if not re.match(r"^https?://", url, re.I):
        raise HTTPException(400, "feed URL must start with http:// or https://")
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"user-agent": "tocsin"}),
                                    timeout=20) as resp:
            body = resp.read(limit + 1)
    except (OSError, ValueError) as e:
        raise HTTPException(400, f"cannot fetch feed: {e}") from None
    if len(body) > limit:
        raise HTTPException(413, "feed larger than the request size limit")
    return body
