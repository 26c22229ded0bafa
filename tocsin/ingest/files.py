"""Finding input files and reading any of them into RawDocuments.

``expand_inputs`` turns what a user typed (files, folders, globs) into hashed files;
``read_input`` sniffs one file's format from its content and runs the matching reader,
turning every failure into a TocsinError naming the file.
"""
from __future__ import annotations

import glob as globmod
import hashlib
import os
import stat
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from ..errors import TocsinError
from ..model import RawDocument
from .source import Budget, Ctx
from .sniff import binary_kind, sniff_format

HEAD_BYTES = 65536


@dataclass(frozen=True)
class InputFile:
    path: str
    name: str  # base name, used as source_file
    size: int
    sha256: str


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 200_000_000  # content held in memory at once (digest, page, feed, one line)
    max_line_bytes: int = 2_000_000
    max_decompressed_bytes: int = 500_000_000  # streamed gzip / WARC content
    max_seconds_per_file: float = 120.0  # time spent inside the reader, not in the caller
    max_records: int = 1_000_000  # documents + per-record errors per file


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _input_file(path: str) -> InputFile | TocsinError:
    name = os.path.basename(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return TocsinError("E110", "not a regular file (device, socket or pipe)", file=path)
        return InputFile(path=path, name=name, size=st.st_size, sha256=_sha256(path))
    except OSError as e:
        return TocsinError("E100", f"cannot read ({e.strerror or e})", file=path)


def _walk(root: str) -> Iterator[str]:
    """Files under ``root``, sorted, hidden files and folders skipped, symlinked dirs not followed."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith("."):
                continue
            p = os.path.join(dirpath, fn)
            try:
                if stat.S_ISREG(os.stat(p).st_mode):
                    yield p
            except OSError:
                continue  # dangling symlink inside a folder: nothing to read


def expand_inputs(paths: Iterable[str]) -> Iterator[InputFile | TocsinError]:
    """Files (sha256 computed streaming) for paths, folders (recursive) and glob patterns.

    A missing path or a pattern matching nothing yields E100 and the other paths continue.
    The same file reached twice (folder and glob) is yielded once.
    """
    seen: set[str] = set()
    for given in paths:
        if os.path.isdir(given):
            candidates = list(_walk(given))
        elif os.path.lexists(given):
            candidates = [given]
        elif any(c in given for c in "*?["):
            matches = sorted(globmod.glob(given, recursive=True))
            candidates = []
            for m in matches:
                candidates.extend(_walk(m) if os.path.isdir(m) else [m])
            if not candidates:
                yield TocsinError("E100", "no file matches this pattern", file=given)
                continue
        else:
            yield TocsinError("E100", "no such file or folder", file=given)
            continue
        for p in candidates:
            key = os.path.realpath(p)
            if key in seen:
                continue
            seen.add(key)
            yield _input_file(p)


def _gunzip_head(f: InputFile) -> bytes:
    """First decompressed bytes, member by member; a cut-off stream gives what it has.

    The readers hit (and report) the damage at its real position, after yielding what comes
    before it; failing here would lose the good records of a truncated .warc.gz.
    """
    try:
        with open(f.path, "rb") as fh:
            data = fh.read(1 << 20)
    except OSError as e:
        raise TocsinError("E100", f"cannot open ({e.strerror or e})", file=f.name) from None
    out = bytearray()
    ended = False
    try:
        while data and len(out) < HEAD_BYTES:
            d = zlib.decompressobj(wbits=31)
            out += d.decompress(data, HEAD_BYTES - len(out))
            ended = d.eof
            if not d.eof:
                break
            data = d.unused_data
    except zlib.error as e:
        if not out:
            raise TocsinError("E104", f"corrupt gzip data ({e})", file=f.name) from None
    if not out and not ended:
        raise TocsinError("E104", "gzip stream is truncated (ends before any data)", file=f.name)
    return bytes(out)


def _reader(fmt: str) -> Callable[..., Iterator[RawDocument | TocsinError]]:
    from . import digest, feed, html, jsonl, warc

    return {"digest": digest.read_digest, "html": html.read_html, "feed": feed.read_feed,
            "jsonl": jsonl.read_jsonl, "warc": warc.read_warc}[fmt]


_FAILURE_CODE = {"html": "E106", "feed": "E107", "jsonl": "E108", "warc": "E109", "digest": "E105"}


def _read(f: InputFile, limits: Limits, budget: Budget, state: dict) -> Iterator[RawDocument | TocsinError]:
    if f.size == 0:
        raise TocsinError("E102", "file is empty", file=f.name)
    try:
        with open(f.path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as e:
        raise TocsinError("E100", f"cannot open ({e.strerror or e})", file=f.name) from None
    fmt = sniff_format(head, f.name)
    compressed = fmt == "gzip"
    if compressed:
        head = _gunzip_head(f)
        if not head.strip():
            raise TocsinError("E102", "gzip file decompresses to nothing", file=f.name)
        fmt = sniff_format(head, f.name[:-3] if f.name.lower().endswith(".gz") else f.name)
        if fmt == "gzip":
            raise TocsinError("E110", "gzip inside gzip is not supported", file=f.name, hint="decompress it once")
    state["fmt"] = fmt
    if fmt == "binary":
        what = binary_kind(head)
        if what:
            raise TocsinError("E110", f"unsupported format: {what}", file=f.name,
                              hint="extract or convert it to text, HTML, a feed, WARC or JSONL")
        raise TocsinError("E101", "binary data, not text", file=f.name)
    if not compressed and f.size > limits.max_file_bytes and fmt not in ("warc", "jsonl"):
        raise TocsinError("E103", f"file is {f.size} bytes, over the {limits.max_file_bytes}-byte limit",
                          file=f.name, hint="split it or raise max_file_bytes")
    ctx = Ctx(f=f, limits=limits, budget=budget, compressed=compressed)
    if fmt in ("warc", "jsonl"):  # streamed: only the decompression cap applies
        cap = limits.max_decompressed_bytes
    else:  # held in memory whole
        cap = min(limits.max_file_bytes, limits.max_decompressed_bytes)
    kwargs = {"array": True} if fmt == "jsonl" and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") else {}
    yield from _reader(fmt)(ctx, cap, **kwargs)


def read_input(f: InputFile, limits: Limits = Limits()) -> Iterator[RawDocument | TocsinError]:
    """Documents from one file, streamed. Format comes from the content (see sniff_format).

    A yielded TocsinError is a per-record problem (one bad JSONL line, one broken WARC
    record); a raised TocsinError means the rest of the file cannot be read (documents
    already yielded stay valid). No other exception escapes.
    """
    budget = Budget(limits.max_seconds_per_file, f.name)
    state: dict = {}
    inner = _read(f, limits, budget, state)
    count = 0
    try:
        while True:
            budget.resume()
            try:
                item = next(inner)
            except StopIteration:
                return
            except TocsinError:
                raise
            except MemoryError:
                raise TocsinError("E103", "ran out of memory reading this file", file=f.name) from None
            except RecursionError:
                raise TocsinError(_FAILURE_CODE.get(state.get("fmt", ""), "E110"), "structure nested too deeply",
                                  file=f.name) from None
            except Exception as e:  # a reader bug or library surprise must still name the file
                code = _FAILURE_CODE.get(state.get("fmt", ""), "E110")
                msg = " ".join(str(e).split())[:160]
                raise TocsinError(code, f"cannot read ({type(e).__name__}: {msg})", file=f.name) from None
            finally:
                budget.pause()
            count += 1
            if count > limits.max_records:
                raise TocsinError("E103", f"more than {limits.max_records} records", file=f.name,
                                  hint="split the file or raise max_records")
            yield item
    finally:
        inner.close()  # release file handles now, also when the caller stops early
