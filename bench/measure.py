"""The measurements: pipeline per stage, baselines, runners, and the store at size.

Each function returns plain JSON-able dicts; bench/run.py orders them and bench/report.py
writes them out. Timings use perf_counter; memory is the process's peak RSS (ru_maxrss) and
its current RSS from /proc at chosen points (to see whether memory grows with the input).
"""
from __future__ import annotations

import hashlib
import random
import resource
import statistics
import time
from pathlib import Path
from typing import Any, Iterable

from tocsin.errors import TocsinError
from tocsin.model import RawDocument


def rss_mb() -> float:
    """Current resident set size of this process, in MB (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KB


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def read_docs(paths: Iterable[Path]) -> Iterable[RawDocument]:
    """Documents of these inputs through tocsin's readers (streamed)."""
    from tocsin.ingest import expand_inputs, read_input

    for item in expand_inputs([str(p) for p in paths]):
        if isinstance(item, TocsinError):
            continue
        for doc in read_input(item):
            if not isinstance(doc, TocsinError):
                yield doc


def rate(n: float, mb: float, seconds: float) -> dict[str, float]:
    s = max(seconds, 1e-9)
    return {"seconds": round(seconds, 3), "articles_per_s": round(n / s, 2), "mb_per_s": round(mb / s, 3)}


def hash_loop(paths: list[Path], n_articles: int) -> dict[str, Any]:
    """Baseline: a plain loop that only reads and hashes the files."""
    t0 = time.perf_counter()
    size = 0
    for p in paths:
        data = p.read_bytes()
        size += len(data)
        hashlib.sha256(data).hexdigest()
    return {"articles": n_articles, "mb": round(size / 1e6, 3), **rate(n_articles, size / 1e6, time.perf_counter() - t0)}


def pipeline_by_stage(paths: list[Path]) -> tuple[dict[str, Any], list[str]]:
    """The full local pipeline over these inputs, timing every stage; returns (figures, texts)."""
    from tocsin.pipeline import load_default_stages, process_document
    from tocsin.extract.ner import load_model

    stages = load_default_stages().ordered()
    load_model()  # model loading is start-up, not throughput
    warm = next(iter(read_docs(paths[:1])), None)
    if warm is not None:
        process_document(warm, stages)
    per_stage: dict[str, float] = {s.name: 0.0 for s in stages}
    timed = []
    for st in stages:
        def wrap(fn, name=st.name):
            def inner(x):
                t = time.perf_counter()
                try:
                    return fn(x)
                finally:
                    per_stage[name] += time.perf_counter() - t
            return inner
        timed.append(type(st)(st.name, wrap(st.fn), st.kind, st.needs, st.adds, st.version, st.order))
    texts: list[str] = []
    size = 0
    t_read = 0.0
    c0 = time.process_time()
    t0 = time.perf_counter()
    it = iter(read_docs(paths))
    while True:
        t = time.perf_counter()
        doc = next(it, None)
        t_read += time.perf_counter() - t
        if doc is None:
            break
        size += len(doc.text.encode("utf-8"))
        for art in process_document(doc, timed):
            texts.append(art.text)
    total = time.perf_counter() - t0
    cpu = time.process_time() - c0
    n = len(texts)
    mb = size / 1e6
    out = {"articles": n, "mb": round(mb, 3), **rate(n, mb, total), "cpu_seconds": round(cpu, 3),
           "read_seconds": round(t_read, 3),
           "stages": {name: {**rate(n, mb, sec), "share": round(sec / max(total, 1e-9), 3)}
                      for name, sec in per_stage.items()}}
    return out, texts


def ner_alone(texts: list[str]) -> dict[str, Any]:
    """Baseline: the statistical NER model alone over the same article texts, paragraph by
    paragraph as tocsin feeds it, straight through nlp.pipe (not ner_spans, which skips the
    paragraphs that cannot yield a new name: the baseline is one plain pass over all the text)."""
    from tocsin.extract.ner import load_model

    nlp = load_model()
    if nlp is None:
        return {"skipped": "NER model not installed"}
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    c0 = time.process_time()
    t0 = time.perf_counter()
    for t in texts:
        for doc in nlp.pipe([p for p in t.split("\n") if p.strip()], batch_size=64):
            [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    return {"articles": len(texts), "mb": round(mb, 3), **rate(len(texts), mb, time.perf_counter() - t0),
            "cpu_seconds": round(time.process_time() - c0, 3)}


def html_extract(pages: list[Path]) -> dict[str, Any]:
    """trafilatura.extract vs tocsin's HTML reader + cleaning stage on the same pages."""
    from tocsin.pipeline import load_default_stages, process_document

    mb = sum(p.stat().st_size for p in pages) / 1e6
    out: dict[str, Any] = {"pages": len(pages), "mb": round(mb, 3)}
    try:
        import trafilatura
    except ImportError:
        out["trafilatura"] = {"skipped": "trafilatura not installed"}
    else:
        t0 = time.perf_counter()
        got = sum(1 for p in pages if trafilatura.extract(p.read_text(encoding="utf-8")))
        out["trafilatura"] = {"extracted": got, **rate(len(pages), mb, time.perf_counter() - t0)}
    seg = load_default_stages().ordered(["segment"])
    t0 = time.perf_counter()
    got = sum(len(process_document(d, seg)) for d in read_docs(pages))
    out["tocsin_read_and_segment"] = {"extracted": got, **rate(len(pages), mb, time.perf_counter() - t0)}
    return out


def runner_speed(name: str, paths: list[Path], workers: int | None, n_articles: int, mb: float) -> dict[str, Any]:
    """One runner over the documents of ``paths`` (streamed across files), after a warm-up."""
    from tocsin.runners import get_runner

    opts = {} if name == "local" else {"workers": workers}
    t0 = time.perf_counter()
    try:
        runner = get_runner(name, **opts)
        for _ in runner.run(read_docs(paths[:1])):  # start workers, load models
            pass
    except TocsinError as e:
        return {"skipped": str(e)}
    startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = 0
    errors = 0
    for _, res in runner.run(read_docs(paths)):
        if isinstance(res, TocsinError):
            errors += 1
        else:
            n += len(res)
    sec = time.perf_counter() - t0
    if hasattr(runner, "close"):
        runner.close()
    return {"runner": name, "workers": workers or 1, "articles": n, "errors": errors,
            "startup_seconds": round(startup, 2), **rate(n_articles, mb, sec)}


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    qs = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": round(qs[49], 2), "p95_ms": round(qs[94], 2), "p99_ms": round(qs[98], 2),
            "max_ms": round(max(values), 2), "n": len(values)}


def query_mix(words: list[str], n_queries: int = 200, seed: int = 0) -> list[str]:
    """A fixed random mix of one-word, two-word and phrase queries (same seed, same queries)."""
    rng = random.Random(seed)
    out = []
    for i in range(n_queries):
        kind = i % 3
        if kind == 0:
            out.append(rng.choice(words))
        elif kind == 1:
            out.append(f"{rng.choice(words)} {rng.choice(words)}")
        else:
            out.append(f'"{rng.choice(words)}"')
    return out


def search_latency(db: str, words: list[str], n_queries: int = 200, seed: int = 0) -> dict[str, Any]:
    """FTS5 search latency over query_mix(words)."""
    from tocsin.store import Store

    queries = query_mix(words, n_queries, seed)
    times = []
    with Store(db, readonly=True) as store:
        store.search(queries[0], limit=20)  # open caches once
        for q in queries:
            t = time.perf_counter()
            store.search(q, limit=20)
            times.append((time.perf_counter() - t) * 1000)
    return percentiles(times)
