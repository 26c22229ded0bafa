"""Small real-format inputs the ingest tests build themselves (no shared corpus text)."""
from __future__ import annotations

import gzip
import html as htmllib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from tocsin.errors import TocsinError
from tocsin.ingest import InputFile, Limits, expand_inputs, read_input
from tocsin.model import RawDocument

PARAS = [
    "The defence ministry said on Tuesday that artillery fire struck several villages near the line of contact "
    "overnight, wounding three civilians and damaging a school building.",
    "Officials on the other side rejected the statement, saying their units had only returned fire at military "
    "positions and accusing the ministry of spreading disinformation.",
    "International observers called on both governments to respect the ceasefire agreement and to allow "
    "humanitarian organisations access to the affected districts.",
]


def shared_dir() -> Path:
    """The shared folder (env TOCSIN_SHARED, default <repo>/../shared)."""
    repo = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("TOCSIN_SHARED", repo.parent / "shared"))


def html_page(title: str = "Shelling reported near the border", paras: list[str] | None = None, *,
              outlet: str = "Example Wire", author: str = "Ann Example", date: str = "2020-10-04",
              lang: str = "en", url: str = "https://news.example.org/2020/10/04/shelling",
              charset: str | None = "utf-8") -> str:
    paras = PARAS if paras is None else paras
    meta_charset = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{htmllib.escape(p)}</p>" for p in paras)
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{meta_charset}<title>{htmllib.escape(title)} | {outlet}</title>'
            f'<meta property="og:site_name" content="{outlet}"><meta name="author" content="{author}">'
            f'<meta property="article:published_time" content="{date}T08:00:00Z">'
            f'<link rel="canonical" href="{url}"></head><body>'
            f'<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
            f"<article><h1>{htmllib.escape(title)}</h1>{body}</article>"
            f"<footer>Copyright {outlet}. All rights reserved.</footer></body></html>")


def rss(items: list[dict], title: str = "Example Wire - World") -> str:
    parts = []
    for it in items:
        link = f"<link>{htmllib.escape(it['link'])}</link>" if it.get("link") else ""
        date = f"<pubDate>{it['date']}</pubDate>" if it.get("date") else ""
        author = f"<author>{it['author']}</author>" if it.get("author") else ""
        desc = f"<description>{htmllib.escape(it['html'])}</description>" if it.get("html") else ""
        parts.append(f"<item><title>{htmllib.escape(it.get('title', ''))}</title>{link}{date}{author}{desc}</item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://news.example.org/</link><language>en-us</language>{''.join(parts)}</channel></rss>")


def atom(entries: list[dict], title: str = "Example Atom Wire") -> str:
    parts = []
    for e in entries:
        parts.append(
            f"<entry><title>{htmllib.escape(e['title'])}</title><id>{e['id']}</id>"
            f'<link rel="alternate" href="{e["link"]}"/><updated>{e["updated"]}</updated>'
            f"<author><name>{e.get('author', 'Desk')}</name></author>"
            f'<content type="html">{htmllib.escape(e["html"])}</content></entry>')
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
            f"<title>{title}</title><id>urn:example:feed</id><updated>2021-05-12T10:00:00Z</updated>"
            f"{''.join(parts)}</feed>")


def warc_bytes(pages: list[tuple[str, bytes]], *, gz: bool, extra: bool = True) -> bytes:
    """A WARC with one HTML response per page, plus (``extra``) a request, a 404 and an image."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)

    def response(url: str, body: bytes, status: str = "200 OK", ctype: str = "text/html; charset=utf-8") -> None:
        hh = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=hh))

    for i, (url, body) in enumerate(pages):
        if extra:
            req = StatusAndHeaders(f"GET /{i} HTTP/1.1", [("Host", "news.example.org")], is_http_request=True)
            w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=req))
        response(url, body)
    if extra:
        response("https://news.example.org/missing", b"<html><body><p>Not found</p></body></html>", "404 Not Found")
        response("https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), ctype="image/png")
    return buf.getvalue()


def write(tmp: Path, name: str, data: str | bytes, *, gz: bool = False) -> Path:
    p = tmp / name
    p.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    p.write_bytes(gzip.compress(raw) if gz else raw)
    return p


def input_file(path: Path | str) -> InputFile:
    (f,) = list(expand_inputs([str(path)]))
    assert isinstance(f, InputFile), f
    return f


@dataclass
class Result:
    docs: list[RawDocument] = field(default_factory=list)
    errors: list[TocsinError] = field(default_factory=list)  # yielded (per record)
    raised: TocsinError | None = None

    @property
    def all_errors(self) -> list[TocsinError]:
        return self.errors + ([self.raised] if self.raised else [])


def read(path: Path | str, limits: Limits = Limits()) -> Result:
    """Everything read_input gives for one file; any non-Tocsin exception fails the test."""
    res = Result()
    try:
        for item in read_input(input_file(path), limits):
            (res.errors if isinstance(item, TocsinError) else res.docs).append(item)
    except TocsinError as e:
        res.raised = e
    return res
