"""Find and parse numbers in running text (en/fr/ru): digits, number words, fractions.

This module only knows how numbers are *written*; what counts as a claim (units, counted
things, exclusions) lives in the pack's claims.yaml and in :mod:`tocsin.extract.claims`.
Every mention keeps its character span so a claim can be traced back to its words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Thin and no-break spaces are thousands separators in French and Russian typography.
_SP = "\u00a0\u202f\u2009 "

# --------------------------------------------------------------------------- number words

_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_FR_UNITS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60,
}
_RU_UNITS = {
    "один": 1, "одна": 1, "одного": 1, "одной": 1, "два": 2, "две": 2, "двух": 2, "три": 3,
    "трех": 3, "трёх": 3, "четыре": 4, "четырех": 4, "четырёх": 4, "пять": 5, "пяти": 5,
    "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9,
    "девяти": 9, "десять": 10, "десяти": 10, "одиннадцать": 11, "двенадцать": 12,
    "пятнадцать": 15, "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30,
    "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80,
    "девяносто": 90, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
}
_HUNDRED = {"hundred": 100, "cent": 100, "cents": 100, "сто": 100, "ста": 100}
_SCALES = {
    "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "mille": 1_000, "million_fr": 1_000_000, "millions": 1_000_000, "milliard": 1_000_000_000,
    "milliards": 1_000_000_000, "тысяча": 1_000, "тысячи": 1_000, "тысяч": 1_000,
    "миллион": 1_000_000, "миллиона": 1_000_000, "миллионов": 1_000_000,
    "миллиард": 1_000_000_000, "миллиарда": 1_000_000_000, "миллиардов": 1_000_000_000,
    "тыс": 1_000, "млн": 1_000_000, "млрд": 1_000_000_000, "bn": 1_000_000_000,
    "m": 1_000_000,  # "$2.5m"; only accepted glued to digits (see _DIGITS)
}
# Plural scale words after "of"/"de" are vague ("hundreds of thousands", "des milliers"):
# annotators do not count them, so they are recognised only to be skipped.
VAGUE_WORDS = (
    r"(?:hundreds|thousands|millions|billions|dozens|scores|tens|centaines|milliers|"
    r"dizaines|centaines|сотни|тысячи|десятки|многие|several|many|plusieurs|numerous|"
    r"countless|some|a\s+few|few|quelques|несколько)"
)

WORD_VALUES: dict[str, int] = {**_EN_UNITS, **_FR_UNITS, **_RU_UNITS, **_HUNDRED}
SCALE_WORDS = {k: v for k, v in _SCALES.items() if k not in ("million_fr", "m")}

# Fractions in words are numbers in percent ("three quarters of its territory" = 75).
FRACTIONS: dict[str, float] = {
    "half": 50.0, "a half": 50.0, "one half": 50.0, "one third": 100 / 3, "a third": 100 / 3,
    "two thirds": 200 / 3, "two-thirds": 200 / 3, "one quarter": 25.0, "a quarter": 25.0,
    "three quarters": 75.0, "three-quarters": 75.0, "one fifth": 20.0, "a fifth": 20.0,
    "la moitié": 50.0, "moitié": 50.0, "un tiers": 100 / 3, "deux tiers": 200 / 3,
    "un quart": 25.0, "trois quarts": 75.0, "половина": 50.0, "половину": 50.0,
    "треть": 100 / 3, "две трети": 200 / 3, "четверть": 25.0, "три четверти": 75.0,
}

_WORD_ALT = "|".join(sorted((re.escape(w) for w in list(WORD_VALUES) + list(SCALE_WORDS)), key=len, reverse=True))
# A run of number words joined by spaces, hyphens, "and"/"et"; "a"/"an" only before a scale.
_WORDS_RE = re.compile(
    rf"(?<![\w-])(?:(?:a|an|one)\s+(?=(?:hundred|thousand|million|billion)\b))?"
    rf"(?:{_WORD_ALT})(?:(?:[\s-]+|\s+(?:and|et)\s+)(?:{_WORD_ALT}))*(?![\w])",
    re.IGNORECASE,
)
_FRACTION_RE = re.compile(
    r"(?<![\w-])(" + "|".join(sorted((re.escape(f) for f in FRACTIONS), key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)
# Digits with optional thousands groups (",", ".", spaces) and decimals, an optional
# currency sign before and a scale word after ("1.5 million", "$2,000", "120 000").
_DIGITS = re.compile(
    rf"(?P<cur>[$€£₽]\s?)?(?<![\w.,])(?P<num>\d{{1,3}}(?:(?:,|\.|[{_SP}])\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    rf"(?:(?P<sp>[{_SP}]?)(?P<scale>million|billion|thousand|millions|milliards?|mille|тыс\.?|тысяч[аи]?|млн|млрд|"
    rf"миллион(?:а|ов)?|bn|m)(?![\w]))?",
    re.IGNORECASE,
)


@dataclass
class NumberMention:
    """One number found in text, with where it is and how it was written."""

    value: float
    start: int
    end: int
    text: str
    kind: str  # digits | words | fraction
    currency: str | None = None  # "$", "€" ... when written before the digits
    value_max: float | None = None  # upper end of a range ("10-12")


def parse_digits(num: str, language: str | None = None) -> float | None:
    """Parse one digit string with separators; None if it is not a plain number.

    "," + 3 digits is a thousands group everywhere; "." + 3 digits is a thousands group in
    languages that write it so (fr, ru, de...) or when there are several groups
    ("1.200.000"); a lone "," + 1-2 digits is a decimal comma in fr/ru.
    """
    s = num
    for sp in _SP:
        s = s.replace(sp, "")
    dot_thousands = language not in (None, "en") or s.count(".") > 1
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", s):
        return float(s.replace(",", ""))
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", s) and dot_thousands:
        return float(s.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d+,\d{1,2}", s):
        return float(s.replace(",", "."))
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return float(s)
    if re.fullmatch(r"\d+,\d+", s):
        return float(s.replace(",", "."))
    return None


def parse_words(text: str) -> float | None:
    """Value of a run of number words ("twenty-seven", "one million", "dix", "a hundred thousand")."""
    toks = [t for t in re.split(r"[\s-]+", text.casefold()) if t and t not in ("and", "et", "a", "an")]
    if not toks:
        return None
    total, current, seen = 0, 0, False
    for t in toks:
        if t in ("million", "millions") and not seen and current == 0:
            current = 1
        if t in WORD_VALUES:
            v = WORD_VALUES[t]
            if v == 100 and t in _HUNDRED:
                current = max(current, 1) * 100
            elif t == "vingt" and current == 4:  # quatre-vingt(s) = 80
                current = 80
            else:
                current += v
            seen = True
        elif t in SCALE_WORDS:
            scale = SCALE_WORDS[t]
            current = max(current, 1) * scale
            total += current
            current = 0
            seen = True
        else:
            return None
    return float(total + current) if seen or total else None


def find_numbers(text: str, language: str | None = None) -> list[NumberMention]:
    """Every number mention in ``text`` (non-overlapping, left to right)."""
    out: list[NumberMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in _DIGITS.finditer(text):
        value = parse_digits(m.group("num"), language)
        if value is None:
            continue
        scale = m.group("scale")
        if scale:
            if scale.lower() == "m" and (not m.group("cur") or m.group("sp")):
                scale = None  # "5 m" is metres, not millions
            else:
                value *= SCALE_WORDS.get(scale.lower().rstrip("."), 1_000_000)
        end = m.end() if scale else m.end("num")
        start = m.start("cur") if m.group("cur") else m.start("num")
        cur = m.group("cur").strip() if m.group("cur") else None
        out.append(NumberMention(value, start, end, text[start:end], "digits", cur))
        taken.append((start, end))
    for m in _FRACTION_RE.finditer(text):
        if free(m.start(), m.end()):
            out.append(NumberMention(FRACTIONS[m.group(1).casefold()], m.start(), m.end(), m.group(0), "fraction"))
            taken.append((m.start(), m.end()))
    for m in _WORDS_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        first = m.group(0).split()[0].split("-")[0].casefold()
        if first in _HUNDRED or (first in SCALE_WORDS and first != "mille"):
            continue  # "several hundred", "hundred" alone: vague, not a figure
        value = parse_words(m.group(0))
        if value is None:
            continue
        out.append(NumberMention(value, m.start(), m.end(), m.group(0), "words"))
        taken.append((m.start(), m.end()))
    out.sort(key=lambda n: n.start)
    return _merge_ranges(text, out)


_RANGE_SEP = re.compile(r"^\s*(?:-|–|—|to|à|до)\s*$")


def _merge_ranges(text: str, nums: list[NumberMention]) -> list[NumberMention]:
    """Join "10-12" / "10 to 12" into one mention whose value is the lower end."""
    merged: list[NumberMention] = []
    i = 0
    while i < len(nums):
        n = nums[i]
        if i + 1 < len(nums) and n.kind == nums[i + 1].kind == "digits":
            nxt = nums[i + 1]
            if _RANGE_SEP.match(text[n.end:nxt.start]) and nxt.value > n.value:
                merged.append(NumberMention(n.value, n.start, nxt.end, text[n.start:nxt.end], "digits",
                                            n.currency, nxt.value))
                i += 2
                continue
        merged.append(n)
        i += 1
    return merged


def format_int(n: int, style: str) -> str:
    """Write an integer the way a given typography does (used by tests and docs)."""
    s = f"{n:,}"
    return {"en": s, "fr": s.replace(",", "\u202f"), "space": s.replace(",", " "),
            "dot": s.replace(",", "."), "plain": str(n)}[style]
