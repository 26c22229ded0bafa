"""Faceted search and the article view's data, for the pages and the API.

The store's search parses the query safely (tocsin.store.queries); here we add the facets it
does not know (side, entity, event type, topic) as SQL over the same matched set, so counts
and hits always agree. Snippets stay plain text plus highlight spans: the templates escape.
"""
from __future__ import annotations

import json
from typing import Any

from ..store import Store
from ..store import queries as q
from . import data

FACETS = ("outlet", "side", "language", "topic", "entity", "event_type")
FACET_LIMIT = 15
# Facets count at most this many matches (ranked search is already bounded by the store's
# window; browsing a large store without terms counts the first FACET_SCOPE articles).
FACET_SCOPE = 10_000


def _extra_filters(store: Store, f: dict[str, Any]) -> tuple[list[str], list[Any]]:
    where, params = q._filters(f.get("outlet"), f.get("language"), f.get("date_from"), f.get("date_to"))
    if f.get("side"):
        names = [n for n, s in data.outlet_sides(store).items() if (s or "unknown side") == f["side"]]
        where.append(f"a.outlet IN ({','.join('?' * len(names))})" if names else "0")
        params.extend(names)
    if f.get("topic"):
        where.append("a.topic = ?")
        params.append(f["topic"])
    if f.get("entity"):
        where.append("EXISTS (SELECT 1 FROM json_each(a.extra, '$.annotations.entities') e "
                     "WHERE json_extract(e.value, '$.name') = ?)")
        params.append(f["entity"])
    if f.get("event_type"):
        where.append("EXISTS (SELECT 1 FROM json_each(a.extra, '$.annotations.events') e "
                     "WHERE json_extract(e.value, '$.type') = ?)")
        params.append(f["event_type"])
    return where, params


def search(store: Store, query: str = "", *, limit: int = 20, offset: int = 0,
           **filters: Any) -> dict[str, Any]:
    """Hits (with snippet and highlight spans), total and facet counts for the matched set."""
    limit = max(0, min(int(limit), q.MAX_LIMIT))
    offset = max(0, int(offset))
    f = {k: v for k, v in filters.items() if v not in (None, "")}
    parsed = q.parse_query(query or "")
    if (query or "").strip() and not (parsed.groups or parsed.negated):
        return {"items": [], "total": 0, "limit": limit, "offset": offset, "facets": {k: [] for k in FACETS}}
    clause, params, ranked = q._where(parsed, _extra_filters(store, f))
    base = q._from(ranked) + clause
    cols = "a.id, a.title, a.outlet, a.date, a.language, a.topic, a.source_file, a.start_line"
    if ranked:
        cols += (f", -bm25(articles_fts, {q.TITLE_WEIGHT}, {q.TEXT_WEIGHT}) AS score, "
                 f"snippet(articles_fts, 1, char(1), char(2), '…', {q.SNIPPET_TOKENS}) AS snip, "
                 f"snippet(articles_fts, 0, char(1), char(2), '…', {q.SNIPPET_TOKENS}) AS tsnip, "
                 "instr(a.text, char(1)) + instr(a.text, char(2)) AS marked")
        order = f" ORDER BY bm25(articles_fts, {q.TITLE_WEIGHT}, {q.TEXT_WEIGHT}), a.pk"
    else:
        cols += ", 0.0 AS score, substr(a.text, 1, 400) AS snip, '' AS tsnip, 0 AS marked"
        order = " ORDER BY a.date_lo DESC NULLS LAST, a.pk"
    rows = store.query("SELECT " + cols + base + order + " LIMIT ? OFFSET ?", (*params, limit, offset))
    # The matched set once (bounded for ranked search by the store's window; capped for
    # browsing); count and facets read this list instead of re-running the match per facet.
    pks = [r[0] for r in store.query("SELECT a.pk" + base + f" LIMIT {FACET_SCOPE + 1}", params)]
    total = len(pks) if len(pks) <= FACET_SCOPE else store.query("SELECT count(*)" + base, params)[0][0]
    sides = data.outlet_sides(store)
    items = []
    for r in rows:
        if ranked and not r["marked"]:
            text, spans = q.split_markers(r["snip"] or "")
            if not spans and "\x01" in (r["tsnip"] or ""):  # matched in the title only
                text, spans = q.split_markers(r["tsnip"])
        else:
            text, spans = q._trim((r["snip"] or "").replace("\x01", "").replace("\x02", "")), []
        items.append({
            "id": r["id"], "title": r["title"], "outlet": r["outlet"], "side": sides.get(r["outlet"] or ""),
            "date": r["date"], "language": r["language"], "topic": r["topic"],
            "source_file": r["source_file"], "start_line": r["start_line"], "score": round(r["score"], 4),
            "snippet": text, "highlights": [list(s) for s in spans],
        })
    # At the store's window, ranking (and these counts) cover the newest matches only: say so.
    window = q.RANK_WINDOW if ranked and q.RANK_WINDOW and int(total) >= q.RANK_WINDOW else None
    facet_scope = FACET_SCOPE if not ranked and int(total) > FACET_SCOPE else None
    return {"items": items, "total": int(total), "limit": limit, "offset": offset,
            "ranked_within": window, "facets_within": facet_scope,
            "facets": _facets(store, pks[:FACET_SCOPE], sides)}


def _facets(store: Store, pks: list[int], sides: dict[str, str | None]) -> dict[str, list]:
    """Facet counts over the matched articles ``pks`` (one JSON list parameter for every query)."""
    matched = json.dumps(pks)
    keys = "SELECT value AS pk FROM json_each(?)"

    def grouped(expr: str) -> list[list[Any]]:
        rows = store.query(f"SELECT {expr} AS k, count(*) AS n FROM ({keys}) m CROSS JOIN articles a "
                           f"ON a.pk = m.pk WHERE k IS NOT NULL GROUP BY k ORDER BY n DESC, k LIMIT {FACET_LIMIT}",
                           (matched,))
        return [[r["k"], r["n"]] for r in rows]

    def facet_rows(kind: str) -> list[list[Any]]:
        # article_facets (migration 0007) holds entity names and event types as rows, so this
        # reads a few index entries per article instead of parsing its annotations.
        rows = store.query(f"SELECT f.value AS k, count(*) AS n FROM ({keys}) m CROSS JOIN article_facets f "
                           f"ON f.pk = m.pk AND f.kind = ? GROUP BY k ORDER BY n DESC, k LIMIT {FACET_LIMIT}",
                           (matched, kind))
        return [[r["k"], r["n"]] for r in rows]

    out = {
        "outlet": grouped("a.outlet"),
        "language": grouped("a.language"),
        "topic": grouped("a.topic"),
        "entity": facet_rows("entity"),
        "event_type": facet_rows("event_type"),
    }
    by_side: dict[str, int] = {}
    for outlet, n in store.query(f"SELECT a.outlet, count(*) FROM ({keys}) m CROSS JOIN articles a "
                                 "ON a.pk = m.pk GROUP BY a.outlet", (matched,)):
        side = sides.get(outlet or "") or "unknown side"
        by_side[side] = by_side.get(side, 0) + n
    out["side"] = sorted(([k, v] for k, v in by_side.items()), key=lambda kv: (-kv[1], kv[0]))
    return out


# -- article view ---------------------------------------------------------------------------

# Priority when marks cross: claims and framing evidence first, then events, then entities.
_KIND_ORDER = {"claim": 0, "framing": 1, "event": 2, "entity": 3}


def article(store: Store, article_id: str) -> dict[str, Any] | None:
    """The article with every annotation, its provenance and non-overlapping text marks."""
    art = store.get_article(article_id)
    if art is None:
        return None
    ann = art.annotations or {}
    marks: list[dict[str, Any]] = []
    for ent in ann.get("entities") or []:
        if isinstance(ent, dict):
            for s, e in ent.get("spans") or []:
                marks.append({"start": s, "end": e, "kind": "entity",
                              "label": f"{ent.get('type', 'entity')}: {ent.get('name', '')}"})
    for ev in ann.get("events") or []:
        if isinstance(ev, dict) and ev.get("start") is not None:
            marks.append({"start": ev["start"], "end": ev["end"], "kind": "event",
                          "label": f"event: {ev.get('type')}"})
    for cl in ann.get("claims") or []:
        if isinstance(cl, dict) and cl.get("start") is not None:
            marks.append({"start": cl["start"], "end": cl["end"], "kind": "claim",
                          "label": f"claim: {cl.get('quantity')} {cl.get('unit') or ''} {cl.get('what') or ''}".strip()})
    persp = ann.get("perspective")
    evidence = persp.get("evidence") if isinstance(persp, dict) else None
    for ev in evidence or []:
        if isinstance(ev, dict) and ev.get("start") is not None:
            marks.append({"start": ev["start"], "end": ev["end"], "kind": "framing",
                          "label": f"framing ({ev.get('side')}): {ev.get('phrase')}"})
    sightings = [data.plain(r) for r in store.query(
        "SELECT source_file, source_path, start_line, end_line, byte_start, byte_end, seen_at "
        "FROM sightings WHERE article_id = ? ORDER BY seen_at, source_file", (article_id,))]
    d = art.to_dict()
    d.pop("sentences", None)
    return {
        **{k: d.get(k) for k in ("id", "title", "outlet", "date", "date_inferred", "dateline_place", "author",
                                 "language", "url", "text", "source_file", "source_path", "start_line",
                                 "end_line", "title_line", "format")},
        "side": data.outlet_side(art.outlet),
        "topic": ann.get("topic") if isinstance(ann.get("topic"), str) else data.plain(ann.get("topic")),
        "perspective": data.plain(persp),
        "entities": data.plain(ann.get("entities") or []),
        "events": data.plain(ann.get("events") or []),
        "claims": data.plain(ann.get("claims") or []),
        "marks": non_overlapping(marks, len(art.text or "")),
        "sightings": sightings,
    }


def non_overlapping(marks: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Marks inside [0, n) that nest or are disjoint; a mark crossing a kept one is dropped.

    Nesting is allowed (an entity inside an event sentence), crossing is not, so the marks
    render as properly nested HTML elements.
    """
    ok = [m for m in marks if isinstance(m.get("start"), int) and isinstance(m.get("end"), int)
          and 0 <= m["start"] < m["end"] <= n]
    ok.sort(key=lambda m: (_KIND_ORDER.get(m["kind"], 9), m["start"], -m["end"]))
    kept: list[dict[str, Any]] = []
    for m in ok:
        s, e = m["start"], m["end"]
        if any(s < k["end"] and k["start"] < e and not (k["start"] <= s and e <= k["end"])
               and not (s <= k["start"] and k["end"] <= e) for k in kept):
            continue
        if any(k["start"] == s and k["end"] == e for k in kept):
            continue
        kept.append(m)
    return sorted(kept, key=lambda m: (m["start"], -m["end"]))
