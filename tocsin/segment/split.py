"""Split a plain-text digest into articles.

How the format works (learned from the structure of scraped digests, not from any one file):
a new item is a *header run* — consecutive short lines between body paragraphs — that shows
evidence of being the top of an article: it opens the file or follows an item separator,
carries a date line, a timestamp, an outlet line or a byline, names an outlet in the title
("Asbarez: …", "… – Armenian Weekly"), repeats its title (web cards), or is followed by a
news dateline ("YEREVAN, MAY 31, ARMENPRESS."). A header run without such evidence is a
subheading, a caption or an author line inside the current article.
"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field

from ..config import settings

try:  # optional accelerator: an exact upper bound on difflib's ratio (see _similar)
    from rapidfuzz.distance import Indel as _Indel
except ImportError:  # pragma: no cover - the difflib path alone gives the same answers
    _Indel = None
from ..model import BUNDLE, Article, RawDocument
from ..pipeline import stage
from . import meta
from .dates import resolve_dates
from .lines import (
    BLANK, BULLET, CHROME, DATE, PARA, SEP_END, SEP_START, SHARE, TIMESTAMP, TITLE,
    Line, classify, is_title_like, parse_dateline,
)

_CHROME_KINDS = {CHROME, SHARE, SEP_START, SEP_END}
_TRIM_KINDS = {SHARE, SEP_START, BLANK}


@dataclass
class Header:
    lines: list[Line]
    start_evidence: list[str] = field(default_factory=list)
    title: Line | None = None
    start: Line | None = None


def _runs(ls: list[Line]) -> list[list[Line]]:
    """Maximal runs of non-blank, non-paragraph lines; a new run begins at each item separator."""
    runs: list[list[Line]] = []
    cur: list[Line] = []
    for ln in ls:
        if ln.kind == BLANK:
            continue
        if ln.kind == PARA or (ln.kind == BULLET and not is_title_like(ln.text, min_words=1) and len(ln.text) > 60):
            if cur:
                runs.append(cur)
                cur = []
            continue
        if ln.kind == SEP_START and cur:
            runs.append(cur)
            cur = []
        cur.append(ln)
        if ln.kind == SEP_END:  # "keep reading": the item is over, whatever follows is new
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def _is_meta(ln: Line, pack: str) -> bool:
    if ln.kind in (DATE, TIMESTAMP):
        return True
    return bool(meta.find_outlet(ln.text, pack) or meta.byline_author(ln.text) is not None)


def _choose_title(run: list[Line], pack: str) -> Line | None:
    """The headline of a header run: before any metadata line; outlet-tagged or repeated beats longest."""
    cands: list[Line] = []
    for ln in run:
        if _is_meta(ln, pack):
            break
        if ln.kind == TITLE and not ln.bullet and is_title_like(ln.text) and not meta.find_outlet(ln.text, pack):
            cands.append(ln)
    if not cands:
        return None

    def score(ln: Line) -> tuple:
        tagged = meta.split_outlet_from_title(ln.text, pack)[1] is not None
        repeated = any(o is not ln and _similar(o.text, ln.text) for o in run)
        return (tagged, repeated, len(ln.text))

    return max(cands, key=score)


def _similar(a: str, b: str, threshold: float = 0.85) -> bool:
    na, nb = _norm(a), _norm(b)
    if len(na) < 15 or len(nb) < 15:
        return False
    if na == nb:
        return True
    # Cheap upper bounds first: most line pairs differ in length or letters, and the full
    # ratio is quadratic in the line length.
    if 2 * min(len(na), len(nb)) / (len(na) + len(nb)) < threshold:
        return False
    if _Indel is not None and _Indel.normalized_similarity(na, nb) < threshold - 1e-9:  # float margin
        # Indel similarity is 2*LCS/(len a + len b); difflib's ratio is 2*M/(len a + len b)
        # with M the size of a common subsequence, so M <= LCS: below here, ratio is too.
        # Same answers, but the bit-parallel LCS is ~100x cheaper than difflib's matcher.
        return False
    m = difflib.SequenceMatcher(None, na, nb, autojunk=False)
    return m.quick_ratio() >= threshold and m.ratio() >= threshold


@functools.lru_cache(maxsize=4096)
def _norm(s: str) -> str:
    # cached: a digest's header lines and paragraphs are compared with several neighbours
    return re.sub(r"\W+", "", s.casefold())


def find_headers(ls: list[Line], pack: str) -> list[Header]:
    """Header runs that start articles, each with its title (or None) and first line."""
    headers: list[Header] = []
    by_no = {ln.no: ln for ln in ls}
    prev_nonblank: dict[int, Line | None] = {}
    last = None
    for ln in ls:
        prev_nonblank[ln.no] = last
        if ln.kind != BLANK:
            last = ln
    for run in _runs(ls):
        h = Header(run)
        first = run[0]
        before = prev_nonblank[first.no]
        if before is None or (first.kind == SEP_START) or (before.kind in (SEP_END, SEP_START)):
            h.start_evidence.append("item boundary")
        if before is not None and before.kind == CHROME and re.match(r"(?i)^(read more|the post )", before.text):
            h.start_evidence.append("after end-of-item link")
        title = _choose_title(run, pack)
        after_title = run[run.index(title) + 1:] if title else run
        if any(ln.kind in (DATE, TIMESTAMP) for ln in after_title):
            h.start_evidence.append("date line")
        if any(meta.find_outlet(ln.text, pack) or (meta.byline_author(ln.text) or "") for ln in after_title[:4]):
            h.start_evidence.append("outlet or byline")
        if title and meta.split_outlet_from_title(title.text, pack)[1]:
            h.start_evidence.append("outlet in title")
        if title and any(o is not title and _similar(o.text, title.text) for o in run):
            h.start_evidence.append("repeated title")
        nxt = _next_para(ls, run[-1].no, by_no)
        if nxt is not None and parse_dateline(nxt.text) and parse_dateline(nxt.text).agency is not None:
            h.start_evidence.append("news dateline")
        elif nxt is not None and title and parse_dateline(nxt.text):
            h.start_evidence.append("dateline")
        if not h.start_evidence:
            continue
        if title is None:
            dated = [ln for ln in run if ln.kind in (DATE, TIMESTAMP)]
            if not dated:
                continue  # separators alone do not make an article
            h.start = dated[0]
        else:
            h.title = title
            h.start = title
        headers.append(h)
    return headers


def _next_para(ls: list[Line], after_no: int, by_no: dict[int, Line]) -> Line | None:
    n = after_no + 1
    while n in by_no:
        ln = by_no[n]
        if ln.kind == PARA:
            return ln
        if ln.kind not in (BLANK,):
            return None
        n += 1
    return None


def _repeats(ln: Line, seen: list[Line], title: Line | None) -> bool:
    """A caption or title printed twice: the copy right after the original is chrome."""
    content = [o for o in seen if o.kind not in _CHROME_KINDS]
    if content and _similar(ln.text, content[-1].text):
        return True
    return title is not None and ln.no - title.no <= 4 and _similar(ln.text, title.text)


def _link_list(lines: list[Line]) -> set[int]:
    """Runs of >= 2 bullets that read like headlines: related-article links, not content."""
    out: set[int] = set()
    run: list[Line] = []
    for ln in lines + [Line(-1, "", "", BLANK)]:
        if ln.bullet and is_title_like(ln.text, min_words=4) or (ln.bullet and ln.text.endswith("?")):
            run.append(ln)
            continue
        if ln.kind == BLANK and run:
            continue
        if len(run) >= 2:
            out.update(x.no for x in run)
        run = []
    return out


def _build(doc: RawDocument, ls: list[Line], h: Header, end_no: int, pack: str) -> Article:
    offset = (doc.line_start or 1) - 1
    span = [ln for ln in ls if h.start.no <= ln.no <= end_no]
    while span and span[-1].kind in _TRIM_KINDS:
        span.pop()
    art = Article(source_file=doc.source_file, source_path=doc.source_path, format=doc.format, url=doc.url)
    art.start_line = h.start.no + offset
    art.end_line = (span[-1].no if span else h.start.no) + offset
    header_nos = {ln.no for ln in h.lines}
    if h.title:
        art.title, art.outlet = meta.split_outlet_from_title(h.title.text, pack)
        art.title_line = h.title.no + offset
    links = _link_list(span)
    body: list[tuple[int | None, str]] = []
    boiler: list[int] = []
    seen: list[Line] = [h.title] if h.title else []
    expect_name = False
    for ln in span:
        if ln.kind == BLANK or (h.title and ln.no == h.title.no):
            continue
        text = ln.text
        in_header = ln.no in header_nos
        if ln.kind in _CHROME_KINDS or ln.no in links or _repeats(ln, seen, h.title):
            boiler.append(ln.no + offset)
            if ln.kind == CHROME and (o := meta.outlet_from_line(text, pack)):
                art.outlet = art.outlet or o
            seen.append(ln)
            continue
        seen.append(ln)
        if ln.kind in (DATE, TIMESTAMP):
            art.date = art.date or ln.date_iso
            continue
        if expect_name:  # "• By" then the name on its own line
            expect_name = False
            if o := meta.find_outlet(text, pack):
                art.outlet = art.outlet or o
            else:
                art.author = art.author or meta.clean_person(text)
            continue
        who = meta.byline_author(text)
        if who is not None and (in_header or len(text.split()) <= 6):
            if who == "":
                expect_name = True
            elif o := meta.find_outlet(who, pack):
                art.outlet = art.outlet or o
            else:
                art.author = art.author or who
            continue
        if o := meta.outlet_from_line(text, pack):
            art.outlet = art.outlet or o
            continue
        if in_header and (o := meta.find_outlet(text, pack)):
            art.outlet = art.outlet or o
            continue
        if in_header and ln.bullet and art.outlet and len(text.split()) <= 3 and not body:
            art.dateline_place = art.dateline_place or text  # "• JAMnews / • Yerevan"
            continue
        if len(body) < 2 and not art.dateline_place and (dl := parse_dateline(text)) and ln.kind == PARA:
            art.dateline_place = dl.place
            if dl.agency and (o := meta.find_outlet(dl.agency, pack)):
                art.outlet = art.outlet or o
            art.annotations.setdefault("_dateline", [dl.year, dl.month, dl.day])
            text = text[dl.end:].lstrip(" .,:—–-")
        body.append((ln.no + offset, text))
    if not art.author:
        tail = [t for _, t in body[-3:]]
        for t in reversed(tail):
            if who := (meta.bio_author(t) or (meta.lone_name(t) if t is tail[-1] else None)):
                art.author = who
                break
    art.body_lines = body
    art.boilerplate_lines = boiler
    art.text = "\n\n".join(t for _, t in body)
    return art


@stage("segment", kind="document", adds=("title", "outlet", "date", "body_lines", "boilerplate_lines"), order=10)
def segment(doc: RawDocument) -> list[Article]:
    """Digests are split into articles; single articles from other readers are cleaned."""
    if doc.kind != BUNDLE:
        from .single import single_article

        return [single_article(doc)]
    return segment_digest(doc)


def segment_digest(doc: RawDocument, pack: str | None = None) -> list[Article]:
    pack = pack or settings().pack
    ls = classify(doc.text.split("\n"))
    headers = find_headers(ls, pack)
    articles = []
    for i, h in enumerate(headers):
        end_no = (headers[i + 1].start.no - 1) if i + 1 < len(headers) else ls[-1].no if ls else 0
        # Lines of the next header run that precede its title stay with this article.
        articles.append(_build(doc, ls, h, end_no, pack))
    _byte_spans(doc, articles)
    resolve_dates(articles, "\n".join(" ".join([a.title or "", a.text]) for a in articles))  # bodies only: chrome says "in 2025" too
    return articles


def _byte_spans(doc: RawDocument, articles: list[Article]) -> None:
    """Byte offsets of each article's lines in the (UTF-8) text of the document."""
    starts = [0]
    for line in doc.text.split("\n"):
        starts.append(starts[-1] + len(line.encode("utf-8")) + 1)
    base = doc.byte_start or 0
    off = (doc.line_start or 1) - 1
    for a in articles:
        a.byte_start = base + starts[a.start_line - off - 1]
        a.byte_end = base + starts[min(a.end_line - off, len(starts) - 1)] - 1
