"""Classify the lines of a plain-text news digest.

A digest is a run of paragraphs, one per line, with web chrome in between. Each line gets a
kind; the splitter (split.py) then reads the sequence of kinds as structure: a title, then
metadata (date, outlet, byline), then body paragraphs. The rules describe the *format* of
scraped digests, so they hold for digests never seen before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

BLANK, PARA, TITLE, DATE, TIMESTAMP, CHROME, SEP_START, SEP_END, SHARE, BULLET, CAPTION = (
    "blank", "para", "title", "date", "timestamp", "chrome", "sep_start", "sep_end", "share", "bullet", "caption",
)

MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
    "decembre": 12,
    # Russian (genitive, as in dates)
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
MONTH_PATTERN = "|".join(sorted(MONTHS, key=len, reverse=True))
_BULLET = re.compile(r"^\s*[•·▪●◦*\-–]\s+")
_TIME = r"(?:\d{1,2}:\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?)"
# A line that is (almost) only a date: "Dec 18 2023", "14 Dec 2023", " 10:37, 28 November 2023",
# "Russia – May 5 2023", "2023-05-08", "May 8, 2023 11:02".
_DATE_CORE = (
    rf"(?:(?P<m1>{MONTH_PATTERN})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:er)?\s+(?P<m2>{MONTH_PATTERN})\.?,?\s+(?P<y2>\d{{4}})"
    rf"|(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}}))"
)
_DATE_LINE = re.compile(
    rf"^(?:[\w .'’]{{1,30}}\s[–—-]\s)?(?:{_TIME},?\s*)?{_DATE_CORE}(?:,?\s*(?:at\s+)?{_TIME})?(?:\s*(?:г\.|года))?\s*$",
    re.IGNORECASE,
)
_TIMESTAMP_ONLY = re.compile(rf"^(?:(?:today|yesterday|updated|published)\s+)?{_TIME},?$", re.IGNORECASE)
# Datelines opening a first paragraph: "YEREVAN, DECEMBER 14, ARMENPRESS. ...", "YEREVAN, May 5. /TASS/. ...",
# "PASADENA—The ...", "SYDNEY: The ...", "BRUSSELS, NOVEMBER 9, ARMENPRESS."
_PLACE = r"(?P<place>[A-Z][A-Z'’.]+(?:[ -][A-Z][A-Z'’.]+){0,3})"
_DL_DATE = rf"(?P<md>(?:{MONTH_PATTERN})\.?\s+\d{{1,2}}|\d{{1,2}}\s+(?:{MONTH_PATTERN}))"
_DATELINE = [
    re.compile(rf"^{_PLACE},\s+{_DL_DATE}(?:,?\s+(?P<year>\d{{4}}))?\s*[,.]?\s*(?P<agency>/?[A-Z][A-Za-z]+/?\.?)?\s*", re.IGNORECASE),
    re.compile(rf"^{_PLACE}\s*(?:\([A-Za-z]+\))?\s*[—–]{{1,2}}\s*(?=\S)"),
    re.compile(rf"^{_PLACE}\s*--\s*(?=\S)"),
    re.compile(rf"^{_PLACE}:\s+(?=[A-Z])"),
]
_NOT_PLACES = {"BREAKING", "UPDATE", "UPDATED", "EXCLUSIVE", "OPINION", "WATCH", "VIDEO", "PHOTOS", "NOTE",
               "EDITOR'S NOTE", "ANALYSIS", "LIVE", "URGENT", "READ", "Q", "A"}
_TITLE_END_BAD = re.compile(r"[.,;:]\s*$")


@dataclass
class Line:
    no: int  # 1-based line number
    raw: str
    text: str  # stripped, bullet removed
    kind: str
    bullet: bool = False
    date_iso: str | None = None


@lru_cache(maxsize=1)
def chrome_rules() -> dict:
    path = Path(__file__).with_name("data") / "chrome.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fold = lambda xs: {x.casefold().strip() for x in xs}  # noqa: E731
    seps = data["separators"]
    return {
        "sep_start": fold(seps["item_start"]),
        "sep_end": fold(seps["item_end"]),
        "share": fold(seps["share"]),
        "navigation": fold(data["navigation"]),
        "patterns": [re.compile(p, re.IGNORECASE) for p in data["patterns"]],
        "caption_prefixes": tuple(x.casefold() for x in data["caption_prefixes"]),
        "caption_markers": tuple(x.casefold() for x in data["caption_markers"]),
    }


def parse_date_line(text: str) -> str | None:
    """ISO date when the line is just a date (with optional time or a short prefix)."""
    m = _DATE_LINE.match(text.strip())
    if not m:
        return None
    return _iso_from_match(m)


def _iso_from_match(m: re.Match) -> str | None:
    g = m.groupdict()
    try:
        if g.get("y3"):
            y, mo, d = int(g["y3"]), int(g["m3"]), int(g["d3"])
        elif g.get("y1"):
            y, mo, d = int(g["y1"]), MONTHS[g["m1"].casefold()], int(g["d1"])
        else:
            y, mo, d = int(g["y2"]), MONTHS[g["m2"].casefold()], int(g["d2"])
        return date(y, mo, d).isoformat()
    except (ValueError, KeyError, TypeError):
        return None


@dataclass
class Dateline:
    place: str
    month: int | None
    day: int | None
    year: int | None
    agency: str | None
    end: int  # offset where the article text proper starts


def parse_dateline(text: str) -> Dateline | None:
    """A news dateline at the start of a paragraph, or None."""
    for i, rx in enumerate(_DATELINE):
        m = rx.match(text)
        if not m:
            continue
        place = m.group("place").strip(" .")
        if place.upper() in _NOT_PLACES or len(place) < 3 or not place.isupper():
            continue
        month = day = year = None
        agency = None
        if i == 0:
            md = m.group("md")
            parts = md.replace(".", " ").split()
            if parts[0].isdigit():
                day, month = int(parts[0]), MONTHS.get(parts[1].casefold())
            else:
                month, day = MONTHS.get(parts[0].casefold()), int(parts[1])
            year = int(m.group("year")) if m.group("year") else None
            agency = (m.group("agency") or "").strip("/. ") or None
        return Dateline(place.title(), month, day, year, agency, m.end())
    return None


def is_chrome(text: str) -> str | None:
    """The chrome kind of a line (sep_start, sep_end, share, chrome) or None."""
    rules = chrome_rules()
    key = text.casefold().strip().rstrip(":").strip()
    full = text.casefold().strip()
    for kind in ("sep_start", "sep_end", "share"):
        if key in rules[kind] or full in rules[kind]:
            return kind
    if key in rules["navigation"] or full in rules["navigation"]:
        return CHROME
    for rx in rules["patterns"]:
        if rx.search(text.strip()):
            return CHROME
    return None


def is_caption(text: str) -> bool:
    t = text.casefold()
    rules = chrome_rules()
    return t.startswith(rules["caption_prefixes"]) or any(m in t for m in rules["caption_markers"])


def is_title_like(text: str, *, min_words: int = 3) -> bool:
    """Short, capitalised, not ending like a sentence: how headlines look."""
    words = text.split()
    if not (min_words <= len(words) <= 30) or len(text) > 250:
        return False
    bare = text.rstrip("\"'”’»)")
    if _TITLE_END_BAD.search(bare) and not bare.endswith("..."):
        return False
    first = text.lstrip("\"'“‘«(")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    return not is_caption(text)


def classify(lines: list[str]) -> list[Line]:
    out: list[Line] = []
    for i, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped:
            out.append(Line(i, raw, "", BLANK))
            continue
        bullet = bool(_BULLET.match(raw))
        text = _BULLET.sub("", raw).strip() if bullet else stripped
        chrome = is_chrome(text)
        iso = None
        if chrome:
            kind = chrome
        elif (iso := parse_date_line(text)) is not None:
            kind = DATE
        elif _TIMESTAMP_ONLY.match(text) or re.match(rf"^{_TIME},?$", text):
            kind = TIMESTAMP
        elif bullet:
            kind = BULLET
        elif is_caption(text) and len(text) < 400:
            kind = CAPTION
        elif is_title_like(text, min_words=1):
            kind = TITLE
        else:
            kind = PARA
        out.append(Line(i, raw, text, kind, bullet, iso))
    return out


def word_count(text: str) -> int:
    return len(text.split())
