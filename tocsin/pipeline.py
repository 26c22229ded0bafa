"""Stage registry and the local runner.

A stage is a plain function registered by name with the fields it needs and the fields it
adds. Document stages turn one RawDocument into articles (segmentation); article stages take
one Article and return it enriched. Because stages are pure functions over dataclasses, the
same registry runs in-process here, or in a process pool / on Ray elsewhere.
"""
from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from .errors import TocsinError
from .model import Article, RawDocument

log = logging.getLogger(__name__)

DocStageFn = Callable[[RawDocument], list[Article]]
ArticleStageFn = Callable[[Article], Article]


@dataclass(frozen=True)
class Stage:
    name: str
    fn: Callable
    kind: str  # "document" or "article"
    needs: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()
    version: str = "1"
    order: int = 100


@dataclass
class Registry:
    stages: dict[str, Stage] = field(default_factory=dict)

    def register(
        self,
        name: str,
        *,
        kind: str = "article",
        needs: Iterable[str] = (),
        adds: Iterable[str] = (),
        version: str = "1",
        order: int = 100,
    ) -> Callable[[Callable], Callable]:
        """Decorator: register ``fn`` as stage ``name``."""

        def deco(fn: Callable) -> Callable:
            if kind not in ("document", "article"):
                raise ValueError(f"stage kind must be document or article, not {kind}")
            self.stages[name] = Stage(name, fn, kind, tuple(needs), tuple(adds), version, order)
            return fn

        return deco

    def get(self, name: str) -> Stage:
        try:
            return self.stages[name]
        except KeyError:
            raise TocsinError("E501", f"no stage named {name!r}", hint=f"known: {', '.join(sorted(self.stages))}") from None

    def ordered(self, names: Iterable[str] | None = None) -> list[Stage]:
        """Stages sorted so every stage runs after the stages that add what it needs."""
        chosen = [self.get(n) for n in names] if names is not None else list(self.stages.values())
        chosen.sort(key=lambda s: (s.order, s.name))
        done: list[Stage] = []
        provided: set[str] = set()
        pending = list(chosen)
        while pending:
            for st in pending:
                needed = set(st.needs) - provided
                produced_later = {a for o in pending if o is not st for a in o.adds}
                if not (needed & produced_later):
                    done.append(st)
                    provided.update(st.adds)
                    pending.remove(st)
                    break
            else:  # a cycle: keep the declared order rather than loop forever
                done.extend(pending)
                break
        return done


REGISTRY = Registry()
stage = REGISTRY.register


def load_default_stages() -> Registry:
    """Import the modules whose stages make up the default pipeline (they self-register)."""
    from . import stages  # noqa: F401  (import registers)

    return REGISTRY


# Values computed once per document and shared by its stages (the resolved pack: resolving it
# stat-checks the pack's YAML files, ~4 times per article otherwise). A fresh dict per
# document, so an edited pack is still seen by the next document; None outside a document.
_DOC_SCOPE: ContextVar[dict | None] = ContextVar("tocsin_doc_scope", default=None)


def document_scope() -> dict | None:
    """The per-document cache of the document being processed (None outside process_document)."""
    return _DOC_SCOPE.get()


def process_document(doc: RawDocument, stages: list[Stage]) -> list[Article]:
    """Run every stage over one document; the unit of work any runner distributes."""
    return process_articles(segment_document(doc, stages), stages)


def segment_document(doc: RawDocument, stages: list[Stage]) -> list[Article]:
    """The document stages alone: the articles of ``doc`` (with doc_id and file_hash set).

    Split from process_document so a pool can segment in its parent (cheap) and spread the
    articles of one long document over several workers (article stages are per article)."""
    doc_stages = [s for s in stages if s.kind == "document"]
    if not doc_stages:
        raise TocsinError("E501", "no document stage registered (segmentation)")
    articles: list[Article] = []
    token = _DOC_SCOPE.set({})
    try:
        for st in doc_stages:
            articles = st.fn(doc)
            if articles:
                break
    finally:
        _DOC_SCOPE.reset(token)
    for art in articles:
        art.doc_id = doc.id
        art.file_hash = doc.file_hash
    return articles


def process_articles(articles: list[Article], stages: list[Stage]) -> list[Article]:
    """The article stages over ``articles`` (of one document), in order."""
    art_stages = [s for s in stages if s.kind == "article"]
    token = _DOC_SCOPE.set({})
    try:
        out = []
        for art in articles:
            for st in art_stages:
                art = st.fn(art)
                art.stages[st.name] = st.version
            out.append(art)
        # Provenance: the conflict pack (name@version) the stages read, as they resolved it.
        scope = _DOC_SCOPE.get() or {}
        packs = sorted({f"{getattr(v, 'name', '?')}@{getattr(v, 'version', '?')}" for k, v in scope.items()
                        if isinstance(k, tuple) and k and k[0] == "pack"})
        if packs:
            for art in out:
                art.stages["pack"] = ",".join(packs)
        return out
    finally:
        _DOC_SCOPE.reset(token)


class LocalRunner:
    """Runs stages in this process, one document at a time (streaming, constant memory)."""

    name = "local"

    def __init__(self, stage_names: Iterable[str] | None = None):
        self.stages = load_default_stages().ordered(stage_names)

    def run(self, docs: Iterable[RawDocument]) -> Iterator[tuple[RawDocument, list[Article] | TocsinError]]:
        for doc in docs:
            try:
                yield doc, process_document(doc, self.stages)
            except TocsinError as e:
                yield doc, e
            except Exception as e:  # a stage bug must not end the run: log it per document
                log.exception("stage failed on %s", doc.source_path)
                yield doc, TocsinError("E500", f"{type(e).__name__}: {e}", file=doc.source_file, line=doc.line_start)
