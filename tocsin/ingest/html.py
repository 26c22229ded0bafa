"""HTML pages: main text and metadata with trafilatura, never fetching anything.

Also used by the WARC reader (one page per response record) and the feed reader (items that
link to a saved page next to the feed), and ``fragment_to_text`` turns feed item HTML into
paragraphs.
"""
from __future__ import annotations

import logging
import re
import warnings
from typing import Any, Iterator

from lxml import etree
from lxml import html as lxml_html

from ..errors import TocsinError
from ..model import SINGLE, RawDocument, normalise_text
from .source import Ctx, read_all
from .text import decode_bytes, looks_binary

# trafilatura refuses bigger inputs itself (its MAX_FILE_SIZE); no news article is near it.
HTML_MAX_BYTES = 20_000_000
META_KEYS = ("title", "date", "author", "outlet", "language", "url")

_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.I)
_XML_ENC = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.\-]{1,40})""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_LANG = (
    re.compile(r"<html\b[^>]*?\s(?:xml:)?lang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.I),
    re.compile(r"<meta[^>]+http-equiv\s*=\s*[\"']?content-language[\"']?[^>]*?content\s*=\s*[\"']?([A-Za-z]{2,3})\b",
               re.I),
    re.compile(r"<meta[^>]+property\s*=\s*[\"']?og:locale[\"']?[^>]*?content\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.I),
)
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "tr", "table",
          "section", "article", "header", "footer", "aside", "figure", "figcaption", "dd", "dt", "dl", "hr",
          "address", "main", "nav", "td", "th"}
_SKIP = {"script", "style", "noscript", "template", "head", "title"}
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # it logs parse noise as ERROR
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def declared_charset(data: bytes) -> str | None:
    """Charset stated in the page itself (<meta charset>, XML declaration)."""
    head = data[:4096]
    m = _CHARSET.search(head) or _XML_ENC.search(head)
    return m.group(1).decode("ascii") if m else None


def page_language(text: str) -> str | None:
    head = text[:8192]
    for rx in _LANG:
        m = rx.search(head)
        if m:
            return m.group(1).lower()
    return None


def _clean_paragraph(s: str) -> str:
    lines = (_SPACES.sub(" ", ln).strip() for ln in s.split("\n"))
    return "\n".join(ln for ln in lines if ln)


def _body_paragraphs(body: Any) -> list[str]:
    """Paragraphs from trafilatura's XML body: blocks split by "\n\n", <lb/> kept as "\n"."""
    for lb in body.iter("lb"):
        lb.text = "\n"
    paras: list[str] = []
    for child in body:
        if child.tag == "list":
            blocks = list(child.iter("item")) or [child]
        elif child.tag == "table":
            blocks = []
            for row in child.iter("row"):
                cells = [_clean_paragraph("".join(c.itertext())) for c in row.iter("cell")]
                paras.append(" | ".join(c for c in cells if c))
            continue
        else:
            blocks = [child]
        for b in blocks:
            p = _clean_paragraph("".join(b.itertext()))
            if p:
                paras.append(p)
    return [p for p in paras if p]


def iso_date(value: Any) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD from an ISO date or datetime string, else None."""
    if not isinstance(value, str):
        return None
    v = value.strip()[:10]
    if _ISO_DATE.match(v):
        return v
    v = value.strip()[:7]
    return v if _ISO_DATE.match(v) else None


def extract_html(data: bytes, name: str, url: str | None = None, declared: str | None = None) -> tuple[str, dict]:
    """(clean body, meta) of one HTML page. Raises E106 when no main text can be found."""
    if looks_binary(data[:65536]):
        raise TocsinError("E101", "contains NUL or control bytes: not an HTML page", file=name)
    dec = decode_bytes(data, name, declared=declared or declared_charset(data))
    text = _XML_DECL.sub("", dec.text, count=1).replace("\x00", "")
    if "<html" not in text[:4096].lower():
        # trafilatura drops bare fragments ("<p>x</p>") as not-HTML; give them a document.
        text = f"<html><body>{text}</body></html>"
    doc = None
    try:
        from trafilatura import bare_extraction

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for recall in (False, True):  # short pages: retry favouring recall before giving up
                doc = bare_extraction(text, url=url, with_metadata=True, include_comments=False,
                                      include_tables=True, favor_recall=recall)
                if doc is not None and doc.body is not None and len(doc.body):
                    break
    except TocsinError:
        raise
    except RecursionError:
        raise TocsinError("E106", "markup nested too deeply to parse", file=name) from None
    except Exception as e:  # trafilatura/lxml internals: any failure is a bad page, not a crash
        raise TocsinError("E106", f"HTML parser failed ({type(e).__name__}: {str(e)[:120]})", file=name) from None
    paras = _body_paragraphs(doc.body) if doc is not None and doc.body is not None else []
    title = (doc.title or "").strip() or None if doc is not None else None
    if paras and title and normalise_text(paras[0]) == normalise_text(title):
        paras = paras[1:]  # trafilatura keeps the <h1> headline as the first block
    body = "\n\n".join(paras)
    if not body.strip():
        raise TocsinError("E106", "no main text found in the page", file=name,
                          hint="is it an article page? (index pages, empty or deeply nested markup yield nothing)")
    meta: dict[str, Any] = {
        "title": title,
        "date": iso_date(getattr(doc, "date", None)),
        "author": (getattr(doc, "author", None) or None),
        "outlet": (getattr(doc, "sitename", None) or None),
        "language": page_language(text),
        "url": url or getattr(doc, "url", None) or None,
        "encoding": dec.encoding,
    }
    if url and getattr(doc, "url", None) and doc.url != url:
        meta["canonical_url"] = doc.url
    if getattr(doc, "description", None):
        meta["description"] = doc.description
    if dec.warnings:
        meta["decode_warnings"] = dec.warnings
    return body, meta


def html_document(ctx: Ctx, data: bytes, *, source_path: str, url: str | None = None, declared: str | None = None,
                  byte_start: int | None = None, byte_end: int | None = None, err_name: str | None = None,
                  fmt: str = "html") -> RawDocument:
    """One SINGLE RawDocument for one page (file, WARC record or page linked from a feed)."""
    body, meta = extract_html(data, err_name or ctx.name, url=url, declared=declared)
    return RawDocument(
        source_path=source_path,
        source_file=ctx.name,
        format=fmt,
        kind=SINGLE,
        text=body,
        url=meta.get("url"),
        byte_start=byte_start,
        byte_end=byte_end,
        meta=meta,
        file_hash=ctx.f.sha256,
    )


def read_html(ctx: Ctx, cap: int) -> Iterator[RawDocument]:
    data = read_all(ctx, min(cap, HTML_MAX_BYTES))
    if not data.strip():
        raise TocsinError("E102", "no content (only whitespace)", file=ctx.name)
    yield html_document(ctx, data, source_path=ctx.f.path, byte_start=0, byte_end=len(data))


def fragment_to_text(fragment: str) -> str:
    """Text of an HTML fragment (feed item body): blocks become paragraphs split by "\n\n"."""
    if "<" not in fragment and "&" not in fragment:
        return "\n\n".join(p for p in (_clean_paragraph(x) for x in re.split(r"\n\s*\n", fragment)) if p)
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _clean_paragraph(re.sub(r"<[^>]*>", " ", fragment))
    out: list[str] = []
    skip = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                skip += 1
            if skip:
                continue
            if tag in _BLOCK:
                out.append("\x00")
            elif tag == "br":
                out.append("\n")
            if el.text and isinstance(el.tag, str):
                out.append(el.text)
        else:
            if tag in _SKIP:
                skip -= 1
            elif tag in _BLOCK and not skip:
                out.append("\x00")
            if el.tail and not skip and el is not root:
                out.append(el.tail)
    paras = (_clean_paragraph(p) for p in "".join(out).split("\x00"))
    return "\n\n".join(p for p in paras if p)
