"""RSS / Atom (feedparser) and JSON Feed: one SINGLE document per item. Never fetches.

An item whose link points at a saved page next to the feed (relative path or file://) is read
from that page with the HTML reader, the feed filling in whatever the page lacks.
"""
from __future__ import annotations

import io
import json
import os
import re
import time
from typing import Any, Iterator
from urllib.parse import unquote, urlparse

from ..errors import TocsinError
from ..model import SINGLE, RawDocument
from .html import HTML_MAX_BYTES, META_KEYS, fragment_to_text, html_document, iso_date
from .source import Ctx, read_all
from .text import detect_bom, detect_unicode_without_bom

_ENTITY_DECL = re.compile(r"<!ENTITY\s+(%\s*)?[^\s>]+\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.I)
_MAX_ENTITIES = 64


def _screen_entities(data: bytes, name: str) -> None:
    """Refuse DTD tricks before any XML parser sees them.

    expat (2.4+) already caps entity amplification, but feedparser then retries with its
    loose parser; refusing nested, parameter and external entities up front is simpler than
    trusting both. A plain text entity (``<!ENTITY id "tag:example.com,">``) is fine.
    """
    head = data[:1_000_000]
    bom = detect_bom(head)
    enc = bom[0] if bom else detect_unicode_without_bom(head)
    text = head.decode(enc or "latin-1", "replace")
    if "<!ENTITY" not in text.upper():
        return
    decls = _ENTITY_DECL.findall(text)
    bad = any(pct or kind.upper() in ("SYSTEM", "PUBLIC") or re.search(r"[&%][A-Za-z_]", kind) for pct, kind in decls)
    if bad or len(decls) > _MAX_ENTITIES:
        raise TocsinError("E107", "feed declares nested, parameter or external XML entities (refused: "
                          "entity-expansion attack risk)", file=name)


def _struct_to_iso(st: Any) -> tuple[str | None, str | None]:
    if not st:
        return None, None
    try:
        return time.strftime("%Y-%m-%d", st), time.strftime("%Y-%m-%dT%H:%M:%SZ", st)
    except (TypeError, ValueError):
        return None, None


def _lang(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})\b", value)
    return m.group(1).lower() if m else None


def _entry_text(entry: Any) -> str:
    """Longest of the item's content blocks, else its summary, as paragraphs."""
    blocks = [c for c in entry.get("content") or [] if isinstance(c, dict) and c.get("value")]
    if blocks:
        best = max(blocks, key=lambda c: len(c["value"]))
        value, ctype = best["value"], best.get("type", "text/html")
    else:
        detail = entry.get("summary_detail") or {}
        value, ctype = entry.get("summary") or "", detail.get("type", "text/html")
    if not value:
        return ""
    if ctype == "text/plain":
        return fragment_to_text(value.replace("&", "&amp;").replace("<", "&lt;"))
    return fragment_to_text(value)


def _title(entry: Any) -> str | None:
    title = entry.get("title")
    if not title:
        return None
    ctype = (entry.get("title_detail") or {}).get("type", "text/plain")
    t = fragment_to_text(title) if ctype in ("text/html", "application/xhtml+xml") else " ".join(title.split())
    return t or None


def local_page(link: str | None, feed_path: str) -> str | None:
    """The saved page an item links to, if it is a file inside the feed's folder."""
    if not link or not isinstance(link, str):
        return None
    feed_dir = os.path.realpath(os.path.dirname(os.path.abspath(feed_path)))
    parsed = urlparse(link)
    candidates = []
    if parsed.scheme == "file":
        # feedparser turns file:///x into file://x; accept both spellings.
        candidates += [unquote(parsed.path), unquote("/" + parsed.netloc + parsed.path)]
    elif parsed.scheme == "" and not link.startswith("//"):
        rel = unquote(parsed.path)
        if rel:
            candidates.append(os.path.join(feed_dir, rel))
    for c in candidates:
        real = os.path.realpath(c)
        # Only next to the feed: a feed must not make us read arbitrary files on the machine.
        if (real == feed_dir or real.startswith(feed_dir + os.sep)) and os.path.isfile(real):
            return real
    return None


def _item_doc(ctx: Ctx, i: int, meta: dict[str, Any], text: str, link: str | None,
              feed_path: str) -> RawDocument | TocsinError | None:
    page = local_page(link, feed_path)
    if page:
        try:
            with open(page, "rb") as fh:
                data = fh.read(HTML_MAX_BYTES + 1)
            if len(data) > HTML_MAX_BYTES:
                raise TocsinError("E103", f"linked page larger than {HTML_MAX_BYTES} bytes", file=page)
            doc = html_document(ctx, data, source_path=page, err_name=f"{ctx.name}#item{i}", fmt="html")
            for k in META_KEYS:  # the page knows best; the feed fills gaps
                if not doc.meta.get(k) and meta.get(k) and k != "url":
                    doc.meta[k] = meta[k]
            doc.meta["via_feed"] = ctx.f.path
            doc.meta["feed_link"] = link
            return doc
        except TocsinError as e:
            meta.setdefault("warnings", []).append(f"linked page {os.path.basename(page)} unreadable: {e.message}")
        except OSError as e:
            meta.setdefault("warnings", []).append(f"linked page {os.path.basename(page)} unreadable: {e}")
    if not text and not meta.get("title") and not link and not meta.get("guid"):
        return None  # nothing at all to show for this item
    return RawDocument(source_path=f"{ctx.f.path}#item{i}", source_file=ctx.name, format="feed", kind=SINGLE,
                       text=text, url=meta.get("url"), meta=meta, file_hash=ctx.f.sha256)


def _http_url(link: Any) -> str | None:
    return link if isinstance(link, str) and urlparse(link).scheme in ("http", "https") else None


def read_feed(ctx: Ctx, cap: int) -> Iterator[RawDocument | TocsinError]:
    data = read_all(ctx, cap)
    if not data.strip():
        raise TocsinError("E102", "no content (only whitespace)", file=ctx.name)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        yield from _read_json_feed(ctx, data)
        return
    _screen_entities(data, ctx.name)
    import feedparser

    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True)
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            exc = parsed.get("bozo_exception")
            why = " ".join(str(exc).split())[:160] if exc else "not well-formed"
            raise TocsinError("E107", f"malformed feed with no items ({why})", file=ctx.name)
        if not parsed.get("version"):
            raise TocsinError("E107", "not an RSS/Atom feed (no feed root element or items)", file=ctx.name)
        return
    feed = parsed.get("feed") or {}
    outlet = _title(feed) if feed.get("title") else None
    feed_lang = _lang(feed.get("language"))
    yielded = 0
    for i, entry in enumerate(entries, 1):
        ctx.budget.check()
        date, dt = None, None
        for key in ("published_parsed", "updated_parsed", "created_parsed"):
            date, dt = _struct_to_iso(entry.get(key))
            if date:
                break
        link = entry.get("link")
        meta: dict[str, Any] = {
            "title": _title(entry),
            "date": date,
            "author": entry.get("author") or None,
            "outlet": outlet,
            "language": _lang((entry.get("content") or [{}])[0].get("language")) or _lang(
                (entry.get("summary_detail") or {}).get("language")) or feed_lang,
            "url": _http_url(link),
        }
        if entry.get("id"):
            meta["guid"] = entry.get("id")
        if dt:
            meta["datetime"] = dt
        elif entry.get("published") or entry.get("updated"):
            meta["date_raw"] = entry.get("published") or entry.get("updated")
        if parsed.get("bozo"):
            meta["feed_warning"] = " ".join(str(parsed.get("bozo_exception")).split())[:160]
        doc = _item_doc(ctx, i, meta, _entry_text(entry), link, ctx.f.path)
        if doc is not None:
            yielded += 1
            yield doc
    if parsed.get("bozo") and not yielded:
        exc = parsed.get("bozo_exception")
        why = " ".join(str(exc).split())[:160] if exc else "not well-formed"
        raise TocsinError("E107", f"malformed feed, no readable items ({why})", file=ctx.name)


def _read_json_feed(ctx: Ctx, data: bytes) -> Iterator[RawDocument | TocsinError]:
    """JSON Feed 1.x (https://jsonfeed.org/version/1.1), which feedparser 6 does not read."""
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise TocsinError("E107", f"malformed JSON Feed ({str(e)[:120]})", file=ctx.name) from None
    items = feed.get("items") if isinstance(feed, dict) else None
    if not isinstance(items, list):
        raise TocsinError("E107", "JSON Feed has no items list", file=ctx.name)
    outlet = feed.get("title") if isinstance(feed.get("title"), str) else None
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            yield TocsinError("E107", f"item {i} is not a JSON object", file=ctx.name)
            continue
        html_body, text_body = item.get("content_html"), item.get("content_text") or item.get("summary")
        if isinstance(html_body, str) and html_body.strip():
            text = fragment_to_text(html_body)
        else:
            text = fragment_to_text(text_body.replace("&", "&amp;").replace("<", "&lt;")) \
                if isinstance(text_body, str) else ""
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        names = [a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
        url = item.get("url") if isinstance(item.get("url"), str) else None
        meta: dict[str, Any] = {
            "title": item.get("title") if isinstance(item.get("title"), str) else None,
            "date": iso_date(item.get("date_published") or item.get("date_modified")),
            "author": ", ".join(names) or None,
            "outlet": outlet,
            "language": _lang(item.get("language") or feed.get("language")),
            "url": _http_url(url),
        }
        doc = _item_doc(ctx, i, meta, text, url, ctx.f.path)
        if doc is not None:
            yield doc
