"""The public Python API. The CLI and the web views are thin layers over these functions."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable, Iterable

from .config import configure, settings
from .corpus import run_corpus_stages
from .errors import TocsinError
from .ingest import InputFile, expand_inputs
from .ingestion import RunSummary, IngestSession
from .runners import get_runner
from .store import SearchHit, Store

log = logging.getLogger(__name__)


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

    Streaming: documents of all files flow through one runner stream (local, process pool or
    Ray) and articles reach the store in batches through its single writer. A file whose content hash is already
    fully stored is skipped; a file interrupted mid-way is read again and its articles dedupe.
    """
    if pack:
        configure(pack=pack)
    t0 = time.perf_counter()
    summary = RunSummary()
    runner = get_runner(runner, **(runner_options or {}))
    files: list[InputFile] = []
    try:
        with open_store(db) as store:
            session = IngestSession(store, runner, summary, on_file)
            for item in expand_inputs(paths):
                if isinstance(item, TocsinError):
                    session.fail(item)
                else:
                    files.append(item)  # metadata only: name, size, hash
            session.run(files)
            # Corpus work is queued in the store with the articles, so work a killed run left
            # undone is picked up here too, not only what this run added.
            pending = store.corpus_queue()
            if pending or full_update:
                summary.corpus = run_corpus_stages(store, pending, full=full_update)
                store.clear_corpus_queue(pending)
    finally:
        close = getattr(runner, "close", None)
        if close:
            close()
    summary.seconds = time.perf_counter() - t0
    return summary


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


def migrate(*, db: str | None = None) -> int:
    """Apply the store's pending migrations (read-only commands cannot); the schema version."""
    path = Path(db or settings().db)
    if not path.is_file():
        raise TocsinError("E200", "store not found (nothing to migrate)", file=str(path))
    with open_store(str(path)) as store:
        return store.schema_version()


def stats(*, db: str | None = None) -> dict:
    with open_store(db, readonly=True) as store:
        return store.stats()


def briefing(out_path: str | Path, *, db: str | None = None, title: str = "tocsin briefing",
             date_from: str | None = None, date_to: str | None = None, story: str | None = None) -> Path:
    """Write the HTML briefing of the whole store, a date range (YYYY[-MM[-DD]]) or one story."""
    from .export.briefing import write_briefing

    with open_store(db, readonly=True) as store:
        return write_briefing(store, Path(out_path), title=title, date_from=date_from, date_to=date_to, story=story)


def update(*, db: str | None = None, only: Iterable[str] | None = None) -> dict:
    """Recompute every corpus stage over the whole store (after a pack or config change)."""
    with open_store(db) as store:
        pending = store.corpus_queue()
        result = run_corpus_stages(store, pending, full=True, only=only)
        if only is None:
            store.clear_corpus_queue(pending)
        return result
