"""A Ray runner: the same registered stages as Ray actors, locally or on an existing cluster.

Each of ``workers`` actors loads the stages (and models) once with the driver's Settings, like
the process pool's initializer. The driver segments each document and sends its articles in
small chunks (runners/chunks.py) to the actor with the fewest chunks outstanding, with a bound
on work in flight, and results come back per document in input order to the driver, where the store's single SQLite
writer takes them. ``ray_address`` ("auto", "ray://host:10001", ...) joins a running cluster;
without it a local Ray is started for the run and shut down after it. Ray is an optional extra.
"""
from __future__ import annotations

import weakref
from dataclasses import asdict
from typing import Any, Iterable, Iterator

from ..config import settings
from ..errors import TocsinError
from ..model import Article, RawDocument
from .chunks import (
    CHUNK_ARTICLES,
    Where,
    has_article_stages,
    ordered_chunks,
    ordered_documents,
    run_articles,
)
from .process import default_workers, load_stages, parent_stages, run_one


def _ray():
    try:
        import ray
    except ImportError:
        raise TocsinError("E301", "the ray runner needs Ray", hint="pip install 'tocsin[ray]' (ray[data])") from None
    return ray


class _StageWorker:
    """Body of the Ray actor: stages loaded once per actor."""

    def __init__(self, cfg: dict, stage_names: list[str] | None, modules: list[str]) -> None:
        self.stages = load_stages(cfg, stage_names, modules)

    def process(self, doc: RawDocument) -> list[Article] | tuple:
        return run_one(self.stages, doc)

    def process_articles(self, articles: list[Article], where: Where) -> list[Article] | tuple:
        return run_articles(self.stages, articles, where)


class RayRunner:
    """Runs the stages on ``workers`` Ray actors; yields (doc, result) in input order."""

    name = "ray"

    def __init__(self, workers: int | None = None, ray_address: str | None = None,
                 stages: Iterable[str] | None = None, max_in_flight: int | None = None,
                 chunk: int = CHUNK_ARTICLES, **_: Any) -> None:
        from ..pipeline import load_default_stages

        self.workers = int(default_workers() if workers is None else workers)
        if self.workers < 1:
            raise TocsinError("E301", f"workers must be >= 1, not {workers}")
        self.address = ray_address
        self.stage_names, self.modules = parent_stages(stages)
        # The driver runs the document stages (segmentation) and sends articles in chunks.
        self.stages = load_default_stages().ordered(self.stage_names)
        self.chunk = max(1, int(chunk))
        self.max_in_flight = int(max_in_flight or self.workers * 4)
        _ray()  # fail early, before any input is read

        self._actors: list[Any] = []
        self._started = False

    def _get_actors(self) -> list[Any]:
        # Kept for the runner's life: api.run calls run() once per input file.
        if self._actors:
            return self._actors
        ray = _ray()
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if self.address:
                kwargs["address"] = self.address
            else:  # a local Ray sized to the workers asked for
                kwargs["num_cpus"] = self.workers
            try:
                ray.init(**kwargs)
            except Exception as e:
                raise TocsinError("E301", f"cannot start or join Ray ({self.address or 'local'}): {e}") from None
            self._started = True
            weakref.finalize(self, _shutdown, ray)
        Worker = ray.remote(num_cpus=1)(_StageWorker)
        self._actors = [Worker.remote(asdict(settings()), self.stage_names, self.modules) for _ in range(self.workers)]
        return self._actors

    def run(self, docs: Iterable[RawDocument]) -> Iterator[tuple[RawDocument, list[Article] | TocsinError]]:
        ray = _ray()
        actors = self._get_actors()
        # Chunks go to the least-loaded actor (fewest chunks outstanding), not round-robin, so
        # one slow chunk does not hold up the queue behind it.
        load: dict[Any, int] = {id(a): 0 for a in actors}
        owner: dict[Any, Any] = {}

        def submit(arts: list[Article], where: Where) -> Any:
            actor = min(actors, key=lambda a: load[id(a)])
            load[id(actor)] += 1
            ref = actor.process_articles.remote(arts, where)
            owner[ref] = actor
            return ref

        def submit_doc(doc: RawDocument) -> Any:
            actor = min(actors, key=lambda a: load[id(a)])
            load[id(actor)] += 1
            ref = actor.process.remote(doc)
            owner[ref] = actor
            return ref

        def wait(ref: Any) -> Any:
            try:
                return ray.get(ref)
            finally:
                load[id(owner.pop(ref))] -= 1

        if not has_article_stages(self.stages):  # segmentation only: whole documents to the actors
            yield from ordered_documents(docs, lambda doc: submit_doc(doc), wait, self.max_in_flight)
            return
        yield from ordered_chunks(docs, self.stages, submit, wait, self.max_in_flight, self.chunk)

    def close(self) -> None:
        """Release the actors, and Ray itself if this runner started it."""
        ray = _ray()
        for a in self._actors:
            ray.kill(a)
        self._actors = []
        if self._started:
            ray.shutdown()
            self._started = False

    def __enter__(self) -> "RayRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _shutdown(ray: Any) -> None:
    if ray.is_initialized():
        ray.shutdown()
