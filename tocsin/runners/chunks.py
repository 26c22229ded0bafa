"""Ordered, chunked dispatch shared by the process and Ray runners.

A digest is one document of 20-100 articles, so with whole documents as the unit a pool of N
workers ends each run (and each uneven stretch) with one worker finishing a long document while
the others wait: on the bench sample (10 documents, 2 workers) that tail cost ~20 % of the
runtime. Here the parent runs the document stages (segmentation, ~1 % of the pipeline) and
sends the articles out in small chunks; results are reassembled per document and yielded in
input order, so the store's single writer sees exactly what the local runner would give.
"""
from __future__ import annotations

import logging
from collections import deque
from typing import Any, Callable, Iterable, Iterator

from ..errors import TocsinError
from ..model import Article, RawDocument

log = logging.getLogger(__name__)

# Articles per task: small enough to balance the workers, large enough that the per-task cost
# (pickling, queueing: ~1 ms) stays far below the work (~40 ms per article).
CHUNK_ARTICLES = 4

Where = tuple[str, "int | None"]  # (source_file, line_start) for error messages


def run_articles(stages: list[Any], articles: list[Article], where: Where) -> list[Article] | tuple:
    """process_articles with failures turned into a picklable tuple (TocsinError is not)."""
    from ..pipeline import process_articles

    try:
        return process_articles(articles, stages)
    except TocsinError as e:
        return ("error", e.code, e.message, e.file, e.line, e.hint)
    except Exception as e:  # a stage bug must not end the run: report it per document
        log.exception("stage failed on %s", where[0])
        return ("error", "E500", f"{type(e).__name__}: {e}", where[0], where[1], None)


def as_result(value: Any) -> list[Article] | TocsinError:
    if isinstance(value, tuple) and value and value[0] == "error":
        _, code, message, file, line, hint = value
        return TocsinError(code, message, file=file, line=line, hint=hint)
    return value


def ordered_chunks(docs: Iterable[RawDocument], stages: list[Any],
                   submit: Callable[[list[Article], Where], Any], wait: Callable[[Any], Any],
                   max_in_flight: int, chunk: int = CHUNK_ARTICLES,
                   cancel: Callable[[Any], Any] | None = None
                   ) -> Iterator[tuple[RawDocument, list[Article] | TocsinError]]:
    """Segment each document here, ``submit`` its articles in chunks, yield results in order.

    ``submit(articles, where)`` returns a handle, ``wait(handle)`` its value (articles or an
    error tuple). At most ``max_in_flight`` chunks are queued, so memory stays flat."""
    from ..pipeline import segment_document

    # Per document: [doc, chunks still out, collected articles, first error]; documents leave
    # in input order once all their chunks are back. Chunks are waited for oldest first, so
    # the next document is segmented and queued as soon as any early chunk is done.
    docs_q: deque[list[Any]] = deque()
    chunks_q: deque[tuple[list[Any], int, Any]] = deque()  # (document entry, chunk index, handle)

    def collect_one() -> None:
        entry, idx, h = chunks_q.popleft()
        res = as_result(wait(h))
        if isinstance(res, TocsinError):
            entry[3] = entry[3] or res  # the document fails as a whole, as process_document would
        else:
            entry[2][idx] = res
        entry[1] -= 1

    def ready() -> Iterator[tuple[RawDocument, list[Article] | TocsinError]]:
        while docs_q and docs_q[0][1] == 0:
            doc, _, parts, error = docs_q.popleft()
            yield doc, (error if error is not None else [a for part in parts for a in part])

    try:
        for doc in docs:
            where = (doc.source_file, doc.line_start)
            entry: list[Any] = [doc, 0, [], None]
            docs_q.append(entry)
            try:
                arts = segment_document(doc, stages)
            except TocsinError as e:
                entry[3] = e
                arts = []
            except Exception as e:  # as in the local runner: one document's error, not the run's
                log.exception("stage failed on %s", doc.source_path)
                entry[3] = TocsinError("E500", f"{type(e).__name__}: {e}", file=where[0], line=where[1])
                arts = []
            for idx, i in enumerate(range(0, len(arts), chunk)):
                entry[2].append([])
                entry[1] += 1
                chunks_q.append((entry, idx, submit(arts[i:i + chunk], where)))
            while len(chunks_q) >= max_in_flight:
                collect_one()
            yield from ready()
        while chunks_q:
            collect_one()
            yield from ready()
        yield from ready()
    finally:
        if cancel is not None:  # the consumer stopped early: drop queued work
            for _, _, h in chunks_q:
                cancel(h)


def ordered_documents(docs: Iterable[RawDocument], submit: Callable[[RawDocument], Any],
                      wait: Callable[[Any], Any], max_in_flight: int,
                      cancel: Callable[[Any], Any] | None = None
                      ) -> Iterator[tuple[RawDocument, list[Article] | TocsinError]]:
    """Whole documents as the unit (``submit(doc)`` runs process_document remotely): for stage
    lists without article stages (segmentation only), where chunking would leave the workers
    nothing to do and the parent all of it."""
    pending: deque[tuple[RawDocument, Any]] = deque()
    try:
        for doc in docs:
            pending.append((doc, submit(doc)))
            if len(pending) >= max_in_flight:
                d, h = pending.popleft()
                yield d, as_result(wait(h))
        while pending:
            d, h = pending.popleft()
            yield d, as_result(wait(h))
    finally:
        if cancel is not None:
            for _, h in pending:
                cancel(h)


def has_article_stages(stages: list[Any]) -> bool:
    return any(getattr(s, "kind", None) == "article" for s in stages)
