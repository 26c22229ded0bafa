"""A process-pool runner: the registered stages over documents in N worker processes.

Spawn-safe (no reliance on fork): each worker is started with the parent's Settings and loads
the stages (and their models) once in its initializer. The parent segments each document and
submits its articles in small chunks (runners/chunks.py: long digests no longer leave one worker
finishing the last document alone), with a bound on work in flight; results are yielded per
document in input order, so memory stays flat however long the input and the store's single
writer sees the same sequence the local runner would give.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import weakref
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict
from typing import Any, Iterable, Iterator

from ..config import Settings, configure, settings
from ..errors import TocsinError
from ..model import Article, RawDocument
from .chunks import (
    CHUNK_ARTICLES,
    Where,
    as_result,
    has_article_stages,
    ordered_chunks,
    ordered_documents,
    run_articles,
)

log = logging.getLogger(__name__)

Result = "list[Article] | TocsinError"

# Worker-process state: the ordered stages, loaded once by _init.
_STAGES: list[Any] | None = None


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def parent_stages(stage_names: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """(stage names, their modules) as registered in this (the parent) process.

    A worker imports the default stages plus these modules, so a stage registered in the
    parent outside tocsin.stages (a plugin, a test) runs in the workers too.
    """
    from ..pipeline import load_default_stages

    stages = load_default_stages().ordered(list(stage_names) if stage_names is not None else None)
    return [s.name for s in stages], sorted({s.fn.__module__ for s in stages})


def load_stages(cfg: Settings | dict | None, stage_names: Iterable[str] | None,
                modules: Iterable[str] = ()) -> list[Any]:
    """Apply the parent's settings in this process and return the ordered stages (models warm)."""
    import importlib

    if cfg is not None:
        configure(**(asdict(cfg) if isinstance(cfg, Settings) else cfg))
    from ..pipeline import load_default_stages

    for m in modules:
        importlib.import_module(m)
    stages = load_default_stages().ordered(list(stage_names) if stage_names is not None else None)
    _warm(stages)
    return stages


def _warm(stages: list[Any]) -> None:
    """Run the article stages once on a tiny article, so models and compiled rules load now, in
    the worker's start-up, and not inside the first real work (where they made the first
    chunks of one worker several seconds slower than the other's)."""
    from ..model import Article
    from ..pipeline import process_articles

    art = Article(source_file="warm-up", source_path="warm-up", format="jsonl", title="Warm-up",
                  text="Officials in the capital said on Monday that talks would resume.", language="en")
    try:
        process_articles([art], [s for s in stages if s.kind == "article"])
    except Exception:  # noqa: BLE001 - warming is an optimisation; real work reports real errors
        log.debug("warm-up failed", exc_info=True)


def run_one(stages: list[Any], doc: RawDocument) -> list[Article] | tuple:
    """process_document with failures turned into a picklable tuple (TocsinError is not)."""
    from ..pipeline import process_document

    try:
        return process_document(doc, stages)
    except TocsinError as e:
        return ("error", e.code, e.message, e.file, e.line, e.hint)
    except Exception as e:  # a stage bug must not end the run: report it per document
        log.exception("stage failed on %s", doc.source_path)
        return ("error", "E500", f"{type(e).__name__}: {e}", doc.source_file, doc.line_start, None)


def _init(cfg: Settings, stage_names: list[str] | None, modules: list[str]) -> None:
    global _STAGES
    _STAGES = load_stages(cfg, stage_names, modules)


def _work(doc: RawDocument) -> list[Article] | tuple:
    assert _STAGES is not None, "worker not initialised"
    return run_one(_STAGES, doc)


def _work_articles(articles: list[Article], where: Where) -> list[Article] | tuple:
    assert _STAGES is not None, "worker not initialised"
    return run_articles(_STAGES, articles, where)


class ProcessRunner:
    """Runs the stages in ``workers`` spawned processes; yields (doc, result) in input order."""

    name = "process"

    def __init__(self, workers: int | None = None, stages: Iterable[str] | None = None,
                 max_in_flight: int | None = None, chunk: int = CHUNK_ARTICLES, **_: Any) -> None:
        from ..pipeline import load_default_stages

        self.workers = int(default_workers() if workers is None else workers)
        if self.workers < 1:
            raise TocsinError("E301", f"workers must be >= 1, not {workers}")
        self.stage_names, self.modules = parent_stages(stages)
        # The parent runs the document stages (segmentation) and sends articles in chunks.
        self.stages = load_default_stages().ordered(self.stage_names)
        self.chunk = max(1, int(chunk))
        # Enough queued chunks to keep every worker busy while the parent writes, no more.
        self.max_in_flight = int(max_in_flight or self.workers * 4)

        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        # One pool for the runner's life: api.run calls run() once per input file, and
        # spawning workers (and loading models) per file would cost seconds each time.
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init,
                                             initargs=(settings(), self.stage_names, self.modules))
            weakref.finalize(self, self._pool.shutdown, wait=True, cancel_futures=True)
        return self._pool

    def run(self, docs: Iterable[RawDocument]) -> Iterator[tuple[RawDocument, list[Article] | TocsinError]]:
        pool = self._get_pool()
        if not has_article_stages(self.stages):  # segmentation only: whole documents to the workers
            yield from ordered_documents(docs, lambda doc: pool.submit(_work, doc), Future.result,
                                         self.max_in_flight, cancel=Future.cancel)
            return
        yield from ordered_chunks(docs, self.stages, lambda arts, where: pool.submit(_work_articles, arts, where),
                                  Future.result, self.max_in_flight, self.chunk, cancel=Future.cancel)

    def close(self) -> None:
        """Stop the workers (also done when the runner is garbage-collected)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "ProcessRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
