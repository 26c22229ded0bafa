"""Sentence splitting: sentencex boundaries, corrected by an abbreviation and quote layer.

sentencex (Rust) is fast and knows many scripts (Armenian "։", Cyrillic, ...) but over-splits
titles and abbreviations common in news ("M. Dupont", "Aug. 24", "10 hrs. hier", "т.е.") and
sometimes misses a boundary after a closing quote. Rather than re-implementing a splitter we
take its boundaries and run one small decision function over (a) each boundary it proposed
and (b) each punctuation+space position it did not: the function says "boundary", "no
boundary" or "no opinion" (keep what sentencex did).

Spans are computed from cut positions, never from re-joined strings, so every non-space
character of the input is in exactly one span, in order.
"""
from __future__ import annotations

import logging
import re

from ..model import Article, Sentence
from ..pipeline import stage

log = logging.getLogger(__name__)

try:  # a missing/broken wheel must not make the whole package unimportable
    import sentencex as _sx
except Exception:  # pragma: no cover - exercised only on broken installs
    _sx = None

__all__ = ["split_sentences", "sentences_stage"]

# Characters that close a quotation or parenthesis after a sentence's final punctuation.
CLOSERS = "”»\"’')]›"
OPENERS = "“«\"‘'([‹„‚"

# A candidate boundary: final punctuation, optional closers, whitespace, then text.
_CANDIDATE = re.compile(r"(?<=\S)[.!?…։]+[" + re.escape(CLOSERS) + r"]*(\s+)(?=\S)")
_LAST_TOKEN = re.compile(r"\S+$")
_FIRST_TOKEN = re.compile(r"^\S+")
_TOKEN_PARTS = re.compile(r"^(.*?)([.!?…։]+)([" + re.escape(CLOSERS) + r"]*)$", re.S)
_ACRONYM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")  # U.S  a.m  J.R.R (final dot stripped)
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")

# Abbreviation classes, lower-cased, without the final dot. Why classes: a title never ends
# a sentence; a month or "No." is followed by a number; "etc."/"hrs." often do end one.
ALWAYS_INNER = frozenset(
    "i.e e.g cf viz т.е т.к напр см ср".split()
)
TITLES = frozenset(
    """mr mrs ms mx dr m mme mmes mlle mm messrs st ste gen lt col sgt capt cpt maj prof rev
    hon sen rep gov pres adm cmdr cdr cpl pvt brig fr mgr amb mt ft av
    г-н г-жа ген акад проф ул им св пос пгт ст.-л""".split()
)
MONTHS = frozenset(
    """jan feb mar apr jun jul aug sep sept oct nov dec janv févr fév avr juil déc
    янв фев февр мар апр авг сент окт нояб дек""".split()
)
NUMBER_BEFORE = frozenset(
    "no nos nr art vol fig figs p pp ch chap sec para approx ca c env tel ст стр п ч рис гл".split()
)
END_LIKELY = frozenset(
    """etc hrs hr h min sec km kg cm mln bn inc ltd co corp bros plc llc vb vs
    т.д т.п др млн млрд тыс руб км""".split()
)
NAME_PART = frozenset("jr sr г гг с д".split())  # plus single capitals and acronyms

# Capitalised function words only begin sentences; after "U.S." or "J." they mean a new one.
STARTERS = frozenset(
    """The A An This That These Those He She It They We I You His Her Its Their Our My
    But And Or So Yet However Meanwhile Then There Here In On At For From With After Before
    When While Although Though Since If As According Also Despite During Earlier Later Today
    Yesterday Last Next Some Many Most All Both Such What Who Why How Where Nevertheless
    Le La Les Il Elle Ils Elles Nous Vous Je On Un Une Des Ce Cette Ces Mais Et Pour Dans
    Selon Depuis Après Avant Lors Alors Cependant Pourtant Au Aux Du
    Der Die Das Er Sie Es Wir Ich Aber Und
    В Во На По С Со К О Об Он Она Оно Они Мы Я Вы Это Этот Эта Эти Но И А Как Что Так Также
    Однако При После До Для Из От За Там Здесь Сегодня Вчера Уже Тогда Кроме Согласно
    Потом Затем Позже Поэтому
    Bu O Bir Ve Amma Ancak Lakin Ama Həmçinin Sonra Bununla""".split()
)

# Languages sentencex is given; anything else goes in as "en" (its generic rules).
_SX_LANGS = frozenset("en fr de es it ru uk hy az tr ka fa ar pt nl pl".split())


def _sx_cuts(text: str, language: str) -> list[int] | None:
    """End offsets of sentencex segments (excluding len(text)), or None if it failed."""
    if _sx is None:
        return None
    try:
        segs = _sx.segment(language, text)
    except BaseException as e:  # pyo3 panics are BaseException; don't swallow Ctrl-C
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        log.debug("sentencex failed (%s); using the rule layer alone", e)
        return None
    cuts, pos = [], 0
    for seg in segs:
        # Segments should tile the input; check instead of trusting, and fall back if not.
        if text.startswith(seg, pos):
            pos += len(seg)
        else:
            found = text.find(seg.strip(), pos) if seg.strip() else -1
            if found < 0:
                return None
            pos = found + len(seg.strip())
        cuts.append(pos)
    return [c for c in cuts if 0 < c < len(text)]


def _normalise_cut(text: str, cut: int) -> tuple[int, int] | None:
    """(end of sentence, start of next) around a raw cut; None if nothing follows."""
    n = len(text)
    e = cut
    while e > 0 and text[e - 1].isspace():
        e -= 1
    s = cut
    while s < n and text[s].isspace():
        s += 1
    # A cut before closing quotes ("no.| ” Then", "Non. | » Il"): a run of closers followed
    # by a space cannot open a quote, so it ends the previous sentence.
    q = s
    while q < n and text[q] in CLOSERS:
        q += 1
    if q > s and (q == n or text[q].isspace()):
        e = s = q
        while s < n and text[s].isspace():
            s += 1
    if s >= n or e <= 0:
        return None
    return e, s


def _decide(text: str, e: int, s: int) -> bool | None:
    """Is there a sentence boundary between text[:e] and text[s:]? None = no opinion."""
    gap = text[e:s]
    if "\n" in gap and _BLANK_LINE.search(gap):
        return True  # a blank line always ends a sentence
    m = _LAST_TOKEN.search(text, max(0, e - 60), e)
    token = m.group(0).lstrip(OPENERS) if m else ""
    m2 = _FIRST_TOKEN.match(text[s : s + 60])
    nxt = m2.group(0) if m2 else ""
    nword = nxt.lstrip(OPENERS)
    nfirst = nword[:1]
    parts = _TOKEN_PARTS.match(token)
    punct = parts.group(2) if parts else ""
    if "։" in punct:
        return True  # the Armenian full stop is never an abbreviation mark
    if nfirst.islower():
        # Continuation: “...” he said / etc. and / 10 hrs. hier / parti… puis / т.е. война
        return False
    if not parts:
        return None
    word, closers = parts.group(1), parts.group(3)
    if closers:
        # Final punctuation inside a closing quote, then a capital: a new sentence.
        return True if (nfirst.isupper() or nxt[:1] in OPENERS) else None
    if not word:
        return None
    if punct != ".":
        if "…" in punct or ".." in punct:
            return None  # an ellipsis before a capital is ambiguous: sentencex decides
        # "?"/"!" after a word, then a capital: a boundary even inside a quotation.
        return True if nfirst.isupper() and len(word) >= 2 else None
    low = word.lower()
    nupper, ndigit = nfirst.isupper(), nfirst.isdigit()
    starter = nword.rstrip(",;:") in STARTERS
    if low in ALWAYS_INNER:
        return False
    if low in END_LIKELY:
        return True if nupper else None
    if low in TITLES:
        return False
    if low in MONTHS or low in NUMBER_BEFORE:
        return False if ndigit else None
    is_initial = len(word) == 1 and word.isupper()
    if low in NAME_PART or is_initial or _ACRONYM.match(word):
        if nupper:
            return starter
        return None
    # An ordinary word (or number) then a capital. sentencex keeps whole quotations as one
    # sentence; analysts need the quoted sentences separately, so split here.
    if nupper and len(word) >= 2 and (word[-1].isalnum() or word[-1] in CLOSERS):
        return True
    return None


def split_sentences(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of ``text``.

    Spans are in order, do not overlap, exclude surrounding whitespace, and together cover
    every non-whitespace character. ``language`` (ISO 639-1) picks sentencex's rules;
    unknown or None uses its generic rules, which the abbreviation layer then corrects.
    """
    first = len(text) - len(text.lstrip())
    last = len(text.rstrip())
    if first >= last:
        return []
    lang = (language or "en").lower().split("-")[0].split("_")[0]
    raw = _sx_cuts(text, lang if lang in _SX_LANGS else "en")
    fallback = raw is None
    bounds: dict[int, int] = {}
    for cut in raw or ():
        es = _normalise_cut(text, cut)
        if es and _decide(text, *es) is not False:
            bounds[es[0]] = es[1]
    for m in _CANDIDATE.finditer(text):
        e, s = m.start(1), m.end(1)
        if e in bounds:
            continue
        d = _decide(text, e, s)
        if d or (fallback and d is None):
            bounds[e] = s
    spans: list[tuple[int, int]] = []
    start = first
    for e in sorted(bounds):
        s = bounds[e]
        if e <= start or s > last:  # stray cut inside whitespace or an earlier span
            continue
        spans.append((start, e))
        start = s
    spans.append((start, last))
    return spans


def _paragraph_offsets(art: Article) -> list[tuple[int | None, str, int]]:
    """(line, paragraph, offset in art.text) for each body line that can be located."""
    out = []
    text = art.text
    pos = 0  # contract: text == "\n\n".join(paragraphs)
    cursor = 0  # fallback search position
    for line, para in art.body_lines:
        if text.startswith(para, pos):
            off = pos
        else:
            off = text.find(para, cursor) if para else -1
            if off < 0:
                log.debug("%s: body line %s not found in article text", art.source_file, line)
                pos += len(para) + 2
                continue
        out.append((line, para, off))
        cursor = off + len(para)
        pos = off + len(para) + 2
    return out


@stage("sentences", kind="article", needs=("body_lines",), adds=("sentences",), version="1", order=30)
def sentences_stage(art: Article) -> Article:
    """Split each body paragraph into sentences with offsets into art.text and source lines."""
    lang = art.language
    sentences: list[Sentence] = []
    located = _paragraph_offsets(art) if art.body_lines else []
    if not located and art.text.strip():
        located = [(None, art.text, 0)]  # no usable line map: split the whole body
    text = art.text
    for line, para, off in located:
        for a, b in split_sentences(para, lang):
            sentences.append(Sentence(text[off + a : off + b], off + a, off + b, line=line))
    art.sentences = sentences
    return art
