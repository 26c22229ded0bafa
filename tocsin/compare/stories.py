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

import json
import logging
from collections.abc import Iterable
from typing import Any


from ..corpus import CorpusContext, corpus_stage
from ..model import content_hash
from . import story_compare

log = logging.getLogger(__name__)
from .story_cluster import cluster  # noqa: F401  (public)
from .story_features import (  # noqa: F401  (public names kept here)
    NUM_PERM, VERSION, StoryParams, _day, _event_labels, _in, _iso, _linked_events, compute_features, link_articles, minhash,
    pair_score, params,
)
from .story_queries import count_stories, get_story, list_stories, story_of  # noqa: F401


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
    linked = _linked_events(store, [m for m, _a in arts])
    comparison = story_compare.compare_story([(a, sides[m]) for m, a in arts], pack, linked_events=linked,
                                             event_names=_event_labels(store, (e for ev in linked.values() for e in ev)))
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


