"""Reading and checking the export folder and the gold folder.

Every problem becomes a TocsinError E400 naming the file (and line for JSON errors), so
`tocsin eval` never fails with a traceback on a bad folder.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TocsinError

# Gold files that are not per-seed article annotations.
GOLD_EVENTS = "events.json"
GOLD_CLAIMS = "claims.json"


def _err(message: str, path: Path, line: int | None = None, hint: str | None = None) -> TocsinError:
    return TocsinError("E400", message, file=str(path), line=line, hint=hint)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise _err(f"not UTF-8 text ({e.reason})", path) from e
    except OSError as e:
        raise _err(f"cannot read ({e.strerror})", path) from e


def read_json(path: Path) -> Any:
    """One JSON document; syntax errors name file:line."""
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise _err(f"invalid JSON: {e.msg} (column {e.colno})", path, e.lineno) from e


def read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; each line must be a JSON object."""
    records = []
    for n, raw in enumerate(_read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise _err(f"invalid JSON: {e.msg} (column {e.colno})", path, n) from e
        if not isinstance(obj, dict):
            raise _err("each line must be a JSON object", path, n)
        records.append((n, obj))
    return records


def as_line(value: Any, path: Path, line: int | None, what: str) -> int | None:
    """A line number field: int or null (non-line-based input); anything else is an error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _err(f"{what} must be a line number, got {value!r}", path, line)
    try:
        as_float = float(value)
    except ValueError:
        raise _err(f"{what} must be a line number, got {value!r}", path, line) from None
    if as_float != int(as_float):
        raise _err(f"{what} must be a whole line number, got {value!r}", path, line)
    return int(as_float)


def as_list(value: Any, path: Path, line: int | None, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _err(f"{what} must be a list", path, line)
    return value


@dataclass
class GoldFile:
    name: str  # seed file name predictions are matched on
    path: Path
    articles: list[dict[str, Any]]
    boilerplate: set[int]


@dataclass
class Gold:
    files: dict[str, GoldFile]
    events: list[dict[str, Any]] | None  # None when the folder has no events.json
    claims: list[dict[str, Any]] | None
    events_path: Path | None = None
    claims_path: Path | None = None


@dataclass
class Export:
    articles: list[tuple[int, dict[str, Any]]]
    events: list[tuple[int, dict[str, Any]]] | None  # None when no events.jsonl
    claims: list[tuple[int, dict[str, Any]]] | None
    articles_path: Path
    events_path: Path | None = None
    claims_path: Path | None = None
    article_fields: set[str] = field(default_factory=set)  # keys seen on any article
    claim_fields: set[str] = field(default_factory=set)


def _load_gold_file(path: Path) -> GoldFile:
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise _err("gold file must be an object with an 'articles' list", path)
    # The seed name normally comes from "file"; fall back to the gold file's stem.
    name = data.get("file") or f"{path.stem}.txt"
    articles = []
    for i, art in enumerate(data["articles"], start=1):
        if not isinstance(art, dict):
            raise _err(f"article {i} is not an object", path)
        start = as_line(art.get("start_line"), path, None, f"article {i} start_line")
        end = as_line(art.get("end_line"), path, None, f"article {i} end_line")
        if start is None or end is None or end < start:
            raise _err(f"article {i} needs start_line <= end_line", path)
        title_line = as_line(art.get("title_line"), path, None, f"article {i} title_line")
        articles.append({**art, "start_line": start, "end_line": end, "title_line": title_line})
    bp = as_list(data.get("boilerplate_lines"), path, None, "boilerplate_lines")
    boilerplate = {as_line(x, path, None, "boilerplate_lines entry") for x in bp} - {None}
    return GoldFile(str(name), path, articles, boilerplate)  # type: ignore[arg-type]


def load_gold(gold_dir: str | Path) -> Gold:
    root = Path(gold_dir)
    if not root.is_dir():
        raise _err("gold folder not found", root)
    files: dict[str, GoldFile] = {}
    for path in sorted(root.glob("*.json")):
        if path.name in (GOLD_EVENTS, GOLD_CLAIMS):
            continue
        gf = _load_gold_file(path)
        if gf.name in files:
            raise _err(f"second gold file for {gf.name}", path)
        files[gf.name] = gf
    if not files:
        raise _err("no gold files (<seed-name>.json) in gold folder", root)
    lists = {}
    for name in (GOLD_EVENTS, GOLD_CLAIMS):
        path = root / name
        if not path.exists():
            lists[name] = None
            continue
        data = read_json(path)
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise _err("must be a JSON list of objects", path)
        lists[name] = data
    return Gold(
        files,
        lists[GOLD_EVENTS],
        lists[GOLD_CLAIMS],
        root / GOLD_EVENTS if lists[GOLD_EVENTS] is not None else None,
        root / GOLD_CLAIMS if lists[GOLD_CLAIMS] is not None else None,
    )


def load_export(export_dir: str | Path) -> Export:
    root = Path(export_dir)
    articles_path = root / "articles.jsonl"
    if not articles_path.is_file():
        raise _err("export folder has no articles.jsonl", root, hint="run `tocsin export` first")
    articles = read_jsonl(articles_path)
    opt = {}
    for name in ("events.jsonl", "claims.jsonl"):
        path = root / name
        opt[name] = read_jsonl(path) if path.is_file() else None
    exp = Export(
        articles,
        opt["events.jsonl"],
        opt["claims.jsonl"],
        articles_path,
        root / "events.jsonl" if opt["events.jsonl"] is not None else None,
        root / "claims.jsonl" if opt["claims.jsonl"] is not None else None,
    )
    for _, rec in articles:
        exp.article_fields.update(rec)
        ann = rec.get("annotations")
        if isinstance(ann, dict):
            exp.article_fields.update(ann)
    for _, rec in opt["claims.jsonl"] or []:
        exp.claim_fields.update(rec)
    return exp


def field_of(record: dict[str, Any], key: str) -> Any:
    """A record's field; falls back to the Article.annotations dict, where stages may
    leave topic/perspective/entities when an exporter does not lift them to the top."""
    if key in record:
        return record[key]
    ann = record.get("annotations")
    return ann.get(key) if isinstance(ann, dict) else None


def file_key(name: Any, gold_names: dict[str, str]) -> str | None:
    """Gold file a record's source_file refers to (by base name, else by stem), or None."""
    if not isinstance(name, str) or not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1].split("#", 1)[0]
    if base in gold_names:
        return gold_names[base]
    return gold_names.get(Path(base).stem)
