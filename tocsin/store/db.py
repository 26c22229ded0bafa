"""The embedded store: one SQLite file holding articles, their provenance and ingest state.

Design choices and why:
- WAL journal, one writer connection per Store, every write in ``BEGIN IMMEDIATE`` so two
  writers queue on the busy timeout instead of failing half-way; readers open read-only.
- Schema changes only through numbered migrations (migrations/NNNN_name.sql), recorded in
  ``schema_migrations``; a store written by a newer tocsin is refused (E201) rather than
  silently misread. Later features (entities, events, claims...) add tables the same way.
- Articles are keyed by their content id, inserted with INSERT OR IGNORE: re-ingesting the
  same or an overlapping input adds nothing, while each sighting keeps its provenance.
- Columns for what people filter on; everything else of the Article goes in a JSON column
  (store/rows.py), so new Article fields are stored without a migration.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import TocsinError
from ..model import Article
from . import queries
from .rows import (  # noqa: F401  (label_of: public here too)
    _INSERT_ARTICLE, _SELECT_COLS, _article_row, _dumps, _row_to_article, label_of,
)
from .queries import SearchHit, fold

BUSY_TIMEOUT_MS = 10_000
_MIGRATION_NAME = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")

_FILE_STATUSES = ("started", "done", "failed")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with this tocsin, in order."""
    found = []
    for entry in resources.files("tocsin.store").joinpath("migrations").iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise TocsinError("E200", "two store migrations share a version number")
    return found


def _is_applied(conn: sqlite3.Connection, version: int) -> bool:
    try:
        return conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone() is not None
    except sqlite3.OperationalError:  # no schema_migrations table yet: a new store
        return False


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (trigger bodies contain ';', so ask SQLite)."""
    def blank(sql: str) -> bool:  # only whitespace, ';' and -- comments
        return not re.sub(r"--[^\n]*", "", sql).strip(" \t\r\n;")

    statements, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if not blank(buf):
                statements.append(buf.strip())
            buf = ""
    if not blank(buf):
        statements.append(buf.strip())
    return statements


class Store:
    """One SQLite file. Use as a context manager; not shared across processes for writing."""

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = threading.RLock()  # the web layer may call from several threads
        self._conn = self._connect()
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # -- connection and schema -------------------------------------------------------------

    def _error(self, message: str, hint: str | None = None) -> TocsinError:
        return TocsinError("E200", message, file=str(self.path), hint=hint)

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.readonly:
                if not self.path.is_file():
                    raise self._error("store not found", hint="run an ingest first")
                uri = self.path.resolve().as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                if self.path.is_dir():
                    raise self._error("store path is a directory")
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            if self.readonly:
                conn.execute("PRAGMA query_only = ON")
            else:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; fsync at checkpoints
            conn.create_function("tocsin_fold", 1, fold, deterministic=True)
            return conn
        except sqlite3.DatabaseError as e:
            raise self._error(f"cannot open store: {e}", hint="is it a tocsin store?") from None

    def schema_version(self) -> int:
        """Highest migration applied to this store (0 for an empty file)."""
        try:
            has = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
            ).fetchone()
            if not has:
                return 0
            row = self._conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
            return int(row[0] or 0)
        except sqlite3.DatabaseError as e:
            raise self._error(f"cannot read store: {e}", hint="is it a tocsin store?") from None

    def _migrate(self) -> None:
        known = migrations()
        latest = known[-1][0] if known else 0
        current = self.schema_version()
        if current > latest:
            raise TocsinError(
                "E201", f"store schema is version {current}, this tocsin knows up to {latest}",
                file=str(self.path), hint="upgrade tocsin or use another store",
            )
        # Apply every known migration this store lacks, not only those above its highest one:
        # a store made between two releases may have skipped a number added later.
        applied = {r[0] for r in self._conn.execute("SELECT version FROM schema_migrations")} if current else set()
        pending = [m for m in known if m[0] not in applied]
        if not pending:
            return
        if self.readonly:
            raise self._error(
                f"store schema is version {current}, needs {latest}",
                hint="upgrade it with `tocsin migrate --db PATH` (or any ingest), then run this again",
            )
        if current == 0 and self.query("SELECT count(*) FROM sqlite_master")[0][0]:
            # Tables but no migrations: some other program's database; do not write into it.
            raise self._error("not a tocsin store (it has tables but no schema_migrations)")
        for version, name, sql in pending:
            with self.transaction() as conn:
                # Another process may have migrated while we waited for the write lock.
                if _is_applied(conn, version):
                    continue
                try:
                    for statement in split_sql(sql):
                        conn.execute(statement)
                except sqlite3.Error as e:
                    raise self._error(f"migration {version:04d}_{name} failed: {e}") from None
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, _now()),
                )
                conn.execute(f"PRAGMA user_version = {int(max(version, self.schema_version()))}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE); rolls back on any exception.

        Later modules (events, claims, ...) write their own tables through this.
        """
        if self.readonly:
            raise self._error("store is open read-only")
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise self._error(f"cannot write: {e}", hint="another tocsin may be writing") from None
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as e:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise self._error(f"cannot commit: {e}") from None

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Run a read query and return all rows (rows index by name)."""
        with self._lock:
            cur = self._conn.cursor()
            cur.row_factory = sqlite3.Row
            try:
                return cur.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as e:
                raise self._error(f"query failed: {e}") from None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                if not self.readonly:
                    try:  # fold the WAL back so the store is one self-contained file
                        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    except sqlite3.Error:
                        pass
                self._conn.close()
                self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- files and errors ------------------------------------------------------------------

    def file_status(self, sha256: str) -> str | None:
        rows = self.query("SELECT status FROM files WHERE sha256 = ?", (sha256,))
        return rows[0]["status"] if rows else None

    def begin_file(self, *, sha256: str, path: str, name: str, size: int) -> None:
        """Mark a file as being read; a second begin (a resumed ingest) counts an attempt."""
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO files (sha256, path, name, size, status, started_at)
                   VALUES (?, ?, ?, ?, 'started', ?)
                   ON CONFLICT (sha256) DO UPDATE SET
                     path = excluded.path, name = excluded.name, size = excluded.size,
                     status = 'started', error = NULL, finished_at = NULL,
                     attempts = files.attempts + 1, started_at = excluded.started_at""",
                (sha256, str(path), name, size, _now()),
            )

    def finish_file(self, sha256: str, *, status: str = "done", error: str | None = None,
                    n_articles: int = 0) -> None:
        if status not in _FILE_STATUSES:
            raise self._error(f"unknown file status {status!r}", hint="started, done or failed")
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE files SET status = ?, error = ?, n_articles = ?, finished_at = ? WHERE sha256 = ?",
                (status, error, n_articles, _now(), sha256),
            )
            if cur.rowcount == 0:
                raise self._error(f"finish_file for a file never begun ({sha256[:12]})")

    def record_error(self, *, file: str, message: str, code: str, line: int | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO errors (file, line, code, message, time) VALUES (?, ?, ?, ?, ?)",
                (file, line, code, message, _now()),
            )

    # -- articles --------------------------------------------------------------------------

    def add_articles(self, articles: Iterable[Article], *, new_ids: list[str] | None = None) -> int:
        """Insert articles not already stored and record every sighting; returns how many were new.

        All in one transaction: if anything fails (even the iterable raising), nothing is kept.
        ``new_ids``, when given, receives the ids of the articles that were new (for corpus stages).
        """
        new = 0
        now = _now()
        with self.transaction() as conn:
            for art in articles:
                row = _article_row(art)
                try:
                    cur = conn.execute(_INSERT_ARTICLE, {**row, "added_at": now})
                    new += cur.rowcount
                    if cur.rowcount:
                        conn.execute("INSERT OR IGNORE INTO corpus_queue (article_id) VALUES (?)", (row["id"],))
                        if new_ids is not None:
                            new_ids.append(row["id"])
                    conn.execute(
                        """INSERT OR IGNORE INTO sightings (article_id, source_file, source_path,
                             start_line, end_line, byte_start, byte_end, file_sha256, seen_at)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        (row["id"], art.source_file, art.source_path, art.start_line, art.end_line,
                         art.byte_start, art.byte_end, art.file_hash or "", now),
                    )
                except (sqlite3.Error, UnicodeEncodeError, OverflowError) as e:
                    raise TocsinError("E200", f"cannot store article: {e}", file=art.source_file,
                                      line=art.start_line) from None
        return new

    def has_table(self, name: str) -> bool:
        """Whether the store has this table (feature tables come with later migrations)."""
        return bool(self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def corpus_queue(self) -> list[str]:
        """Ids of articles whose corpus stages have not run yet (in insertion order)."""
        return [r[0] for r in self.query("SELECT article_id FROM corpus_queue ORDER BY rowid")]

    def clear_corpus_queue(self, article_ids: Iterable[str]) -> None:
        with self.transaction() as conn:
            conn.executemany("DELETE FROM corpus_queue WHERE article_id = ?", [(i,) for i in article_ids])

    def get_article(self, article_id: str) -> Article | None:
        rows = self.query(f"SELECT {_SELECT_COLS} FROM articles WHERE id = ?", (article_id,))
        return _row_to_article(rows[0]) if rows else None

    def iter_articles(self, *, batch: int = 500) -> Iterator[Article]:
        """Every article ordered by source_file, start_line, streamed in batches.

        Keyset pagination: no read transaction stays open between batches, so callers may
        write (e.g. update_annotations) while iterating.
        """
        batch = max(1, int(batch))
        key: tuple[str, int, int] | None = None
        while True:
            if key is None:
                rows = self.query(
                    f"SELECT {_SELECT_COLS} FROM articles "
                    "ORDER BY source_file, ifnull(start_line, -1), pk LIMIT ?", (batch,))
            else:
                rows = self.query(
                    f"SELECT {_SELECT_COLS} FROM articles "
                    "WHERE (source_file, ifnull(start_line, -1), pk) > (?, ?, ?) "
                    "ORDER BY source_file, ifnull(start_line, -1), pk LIMIT ?", (*key, batch))
            for row in rows:
                yield _row_to_article(row)
            if len(rows) < batch:
                return
            last = rows[-1]
            start = last["start_line"]
            key = (last["source_file"], -1 if start is None else start, last["pk"])

    def update_annotations(self, article_id: str, annotations: dict, *, topic: str | None = None,
                           perspective: str | None = None) -> None:
        """Merge ``annotations`` into the article's (top-level keys replace); set labels if given.

        topic/perspective also live in annotations["topic"/"perspective"], which is where
        stages put them; the columns are filterable copies.
        """
        with self.transaction() as conn:
            row = conn.execute("SELECT extra FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                raise self._error(f"no article with id {article_id}")
            extra = json.loads(row[0] or "{}")
            merged = dict(extra.get("annotations") or {})
            merged.update(annotations)
            if topic is not None:
                merged["topic"] = topic
            if perspective is not None:
                merged["perspective"] = perspective
            extra["annotations"] = merged
            conn.execute(
                "UPDATE articles SET extra = ?, topic = ?, perspective = ? WHERE id = ?",
                (_dumps(extra), label_of(merged.get("topic")), label_of(merged.get("perspective")),
                 article_id),
            )

    # -- search and reporting ----------------------------------------------------------------

    def search(self, query: str, *, outlet: str | None = None, language: str | None = None,
               date_from: str | None = None, date_to: str | None = None, limit: int = 20,
               offset: int = 0) -> list[SearchHit]:
        """Full-text search; see tocsin.store.queries for the query language."""
        with self._lock:
            return queries.search(self._conn, query, outlet=outlet, language=language,
                                  date_from=date_from, date_to=date_to, limit=limit, offset=offset)

    def count(self, query: str = "", *, outlet: str | None = None, language: str | None = None,
              date_from: str | None = None, date_to: str | None = None) -> int:
        """How many articles ``search`` would find without limit (for paging)."""
        with self._lock:
            return queries.count(self._conn, query, outlet=outlet, language=language,
                                 date_from=date_from, date_to=date_to)

    def stats(self) -> dict:
        """Counts: articles, sightings, files (by status), errors, by language/outlet/file/topic, dates."""
        with self._lock:
            return {**queries.stats(self._conn), "schema_version": self.schema_version()}

    def integrity_check(self) -> str:
        rows = self.query("PRAGMA integrity_check")
        return "; ".join(str(r[0]) for r in rows)
