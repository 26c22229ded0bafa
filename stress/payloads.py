"""An XSS and HTML-injection payload corpus, and input files that carry it through the real readers.

Every payload that would run script sets ``window.__pwned`` (or opens an alert dialog), so a
browser check is one ``execute_script`` plus "no dialog". Payloads were written for this project
from the well-known vector families (script tags, event handlers, javascript:/data: URLs,
SVG/MathML, attribute and tag breakouts, CSS, unicode tricks, template injection, polyglots);
no third-party text is copied.

``write_corpus(folder)`` writes one file per reader: a plain-text digest, JSON Lines (payloads in
outlet names, URLs, authors), an RSS feed (title/link/author/description) and an HTML page.
Every article carries the marker word ``MARKER`` so tests can find them by search.
"""
from __future__ import annotations

import html as htmllib
import json
from pathlib import Path

MARKER = "pwnmarker"

# (family, payload). Counters differ so a failure names the vector that ran.
PAYLOADS: list[tuple[str, str]] = [
    ("script", "<script>window.__pwned=1</script>"),
    ("script", "<SCRIPT SRC=//127.0.0.1/x.js></SCRIPT>"),
    ("script", "<scr<script>ipt>window.__pwned=2</scr</script>ipt>"),
    ("script", "<script>alert(document.domain)</script>"),
    ("handler", '<img src=x onerror="window.__pwned=3">'),
    ("handler", "<img src=x onerror=alert(3)>"),
    ("handler", "<body onload=window.__pwned=4>"),
    ("handler", "<details open ontoggle=window.__pwned=5>"),
    ("handler", "<input autofocus onfocus=window.__pwned=6>"),
    ("handler", "<video><source onerror=window.__pwned=7></video>"),
    ("handler", "<marquee onstart=window.__pwned=8>x</marquee>"),
    ("url", "javascript:window.__pwned=9"),
    ("url", "JaVaScRiPt:window.__pwned=10//"),
    ("url", "java\tscript:window.__pwned=11"),
    ("url", '<a href="javascript:window.__pwned=12">click</a>'),
    ("url", "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xMzwvc2NyaXB0Pg=="),
    ("url", '<iframe src="javascript:parent.__pwned=14"></iframe>'),
    ("url", '<iframe srcdoc="&lt;script&gt;parent.__pwned=15&lt;/script&gt;"></iframe>'),
    ("url", '<object data="javascript:window.__pwned=16"></object><embed src="javascript:window.__pwned=16">'),
    ("url", '<form action="javascript:window.__pwned=17"><button>go</button></form>'),
    ("url", '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=18">'),
    ("url", '<base href="javascript:window.__pwned=19//">'),
    ("svg", "<svg onload=window.__pwned=20>"),
    ("svg", "<svg><script>window.__pwned=21</script></svg>"),
    ("svg", '<svg><a xlink:href="javascript:window.__pwned=22"><text y="20">x</text></a></svg>'),
    ("svg", '<svg><animate onbegin=window.__pwned=23 attributeName=x dur=1s>'),
    ("svg", '<svg><set attributeName="onmouseover" to="window.__pwned=24"/></svg>'),
    ("mathml", '<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=25></style>'),
    ("mathml", '<math href="javascript:window.__pwned=26">click</math>'),
    ("mathml", '<math><maction actiontype="statusline#" xlink:href="javascript:window.__pwned=27">x</maction></math>'),
    ("breakout", '"><script>window.__pwned=28</script>'),
    ("breakout", "'><img src=x onerror=window.__pwned=29>"),
    ("breakout", '" autofocus onfocus="window.__pwned=30" x="'),
    ("breakout", "' onmouseover='window.__pwned=31' x='"),
    ("breakout", "</title><script>window.__pwned=32</script>"),
    ("breakout", "</textarea><script>window.__pwned=33</script>"),
    ("breakout", "</style><script>window.__pwned=34</script>"),
    ("breakout", '</script><script>window.__pwned=35</script>'),
    ("breakout", "--><script>window.__pwned=36</script><!--"),
    ("breakout", "]]><script>window.__pwned=37</script>"),
    ("css", '<style>body{background:url("javascript:window.__pwned=38")}</style>'),
    ("css", '<div style="background-image:url(javascript:window.__pwned=39);width:expression(window.__pwned=39)">x</div>'),
    ("css", "<style>@import 'http://127.0.0.1:1/x.css';*{color:red}</style>"),
    ("css", '<link rel="stylesheet" href="http://127.0.0.1:1/x.css">'),
    ("css", "</style><style>*{display:none}</style>"),
    ("unicode", "\uff1cscript\uff1ewindow.__pwned=40\uff1c/script\uff1e"),
    ("unicode", "\u202egnp.exe<img src=x onerror=window.__pwned=41>"),
    ("unicode", "<scr\u200bipt>window.__pwned=42</scr\u200bipt>"),
    ("unicode", "\\u003cscript\\u003ewindow.__pwned=43\\u003c/script\\u003e"),
    ("unicode", "%3Cscript%3Ewindow.__pwned%3D44%3C%2Fscript%3E"),
    ("unicode", "&lt;script&gt;window.__pwned=45&lt;/script&gt;"),
    ("unicode", "&#60;img src=x onerror=window.__pwned=46&#62;"),
    ("unicode", "<img src=x one\u0000rror=window.__pwned=47>".replace("\u0000", "")),
    ("template", "{{7*7}}"),
    ("template", "${7*7}"),
    ("template", "{% for x in range(3) %}{{x}}{% endfor %}"),
    ("template", "{{constructor.constructor('window.__pwned=48')()}}"),
    ("template", "{{ config.items() }}"),
    ("template", "<%= 7*7 %>#{7*7}"),
    ("polyglot", "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=window.__pwned=49 )//%0D%0A%0d%0a//"
                 "</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=window.__pwned=49//>\\x3e"),
    ("polyglot", "'\"--></style></script><script>window.__pwned=50</script><svg/onload=window.__pwned=50>"),
    ("polyglot", "\"'`><img src=x onerror=window.__pwned=51>${{7*7}}"),
]


def _chunks(per: int) -> list[list[str]]:
    """The payloads in groups of ``per``: one article carries one group (fewer, denser articles
    keep the short test form fast; the long form uses one payload per article)."""
    ps = [p for _, p in PAYLOADS]
    return [ps[i:i + per] for i in range(0, len(ps), per)]


def _body(i: int, group: list[str]) -> str:
    """A news-like body around the payloads: an event sentence keeps events and places flowing."""
    third = max(1, len(group) // 3)
    a, b, c = " ".join(group[:third]), " ".join(group[third:2 * third]), " ".join(group[2 * third:])
    return (f"The {MARKER} report {i}. Artillery shelled Stepanakert on 3 October 2020, killing {i % 5 + 1} "
            f"civilians, the ministry said. {a}\n\n"
            f"Officials in Baku rejected the claim {b} and said troops only returned fire.\n\n"
            f"Observers urged a ceasefire near Shusha. {c} The talks resume next week.")


def digest_text(per: int = 1) -> str:
    """A digest: title, blank, date, blank, body paragraphs; payloads in titles and bodies.
    Titles start with plain words: a file starting with "<" is (rightly) sniffed as markup."""
    parts = []
    for i, g in enumerate(_chunks(per)):
        parts.append(f"{MARKER} digest title {i} {' '.join(g)}\n\nOct {i % 27 + 1} 2020\n\n{_body(i, g)}\n\n")
    return "\n".join(parts)


def jsonl_text(per: int = 1) -> str:
    """JSONL: payloads in every metadata field (outlet, url, author, title) and the text."""
    rows = []
    for i, g in enumerate(_chunks(per)):
        p = g[0]
        rows.append({"title": f"{MARKER} jsonl {i} {' '.join(g)}", "text": _body(i + 1, g), "outlet": f"Outlet {p}",
                     "url": p if i % 2 else f"https://news.example.org/{i}?q={p}", "author": g[-1],
                     "date": f"2021-0{i % 9 + 1}-1{i % 9}", "language": "en"})
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"


def rss_text(per: int = 1) -> str:
    """RSS 2.0 with payloads in title, link, author and (HTML) description."""
    items = []
    e = htmllib.escape
    for i, g in enumerate(_chunks(per)):
        p = g[0]
        link = p if p.lower().startswith(("javascript", "data:", "java")) else f"https://feed.example.org/{i}"
        items.append(f"<item><title>{e(MARKER)} rss {i} {e(' '.join(g))}</title><link>{e(link)}</link>"
                     f"<author>{e(g[-1])}</author><pubDate>Mon, 0{i % 9 + 1} Nov 2021 10:00:00 GMT</pubDate>"
                     f"<description>{e('<p>' + _body(i + 2, g) + '</p>' + ''.join(g))}</description></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Payload Wire {e(PAYLOADS[0][1])}</title><link>https://feed.example.org/</link>"
            f"<language>en</language>{''.join(items)}</channel></rss>")


def html_page() -> str:
    """An HTML page whose article holds raw (unescaped) payload markup, as a hostile site would."""
    raw = "".join(f"<p>{p} {MARKER} html paragraph {i}.</p>" for i, (_, p) in enumerate(PAYLOADS))
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<title>{MARKER} html page &lt;script&gt;window.__pwned=99&lt;/script&gt;</title>'
            '<meta property="og:site_name" content="Evil &quot;&gt;&lt;script&gt;window.__pwned=98&lt;/script&gt;">'
            '<meta name="author" content="&lt;img src=x onerror=window.__pwned=97&gt;">'
            '<meta property="article:published_time" content="2022-09-13T08:00:00Z">'
            '<link rel="canonical" href="javascript:window.__pwned=96"></head><body><article>'
            f"<h1>{MARKER} html page</h1><p>{htmllib.escape(_body(7, ['x']))}</p>{raw}</article></body></html>")


def write_corpus(folder: Path, per_article: int = 1) -> list[Path]:
    """The payload corpus as input files, one per reader; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"payloads-digest.txt": digest_text(per_article), "payloads.jsonl": jsonl_text(per_article),
             "payloads-feed.rss": rss_text(per_article), "payloads-page.html": html_page()}
    out = []
    for name, text in files.items():
        p = folder / name
        p.write_text(text, encoding="utf-8")
        out.append(p)
    return out
