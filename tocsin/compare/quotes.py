"""Quotations and reported speech: which words of an article are someone else's.

Perspective (compare/perspective.py) discounts a camp's words inside a quotation and counts
the speaker instead; the story comparison (compare/story_compare.py) keeps quoted words apart
from an article's own. Both use this one definition of "quoted".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..model import Article
from ..packs import surface_key
from ..textre import trie_alternation

_SO_CALLED = re.compile(r"(?<!\w)(so-called|so called|soi-disant|prétendu\w*|так называем\w+|այսպես կոչված)\s+", re.IGNORECASE)


def _alternation(phrases: list[str]) -> str:
    return trie_alternation(phrases, ignore_case=True)


_PAIRS = {"“": "”", "«": "»", "„": "“", '"': '"', "‘": "’", "'": "'"}


@dataclass
class Quote:
    start: int
    end: int
    kind: str  # "speech" (a speaker's words), "scare" (a short distancing quote), "reported"
    speaker: str | None = None
    side: str | None = None


def _sentences(article: Article, text: str) -> list[tuple[int, int]]:
    if article.sentences and text is article.text:
        return [(s.start, s.end) for s in article.sentences]
    return [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+(?:[.!?]+[”\"»’]?|$)", text)]


def speaker_side(an: Any, phrase: str) -> str | None:
    """The camp a speaker phrase ("Azerbaijan's Foreign Ministry") belongs to, if it is clear."""
    if not an.speaker_re or not phrase:
        return None
    found = {an.speaker_side.get(surface_key(m.group(1))) for m in an.speaker_re.finditer(phrase)} - {None}
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=8)
def _speech_regexes(speech_verbs: tuple[str, ...], distance_verbs: tuple[str, ...]
                    ) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """find_quotes' verb matchers, built once per settings (why: rebuilding the long verb
    alternation for every article and looking it up per sentence was most of its cost)."""
    # verbs that introduce speech; "so-called"/"allegedly" qualify words, they introduce no speaker
    saying = [v for v in distance_verbs if not v.endswith("ly") and not _SO_CALLED.fullmatch(v + " ")]
    verbs = _alternation(list(speech_verbs) + saying + ["according to"])
    verb_re = re.compile(rf"(?<!\w)({verbs})(?!\w)", re.IGNORECASE)
    that_re = re.compile(rf"^(.{{2,160}}?)\b({verbs})\s+(?:that|que|что)\b", re.IGNORECASE)
    tail_re = re.compile(rf",\s*([^,]{{2,90}}?)\s+({verbs})\s*[.!]?[”\"»]?\s*$|,\s*({verbs})\s+([^,]{{2,90}}?)[.!]?\s*$",
                         re.IGNORECASE)
    return verb_re, that_re, tail_re


def find_quotes(an: Any, text: str, sentences: list[tuple[int, int]]) -> list[Quote]:
    """Quoted and reported-speech spans of ``text``, each with its speaker when one is named."""
    st = an.settings
    verb_re, that_re, tail_re = _speech_regexes(st.speech_verbs, st.distance_verbs)
    quotes: list[Quote] = []
    i = 0
    while i < len(text):
        close = _PAIRS.get(text[i])
        if text[i] in "'‘" and i > 0 and text[i - 1].isalnum():
            close = None  # an apostrophe (Azerbaijan's), not a quotation
        if close is None:
            i += 1
            continue
        j = text.find(close, i + 1)
        while close == "'" and 0 <= j < len(text) - 1 and text[j + 1].isalnum():
            j = text.find(close, j + 1)  # skip apostrophes inside the quotation
        nl = text.find("\n", i + 1)
        if j < 0 or (0 <= nl < j and text[i] in "\"‘'"):
            j = nl if nl >= 0 else len(text)  # an unclosed quote runs to the paragraph end
        inner = text[i + 1:j]
        words = len(inner.split())
        if (text[i] == "‘" and words < 4) or (text[i] == "'" and j >= len(text)):  # apostrophes, not quotes
            i += 1
            continue
        around = text[max(0, i - 120):i] + " " + text[j + 1:j + 120]
        has_verb = bool(verb_re.search(around))
        kind = "scare" if words <= st.num["scare_max_words"] and not has_verb else "speech"
        q = Quote(i, min(j + 1, len(text)), kind)
        if kind == "speech":
            q.speaker = _speaker_near(text, i, j, verb_re)
            q.side = speaker_side(an, q.speaker or "")
        quotes.append(q)
        i = j + 1
    # reported speech: "X said that ..." / "..., X said." / "According to X, ..."
    for s, e in sentences:
        sent = text[s:e]
        m = that_re.search(sent)
        if m:
            quotes.append(Quote(s + m.end(), e, "reported", m.group(1).strip(), speaker_side(an, m.group(1))))
            continue
        m = tail_re.search(sent)
        if m:
            who = m.group(1) or m.group(4) or ""
            quotes.append(Quote(s, s + m.start(), "reported", who.strip(), speaker_side(an, who)))
            continue
        m = re.match(r"\s*(?:according to|selon|по словам|по данным)\s+([^,]{2,90}),", sent, re.IGNORECASE)
        if m:
            quotes.append(Quote(s + m.end(), e, "reported", m.group(1).strip(), speaker_side(an, m.group(1))))
    return quotes


def _speaker_near(text: str, i: int, j: int, verb_re: re.Pattern[str]) -> str | None:
    after = text[j + 1:j + 100].split("\n")[0]
    m = re.match(rf"[\s,]*(?:({verb_re.pattern})\s+([^,.;“\"«]{{2,80}})|([^,.;“\"«]{{2,80}}?)\s+({verb_re.pattern}))", after, re.IGNORECASE)
    if m:
        return (m.group(2) or m.group(3) or "").strip() or None
    before = text[max(0, i - 160):i].split("\n")[-1]
    m = re.search(rf"([^,.;:”\"»]{{2,100}}?)\s+({verb_re.pattern})\b[^.;”\"»]{{0,60}}[:,]?\s*$", before, re.IGNORECASE)
    return m.group(1).strip() if m else None


def _inside(quotes: list[Quote], start: int, end: int) -> Quote | None:
    best = None
    for q in quotes:
        if q.start <= start and end <= q.end and (best is None or q.kind != "reported"):
            best = q
    return best


