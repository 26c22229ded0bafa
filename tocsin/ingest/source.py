"""What every reader shares: the file, its limits, a time budget and bounded byte streams.

Readers never call open() or gzip themselves; they get a stream from here, so the size caps
(against zip bombs and runaway files) and the error codes for broken compression live in one
place.
"""
from __future__ import annotations

import gzip
import io
import time
import zlib
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from ..errors import TocsinError

if TYPE_CHECKING:
    from .files import InputFile, Limits

CHUNK = 1 << 20


@dataclass
class Budget:
    """Time spent inside the reader only: the consumer's work between yields does not count."""

    limit: float
    name: str
    spent: float = 0.0
    resumed: float = field(default_factory=time.perf_counter)

    def resume(self) -> None:
        self.resumed = time.perf_counter()

    def pause(self) -> None:
        self.spent += time.perf_counter() - self.resumed

    def check(self) -> None:
        if self.spent + (time.perf_counter() - self.resumed) > self.limit:
            raise TocsinError("E112", f"reading took longer than {self.limit:g} s", file=self.name,
                              hint="split the file or raise max_seconds_per_file")


@dataclass
class Ctx:
    """One file being read."""

    f: "InputFile"
    limits: "Limits"
    budget: Budget
    compressed: bool = False  # the stream readers get is decompressed gzip

    @property
    def name(self) -> str:
        return self.f.name


class CappedGzip(io.RawIOBase):
    """Streaming gunzip that stops at ``cap`` decompressed bytes and names its errors."""

    def __init__(self, raw: IO[bytes], cap: int, name: str) -> None:
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self.cap = cap
        self.name_ = name
        self.total = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            fileobj = self._gz.fileobj
            self._gz.close()
            if fileobj is not None:
                fileobj.close()
        super().close()

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._gz.read(min(len(b), 1 << 16))  # small reads: data before a cut still arrives
        except EOFError:
            raise TocsinError("E104", "gzip stream is truncated (ends before its end marker)", file=self.name_,
                              hint="re-download or re-compress the file") from None
        except (gzip.BadGzipFile, zlib.error, OSError) as e:
            raise TocsinError("E104", f"corrupt gzip data ({e})", file=self.name_) from None
        self.total += len(data)
        if self.total > self.cap:
            raise TocsinError("E103", f"decompresses to more than {self.cap} bytes (possible zip bomb)",
                              file=self.name_, hint="raise max_decompressed_bytes if the file is genuine")
        n = len(data)
        b[:n] = data
        return n


def open_stream(ctx: Ctx, cap: int) -> IO[bytes]:
    """The file's bytes, gunzipped when it is gzip, as a buffered stream."""
    try:
        raw = open(ctx.f.path, "rb")
    except OSError as e:
        raise TocsinError("E100", f"cannot open ({e.strerror or e})", file=ctx.name) from None
    if not ctx.compressed:
        return raw
    return io.BufferedReader(CappedGzip(raw, cap, ctx.name), buffer_size=CHUNK)


def read_all(ctx: Ctx, cap: int, max_line: int | None = None) -> bytes:
    """Whole content (for formats parsed in one piece), at most ``cap`` bytes.

    With ``max_line`` the longest line is checked while reading, so a 50 MB single line is
    refused after its first ``max_line`` bytes instead of after reading it all.
    """
    buf = bytearray()
    line_len = 0
    line_no = 1
    with open_stream(ctx, cap=max(cap, 1)) as s:
        while True:
            ctx.budget.check()
            chunk = s.read(CHUNK)
            if not chunk:
                break
            if len(buf) + len(chunk) > cap:
                raise TocsinError("E103", f"larger than {cap} bytes", file=ctx.name,
                                  hint="split the file or raise max_file_bytes")
            if max_line is not None:
                line_no, line_len = _check_lines(chunk, line_no, line_len, max_line, ctx.name)
            buf += chunk
    return bytes(buf)


def _check_lines(chunk: bytes, line_no: int, line_len: int, max_line: int, name: str) -> tuple[int, int]:
    """Carry the current line's length across chunks; raise E111 as soon as one is too long."""
    pos = 0
    while True:
        nl = chunk.find(b"\n", pos)
        line_len += (len(chunk) if nl < 0 else nl) - pos
        if line_len > max_line:
            raise TocsinError("E111", f"line longer than {max_line} bytes", file=name, line=line_no,
                              hint="is this really line-based text?")
        if nl < 0:
            return line_no, line_len
        line_no += 1
        line_len = 0
        pos = nl + 1
