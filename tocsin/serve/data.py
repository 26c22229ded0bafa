"""The one adapter between the web layer and the modules that produce results.

Events, claims, contradictions, stories and alerts come from other modules (some not yet
installed, some whose tables an older store lacks). Every page and API route reads through
here, and here alone we catch ImportError and sqlite "no such table" failures, so a missing
feature shows an empty state instead of a 500. Everything returned is plain JSON-able data.
"""
from __future__ import annotations

import importlib
import json
import logging
import sqlite3
from collections import Counter, defaultdict
from typing import Any, Callable

from ..errors import TocsinError
from ..store import Store

log = logging.getLogger(__name__)

# (module, function) of each query function agreed in the wave contract.
SOURCES: dict[str, tuple[str, str]] = {
    "list_events": ("tocsin.extract.event_store", "list_events"),
    "get_event": ("tocsin.extract.event_store", "get_event"),
    "list_claims": ("tocsin.compare.contradictions", "list_claims"),
    "list_contradictions": ("tocsin.compare.contradictions", "list_contradictions"),
    "count_contradictions": ("tocsin.compare.contradictions", "count_contradictions"),
    "outlet_contradiction_counts": ("tocsin.compare.contradictions", "outlet_contradiction_counts"),
    "perspective_counts": ("tocsin.compare.perspective", "perspective_counts"),
    "list_stories": ("tocsin.compare.stories", "list_stories"),
    "get_story": ("tocsin.compare.stories", "get_story"),
    "list_alerts": ("tocsin.warn", "list_alerts"),
    "get_alert": ("tocsin.warn", "get_alert"),
    "indicator_series": ("tocsin.warn", "indicator_series"),
}


class Missing(Exception):
    """The feature behind a query is not available (module absent or its tables empty)."""


def _resolve(name: str) -> Callable[..., Any]:
    module, attr = SOURCES[name]
    try:
        fn = getattr(importlib.import_module(module), attr, None)
    except ImportError as e:
        raise Missing(f"{module}: {e}") from None
    if fn is None:
        raise Missing(f"{module}.{attr} not defined")
    return fn


def _is_missing_table(err: BaseException) -> bool:
    text = str(err).lower()
    return "no such table" in text or "no such column" in text


def call(name: str, store: Store, *args: Any, **kwargs: Any) -> Any:
    """Call a contract query function; raise Missing when its module or tables are absent."""
    fn = _resolve(name)
    try:
        return fn(store, *args, **kwargs)
    except sqlite3.OperationalError as e:
        if _is_missing_table(e):
            raise Missing(str(e)) from None
        raise
    except TocsinError as e:  # Store.query wraps sqlite errors as E200
        if e.code == "E200" and _is_missing_table(e):
            raise Missing(str(e)) from None
        raise


def page(result: Any, limit: int, offset: int) -> dict[str, Any]:
    """Normalise a list or a {items,total} dict into {items, total, limit, offset}."""
    if isinstance(result, dict) and "items" in result:
        items = list(result.get("items") or [])
        total = result.get("total")
    else:
        items = list(result or [])
        total = None
    return {"items": [plain(i) for i in items], "total": total, "limit": limit, "offset": offset}


def plain(obj: Any) -> Any:
    """JSON-able copy: dataclasses, sqlite rows and tuples become dicts and lists."""
    if isinstance(obj, sqlite3.Row):
        return {k: plain(obj[k]) for k in obj.keys()}
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return plain(obj.to_dict())
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return plain(asdict(obj))
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [plain(v) for v in obj]
    return obj


def empty_page(limit: int, offset: int, reason: str) -> dict[str, Any]:
    return {"items": [], "total": 0, "limit": limit, "offset": offset, "unavailable": reason}


def paged(name: str, store: Store, *, limit: int = 50, offset: int = 0, **filters: Any) -> dict[str, Any]:
    """A paginated contract query, or an empty page saying why it is unavailable."""
    filters = {k: v for k, v in filters.items() if v not in (None, "")}
    try:
        return page(call(name, store, limit=limit, offset=offset, **filters), limit, offset)
    except Missing as e:
        return empty_page(limit, offset, str(e))


def one(name: str, store: Store, ident: str) -> dict[str, Any] | None:
    try:
        found = call(name, store, ident)
    except Missing:
        return None
    return plain(found) if found else None


def counts(name: str, store: Store) -> dict[str, Any]:
    try:
        return plain(call(name, store) or {})
    except Missing:
        return {}


# -- events: the events module when present, else the per-article event mentions ----------

def _article_events(store: Store) -> list[dict[str, Any]]:
    """Event mentions stored on articles, one per mention (before cross-article linking)."""
    rows = store.query(
        "SELECT id, title, outlet, date, source_file, json_extract(extra, '$.annotations.events') AS ev "
        "FROM articles WHERE json_extract(extra, '$.annotations.events') IS NOT NULL")
    sides = outlet_sides(store)
    out: list[dict[str, Any]] = []
    for r in rows:
        for i, ev in enumerate(json.loads(r["ev"] or "[]")):
            if not isinstance(ev, dict):
                continue
            out.append({
                "id": f"{r['id']}:{i}", "type": ev.get("type"), "date": ev.get("date") or r["date"],
                "place": ev.get("place"), "actor": ev.get("actor"), "target": ev.get("target"),
                "fatalities": ev.get("fatalities"), "confidence": ev.get("confidence"),
                "n_sources": 1, "linked": False,
                "mentions": [{"article_id": r["id"], "title": r["title"], "outlet": r["outlet"],
                              "side": sides.get(r["outlet"] or ""), "source_file": r["source_file"],
                              "line": ev.get("line"), "sentence": ev.get("sentence")}],
            })
    return out


def _match_event(ev: dict[str, Any], f: dict[str, Any]) -> bool:
    for key in ("type", "place", "actor"):
        if f.get(key) and (ev.get(key) or "").lower() != str(f[key]).lower():
            return False
    date = ev.get("date") or ""
    if f.get("date_from") and (not date or date[: len(f["date_from"])] < f["date_from"]):
        return False
    if f.get("date_to") and (not date or date[: len(f["date_to"])] > f["date_to"]):
        return False
    return True


def events(store: Store, *, limit: int = 50, offset: int = 0, **filters: Any) -> dict[str, Any]:
    filters = {k: v for k, v in filters.items() if v not in (None, "")}
    try:
        return page(call("list_events", store, limit=limit, offset=offset, **filters), limit, offset)
    except Missing:
        pass
    found = [e for e in _article_events(store) if _match_event(e, filters)]
    found.sort(key=lambda e: (e.get("date") or "", e["id"]))
    return {"items": found[offset: offset + limit], "total": len(found), "limit": limit,
            "offset": offset, "source": "article mentions (event linking not available)"}


def event(store: Store, ident: str) -> dict[str, Any] | None:
    found = one("get_event", store, ident)
    if found:
        return found
    for ev in _article_events(store):
        if ev["id"] == ident:
            return ev
    return None


def all_events(store: Store, cap: int = 2000, **filters: Any) -> list[dict[str, Any]]:
    return events(store, limit=cap, offset=0, **filters)["items"]


# -- pack knowledge -------------------------------------------------------------------------

def pack() -> Any:
    try:
        from ..extract.entities import current_pack

        return current_pack()
    except (ImportError, TocsinError) as e:
        log.warning("no pack: %s", e)
        return None


def sides() -> list[str]:
    p = pack()
    return list(getattr(p, "sides", []) or [])


def outlet_side(name: str | None) -> str | None:
    p = pack()
    if p is None or not name:
        return None
    o = p.outlet(name)
    return getattr(o, "side", None) if o else None


_SIDES: dict[str, tuple[Any, dict[str, str | None]]] = {}


def outlet_sides(store: Store) -> dict[str, str | None]:
    """Side of every outlet present in the store (unknown outlets map to None).

    Every search page needs it; the DISTINCT scan is remembered until an article is added
    (the newest pk changes) or the pack changes."""
    key = (store.query("SELECT max(pk) FROM articles")[0][0], id(pack()))
    hit = _SIDES.get(str(store.path))
    if hit is not None and hit[0] == key:
        return dict(hit[1])
    names = [r[0] for r in store.query("SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL")]
    found = {n: outlet_side(n) for n in names}
    if len(_SIDES) > 16:
        _SIDES.clear()
    _SIDES[str(store.path)] = (key, found)
    return dict(found)


def place_coords(name: str | None) -> tuple[float, float] | None:
    p = pack()
    if p is None or not name:
        return None
    pl = p.place(name)
    if pl is None or pl.lat is None or pl.lon is None:
        return None
    return float(pl.lat), float(pl.lon)


def place_names(name: str) -> dict[str, list[str]]:
    """Each side's names for a place (analysts see both; boundaries on the map are de jure)."""
    p = pack()
    pl = p.place(name) if p is not None else None
    return dict(getattr(pl, "names_by_side", {}) or {}) if pl else {}


# -- coverage and overview ------------------------------------------------------------------

def coverage(store: Store) -> dict[str, Any]:
    """Articles per month by side and by outlet (plus undated counts)."""
    rows = store.query("SELECT substr(date, 1, 7) AS month, outlet, count(*) AS n FROM articles "
                       "GROUP BY month, outlet ORDER BY month")
    side_of = outlet_sides(store)
    by_side: dict[str, Counter] = defaultdict(Counter)
    by_outlet: dict[str, Counter] = defaultdict(Counter)
    months: set[str] = set()
    for r in rows:
        month = r["month"] or "undated"
        months.add(month)
        outlet = r["outlet"] or "unknown outlet"
        by_outlet[outlet][month] += r["n"]
        by_side[side_of.get(r["outlet"] or "") or "unknown side"][month] += r["n"]
    order = sorted(m for m in months if m != "undated") + (["undated"] if "undated" in months else [])
    return {
        "months": order,
        "by_side": {k: [v.get(m, 0) for m in order] for k, v in sorted(by_side.items())},
        "by_outlet": {k: [v.get(m, 0) for m in order]
                      for k, v in sorted(by_outlet.items(), key=lambda kv: -sum(kv[1].values()))},
    }


def overview(store: Store) -> dict[str, Any]:
    s = store.stats()
    return {k: s[k] for k in ("articles", "files", "errors", "by_language", "by_outlet", "by_topic",
                              "date_range", "schema_version")}
