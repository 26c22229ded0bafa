"""Who states a number: "according to X", "X said", quoted speech, introduced block quotes.

The rules follow how news text attributes: an explicit "according to" wins; then a speech
verb with its subject; numbers inside a speech quote belong to the quote's speaker (named in
the sentence, else the last speaker named before: "Elle quitte… « J'ai pris… »"); a
paragraph that ends with ":" introduces a quoted block; anything else is the article's own
voice (None). Sources are cleaned to the words a reader would cite ("one report" -> "report",
"Dutch journalist, Sonja Dahlmans" -> "Sonja Dahlmans").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .claims_config import ClaimsConfig

_OPEN_CLOSE = {"“": "”", "«": "»", "„": "“", '"': '"'}
_ADVERBS = {"later", "also", "has", "had", "have", "reportedly", "previously", "recently", "publicly", "then",
            "officially", "once", "again", "further", "had", "is", "was", "were", "been", "allegedly", "a",
            "a également", "également", "aussi", "ensuite"}
_NAME_TOKEN = re.compile(r"^[A-ZÀ-ÖØ-ÞА-ЯЁ][\w’'.\-]*$")
_STOP_CAPS = {"on", "in", "at", "the", "a", "an", "for", "after", "before", "since", "while", "when", "as",
              "le", "la", "les", "en", "à", "dans", "depuis", "but", "and", "however", "similarly", "meanwhile"}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"}


@dataclass
class Speaker:
    source: str
    verb_start: int  # absolute offsets of the verb
    verb_end: int
    inverted: bool  # subject after the verb (", said X" / "dit-elle")


def quote_spans(text: str, min_words: int, offset: int = 0) -> list[tuple[int, int]]:
    """Spans (absolute) of quoted passages long enough to be speech, not names or scare quotes."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        close = _OPEN_CLOSE.get(ch)
        if close is None:
            i += 1
            continue
        j = text.find(close, i + 1)
        if j < 0:  # quote runs to the paragraph end (common in digests)
            j = len(text)
        inner = text[i + 1:j]
        if len(inner.split()) >= min_words:
            spans.append((offset + i, offset + j + 1))
        i = j + 1
    return spans


def _strip_prefixes(s: str, cfg: ClaimsConfig) -> tuple[str, bool]:
    """Drop leading determiners; report whether the source was "one of these X" (singular)."""
    singular = False
    changed = True
    while changed:
        changed = False
        low = s.casefold()
        for p in cfg.strip_prefixes:
            if low.startswith(p + " ") or (p.endswith("'") and low.startswith(p)):
                if p.startswith("one of"):
                    singular = True
                s = s[len(p):].lstrip()
                changed = True
                break
    return s, singular


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def is_person_name(seg: str, cfg: ClaimsConfig) -> bool:
    toks = seg.split()
    if len(toks) < 2 or len(toks) > 5:
        return False
    if toks[0].casefold() in _STOP_CAPS:
        return False
    for t in toks:
        if not _NAME_TOKEN.match(t) or t.casefold().strip(".") in cfg.titles or t.casefold() in cfg.titles:
            return False
        if t.casefold() in _MONTHS or any(c.isdigit() for c in t):
            return False
    return True


def clean_source(raw: str, cfg: ClaimsConfig, nearest_last: bool = False) -> str | None:
    """A source phrase as a reader would cite it, or None when nothing nameable is left.

    Appositions are split on commas: a person's name wins ("Dutch journalist, Sonja
    Dahlmans"); otherwise the segment nearest the verb (``nearest_last`` for subjects that
    precede it).
    """
    s = re.sub(r"\s+", " ", raw).strip(" ,;:.\"“”«»'’()[]—–-")
    if not s:
        return None
    segs = [x.strip() for x in re.split(r",|\s[—–]\s", s) if x.strip()]
    names = [x for x in segs if is_person_name(x, cfg)]
    if names:
        s = names[0]
    elif segs:
        s = segs[-1] if nearest_last else segs[0]
    s, singular = _strip_prefixes(s, cfg)
    # "a report by X", "a statement from X's office" -> the author
    m = re.match(r"^(?:[\w\-]+\s+){0,2}?(\w+)\s+(?:by|from|of|issued by|de|par)\s+(.+)$", s, re.IGNORECASE)
    if m and m.group(1).casefold() in cfg.document_heads:
        s, _ = _strip_prefixes(m.group(2), cfg)
    s = re.split(r"\s+(?:that|who|which|qui|que|что|saying)\s", s, maxsplit=1)[0]
    if singular and s:
        parts = s.split()
        parts[-1] = _singular(parts[-1])
        s = " ".join(parts)
    s = s.strip(" ,;:.")
    if not s or s.casefold() in cfg.pronouns or len(s) > 100:
        return None
    return s


def according_to(sentence: str, start: int, cfg: ClaimsConfig) -> tuple[str | None, int]:
    """Source of an "according to X" phrase in a sentence and where the phrase ends (absolute)."""
    m = cfg.according_re.search(sentence)
    if not m:
        return None, -1
    rest = sentence[m.end():]
    stop = re.search(r"[,;:.!?(]|\s[—–]\s|\s(?:that|who|which|qui|que|что)\s", rest)
    phrase = rest[: stop.start()] if stop else rest
    return clean_source(phrase, cfg), start + m.end() + len(phrase)


def speakers(sentence: str, start: int, cfg: ClaimsConfig) -> list[Speaker]:
    """Speech verbs of a sentence with their subjects."""
    out = []
    for m in cfg.speech_re.finditer(sentence):
        before = sentence[: m.start()]
        after = sentence[m.end():]
        # inverted when the verb directly follows a quote or a comma after a quote
        # inverted ("…,” said X" / "« …, raconte X") when the verb follows a closing quote, or a
        # comma inside a still-open quote; "X, the former …, framed" is not inverted
        open_quote = (before.count("“") > before.count("”") or before.count("«") > before.count("»")
                      or before.count('"') % 2 == 1)
        inverted = bool(re.search(r"[”\"»]\s*,?\s*$", before) or (re.search(r",\s*$", before) and open_quote))
        inverted = inverted and not re.match(r"\s*(?:that|que|что)\b", after)
        if re.match(r"-(?:t-)?(?:il|elle|ils|elles)\b", after):  # "dit-elle"
            out.append(Speaker(after.split()[0].lstrip("-").split("-")[-1], start + m.start(), start + m.end(), True))
            continue
        if inverted:
            tail = re.split(r"[.;:!?]|\s(?:in|at|on|during|after|while|when|lors|dans|en)\s", after, maxsplit=1)[0]
            src = clean_source(tail, cfg)
        else:
            clause = re.split(r"[;:“”\"«»]|\s(?:that|but|while|though|although|because|if|when|as|que|et|mais)\s",
                              before)[-1]
            toks = clause.split()
            while toks and toks[-1].casefold() in _ADVERBS:
                toks.pop()
            # a subject is a short noun phrase; a long run is a clause the verb does not govern
            src = clean_source(" ".join(toks), cfg, nearest_last=True)
            if src and len(src.split()) > 8:
                src = None
        if src:
            out.append(Speaker(src, start + m.start(), start + m.end(), inverted))
    return out


def intro_source(paragraph: str, cfg: ClaimsConfig) -> str | None:
    """Source of a paragraph that introduces a quoted block ("X summarizes the situation:")."""
    p = paragraph.rstrip()
    if p.isupper():  # an all-caps heading ("FUTURE OF THE ISSUES, REFUGEES:")
        return None
    if not p.endswith(":") and not (p.endswith(",") and cfg.according_re.search(p)):
        return None
    last = re.split(r"(?<=[.!?])\s+", p)[-1]
    src, _ = according_to(last, 0, cfg)
    if src:
        return src
    for sp in speakers(last, 0, cfg):
        return sp.source
    for seg in re.split(r",|\s[—–]\s", last):
        seg = seg.strip()
        name = re.match(r"^((?:[A-ZÀ-ÖØ-Þ][\w’'.\-]*\s?){2,5})", seg)
        if name and is_person_name(name.group(1).strip(), cfg):
            return name.group(1).strip()
    words = re.findall(r"[\w’'\-]+", last.casefold())
    for w in words:
        if w in cfg.document_heads or _singular(w) in cfg.document_heads:
            return _singular(w)
    return None


def starts_or_ends_excerpt(paragraph: str, cfg: ClaimsConfig) -> tuple[bool, bool]:
    p = paragraph.strip()
    starts = p.startswith(cfg.block_marks)
    ends = p.rstrip(".").endswith(("…", "...")) or p.endswith(("….", "...."))
    return starts, ends


def expand_name(source: str, text: str) -> str:
    """A lone first or last name completed from the article ("Siranouch" -> "Siranouch Sargsian")."""
    if " " in source or not source[:1].isupper():
        return source
    m = re.search(rf"\b{re.escape(source)}\s+([A-ZÀ-ÖØ-Þ][\w\-]+)", text)
    if m and m.group(1).casefold() not in _STOP_CAPS and m.group(1).casefold() not in _MONTHS:
        return f"{source} {m.group(1)}"
    m = re.search(rf"\b([A-ZÀ-ÖØ-Þ][\w\-]+)\s+{re.escape(source)}\b", text)
    if m and m.group(1).casefold() not in _STOP_CAPS and m.group(1).casefold() not in _MONTHS:
        return f"{m.group(1)} {source}"
    return source
