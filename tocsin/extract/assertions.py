"""Assertions: what an article states without a number, that another source may deny.

The first kind is civilian harm. "Two civilians were wounded" and "the army did not target
civilians" disagree although only one has a figure; an analyst weighing a denial needs the
reports beside it. A sentence asserts civilian harm when a civilian word and a harm word
stand within a few words of each other; a negation among them makes it a denial. Sentences
about intentions, duties and appeals ("to avoid civilian casualties", "must protect
civilians") state nothing and are skipped. The vocabulary is the pack's ``assertions.yaml``.

Stage "assertions" writes ``annotations["assertions"]``: a list of
``{"kind": "civilian_harm", "polarity": "denial" | "report", "sentence", "line", "start",
"end", "quote", "attributed_to"}``; the corpus stage "claims" stores and compares them
(tocsin/compare/contradictions.py).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from ..model import Article
from ..packs import register_section
from ..packs.schema import Ctx, line_of, to_plain
from ..pipeline import stage
from .claims_attrib import according_to, expand_name, speakers
from .event_rules import cue_regex

LISTS = ("civilians", "objects", "harm", "negation", "not_a_statement")
_WORD = re.compile(r"[\w’'\-]+")


def _validate(doc: Any, ctx: Ctx) -> dict[str, Any]:
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ctx.fail(line_of(doc) or 1, "assertions.yaml must be a mapping (civilian_harm: {...})")
    for key in doc:
        if key != "civilian_harm":
            raise ctx.fail(line_of(doc, key), f"unknown key {key!r} (known: civilian_harm)")
    ch = doc.get("civilian_harm") or {}
    if not isinstance(ch, dict):
        raise ctx.fail(line_of(doc, "civilian_harm"), "'civilian_harm' must be a mapping")
    for key, value in ch.items():
        if key == "window":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ctx.fail(line_of(ch, key), "'window' must be a whole number of words >= 1")
        elif key in LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ctx.fail(line_of(ch, key), f"'{key}' must be a list of words or phrases")
        else:
            raise ctx.fail(line_of(ch, key), f"unknown key {key!r} (known: {', '.join(LISTS)}, window)")
    for key in ("civilians", "harm"):
        if ch and not ch.get(key):
            raise ctx.fail(line_of(doc, "civilian_harm"), f"civilian_harm needs a non-empty '{key}' list")
    return to_plain(doc)


register_section("assertions", _validate)


@dataclass(frozen=True)
class HarmRules:
    civilians: re.Pattern[str]
    objects: re.Pattern[str] | None
    harm: re.Pattern[str]
    negation: frozenset[str]
    not_a_statement: re.Pattern[str] | None
    window: int
    literals: tuple[str, ...] = ()  # every civilian word contains one of these (lower case)


def _alt(words: list[str]) -> re.Pattern[str] | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(cue_regex(w) for w in words), re.IGNORECASE) if words else None


_compiled: dict[int, tuple[Any, HarmRules | None]] = {}


def rules(pack: Any) -> HarmRules | None:
    """The pack's civilian-harm rules, compiled once per pack object (None without them)."""
    cached = _compiled.get(id(pack))
    if cached is not None and cached[0] is pack:
        return cached[1]
    raw = (pack.section("assertions") or {}).get("civilian_harm") if pack is not None else None
    compiled = None
    if raw and raw.get("civilians") and raw.get("harm"):
        compiled = HarmRules(
            civilians=_alt(raw["civilians"]), objects=_alt(raw.get("objects") or []), harm=_alt(raw["harm"]),
            negation=frozenset(w.casefold() for w in raw.get("negation") or []),
            not_a_statement=_alt(raw.get("not_a_statement") or []), window=int(raw.get("window") or 8),
            literals=tuple(sorted({w.casefold().replace("*", "").split()[0] for w in raw["civilians"]
                                   if w.replace("*", "").split()})))
    _compiled[id(pack)] = (pack, compiled)
    return compiled


def _is_negation(word: str, negation: frozenset[str]) -> bool:
    w = word.casefold().replace("’", "'")
    return w in negation or w.endswith("n't") or ("n'" in negation and w.startswith("n'"))


def civilian_harm_all(sentence: str, r: HarmRules) -> list[tuple[str, int, int]]:
    """Every ("denial" | "report", start, end) of one sentence, in text order.

    Each civilian mention pairs with its nearest harm word within the window, so "the other
    side killed 100 civilians; we did not attack the civilian population" gives a report and a
    denial; a negation counts only for its own pair (from three words before it).
    """
    if r.not_a_statement is not None and r.not_a_statement.search(sentence):
        return []
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(sentence)]
    if not words:
        return []
    starts = [w[0] for w in words]

    def index(pos: int) -> int:
        return max(0, bisect_right(starts, pos) - 1)

    harms = [(index(h.start()), index(max(h.start(), h.end() - 1)), h.start(), h.end())
             for h in r.harm.finditer(sentence)]
    found: list[tuple[str, int, int]] = []
    for m in r.civilians.finditer(sentence):
        after = sentence[m.end():m.end() + 40].lstrip()
        if r.objects is not None and r.objects.match(after):
            continue  # "civilian infrastructure": things, not people
        ci, cj = index(m.start()), index(max(m.start(), m.end() - 1))
        best = None
        for hi_, hj, hs, he in harms:
            gap = hi_ - cj - 1 if hi_ > cj else ci - hj - 1
            if gap <= r.window and (best is None or gap < best[0]):
                best = (gap, hi_, hj, hs, he)
        if best is None:
            continue
        _gap, hi_, hj, hs, he = best
        lo_w, hi_w = min(ci, hi_), max(cj, hj)
        # "no civilians were harmed", "civilians were not targeted", "without civilian casualties"
        neg = any(_is_negation(words[k][2], r.negation) for k in range(max(0, lo_w - 3), hi_w + 1))
        span = (min(m.start(), hs), max(m.end(), he))
        if found and span[0] < found[-1][2]:
            continue  # overlaps the previous pair ("civilian casualties among civilians")
        found.append(("denial" if neg else "report", *span))
    return found


def civilian_harm(sentence: str, r: HarmRules) -> tuple[str, int, int] | None:
    """The first civilian-harm assertion of a sentence, or None."""
    found = civilian_harm_all(sentence, r)
    return found[0] if found else None


def _source(sentence: str, start: int, pack_name: str | None) -> str | None:
    from .claims_config import load_claims_config

    cfg = load_claims_config(pack_name) if pack_name else None
    if cfg is None:
        return None
    src, _end = according_to(sentence, start, cfg)
    if src:
        return src
    for sp in speakers(sentence, start, cfg):
        if sp.source and sp.source.casefold() not in cfg.pronouns:
            return sp.source
    return None


def extract_assertions(article: Article, pack: Any = None) -> list[dict[str, Any]]:
    """Civilian-harm assertions of one article, in text order."""
    if pack is None:
        from .entities import current_pack

        pack = current_pack()
    r = rules(pack) if pack is not None else None
    if r is None or not article.text:
        return []
    text = article.text
    low = text.casefold()
    if not any(lit in low for lit in r.literals):
        return []  # substring tests are far cheaper than the word-bounded alternation
    hits = [m.start() for m in r.civilians.finditer(text)]
    if not hits:
        return []  # one scan of the article instead of one per sentence: most name no civilians
    if article.sentences:
        sents_iter = [(s.start, s.text, s.line) for s in article.sentences]
    else:  # not split yet (a caller outside the pipeline): sentences by punctuation, lines from body_lines
        line_at = []
        pos = 0
        for line, para in article.body_lines or []:
            i = text.find(para, pos) if para else -1
            if i >= 0:
                line_at.append((i, i + len(para), line))
                pos = i + len(para)
        sents_iter = [(m.start(), m.group(0), next((ln for a, b, ln in line_at if a <= m.start() < b), None))
                      for m in re.finditer(r"[^.!?\n]+[.!?]*", text)]
    out = []
    pack_name = str(getattr(pack, "path", "") or "") or None
    for start, stext, line in sents_iter:
        if not any(start <= h < start + len(stext) for h in hits):
            continue
        found = civilian_harm_all(stext, r)
        src = _source(stext, start, pack_name) if found else None
        for polarity, a, b in found:
            out.append({"kind": "civilian_harm", "polarity": polarity, "sentence": stext.strip(), "line": line,
                        "start": start + a, "end": start + b, "quote": stext[a:b],
                        "attributed_to": expand_name(src, text) if src else None})
    return out


@stage("assertions", kind="article", needs=("sentences",), adds=("assertions",), version="1", order=91)
def assertions_stage(article: Article) -> Article:
    """Pipeline stage: annotations["assertions"] (civilian harm reported or denied)."""
    article.annotations["assertions"] = extract_assertions(article)
    return article
