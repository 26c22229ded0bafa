"""JSON API under /api/v1: everything the pages show, paginated and filterable.

Every list answers {items, total, limit, offset} (total may be null when the producing module
does not count); every error answers {error: {code, title, message, file, line, hint}}.
"""
from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from ..store import Store
from . import data, feeds, search as searchmod, writes

router = APIRouter(prefix="/api/v1", tags=["api"])


class ErrorDetail(BaseModel):
    code: str
    title: str
    message: str
    file: Optional[str] = None
    line: Optional[int] = None
    hint: Optional[str] = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: Optional[int] = None
    limit: int
    offset: int
    unavailable: Optional[str] = None  # why a feature's data is absent (module or tables missing)
    source: Optional[str] = None


class SearchPage(Page):
    facets: dict[str, list[list[Any]]]
    ranked_within: Optional[int] = None  # ranking (and total) cover only the newest N matches
    facets_within: Optional[int] = None  # facets count only the first N articles (browsing)


class Marker(BaseModel):
    lat: float
    lon: float
    label: str
    kind: str
    n: int
    place: Optional[str] = None
    href: Optional[str] = None


class MapData(BaseModel):
    markers: list[Marker]
    unplaced: int


class Coverage(BaseModel):
    months: list[str]
    by_side: dict[str, list[int]]
    by_outlet: dict[str, list[int]]


class IngestResult(BaseModel):
    files_seen: int
    files_skipped: int
    files_failed: int
    articles_found: int
    articles_new: int
    errors: list[str]


ERRORS = {400: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody},
          413: {"model": ErrorBody}, 500: {"model": ErrorBody}}
Limit = Query(50, ge=0, le=1000)
Offset = Query(0, ge=0, le=10_000_000)
Date = Query(None, pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD (empty: no bound)")


def get_store(request: Request) -> Store:
    return request.app.state.hub.get()


def _found(item: dict | None, what: str) -> dict:
    if not item:
        raise HTTPException(404, f"no such {what}")
    return item


@router.get("/stats", responses=ERRORS)
def stats(store: Store = Depends(get_store)) -> dict[str, Any]:
    """Counts of what the store holds."""
    return data.overview(store)


@router.get("/search", response_model=SearchPage, responses=ERRORS)
def search(q: str = Query("", max_length=1000), outlet: Optional[str] = None, side: Optional[str] = None,
           language: Optional[str] = None, topic: Optional[str] = None, entity: Optional[str] = None,
           event_type: Optional[str] = None, date_from: Optional[str] = Date, date_to: Optional[str] = Date,
           limit: int = Query(20, ge=0, le=1000), offset: int = Offset,
           store: Store = Depends(get_store)) -> dict[str, Any]:
    """Ranked full-text search with facet counts and highlight spans into each snippet."""
    return searchmod.search(store, q, limit=limit, offset=offset, outlet=outlet, side=side,
                            language=language, topic=topic, entity=entity, event_type=event_type,
                            date_from=date_from, date_to=date_to)


@router.get("/articles/{article_id}", responses=ERRORS)
def article(article_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """One article with entities, events, claims, framing evidence, text marks and provenance."""
    return _found(searchmod.article(store, article_id), "article")


@router.get("/events", response_model=Page, responses=ERRORS)
def events(type: Optional[str] = None, place: Optional[str] = None, actor: Optional[str] = None,
           date_from: Optional[str] = Date, date_to: Optional[str] = Date, limit: int = Limit,
           offset: int = Offset, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Events (linked across articles when event linking is installed), oldest first."""
    return data.events(store, type=type, place=place, actor=actor, date_from=date_from,
                       date_to=date_to, limit=limit, offset=offset)


@router.get("/events/{event_id}", responses=ERRORS)
def event(event_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    return _found(data.event(store, event_id), "event")


@router.get("/claims", response_model=Page, responses=ERRORS)
def claims(article_id: Optional[str] = None, limit: int = Limit, offset: int = Offset,
           store: Store = Depends(get_store)) -> dict[str, Any]:
    return data.paged("list_claims", store, article_id=article_id, limit=limit, offset=offset)


@router.get("/contradictions", response_model=Page, responses=ERRORS)
def contradictions(limit: int = Limit, offset: int = Offset, store: Store = Depends(get_store)) -> dict[str, Any]:
    return data.paged("list_contradictions", store, limit=limit, offset=offset)


@router.get("/stories", response_model=Page, responses=ERRORS)
def stories(blindspot: Optional[str] = None, limit: int = Limit, offset: int = Offset,
            store: Store = Depends(get_store)) -> dict[str, Any]:
    return data.paged("list_stories", store, blindspot=blindspot, limit=limit, offset=offset)


@router.get("/stories/{story_id}", responses=ERRORS)
def story(story_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    return _found(data.one("get_story", store, story_id), "story")


@router.get("/alerts", response_model=Page, responses=ERRORS)
def alerts(level: Optional[str] = None, limit: int = Limit, offset: int = Offset,
           store: Store = Depends(get_store)) -> dict[str, Any]:
    return data.paged("list_alerts", store, level=level, limit=limit, offset=offset)


@router.get("/alerts.atom", response_class=Response, responses={200: {"content": {"application/atom+xml": {}}}})
def alerts_atom(request: Request, store: Store = Depends(get_store)) -> Response:
    """Atom feed of the latest alerts."""
    items = data.paged("list_alerts", store, limit=100, offset=0)["items"]
    return Response(feeds.atom(items, base=str(request.base_url)), media_type="application/atom+xml")


@router.get("/alerts/{alert_id}", responses=ERRORS)
def alert(alert_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    return _found(data.one("get_alert", store, alert_id), "alert")


@router.get("/indicators", responses=ERRORS)
def indicators(indicator: Optional[str] = None, place: Optional[str] = None,
               store: Store = Depends(get_store)) -> list[dict[str, Any]]:
    """Indicator time series (each {indicator, place, points: [...]}, as the warn module gives)."""
    try:
        return data.plain(data.call("indicator_series", store, indicator=indicator, place=place) or [])
    except data.Missing:
        return []


@router.get("/coverage", response_model=Coverage, responses=ERRORS)
def coverage(store: Store = Depends(get_store)) -> dict[str, Any]:
    """Articles per month by side and by outlet."""
    return data.coverage(store)


@router.get("/map", response_model=MapData, responses=ERRORS)
def map_data(store: Store = Depends(get_store)) -> dict[str, Any]:
    """Markers for events and alerts at the pack's coordinates of their places."""
    return feeds.markers(store)


@router.get("/export/{table}", response_class=Response, responses={
    **ERRORS, 200: {"content": {"application/json": {}, "text/csv": {}, "application/vnd.apache.parquet": {},
                                "application/x-ndjson": {}}}})
def export(table: str, format: str = Query("json", pattern="^(json|jsonl|csv|parquet)$"),
           store: Store = Depends(get_store)) -> Response:
    """One table (articles, events, claims, stories, alerts, ...) as JSON, JSONL, CSV or Parquet."""
    return writes.export_table(store, table, format)


@router.get("/briefing", response_class=Response, responses={**ERRORS, 200: {"content": {"text/html": {}}}})
def briefing(date_from: Optional[str] = Date, date_to: Optional[str] = Date, story: Optional[str] = None,
             store: Store = Depends(get_store)) -> Response:
    """A self-contained HTML briefing (one file, offline, charts inline) of a date range or a story."""
    return writes.briefing_response(store, date_from=date_from, date_to=date_to, story=story)


@router.post("/ingest", response_model=IngestResult, responses={**ERRORS, 401: {"model": ErrorBody},
                                                                 403: {"model": ErrorBody}})
def ingest(request: Request, files: list[UploadFile] = File(default=[]),
           feed_url: Optional[str] = Form(None, max_length=2000), token: Optional[str] = Form(None)) -> dict[str, Any]:
    """Ingest uploaded files or a feed URL (needs the server's write token)."""
    return writes.ingest(request, files=files, feed_url=feed_url, form_token=token)
