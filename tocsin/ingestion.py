"""The writer side of `tocsin run`: documents of every input file flow through ONE runner
stream (so a process pool or Ray keeps all its workers busy across small files), and the
store, the only writer, takes the results in batches and closes each file once all of its
documents are back.

A file is marked done only after its last article is stored, so a killed run re-reads the
files it had not finished; their articles dedupe by content id.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .errors import TocsinError
from .ingest import InputFile, read_input
from .model import Article, RawDocument

BATCH = 200  # articles per write transaction: bounded memory, few commits
MAX_ERRORS_KEPT = 200  # the summary keeps the first errors; the store's errors table keeps all


@dataclass
class RunSummary:
    files_seen: int = 0
    files_skipped: int = 0  # already fully ingested (same content hash)
    files_failed: int = 0
    documents: int = 0
    articles_found: int = 0
    articles_new: int = 0
    errors: list[str] = field(default_factory=list)
    n_errors: int = 0
    by_language: Counter = field(default_factory=Counter)
    by_outlet: Counter = field(default_factory=Counter)
    by_file: Counter = field(default_factory=Counter)
    corpus: dict = field(default_factory=dict)  # corpus stage name -> its summary
    seconds: float = 0.0


@dataclass
class _FileState:
    f: InputFile
    emitted: int = 0  # documents handed to the runner
    returned: int = 0  # results back from the runner
    articles: int = 0
    read_all: bool = False
    error: TocsinError | None = None
    closed: bool = False


class IngestSession:
    def __init__(self, store: Any, runner: Any, summary: RunSummary,
                 on_file: Callable[[InputFile | None, int, int], None] | None = None):
        self.store, self.runner, self.summary, self.on_file = store, runner, summary, on_file
        self.files: dict[str, _FileState] = {}
        self.batch: list[Article] = []

    def fail(self, err: TocsinError) -> None:
        self.summary.n_errors += 1
        if len(self.summary.errors) < MAX_ERRORS_KEPT:
            self.summary.errors.append(str(err))
        self.store.record_error(file=err.file or "?", message=err.message, code=err.code, line=err.line)

    def run(self, inputs: list[InputFile]) -> None:
        for doc, result in self.runner.run(self._documents(inputs)):
            state = self.files[doc.file_hash]
            state.returned += 1
            if isinstance(result, TocsinError):
                self.fail(result)
            else:
                for art in result:
                    state.articles += 1
                    self.summary.by_language[art.language or "?"] += 1
                    self.summary.by_outlet[art.outlet or "?"] += 1
                    self.summary.by_file[state.f.name] += 1
                    self.batch.append(art)
                if len(self.batch) >= BATCH:
                    self._flush()
            self._maybe_close(state)
        self._flush()
        for state in self.files.values():  # files whose documents all failed to come back
            self._maybe_close(state, force=True)

    def _documents(self, inputs: list[InputFile]) -> Iterator[RawDocument]:
        for i, f in enumerate(inputs):
            if self.on_file:
                self.on_file(f, i, len(inputs))
            self.summary.files_seen += 1
            if self.store.file_status(f.sha256) == "done" or f.sha256 in self.files:
                self.summary.files_skipped += 1  # unchanged since a finished run, or listed twice
                continue
            state = self.files[f.sha256] = _FileState(f)
            self.store.begin_file(sha256=f.sha256, path=f.path, name=f.name, size=f.size)
            try:
                for item in read_input(f):
                    if isinstance(item, TocsinError):  # one bad record: note it, keep the rest
                        self.fail(item)
                        continue
                    state.emitted += 1
                    self.summary.documents += 1
                    yield item
            except TocsinError as err:  # the file as a whole is bad; what it yielded stays valid
                state.error = err
            state.read_all = True
            self._maybe_close(state)
        if self.on_file:
            self.on_file(None, len(inputs), len(inputs))

    def _flush(self) -> None:
        if self.batch:
            self.summary.articles_new += self.store.add_articles(self.batch)
            self.batch = []

    def _maybe_close(self, state: _FileState, force: bool = False) -> None:
        if state.closed or not state.read_all or (state.returned < state.emitted and not force):
            return
        self._flush()  # the file's articles are stored before the file is marked done
        state.closed = True
        self.summary.articles_found += state.articles
        if state.error is not None:
            self.summary.files_failed += 1
            self.fail(state.error)
            self.store.finish_file(state.f.sha256, status="failed", error=str(state.error), n_articles=state.articles)
        else:
            self.store.finish_file(state.f.sha256, status="done", n_articles=state.articles)
