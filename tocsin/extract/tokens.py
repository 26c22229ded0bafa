"""Tokens as the gazetteer sees them: folding, stems of inflected scripts, spans and case.

The entities matcher (tocsin/extract/entities.py), the topic stage and the NER gate share
these, so an alias and the text it should match are always cut and folded the same way.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

_APOSTROPHES = "'’‘ʼ`´ʻ′"
_APOS_RE = re.compile(f"[{_APOSTROPHES}]")
# French (and Italian-like) elided articles/prepositions glued to the next word.
_ELISION = {"l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu"}
# Letters that do not decompose under NFD but have an obvious base letter.
_EXTRA_FOLD = str.maketrans({"ı": "i", "ə": "e", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ё": "е"})

# A token: a dotted acronym (U.S., U.N, E.U.) or a run of letters/digits with internal apostrophes.
_TOKEN_RE = re.compile(
    r"(?P<acr>(?<![\w.])(?:[^\W\d_]\.)+[^\W\d_]\.?(?!\w))"
    rf"|(?P<w>[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*)"
)

# Inflectional endings, longest first; stripped repeatedly while the stem keeps >= _MIN_STEM
# letters. Applied identically to aliases and text, so it only has to be consistent, not correct.
_SUFFIXES = {
    "cyrl": ("ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ом", "ем", "ах", "ях",
             "ым", "им", "ую", "юю", "ый", "ий", "ая", "яя", "ое", "ее", "ые", "ие", "ых", "их", "ы", "и", "а", "я", "у", "ю", "е", "ь", "й", "о"),
    "armn": ("ներից", "ների", "ում", "ից", "ով", "ին", "ը", "ի", "ու"),
    "turkic": ("lerin", "larin", "nin", "nun", "dan", "den", "tan", "ten", "lar", "ler",
               "in", "un", "da", "de", "ta", "te", "ya", "ye", "yi", "yu", "a", "e", "i", "u"),
}
_MIN_STEM = {"cyrl": 4, "armn": 3, "turkic": 4}


def fold(s: str) -> str:
    """NFKC + casefold + diacritics removed: the comparison form of one token."""
    if s.isascii():  # fast path (most tokens): NFKC and accent folding leave ASCII as it is
        return s.lower()
    return _fold_slow(s)


@lru_cache(maxsize=65536)
def _fold_slow(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold().translate(_EXTRA_FOLD)
    # Strip accents from Latin letters only: Cyrillic й is a letter of its own, not и + breve.
    return "".join(_fold_char(c) for c in s)


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF:
        return "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
    return c


def _script(tok: str) -> str:
    for ch in tok:
        if "\u0400" <= ch <= "\u04ff":
            return "cyrl"
        if "\u0530" <= ch <= "\u058f":
            return "armn"
        if ch.isalpha():
            return "latn"
    return "other"


@lru_cache(maxsize=65536)
def variants(tok: str, turkic: bool = False) -> tuple[str, ...]:
    """The token and its possible stems (one case ending removed) for inflected scripts.

    Names are matched when any variant of the text token equals any variant of the alias token,
    so "Алиевым"/"Алиев", "России"/"Россия", "Երևանում"/"Երևան", "Azərbaycanın"/"Azərbaycan" meet
    without a real morphological analyser. Latin tokens get stems only in az/tr articles, so
    English "Karabakhi" never becomes "Karabakh".
    """
    sc = _script(tok)
    key = sc if sc in ("cyrl", "armn") else ("turkic" if turkic and sc == "latn" else None)
    if key is None:
        return (tok,)
    out = [tok]
    for suf in _SUFFIXES[key]:
        if tok.endswith(suf) and len(tok) - len(suf) >= _MIN_STEM[key]:
            out.append(tok[: -len(suf)])
    return tuple(dict.fromkeys(out))


class Token(NamedTuple):  # a tuple, not a frozen dataclass: built once per word of every article
    norm: str  # folded comparison form
    variants: tuple[str, ...]  # norm and its stems (inflected scripts only)
    start: int  # character span of the surface kept (possessive/elision excluded)
    end: int
    surface: str
    upper: bool  # every cased letter is uppercase (acronym-like)
    cap: bool  # first letter uppercase, or a script without case
    sent_start: bool  # first token of a sentence/line (capitalised for grammar, not as a name)


def _is_cap(ch: str) -> bool:
    return ch.isupper() or (ch.isalpha() and ch.lower() == ch.upper())


_OPENERS = frozenset(" \t\"“«(‘'")
_BOUNDARY = frozenset(".!?:\n—–•|")


def _after_boundary(text: str, start: int) -> bool:
    """Whether only openers/blanks stand between a sentence boundary (or the start) and ``start``.

    Walks back from ``start`` instead of slicing ``text[:start]``: the slice made tokenising
    quadratic in the article's length (it was the entities stage's hot spot)."""
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in _BOUNDARY


def tokenize(text: str, turkic: bool = False) -> list[Token]:
    """Tokens of ``text`` with their normalised form and character spans."""
    # The entities and topic stages tokenise the same body: a small cache shares the work.
    return list(_tokenize(text, turkic))


@lru_cache(maxsize=64)
def _tokenize(text: str, turkic: bool) -> tuple[Token, ...]:
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        start, end = m.span()
        raw = m.group()
        if m.group("acr"):
            body = raw.replace(".", "")
        else:
            parts = _APOS_RE.split(raw)
            if len(parts) > 1 and parts[0].casefold() in _ELISION:
                start += len(parts[0]) + 1  # d'Erevan -> Erevan
                parts = parts[1:]
            if len(parts) > 1 and len(parts[-1]) <= 4 and parts[-1].islower():
                end -= len(parts[-1]) + 1  # Azerbaijan's / Türkiye'nin -> Azerbaijan / Türkiye
                parts = parts[:-1]
            body = "".join(parts)
        if not body:
            continue
        surface = text[start:end]
        if body.isascii():  # fast path, same answers: ASCII letters are cased and never titlecase
            upper = body.isupper()
            first = body[0] if body[0].isalpha() else next((c for c in body if c.isalpha()), "")
        else:
            letters = [c for c in body if c.isalpha()]
            upper = bool(letters) and all(not c.islower() for c in letters) and any(c.isupper() for c in letters)
            first = letters[0] if letters else ""
        sent_start = _after_boundary(text, start)
        norm = fold(body)
        out.append(Token(norm, variants(norm, turkic), start, end, surface, upper,
                         _is_cap(first) if first else False, sent_start))
    return tuple(out)


def norm_key(s: str, turkic: bool = False) -> tuple[str, ...]:
    """The normalised token sequence of a name or alias."""
    return tuple(t.norm for t in tokenize(s, turkic))


def same_name(a: str, b: str, turkic: bool = False) -> bool:
    """Whether two spellings match as the matcher sees them (token by token, stems allowed)."""
    ta, tb = tokenize(a, turkic), tokenize(b, turkic)
    return len(ta) == len(tb) > 0 and all(set(x.variants) & set(y.variants) for x, y in zip(ta, tb))
