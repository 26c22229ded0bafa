"""Property tests: round-trips through the readers and no crash on arbitrary bytes."""
from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ingest_fixtures import read

from tocsin.ingest import sniff_format
from tocsin.ingest.html import fragment_to_text
from tocsin.ingest.sniff import FORMATS
from tocsin.ingest.text import normalise_newlines

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text a person could write: any letters, marks, punctuation, symbols, spaces, tab and newlines.
PROSE = st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t\r"), min_size=1)


def _read_bytes(name: str, data: bytes):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        return read(p)


@SETTINGS
@given(text=PROSE, title=st.one_of(st.none(), PROSE), ascii_only=st.booleans())
def test_jsonl_round_trip(text, title, ascii_only):
    assume(text.strip())
    obj = {"text": text, "title": title, "outlet": "Wire"}
    res = _read_bytes("a.jsonl", (json.dumps(obj, ensure_ascii=ascii_only) + "\n").encode("utf-8"))
    assert res.raised is None and not res.errors
    (doc,) = res.docs
    assert doc.text == normalise_newlines(text)
    assert doc.meta["title"] == ((title or "").strip() or None)
    assert doc.line_start == 1


@SETTINGS
@given(text=PROSE, enc=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]), gz=st.booleans())
def test_digest_decoding_round_trip(text, enc, gz):
    s = text.lstrip("\ufeff \t\r\n")
    # Text that starts like markup, JSON or a WARC header is (rightly) read as that format.
    assume(s.strip() and not s.startswith(("<", "{", "[", "WARC/")))
    raw = text.encode(enc)
    res = _read_bytes("d.txt.gz" if gz else "d.txt", gzip.compress(raw) if gz else raw)
    assert res.raised is None, str(res.raised)
    (doc,) = res.docs
    expected = normalise_newlines(text)
    if enc == "utf-8" and expected.startswith("\ufeff"):
        expected = expected[1:]  # a leading U+FEFF in UTF-8 is a BOM
    assert doc.text == expected


NAMES = st.sampled_from(["x.txt", "x.html", "x.xml", "x.jsonl", "x.warc", "x.warc.gz", "x.json", "x"])
PREFIXES = st.sampled_from([b"", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", b"WARC/1.0\r\n", b"<rss><channel><item>",
                            b"<html><body><p>", b'{"text": ', b"[", b"\xef\xbb\xbf", b"\xff\xfe",
                            b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99\r\n\r\n"])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=PREFIXES, body=st.binary(max_size=3000), name=NAMES, gz=st.booleans())
def test_random_bytes_only_ever_raise_tocsin_errors(prefix, body, name, gz):
    data = prefix + body
    res = _read_bytes(name, gzip.compress(data) if gz else data)  # read() lets only TocsinError through
    for err in res.all_errors:
        assert err.file and "\n" not in str(err)


@SETTINGS
@given(head=st.binary(max_size=2000), name=NAMES)
def test_sniff_total(head, name):
    assert sniff_format(head, name) in FORMATS


@SETTINGS
@given(st.lists(st.sampled_from(["<p>", "</p>", "<br>", "<script>bad()</script>", "<div>", "a b", "&amp;", "&lt;",
                                 "<li>", "\n", "<style>x{}</style>", "<!-- c -->", "<b>", "ä"]), max_size=40))
def test_fragment_to_text(parts):
    out = fragment_to_text("".join(parts))
    assert "bad()" not in out and "x{}" not in out and "\n\n\n" not in out
    assert out == out.strip()
