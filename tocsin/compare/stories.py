"""Stories: articles that tell the same story, across outlets and languages, built incrementally.

Corpus stage ``stories`` (order 300, after events and claims). For each new article:
1. features, computed once and kept in ``story_features``: a MinHash of word 3-shingles
   (datasketch), an embedding of title + lead (tocsin.compare.embed, multilingual e5), the
   blocking keys (entities, linked events from ``event_mentions``, named episodes) and its
   resolved side (story_compare.resolve_side);
2. candidates, never all pairs: articles sharing an LSH bucket of the MinHash (16 bands of 4
   rows, i.e. Jaccard ~0.5+), or sharing a blocking key within ±WINDOW_DAYS (undated articles:
   sharing a rare key), at most MAX_CANDIDATES per article, nearest in time first;
3. a pair score combining near-duplicate Jaccard, embedding similarity, shared events, shared
   rare entities (idf-weighted) and date proximity; pairs at LINK_THRESHOLD or more are links;
4. stories = connected components of the links. Only stories whose membership changed are
   rewritten (with their comparison, story_compare.compare_story).

Cost per new article is bounded by the candidate cap, so a run is about linear in what is
new; df for idf is read from ``story_keys`` by SQL. Re-running over the same store rewrites
the same rows (ids are hashes of each story's earliest member).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from datetime import date as _date
from typing import Any, Iterable

import numpy as np

from ..corpus import CorpusContext, corpus_stage
from ..model import Article, content_hash, normalise_text
from . import embed, story_compare

log = logging.getLogger(__name__)

VERSION = "1"
NUM_PERM, BANDS, ROWS = 64, 16, 4
WINDOW_DAYS = 10
MAX_CANDIDATES = 300
LINK_THRESHOLD = 0.44
NEAR_DUP = 0.6  # MinHash Jaccard at which two texts are one story whatever else says
RARE_KEY_FRAC = 0.05  # undated articles only block on keys in at most 5% (min 5) of articles
W_SEM, W_ENT, W_EV = 0.4, 0.2, 0.4
_EVENT_PREFIXES = ("ev:", "ek:", "ed:", "ep:")


# --------------------------------------------------------------------------- features


def _day(iso: str | None, *, end: bool = False) -> int | None:
    """Days since 1970-01-01 of the start (or end) of an ISO date of any precision."""
    if not iso:
        return None
    try:
        y = int(iso[:4])
        m = int(iso[5:7]) if len(iso) >= 7 else (12 if end else 1)
        if len(iso) >= 10:
            d = int(iso[8:10])
        elif end:
            d = 31 if m == 12 else (_date(y, m + 1, 1) - _date(y, m, 1)).days
        else:
            d = 1
        return (_date(y, m, d) - _date(1970, 1, 1)).days
    except ValueError:
        return None


def _iso(day: int | None) -> str | None:
    return None if day is None else _date.fromordinal(_date(1970, 1, 1).toordinal() + day).isoformat()


def minhash(text: str) -> Any:
    from datasketch import MinHash

    words = normalise_text(text).split()
    shingles = {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}
    mh = MinHash(num_perm=NUM_PERM, seed=7)
    for s in shingles:
        mh.update(s.encode("utf-8"))
    return mh


def _hashvalues(blob: bytes | None) -> np.ndarray | None:
    return np.frombuffer(blob, dtype="<u8") if blob else None


def _jaccard(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None or a.shape != b.shape:
        return 0.0
    return float(np.mean(a == b))


def _buckets(hv: np.ndarray) -> list[str]:
    out = []
    for i in range(BANDS):
        band = hv[i * ROWS:(i + 1) * ROWS].astype("<u8").tobytes()
        out.append(f"{i}:{hashlib.blake2b(band, digest_size=8).hexdigest()}")
    return out


def _linked_events(store: Any, ids: list[str]) -> dict[str, list[str]]:
    """article id -> linked event ids (the events helper's table; may be absent or empty)."""
    if not ids or not store.query("SELECT 1 FROM sqlite_master WHERE name = 'event_mentions'"):
        return {}
    out: dict[str, list[str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = store.query(
            f"SELECT DISTINCT article_id, event_id FROM event_mentions WHERE article_id IN "
            f"({','.join('?' * len(chunk))}) ORDER BY event_id", chunk)
        for r in rows:
            out.setdefault(r["article_id"], []).append(r["event_id"])
    return out


def _keys(art: Article, events: list[str]) -> list[str]:
    keys = {f"ev:{e}" for e in events}
    ann = art.annotations or {}
    for e in ann.get("events") or []:
        if not isinstance(e, dict):
            continue
        if e.get("key"):
            keys.add(f"ek:{e['key']}")
        # A day-precise event date other than the publication date is an episode the article
        # recounts (an offensive told weeks later): articles recounting the same day share it.
        d = e.get("date") or ""
        if len(d) == 10 and d != (art.date or "")[:10]:
            keys.add(f"ed:{d}")
        if len(d) == 10 and e.get("place"):  # an incident: a day and a place
            keys.add(f"ep:{d}:{e['place']}")
    for ent in ann.get("entities") or []:
        if isinstance(ent, dict) and ent.get("name"):
            keys.add(f"ent:{ent['name']}")
    return sorted(keys)


def compute_features(store: Any, ids: list[str], pack: Any) -> int:
    """Compute and store features for ``ids`` (embeddings in one batch); returns how many."""
    arts = [a for a in (store.get_article(i) for i in ids) if a is not None]
    if not arts:
        return 0
    linked = _linked_events(store, [a.id for a in arts])
    vecs = None
    if embed.enabled():
        vecs = embed.embed_texts(embed.lead_text(a.title, a.text) for a in arts)
    with store.transaction() as conn:
        for n, art in enumerate(arts):
            side, _how = story_compare.resolve_side(art, pack)
            hv = minhash(f"{art.title or ''} {art.text or ''}").hashvalues.astype("<u8")
            keys = _keys(art, linked.get(art.id, []))
            lo, hi = _day(art.date), _day(art.date, end=True)
            conn.execute("DELETE FROM story_bands WHERE article_id = ?", (art.id,))
            conn.execute("DELETE FROM story_keys WHERE article_id = ?", (art.id,))
            conn.execute(
                "INSERT OR REPLACE INTO story_features (article_id, day, day_hi, outlet, side, language,"
                " minhash, embedding, model, keys, version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (art.id, lo, hi, art.outlet, side, art.language, hv.tobytes(),
                 embed.to_blob(vecs[n]) if vecs is not None else None,
                 embed.MODEL_NAME if vecs is not None else None, json.dumps(keys), VERSION))
            conn.executemany("INSERT OR IGNORE INTO story_bands (bucket, article_id) VALUES (?, ?)",
                             [(b, art.id) for b in _buckets(hv)])
            conn.executemany("INSERT OR IGNORE INTO story_keys (key, article_id, day) VALUES (?, ?, ?)",
                             [(k, art.id, lo) for k in keys])
    return len(arts)


# --------------------------------------------------------------------------- linking


class _Feat:
    __slots__ = ("id", "lo", "hi", "hv", "vec", "keys")

    def __init__(self, row: Any) -> None:
        self.id = row["article_id"]
        self.lo, self.hi = row["day"], row["day_hi"]
        self.hv = _hashvalues(row["minhash"])
        self.vec = embed.from_blob(row["embedding"])
        self.keys = set(json.loads(row["keys"] or "[]"))


def _features(store: Any, ids: Iterable[str]) -> dict[str, _Feat]:
    ids = list(dict.fromkeys(ids))
    out: dict[str, _Feat] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for r in store.query(f"SELECT * FROM story_features WHERE article_id IN ({','.join('?' * len(chunk))})",
                             chunk):
            out[r["article_id"]] = _Feat(r)
    return out


def _candidates(store: Any, f: _Feat, n_total: int) -> list[str]:
    found: dict[str, int] = {}
    for r in store.query(
            "SELECT DISTINCT b.article_id FROM story_bands a JOIN story_bands b ON a.bucket = b.bucket "
            "WHERE a.article_id = ? AND b.article_id != ?", (f.id, f.id)):
        found[r[0]] = -1  # near-duplicate candidates first
    rare = max(5, int(RARE_KEY_FRAC * n_total))
    if f.lo is not None:
        rows = store.query(
            "SELECT k.article_id, count(*) AS n, min(abs(ifnull(k.day, ?) - ?)) AS dist FROM story_keys k "
            "WHERE k.key IN (SELECT key FROM story_keys WHERE article_id = ?) AND k.article_id != ? "
            "AND (k.day IS NULL OR k.day BETWEEN ? AND ?) GROUP BY k.article_id "
            "ORDER BY dist, n DESC, k.article_id LIMIT ?",
            (f.lo, f.lo, f.id, f.id, f.lo - WINDOW_DAYS - 31, (f.hi or f.lo) + WINDOW_DAYS, MAX_CANDIDATES))
        found.update({r[0]: found.get(r[0], 0) for r in rows})
    # Rare keys (a told episode, a little-known name) block across any date gap, and are all
    # an undated article has.
    rows = store.query(
        "SELECT k.article_id, count(*) AS n FROM story_keys k WHERE k.key IN ("
        "  SELECT s.key FROM story_keys s WHERE s.article_id = ? AND "
        "  (SELECT count(*) FROM story_keys c WHERE c.key = s.key) <= ?) "
        "AND k.article_id != ? GROUP BY k.article_id ORDER BY n DESC, k.article_id LIMIT ?",
        (f.id, rare, f.id, MAX_CANDIDATES))
    found.update({r[0]: found.get(r[0], 0) for r in rows})
    return list(found)


def _idf(store: Any, keys: set[str], n_total: int) -> dict[str, float]:
    keys = sorted(keys)
    out: dict[str, float] = {"": math.log((n_total + 1) / 1.5)}  # "": idf of a key seen once
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for r in store.query(f"SELECT key, count(*) FROM story_keys WHERE key IN ({','.join('?' * len(chunk))}) "
                             "GROUP BY key", chunk):
            out[r[0]] = math.log((n_total + 1) / (r[1] + 0.5))
    return out


def _date_factor(a: _Feat, b: _Feat) -> float:
    if a.lo is None or b.lo is None:
        return 0.6  # undated: neither confirms nor rules out
    gap = max(0, max(a.lo, b.lo) - min(a.hi or a.lo, b.hi or b.lo))
    return 1.0 if gap <= 2 else max(0.0, 1.0 - (gap - 2) / WINDOW_DAYS)


def pair_score(a: _Feat, b: _Feat, idf: dict[str, float]) -> tuple[float, dict[str, float]]:
    """Combined score in [0, 1] and the signals behind it."""
    jac = _jaccard(a.hv, b.hv)
    cos = embed.cosine(a.vec, b.vec)
    sem = embed.semantic_score(cos)
    shared, union = a.keys & b.keys, a.keys | b.keys
    ents = lambda ks: sum(max(0.0, idf.get(k, 0.0)) for k in ks if k.startswith("ent:"))  # noqa: E731
    ent = ents(shared) / ents(union) if ents(union) > 0 else 0.0
    # Shared events count by rarity: one background war every article mentions says little,
    # a linked event or a rarely told episode says "same story".
    n_log = idf.get("", 1.0) or 1.0
    ev = max((1.0 if k.startswith("ev:") else min(1.0, max(0.0, idf.get(k, 0.0)) / n_log)
              for k in shared if k.startswith(_EVENT_PREFIXES)), default=0.0)
    dfac = _date_factor(a, b)
    # The same dated incident told later (anniversaries, reports) is still its story; a named
    # background episode (a war every article recalls) is not reason enough to ignore the gap.
    if any(k.startswith(("ev:", "ed:", "ep:")) for k in shared) and ev >= 0.5:
        dfac = max(dfac, 0.8)
    signals = {"jaccard": round(jac, 3), "cosine": None if cos is None else round(cos, 4),
               "entities": round(ent, 3), "events": ev, "date": round(dfac, 2)}
    if jac >= NEAR_DUP:
        return 1.0, signals
    if cos is None:  # no embeddings: the other signals carry the weight
        base = (W_ENT * ent + W_EV * ev) / (W_ENT + W_EV)
    else:
        base = W_SEM * sem + W_ENT * ent + W_EV * ev
    return round(dfac * base, 4), signals


def link_articles(store: Any, ids: list[str]) -> int:
    """Score each article of ``ids`` against its candidates and store the links; returns count."""
    n_total = store.query("SELECT count(*) FROM story_features")[0][0]
    feats = _features(store, ids)
    links: dict[tuple[str, str], tuple[float, dict]] = {}
    for fid in ids:
        f = feats.get(fid)
        if f is None:
            continue
        cands = _features(store, _candidates(store, f, n_total))
        idf = _idf(store, f.keys.union(*(c.keys for c in cands.values())) if cands else f.keys, n_total)
        for c in cands.values():
            score, signals = pair_score(f, c, idf)
            if score >= LINK_THRESHOLD:
                links[tuple(sorted((f.id, c.id)))] = (score, signals)  # type: ignore[index]
    with store.transaction() as conn:
        conn.executemany("DELETE FROM story_links WHERE a = ? OR b = ?", [(i, i) for i in ids])
        conn.executemany("INSERT OR REPLACE INTO story_links (a, b, score, signals) VALUES (?, ?, ?, ?)",
                         [(a, b, s, json.dumps(sig)) for (a, b), (s, sig) in sorted(links.items())])
    return len(links)


# --------------------------------------------------------------------------- stories


def _components(store: Any) -> list[list[str]]:
    parent: dict[str, str] = {r[0]: r[0] for r in store.query("SELECT article_id FROM story_features")}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in store.query("SELECT a, b FROM story_links"):
        if r[0] in parent and r[1] in parent:
            ra, rb = find(r[0]), find(r[1])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return [sorted(g) for g in groups.values()]


def _story_row(store: Any, members: list[str], pack: Any) -> tuple[tuple, list[str]]:
    arts = [a for a in (store.get_article(i) for i in members) if a is not None]
    feats = {r["article_id"]: r for r in store.query(
        f"SELECT article_id, side, day FROM story_features WHERE article_id IN ({','.join('?' * len(members))})",
        members)}
    sides = {a.id: feats[a.id]["side"] if a.id in feats else story_compare.UNKNOWN for a in arts}
    arts.sort(key=lambda a: (a.date is None, a.date or "", a.id))
    founder = arts[0].id
    degree: dict[str, float] = {a.id: 0.0 for a in arts}
    for r in store.query(
            f"SELECT a, b, score FROM story_links WHERE a IN ({','.join('?' * len(members))})", members):
        for x in (r["a"], r["b"]):
            if x in degree:
                degree[x] += r["score"]
    # Title: the most connected member, English preferred (the UI's language), then earliest.
    central = max(arts, key=lambda a: (degree[a.id], a.language == "en", bool(a.title), -arts.index(a)))
    dates = [d for a in arts for d in (a.date,) if d]
    comparison = story_compare.compare_story([(a, sides[a.id]) for a in arts], pack,
                                             linked_events=_linked_events(store, [a.id for a in arts]))
    outlets = sorted({a.outlet for a in arts if a.outlet})
    languages = sorted({a.language for a in arts if a.language})
    side_list = comparison["sides"]
    data = {
        "version": VERSION,
        "members_hash": content_hash(*members),
        "articles": [{"id": a.id, "title": a.title, "outlet": a.outlet, "date": a.date, "language": a.language,
                      "side": sides[a.id], "source_file": a.source_file, "line": a.title_line or a.start_line}
                     for a in arts],
        "comparison": comparison,
    }
    sid = "st-" + content_hash(founder, length=12)
    row = (sid, central.title, min(dates) if dates else None, max(dates) if dates else None,
           json.dumps(outlets, ensure_ascii=False), json.dumps(side_list), json.dumps(languages),
           len(arts), comparison["blindspot"], json.dumps(data, ensure_ascii=False))
    return row, [a.id for a in arts]


def rebuild_stories(store: Any, pack: Any) -> dict[str, int]:
    """Rewrite the stories whose membership changed; drop stories that no longer exist."""
    comps = _components(store)
    old = {r["id"]: r for r in store.query("SELECT id, data FROM stories")}
    old_hash = {sid: json.loads(r["data"] or "{}").get("members_hash") for sid, r in old.items()}
    old_version = {sid: json.loads(r["data"] or "{}").get("version") for sid, r in old.items()}
    keep, rows = set(), []
    for members in comps:
        h = content_hash(*members)
        # Cheap check first: an unchanged story keeps its row (and its comparison).
        match = [sid for sid, oh in old_hash.items() if oh == h and old_version[sid] == VERSION]
        if match:
            keep.add(match[0])
            continue
        rows.append(_story_row(store, members, pack))
    with store.transaction() as conn:
        gone = [sid for sid in old if sid not in keep]
        conn.executemany("DELETE FROM stories WHERE id = ?", [(s,) for s in gone])
        conn.executemany("DELETE FROM story_articles WHERE story_id = ?", [(s,) for s in gone])
        for row, ids in rows:
            conn.execute("INSERT OR REPLACE INTO stories (id, title, first_date, last_date, outlets, sides,"
                         " languages, n_articles, blindspot, data) VALUES (?,?,?,?,?,?,?,?,?,?)", row)
            conn.execute("DELETE FROM story_articles WHERE story_id = ?", (row[0],))
            conn.executemany("INSERT OR IGNORE INTO story_articles (story_id, article_id) VALUES (?, ?)",
                             [(row[0], i) for i in ids])
    return {"stories": len(comps), "rewritten": len(rows), "removed": len(gone)}


def _pack() -> Any:
    from ..extract.entities import current_pack

    return current_pack()


def update_stories(store: Any, new_article_ids: Iterable[str] = (), *, full: bool = False,
                   pack: Any = None) -> dict[str, Any]:
    """Add ``new_article_ids`` (or everything, when ``full`` or nothing given) to the stories."""
    pack = pack or _pack()
    new = list(dict.fromkeys(new_article_ids))
    if full or not new:
        with store.transaction() as conn:
            for table in ("story_links", "story_bands", "story_keys", "story_features"):
                conn.execute(f"DELETE FROM {table}")
        # Oldest first so a rebuild sees the corpus in the order an incremental run would.
        new = [r[0] for r in store.query("SELECT id FROM articles ORDER BY date_lo IS NULL, date_lo, id")]
    else:
        stale = {r[0] for r in store.query(
            f"SELECT article_id FROM story_features WHERE version = ? AND article_id IN "
            f"({','.join('?' * len(new))})", [VERSION, *new])} if new else set()
        new = [i for i in new if i not in stale]
    n_feat = 0
    for i in range(0, len(new), 64):  # batches keep memory flat and embeddings batched
        n_feat += compute_features(store, new[i:i + 64], pack)
    n_links = link_articles(store, new) if new else 0
    summary = rebuild_stories(store, pack)
    return {"articles": n_feat, "links": n_links, **summary}


@corpus_stage("stories", needs=("events", "claims"), version=VERSION, order=300)
def stories_stage(ctx: CorpusContext) -> dict[str, Any]:
    return update_stories(ctx.store, ctx.new_article_ids, full=ctx.full)


# --------------------------------------------------------------------------- queries


def _story_dict(row: Any, *, full: bool = False) -> dict[str, Any]:
    d = {
        "id": row["id"], "title": row["title"], "first_date": row["first_date"], "last_date": row["last_date"],
        "outlets": json.loads(row["outlets"]), "sides": json.loads(row["sides"]),
        "languages": json.loads(row["languages"]), "n_articles": row["n_articles"],
        "blindspot": row["blindspot"],
    }
    data = json.loads(row["data"] or "{}")
    d["articles"] = data.get("articles", [])
    if full:
        d["comparison"] = data.get("comparison", {})
    return d


def _has_tables(store: Any) -> bool:
    return bool(store.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stories'"))


def _where(blindspot: Any, min_articles: int, side: str | None, outlet: str | None) -> tuple[str, list]:
    where, params = ["n_articles >= ?"], [int(min_articles)]
    if blindspot is True:
        where.append("blindspot IS NOT NULL")
    elif blindspot is False:
        where.append("blindspot IS NULL")
    elif isinstance(blindspot, str):
        where.append("blindspot = ?")
        params.append(blindspot)
    if side:
        where.append("EXISTS (SELECT 1 FROM json_each(stories.sides) WHERE value = ?)")
        params.append(side)
    if outlet:
        where.append("EXISTS (SELECT 1 FROM json_each(stories.outlets) WHERE value = ?)")
        params.append(outlet)
    return " WHERE " + " AND ".join(where), params


def list_stories(store: Any, *, blindspot: bool | str | None = None, min_articles: int = 1,
                 side: str | None = None, outlet: str | None = None, limit: int | None = 50,
                 offset: int = 0) -> list[dict[str, Any]]:
    """Stories, largest and most recent first. ``blindspot``: True = only one partisan side
    covers it, False = not a blindspot, a side name = that side alone covers it."""
    if not _has_tables(store):
        return []
    where, params = _where(blindspot, min_articles, side, outlet)
    sql = ("SELECT * FROM stories" + where +
           " ORDER BY n_articles DESC, last_date IS NULL, last_date DESC, id")
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [max(0, int(limit)), max(0, int(offset))]
    return [_story_dict(r) for r in store.query(sql, params)]


def count_stories(store: Any, *, blindspot: bool | str | None = None, min_articles: int = 1,
                  side: str | None = None, outlet: str | None = None) -> int:
    if not _has_tables(store):
        return 0
    where, params = _where(blindspot, min_articles, side, outlet)
    return int(store.query("SELECT count(*) FROM stories" + where, params)[0][0])


def get_story(store: Any, id: str) -> dict[str, Any] | None:
    """One story with its articles and comparison (None when there is no such story)."""
    if not _has_tables(store):
        return None
    rows = store.query("SELECT * FROM stories WHERE id = ?", (id,))
    return _story_dict(rows[0], full=True) if rows else None


def story_of(store: Any, article_id: str) -> str | None:
    """The id of the story an article belongs to."""
    if not _has_tables(store):
        return None
    rows = store.query("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,))
    return rows[0][0] if rows else None
