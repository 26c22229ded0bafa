"""Story features and pair scores: MinHash, embeddings, blocking keys, candidates, links.

See tocsin/compare/stories.py for how they make stories."""
from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date as _date
from typing import Any

import numpy as np

from ..model import Article, content_hash, normalise_text
from ..packs.schema import register_section
from . import embed, story_compare

log = logging.getLogger(__name__)

VERSION = "3"  # 3: comparison gained concepts and readable event labels
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
    if not ids or not store.has_table("event_mentions"):
        return {}
    out: dict[str, list[str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = store.query(f"SELECT DISTINCT article_id, event_id FROM event_mentions WHERE article_id IN "
                           f"({_in(len(chunk))}) ORDER BY event_id", chunk)
        for r in rows:
            out.setdefault(r["article_id"], []).append(r["event_id"])
    return out


def _event_labels(store: Any, event_ids: Iterable[str]) -> dict[str, str]:
    """event id -> "type: actor -> target, place, date" for a comparison a person can read."""
    ids = sorted(set(event_ids))
    if not ids or not store.has_table("events"):
        return {}
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for r in store.query(f"SELECT id, type, actor, target, place, date FROM events WHERE id IN ({_in(len(chunk))})",
                             chunk):
            who = " -> ".join(x for x in (r["actor"], r["target"]) if x)
            where = ", ".join(x for x in (who, r["place"], r["date"]) if x)
            out[r["id"]] = f"{(r['type'] or 'event').replace('_', ' ')}: {where}" if where else r["type"] or r["id"]
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
        vecs = embed.embed_cached([t for _k, t in todo])
        with store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO story_embeddings (key, model, vec) VALUES (?, ?, ?)",
                             [(k, embed.MODEL_NAME, embed.to_blob(v)) for (k, _t), v in zip(todo, vecs)])
        cached.update({k: v for (k, _t), v in zip(todo, vecs)})
    return [cached.get(k) for k in keys]


def _about_the_conflict(art: Article, pack: Any) -> bool:
    """Not put off the conflict by the topic stage (no topic yet counts as on it)."""
    topic = (art.annotations or {}).get("topic")
    topic = topic.get("label") if isinstance(topic, dict) else topic
    if not topic or pack is None:
        return True
    from .perspective import analyzer  # the pack's conflict topics (framing.yaml perspective), cached

    try:
        return topic in analyzer(pack).settings.conflict_topics
    except Exception:  # noqa: BLE001 - a pack without perspective settings: embed everything
        return True


def compute_features(store: Any, ids: list[str], pack: Any) -> int:
    """Compute and store features for ``ids`` (embeddings in one batch); returns how many."""
    arts = [(i, a) for i in ids for a in (store.get_article(i),) if a is not None]
    if not arts:
        return 0
    linked = _linked_events(store, [i for i, _a in arts])
    vecs: list[Any] = [None] * len(arts)
    if embed.enabled():
        # The embedding (~95 ms an article on one core) is most of a story's cost; it is what
        # pairs translations and paraphrases, which matters for the conflict's own stories.
        # Articles the topic stage put off the conflict cluster by near-duplicates, shared
        # entities and events only.
        todo = [n for n, (_i, a) in enumerate(arts) if _about_the_conflict(a, pack)]
        got = _embeddings(store, [embed.lead_text(arts[n][1].title, arts[n][1].text) for n in todo]) if todo else []
        for n, v in zip(todo, got):
            vecs[n] = v
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
    __slots__ = ("hi", "hv", "id", "keys", "lo", "vec")

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
    ents = lambda ks: sum(max(0.0, idf.get(k, 0.0)) for k in ks if k.startswith("ent:"))
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


