"""Corpus stages: work over the whole store rather than one article.

Per-article stages (pipeline.py) are pure functions. Some results only exist across articles:
events linked across outlets, stories, contradictions, indicator series and alerts. Each of
these is a corpus stage, registered by name with what it needs, and run after every ingest
over what is new (``since`` = the articles added by this run; a stage may recompute more when
its results depend on the whole corpus). A corpus stage reads through the Store's query API
and writes its own tables through ``store.transaction()``; the store stays the single writer.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .errors import TocsinError

log = logging.getLogger(__name__)

CorpusFn = Callable[["CorpusContext"], dict[str, Any]]


@dataclass
class CorpusContext:
    store: Any  # tocsin.store.Store (typed loosely to keep this module import-light)
    new_article_ids: list[str] = field(default_factory=list)  # added by this run; empty = rebuild all
    full: bool = False  # recompute everything (e.g. after a pack change)


@dataclass(frozen=True)
class CorpusStage:
    name: str
    fn: CorpusFn
    needs: tuple[str, ...] = ()
    version: str = "1"
    order: int = 100


CORPUS_STAGES: dict[str, CorpusStage] = {}


def corpus_stage(name: str, *, needs: Iterable[str] = (), version: str = "1", order: int = 100):
    """Decorator: register ``fn(ctx) -> summary dict`` as corpus stage ``name``."""

    def deco(fn: CorpusFn) -> CorpusFn:
        CORPUS_STAGES[name] = CorpusStage(name, fn, tuple(needs), version, order)
        return fn

    return deco


def load_corpus_stages() -> dict[str, CorpusStage]:
    from . import stages  # noqa: F401  (importing registers per-article and corpus stages)

    return CORPUS_STAGES


def run_corpus_stages(store: Any, new_article_ids: list[str], *, full: bool = False,
                      only: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Run every registered corpus stage in order; a failing stage is logged, the rest still run."""
    stages = sorted(load_corpus_stages().values(), key=lambda s: (s.order, s.name))
    if only is not None:
        wanted = set(only)
        stages = [s for s in stages if s.name in wanted]
    ctx = CorpusContext(store=store, new_article_ids=list(new_article_ids), full=full)
    results: dict[str, dict[str, Any]] = {}
    for st in stages:
        t0 = time.perf_counter()
        try:
            summary = st.fn(ctx) or {}
        except TocsinError as e:
            summary = {"error": str(e)}
            log.error("corpus stage %s failed: %s", st.name, e)
        except Exception as e:  # one stage's bug must not lose the others' results
            log.exception("corpus stage %s failed", st.name)
            summary = {"error": f"{type(e).__name__}: {e}"}
        summary["seconds"] = round(time.perf_counter() - t0, 3)
        results[st.name] = summary
    return results
