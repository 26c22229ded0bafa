"""Which text can hold a name the pack does not cover: the gate before the NER model.

Running the model only where a capitalised word is neither covered by the gazetteer nor
inert (sentence-initial grammar words, months, currency codes...) is most of the NER saving."""
from __future__ import annotations

import re
from collections.abc import Iterator

_NOT_ORG_ACRONYMS = {"usd", "eur", "gbp", "rub", "amd", "azn", "chf", "jpy", "cny", "try", "irr", "gel", "uah",
                     "pm", "mp", "mep", "ceo", "tv", "gdp", "ai", "covid"}
_DEMONYM_ADJ = re.compile(r"(?:ani|ian|ean|ese|ish|ic|ic)$")


_GRAMMAR_CAPS = frozenset("""
the a an he she it they we you i in on at to of for from with by about after before during since
but and or yet so then when while if although though because however meanwhile moreover also
there here that these those what which who whom whose where why how one some many most both all
each every other another such no not only even still now today yesterday tomorrow earlier later
according despite amid among between against without within into over under through until
following under last next first second third several few more much any our their her his my your
its this as is was were are be been being has have had will would could can may might must should
do did does said says say nevertheless nonetheless indeed conversely consequently instead well
furthermore therefore thus hence additionally finally similarly likewise recently currently
previously initially ultimately notably importantly unfortunately fortunately clearly certainly
perhaps again already just once never always often soon rather otherwise besides overall
specifically especially particularly meanwhile subsequently accordingly altogether
""".split())
# Capitalised anywhere, yet unable to survive ner_mentions' filters as the only uncovered word of
# a span: month and weekday names (the model tags them DATE) and currency codes.
_INERT_ANYWHERE = frozenset("""
january february march april june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
""".split())
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _triggers(text: str, offset: int, para: str, covered: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Spans (in ``text``) of the capitalised words of ``para`` (at ``offset``) that the pack did
    not match and grammar does not explain; ``covered`` is sorted."""
    ci = 0
    for m in _LETTER_RUN.finditer(para):
        if not m.group()[0].isupper():
            continue
        s = offset + m.start()
        while ci < len(covered) and covered[ci][1] <= s:
            ci += 1
        if ci < len(covered) and covered[ci][0] <= s:
            continue  # inside a pack match
        if not _inert(m.group(), text, s):
            yield s, offset + m.end()


def needs_ner(text: str, offset: int, para: str, covered: list[tuple[int, int]]) -> bool:
    """Whether the paragraph at ``offset`` of ``text`` has a capitalised word the pack did not
    match and grammar does not explain; every mention ner_mentions keeps starts on such a word."""
    return next(_triggers(text, offset, para, covered), None) is not None


def trigger_spans(text: str, start: int, end: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The words of ``text[start:end]`` that make it need the model (see needs_ner)."""
    return list(_triggers(text, start, text[start:end], covered))


def _inert(w: str, text: str, start: int) -> bool:
    """A capitalised word that cannot start a kept mention on its own (see _looks_like_name):
    grammar-capitalised sentence openers, months and weekdays, currency codes, and nationality
    adjectives ("Armenian": only nouns in -s are kept as groups; names need more capitals)."""
    cf = w.casefold()
    if w.isupper() and len(w) > 1:
        return cf in _NOT_ORG_ACRONYMS
    if not (len(w) == 1 or w[1:].islower()):
        return False  # "McCain", "iPhone": not plain title case
    if cf in _INERT_ANYWHERE:
        return True
    if len(w) > 5 and not cf.endswith("s") and _DEMONYM_ADJ.search(cf):
        return True
    return cf in _GRAMMAR_CAPS and _sentence_initial(text, start)


def _sentence_initial(text: str, start: int) -> bool:
    from .entities import _after_boundary

    return _after_boundary(text, start)
