"""Merge event mentions from many articles into real-world events, and export them.

Linking is a union of three kinds of evidence, merged transitively (union-find):

1. a shared named-episode key ("second-karabakh-war", "lachin-blockade"): long-running episodes
   are told undated or with any date inside them, so the key alone decides;
2. a stated date that agrees within the precision both give (a day: three days; a month: the
   same month), with no conflicting place and, unless both dates are exact days, a shared
   participant;
3. for undated tellings, the articles' own dates close together (the same meeting or call
   reported by several outlets over a few days) and a shared actor-or-target plus no conflict.

Two mentions of one article are never merged: the extractor already keeps each event once per
article, so two mentions left there are two events. The number of independent sources counts
outlets, not articles: three reprints of one wire story are one source.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from ..model import content_hash

# Types that annotators and outlets swap for the same happening (shelling of a village is an
# "attack" to one and an "attack on civilians" to another).
_COMPATIBLE = {frozenset({"armed_attack", "attack_on_civilians"})}
_DAY_WINDOW = 3       # stated exact dates this close are one happening (reports lag a day or two)
_PUBDATE_WINDOW = 4   # undated tellings in articles published this close can be one happening
_EXACT_ALONE = True   # the same type on the same stated day, nothing conflicting, is one happening


def _compatible(a: str, b: str) -> bool:
    return a == b or frozenset({a, b}) in _COMPATIBLE


def _as_date(iso: str | None) -> tuple[date | None, int]:
    if not iso:
        return None, 0
    parts = str(iso).split("-")
    try:
        return date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1), len(parts)
    except (ValueError, IndexError):
        return None, 0


def _dates_agree(a: str | None, b: str | None, window: int = _DAY_WINDOW) -> bool | None:
    """True/False when both dates are known, None when either is missing."""
    da, pa = _as_date(a)
    db, pb = _as_date(b)
    if da is None or db is None:
        return None
    p = min(pa, pb)
    if p == 1:
        return da.year == db.year
    if p == 2:
        return (da.year, da.month) == (db.year, db.month)
    return abs((da - db).days) <= window


def _stated(m: dict[str, Any]) -> str | None:
    return m.get("date") if m.get("date_source") in ("text", "context") else None


def _same_name(a: str | None, b: str | None) -> bool:
    """Entity names agree: equal, or one contains the other ("Azerbaijan" / "Government of Azerbaijan")."""
    if not a or not b:
        return False
    x, y = a.casefold(), b.casefold()
    return x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x))


def _shared_parties(a: dict[str, Any], b: dict[str, Any]) -> int:
    """How many of a's participants (actor, target, place) reappear among b's."""
    pa = {x for x in (a.get("actor"), a.get("target"), a.get("place")) if x}
    pb = {x for x in (b.get("actor"), b.get("target"), b.get("place")) if x}
    return sum(any(_same_name(x, y) for y in pb) for x in pa)


def _shared_party(a: dict[str, Any], b: dict[str, Any]) -> bool:
    pa = [a.get("actor"), a.get("target")]
    pb = [b.get("actor"), b.get("target")]
    return any(_same_name(x, y) for x in pa for y in pb)


def _roles_conflict(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both name an actor (or a place) and the names disagree."""
    for f in ("actor", "place"):  # targets are too noisy (a leader vs his state) to veto
        if a.get(f) and b.get(f) and not _same_name(a[f], b[f]):
            return True
    return False


def _article(m: dict[str, Any]) -> Any:
    return m.get("article_id") or (_mention_file(m), m.get("article_date"), m.get("outlet"))


def same_event(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two mentions (from different articles) tell one real-world event."""
    if not _compatible(a["type"], b["type"]):
        return False
    if a.get("key") or b.get("key"):
        return a.get("key") == b.get("key")
    if _article(a) == _article(b):
        return False
    if _roles_conflict(a, b):
        return False
    agree = _dates_agree(_stated(a), _stated(b))
    if agree is False:
        return False
    if agree:
        exact = min(_as_date(_stated(a))[1], _as_date(_stated(b))[1]) == 3
        same_place = _same_name(a.get("place"), b.get("place"))
        # A shared month or year is weak: it takes a shared party, or two.
        need = 1 if exact else 2
        return _shared_party(a, b) and _shared_parties(a, b) >= need or (exact and (same_place or _EXACT_ALONE))
    if _stated(a) or _stated(b):
        return False  # one dated, one undated: too little to tie them
    da, db = a.get("article_date") or a.get("date"), b.get("article_date") or b.get("date")
    near = _dates_agree(da, db, _PUBDATE_WINDOW)
    exact = min(_as_date(da)[1], _as_date(db)[1]) == 3
    # Undated tellings: the articles' dates must be close, and the participants must agree
    # (two of them when the article dates are only known to the month).
    # (the same actor in the same role counts double: "Raisi called" twice is one call).
    same_actor = _same_name(a.get("actor"), b.get("actor"))
    return bool(near) and _shared_party(a, b) and (_shared_parties(a, b) + same_actor) >= (1 if exact else 2)


def _mention_file(m: dict[str, Any]) -> str | None:
    return m.get("source_file") or m.get("file")


def link_events(mentions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group mentions (dicts from the events stage plus source_file, outlet, article_id,
    article_date) into events.

    Returns gold-format records: id (content hash of the member mentions), type, date,
    date_source, place, actor, target, fatalities, mentions [{source_file, line, quote,
    article_id, outlet}], n_sources (distinct outlets; an article without outlet counts as
    its own source). Mentions with a named key group by key; the rest are compared pairwise
    within their type family and merged transitively.
    """
    ms = list(mentions)
    return [_record([ms[i] for i in g]) for g in group_mentions(ms)]


def group_mentions(ms: list[dict[str, Any]]) -> list[list[int]]:
    """Indices of ``ms`` grouped into events (what link_events builds its records from)."""
    parent = list(range(len(ms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    arts: dict[int, set[Any]] = {i: {_article(m)} for i, m in enumerate(ms)}

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        # Never through a third mention either: an article's two events stay two.
        if ri != rj and not (arts[ri] & arts[rj] and not ms[i].get("key")):
            lo, hi = min(ri, rj), max(ri, rj)
            parent[hi] = lo
            arts[lo] |= arts.pop(hi)

    by_key: dict[tuple[str, str], int] = {}
    families: dict[str, list[int]] = {}
    for i, m in enumerate(ms):
        fam = "violence" if m["type"] in ("armed_attack", "attack_on_civilians") else m["type"]
        if m.get("key"):
            k = (fam, m["key"])
            if k in by_key:
                union(by_key[k], i)
            else:
                by_key[k] = i
            continue
        for j in families.get(fam, []):
            if same_event(ms[j], m):
                union(j, i)
        families.setdefault(fam, []).append(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(ms)):
        groups.setdefault(find(i), []).append(i)
    return [g for _, g in sorted(groups.items())]


def _vote(values: Iterable[Any]) -> Any:
    counts: dict[Any, int] = {}
    for v in values:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def record(ms: list[dict[str, Any]]) -> dict[str, Any]:
    """The event record of one group of mentions (gold-format fields plus key, n_sources)."""
    return _record(ms)


def _record(ms: list[dict[str, Any]]) -> dict[str, Any]:
    key = next((m["key"] for m in ms if m.get("key")), None)
    ctype = ms[0]["type"]
    mentions = [
        {"source_file": _mention_file(m), "line": m.get("line"), "quote": m.get("sentence") or m.get("quote"),
         "article_id": m.get("article_id"), "outlet": m.get("outlet"), "confidence": m.get("confidence"),
         "cue": m.get("cue")}
        for m in ms
    ]
    sources = {m.get("outlet") or f"article:{m.get('article_id') or _mention_file(m)}" for m in ms}
    dated = [m for m in ms if m.get("date")]
    best = max(dated, key=lambda m: (m.get("date_source") == "text", len(m["date"]))) if dated else None
    ids = sorted(f"{x['source_file']}:{x['line']}:{x['article_id']}" for x in mentions)
    fat = [m.get("fatalities") for m in ms if m.get("fatalities") is not None]
    return {
        "id": "ev-" + content_hash(key or "", ctype, *ids, length=12),
        "type": _vote(m["type"] for m in ms) or ctype,
        "key": key,
        "date": best["date"] if best else None,
        "date_source": best.get("date_source") if best else None,
        "place": _vote(m.get("place") for m in ms),
        "actor": _vote(m.get("actor") for m in ms),
        "target": _vote(m.get("target") for m in ms),
        "fatalities": max(fat) if fat else None,
        "confidence": round(max(float(m.get("confidence") or 0) for m in ms), 3),
        "mentions": mentions,
        "n_sources": len(sources),
    }


# ----------------------------------------------------------------------------- exports

_PLOVER = {"armed_attack": "ASSAULT", "attack_on_civilians": "ASSAULT", "blockade": "COERCE",
           "displacement": "COERCE", "detention": "COERCE", "heritage_destruction": "ASSAULT",
           "threat": "THREATEN", "military_buildup": "MOBILIZE", "agreement": "AGREE", "negotiation": "CONSULT",
           "aid": "AID", "protest": "PROTEST", "condemnation": "ACCUSE"}
_PLOVER_MODE = {"armed_attack": "military", "attack_on_civilians": "kill", "blockade": "block",
                "displacement": "expel", "detention": "arrest", "heritage_destruction": "destroy",
                "threat": "", "military_buildup": "troops", "agreement": "", "negotiation": "",
                "aid": "humanitarian", "protest": "demonstrate", "condemnation": ""}
# ACLED event type / sub-event type nearest to each tocsin type.
_ACLED = {"armed_attack": ("Battles", "Armed clash"),
          "attack_on_civilians": ("Violence against civilians", "Attack"),
          "blockade": ("Strategic developments", "Other"),
          "displacement": ("Strategic developments", "Displacement"),
          "detention": ("Strategic developments", "Arrests"),
          "heritage_destruction": ("Explosions/Remote violence", "Destruction of property"),
          "threat": ("Strategic developments", "Other"),
          "military_buildup": ("Strategic developments", "Headquarters or base established"),
          "agreement": ("Strategic developments", "Agreement"),
          "negotiation": ("Strategic developments", "Other"),
          "aid": ("Strategic developments", "Other"),
          "protest": ("Protests", "Peaceful protest"),
          "condemnation": ("Strategic developments", "Other")}


def to_plover(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """PLOVER-style records (event, mode, actor, recipient, date, location, sources)."""
    out = []
    for e in events:
        out.append({
            "id": e["id"],
            "event": _PLOVER.get(e["type"], "OTHER"),
            "mode": _PLOVER_MODE.get(e["type"], ""),
            "tocsin_type": e["type"],
            "date": e.get("date"),
            "actor": {"name": e.get("actor")},
            "recipient": {"name": e.get("target")},
            "location": {"name": e.get("place")},
            "fatalities": e.get("fatalities"),
            "n_sources": e.get("n_sources"),
            "sources": [{"source_file": m.get("source_file"), "line": m.get("line"), "outlet": m.get("outlet"),
                         "text": m.get("quote")} for m in e.get("mentions", [])],
        })
    return out


ACLED_COLUMNS = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "country",
                 "location", "latitude", "longitude", "source", "notes", "fatalities"]


def to_acled_rows(events: Iterable[dict[str, Any]], pack: Any = None) -> list[dict[str, Any]]:
    """ACLED-like rows (columns ACLED_COLUMNS); coordinates and country from the pack's places."""
    places = {p.name: p for p in getattr(pack, "places", []) or []}
    rows = []
    for e in events:
        p = places.get(e.get("place") or "")
        etype, sub = _ACLED.get(e["type"], ("Strategic developments", "Other"))
        quote = next((m.get("quote") for m in e.get("mentions", []) if m.get("quote")), "") or ""
        rows.append({
            "event_id_cnty": f"{(getattr(p, 'country', None) or 'XX')}{e['id'][3:]}",
            "event_date": e.get("date") or "",
            "event_type": etype,
            "sub_event_type": sub,
            "actor1": e.get("actor") or "",
            "actor2": e.get("target") or "",
            "country": getattr(p, "country", None) or "",
            "location": e.get("place") or "",
            "latitude": getattr(p, "lat", None) if p is not None else None,
            "longitude": getattr(p, "lon", None) if p is not None else None,
            "source": "; ".join(sorted({m.get("outlet") or m.get("source_file") or "" for m in e.get("mentions", [])})),
            "notes": quote[:500],
            "fatalities": e.get("fatalities") or 0,
        })
    return rows
