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

Bounded ranking (issue 8): ``ORDER BY bm25(...)`` scores every match before LIMIT, so a
common word costs O(matches) and p95 grew linearly with the store (~1.3 s at 1M). Ranked
search therefore scores only the newest ``RANK_WINDOW`` matches (by rowid = insertion order,
filters applied first): FTS5 walks the doclists newest-first and stops after N, then bm25
ranks those N with the whole corpus's statistics, so the scores are real bm25 scores; what
is bounded is which matches compete. When more than N articles match, every hit carries
``ranked_within = N`` ("best of the newest N matches"), and ``count`` / the web layer's
total and facets count those N (``window_info`` says whether the set was cut).
Browsing (no positive terms) is newest-first anyway and is not bounded.
"""
from __future__ import annotations

import os
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


def _window_default() -> int:
    try:
        return max(1, int(os.environ.get("TOCSIN_SEARCH_WINDOW", "")))
    except ValueError:
        return 5_000


# Matches ranked per query (newest first). 5,000 keeps p95 ~37 ms at 1M articles here (10,000:
# 52-72 ms); see docs/scale.md "The store at size".
RANK_WINDOW = _window_default()


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
    # Set to N when more than N articles matched: ranked among the newest N matches only.
    ranked_within: int | None = None


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


def _where(q: ParsedQuery, filters: tuple[list[str], list[object]],
           window: int | None = -1) -> tuple[str, list[object], bool]:
    """WHERE clause; the bool says whether the FTS table is joined (ranked search).

    A ranked clause is bounded to the newest ``window`` matches (default RANK_WINDOW; None =
    unbounded) by a self-contained subquery, so every query built on it (hits, count, the
    web layer's facets) looks at the same bounded set.
    """
    where, params = list(filters[0]), list(filters[1])
    match = q.match()
    if match:
        where.insert(0, "articles_fts MATCH ?")
        params.insert(0, match)
    elif q.negated:  # only exclusions: everything that does not match them
        where.append("a.pk NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(q.negative())
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    window = RANK_WINDOW if window == -1 else window
    if match and window:
        # The subquery re-declares articles_fts and `a`, so the same filter SQL (which
        # names `a.`) applies inside it; it runs once (not correlated). No Nth match means
        # fewer than N matches: no bound.
        clause += (f" AND articles_fts.rowid >= ifnull(({_cutoff_sql(clause)} LIMIT 1 OFFSET {int(window) - 1}), 0)")
        params = params + params
    return clause, params, bool(match)


_MATCH_ONLY = " WHERE articles_fts MATCH ?"


def _fts_from(clause: str) -> str:
    # Every FTS rowid is an article pk (the triggers keep them in step), so without filters
    # on `a` the join only costs: a B-tree seek per match (~3-5 us, 30x the FTS walk itself).
    return " FROM articles_fts" if clause == _MATCH_ONLY else _from(True)


def _cutoff_sql(clause: str) -> str:
    # FTS5 consumes ORDER BY rowid DESC: it walks the doclists newest-first and stops at
    # the LIMIT, so this costs O(window), not O(matches).
    return "SELECT articles_fts.rowid" + _fts_from(clause) + clause + " ORDER BY articles_fts.rowid DESC"


def _from(ranked: bool) -> str:
    if ranked:
        return " FROM articles_fts JOIN articles a ON a.pk = articles_fts.rowid"
    return " FROM articles a"


def window_info(conn: sqlite3.Connection, query: str, *, outlet: str | None = None,
                language: str | None = None, date_from: str | None = None, date_to: str | None = None,
                window: int | None = None) -> dict:
    """Whether ranked search on this query is cut to a window: {"ranked_within": N | None, "truncated": bool}."""
    window = RANK_WINDOW if window is None else max(1, int(window))
    cut = is_truncated(conn, parse_query(query), _filters(outlet, language, date_from, date_to), window)
    return {"ranked_within": window if cut else None, "truncated": cut}


def is_truncated(conn: sqlite3.Connection, q: ParsedQuery, filters: tuple[list[str], list[object]],
                 window: int | None = None) -> bool:
    """More than ``window`` matches for this parsed query and (where, params) filters over ``a``?

    Takes what ``_where`` takes, so the web layer can ask with its own filters (side, topic...).
    Costs one newest-first walk of N+1 matches (~1 ms per 10k without filters).
    """
    window = RANK_WINDOW if window is None else max(1, int(window))
    if not q.match():
        return False
    clause, params, _ = _where(q, filters, window=None)
    try:
        return conn.execute(_cutoff_sql(clause) + " LIMIT 1 OFFSET ?", (*params, window)).fetchone() is not None
    except sqlite3.Error as e:
        raise TocsinError("E200", f"search failed: {e}") from None


def search(conn: sqlite3.Connection, query: str, *, outlet: str | None = None,
           language: str | None = None, date_from: str | None = None, date_to: str | None = None,
           limit: int = 20, offset: int = 0, window: int | None = None) -> list[SearchHit]:
    """Ranked hits, best first (title matches weigh more than body matches).

    Only the newest ``window`` (default RANK_WINDOW) matches are ranked; when more matched,
    each hit has ``ranked_within`` set. With no positive terms (empty query, or only
    exclusions) it browses: newest first.
    """
    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    window = RANK_WINDOW if window is None else max(1, int(window))
    q = parse_query(query)
    if query.strip() and not (q.groups or q.negated):
        return []  # text given but nothing searchable in it: no results, not "everything"
    clause, params, ranked = _where(q, _filters(outlet, language, date_from, date_to), window=None)
    if not ranked:
        return _browse(conn, clause, params, limit, offset)
    # 1. The cutoff: the Nth and (N+1)th newest matches; a constant lets FTS5 seek to it.
    bounded = None
    rank_from = _fts_from(clause)
    try:
        cut = conn.execute(_cutoff_sql(clause) + " LIMIT 2 OFFSET ?", (*params, window - 1)).fetchall()
        if len(cut) == 2:
            bounded = window
            clause += " AND articles_fts.rowid >= ?"
            params.append(cut[0][0])
        # 2. Rank with bm25 alone: SQLite computes every selected column for every row it
        # sorts, so snippets here would be built for all N candidates, not the page.
        top = conn.execute(
            f"SELECT articles_fts.rowid, -bm25(articles_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) AS score"
            + rank_from + clause + " ORDER BY score DESC, articles_fts.rowid LIMIT ? OFFSET ?",
            (*params, limit, offset)).fetchall()
        if not top:
            return []
        # 3. Snippets and columns for the page only (same MATCH, so same highlights).
        cols = ("a.pk, a.id, a.title, a.outlet, a.date, a.language, a.source_file, a.start_line, "
                "instr(a.text, char(1)) + instr(a.text, char(2)) + "
                "instr(ifnull(a.title, ''), char(1)) + instr(ifnull(a.title, ''), char(2)) AS marked, "
                f"CASE WHEN a.text = '' THEN snippet(articles_fts, 0, char(1), char(2), '{_ELLIPSIS}', {SNIPPET_TOKENS}) "
                f"ELSE snippet(articles_fts, 1, char(1), char(2), '{_ELLIPSIS}', {SNIPPET_TOKENS}) END AS snip")
        rows = conn.execute("SELECT " + cols + _from(True) + _MATCH_ONLY + " AND articles_fts.rowid IN ("
                            + ",".join("?" * len(top)) + ")", (params[0], *(r[0] for r in top))).fetchall()
    except sqlite3.Error as e:  # should not happen for any user text; report, don't crash
        raise TocsinError("E200", f"search failed: {e}") from None
    by_pk = {r[0]: r for r in rows}
    hits = []
    for pk, score in top:
        if pk not in by_pk:  # deleted by another writer between the two reads
            continue
        _, art_id, title, outlet_, date, lang, src, line, marked, snip = by_pk[pk]
        if not marked:
            text, spans = split_markers(snip or "")
        else:
            text, spans = (snip or "").replace(_OPEN, "").replace(_CLOSE, ""), []
        hits.append(SearchHit(art_id, title, outlet_, date, lang, src, line, float(score), text, spans, bounded))
    return hits


def _browse(conn: sqlite3.Connection, clause: str, params: list[object], limit: int,
            offset: int) -> list[SearchHit]:
    """No positive terms: newest first (not bounded: the date index serves the page)."""
    sql = ("SELECT a.id, a.title, a.outlet, a.date, a.language, a.source_file, a.start_line, "
           "substr(a.text, 1, 400)" + _from(False) + clause
           + " ORDER BY a.date_lo DESC NULLS LAST, a.pk LIMIT ? OFFSET ?")
    try:
        rows = conn.execute(sql, (*params, limit, offset)).fetchall()
    except sqlite3.Error as e:
        raise TocsinError("E200", f"search failed: {e}") from None
    return [SearchHit(art_id, title, outlet_, date, lang, src, line, 0.0,
                      _trim((snip or "").replace(_OPEN, "").replace(_CLOSE, "")), [])
            for art_id, title, outlet_, date, lang, src, line, snip in rows]


def count(conn: sqlite3.Connection, query: str, *, outlet: str | None = None,
          language: str | None = None, date_from: str | None = None, date_to: str | None = None,
          window: int | None = None) -> int:
    """How many articles ``search`` can return: with terms, at most the ranking window (capped)."""
    q = parse_query(query)
    if query.strip() and not (q.groups or q.negated):
        return 0
    window = RANK_WINDOW if window is None else max(1, int(window))
    filters = _filters(outlet, language, date_from, date_to)
    clause, params, ranked = _where(q, filters, window=window)
    frm = _from(ranked) if filters[0] or not ranked else " FROM articles_fts"
    try:
        return int(conn.execute("SELECT count(*)" + frm + clause, params).fetchone()[0])
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
