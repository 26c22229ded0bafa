"""Server-rendered pages. Each is a few lines over the same functions as the JSON API.

Charts and the map are SVG built by charts.py / geo.py from escaped pieces; article text is
only ever rendered through Jinja autoescape or highlight.py (escape first, then mark).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from ..store import Store
from . import charts, data, feeds, geo, highlight, search as searchmod, writes
from .api_v1 import Date, get_store

router = APIRouter(include_in_schema=False)
PAGE = 20


def link(params: dict[str, Any], key: str | None = None, value: Any = None, drop: str | None = None) -> str:
    """A query string from params with one key set or dropped (empty values left out)."""
    p = {k: v for k, v in params.items() if v not in (None, "") and k != drop and k != "offset"}
    if key is not None:
        p[key] = value
    return urlencode(sorted(p.items()))


def render(request: Request, name: str, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("nav", request.url.path)
    ctx["link"] = link
    ctx["writes_enabled"] = bool(request.app.state.token)
    return request.app.state.templates.TemplateResponse(request, name, ctx)


@router.get("/", response_class=HTMLResponse)
@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query("", max_length=1000), outlet: Optional[str] = None,
                side: Optional[str] = None, language: Optional[str] = None, topic: Optional[str] = None,
                entity: Optional[str] = None, event_type: Optional[str] = None,
                date_from: Optional[str] = Date, date_to: Optional[str] = Date,
                offset: int = Query(0, ge=0), store: Store = Depends(get_store)) -> HTMLResponse:
    filters = {"outlet": outlet, "side": side, "language": language, "topic": topic, "entity": entity,
               "event_type": event_type, "date_from": date_from, "date_to": date_to}
    res = searchmod.search(store, q, limit=PAGE, offset=offset, **filters)
    for hit in res["items"]:
        hit["snippet_html"] = highlight.spans(hit["snippet"], hit["highlights"])
    active = {k: v for k, v in filters.items() if v}
    return render(request, "search.html", q=q, res=res, active=active, filters=filters, args={"q": q, **active},
                  overview=data.overview(store), page=PAGE)


@router.get("/article/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str, store: Store = Depends(get_store)) -> HTMLResponse:
    art = searchmod.article(store, article_id)
    if art is None:
        raise HTTPException(404, "no such article")
    body = highlight.marks(art["text"], art["marks"])
    claims = data.paged("list_claims", store, article_id=article_id, limit=100, offset=0)
    return render(request, "article.html", art=art, body=body, stored_claims=claims)


@router.get("/stories", response_class=HTMLResponse)
def stories_page(request: Request, blindspot: Optional[str] = None, offset: int = Query(0, ge=0),
                 store: Store = Depends(get_store)) -> HTMLResponse:
    res = data.paged("list_stories", store, blindspot=blindspot, limit=PAGE, offset=offset)
    return render(request, "stories.html", res=res, blindspot=blindspot, page=PAGE)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str, store: Store = Depends(get_store)) -> HTMLResponse:
    story = data.one("get_story", store, story_id)
    if not story:
        raise HTTPException(404, "no such story")
    comp = story.get("comparison") or {}
    columns: dict[str, list] = defaultdict(list)
    for a in story.get("articles") or []:
        columns[a.get("side") or data.outlet_side(a.get("outlet")) or "unknown"].append(a)
    found = list(dict.fromkeys([*(comp.get("coverage") or {}), *columns]))
    order = {s: i for i, s in enumerate(data.sides())}  # the pack's order; unknown sides last
    sides = sorted(found, key=lambda s: (order.get(s, len(order)), s))
    return render(request, "story.html", story=story, comp=comp, columns=columns, sides=sides)


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, type: Optional[str] = None, place: Optional[str] = None,
                  actor: Optional[str] = None, date_from: Optional[str] = Date, date_to: Optional[str] = Date,
                  store: Store = Depends(get_store)) -> HTMLResponse:
    res = data.events(store, type=type, place=place, actor=actor, date_from=date_from, date_to=date_to,
                      limit=500, offset=0)
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    types = sorted({str(e.get("type")) for e in res["items"]})
    for e in res["items"]:
        by_month[(e.get("date") or "undated")[:7]][str(e.get("type"))] += 1
    months = sorted(by_month)
    chart = Markup(charts.stacked(months, {t: [by_month[m][t] for m in months] for t in types},
                                  title="events per month by type"))
    groups: dict[str, list] = defaultdict(list)
    for e in res["items"]:
        groups[e.get("date") or "undated"].append(e)
    return render(request, "timeline.html", res=res, chart=chart, groups=sorted(groups.items()),
                  filters={"type": type, "place": place, "actor": actor, "date_from": date_from,
                           "date_to": date_to})


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, store: Store = Depends(get_store)) -> HTMLResponse:
    m = feeds.markers(store)
    return render(request, "map.html", svg=Markup(geo.svg_map(m["markers"])), markers=m["markers"],
                  unplaced=m["unplaced"])


@router.get("/contradictions", response_class=HTMLResponse)
def contradictions_page(request: Request, offset: int = Query(0, ge=0),
                        store: Store = Depends(get_store)) -> HTMLResponse:
    res = data.paged("list_contradictions", store, limit=PAGE, offset=offset)
    total = data.counts("count_contradictions", store)
    res["total"] = total if isinstance(total, int) else None
    return render(request, "contradictions.html", res=res, page=PAGE)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, level: Optional[str] = None, offset: int = Query(0, ge=0),
                store: Store = Depends(get_store)) -> HTMLResponse:
    res = data.paged("list_alerts", store, level=level, limit=PAGE, offset=offset)
    return render(request, "alerts.html", res=res, level=level, page=PAGE, title=feeds.alert_title)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: str, store: Store = Depends(get_store)) -> HTMLResponse:
    alert = data.one("get_alert", store, alert_id)
    if not alert:
        raise HTTPException(404, "no such alert")
    plots = []
    for ind in alert.get("indicators") or []:
        try:
            rows = data.plain(data.call("indicator_series", store, indicator=ind, place=alert.get("place")))
        except data.Missing:
            rows = []
        plots.append((ind, Markup(series_chart(rows, title=f"{ind} at {alert.get('place')}"))))
    return render(request, "alert.html", alert=alert, plots=plots, title=feeds.alert_title(alert))


def series_chart(rows: list[dict[str, Any]], *, title: str) -> str:
    """Line chart of indicator rows ({day, group, value}), one line per group."""
    days = sorted({str(r.get("day")) for r in rows if r.get("day")})
    by_group: dict[str, dict[str, float]] = defaultdict(dict)
    for r in rows:
        if r.get("day"):
            by_group[str(r.get("group") or r.get("indicator") or "value")][str(r["day"])] = float(r.get("value") or 0)
    series = {g: [v.get(d) for d in days] for g, v in by_group.items()}
    return charts.lines(days, series, title=title)


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, store: Store = Depends(get_store)) -> HTMLResponse:
    cov = data.coverage(store)
    top = dict(list(cov["by_outlet"].items())[:8])
    persp = data.counts("perspective_counts", store)
    contra = data.counts("outlet_contradiction_counts", store)
    return render(request, "coverage.html", cov=cov,
                  side_chart=Markup(charts.stacked(cov["months"], cov["by_side"], title="articles by side per month")),
                  outlet_chart=Markup(charts.lines(cov["months"], top, title="articles by outlet per month")),
                  outlet_bars=Markup(charts.bars([(k, sum(v)) for k, v in cov["by_outlet"].items()][:15])),
                  persp_chart=Markup(charts.bars(_flat_counts(persp), title="perspective labels")),
                  contra_chart=Markup(charts.bars(sorted(contra.items(), key=lambda kv: -kv[1])[:15]
                                                  if all(isinstance(v, (int, float)) for v in contra.values()) else [],
                                                  title="contradictions by outlet")))


def _flat_counts(d: dict[str, Any]) -> list[tuple[str, float]]:
    out = []
    for k, v in d.items():
        if isinstance(v, (int, float)):
            out.append((k, v))
        elif isinstance(v, dict):
            out.extend((f"{k} · {k2}", v2) for k2, v2 in v.items() if isinstance(v2, (int, float)))
    return sorted(out, key=lambda kv: -kv[1])[:15]


@router.get("/exports", response_class=HTMLResponse)
def exports_page(request: Request) -> HTMLResponse:
    from ..export import EXPORTERS

    return render(request, "exports.html", tables=sorted(EXPORTERS), formats=("json", "jsonl", "csv", "parquet"))


@router.get("/ingest", response_class=HTMLResponse)
def ingest_page(request: Request) -> HTMLResponse:
    return render(request, "ingest.html", result=None)


@router.post("/ingest", response_class=HTMLResponse)
def ingest_form(request: Request, files: list[UploadFile] = File(default=[]),
                feed_url: Optional[str] = Form(None, max_length=2000),
                token: Optional[str] = Form(None)) -> HTMLResponse:
    result = writes.ingest(request, files=files, feed_url=feed_url or None, form_token=token)
    return render(request, "ingest.html", result=result)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The API reference rendered from the OpenAPI schema (no CDN-hosted Swagger UI)."""
    spec = request.app.openapi()
    ops = [(path, method.upper(), op) for path, item in spec["paths"].items() for method, op in item.items()]
    return render(request, "apidocs.html", ops=ops, spec=spec)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    return RedirectResponse("/static/favicon.svg")
