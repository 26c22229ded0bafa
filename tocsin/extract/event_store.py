"""Events in the store: the "events" corpus stage and the query functions over its tables.

The per-article events stage leaves mentions in ``Article.annotations["events"]``; this stage
links them across articles (event_link.link_events) and writes ``events`` / ``event_mentions``
(migration 0002). After an ingest only the new articles are read: the mentions already linked
come back from ``event_mentions.data``, so the articles of earlier runs are not deserialised
again. Linking then runs over all mentions in one canonical order (article id, line, type,
cue), so the result depends only on the set of articles stored, never on the order or the
batches they arrived in: an incremental run gives the very rows a one-pass rebuild gives.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from ..corpus import CorpusContext, corpus_stage
from ..errors import TocsinError
from .event_link import group_mentions, record

# Mention fields linking reads; kept in event_mentions.data so a relink needs no article.
_MENTION_KEYS = ("type", "actor", "target", "place", "date", "date_source", "fatalities", "cue", "key",
                 "plover", "cameo", "confidence", "sentence", "line", "start", "end", "source_file", "outlet",
                 "article_id", "article_date")


def _pack() -> Any:
    try:
        from .entities import current_pack

        return current_pack()
    except Exception:  # a broken pack must not lose the events: coordinates and sides stay empty
        return None


def _article_mentions(art: Any) -> list[dict[str, Any]]:
    out = []
    for ev in art.annotations.get("events") or []:
        if not isinstance(ev, dict) or not ev.get("type"):
            continue
        m = {k: ev.get(k) for k in _MENTION_KEYS}
        m.update(source_file=art.source_file, outlet=art.outlet, article_id=art.id, article_date=art.date)
        out.append(m)
    return out


def _order(m: dict[str, Any]) -> tuple:
    return (str(m.get("article_id") or ""), int(m.get("line") or 0), int(m.get("start") or 0), str(m["type"]),
            str(m.get("cue") or ""))


def _stored_mentions(store: Any, skip: set[str]) -> list[dict[str, Any]]:
    rows = store.query("SELECT article_id, data FROM event_mentions")
    return [json.loads(r["data"]) for r in rows if r["article_id"] not in skip]


def collect_mentions(store: Any, new_article_ids: Iterable[str] = (), *, full: bool = False) -> list[dict[str, Any]]:
    """Every mention to link, in canonical order: stored ones plus those of the new articles
    (or, when ``full`` or nothing is stored yet, those of every article)."""
    new = list(dict.fromkeys(new_article_ids))
    stored_any = not full and _has_tables(store) and bool(store.query("SELECT 1 FROM event_mentions LIMIT 1"))
    if full or not stored_any:
        ms = [m for art in store.iter_articles() for m in _article_mentions(art)]
    else:
        ms = _stored_mentions(store, set(new))
        for aid in new:
            art = store.get_article(aid)
            if art is not None:
                ms.extend(_article_mentions(art))
    ms.sort(key=_order)
    return ms


def _side(pack: Any, outlet: str | None) -> str | None:
    if pack is None or not outlet:
        return None
    o = pack.outlet(outlet)
    return getattr(o, "side", None) if o is not None else None


def _event_rows(groups: list[list[dict[str, Any]]], pack: Any) -> tuple[list[tuple], list[tuple]]:
    ev_rows, m_rows = [], []
    for members in groups:
        e = record(members)
        p = pack.place(e["place"]) if pack is not None and e.get("place") else None
        seen = sorted(d for d in (m.get("article_date") for m in members) if d)
        sides = sorted({s for s in (_side(pack, m.get("outlet")) for m in members) if s})
        data = {"key": e.get("key"), "plover": members[0].get("plover"), "cameo": members[0].get("cameo"),
                "sides": sides}
        ev_rows.append((e["id"], e["type"], e.get("date"), e.get("date_source"), e.get("place"),
                        getattr(p, "lat", None), getattr(p, "lon", None), e.get("actor"), e.get("target"),
                        e.get("fatalities"), e.get("n_sources") or 1, e.get("confidence"),
                        seen[0] if seen else None, seen[-1] if seen else None, json.dumps(data, sort_keys=True)))
        for m in members:
            m_rows.append((e["id"], m["article_id"], m.get("source_file"), m.get("line"), m.get("sentence"),
                           m.get("sentence"), m.get("outlet"), _side(pack, m.get("outlet")), m["type"],
                           m.get("date"), m.get("confidence"), json.dumps(m, sort_keys=True, default=str)))
    return ev_rows, m_rows


def link_store(store: Any, new_article_ids: Iterable[str] = (), *, full: bool = False) -> dict[str, Any]:
    """Link mentions into events and rewrite the events tables in one transaction; returns a summary."""
    ms = collect_mentions(store, new_article_ids, full=full)
    groups = [[ms[i] for i in g] for g in group_mentions(ms)]
    ev_rows, m_rows = _event_rows(groups, _pack())
    with store.transaction() as conn:
        conn.execute("DELETE FROM event_mentions")
        conn.execute("DELETE FROM events")
        conn.executemany("INSERT OR REPLACE INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ev_rows)
        conn.executemany("INSERT INTO event_mentions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", m_rows)
    return {"events": len(ev_rows), "mentions": len(m_rows),
            "multi_source": sum(1 for r in ev_rows if (r[10] or 0) > 1)}


@corpus_stage("events", needs=("events",), order=100)
def events_corpus_stage(ctx: CorpusContext) -> dict[str, Any]:
    return link_store(ctx.store, ctx.new_article_ids, full=ctx.full)


# ----------------------------------------------------------------------------- queries (web layer, CLI, export)

_EVENT_COLS = ("id", "type", "date", "date_source", "place", "lat", "lon", "actor", "target", "fatalities",
               "n_sources", "confidence", "first_seen", "last_seen")
_MENTION_COLS = ("article_id", "source_file", "line", "sentence", "quote", "outlet", "side", "type", "date",
                 "confidence")


def _has_tables(store: Any) -> bool:
    return store.has_table("events")


def _event_dict(row: Any) -> dict[str, Any]:
    d = {k: row[k] for k in _EVENT_COLS}
    data = json.loads(row["data"] or "{}")
    d["key"] = data.get("key")
    d["sides"] = data.get("sides") or []
    return d


def _mentions_of(store: Any, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):  # SQLite's parameter limit
        rows = store.query(
            f"SELECT event_id, {', '.join(_MENTION_COLS)}, data FROM event_mentions WHERE event_id IN "
            f"({','.join('?' * len(chunk))}) ORDER BY rowid", chunk)
        for r in rows:
            m = {k: r[k] for k in _MENTION_COLS}
            m["cue"] = json.loads(r["data"] or "{}").get("cue")
            out[r["event_id"]].append(m)
    return out


def list_events(store: Any, *, type: str | None = None, place: str | None = None, actor: str | None = None,
                date_from: str | None = None, date_to: str | None = None, limit: int | None = 50, offset: int = 0,
                mentions: bool = False) -> list[dict[str, Any]]:
    """Stored events, newest first, filtered; ``actor`` matches actor or target. Dates are ISO of any
    precision and compare as intervals: an event dated "2023-09" is inside date_from="2023-09-19".
    ``mentions=True`` adds each event's mentions (the export needs them, pages do not)."""
    if not _has_tables(store):
        return []
    where, params = [], []
    if type:
        where.append("type = ?")
        params.append(type)
    if place:
        where.append("place = ? COLLATE NOCASE")
        params.append(place)
    if actor:
        where.append("(actor = ? COLLATE NOCASE OR target = ? COLLATE NOCASE)")
        params += [actor, actor]
    if date_from:
        where.append("date IS NOT NULL AND " + _hi("date") + " >= ?")
        params.append(_lo_of(date_from))
    if date_to:
        where.append("date IS NOT NULL AND " + _lo("date") + " <= ?")
        params.append(_hi_of(date_to))
    sql = "SELECT * FROM events" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY date IS NULL, date DESC, n_sources DESC, id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [max(0, int(limit)), max(0, int(offset))]
    out = [_event_dict(r) for r in store.query(sql, params)]
    if mentions and out:
        ms = _mentions_of(store, [e["id"] for e in out])
        for e in out:
            e["mentions"] = ms[e["id"]]
    return out


def get_event(store: Any, id: str) -> dict[str, Any] | None:
    """One stored event with its mentions (None when there is no such event)."""
    if not _has_tables(store):
        return None
    rows = store.query("SELECT * FROM events WHERE id = ?", [id])
    if not rows:
        return None
    e = _event_dict(rows[0])
    e["mentions"] = _mentions_of(store, [id])[id]
    return e


def _lo(col: str) -> str:
    return f"substr({col} || '-01-01', 1, 10)"


def _hi(col: str) -> str:
    return f"(CASE length({col}) WHEN 4 THEN {col} || '-12-31' WHEN 7 THEN {col} || '-31' ELSE substr({col}, 1, 10) END)"


def _check_date(iso: str) -> str:
    import re

    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", iso or ""):
        raise TocsinError("E100", f"bad date filter '{iso}': expected YYYY, YYYY-MM or YYYY-MM-DD")
    return iso


def _lo_of(iso: str) -> str:
    return (_check_date(iso) + "-01-01")[:10]


def _hi_of(iso: str) -> str:
    iso = _check_date(iso)
    return iso + ("-12-31" if len(iso) == 4 else "-31" if len(iso) == 7 else "")
