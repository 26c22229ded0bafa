"""Publication dates for the articles of one digest.

Printed dates (date lines, timestamps) are taken as they are. A dateline that prints only day
and month ("YEREVAN, DECEMBER 14, ARMENPRESS.") takes its year from the nearest printed date of
the same digest. In a digest that prints no dates at all, an article's date is deduced from the
dates its text mentions (month precision, marked date_inferred); in a digest that does print
dates, an item without one is left unknown rather than guessed.
"""
from __future__ import annotations

from datetime import date

from ..model import Article
from . import meta


def _nearest_year(i: int, printed: list[tuple[int, int]]) -> int | None:
    if not printed:
        return None
    return min(printed, key=lambda p: (abs(p[0] - i), p[0] > i))[1]


def resolve_dates(articles: list[Article], digest_text: str) -> None:
    printed = [(i, int(a.date[:4])) for i, a in enumerate(articles) if a.date]
    for i, a in enumerate(articles):
        dl = a.annotations.pop("_dateline", None)
        if a.date or not dl or not dl[1] or not dl[2]:
            continue
        year = dl[0] or _nearest_year(i, printed)
        if year:
            try:
                a.date = date(year, dl[1], dl[2]).isoformat()
            except ValueError:
                pass
    if any(a.date for a in articles):
        return
    digest_year = meta.latest_year(digest_text)
    per_article = []
    for a in articles:
        found = meta.date_mentions(" ".join([a.title or "", a.text]), digest_year)
        per_article.append(max(found, key=_order) if found else None)
    known = [d for d in per_article if d]
    if not known:
        return
    # The digest's reference date: the latest date any of its items mentions. Items of one
    # digest are collected together, so an item whose own latest mention is within a few weeks
    # of the reference, or that speaks of "Saturday"/"today", is dated by the reference.
    reference = max(known, key=_order)
    ref_day = _as_date(reference)
    for a, latest in zip(articles, per_article):
        text = " ".join([a.title or "", a.text])
        recent = meta.mentions_recent_time(text)
        if latest is not None and not recent and (ref_day - _as_date(latest)).days > RECENT_DAYS:
            a.date, a.date_inferred = f"{latest[0]:04d}-{latest[1]:02d}", True
        elif latest is not None or recent:
            a.date, a.date_inferred = f"{reference[0]:04d}-{reference[1]:02d}", True


RECENT_DAYS = 21


def _order(ymd: tuple[int, int, int | None]) -> tuple[int, int, int]:
    """A month without a day sorts before the days of that month (None is not comparable)."""
    return ymd[0], ymd[1], ymd[2] or 0


def _as_date(ymd: tuple[int, int, int | None]) -> date:
    return date(ymd[0], ymd[1], ymd[2] or 15)
