"""Article metadata from the lines around a title: outlet, author, dateline, dates.

Outlet names come from the conflict pack's outlets file, never from code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ..model import normalise_text
from .lines import MONTHS, MONTH_PATTERN

_HONORIFICS = re.compile(r"^(?:dr|prof|mr|mrs|ms|mme|m|sir|rev|gen|col)\.?\s+", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|written by|par|автор)\s*:?\s*(?P<who>.*)$", re.IGNORECASE)
_NAME = r"[A-Z][\w'’.-]+(?:\s+(?:de|van|von|al|el|bin|ibn|[A-Z][\w'’.-]+)){1,3}"
_BIO = re.compile(
    rf"^(?P<name>{_NAME})(?:\s*\([^)]{{1,40}}\))?(?:,|\s+is)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,4}}"
    r"(?:author|contributor|fellow|journalist|analyst|writer|correspondent|reporter|professor|researcher|"
    r"editor|director|columnist|scholar|expert)\b"
)
_LONE_NAME = re.compile(rf"^{_NAME}$")
_PUBLISHED_IN = re.compile(r"^(?:first published (?:in|by|on)|originally published (?:in|by|on)|source:)\s*(?P<o>.+?)\.?$", re.IGNORECASE)
_APPEARED_FIRST = re.compile(r"appeared first on\s+(?P<o>.+?)\.?$", re.IGNORECASE)
_MENTION = re.compile(
    rf"\b(?:(?P<m1>{MONTH_PATTERN})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y1>(?:19|20)\d\d))?"
    rf"|(?P<d2>\d{{1,2}})(?:er)?\s+(?P<m2>{MONTH_PATTERN})(?:\s+(?P<y2>(?:19|20)\d\d))?"
    rf"|(?P<m3>{MONTH_PATTERN})\s+(?P<y3>(?:19|20)\d\d))\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    r"\b(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche)\b|\b(?:today|yesterday|this week|aujourd'hui|hier)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(20[0-4]\d)\b")


@dataclass(frozen=True)
class OutletRef:
    name: str
    side: str | None


@lru_cache(maxsize=8)
def _outlet_index(pack_name: str) -> dict[str, OutletRef]:
    from ..packs import load_pack

    index: dict[str, OutletRef] = {}
    for o in load_pack(pack_name).outlets:
        ref = OutletRef(o.name, o.side)
        for alias in [o.name, *o.aliases, *o.domains]:
            index.setdefault(normalise_text(alias).strip("/ ."), ref)
    return index


def outlets(pack_name: str) -> dict[str, OutletRef]:
    return _outlet_index(pack_name)


def find_outlet(text: str, pack_name: str) -> str | None:
    """The outlet when the whole text (or text minus ", Country" / "The ") names one."""
    idx = _outlet_index(pack_name)
    cand = normalise_text(text).strip(" .:/•-–—")
    for c in (cand, cand.split(",")[0].strip(), cand.removeprefix("the ").strip()):
        if c in idx:
            return idx[c].name
    return None


def split_outlet_from_title(title: str, pack_name: str) -> tuple[str, str | None]:
    """'Asbarez: Title' and 'Title – Armenian Weekly' carry the outlet in the title line."""
    m = re.match(r"^(?P<o>[^:]{2,40}):\s+(?P<t>.+)$", title)
    if m and (o := find_outlet(m.group("o"), pack_name)):
        return m.group("t").strip(), o
    m = re.match(r"^(?P<t>.+?)\s+[–—|-]\s+(?P<o>[^–—|-]{2,40})$", title)
    if m and (o := find_outlet(m.group("o"), pack_name)):
        return m.group("t").strip(), o
    return title, None


def outlet_from_line(text: str, pack_name: str) -> str | None:
    """Outlet named by a metadata or footer line ('First published in X', 'appeared first on X')."""
    for rx in (_PUBLISHED_IN, _APPEARED_FIRST):
        m = rx.search(text.strip())
        if m and (o := find_outlet(m.group("o"), pack_name)):
            return o
    return None


def clean_person(name: str) -> str:
    name = _HONORIFICS.sub("", name.strip(" .,:;"))
    return _HONORIFICS.sub("", name).strip()


def byline_author(text: str) -> str | None:
    """'By: Dr. Vasif Huseynov' -> 'Vasif Huseynov'; None when not a byline."""
    m = _BYLINE.match(text.strip())
    if not m:
        return None
    who = m.group("who").strip()
    if not who:
        return ""  # "By" alone: the name follows on the next line
    who = re.split(r"\s*(?:,|\||\band\b\s+[a-z])\s*", who)[0]
    who = clean_person(who)
    return who if 1 <= len(who.split()) <= 5 else None


def bio_author(text: str) -> str | None:
    """'Raymond Ibrahim, author of ...' / 'Michael Rubin (@x) is a contributor ...' -> the name."""
    m = _BIO.match(text.strip())
    return clean_person(m.group("name")) if m else None


def lone_name(text: str) -> str | None:
    t = text.strip()
    return clean_person(t) if _LONE_NAME.match(t) and 2 <= len(t.split()) <= 4 else None


def date_mentions(text: str, default_year: int | None) -> list[tuple[int, int, int | None]]:
    """(year, month, day or None) of explicit dates written in running text."""
    out = []
    for m in _MENTION.finditer(text):
        g = m.groupdict()
        mon = g["m1"] or g["m2"] or g["m3"]
        month = MONTHS.get(mon.casefold().rstrip("."))
        if not month or (mon[0].islower() and mon.casefold() in {"may", "mar", "jan", "sep", "dec"} and not g["d2"]):
            continue  # "may" the verb, not May
        day_s = g["d1"] or g["d2"]
        year_s = g["y1"] or g["y2"] or g["y3"]
        year = int(year_s) if year_s else default_year
        if year is None:
            continue
        day = int(day_s) if day_s else None
        try:
            date(year, month, day or 1)
        except ValueError:
            continue
        out.append((year, month, day))
    return out


def mentions_recent_time(text: str) -> bool:
    return bool(_WEEKDAY.search(text))


def latest_year(text: str) -> int | None:
    years = [int(y) for y in _YEAR.findall(text)]
    return max(years) if years else None
