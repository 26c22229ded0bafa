"""WARC / WARC.gz web archives: each HTML response record becomes one page (HTML reader).

Streamed record by record with warcio, so a multi-gigabyte crawl is never in memory. warcio
ends quietly on a truncated file; we compare where it stopped with the file size so a cut-off
download is reported (E109, or E104 for gzip) after the records before the damage.
"""
from __future__ import annotations

import io
import logging
import os
import re
from typing import IO, Iterator

from ..errors import TocsinError
from ..model import RawDocument
from .html import HTML_MAX_BYTES, html_document
from .sniff import sniff_format
from .source import CHUNK, CappedGzip, Ctx

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
logging.getLogger("warcio").setLevel(logging.ERROR)  # per-record URI fix-ups are not the user's problem


class _Misaligned:
    """Stands in for warcio's stderr warning text: records where a record's length was off."""

    def __init__(self) -> None:
        self.offsets: list[int] = []

    def format(self, offset: int, _line: bytes) -> str:
        self.offsets.append(offset)
        return ""  # warcio writes this to stderr: write nothing


class _NonChunked(Exception):
    """The .warc.gz is one gzip stream, not one gzip member per record."""


def read_warc(ctx: Ctx, cap: int) -> Iterator[RawDocument | TocsinError]:
    """``cap`` bounds the total declared record bytes (zip-bomb guard for .warc.gz)."""
    try:
        raw = open(ctx.f.path, "rb")
    except OSError as e:
        raise TocsinError("E100", f"cannot open ({e.strerror or e})", file=ctx.name) from None
    try:
        with raw:
            yield from _records(ctx, raw, cap, skip=0)
        return
    except _NonChunked as nc:
        done = nc.args[0]
    # Whole-file gzip: warcio wants per-record members, so feed it the gunzipped stream instead
    # (offsets are then positions in the decompressed archive).
    with open(ctx.f.path, "rb") as raw2:
        stream = io.BufferedReader(CappedGzip(raw2, ctx.limits.max_decompressed_bytes, ctx.name), buffer_size=CHUNK)
        yield from _records(ctx, stream, cap, skip=done, gunzipped=True)


def _fatal(ctx: Ctx, msg: str) -> TocsinError:
    code = "E104" if ctx.compressed else "E109"
    return TocsinError(code, msg, file=ctx.name, hint="records before the damage were read")


def _records(ctx: Ctx, fh: IO[bytes], cap: int, *, skip: int,
             gunzipped: bool = False) -> Iterator[RawDocument | TocsinError]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    it = ArchiveIterator(fh)
    misaligned = _Misaligned()
    it.INC_RECORD = misaligned  # type: ignore[assignment]
    declared = 0
    index = 0
    while True:
        ctx.budget.check()
        try:
            record = next(it)
        except StopIteration:
            break
        except TocsinError:
            raise
        except ArchiveLoadFailed as e:
            if "non-chunked" in str(e) and not gunzipped:
                raise _NonChunked(index) from None
            raise _fatal(ctx, f"unreadable WARC record after record {index} ({_short(e)})") from None
        except Exception as e:  # warcio raises bare AttributeError/ValueError/zlib.error on damage
            raise _fatal(ctx, f"unreadable WARC data after record {index} ({type(e).__name__}: {_short(e)})") from None
        index += 1
        if index <= skip:
            continue
        if not record.rec_headers.get_header("WARC-Type"):
            raise _fatal(ctx, f"record {index} has no WARC-Type header (not a WARC record)")
        declared += record.length or 0
        if declared > cap:
            raise TocsinError("E103", f"WARC records total more than {cap} bytes", file=ctx.name,
                              hint="raise max_decompressed_bytes if the archive is genuine")
        item = _record(ctx, it, record)
        if item is not None:
            yield item
        while misaligned.offsets:
            yield TocsinError("E109", f"record before byte {misaligned.offsets.pop(0)} is not followed by a blank "
                              "line (wrong Content-Length?)", file=ctx.name)
    end = it.offset
    size = os.path.getsize(ctx.f.path) if not gunzipped else None
    if size is not None and end < size:
        with open(ctx.f.path, "rb") as fh2:
            fh2.seek(end)
            rest = fh2.read(4096)
        if rest.strip(b"\r\n\t \x00"):
            raise _fatal(ctx, f"archive ends inside a record or has unreadable data at byte {end} (truncated?)")


def _short(e: BaseException) -> str:
    return " ".join(str(e).split())[:140]


def _record(ctx: Ctx, it: object, record: object) -> RawDocument | TocsinError | None:
    """One record: an HTML page document, a per-record error, or None (not a page)."""
    rtype = getattr(record, "rec_type", "")
    if rtype not in ("response", "resource"):
        return None
    rh = record.rec_headers  # type: ignore[attr-defined]
    http = record.http_headers if rtype == "response" else None  # type: ignore[attr-defined]
    if http is not None:
        status = http.get_statuscode() or ""
        if not status.startswith("2"):  # redirects and error pages are not articles
            return None
        ctype = http.get_header("Content-Type") or ""
    else:
        ctype = rh.get_header("Content-Type") or ""
    url = rh.get_header("WARC-Target-URI")
    try:
        data = record.content_stream().read(HTML_MAX_BYTES + 1)  # type: ignore[attr-defined]
        offset, length = it.get_record_offset(), it.get_record_length()  # type: ignore[attr-defined]
    except TocsinError:
        raise
    except Exception as e:  # a broken Content-Encoding in one record spoils only that record
        return TocsinError("E109", f"cannot read record for {url} ({type(e).__name__}: {_short(e)})", file=ctx.name)
    where = f"{ctx.name}#{offset}"
    if getattr(record.raw_stream, "limit", 0):  # type: ignore[attr-defined]
        raise _fatal(ctx, f"record at byte {offset} is cut short (truncated archive)")
    is_html = any(t in ctype.lower() for t in _HTML_TYPES) or (not ctype and sniff_format(data[:65536], "") == "html")
    if not is_html:
        return None
    if len(data) > HTML_MAX_BYTES:
        return TocsinError("E103", f"page larger than {HTML_MAX_BYTES} bytes", file=where)
    m = _CHARSET.search(ctype)
    try:
        return html_document(ctx, data, source_path=f"{ctx.f.path}#{offset}", url=url, declared=m and m.group(1),
                             byte_start=offset, byte_end=offset + length, err_name=where, fmt="warc")
    except TocsinError as e:
        return e
