"""Deciding a file's format from its first bytes, with the file name only as a tie-breaker.

Analysts rename things: a feed saved as .txt, an HTML page saved as .xml, a digest with no
extension. Content decides; the extension only settles markup whose root we do not know.
"""
from __future__ import annotations

import os
import re

from .text import detect_bom, detect_unicode_without_bom, looks_binary

FORMATS = ("gzip", "warc", "feed", "html", "jsonl", "digest", "binary")

# Magic numbers of things we do not read; named so the error can say what the file is.
ARCHIVE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-zip archive"),
    (b"Rar!", "rar archive"),
    (b"%PDF", "PDF document"),
    (b"\xd0\xcf\x11\xe0", "legacy MS Office document"),
    (b"{\\rtf", "RTF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"SQLite format 3\x00", "SQLite database"),
)

_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype[^\[>]*(?:\[.*?\])?\s*>)", re.S | re.I)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w:.\-]*)")
_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}
_HTML_TAGS = re.compile(r"<(?:html|head|body|div|p|br|span|a|article|section|table|h[1-6]|meta|title|ul|li)\b", re.I)
_HTML_EXT = {".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx"}
_FEED_EXT = {".xml", ".rss", ".atom", ".rdf"}
_JSONL_EXT = {".jsonl", ".ndjson", ".json"}


def binary_kind(head: bytes) -> str | None:
    """A human name for a known non-text format ("zip archive"), else None."""
    for magic, what in ARCHIVE_MAGIC:
        if head.startswith(magic):
            return what
    return None


def _head_text(head: bytes) -> str | None:
    bom = detect_bom(head)
    if bom:
        return head[bom[1]:].decode(bom[0], "replace")
    enc = detect_unicode_without_bom(head)
    if enc:
        return head.decode(enc, "replace")
    if looks_binary(head):
        return None
    return head.decode("utf-8", "replace")


def _ext(name: str) -> str:
    base = os.path.basename(name).lower()
    if base.endswith(".gz"):
        base = base[:-3]
    return os.path.splitext(base)[1]


def _markup_kind(s: str, ext: str) -> str:
    pos = 0
    doctype_html = False
    while True:
        m = _PROLOG.match(s, pos)
        if not m or m.end() == pos:
            break
        if m.group(0).lstrip().lower().startswith("<!doctype html"):
            doctype_html = True
        pos = m.end()
    root = _ROOT.match(s, pos)
    if root:
        local = root.group(1).split(":")[-1].lower()
        if local in _FEED_ROOTS:
            return "feed"
        if local == "html" or doctype_html:
            return "html"
    if doctype_html:
        return "html"
    if ext in _FEED_EXT:
        return "feed"
    if ext in _HTML_EXT:
        return "html"
    if re.search(r"<(?:item|entry)\b", s) and not _HTML_TAGS.search(s[:4096]):
        return "feed"
    return "html" if _HTML_TAGS.search(s) else ("feed" if s.lstrip().startswith("<?xml") else "html")


def sniff_format(head: bytes, name: str) -> str:
    """Format of a file from its first bytes (64 KB is plenty) and its name.

    Returns one of "gzip", "warc", "feed", "html", "jsonl", "digest", "binary".
    """
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"WARC/"):
        return "warc"
    if binary_kind(head):
        return "binary"
    text = _head_text(head)
    if text is None:
        return "binary"
    s = text.lstrip("\ufeff \t\r\n")
    ext = _ext(name)
    if s.startswith("WARC/"):
        return "warc"
    if s.startswith("{"):
        # A JSON Feed is one JSON document, not JSON Lines.
        return "feed" if re.search(r'"version"\s*:\s*"https?://jsonfeed\.org/', s[:4096]) else "jsonl"
    if s.startswith("["):
        return "jsonl"
    if s.startswith("<"):
        return _markup_kind(s, ext)
    if ext in _HTML_EXT and _HTML_TAGS.search(s):
        return "html"
    if ext in _JSONL_EXT and not s:
        return "jsonl"
    return "digest"
