"""Date expressions → ISO dates, resolved against the article's own date.

A regex pre-pass finds candidate spans (absolute dates, month-year, bare years, weekdays and
relative expressions such as "last September", "три дня назад", "la semaine dernière") in
en/fr/ru; only spans the fast path cannot read go to dateparser, with the language given
explicitly (auto-detection costs ~275 ms a call). Precision is kept: "December 2022" is
"2022-12", never a made-up day.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

# Month names by language: stems long enough to be unambiguous, matched case-insensitively.
_MONTHS: dict[str, list[tuple[str, int]]] = {
    "en": [(r"jan(?:uary|\.)?", 1), (r"feb(?:ruary|\.)?", 2), (r"mar(?:ch|\.)?", 3), (r"apr(?:il|\.)?", 4),
           (r"may", 5), (r"june?", 6), (r"july?", 7), (r"aug(?:ust|\.)?", 8), (r"sept?(?:ember|\.)?", 9),
           (r"oct(?:ober|\.)?", 10), (r"nov(?:ember|\.)?", 11), (r"dec(?:ember|\.)?", 12)],
    "fr": [(r"janvier", 1), (r"f[ée]vrier", 2), (r"mars", 3), (r"avril", 4), (r"mai", 5), (r"juin", 6),
           (r"juillet", 7), (r"ao[uû]t", 8), (r"septembre", 9), (r"octobre", 10), (r"novembre", 11),
           (r"d[ée]cembre", 12)],
    # Russian: nominative, genitive ("28 сентября") and prepositional ("в сентябре") forms.
    "ru": [(r"январ[ьяеюи]", 1), (r"феврал[ьяеюи]", 2), (r"март[аеу]?", 3), (r"апрел[ьяеюи]", 4),
           (r"ма[йяеию]", 5), (r"июн[ьяеюи]", 6), (r"июл[ьяеюи]", 7), (r"август[аеу]?", 8),
           (r"сентябр[ьяеюи]", 9), (r"октябр[ьяеюи]", 10), (r"ноябр[ьяеюи]", 11), (r"декабр[ьяеюи]", 12)],
}
_WEEKDAYS: dict[str, list[str]] = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "ru": ["понедельник", "вторник", "сред[ау]", "четверг", "пятниц[ау]", "суббот[ау]", "воскресень[ея]"],
}
_NUMBER_WORDS: dict[str, dict[str, int]] = {
    "en": {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a few": 3, "several": 3},
    "fr": {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
           "neuf": 9, "dix": 10, "quelques": 3},
    "ru": {"один": 1, "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
           "восемь": 8, "девять": 9, "десять": 10, "несколько": 3},
}
# Relative words: (pattern, unit, offset). unit d=day, w=week, m=month, y=year.
_RELATIVE: dict[str, list[tuple[str, str, int]]] = {
    "en": [(r"today|this morning|tonight", "d", 0), (r"yesterday", "d", -1), (r"last week|the previous week", "w", -1),
           (r"this week", "w", 0), (r"last month|the previous month", "m", -1), (r"this month", "m", 0),
           (r"last year|the previous year", "y", -1), (r"this year", "y", 0)],
    "fr": [(r"aujourd'hui|aujourd’hui|ce matin", "d", 0), (r"avant-hier", "d", -2), (r"hier", "d", -1),
           (r"la semaine (?:derni[èe]re|pass[ée]e)", "w", -1), (r"cette semaine", "w", 0),
           (r"le mois (?:dernier|pass[ée])", "m", -1), (r"ce mois-ci", "m", 0),
           (r"l'ann[ée]e (?:derni[èe]re|pass[ée]e)|l’ann[ée]e (?:derni[èe]re|pass[ée]e)", "y", -1),
           (r"cette ann[ée]e", "y", 0)],
    "ru": [(r"сегодня", "d", 0), (r"позавчера", "d", -2), (r"вчера", "d", -1),
           (r"на прошлой неделе", "w", -1), (r"на этой неделе", "w", 0),
           (r"в прошлом месяце", "m", -1), (r"в этом месяце", "m", 0),
           (r"в прошлом году", "y", -1), (r"в этом году", "y", 0)],
}
_AGO: dict[str, tuple[str, dict[str, str], str]] = {
    # (number pattern side, unit words → unit, template) — template places NUM and UNIT
    "en": ("{num}\\s+({unit})\\s+ago", {"day": "d", "days": "d", "week": "w", "weeks": "w", "month": "m",
                                        "months": "m", "year": "y", "years": "y"}, ""),
    "fr": ("il y a\\s+{num}\\s+({unit})", {"jour": "d", "jours": "d", "semaine": "w", "semaines": "w", "mois": "m",
                                           "an": "y", "ans": "y", "année": "y", "années": "y"}, ""),
    "ru": ("{num}\\s+({unit})\\s+назад", {"день": "d", "дня": "d", "дней": "d", "неделю": "w", "недели": "w",
                                         "недель": "w", "месяц": "m", "месяца": "m", "месяцев": "m", "год": "y",
                                         "года": "y", "лет": "y"}, ""),
}
_LAST_MONTH_WORD = {"en": r"(?:last|this past)\s+", "fr": None, "ru": r"в\s+прошлом\s+"}
_IN_MONTH = {"en": r"in|since|by|until|from|through|early|late|mid-?|end of|beginning of",
             "fr": r"en|depuis|début|fin|mi-?|jusqu'en"}
_LAST_WEEKDAY = {"en": r"(?:on\s+|last\s+|this\s+past\s+)?", "fr": r"(?:ce\s+|le\s+|dernier\s+)?", "ru": r"(?:в\s+|во\s+)?"}

_YEAR = r"(?:1[89]\d\d|20\d\d)"


def _alt(items: list[str]) -> str:
    return "|".join(sorted(items, key=len, reverse=True))


@lru_cache(maxsize=1024)  # every sentence of an article passes the same reference
def _parse_ref(ref: str | None) -> tuple[date | None, int]:
    """Reference date and its precision (3 = day, 2 = month, 1 = year, 0 = none)."""
    if not ref:
        return None, 0
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", ref.strip())
    if not m:
        return None, 0
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        return date(int(y), int(mo or 1), int(d or 1)), 1 + bool(mo) + bool(d)
    except ValueError:
        return None, 0


def _iso(y: int, mo: int | None = None, d: int | None = None) -> str | None:
    try:
        if mo is None:
            return f"{y:04d}"
        if d is None:
            date(y, mo, 1)
            return f"{y:04d}-{mo:02d}"
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def _shift(ref: date, unit: str, n: int) -> date:
    if unit == "d":
        return ref + timedelta(days=n)
    if unit == "w":
        return ref + timedelta(weeks=n)
    if unit == "m":
        k = ref.year * 12 + ref.month - 1 + n
        return date(k // 12, k % 12 + 1, 1)
    return date(ref.year + n, 1, 1)


@lru_cache(maxsize=16)
def _patterns(language: str) -> list[tuple[str, re.Pattern[str]]]:
    lang = language if language in _MONTHS else "en"
    months = _alt([p for p, _ in _MONTHS[lang]])
    wd = _alt(_WEEKDAYS[lang])
    nums = _alt([re.escape(k) for k in _NUMBER_WORDS[lang]])
    ago_tpl, ago_units, _ = _AGO[lang]
    ago = ago_tpl.format(num=f"(\\d+|{nums})", unit=_alt(list(ago_units)))
    rel = _alt([p for p, _, _ in _RELATIVE[lang]])
    pats = [
        # 12 September 2022 / le 28 septembre 2023 / 28 сентября 2023 г.
        ("dmy", rf"\b(\d{{1,2}})(?:er|st|nd|rd|th)?\s+({months})\.?,?\s+({_YEAR})\b"),
        # September 12, 2022
        ("mdy", rf"\b({months})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+({_YEAR})\b"),
        ("iso", rf"\b({_YEAR})-(\d{{2}})-(\d{{2}})\b"),
        ("dmy_num", rf"\b(\d{{1,2}})[./](\d{{1,2}})[./]({_YEAR})\b"),
        ("my", rf"\b({months})\.?,?\s+(?:of\s+|de\s+)?({_YEAR})\b"),
        ("dm", rf"\b(\d{{1,2}})(?:er|st|nd|rd|th)?\s+({months})\b"),
        ("md", rf"\b({months})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![,.]?\s*\d)"),
        ("ago", rf"\b{ago}\b" if lang != "fr" else rf"\b{ago}\b"),
        ("rel", rf"(?<!\w)(?:{rel})(?!\w)"),
        ("lastmonth", rf"\b{_LAST_MONTH_WORD[lang] or '(?!x)x'}({months})\b"),
        # "talks resumed in June", "depuis juillet": a month without year, told as a time.
        ("inmonth", rf"(?<!\w)(?:{_IN_MONTH.get(lang) or '(?!x)x'})\s+({months})\b(?![.,]?\s*\d)"),
        ("weekday", rf"(?<!\w){_LAST_WEEKDAY[lang]}({wd})(?!\w)"),
        ("year", rf"(?<![\d\-/.,])({_YEAR})(?:s|’s|'s)?(?![\d\-/%])"),
    ]
    flags = re.IGNORECASE | re.UNICODE
    return [(k, re.compile(p, flags)) for k, p in pats]


def _month_num(word: str, language: str) -> int | None:
    lang = language if language in _MONTHS else "en"
    for pat, n in _MONTHS[lang]:
        if re.fullmatch(pat, word.rstrip("."), re.IGNORECASE):
            return n
    return None


def _num(word: str, language: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(language, _NUMBER_WORDS["en"]).get(word.lower())


def _resolve(kind: str, m: re.Match[str], ref: date | None, prec: int, language: str) -> str | None:
    g = m.groups()
    if kind == "dmy":
        return _iso(int(g[2]), _month_num(g[1], language), int(g[0]))
    if kind == "mdy":
        return _iso(int(g[2]), _month_num(g[0], language), int(g[1]))
    if kind == "iso":
        return _iso(int(g[0]), int(g[1]), int(g[2]))
    if kind == "dmy_num":
        return _iso(int(g[2]), int(g[1]), int(g[0]))
    if kind == "my":
        return _iso(int(g[1]), _month_num(g[0], language))
    if kind == "year":
        return _iso(int(g[0]))
    if ref is None or prec == 0:
        return None  # everything below needs the article's date
    if kind in ("dm", "md"):
        day, mon = (g[0], g[1]) if kind == "dm" else (g[1], g[0])
        mo = _month_num(mon, language)
        if mo is None:
            return None
        y = ref.year
        # A day-month without year is the latest such date not after the article date.
        if prec >= 2 and (mo, int(day)) > (ref.month, ref.day if prec == 3 else 31):
            y -= 1
        return _iso(y, mo, int(day))
    if kind == "inmonth":
        word = g[0]
        if language == "en" and word[:1].islower():
            return None  # "in may": English months are capitalised; lower case is the verb
        mo = _month_num(word, language)
        if mo is None:
            return None
        # The latest such month not after the article date.
        return _iso(ref.year - 1 if prec >= 2 and mo > ref.month else ref.year, mo)
    if kind == "lastmonth":
        mo = _month_num(g[0], language)
        if mo is None:
            return None
        y = ref.year - 1 if prec < 2 or mo >= ref.month else ref.year
        return _iso(y, mo)
    if kind == "ago":
        units = _AGO[language if language in _AGO else "en"][1]
        n = _num(g[0], language)
        unit = units.get(g[1].lower())
        if n is None or unit is None:
            return None
        return _at_precision(_shift(ref, unit, -n), unit, prec)
    if kind == "rel":
        text = m.group(0).lower()
        for pat, unit, off in _RELATIVE[language if language in _RELATIVE else "en"]:
            if re.fullmatch(pat, text, re.IGNORECASE):
                if unit in ("d", "w") and prec < 3 and off != 0:
                    # "last week" against a month-dated article: the week before the month began.
                    base = ref if prec == 2 else ref
                    return _at_precision(_shift(base, unit, off), "m", min(prec, 2))
                return _at_precision(_shift(ref, unit, off), unit, prec)
        return None
    if kind == "weekday":
        if prec < 3:
            return None  # "on Saturday" against a month-dated article cannot be pinned down
        wd_word = g[0].lower()
        for i, pat in enumerate(_WEEKDAYS[language if language in _WEEKDAYS else "en"]):
            if re.fullmatch(pat, wd_word):
                back = (ref.weekday() - i) % 7
                return (ref - timedelta(days=back)).isoformat()
    return None


def _at_precision(d: date, unit: str, prec: int) -> str | None:
    """Keep no more precision than both the expression and the reference allow."""
    want = {"d": 3, "w": 3, "m": 2, "y": 1}[unit]
    p = min(want, prec)
    return _iso(d.year, d.month if p >= 2 else None, d.day if p >= 3 else None)


_ANY_DIGIT = re.compile(r"\d", re.UNICODE)
_NEEDS_DIGIT = frozenset({"dmy", "mdy", "iso", "dmy_num", "my", "dm", "md", "year"})
_NEEDS_MONTH = frozenset({"dmy", "mdy", "my", "dm", "md", "lastmonth", "inmonth"})


@lru_cache(maxsize=16)
def _month_gate(language: str) -> re.Pattern[str]:
    """Any month name of ``language``, with the same flags as _patterns (a superset gate)."""
    lang = language if language in _MONTHS else "en"
    return re.compile(rf"(?:{_alt([p for p, _ in _MONTHS[lang]])})", re.IGNORECASE | re.UNICODE)


def find_dates(sentence: str, ref: str | None, language: str = "en") -> list[tuple[int, int, str]]:
    """Every date expression in ``sentence`` as (start, end, iso), left to right, non-overlapping.

    Longer, more specific patterns win over the bare-year or weekday ones they contain.
    """
    lang = (language or "en").lower()[:2]
    lang = lang if lang in _MONTHS else "en"
    refd, prec = _parse_ref(ref)
    taken: list[tuple[int, int]] = []
    out: list[tuple[int, int, str]] = []
    # Literal pre-gates (why: find_dates runs on every sentence; most have no digit or no
    # month word): a pattern that needs a digit or a month name cannot match without one,
    # so skipping it changes nothing but saves most of the regex passes.
    has_digit = _ANY_DIGIT.search(sentence) is not None
    has_month = _month_gate(lang).search(sentence) is not None
    for kind, pat in _patterns(lang):
        if (kind in _NEEDS_DIGIT and not has_digit) or (kind in _NEEDS_MONTH and not has_month):
            continue
        for m in pat.finditer(sentence):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            iso = _resolve(kind, m, refd, prec, lang)
            if iso is None:
                continue
            taken.append((s, e))
            out.append((s, e, iso))
    if lang != "en":
        # English month names still occur in quoted datelines of fr/ru text.
        for s, e, iso in find_dates(sentence, ref, "en"):
            if not any(s < te and ts < e for ts, te in taken):
                taken.append((s, e))
                out.append((s, e, iso))
    out.sort()
    return _ranges(sentence, out)


_RANGE_SEP = re.compile(r"^\s*(?:to|until|till|through|and|-|–|—|au|jusqu'au|по|до|и)\s*$", re.IGNORECASE)
_OF = re.compile(r"^\s*(?:of|,)?\s*$", re.IGNORECASE)


def _ranges(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Read pairs of dates as one statement: "September 27 to November 10, 2020" gives the first
    date the second's stated year (not the reference year), and "April 23 of this year" is one
    date, not a day plus a separate vaguer year."""
    out = list(found)
    i = 0
    while i + 1 < len(out):
        (s1, e1, a), (s2, e2, b) = out[i], out[i + 1]
        gap = text[e1:s2]
        a_yearless = not re.search(r"\d{4}", text[s1:e1])
        if a_yearless and len(a) == 10 and len(b) == 4 and _OF.match(gap) and not re.search(r"\d", text[s2:e2]):
            out[i] = (s1, e2, b + a[4:])  # "April 23 of this year": the day, in the year named after it
            del out[i + 1]
            continue
        if a_yearless and len(a) >= 7 and len(b) >= 7 and _RANGE_SEP.match(gap) and re.search(r"\d{4}", text[s2:e2]):
            year = b[:4]
            if a[5:7] > b[5:7]:  # "December 28 to January 3, 2021": the range crosses a new year
                year = str(int(year) - 1)
            out[i] = (s1, e1, year + a[4:])
        i += 1
    return out


def normalise_date(expr: str, ref: str | None, language: str = "en") -> str | None:
    """ISO date (YYYY, YYYY-MM or YYYY-MM-DD) for one expression, or None if it is not a date.

    Relative expressions ("three days ago", "last September", "hier") resolve against ``ref``,
    the article's own date; without it they give None rather than a guess.
    """
    if not expr or not expr.strip():
        return None
    lang = (language or "en").lower()[:2]
    found = find_dates(expr, ref, lang)
    if found:
        # The expression is the date when one match covers most of it.
        s, e, iso = max(found, key=lambda t: t[1] - t[0])
        if (e - s) >= 0.6 * len(expr.strip()):
            return iso
    return _dateparser(expr.strip(), ref, lang)


def _dateparser(expr: str, ref: str | None, lang: str) -> str | None:
    """Slow path for what the regexes miss; precision from dateparser's own period guess."""
    try:
        import dateparser
        from dateparser.date import DateDataParser
    except ImportError:  # pragma: no cover - dateparser is a declared dependency
        return None
    refd, prec = _parse_ref(ref)
    settings: dict = {"PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True}
    if refd is not None:
        from datetime import datetime

        settings["RELATIVE_BASE"] = datetime(refd.year, refd.month, refd.day)
    langs = [lang] if lang in dateparser.languages.loader.default_loader.get_locale_map() else ["en"]
    try:
        data = DateDataParser(languages=langs, settings=settings).get_date_data(expr)
    except Exception:  # dateparser raises assorted errors on odd input: treat as "no date"
        return None
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj.date()
    period = data.period or "day"
    p = {"year": 1, "month": 2}.get(period, 3)
    if prec < 3 and re.search(r"\d{4}", expr) is None:
        return None  # relative to "now", or to a month-dated article: no honest answer
    if refd is not None and prec and re.search(r"\d{4}", expr) is None:
        p = min(p, prec)
    return _iso(d.year, d.month if p >= 2 else None, d.day if p >= 3 else None)
