"""The store at size, run in its own process so its peak RSS is its own.

Ingests the generated corpus in equal steps through ``tocsin.api.run`` (the real readers,
segmentation, batched single-writer transactions and corpus stages), and after each step
records throughput, current RSS, FTS5 search latency and the story-clustering time of that
step. Then ingests the unchanged corpus again (the idempotent skip path).

Usage: python -m bench.store_phase CORPUS_DIR DB WORDS_JSON STEPS STAGES [PER_FILE RUNNER WORKERS]
  -> JSON on stdout (progress rows on stderr)

RUNNER/WORKERS pick the ingest runner (default local x1): with ``process`` the segment stage
runs in worker processes while this process reads, hashes and writes (the single writer),
which is the faster fill for 100k-1M articles on 2 cores.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from bench.measure import (
    files_of,
    peak_rss_mb,
    percentiles,
    rate,
    query_mix,
    rss_mb,
    search_latency,
)


def search_bounds(db: str, words: list[str], n_web: int = 40, n_unbounded: int = 0) -> dict:
    """How the bounded search behaves on the query mix: share of queries cut to the window,
    count() latency, the web layer's search (hits + total + facets) latency on ``n_web``
    queries, and (``n_unbounded`` > 0) the old unbounded ranking on that many queries."""
    from tocsin.serve import search as web
    from tocsin.store import Store, queries

    mix = query_mix(words)
    out: dict = {"window": queries.RANK_WINDOW}
    with Store(db, readonly=True) as store:
        conn = store._conn  # bench only: call the query layer with explicit windows
        cut, t_count = 0, []
        for q in mix:
            cut += queries.window_info(conn, q)["truncated"]
            t = time.perf_counter()
            store.count(q)
            t_count.append((time.perf_counter() - t) * 1000)
        out["truncated_share"] = round(cut / len(mix), 3)
        out["count"] = percentiles(t_count)
        t_web = []
        for q in mix[:n_web]:
            t = time.perf_counter()
            web.search(store, q, limit=20)
            t_web.append((time.perf_counter() - t) * 1000)
        out["web_search_with_facets"] = percentiles(t_web)
        if n_unbounded:
            t_un = []
            for q in mix[:n_unbounded]:
                t = time.perf_counter()
                queries.search(conn, q, limit=20, window=10**12)
                t_un.append((time.perf_counter() - t) * 1000)
            out["unbounded_search"] = percentiles(t_un)
    return out


def main(corpus: str, db: str, words_file: str, steps: int, stages: list[str], per_file: int,
         runner: str = "local", workers: int = 1) -> dict:
    from tocsin import api
    from tocsin.corpus import CORPUS_STAGES, load_corpus_stages

    # Corpus stages (linking, stories, alerts) are measured on their own (stories_growth):
    # at 0.1-1 s per article they would swamp the ingest figures at 10k+.
    skipped = sorted(load_corpus_stages())
    CORPUS_STAGES.clear()
    stories = f"corpus stages off in this fill: {', '.join(skipped) or 'none registered'}"
    words = json.loads(Path(words_file).read_text(encoding="utf-8"))
    files = files_of(Path(corpus))
    chunk = max(1, -(-len(files) // steps))
    rows = []
    total_articles = 0
    total_mb = 0.0
    t_all = time.perf_counter()
    opts: dict = {"stages": stages} if stages else {}
    if runner != "local":
        opts["workers"] = workers
    n_unbounded = int(os.environ.get("BENCH_UNBOUNDED_QUERIES", "30"))
    for i in range(0, len(files), chunk):
        part = files[i:i + chunk]
        mb = sum(p.stat().st_size for p in part) / 1e6
        s = api.run([str(p) for p in part], db=db, runner=runner, runner_options=opts)
        total_articles += s.articles_new
        total_mb += mb
        corpus_sec = {k: v.get("seconds") for k, v in (s.corpus or {}).items()}
        row = {"articles_in_store": total_articles, "step_articles": s.articles_new, "errors": len(s.errors),
               **rate(s.articles_found, mb, s.seconds), "rss_mb": round(rss_mb(), 1),
               "corpus_stage_seconds": corpus_sec, "search": search_latency(db, words)}
        row["search_bounds"] = search_bounds(db, words, n_unbounded=n_unbounded if i + chunk >= len(files) else 0)
        rows.append(row)
        print(json.dumps({"progress": row}), file=sys.stderr, flush=True)
    ingest_sec = time.perf_counter() - t_all
    s = api.run([corpus], db=db, runner=runner, runner_options=opts)
    reingest = {"files_skipped": s.files_skipped, "files": s.files_seen, "articles": total_articles,
                **rate(total_articles, total_mb, s.seconds)}
    return {"articles": total_articles, "mb": round(total_mb, 2), "stages": stages or "all",
            "runner": f"{runner} x{workers if runner != 'local' else 1}",
            "ingest": rate(total_articles, total_mb, ingest_sec), "steps": rows, "reingest_unchanged": reingest,
            "peak_rss_mb": round(peak_rss_mb(), 1), "stories": stories,
            # Largest worker's peak (ru_maxrss of children is a max, not a sum).
            "peak_rss_worker_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "db_mb": round(sum(p.stat().st_size for p in Path(db).parent.glob(Path(db).name + "*")) / 1e6, 1)}


def stories_growth(corpus: str, db: str, steps: int, stages: list[str]) -> dict:
    """Incremental story clustering time per equal step as the store grows (linear = flat)."""
    from tocsin import api
    from tocsin.corpus import CORPUS_STAGES, load_corpus_stages

    try:
        from tocsin.compare.stories import update_stories
    except Exception as e:
        return {"skipped": f"{type(e).__name__}: {e}"}
    load_corpus_stages()
    CORPUS_STAGES.clear()
    files = files_of(Path(corpus))
    chunk = max(1, -(-len(files) // steps))
    rows = []
    opts = {"stages": stages} if stages else {}
    for i in range(0, len(files), chunk):
        with api.open_store(db) as store:
            before = {r[0] for r in store.query("SELECT id FROM articles")}
        api.run([str(p) for p in files[i:i + chunk]], db=db, runner="local", runner_options=opts)
        with api.open_store(db) as store:
            new = [r[0] for r in store.query("SELECT id FROM articles") if r[0] not in before]
            t = time.perf_counter()
            summary = update_stories(store, new)
            sec = time.perf_counter() - t
        rows.append({"articles_in_store": len(before) + len(new), "step_articles": len(new),
                     "seconds": round(sec, 3), "per_article_ms": round(1000 * sec / max(1, len(new)), 1),
                     "stories": summary.get("stories")})
    return {"steps": rows, "stages": stages or "all"}


if __name__ == "__main__" and sys.argv[1] == "stories":
    _, _, corpus, db, steps, stages = sys.argv
    print(json.dumps(stories_growth(corpus, db, int(steps), [s for s in stages.split(",") if s])))
elif __name__ == "__main__":
    corpus, db, words_file, steps, stages, per_file = sys.argv[1:7]
    runner_, workers_ = (sys.argv[7:9] + ["local", "1"][len(sys.argv[7:9]):])
    out = main(corpus, db, words_file, int(steps), [s for s in stages.split(",") if s], int(per_file),
               runner_, int(workers_))
    print(json.dumps(out))
