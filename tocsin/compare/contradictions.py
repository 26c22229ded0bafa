"""Claims in the store, and which of them agree (same_as) or disagree (contradicts).

Corpus stage "claims" (order 200) copies every article's extracted figures into the
``claims`` table with a normalised "what" (tocsin/compare/claims_store.py), then compares
each new claim with the stored claims of its bucket (same category, group and unit class).
The decision for a pair depends on the two claims only, so processing articles one run at a
time gives the same links as one pass over the whole corpus.

A pair is about the same quantity when the buckets match, the peoples and places named do
not conflict and the years named fit. It is never a pair when both come from one article in
one voice (an article's own figures are different things). The two figures agree when their
hedged intervals overlap ("more than 100,000" and "120,000"); a growing quantity (a death
toll, a blockade's length) reported at dates further apart is an update, not a disagreement.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from ..corpus import CorpusContext, corpus_stage
from ..model import content_hash
from .assertion_claims import (
    DATE,
    POLAR,
    assertion_rows,
    episode_date_rows,
    relate_dates,
    relate_polar,
)
from .claims_store import (
    CompareConfig,
    compare_config,
    interval,
    normalise_what,
    parse_date,
    unit_class,
)

log = logging.getLogger(__name__)

# Open-ended hedges overlap easily; two figures this far apart are not called the same one.
SAME_AS_MIN_RATIO = 0.5

CLAIM_COLUMNS = ("id", "article_id", "source_file", "line", "quantity", "quantity_max", "unit", "what", "what_key",
                 "bucket", "hedge", "attributed_to", "outlet", "side", "date", "sentence", "quote", "data")


def _pack() -> Any:
    from ..extract.entities import current_pack

    return current_pack()


def _side(pack: Any, outlet: str | None) -> str | None:
    if not outlet or pack is None:
        return None
    o = pack.outlet(outlet)
    return getattr(o, "side", None) if o is not None else None


def claim_id(article_id: str, c: dict[str, Any]) -> str:
    """Stable id of an extracted claim (the one claims.jsonl has always used)."""
    return content_hash(article_id, str(c.get("line")), str(c.get("start")), str(c.get("quantity")))


def claim_rows(art: Any, pack: Any, cfg: CompareConfig) -> list[dict[str, Any]]:
    """Rows of the claims table for one article."""
    claims = [c for c in (art.annotations or {}).get("claims") or [] if c.get("quantity") is not None]
    by_sentence: dict[str, list[str]] = {}
    for c in claims:
        by_sentence.setdefault(str(c.get("sentence") or ""), []).append(str(c.get("quote") or ""))
    side = _side(pack, art.outlet)
    rows = []
    prev: tuple[dict[str, Any], Any] | None = None
    for c in claims:
        sentence = str(c.get("sentence") or "")
        others = by_sentence.get(sentence, [])
        wk = normalise_what(c, cfg, pack, others, art.language)
        if wk.category is None and prev is not None and _coordinated(prev[0], c, sentence) \
                and prev[1].unit_class == wk.unit_class:
            wk.category = prev[1].category  # "30,000 children and 20,000 seniors": one list, one thing
        prev = (c, wk)
        rows.append({
            "id": claim_id(art.id, c), "article_id": art.id, "source_file": art.source_file,
            "line": c.get("line"), "quantity": float(c["quantity"]),
            "quantity_max": c.get("quantity_max"), "unit": c.get("unit"), "what": c.get("what"),
            "what_key": wk.key, "bucket": wk.bucket, "hedge": c.get("hedge"),
            "attributed_to": c.get("attributed_to"), "outlet": art.outlet, "side": side, "date": art.date,
            "sentence": c.get("sentence"), "quote": c.get("quote"),
            "data": json.dumps({"category": wk.category, "group": wk.group, "people": wk.people,
                                "places": wk.places, "years": wk.years, "start": c.get("start")},
                               ensure_ascii=False, sort_keys=True),
        })
    rows.extend(assertion_rows(art, pack, cfg, side))
    rows.extend(episode_date_rows(art, pack, side))
    return rows




def _coordinated(before: dict[str, Any], c: dict[str, Any], sentence: str) -> bool:
    """The two figures sit in one list of the same sentence ("30,000 children and 20,000 seniors")."""
    if str(before.get("sentence") or "") != sentence:
        return False
    qa, qb = str(before.get("quote") or ""), str(c.get("quote") or "")
    i = sentence.find(qa)
    j = sentence.find(qb, i + len(qa)) if i >= 0 else -1
    if i < 0 or j < 0:
        return False
    between = sentence[i + len(qa):j].strip(" ,;").casefold()
    return between in ("", "and", "et", "и", "or", "ou") or len(between) <= 4


def _data(row: dict[str, Any]) -> dict[str, Any]:
    d = row.get("data")
    return json.loads(d) if isinstance(d, str) else dict(d or {})


def _years_fit(ya: list[int], yb: list[int], da: str | None, db: str | None) -> bool:
    """Years named in the two sentences: equal, or only one names a year close to the other's date."""
    if set(ya) == set(yb):
        return True
    if ya and yb:
        return False
    named, other_date = (ya, db) if ya else (yb, da)
    ref = parse_date(other_date)
    if ref is None:
        return False
    return all(y >= ref[0].year - 1 for y in named)


def _fmt(row: dict[str, Any]) -> str:
    q = row["quantity"]
    num = f"{q:,.0f}" if float(q).is_integer() else f"{q:g}"
    return f"{(row.get('hedge') + ' ') if row.get('hedge') else ''}{num} {row.get('unit') or ''}".strip()


def relate(a: dict[str, Any], b: dict[str, Any], cfg: CompareConfig) -> tuple[str, str] | None:
    """('same_as' | 'contradicts', reason) for two claim rows, or None when not the same quantity."""
    if a["id"] == b["id"] or not a.get("bucket") or a.get("bucket") != b.get("bucket"):
        return None
    if a["article_id"] == b["article_id"] and \
            (a.get("attributed_to") or "").casefold() == (b.get("attributed_to") or "").casefold():
        return None  # one voice in one article: different figures are different things
    da_, db_ = _data(a), _data(b)
    if da_.get("people") and db_.get("people") and da_["people"] != db_["people"]:
        return None
    pa, pb = set(da_.get("places") or []), set(db_.get("places") or [])
    if pa and pb and not pa & pb:
        return None
    if not _years_fit(da_.get("years") or [], db_.get("years") or [], a.get("date"), b.get("date")):
        return None
    if str(a.get("bucket")).endswith(f"|{POLAR}"):
        return relate_polar(a, b, cfg)
    if str(a.get("bucket")).endswith(f"|{DATE}"):
        return relate_dates(a, b)
    uclass, fa = unit_class(a.get("unit"))
    _, fb = unit_class(b.get("unit"))
    ia = tuple(x * fa for x in interval(a["quantity"], a.get("quantity_max"), a.get("hedge"), uclass, cfg))
    ib = tuple(x * fb for x in interval(b["quantity"], b.get("quantity_max"), b.get("hedge"), uclass, cfg))
    what = a.get("what_key") or a["bucket"]
    if ia[0] <= ib[1] and ib[0] <= ia[1]:
        qa, qb = abs(float(a["quantity"]) * fa), abs(float(b["quantity"]) * fb)
        if uclass != "percent" and min(qa, qb) < SAME_AS_MIN_RATIO * max(qa, qb):
            return None  # "more than 100,000" and "up to one million" fit together, but are not one figure
        return "same_as", f"{_fmt(a)} agrees with {_fmt(b)} ({what})"
    category = cfg.category(da_.get("category"))
    if da_.get("category") in cfg.no_contradiction:
        return None
    if category is not None and category.growing:
        pa_date, pb_date = parse_date(a.get("date")), parse_date(b.get("date"))
        if pa_date is None or pb_date is None:
            if uclass == "time":
                return None  # a running length without a date to measure it from
        else:
            (early, e_slack), (late, l_slack) = sorted([pa_date, pb_date])
            i_early, i_late = (ia, ib) if pa_date <= pb_date else (ib, ia)
            gap = (late - early).days
            if uclass == "time":
                slack = e_slack + l_slack
                shifted = (i_early[0] + gap - slack, i_early[1] + gap + slack)
                if shifted[0] <= i_late[1] and i_late[0] <= shifted[1]:
                    return None  # the length grew with the calendar
            elif gap > cfg.same_period_days and i_late[1] >= i_early[0]:
                return None  # a later, larger count is an update
    return "contradicts", f"{_fmt(a)} vs {_fmt(b)} ({what})"


def _insert(conn: Any, rows: list[dict[str, Any]]) -> None:
    cols = ", ".join(CLAIM_COLUMNS)
    conn.executemany(f"INSERT OR REPLACE INTO claims ({cols}) VALUES ({', '.join('?' * len(CLAIM_COLUMNS))})",
                     [tuple(r.get(c) for c in CLAIM_COLUMNS) for r in rows])


def _row_dicts(cur: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def update_claims(store: Any, new_article_ids: Iterable[str] = (), *, full: bool = False,
                  pack: Any = None) -> dict[str, Any]:
    """Store the claims of the given articles (all when ``full``) and link them to the rest."""
    pack = pack if pack is not None else _pack()
    cfg = compare_config(pack)
    ids = list(dict.fromkeys(new_article_ids))
    if full:
        ids = [r[0] for r in store.query("SELECT id FROM articles ORDER BY source_file, start_line, pk")]
    rows: list[dict[str, Any]] = []
    for aid in ids:
        art = store.get_article(aid)
        if art is not None:
            rows.extend(claim_rows(art, pack, cfg))
    n_links = {"same_as": 0, "contradicts": 0}
    with store.transaction() as conn:
        if full:
            conn.execute("DELETE FROM claim_links")
            conn.execute("DELETE FROM claims")
        else:
            for aid in ids:
                old = "SELECT id FROM claims WHERE article_id = ?"
                conn.execute(f"DELETE FROM claim_links WHERE a IN ({old}) OR b IN ({old})", (aid, aid))
                conn.execute("DELETE FROM claims WHERE article_id = ?", (aid,))
        _insert(conn, rows)
        by_bucket: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            if r["bucket"]:
                by_bucket.setdefault(r["bucket"], []).append(r)
        for bucket, new in by_bucket.items():
            stored = _row_dicts(conn.execute("SELECT * FROM claims WHERE bucket = ? ORDER BY id", (bucket,)))
            for r in new:
                for s in stored:
                    if s["id"] == r["id"]:
                        continue
                    x, y = (r, s) if r["id"] < s["id"] else (s, r)  # one order: same reason text
                    rel = relate(x, y, cfg)
                    if rel is None:
                        continue
                    a, b = x["id"], y["id"]
                    cur = conn.execute("INSERT OR IGNORE INTO claim_links (a, b, relation, reason) VALUES (?, ?, ?, ?)",
                                       (a, b, rel[0], rel[1]))
                    n_links[rel[0]] += cur.rowcount
    return {"articles": len(ids), "claims": len(rows), **n_links}


@corpus_stage("claims", needs=("claims",), order=200)
def claims_stage(ctx: CorpusContext) -> dict[str, Any]:
    """Corpus stage: claims table and same_as / contradicts links."""
    return update_claims(ctx.store, ctx.new_article_ids, full=ctx.full)


# ---- queries for the CLI, the export and the web layer (plain JSON-able values) ----

def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row.get(k) for k in CLAIM_COLUMNS if k != "data"}
    data = _data(row)
    out.update({k: v for k, v in data.items() if k in ("category", "group", "people", "places", "years", "polarity")})
    out["kind"] = data.get("kind") or "number"
    return out


def _links(store: Any, ids: list[str]) -> dict[str, dict[str, list[str]]]:
    links: dict[str, dict[str, list[str]]] = {i: {"same_as": [], "contradicts": []} for i in ids}
    for start in range(0, len(ids), 400):
        chunk = ids[start:start + 400]
        marks = ", ".join("?" * len(chunk))
        for r in store.query(f"SELECT a, b, relation FROM claim_links WHERE a IN ({marks}) OR b IN ({marks}) "
                             "ORDER BY a, b", chunk + chunk):
            for x, y in ((r["a"], r["b"]), (r["b"], r["a"])):
                if x in links and y not in links[x][r["relation"]]:
                    links[x][r["relation"]].append(y)
    return links


def list_claims(store: Any, *, article_id: str | None = None, limit: int | None = 50,
                offset: int = 0) -> list[dict[str, Any]]:
    """Stored claims (by file and line), each with its ``same_as`` and ``contradicts`` id lists."""
    sql, params = "SELECT * FROM claims", []
    if article_id is not None:
        sql += " WHERE article_id = ?"
        params.append(article_id)
    sql += " ORDER BY source_file, ifnull(line, -1), id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [int(limit), int(offset)]
    rows = [_public(dict(r)) for r in store.query(sql, params)]
    links = _links(store, [r["id"] for r in rows])
    for r in rows:
        r.update(links[r["id"]])
    return rows


def get_claim(store: Any, claim_id: str) -> dict[str, Any] | None:
    rows = store.query("SELECT * FROM claims WHERE id = ?", (claim_id,))
    if not rows:
        return None
    out = _public(dict(rows[0]))
    out.update(_links(store, [claim_id])[claim_id])
    return out


def list_contradictions(store: Any, *, limit: int | None = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Disagreeing pairs, each with both claims (sentence, outlet, side, attribution) and the reason."""
    sql = ("SELECT l.a, l.b, l.reason FROM claim_links l JOIN claims ca ON ca.id = l.a "
           "WHERE l.relation = 'contradicts' ORDER BY ca.bucket, ca.source_file, ca.line, l.a, l.b")
    params: list[Any] = []
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [int(limit), int(offset)]
    out = []
    for r in store.query(sql, params):
        a = store.query("SELECT * FROM claims WHERE id = ?", (r["a"],))
        b = store.query("SELECT * FROM claims WHERE id = ?", (r["b"],))
        if a and b:
            out.append({"a": _public(dict(a[0])), "b": _public(dict(b[0])), "reason": r["reason"]})
    return out


def count_contradictions(store: Any) -> int:
    """How many contradicting pairs the store holds."""
    if not store.has_table("claim_links"):
        return 0
    return int(store.query("SELECT COUNT(*) AS n FROM claim_links WHERE relation = 'contradicts'")[0]["n"])


def outlet_contradiction_counts(store: Any) -> dict[str, int]:
    """How many contradicting pairs each outlet's claims take part in ("unknown" without an outlet)."""
    counts: dict[str, int] = {}
    for r in store.query("SELECT ifnull(c.outlet, 'unknown') AS outlet, COUNT(DISTINCT l.a || '|' || l.b) AS n FROM claim_links l "
                         "JOIN claims c ON c.id = l.a OR c.id = l.b WHERE l.relation = 'contradicts' "
                         "GROUP BY ifnull(c.outlet, 'unknown') ORDER BY n DESC, outlet"):
        counts[r["outlet"]] = int(r["n"])
    return counts


__all__ = [
    "claim_id",
    "claim_rows",
    "claims_stage",
    "count_contradictions",
    "get_claim",
    "list_claims",
    "list_contradictions",
    "outlet_contradiction_counts",
    "relate",
    "update_claims",
]
