"""Mutation fuzzing of the readers and the per-document pipeline.

Each case is a file: a seed digest or a real-format fixture (HTML, RSS, Atom, WARC, gzip, JSONL)
mutated at the byte level, or a hostile construction (invalid UTF-8, UTF-16 without BOM, NUL
bytes, a 10 MB line, deep nesting, billion laughs, a zip bomb). Every case must end as documents
or as a one-line TocsinError naming the file, within a time limit; anything else is a failure.
"""
from __future__ import annotations

import gzip
import os
import random
import signal
import sys
import tempfile
import time
import traceback
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from tocsin.errors import TocsinError
from tocsin.ingest import expand_inputs, read_input
from tocsin.pipeline import load_default_stages, process_document

CASE_SECONDS = 30


def _corpus(shared: Path) -> list[tuple[str, bytes]]:
    """Base files to mutate: the seed digests (read in place) and fixtures built here."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests import ingest_fixtures as fx

    base: list[tuple[str, bytes]] = []
    seeds = shared / "seeds"
    if seeds.is_dir():
        base += [(p.name, p.read_bytes()) for p in sorted(seeds.glob("*.txt"))]
    page = fx.html_page().encode()
    base += [
        ("page.html", page),
        ("feed.xml", fx.rss([{"title": "Talks resume", "link": "https://e.org/a", "date": "Tue, 05 Sep 2023 10:00:00 GMT",
                              "html": "<p>" + fx.PARAS[0] + "</p>"}] * 3).encode()),
        ("atom.xml", fx.atom([{"title": "Aid arrives", "link": "https://e.org/b", "id": "urn:b", "updated": "2023-09-25T10:00:00Z",
                               "html": "<p>" + fx.PARAS[1] + "</p>"}] * 2).encode()),
        ("archive.warc.gz", fx.warc_bytes([("https://e.org/p", page)], gz=True)),
        ("lines.jsonl", ("\n".join('{"title": "t%d", "text": "%s"}' % (i, fx.PARAS[i % 3]) for i in range(5))).encode()),
        ("digest.txt.gz", gzip.compress(base[0][1] if base else page)),
    ]
    return base


def _hostile() -> list[tuple[str, bytes]]:
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
              + ']><rss><channel><item><title>&lol9;</title></item></channel></rss>')
    return [
        ("invalid-utf8.txt", b"Title line\n\n" + bytes(range(128, 256)) * 50),
        ("utf16-nobom.txt", "Заголовок статьи\n\nТекст статьи о перемирии.\n".encode("utf-16-le")),
        ("nul.txt", b"Title\n\nBody with a NUL \x00 byte in it.\n" * 20),
        ("long-line.txt", b"x" * (10 * 1024 * 1024)),
        ("nested.html", b"<html><body>" + b"<div>" * 100_000 + b"text" + b"</div>" * 100_000 + b"</body></html>"),
        ("laughs.xml", laughs.encode()),
        ("bomb.txt.gz", _zip_bomb()),
        ("empty.jsonl", b""),
        ("deep.jsonl", b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n"),
    ]


_BOMB: bytes | None = None


def _zip_bomb() -> bytes:
    """600 MB of zeros in well under 1 MB of gzip: more than the reader's decompression cap."""
    global _BOMB
    if _BOMB is None:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
        chunk = b"\0" * (1 << 20)
        _BOMB = b"".join(c.compress(chunk) for _ in range(600)) + c.flush()
    return _BOMB


SPECIAL = [b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"<", b"]]>", b"&", b"&#0;", b"\r",
           b"\n\n\n", b"<!ENTITY x SYSTEM 'file:///etc/passwd'>", b"\xef\xbb\xbf", b"WARC/1.0\r\n", b"{", b"\\u0000"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four byte-level edits: flips, special sequences, cuts, duplicated chunks."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not b:
            b += rng.choice(SPECIAL)
            continue
        op = rng.randrange(6)
        i = rng.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = rng.choice(SPECIAL)
        elif op == 2:
            del b[i:]  # truncation
        elif op == 3:
            j = min(len(b), i + rng.randint(1, 4096))
            b[i:i] = b[i:j] * rng.randint(1, 4)
        elif op == 4:
            del b[i:i + rng.randint(1, 64)]
        else:
            b[i] = rng.randrange(256)
    return bytes(b)


@dataclass
class FuzzReport:
    cases: int = 0
    documents: int = 0
    errors: int = 0  # clean TocsinErrors (expected for bad input)
    failures: list[str] = field(default_factory=list)  # uncaught exceptions, hangs, malformed errors
    seconds: float = 0.0
    slowest: float = 0.0


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise _Timeout


def run_case(path: Path, stages, report: FuzzReport, *, with_stages: bool = True) -> None:
    report.cases += 1
    t0 = time.perf_counter()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_SECONDS)
    try:
        for f in expand_inputs([str(path)]):
            if isinstance(f, TocsinError):
                _check_error(f, path, report)
                continue
            try:
                for item in read_input(f):
                    if isinstance(item, TocsinError):
                        _check_error(item, path, report)
                    else:
                        report.documents += 1
                        if with_stages:
                            process_document(item, stages)
            except TocsinError as e:
                _check_error(e, path, report)
    except _Timeout:
        report.failures.append(f"{path.name}: hang (> {CASE_SECONDS} s)")
    except Exception as e:  # the point of the exercise: nothing else may escape
        report.failures.append(f"{path.name}: uncaught {type(e).__name__}: {e} | "
                               + traceback.format_exc(limit=3).replace("\n", " | ")[-400:])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        report.slowest = max(report.slowest, time.perf_counter() - t0)


def _check_error(err: TocsinError, path: Path, report: FuzzReport) -> None:
    report.errors += 1
    msg = str(err)
    if "\n" in msg or (path.name not in msg and (err.file or "") not in msg):
        report.failures.append(f"{path.name}: error message not one line naming the file: {msg[:200]!r}")


def fuzz(n_cases: int, *, seed: int = 0, shared: Path | None = None, stage_every: int = 10) -> FuzzReport:
    """``n_cases`` mutated files plus every hostile construction through the readers; every
    ``stage_every``-th case (and every hostile one) also through all per-document stages."""
    os.environ.setdefault("TOCSIN_NER", "0")  # NER is not a reader; keeps each case fast
    shared = shared or Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    rng = random.Random(seed)
    base = _corpus(shared)
    stages = load_default_stages().ordered()
    report = FuzzReport()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tocsin-fuzz-") as tmp:
        d = Path(tmp)
        for name, data in _hostile():
            p = d / name
            p.write_bytes(data)
            run_case(p, stages, report)
            p.unlink()
        for i in range(n_cases):
            name, data = base[i % len(base)]
            p = d / f"case{i:05d}-{name}"
            p.write_bytes(mutate(data, rng))
            run_case(p, stages, report, with_stages=i % stage_every == 0)
            p.unlink()
    report.seconds = time.perf_counter() - t0
    return report
