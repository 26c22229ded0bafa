"""JSON Lines: one article object per line ({"text", "title", "url", "date", "outlet", ...}).

Streamed line by line with a bounded readline, so a 50 MB line is skipped (E111) without
ever becoming one Python string. A bad line is reported and the next line is read.
A file holding one JSON array of such objects, or one pretty-printed object, is accepted
too (no line numbers then).
"""
from __future__ import annotations

import json
from typing import Any, IO, Iterator

from ..errors import TocsinError
from ..model import SINGLE, RawDocument
from .html import iso_date
from .source import Ctx, open_stream, read_all
from .text import decode_line, normalise_newlines

FIELDS = ("title", "date", "author", "outlet", "language", "url")


def _scalar(v: Any) -> str | None:
    if v is None or isinstance(v, (dict, list)):
        return None
    s = str(v).strip()
    return s or None


def article_from_obj(obj: Any) -> tuple[str, dict[str, Any]]:
    """(text, meta) of one JSON article; raises ValueError saying what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError('no "text" string field')
    text = normalise_newlines(text).replace("\x00", "")
    if not text.strip():
        raise ValueError('"text" is empty')
    meta: dict[str, Any] = {k: _scalar(obj.get(k)) for k in FIELDS}
    raw_date = meta["date"]
    meta["date"] = iso_date(raw_date)
    if raw_date and not meta["date"]:
        meta["date_raw"] = raw_date  # the dates stage may still parse "4 October 2020"
    if meta["language"]:
        meta["language"] = meta["language"].lower()
    extra = {k: v for k, v in obj.items() if k != "text" and k not in FIELDS}
    if extra:
        meta["extra"] = extra
    return text, meta


def _doc(ctx: Ctx, text: str, meta: dict, line: int | None, start: int | None, end: int | None) -> RawDocument:
    return RawDocument(source_path=ctx.f.path, source_file=ctx.name, format="jsonl", kind=SINGLE, text=text,
                       url=meta.get("url"), line_start=line, byte_start=start, byte_end=end, meta=meta,
                       file_hash=ctx.f.sha256)


def _skip_rest_of_line(s: IO[bytes]) -> int:
    n = 0
    while True:
        chunk = s.readline(1 << 20)
        n += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return n


def read_jsonl(ctx: Ctx, cap: int, array: bool = False) -> Iterator[RawDocument | TocsinError]:
    if array:
        yield from _read_array(ctx, cap)
        return
    max_line = ctx.limits.max_line_bytes
    offset = 0
    line_no = 0
    any_line = False
    with open_stream(ctx, cap) as s:
        while True:
            if line_no % 256 == 0:
                ctx.budget.check()
            raw = s.readline(max_line + 1)
            if not raw:
                break
            line_no += 1
            start = offset
            offset += len(raw)
            if len(raw) > max_line and not raw.endswith(b"\n"):
                offset += _skip_rest_of_line(s)
                yield TocsinError("E111", f"line longer than {max_line} bytes (skipped)", file=ctx.name, line=line_no)
                continue
            line = raw.rstrip(b"\r\n")
            if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
                line, start = line[3:], start + 3
            if not line.strip():
                continue
            first = not any_line
            any_line = True
            text, legacy = decode_line(line)
            try:
                body, meta = article_from_obj(json.loads(text))
            except RecursionError:
                yield TocsinError("E108", "JSON nested too deeply", file=ctx.name, line=line_no)
                continue
            except ValueError as e:  # json.JSONDecodeError is a ValueError
                if first and isinstance(e, json.JSONDecodeError) and _whole_document(ctx, cap) is not None:
                    # Pretty-printed JSON, not JSON Lines: one error for the file, not one per line.
                    yield from _read_array(ctx, cap)
                    return
                yield TocsinError("E108", f"bad JSON line: {str(e)[:160]}", file=ctx.name, line=line_no)
                continue
            if legacy:
                meta["decode_warnings"] = [f"line not UTF-8, decoded as {legacy}"]
            yield _doc(ctx, body, meta, line_no, start, start + len(line))
    if not any_line:
        raise TocsinError("E102", "no JSON lines (only whitespace)", file=ctx.name)


def _whole_document(ctx: Ctx, cap: int) -> Any:
    """The file parsed as one JSON document, or None if it is not one."""
    try:
        return json.loads(read_all(ctx, min(cap, ctx.limits.max_file_bytes)).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _read_array(ctx: Ctx, cap: int) -> Iterator[RawDocument | TocsinError]:
    data = read_all(ctx, min(cap, ctx.limits.max_file_bytes))
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise TocsinError("E108", f"malformed JSON array ({str(e)[:160]})", file=ctx.name) from None
    if isinstance(items, dict):
        items = [items]  # one pretty-printed article object
    if not isinstance(items, list):
        raise TocsinError("E108", "expected a JSON array of article objects", file=ctx.name)
    for i, obj in enumerate(items, 1):
        ctx.budget.check()
        try:
            body, meta = article_from_obj(obj)
        except ValueError as e:
            yield TocsinError("E108", f"array item {i}: {e}", file=ctx.name)
            continue
        yield _doc(ctx, body, meta, None, None, None)
