"""Alert feed (Atom) and map markers: small derived views over the adapter's data."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape

from ..store import Store
from . import data


def _text(item: dict[str, Any], *keys: str) -> str:
    for k in keys:
        v = item.get(k)
        if v not in (None, ""):
            return str(v)
    return ""


def alert_title(a: dict[str, Any]) -> str:
    title = _text(a, "title", "summary", "indicator", "type")
    where = _text(a, "place")
    level = _text(a, "level")
    return " · ".join(p for p in (level.upper(), title, where) if p) or f"alert {a.get('id')}"


def atom(alerts: list[dict[str, Any]], *, base: str) -> str:
    """An Atom 1.0 feed; every value is XML-escaped (alerts quote article text)."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = base.rstrip("/")
    entries = []
    for a in alerts:
        aid = str(a.get("id", ""))
        updated = _text(a, "updated", "last_seen", "date", "created") or now
        if len(updated) == 10:
            updated += "T00:00:00Z"
        entries.append(
            "<entry>"
            f"<id>tag:tocsin,2024:alert:{escape(aid)}</id>"
            f"<title>{escape(alert_title(a))}</title>"
            f"<updated>{escape(updated)}</updated>"
            f'<link href="{escape(base)}/alerts/{escape(aid)}"/>'
            f"<summary>{escape(_text(a, 'summary', 'explanation', 'reason', 'title'))}</summary>"
            "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>tag:tocsin,2024:alerts</id><title>tocsin alerts</title><updated>{now}</updated>"
            f'<link rel="self" href="{escape(base)}/api/v1/alerts.atom"/>'
            + "".join(entries) + "</feed>\n")


def markers(store: Store) -> dict[str, Any]:
    """One marker per place with events (sized by count) and one per alert with a place."""
    by_place: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unplaced = 0
    for ev in data.all_events(store):
        coords = _coords(ev)
        if coords is None:
            unplaced += 1
            continue
        by_place[(ev.get("place") or "", coords)].append(ev)
    out = []
    for (place, (lat, lon)), evs in sorted(by_place.items(), key=lambda kv: -len(kv[1])):
        types = sorted({str(e.get("type")) for e in evs})
        names = data.place_names(place)
        alias = "; ".join(f"{side}: {', '.join(v[:2])}" for side, v in names.items())
        label = f"{place} ({alias})" if alias else place
        out.append({"lat": lat, "lon": lon, "kind": "event", "n": len(evs), "place": place,
                    "label": f"{label}: {len(evs)} event(s): {', '.join(types)}",
                    "href": f"/timeline?place={place}"})
    for a in data.paged("list_alerts", store, limit=500, offset=0)["items"]:
        coords = _coords(a)
        if coords is None:
            continue
        out.append({"lat": coords[0], "lon": coords[1], "kind": "alert", "n": 1, "place": a.get("place"),
                    "label": alert_title(a), "href": f"/alerts/{a.get('id')}"})
    return {"markers": out, "unplaced": unplaced}


def _coords(item: dict[str, Any]) -> tuple[float, float] | None:
    lat, lon = item.get("lat"), item.get("lon")
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
        return float(lat), float(lon)
    return data.place_coords(item.get("place"))
