"""Write the benchmark report as JSON (everything) and Markdown (the figures people read)."""
from __future__ import annotations

import json
from pathlib import Path

TARGETS = (
    ("pipeline_vs_ner_alone", ">= 1.0", lambda v: v >= 1.0),
    ("processx2_vs_local", ">= 1.6", lambda v: v >= 1.6),
    ("rayx2_vs_local", ">= 1.6", lambda v: v >= 1.6),
)


def write_reports(report: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    j = out / "report.json"
    j.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    m = out / "report.md"
    m.write_text(markdown(report), encoding="utf-8")
    return [j, m]


def _row(*cells: object) -> str:
    return "| " + " | ".join("" if c is None else str(c) for c in cells) + " |"


def markdown(r: dict) -> str:
    mc = r["machine"]
    s = r["sample"]
    p = s["pipeline"]
    lines = [
        "# tocsin benchmark", "",
        f"Run {r['started']}, {r['seconds']} s. Machine: {mc['cpu']}, {mc['cores']} cores, {mc['memory_gb']} GB, "
        f"Python {mc['python']}, {mc['os']} (1-min load at start {mc['load_avg_1min_at_start']}; the cores are "
        "shared, so absolute figures vary; the ratios are what to compare).", "",
        f"## Full pipeline on a {s['articles']}-article sample ({s['mb']} MB of digests)", "",
        f"End to end: **{p['articles_per_s']} articles/s, {p['mb_per_s']} MB/s** (local runner, one core, "
        "models already loaded; best of the trials below).", "",
        *(["Trials (pipeline / NER alone, articles/s, run in turn): "
           + "; ".join(f"{t['pipeline']} / {t['ner_alone']}" for t in s["trials"]), ""] if s.get("trials") else []),
        _row("stage", "seconds", "share", "articles/s"), _row("---", "---", "---", "---"),
    ]
    for name, st in p["stages"].items():
        lines.append(_row(name, st["seconds"], f"{st['share']:.0%}", st["articles_per_s"]))
    b = s["baselines"]
    lines += ["", "## Baselines (same articles)", "", _row("baseline", "articles/s", "MB/s"), _row("---", "---", "---")]
    lines.append(_row("read + sha256 loop", b["hash_loop"]["articles_per_s"], b["hash_loop"]["mb_per_s"]))
    ner = b["ner_alone"]
    lines.append(_row("NER model alone (spaCy en_core_web_sm, ner pipe)", ner.get("articles_per_s", ner.get("skipped")),
                      ner.get("mb_per_s")))
    h = b["html"]
    tr = h.get("trafilatura", {})
    lines.append(_row("trafilatura.extract on HTML pages", tr.get("articles_per_s", tr.get("skipped")), tr.get("mb_per_s")))
    ts = h["tocsin_read_and_segment"]
    lines.append(_row("tocsin HTML reader + segment on the same pages", ts["articles_per_s"], ts["mb_per_s"]))
    lines += ["", "## Runners (same sample, after start-up)", "",
              _row("runner", "workers", "articles/s", "start-up s", "errors"), _row("---", "---", "---", "---", "---")]
    for k, v in s["runners"].items():
        if "skipped" in v:
            lines.append(_row(k, "", v["skipped"], "", ""))
        else:
            lines.append(_row(v["runner"], v["workers"], v["articles_per_s"], v["startup_seconds"], v["errors"]))
    lines += ["", "## Store at size", ""]
    for run in r.get("store_runs") or []:
        m = run["machine"]
        lines += [f"Sizes {', '.join(f'{int(x):,}' for x in run['sizes'])}: separate store-only run started "
                  f"{run['started']} ({run['seconds']} s, 1-min load at start {m.get('load_avg_1min_at_start')}).", ""]
    for size, info in r["sizes"].items():
        st = info.get("store", {})
        lines.append(f"### {int(size):,} articles ({info['bytes'] / 1e6:.1f} MB, {info['files']} digest files, "
                     f"generated in {info['generate_seconds']} s)")
        lines.append("")
        if "error" in st:
            lines += ["Store phase failed:", "", "```", st["error"], "```", ""]
            continue
        lines += store_lines(info, st)
    st = r.get("stories")
    if st:
        lines += ["## Story clustering as the store grows (incremental, equal steps)", ""]
        if "steps" in st:
            lines += [_row("articles in store", "step articles", "seconds", "ms per new article", "stories"),
                      _row(*["---"] * 5)]
            lines += [_row(x["articles_in_store"], x["step_articles"], x["seconds"], x["per_article_ms"], x["stories"])
                      for x in st["steps"]]
        else:
            lines.append(f"Not measured: {st.get('skipped') or st.get('error')}")
        lines.append("")
    lines += ["## Ratios", "", _row("ratio", "value", "target"), _row("---", "---", "---")]
    targets = {k: (t, ok) for k, t, ok in TARGETS}
    for k, v in r["ratios"].items():
        t = targets.get(k)
        lines.append(_row(k, v, f"{t[0]} ({'met' if t[1](v) else 'NOT met'})" if t else ""))
    return "\n".join(lines) + "\n"


def store_lines(info: dict, st: dict) -> list[str]:
    """One size's store section: fill, re-ingest, and per step RSS and search (bounded ranking)."""
    ing, re_ = st["ingest"], st["reingest_unchanged"]
    lines = [
        f"Ingest with stages `{st['stages']}`, runner {st.get('runner', 'local x1')} (reader + single store "
        f"writer in the main process): {ing['articles_per_s']} articles/s, {ing['mb_per_s']} MB/s "
        f"({ing['seconds']} s); peak RSS {st['peak_rss_mb']} MB (main process)"
        + (f", {st['peak_rss_worker_mb']} MB (largest worker)" if st.get("peak_rss_worker_mb") else "")
        + f"; store {st['db_mb']} MB.",
        f"Re-ingest of the unchanged corpus: {re_['articles_per_s']:,} articles/s "
        f"({re_['files_skipped']}/{re_['files']} files skipped, {re_['seconds']} s); "
        f"read+hash loop {info['hash_loop']['articles_per_s']:,} articles/s.",
        f"Stories: {st['stories'] if st['stories'] is not True else 'clustered incrementally after each step'}.",
    ]
    bounds = [row.get("search_bounds") for row in st["steps"]]
    if any(bounds):
        lines.append(f"Search ranks the newest {bounds[-1]['window']:,} matches (tocsin.store.queries.RANK_WINDOW); "
                     "'cut' = share of the 200 queries with more matches than that (hits flagged ranked_within); "
                     "web = the web/API search (hits + total + facets), 40 queries.")
    lines += ["", _row("articles in store", "step articles/s", "RSS MB", "search p50 ms", "p95 ms", "p99 ms",
                       "cut", "count p95 ms", "web p50 / p95 ms", "corpus stages s"), _row(*["---"] * 10)]
    for row in st["steps"]:
        q, b = row["search"], row.get("search_bounds") or {}
        cs = ", ".join(f"{k} {v}" for k, v in row["corpus_stage_seconds"].items()) or "-"
        web = b.get("web_search_with_facets") or {}
        lines.append(_row(row["articles_in_store"], row["articles_per_s"], row["rss_mb"], q.get("p50_ms"),
                          q.get("p95_ms"), q.get("p99_ms"),
                          f"{b['truncated_share']:.0%}" if "truncated_share" in b else "",
                          (b.get("count") or {}).get("p95_ms", ""),
                          f"{web.get('p50_ms')} / {web.get('p95_ms')}" if web else "", cs))
    un = (st["steps"][-1].get("search_bounds") or {}).get("unbounded_search") if st["steps"] else None
    if un:
        lines.append("")
        lines.append(f"For comparison, the old unbounded ranking (ORDER BY bm25 over every match) at "
                     f"{st['steps'][-1]['articles_in_store']:,} articles, first {un['n']} queries of the mix: "
                     f"p50 {un['p50_ms']} ms, p95 {un['p95_ms']} ms, max {un['max_ms']} ms.")
    rt = st.get("retime")
    if rt:
        lines += ["", f"Search re-timed on this store after the run ({rt['articles']:,} articles, {rt['timed']}, "
                  "`python -m bench.retime`; same 200 queries, best of 2 per window):", "",
                  _row("ranking window", "p50 ms", "p95 ms", "p99 ms"), _row("---", "---", "---", "---")]
        for w, v in rt["windows"].items():
            lines.append(_row(f"{int(w):,}", v.get("p50_ms"), v.get("p95_ms"), v.get("p99_ms")))
    lines.append("")
    return lines
