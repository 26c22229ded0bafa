"""Plain-text digests: one bundle document per file; the segmenter splits it into articles."""
from __future__ import annotations

from typing import Iterator

from ..errors import TocsinError
from ..model import BUNDLE, RawDocument
from .source import Ctx, read_all
from .text import decode_bytes, looks_binary


def read_digest(ctx: Ctx, cap: int) -> Iterator[RawDocument]:
    """The whole decoded text as one BUNDLE (line 1, bytes 0..size)."""
    data = read_all(ctx, cap, max_line=ctx.limits.max_line_bytes)
    if not data.strip():
        raise TocsinError("E102", "no text (only whitespace)", file=ctx.name)
    if looks_binary(data):
        raise TocsinError("E101", "contains NUL or control bytes: not a text file", file=ctx.name)
    dec = decode_bytes(data, ctx.name)
    text = dec.text
    warnings = list(dec.warnings)
    if "\x00" in text:  # a stray NUL or two in otherwise good text: drop them, say so
        warnings.append(f"{text.count(chr(0))} NUL character(s) removed")
        text = text.replace("\x00", "")
    meta: dict = {"encoding": dec.encoding}
    if warnings:
        meta["decode_warnings"] = warnings
    yield RawDocument(
        source_path=ctx.f.path,
        source_file=ctx.name,
        format="digest",
        kind=BUNDLE,
        text=text,
        line_start=1,
        byte_start=0,
        byte_end=len(data),
        meta=meta,
        file_hash=ctx.f.sha256,
    )
