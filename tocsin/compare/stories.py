"""Stories: articles that tell the same story, across outlets and languages, built incrementally.

Corpus stage ``stories`` (order 300, after events and claims). For each new article:
1. features, computed once and kept in ``story_features``: a MinHash of word 3-shingles
   (numpy), an embedding of title + lead (tocsin.compare.embed, multilingual e5; cached by
   text hash in ``story_embeddings``, which a rebuild keeps), the blocking keys (entities,
   linked events from ``event_mentions``, named episodes) and its resolved side;
2. candidates, never all pairs: articles sharing an LSH bucket of the MinHash, or sharing a
   blocking key within ±window_days (any date: a rare key), at most max_candidates per article;
3. a pair score combining near-duplicate Jaccard, embedding similarity, shared events, shared
   rare entities (idf-weighted) and date proximity; pairs at edge_floor or more are kept as
   edges in ``story_links``;
4. stories = average-linkage clusters of the edge graph (missing pairs count 0): two clusters
   merge only when their mean pair score reaches ``cohesion``, their best pair reaches
   ``link_threshold`` and the merged story spans at most ``max_span_days``. Single links no
   longer chain a blockade, talks and an offensive into one "story".

Incremental: only the edge-graph components touched by new articles are re-clustered, and the
clustering is a function of the edges alone (ties broken by id), so an incremental run and a
one-pass rebuild agree; only stories whose membership changed are rewritten.
Thresholds: :class:`StoryParams` defaults, overridable by the pack's optional ``stories.yaml``.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import logging
import math
from dataclasses import dataclass, fields, replace
from datetime import date as _date
from typing import Any, Iterable

import numpy as np

from ..corpus import CorpusContext, corpus_stage
from ..model import Article, content_hash, normalise_text
from ..packs.schema import register_section
from . import embed, story_compare

log = logging.getLogger(__name__)

VERSION = "2"
NUM_PERM, BANDS, ROWS = 64, 16, 4
_EVENT_PREFIXES = ("ev:", "ek:", "ed:", "ep:")


@dataclass(frozen=True)
class StoryParams:
    """Clustering thresholds; a pack may override any of them in ``stories.yaml``."""

    window_days: int = 10         # blocking window, and the date factor reaches 0 at window + 2
    max_candidates: int = 300     # scored pairs per new article
    rare_key_frac: float = 0.05   # a key in at most this share (min 5) of articles blocks at any date
    near_dup: float = 0.6         # MinHash Jaccard at which two texts are one story
    w_sem: float = 0.4
    w_ent: float = 0.2
    w_ev: float = 0.4
    edge_floor: float = 0.25      # pairs kept for cluster-level cohesion (below: counted as 0)
    link_threshold: float = 0.44  # the best pair between two clusters must reach this
    cohesion: float = 0.34        # mean pair score (missing = 0) two clusters need to merge
    max_span_days: int = 21       # a story's dated articles span at most this many days
    undated_factor: float = 0.6   # date factor when either article is undated
    vague_date_factor: float = 0.7  # at most this when a date is only a month or a year


def _validate_params(raw: Any, ctx: Any) -> dict[str, Any]:
    known = {f.name: f.type for f in fields(StoryParams)}
    if not isinstance(raw, dict):
        raise ctx.fail(1, "stories.yaml must be a mapping of threshold: number")
    out = {}
    for k, v in raw.items():
        if k not in known:
            raise ctx.fail(1, f"unknown stories setting '{k}' (known: {', '.join(sorted(known))})")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise ctx.fail(1, f"stories setting '{k}' must be a non-negative number")
        out[k] = int(v) if known[k] in ("int", int) else float(v)
    return out


register_section("stories", _validate_params)


def params(pack: Any = None) -> StoryParams:
    """Defaults with the pack's ``stories`` section applied."""
    section = pack.section("stories") if pack is not None and hasattr(pack, "section") else {}
    return replace(StoryParams(), **(section or {}))


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


# MinHash in numpy (universal hashing mod a prime above 2**32): datasketch cost ~1 s of scipy
# import and a Python call per shingle; this is one vectorised expression per article.
_PRIME = np.uint64(4294967311)
_rng = np.random.RandomState(7)
_A = _rng.randint(1, 2**31 - 1, size=NUM_PERM).astype(np.uint64)
_B = _rng.randint(0, 2**31 - 1, size=NUM_PERM).astype(np.uint64)


def minhash(text: str) -> np.ndarray:
    """64 MinHash values (uint64) of the word 3-shingles of ``text``."""
    words = normalise_text(text).split()
    shingles = {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}
    x = np.fromiter((int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=4).digest(), "little")
                     for s in sorted(shingles)), dtype=np.uint64, count=len(shingles))
    return ((x[:, None] * _A[None, :] + _B[None, :]) % _PRIME).min(axis=0).astype("<u8")


def _hashvalues(blob: bytes | None) -> np.ndarray | None:
    return np.frombuffer(blob, dtype="<u8") if blob else None


def _jaccard(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None or a.shape != b.shape:
        return 0.0
    return float(np.mean(a == b))


def _buckets(hv: np.ndarray) -> list[str]:
    return [f"{i}:{hashlib.blake2b(hv[i * ROWS:(i + 1) * ROWS].tobytes(), digest_size=8).hexdigest()}"
            for i in range(BANDS)]


def _in(n: int) -> str:
    return ",".join("?" * n)


def _linked_events(store: Any, ids: list[str]) -> dict[str, list[str]]:
    """article id -> linked event ids (the events helper's table; may be absent or empty)."""
    if not ids or not store.query("SELECT 1 FROM sqlite_master WHERE name = 'event_mentions'"):
        return {}
    out: dict[str, list[str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = store.query(f"SELECT DISTINCT article_id, event_id FROM event_mentions WHERE article_id IN "
                           f"({_in(len(chunk))}) ORDER BY event_id", chunk)
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


def _embeddings(store: Any, texts: list[str]) -> list[np.ndarray | None]:
    """Embeddings of ``texts``, from the ``story_embeddings`` cache or computed in one batch.

    The cache key is model + text hash, so a rebuild, a pack change or the same lead seen
    in another article costs nothing; only new texts reach the model.
    """
    keys = [content_hash(embed.MODEL_NAME, t, length=20) for t in texts]
    cached: dict[str, np.ndarray | None] = {}
    uniq = sorted(set(keys))
    for i in range(0, len(uniq), 500):
        chunk = uniq[i:i + 500]
        for r in store.query(f"SELECT key, vec FROM story_embeddings WHERE key IN ({_in(len(chunk))})", chunk):
            cached[r[0]] = embed.from_blob(r[1])
    todo = sorted({k: t for k, t in zip(keys, texts) if cached.get(k) is None}.items())
    if todo:
        vecs = embed.embed_texts(t for _k, t in todo)
        with store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO story_embeddings (key, model, vec) VALUES (?, ?, ?)",
                             [(k, embed.MODEL_NAME, embed.to_blob(v)) for (k, _t), v in zip(todo, vecs)])
        cached.update({k: v for (k, _t), v in zip(todo, vecs)})
    return [cached.get(k) for k in keys]


def compute_features(store: Any, ids: list[str], pack: Any) -> int:
    """Compute and store features for ``ids`` (embeddings in one batch); returns how many."""
    arts = [(i, a) for i in ids for a in (store.get_article(i),) if a is not None]
    if not arts:
        return 0
    linked = _linked_events(store, [i for i, _a in arts])
    vecs: list[Any] = [None] * len(arts)
    if embed.enabled():
        vecs = _embeddings(store, [embed.lead_text(a.title, a.text) for _i, a in arts])
    rows, bands, keys_rows = [], [], []
    for (aid, art), vec in zip(arts, vecs):
        side, _how = story_compare.resolve_side(art, pack)
        hv = minhash(f"{art.title or ''} {art.text or ''}")
        keys = _keys(art, linked.get(aid, []))
        lo, hi = _day(art.date), _day(art.date, end=True)
        rows.append((aid, lo, hi, art.outlet, side, art.language, hv.tobytes(),
                     embed.to_blob(vec) if vec is not None else None,
                     embed.MODEL_NAME if vec is not None else None, json.dumps(keys), VERSION))
        bands += [(b, aid) for b in _buckets(hv)]
        keys_rows += [(k, aid, lo) for k in keys]
    with store.transaction() as conn:
        conn.executemany("DELETE FROM story_bands WHERE article_id = ?", [(r[0],) for r in rows])
        conn.executemany("DELETE FROM story_keys WHERE article_id = ?", [(r[0],) for r in rows])
        conn.executemany(
            "INSERT OR REPLACE INTO story_features (article_id, day, day_hi, outlet, side, language,"
            " minhash, embedding, model, keys, version) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.executemany("INSERT OR IGNORE INTO story_bands (bucket, article_id) VALUES (?, ?)", bands)
        conn.executemany("INSERT OR IGNORE INTO story_keys (key, article_id, day) VALUES (?, ?, ?)", keys_rows)
    return len(rows)


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
        for r in store.query(f"SELECT * FROM story_features WHERE article_id IN ({_in(len(chunk))})", chunk):
            out[r["article_id"]] = _Feat(r)
    return out


def _candidates(store: Any, f: _Feat, n_total: int, p: StoryParams) -> list[str]:
    found: dict[str, int] = {}
    for r in store.query(
            "SELECT DISTINCT b.article_id FROM story_bands a JOIN story_bands b ON a.bucket = b.bucket "
            "WHERE a.article_id = ? AND b.article_id != ?", (f.id, f.id)):
        found[r[0]] = -1  # near-duplicate candidates first
    rare = max(5, int(p.rare_key_frac * n_total))
    if f.lo is not None:
        rows = store.query(
            "SELECT k.article_id, count(*) AS n, min(abs(ifnull(k.day, ?) - ?)) AS dist FROM story_keys k "
            "WHERE k.key IN (SELECT key FROM story_keys WHERE article_id = ?) AND k.article_id != ? "
            "AND (k.day IS NULL OR k.day BETWEEN ? AND ?) GROUP BY k.article_id "
            "ORDER BY dist, n DESC, k.article_id LIMIT ?",
            (f.lo, f.lo, f.id, f.id, f.lo - p.window_days - 31, (f.hi or f.lo) + p.window_days,
             p.max_candidates))
        found.update({r[0]: found.get(r[0], 0) for r in rows})
    # Rare keys (a told episode, a little-known name) block across any date gap, and are all
    # an undated article has. The df test reads the key index, never a scan.
    rows = store.query(
        "SELECT k.article_id, count(*) AS n FROM story_keys k WHERE k.key IN ("
        "  SELECT s.key FROM story_keys s WHERE s.article_id = ? AND "
        "  (SELECT count(*) FROM story_keys c WHERE c.key = s.key) <= ?) "
        "AND k.article_id != ? GROUP BY k.article_id ORDER BY n DESC, k.article_id LIMIT ?",
        (f.id, rare, f.id, p.max_candidates))
    found.update({r[0]: found.get(r[0], 0) for r in rows})
    return list(found)


def _idf(store: Any, keys: set[str], n_total: int) -> dict[str, float]:
    keys_l = sorted(keys)
    out: dict[str, float] = {"": math.log((n_total + 1) / 1.5)}  # "": idf of a key seen once
    for i in range(0, len(keys_l), 500):
        chunk = keys_l[i:i + 500]
        for r in store.query(f"SELECT key, count(*) FROM story_keys WHERE key IN ({_in(len(chunk))}) "
                             "GROUP BY key", chunk):
            out[r[0]] = math.log((n_total + 1) / (r[1] + 0.5))
    return out


def _date_factor(a: _Feat, b: _Feat, p: StoryParams) -> float:
    if a.lo is None or b.lo is None:
        return p.undated_factor  # undated: neither confirms nor rules out
    gap = max(0, max(a.lo, b.lo) - min(a.hi or a.lo, b.hi or b.lo))
    factor = 1.0 if gap <= 2 else max(0.0, 1.0 - (gap - 2) / p.window_days)
    # Two dates of one month (a digest's "2023-09") overlap without saying "the same days".
    if max((a.hi or a.lo) - a.lo, (b.hi or b.lo) - b.lo) > 2:
        factor = min(factor, p.vague_date_factor)
    return factor


def pair_score(a: _Feat, b: _Feat, idf: dict[str, float],
               p: StoryParams = StoryParams()) -> tuple[float, dict[str, float]]:
    """Combined score in [0, 1] and the signals behind it."""
    jac = _jaccard(a.hv, b.hv)
    cos = embed.cosine(a.vec, b.vec)
    sem = embed.semantic_score(cos)
    shared, union = a.keys & b.keys, a.keys | b.keys
    ents = lambda ks: sum(max(0.0, idf.get(k, 0.0)) for k in ks if k.startswith("ent:"))  # noqa: E731
    ent = ents(shared) / ents(union) if ents(union) > 0 else 0.0
    # Shared events count by rarity, linked events included: the background war a quarter of
    # the corpus recalls says little, an incident two articles tell says "same story". No date
    # override for a shared past incident: recalling it later is another story (that chained).
    n_log = idf.get("", 1.0) or 1.0
    ev = max((min(1.0, max(0.0, idf.get(k, 0.0)) / n_log) for k in shared if k.startswith(_EVENT_PREFIXES)),
             default=0.0)
    dfac = _date_factor(a, b, p)
    signals = {"jaccard": round(jac, 3), "cosine": None if cos is None else round(cos, 4),
               "entities": round(ent, 3), "events": ev, "date": round(dfac, 2)}
    if jac >= p.near_dup:
        return 1.0, signals
    if cos is None:  # no embeddings: the other signals carry the weight
        base = (p.w_ent * ent + p.w_ev * ev) / (p.w_ent + p.w_ev)
    else:
        base = p.w_sem * sem + p.w_ent * ent + p.w_ev * ev
    return round(dfac * base, 4), signals


def link_articles(store: Any, ids: list[str], p: StoryParams = StoryParams()) -> int:
    """Score each article of ``ids`` against its candidates and keep the edges; returns count."""
    n_total = store.query("SELECT count(*) FROM story_features")[0][0]
    feats = _features(store, ids)
    links: dict[tuple[str, str], tuple[float, dict]] = {}
    for fid in ids:
        f = feats.get(fid)
        if f is None:
            continue
        cands = _features(store, (c for c in _candidates(store, f, n_total, p)))
        idf = _idf(store, f.keys.union(*(c.keys for c in cands.values())) if cands else f.keys, n_total)
        for c in cands.values():
            pair = (f.id, c.id) if f.id < c.id else (c.id, f.id)
            if pair in links:  # both new: scored once, from the smaller id's side
                continue
            score, signals = pair_score(f, c, idf, p)
            if score >= p.edge_floor:
                links[pair] = (score, signals)
    with store.transaction() as conn:
        conn.executemany("DELETE FROM story_links WHERE a = ? OR b = ?", [(i, i) for i in ids])
        conn.executemany("INSERT OR REPLACE INTO story_links (a, b, score, signals) VALUES (?, ?, ?, ?)",
                         [(a, b, s, json.dumps(sig)) for (a, b), (s, sig) in sorted(links.items())])
    return len(links)


# --------------------------------------------------------------------------- clustering


def cluster(nodes: dict[str, int | None], edges: Iterable[tuple[str, str, float]],
            p: StoryParams = StoryParams()) -> list[list[str]]:
    """Average-linkage clusters of a sparse scored graph (a pair without an edge counts 0).

    ``nodes``: id -> day (None when undated). Two clusters merge, best mean first, only when
    their mean pair score reaches ``p.cohesion``, their best pair ``p.link_threshold`` and the
    merged dated span stays within ``p.max_span_days``. Ties break by id, so the result depends
    on the graph alone, never on the order articles arrived in. Cost ~ E log E.
    """
    members: dict[str, list[str]] = {n: [n] for n in nodes}
    span: dict[str, tuple[int, int] | None] = {n: (d, d) if d is not None else None for n, d in nodes.items()}
    nbr: dict[str, dict[str, list[float]]] = {n: {} for n in nodes}  # cluster -> other -> [sum, max]
    for a, b, s in edges:
        if a in nbr and b in nbr and a != b:
            for x, y in ((a, b), (b, a)):
                cur = nbr[x].setdefault(y, [0.0, 0.0])
                cur[0] += s
                cur[1] = max(cur[1], s)
    ver = {n: 0 for n in nodes}
    heap: list[tuple[float, str, str, int, int]] = []

    def push(x: str, y: str) -> None:
        tot, best = nbr[x][y]
        avg = tot / (len(members[x]) * len(members[y]))
        if avg >= p.cohesion and best >= p.link_threshold:
            x, y = min(x, y), max(x, y)
            heapq.heappush(heap, (-round(avg, 9), x, y, ver[x], ver[y]))

    for x in nbr:
        for y in nbr[x]:
            if x < y:
                push(x, y)
    while heap:
        _neg, x, y, vx, vy = heapq.heappop(heap)
        if x not in members or y not in members or ver[x] != vx or ver[y] != vy:
            continue  # stale: one side merged since
        sx, sy = span[x], span[y]
        if sx and sy and max(sx[1], sy[1]) - min(sx[0], sy[0]) > p.max_span_days:
            continue  # spans only grow, so this pair can never merge
        # Merge y into x (x is the smaller id: cluster keys stay their smallest member).
        members[x] += members.pop(y)
        span[x] = (min(sx[0], sy[0]), max(sx[1], sy[1])) if sx and sy else (sx or sy)
        del span[y]
        ver[x] += 1
        for z, (tot, best) in nbr.pop(y).items():
            if z == x:
                continue
            cur = nbr[x].setdefault(z, [0.0, 0.0])
            cur[0] += tot
            cur[1] = max(cur[1], best)
            nbr[z].pop(y, None)
            nbr[z][x] = cur  # one shared [sum, max] per pair from now on
        nbr[x].pop(y, None)
        for z in sorted(nbr[x]):
            push(x, z)
    return sorted(sorted(m) for m in members.values())


def _neighbours(store: Any, ids: list[str]) -> set[str]:
    out: set[str] = set()
    for i in range(0, len(ids), 400):
        chunk = ids[i:i + 400]
        q = _in(len(chunk))
        out.update(r[0] for r in store.query(
            f"SELECT b FROM story_links WHERE a IN ({q}) UNION SELECT a FROM story_links WHERE b IN ({q})",
            chunk + chunk))
    return out


def _affected(store: Any, seeds: Iterable[str]) -> set[str]:
    """The edge-graph components of ``seeds``, plus whole stories they were in (closed)."""
    seen = set(seeds)
    frontier = sorted(seen)
    while frontier:
        nxt = _neighbours(store, frontier)
        for i in range(0, len(frontier), 400):
            chunk = frontier[i:i + 400]
            nxt.update(r[0] for r in store.query(
                "SELECT s2.article_id FROM story_articles s1 JOIN story_articles s2 ON s1.story_id = s2.story_id "
                f"WHERE s1.article_id IN ({_in(len(chunk))})", chunk))
        frontier = sorted(nxt - seen)
        seen |= nxt
    return seen


# --------------------------------------------------------------------------- stories


def _story_row(store: Any, members: list[str], pack: Any) -> tuple[tuple, list[str]]:
    # (stored id, article): Article.id re-hashes the text, so it is read once here.
    arts = [(m, a) for m in members for a in (store.get_article(m),) if a is not None]
    q = _in(len(members))
    feats = {r["article_id"]: r for r in store.query(
        f"SELECT article_id, side FROM story_features WHERE article_id IN ({q})", members)}
    sides = {m: feats[m]["side"] if m in feats else story_compare.UNKNOWN for m, _a in arts}
    arts.sort(key=lambda ma: (ma[1].date is None, ma[1].date or "", ma[0]))
    founder = arts[0][0]
    degree: dict[str, float] = {m: 0.0 for m, _a in arts}
    for r in store.query(f"SELECT a, b, score FROM story_links WHERE a IN ({q}) AND b IN ({q})",
                         members + members):
        degree[r["a"]] = degree.get(r["a"], 0.0) + r["score"]
        degree[r["b"]] = degree.get(r["b"], 0.0) + r["score"]
    # Title: the most connected member, English preferred (the UI's language), then earliest.
    order = {m: n for n, (m, _a) in enumerate(arts)}
    _cid, central = max(arts, key=lambda ma: (round(degree[ma[0]], 6), ma[1].language == "en",
                                              bool(ma[1].title), -order[ma[0]]))
    dates = [a.date for _m, a in arts if a.date]
    comparison = story_compare.compare_story([(a, sides[m]) for m, a in arts], pack,
                                             linked_events=_linked_events(store, [m for m, _a in arts]))
    outlets = sorted({a.outlet for _m, a in arts if a.outlet})
    languages = sorted({a.language for _m, a in arts if a.language})
    data = {
        "version": VERSION,
        "members_hash": content_hash(*members),
        "articles": [{"id": m, "title": a.title, "outlet": a.outlet, "date": a.date, "language": a.language,
                      "side": sides[m], "source_file": a.source_file, "line": a.title_line or a.start_line}
                     for m, a in arts],
        "comparison": comparison,
    }
    sid = "st-" + content_hash(founder, length=12)
    row = (sid, central.title, min(dates) if dates else None, max(dates) if dates else None,
           json.dumps(outlets, ensure_ascii=False), json.dumps(comparison["sides"]), json.dumps(languages),
           len(arts), comparison["blindspot"], json.dumps(data, ensure_ascii=False))
    return row, [m for m, _a in arts]


def _nodes(store: Any, ids: set[str] | None) -> dict[str, int | None]:
    """article id -> mid day of its date span (None when undated), for ``ids`` or all."""
    def mid(r: Any) -> int | None:
        return None if r[1] is None else (r[1] + (r[2] if r[2] is not None else r[1])) // 2

    if ids is None:
        return {r[0]: mid(r) for r in store.query("SELECT article_id, day, day_hi FROM story_features")}
    out: dict[str, int | None] = {}
    lst = sorted(ids)
    for i in range(0, len(lst), 500):
        chunk = lst[i:i + 500]
        out.update({r[0]: mid(r) for r in store.query(
            f"SELECT article_id, day, day_hi FROM story_features WHERE article_id IN ({_in(len(chunk))})", chunk)})
    return out


def _edges(store: Any, ids: set[str] | None) -> list[tuple[str, str, float]]:
    if ids is None:
        return [(r[0], r[1], r[2]) for r in store.query("SELECT a, b, score FROM story_links")]
    out = []
    lst = sorted(ids)
    for i in range(0, len(lst), 500):
        chunk = lst[i:i + 500]
        out += [(r[0], r[1], r[2]) for r in store.query(
            f"SELECT a, b, score FROM story_links WHERE a IN ({_in(len(chunk))})", chunk) if r[1] in ids]
    return out


def rebuild_stories(store: Any, pack: Any, affected: set[str] | None = None,
                    p: StoryParams | None = None) -> dict[str, int]:
    """Re-cluster ``affected`` articles (None = all) and rewrite the stories whose membership
    changed; stories of other articles are not touched."""
    p = p or params(pack)
    nodes = _nodes(store, affected)
    comps = cluster(nodes, _edges(store, None if affected is None else set(nodes)), p)
    if affected is None:
        old_rows = store.query("SELECT id, data FROM stories")
    else:
        old_rows = []
        lst = sorted(affected)
        for i in range(0, len(lst), 500):
            chunk = lst[i:i + 500]
            old_rows += store.query(
                "SELECT id, data FROM stories WHERE id IN (SELECT story_id FROM story_articles WHERE "
                f"article_id IN ({_in(len(chunk))}))", chunk)
    old = {r["id"]: json.loads(r["data"] or "{}") for r in old_rows}
    by_hash = {(d.get("members_hash"), d.get("version")): sid for sid, d in old.items()}
    keep, rows = set(), []
    for members in comps:
        # An unchanged story keeps its row (and its comparison).
        sid = by_hash.get((content_hash(*members), VERSION))
        if sid:
            keep.add(sid)
        else:
            rows.append(_story_row(store, members, pack))
    new_ids = {row[0] for row, _ids in rows}
    gone = sorted(sid for sid in old if sid not in keep and sid not in new_ids)
    with store.transaction() as conn:
        conn.executemany("DELETE FROM stories WHERE id = ?", [(s,) for s in gone])
        conn.executemany("DELETE FROM story_articles WHERE story_id = ?", [(s,) for s in gone])
        for row, ids in rows:
            conn.execute("INSERT OR REPLACE INTO stories (id, title, first_date, last_date, outlets, sides,"
                         " languages, n_articles, blindspot, data) VALUES (?,?,?,?,?,?,?,?,?,?)", row)
            conn.execute("DELETE FROM story_articles WHERE story_id = ?", (row[0],))
            conn.executemany("INSERT OR REPLACE INTO story_articles (story_id, article_id) VALUES (?, ?)",
                             [(row[0], i) for i in ids])
    return {"stories": len(comps), "rewritten": len(rows), "removed": len(gone)}


def _pack() -> Any:
    from ..extract.entities import current_pack

    return current_pack()


def update_stories(store: Any, new_article_ids: Iterable[str] = (), *, full: bool = False,
                   pack: Any = None) -> dict[str, Any]:
    """Add ``new_article_ids`` (or everything, when ``full`` or nothing given) to the stories."""
    pack = pack or _pack()
    p = params(pack)
    with store.transaction() as conn:  # stores migrated before the cache existed
        conn.execute("CREATE TABLE IF NOT EXISTS story_embeddings (key TEXT PRIMARY KEY, model TEXT NOT NULL,"
                     " vec BLOB NOT NULL) WITHOUT ROWID")
    new = list(dict.fromkeys(new_article_ids))
    rebuild = full or not new
    if rebuild:
        with store.transaction() as conn:  # story_embeddings stays: it is a cache keyed by text
            for table in ("story_links", "story_bands", "story_keys", "story_features"):
                conn.execute(f"DELETE FROM {table}")
        # Oldest first so a rebuild sees the corpus in the order an incremental run would.
        new = [r[0] for r in store.query("SELECT id FROM articles ORDER BY date_lo IS NULL, date_lo, id")]
    else:
        done = set()
        for i in range(0, len(new), 500):
            chunk = new[i:i + 500]
            done.update(r[0] for r in store.query(
                f"SELECT article_id FROM story_features WHERE version = ? AND article_id IN ({_in(len(chunk))})",
                [VERSION, *chunk]))
        new = [i for i in new if i not in done]
    n_feat = 0
    for i in range(0, len(new), 64):  # batches keep memory flat and embeddings batched
        n_feat += compute_features(store, new[i:i + 64], pack)
    n_links = link_articles(store, new, p) if new else 0
    if not rebuild and not new:
        return {"articles": 0, "links": 0, "stories": 0, "rewritten": 0, "removed": 0}
    summary = rebuild_stories(store, pack, None if rebuild else _affected(store, new), p)
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
