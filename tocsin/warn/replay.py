"""Replay: read the store in publication order and record when each alert would have fired.

For every day that has articles, the rules run over only what was published up to that day;
the first day an alert appears, and each day its level rises, are recorded. Lead time is
measured against the pack's named events (events.yaml `named_events` with a day date) in the
same area that come after the firing.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from .alerts import build_alerts, collect
from .indicators import day_of, load_config
from .series import build_series, outlet_weights


def _named_events(pack: Any, cfg: Any) -> list[dict[str, Any]]:
    out = []
    for ne in (pack.section("events") or {}).get("named_events") or []:
        d = day_of(str(ne.get("date") or ""))
        if d and len(str(ne.get("date"))) >= 10:
            place = ne.get("place")
            out.append({"key": ne.get("key"), "day": d, "area": cfg.areas.get(place, place)})
    return out


def replay(store: Any, pack: Any = None, *, save: bool = True) -> dict[str, Any]:
    """{"rows": [{day, alert_id, rule, place, group, level, change, sources, next_named_event, lead_days}],
    "days": [...], "series": {...}}; rows also saved to table alert_replay when ``save``."""
    if pack is None:
        from ..extract.entities import current_pack

        pack = current_pack()
    cfg = load_config(pack)
    weights = outlet_weights(store, cfg.detection)
    all_signals, coverage = collect(store, cfg, pack)
    named = _named_events(pack, cfg)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for day in coverage:
        # Only what was published by this day; undated articles never enter a replay.
        sigs = [s for s in all_signals if s.get("pub_date") and day_of(s["pub_date"]) and day_of(s["pub_date"]) <= day]
        for a in build_alerts(sigs, [c for c in coverage if c <= day], cfg, weights):
            rank = cfg.levels.index(a["level"])
            if a["id"] in seen and seen[a["id"]] >= rank:
                continue
            change = "new" if a["id"] not in seen else "raised"
            seen[a["id"]] = rank
            nxt = min((n for n in named if n["day"] >= day and n["area"] == a["place"]),
                      key=lambda n: n["day"], default=None)
            prev = max((n for n in named if n["day"] < day and n["area"] == a["place"]),
                       key=lambda n: n["day"], default=None)
            rows.append({"day": day, "alert_id": a["id"], "rule": a["rule"], "place": a["place"],
                         "group": a["group"], "level": a["level"], "change": change,
                         "indicators": a["indicators"], "n_evidence": len(a["evidence"]),
                         "next_named_event": nxt["key"] if nxt else None,
                         "lead_days": (date.fromisoformat(nxt["day"]) - date.fromisoformat(day)).days if nxt else None,
                         "prev_named_event": prev["key"] if prev else None,
                         "days_after_prev": (date.fromisoformat(day) - date.fromisoformat(prev["day"])).days
                         if prev else None})
    result = {"rows": rows, "days": coverage, "undated_articles_skipped": True,
              "series": {"|".join(k): v for k, v in build_series(all_signals, weights).items()}}
    if save:
        with store.transaction() as conn:
            conn.execute("DELETE FROM alert_replay")
            conn.executemany("INSERT OR REPLACE INTO alert_replay VALUES (?,?,?,?,?,?,?)",
                             [(r["alert_id"], r["day"], r["level"], r["rule"], r["place"], r["group"],
                               json.dumps(r, ensure_ascii=False, sort_keys=True)) for r in rows])
    return result


def replay_svg(result: dict[str, Any], path: str | Path, *, top: int = 8) -> Path:
    """A self-contained SVG: the busiest indicator series over time, alert firings as red marks."""
    days = sorted({d for v in result["series"].values() for d in v} | {r["day"] for r in result["rows"]})
    series = sorted(result["series"].items(), key=lambda kv: -sum(p["value"] for p in kv[1].values()))[:top]
    W, H, L, R, T = 900, 60 + 70 * max(1, len(series)), 260, 20, 30
    if not days:
        days = [date.today().isoformat()]
    d0, d1 = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    span = max(1, (d1 - d0).days)

    def x(day: str) -> float:
        return L + (W - L - R) * (date.fromisoformat(day) - d0).days / span

    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<text x="{L}" y="16">Indicator series (weighted independent sources per day) and alert firings (red), '
           f'{esc(days[0])} to {esc(days[-1])}</text>']
    for i, (key, pts) in enumerate(series):
        y0 = T + 70 * i + 55
        vmax = max(p["value"] for p in pts.values()) or 1
        out.append(f'<text x="4" y="{y0 - 20}">{esc(key.replace("|", " / "))[:48]}</text>')
        out.append(f'<line x1="{L}" y1="{y0}" x2="{W - R}" y2="{y0}" stroke="#999"/>')
        for day, p in sorted(pts.items()):
            h = 45 * p["value"] / vmax
            out.append(f'<rect x="{x(day) - 2:.1f}" y="{y0 - h:.1f}" width="4" height="{h:.1f}" fill="#4a6fa5">'
                       f'<title>{esc(day)}: {p["value"]}</title></rect>')
        ind, area, grp = key.split("|")
        for r in result["rows"]:
            if r["place"] == area and r["group"] == grp and ind in r["indicators"]:
                out.append(f'<line x1="{x(r["day"]):.1f}" y1="{y0 - 50}" x2="{x(r["day"]):.1f}" y2="{y0}" '
                           f'stroke="#c00" stroke-dasharray="3,2"><title>{esc(r["rule"])} {esc(r["level"])} '
                           f'{esc(r["day"])}</title></line>')
    out.append(f'<text x="{L}" y="{H - 8}">{esc(days[0])}</text><text x="{W - R - 70}" y="{H - 8}">{esc(days[-1])}</text>')
    out.append("</svg>")
    p = Path(path)
    p.write_text("\n".join(out), encoding="utf-8")
    return p
