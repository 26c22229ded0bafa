"""An offline map as SVG: country boundaries from the shipped world-atlas TopoJSON
(Natural Earth 1:50m, public domain; npm world-atlas 2.0.2, ISC) and markers at pack coordinates.

Drawn on the server so it needs no tiles, no network and no script, and the same SVG goes
into the self-contained briefing. The boundaries are de jure (Natural Earth): markers carry
each side's names for a place so the map takes no side.
"""
from __future__ import annotations

import html
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

ATLAS = Path(__file__).parent / "static" / "vendor" / "world-atlas" / "countries-50m.json"
# Default view: the South Caucasus with its neighbours.
DEFAULT_BBOX = (43.0, 38.0, 51.0, 42.5)  # lon0, lat0, lon1, lat1
REACH = 6.0  # degrees around the default region that still widen the view


@lru_cache(maxsize=1)
def _topology() -> dict[str, Any]:
    return json.loads(ATLAS.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _arcs() -> list[list[tuple[float, float]]]:
    """Decoded arcs (lon, lat): delta-decoded and un-quantised once per process."""
    topo = _topology()
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _ring(indexes: Sequence[int]) -> list[tuple[float, float]]:
    arcs = _arcs()
    pts: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        pts.extend(arc[1:] if pts else arc)
    return pts


def _polygons(geom: dict[str, Any]) -> list[list[list[tuple[float, float]]]]:
    if geom.get("type") == "Polygon":
        return [[_ring(r) for r in geom["arcs"]]]
    if geom.get("type") == "MultiPolygon":
        return [[_ring(r) for r in poly] for poly in geom["arcs"]]
    return []


class Projection:
    """Equirectangular scaled by cos(mid latitude): true enough for a region this size."""

    def __init__(self, bbox: tuple[float, float, float, float], width: int):
        self.lon0, self.lat0, self.lon1, self.lat1 = bbox
        self.k = math.cos(math.radians((self.lat0 + self.lat1) / 2))
        self.width = width
        self.scale = width / ((self.lon1 - self.lon0) * self.k)
        self.height = int((self.lat1 - self.lat0) * self.scale)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.k * self.scale, (self.lat1 - lat) * self.scale


@lru_cache(maxsize=8)
def _country_paths(bbox: tuple[float, float, float, float], width: int) -> tuple[str, ...]:
    proj = Projection(bbox, width)
    pad = 3.0
    out = []
    for geom in _topology()["objects"]["countries"]["geometries"]:
        d = []
        for poly in _polygons(geom):
            lons = [p[0] for ring in poly for p in ring]
            lats = [p[1] for ring in poly for p in ring]
            if not lons or max(lons) < bbox[0] - pad or min(lons) > bbox[2] + pad \
                    or max(lats) < bbox[1] - pad or min(lats) > bbox[3] + pad:
                continue
            for ring in poly:
                xy = [proj(lon, lat) for lon, lat in ring]
                d.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
        if d:
            name = html.escape((geom.get("properties") or {}).get("name", ""), quote=True)
            out.append(f'<path class="country" d="{"".join(d)}"><title>{name}</title></path>')
    return tuple(out)


def bbox_for(points: Sequence[tuple[float, float]], default=DEFAULT_BBOX) -> tuple[float, float, float, float]:
    """The default region, grown to include every point (rounded so the cache gets hits)."""
    lon0, lat0, lon1, lat1 = default
    for lat, lon in points:
        # Far-away places (a summit in Washington) would shrink the region to a dot: they
        # stay in the marker table under the map instead.
        if not (default[0] - REACH <= lon <= default[2] + REACH and default[1] - REACH <= lat <= default[3] + REACH):
            continue
        lon0, lon1 = min(lon0, lon - 0.5), max(lon1, lon + 0.5)
        lat0, lat1 = min(lat0, lat - 0.5), max(lat1, lat + 0.5)
    return (math.floor(lon0), math.floor(lat0), math.ceil(lon1), math.ceil(lat1))


def svg_map(markers: list[dict[str, Any]], *, width: int = 760, bbox=None) -> str:
    """SVG of the region with a circle per marker.

    A marker: {lat, lon, label, kind ("event"/"alert"), n, href?}; radius grows with n.
    """
    pts = [(m["lat"], m["lon"]) for m in markers]
    bbox = tuple(bbox) if bbox else bbox_for(pts)
    proj = Projection(bbox, width)
    parts = list(_country_paths(bbox, width))
    for m in sorted(markers, key=lambda m: -(m.get("n") or 1)):
        x, y = proj(m["lon"], m["lat"])
        r = 4 + 2.5 * math.sqrt(max(int(m.get("n") or 1), 1) - 1)
        kind = "alert" if m.get("kind") == "alert" else "event"
        label = html.escape(str(m.get("label", "")), quote=True)
        circle = (f'<circle class="marker {kind}" cx="{x:.1f}" cy="{y:.1f}" r="{min(r, 22):.1f}" '
                  f'data-label="{label}"><title>{label}</title></circle>')
        if m.get("href"):
            circle = f'<a href="{html.escape(m["href"], quote=True)}">{circle}</a>'
        parts.append(circle)
    return (f'<svg class="map" role="img" aria-label="map of events and alerts" width="{width}" '
            f'height="{proj.height}" viewBox="0 0 {width} {proj.height}">'
            f'<rect class="sea" x="{-width}" y="{-proj.height}" width="{3 * width}" height="{3 * proj.height}"></rect>{"".join(parts)}</svg>')


CSS = (".map .sea{fill:#e8f0f7}.map .country{fill:#f4f1ea;stroke:#9a8f80;stroke-width:.7}"
       ".map .marker.event{fill:#8b1e1e;fill-opacity:.7;stroke:#fff}"
       ".map .marker.alert{fill:#e0a000;fill-opacity:.85;stroke:#222}")
