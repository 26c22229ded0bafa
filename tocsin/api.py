"""The public Python API. The CLI and the web views are thin layers over these functions."""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .config import configure, settings
from .corpus import run_corpus_stages
from .errors import TocsinError
from .ingest import InputFile, expand_inputs, read_input
from .model import Article, RawDocument
from .pipeline import LocalRunner
from .runners import get_runner
from .store import SearchHit, Store

log = logging.getLogger(__name__)
BATCH = 200  # articles per write transaction: bounded memory, few commits


@dataclass
class RunSummary:
    files_seen: int = 0
    files_skipped: int = 0  # already fully ingested (same content hash)
    files_failed: int = 0
    documents: int = 0
    articles_found: int = 0
    articles_new: int = 0
    errors: list[str] = field(default_factory=list)
    by_language: Counter = field(default_factory=Counter)
    by_outlet: Counter = field(default_factory=Counter)
    by_file: Counter = field(default_factory=Counter)
    corpus: dict = field(default_factory=dict)  # corpus stage name -> its summary
    seconds: float = 0.0


def open_store(db: str | None = None, *, readonly: bool = False) -> Store:
    return Store(db or settings().db, readonly=readonly)


def run(
    paths: Iterable[str],
    *,
    db: str | None = None,
    pack: str | None = None,
    on_file: Callable[[InputFile | None, int, int], None] | None = None,
    full_update: bool = False,
    runner: str = "local",
    runner_options: dict | None = None,
) -> RunSummary:
    """Ingest the inputs and run every registered stage over what is new; store the results.

    Streaming: documents flow one at a time from the readers through the stages, and articles
    reach the store in batches through its single writer. A file whose content hash is already
    fully stored is skipped; a file interrupted mid-way is read again and its articles dedupe.
    """
    if pack:
        configure(pack=pack)
    t0 = time.perf_counter()
    summary = RunSummary()
    runner = get_runner(runner, **(runner_options or {}))
    files: list[InputFile] = []
    with open_store(db) as store:
        for item in expand_inputs(paths):
            if isinstance(item, TocsinError):
                _fail(store, summary, item)
            else:
                files.append(item)
        for i, f in enumerate(files):
            if on_file:
                on_file(f, i, len(files))
            summary.files_seen += 1
            if store.file_status(f.sha256) == "done":
                summary.files_skipped += 1
                continue
            _ingest_file(store, runner, f, summary)
        if on_file:
            on_file(None, len(files), len(files))
        # Corpus work is queued in the store with the articles, so work a killed run left
        # undone is picked up here too, not only what this run added.
        pending = store.corpus_queue()
        if pending or full_update:
            summary.corpus = run_corpus_stages(store, pending, full=full_update)
            store.clear_corpus_queue(pending)
    summary.seconds = time.perf_counter() - t0
    return summary


def _fail(store: Store, summary: RunSummary, err: TocsinError) -> None:
    summary.errors.append(str(err))
    store.record_error(file=err.file or "?", message=err.message, code=err.code, line=err.line)


def _documents(f: InputFile, store: Store, summary: RunSummary) -> Iterator[RawDocument]:
    for item in read_input(f):
        if isinstance(item, TocsinError):  # one bad record: note it, keep the rest of the file
            _fail(store, summary, item)
            continue
        summary.documents += 1
        yield item


def _ingest_file(store: Store, runner: LocalRunner, f: InputFile, summary: RunSummary) -> None:
    store.begin_file(sha256=f.sha256, path=f.path, name=f.name, size=f.size)
    batch: list[Article] = []
    n = 0
    try:
        for doc, result in runner.run(_documents(f, store, summary)):
            if isinstance(result, TocsinError):
                _fail(store, summary, result)
                continue
            for art in result:
                n += 1
                summary.by_language[art.language or "?"] += 1
                summary.by_outlet[art.outlet or "?"] += 1
                summary.by_file[f.name] += 1
                batch.append(art)
            if len(batch) >= BATCH:
                summary.articles_new += store.add_articles(batch)
                batch = []
        summary.articles_new += store.add_articles(batch)
        summary.articles_found += n
        store.finish_file(f.sha256, status="done", n_articles=n)
    except TocsinError as err:  # the file as a whole is bad; what it yielded before stays valid
        summary.articles_new += store.add_articles(batch)
        summary.articles_found += n
        summary.files_failed += 1
        _fail(store, summary, err)
        store.finish_file(f.sha256, status="failed", error=str(err), n_articles=n)


def search(query: str, *, db: str | None = None, **filters) -> list[SearchHit]:
    with open_store(db, readonly=True) as store:
        return store.search(query, **filters)


def export(outdir: str | Path, *, db: str | None = None, formats: Iterable[str] = ("jsonl",)) -> dict:
    from .export import export_store
    from .pipeline import load_default_stages

    load_default_stages()  # feature modules register their export tables on import
    with open_store(db, readonly=True) as store:
        return export_store(store, Path(outdir), formats=tuple(formats))


def evaluate(export_dir: str | Path, gold_dir: str | Path) -> dict:
    from .eval import evaluate as _evaluate

    return _evaluate(export_dir, gold_dir)


def stats(*, db: str | None = None) -> dict:
    with open_store(db, readonly=True) as store:
        return store.stats()


def briefing(out_path: str | Path, *, db: str | None = None, title: str = "tocsin briefing") -> Path:
    from .export.briefing import write_briefing

    with open_store(db, readonly=True) as store:
        return write_briefing(store, Path(out_path), title=title)


def update(*, db: str | None = None, only: Iterable[str] | None = None) -> dict:
    """Recompute every corpus stage over the whole store (after a pack or config change)."""
    with open_store(db) as store:
        pending = store.corpus_queue()
        result = run_corpus_stages(store, pending, full=True, only=only)
        if only is None:
            store.clear_corpus_queue(pending)
        return result
