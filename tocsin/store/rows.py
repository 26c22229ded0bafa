"""Articles as store rows and back: filterable columns, the rest as one JSON column.

Columns for what people filter on; everything else of the Article goes in ``extra``, so new
Article fields are stored without a migration.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, is_dataclass
from typing import Any

from ..model import Article

# Article fields stored in their own column; the rest of Article.to_dict() goes to `extra`.
_FIELD_COLUMNS = (
    "source_file", "source_path", "format", "start_line", "end_line", "byte_start", "byte_end",
    "title", "title_line", "outlet", "date", "date_inferred", "dateline_place", "author",
    "language", "url", "text", "doc_id", "file_hash",
)
# Labels later stages put in Article.annotations that we also keep as filterable columns.
_LABEL_COLUMNS = ("topic", "perspective")


def _json_default(obj: Any) -> Any:
    # Stages should put plain JSON in annotations; be lenient so one odd value does not
    # fail a whole ingest batch.
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=str)
    if isinstance(obj, tuple):
        return list(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    return str(obj)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def label_of(value: Any) -> str | None:
    """A label from an annotation that is either a string or a dict with "label"/"value"."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("label", "value", "name"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


_COLUMNS = ("id", *_FIELD_COLUMNS, *_LABEL_COLUMNS, "extra")
_SELECT_COLS = ", ".join(("pk", *_COLUMNS))
_INSERT_ARTICLE = (
    f"INSERT OR IGNORE INTO articles ({', '.join(_COLUMNS)}, added_at) "
    f"VALUES ({', '.join(':' + c for c in _COLUMNS)}, :added_at)"
)


def _article_row(art: Article) -> dict[str, Any]:
    d = art.to_dict()
    row = {c: d.get(c) for c in _FIELD_COLUMNS}
    row["id"] = d["id"]
    row["date_inferred"] = 1 if d.get("date_inferred") else 0
    ann = d.get("annotations") or {}
    for label in _LABEL_COLUMNS:
        # An Article field of that name (if the model grows one) wins over the annotation.
        row[label] = label_of(d.get(label)) or label_of(ann.get(label))
    extra = {k: v for k, v in d.items() if k not in row}
    row["extra"] = _dumps(extra)
    return row


def _row_to_article(row: sqlite3.Row) -> Article:
    d: dict[str, Any] = {c: row[c] for c in _FIELD_COLUMNS}
    d["date_inferred"] = bool(d["date_inferred"])
    d.update(json.loads(row["extra"] or "{}"))
    ann = d.setdefault("annotations", {})
    for label in _LABEL_COLUMNS:
        if row[label] is not None and label not in ann:
            ann[label] = row[label]
    return Article.from_dict(d)
