"""Export the store to files analysts and the eval read: JSON Lines, CSV, Parquet.

Tables are a registry: ``EXPORTERS[name] = fn(store) -> Iterator[dict]``. Later features add
"events", "claims", "stories", "alerts" with ``@register("events", columns={...})``; every
format then exports them with no other change. Rows stream from the store to every format
at once (one pass), so memory does not grow with the corpus.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import TocsinError
from ..model import Article
from ..store.db import Store, label_of
from .jsonl import AtomicFile, JsonlWriter, dumps
from .tabular import CsvWriter, ParquetWriter

Exporter = Callable[[Store], Iterator[dict[str, Any]]]
EXPORTERS: dict[str, Exporter] = {}
# Optional declared column types ("str", "int", "float", "bool", "json") for CSV/Parquet; a
# table without one gets its columns from its first rows.
COLUMNS: dict[str, dict[str, str]] = {}
# Files that are not one table in every format (an Atom feed of alerts): fn(store, outdir) -> [paths].
FILE_EXPORTERS: dict[str, Callable[[Store, Path], list[Path]]] = {}
WRITERS: dict[str, tuple[str, Callable[..., Any]]] = {
    "jsonl": (".jsonl", JsonlWriter),
    "csv": (".csv", CsvWriter),
    "parquet": (".parquet", ParquetWriter),
}


def register(name: str, *, columns: dict[str, str] | None = None) -> Callable[[Exporter], Exporter]:
    """Decorator: export table ``name`` with rows from ``fn(store)``."""

    def deco(fn: Exporter) -> Exporter:
        EXPORTERS[name] = fn
        if columns is not None:
            COLUMNS[name] = dict(columns)
        return fn

    return deco


ARTICLE_COLUMNS: dict[str, str] = {
    "id": "str", "source_file": "str", "source_path": "str", "format": "str",
    "start_line": "int", "end_line": "int", "title": "str", "title_line": "int",
    "outlet": "str", "date": "str", "date_inferred": "bool", "dateline_place": "str",
    "author": "str", "language": "str", "topic": "str", "perspective": "str",
    "perspective_confidence": "float", "perspective_evidence": "json",
    "boilerplate_lines": "json", "entities": "json", "text": "str", "url": "str",
    "byte_start": "int", "byte_end": "int", "sentences": "json",
}


def _entities(value: Any) -> list[dict[str, Any]]:
    # Gold compares canonical names; accept bare strings from simpler stages too.
    out = []
    for ent in value or []:
        if isinstance(ent, str):
            out.append({"name": ent})
        elif isinstance(ent, dict) and ent.get("name"):
            out.append(ent)
    return out


def article_row(art: Article) -> dict[str, Any]:
    """The articles.jsonl record for one article (see /shared/gold/README.md)."""
    ann = art.annotations or {}
    return {
        "id": art.id,
        "source_file": art.source_file,
        "source_path": art.source_path,
        "format": art.format,
        "start_line": art.start_line,
        "end_line": art.end_line,
        "title": art.title,
        "title_line": art.title_line,
        "outlet": art.outlet,
        "date": art.date,
        "date_inferred": bool(art.date_inferred),
        "dateline_place": art.dateline_place,
        "author": art.author,
        "language": art.language,
        "topic": label_of(ann.get("topic")),
        "perspective": label_of(ann.get("perspective")),
        # the words that decided it, so a reader can check the label against the text
        "perspective_confidence": (ann.get("perspective") or {}).get("confidence")
        if isinstance(ann.get("perspective"), dict) else None,
        "perspective_evidence": list((ann.get("perspective") or {}).get("evidence") or [])
        if isinstance(ann.get("perspective"), dict) else [],
        "boilerplate_lines": list(art.boilerplate_lines),
        "entities": _entities(ann.get("entities")),
        "text": art.text,
        "url": art.url,
        "byte_start": art.byte_start,
        "byte_end": art.byte_end,
        "sentences": [
            {"text": s.text, "start": s.start, "end": s.end, "line": s.line, "language": s.language}
            for s in art.sentences
        ],
    }


@register("articles", columns=ARTICLE_COLUMNS)
def export_articles(store: Store) -> Iterator[dict[str, Any]]:
    for art in store.iter_articles():
        yield article_row(art)


def export_store(store: Store, outdir: str | os.PathLike, formats: Iterable[str] = ("jsonl",),
                 tables: Iterable[str] | None = None) -> dict[str, list[Path]]:
    """Write every registered table in every format to ``outdir``.

    Returns {format: [paths]} (plus "manifest": [manifest.json]). Files appear complete or
    not at all: each is written under a .tmp name and renamed when its table is done.
    """
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in WRITERS]
    if unknown or not formats:
        raise TocsinError("E400", f"unknown export format {', '.join(unknown) or '(none)'}",
                          hint=f"use {', '.join(WRITERS)}")
    names = list(EXPORTERS) if tables is None else list(dict.fromkeys(tables))
    missing = [t for t in names if t not in EXPORTERS]
    if missing:
        raise TocsinError("E400", f"no exporter for table {', '.join(missing)}",
                          hint=f"known: {', '.join(EXPORTERS)}")
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise TocsinError("E400", "export folder is a file", file=str(out))
    out.mkdir(parents=True, exist_ok=True)

    result: dict[str, list[Path]] = {f: [] for f in formats}
    counts: dict[str, int] = {}
    for name in names:
        writers = {f: WRITERS[f][1](out / f"{name}{WRITERS[f][0]}", COLUMNS.get(name)) for f in formats}
        try:
            n = 0
            for row in EXPORTERS[name](store):
                for w in writers.values():
                    w.write(row)
                n += 1
            for f, w in writers.items():
                result[f].append(w.close())
            counts[name] = n
        except BaseException:
            for w in writers.values():
                w.abort()
            raise
    if tables is None:
        for name, fn in FILE_EXPORTERS.items():
            result.setdefault(name, []).extend(fn(store, out))
    result["manifest"] = [_manifest(store, out, result, counts)]
    return result


def _tocsin_version() -> str:
    try:
        from importlib.metadata import version

        return version("tocsin")
    except Exception:  # running from a source tree that is not installed
        return "unknown"


def _manifest(store: Store, out: Path, result: dict[str, list[Path]], counts: dict[str, int]) -> Path:
    manifest = {
        "tocsin_version": _tocsin_version(),
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "store": str(store.path),
        "schema_version": store.schema_version(),
        "rows": counts,
        "files": {f: [p.name for p in paths] for f, paths in result.items()},
    }
    w = AtomicFile(out / "manifest.json")
    assert w.fh is not None
    w.fh.write(dumps(manifest) + "\n")
    return w.close()


__all__ = ["EXPORTERS", "COLUMNS", "WRITERS", "register", "article_row", "export_store", "ARTICLE_COLUMNS"]

# Tables contributed by later stages register themselves on import.
from . import claims_export, compare_export, extracted  # noqa: E402,F401
