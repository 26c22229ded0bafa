"""Full-text search over the store.

User text is never passed to FTS5 as syntax: we parse it into terms and build the MATCH
expression ourselves from quoted strings, so no input can be a syntax error or inject
column filters, NEAR groups or the like. Query language (web-search style):

    bare words        all must appear (AND)
    "a phrase"        the words in this order
    word*  "a phr"*   prefix
    a OR b            either (OR binds tighter than AND: ``x a OR b`` = x AND (a OR b))
    -word  -"phrase"  must not appear (also ``NOT word``)

Snippets come back as plain text plus highlight character spans; the web layer escapes
the text and then marks the spans, so nothing here is HTML.
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field

from ..errors import TocsinError

MAX_TERMS = 32  # deeper expressions only slow FTS5 down; nobody types more
MAX_TERM_CHARS = 200
MAX_LIMIT = 1000
TITLE_WEIGHT, TEXT_WEIGHT = 10.0, 1.0
SNIPPET_TOKENS = 32
# Markers FTS5 puts around matches; control characters never survive ingest cleaning, and
# rows that do contain them are handled (no highlights) rather than mis-parsed.
_OPEN, _CLOSE = "\x01", "\x02"
_ELLIPSIS = "…"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass
class SearchHit:
    article_id: str
    title: str | None
    outlet: str | None
    date: str | None
    language: str | None
    source_file: str
    start_line: int | None
    score: float  # higher is better (negated bm25); 0.0 when browsing without terms
    snippet: str  # plain text
    highlights: list[tuple[int, int]] = field(default_factory=list)  # [start, end) into snippet


@dataclass
class Term:
    text: str
    prefix: bool = False

    def fts(self) -> str:
        # A double-quoted FTS5 string is always literal; "" escapes a quote (none survive
        # parsing, but keep it correct anyway).
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted


@dataclass
class ParsedQuery:
    groups: list[list[Term]] = field(default_factory=list)  # AND of (OR of terms)
    negated: list[Term] = field(default_factory=list)

    def positive(self) -> str | None:
        parts = []
        for group in self.groups:
            inner = " OR ".join(t.fts() for t in group)
            parts.append(f"({inner})" if len(group) > 1 else inner)
        return " AND ".join(parts) or None

    def negative(self) -> str | None:
        return " OR ".join(t.fts() for t in self.negated) or None

    def match(self) -> str | None:
        """The whole expression when there is a positive part (FTS5 NOT is binary)."""
        pos, neg = self.positive(), self.negative()
        if pos and neg:
            return f"({pos}) NOT ({neg})"
        return pos


def fold(value: str | None) -> str | None:
    """Unicode case-insensitive key (SQLite's NOCASE only folds ASCII); registered as tocsin_fold."""
    return None if value is None else unicodedata.normalize("NFKC", value).casefold().strip()


def _clean(text: str) -> str:
    # Lone surrogates cannot be bound; control characters (NUL!) end FTS5 strings early.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)


def _has_token(text: str) -> bool:
    # A string with no letter or digit tokenizes to nothing; an empty FTS5 phrase matches
    # nothing, which would silently turn an AND into "no results".
    return any(ch.isalnum() for ch in text)


def parse_query(text: str) -> ParsedQuery:
    """Parse user search text; never fails, unparseable bits are dropped."""
    text = _clean(text or "")
    q = ParsedQuery()
    i, n = 0, len(text)
    negate = False
    want_or = False
    count = 0
    while i < n and count < MAX_TERMS:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != "-":
            negate = True
            i += 1
            continue
        if ch == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            raw = text[i + 1:end]
            i = end + 1
            prefix = i < n and text[i] == "*"
            while i < n and text[i] == "*":
                i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] != '"':
                j += 1
            raw = text[i:j]
            i = j
            if raw == "OR" and not negate:
                want_or = bool(q.groups)
                continue
            if raw == "AND":
                continue
            if raw == "NOT":
                negate = True
                continue
            prefix = raw.endswith("*")
            raw = raw.rstrip("*")
        raw = " ".join(raw.split())[:MAX_TERM_CHARS]
        if not _has_token(raw):
            negate = want_or = False
            continue
        term = Term(raw, prefix)
        count += 1
        if negate:
            q.negated.append(term)
        elif want_or and q.groups:
            q.groups[-1].append(term)
        else:
            q.groups.append([term])
        negate = want_or = False
    return q


def date_bounds(value: str, what: str) -> tuple[str, str]:
    """(first day, last day) of a YYYY, YYYY-MM or YYYY-MM-DD date, as comparable strings."""
    m = _DATE.match(value.strip()) if isinstance(value, str) else None
    if m:
        year, month, day = m.groups()
        if (month is None or 1 <= int(month) <= 12) and (day is None or 1 <= int(day) <= 31):
            if day:
                return value.strip(), value.strip()
            if month:
                return f"{year}-{month}-01", f"{year}-{month}-31"
            return f"{year}-01-01", f"{year}-12-31"
    raise TocsinError("E301", f"{what} {value!r} is not a date", hint="use YYYY, YYYY-MM or YYYY-MM-DD")


def _filters(outlet: str | None, language: str | None, date_from: str | None,
             date_to: str | None) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if outlet:
        where.append("tocsin_fold(a.outlet) = tocsin_fold(?)")
        params.append(outlet)
    if language:
        where.append("lower(a.language) = lower(?)")
        params.append(language.strip())
    # A partial date is an interval; keep articles whose interval overlaps the range.
    if date_from:
        where.append("a.date_hi >= ?")
        params.append(date_bounds(date_from, "date_from")[0])
    if date_to:
        where.append("a.date_lo <= ?")
        params.append(date_bounds(date_to, "date_to")[1])
    return where, params


def _where(q: ParsedQuery, filters: tuple[list[str], list[object]]) -> tuple[str, list[object], bool]:
    """WHERE clause; the bool says whether the FTS table is joined (ranked search)."""
    where, params = list(filters[0]), list(filters[1])
    match = q.match()
    if match:
        where.insert(0, "articles_fts MATCH ?")
        params.insert(0, match)
    elif q.negated:  # only exclusions: everything that does not match them
        where.append("a.pk NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(q.negative())
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    return clause, params, bool(match)


def _from(ranked: bool) -> str:
    if ranked:
        return " FROM articles_fts JOIN articles a ON a.pk = articles_fts.rowid"
    return " FROM articles a"


def search(conn: sqlite3.Connection, query: str, *, outlet: str | None = None,
           language: str | None = None, date_from: str | None = None, date_to: str | None = None,
           limit: int = 20, offset: int = 0) -> list[SearchHit]:
    """Ranked hits, best first (title matches weigh more than body matches).

    With no positive terms (empty query, or only exclusions) it browses: newest first.
    """
    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    q = parse_query(query)
    if query.strip() and not (q.groups or q.negated):
        return []  # text given but nothing searchable in it: no results, not "everything"
    clause, params, ranked = _where(q, _filters(outlet, language, date_from, date_to))
    cols = ("a.id, a.title, a.outlet, a.date, a.language, a.source_file, a.start_line, "
            "instr(a.text, char(1)) + instr(a.text, char(2)) + "
            "instr(ifnull(a.title, ''), char(1)) + instr(ifnull(a.title, ''), char(2)) AS marked")
    if ranked:
        cols += (f", -bm25(articles_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) AS score, "
                 f"CASE WHEN a.text = '' THEN snippet(articles_fts, 0, char(1), char(2), '{_ELLIPSIS}', {SNIPPET_TOKENS}) "
                 f"ELSE snippet(articles_fts, 1, char(1), char(2), '{_ELLIPSIS}', {SNIPPET_TOKENS}) END AS snip")
        order = f" ORDER BY bm25(articles_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}), a.pk"
    else:
        cols += ", 0.0 AS score, substr(a.text, 1, 400) AS snip"
        order = " ORDER BY a.date_lo DESC NULLS LAST, a.pk"
    sql = "SELECT " + cols + _from(ranked) + clause + order + " LIMIT ? OFFSET ?"
    try:
        rows = conn.execute(sql, (*params, limit, offset)).fetchall()
    except sqlite3.Error as e:  # should not happen for any user text; report, don't crash
        raise TocsinError("E200", f"search failed: {e}") from None
    hits = []
    for art_id, title, outlet_, date, lang, src, line, marked, score, snip in rows:
        if ranked and not marked:
            text, spans = split_markers(snip or "")
        else:
            text, spans = (snip or "").replace(_OPEN, "").replace(_CLOSE, ""), []
            if not ranked:
                text = _trim(text)
        hits.append(SearchHit(art_id, title, outlet_, date, lang, src, line, float(score), text, spans))
    return hits


def count(conn: sqlite3.Connection, query: str, *, outlet: str | None = None,
          language: str | None = None, date_from: str | None = None, date_to: str | None = None) -> int:
    q = parse_query(query)
    if query.strip() and not (q.groups or q.negated):
        return 0
    clause, params, ranked = _where(q, _filters(outlet, language, date_from, date_to))
    try:
        return int(conn.execute("SELECT count(*)" + _from(ranked) + clause, params).fetchone()[0])
    except sqlite3.Error as e:
        raise TocsinError("E200", f"search failed: {e}") from None


def split_markers(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Plain text and [start, end) spans from text with _OPEN/_CLOSE around matches."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos, start = 0, None
    for ch in marked:
        if ch == _OPEN:
            start = pos
        elif ch == _CLOSE:
            if start is not None and pos > start:
                spans.append((start, pos))
            start = None
        else:
            out.append(ch)
            pos += 1
    return "".join(out), spans


def _trim(text: str, size: int = 240) -> str:
    text = " ".join(text.split())
    if len(text) <= size:
        return text
    cut = text.rfind(" ", 0, size)
    return text[: cut if cut > size // 2 else size] + " " + _ELLIPSIS


def stats(conn: sqlite3.Connection) -> dict:
    """Corpus counts for `tocsin stats` and the web overview (None groups as "unknown")."""

    def one(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    def grouped(col: str, table: str = "articles") -> dict[str, int]:
        rows = conn.execute(f"SELECT {col}, count(*) FROM {table} GROUP BY {col} ORDER BY 2 DESC, 1")
        return {(k if k is not None else "unknown"): n for k, n in rows}

    lo, hi = conn.execute("SELECT min(date), max(date) FROM articles").fetchone()
    return {
        "articles": one("SELECT count(*) FROM articles"),
        "sightings": one("SELECT count(*) FROM sightings"),
        "files": one("SELECT count(*) FROM files"),
        "files_by_status": grouped("status", "files"),
        "errors": one("SELECT count(*) FROM errors"),
        "by_language": grouped("language"),
        "by_outlet": grouped("outlet"),
        "by_source_file": grouped("source_file"),
        "by_topic": grouped("topic"),
        "date_range": {"min": lo, "max": hi},
    }
