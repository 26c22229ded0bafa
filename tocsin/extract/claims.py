"""Quantitative claims with attribution: every number stated about the conflict.

A claim is a number with a unit or counted thing ("120,000 Armenians", "dix mois",
"95 %", "three quarters of its territory"), a hedge ("more than", "up to"), and the source
that states it ("according to X", "X said", a quote's speaker) or None for the article's own
voice. What counts (units, counted nouns, cues, hedges, attribution verbs) is pack data in
claims.yaml; this module holds only the general rules. Stage "claims" writes
``article.annotations["claims"]`` as a list of plain dicts (exported as claims.jsonl).
"""
from __future__ import annotations

import re
from typing import Any

from ..model import Article
from ..pipeline import stage
from .claims_attrib import (according_to, expand_name, intro_source, quote_spans, speakers,
                            starts_or_ends_excerpt)
from .claims_config import DEFAULT_PACK, ClaimsConfig, load_claims_config
from .claims_numbers import NumberMention, find_numbers

__all__ = ["extract_claims", "claims_stage", "load_claims_config"]

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
           r"octobre|novembre|décembre|январ\w*|феврал\w*|март\w*|апрел\w*|ма[йя]|июн\w*|июл\w*|август\w*|"
           r"сентябр\w*|октябр\w*|ноябр\w*|декабр\w*)")
_MONTH_BEFORE = re.compile(_MONTHS + r"\.?\s+(?:the\s+)?$", re.IGNORECASE)
_MONTH_AFTER = re.compile(r"^(?:st|nd|rd|th|er)?\s*(?:of\s+)?" + _MONTHS + r"(?![\w])", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d.,])(1[0-9]{3}|20[0-9]{2})(?![\d])")
_TOKEN = re.compile(r"[\w·’'\-]+|[^\w\s]")
_FUNCTION = {"of", "de", "d", "du", "des", "in", "on", "at", "to", "for", "and", "et", "or", "ou", "with", "by",
             "from", "the", "a", "an", "la", "le", "les", "l", "à", "au", "aux", "who", "that", "which", "were",
             "was", "are", "is", "have", "had", "has", "в", "на", "и", "из", "по"}
_AGE = re.compile(r"^[\s-]*(?:years?|yrs?|ans?)[\s-]*old\b|^[\s-]*year-old|^\s*ans\b(?=.{0,3}$)", re.IGNORECASE)
_PER = re.compile(r"^\s*(?:a|per|each|every|par|в)\s+(day|week|month|jour|semaine|mois|день|сутки)\b", re.IGNORECASE)
_PER_LABEL = {"day": "day", "jour": "day", "день": "day", "сутки": "day", "week": "week", "semaine": "week",
              "month": "month", "mois": "month"}


def _paragraphs(article: Article) -> list[tuple[int | None, int, str]]:
    """(source line, start offset in article.text, paragraph text) for each body paragraph."""
    out = []
    text = article.text
    pos = 0
    if article.body_lines:
        for line, para in article.body_lines:
            if not para or not para.strip():
                continue
            i = text.find(para, pos)
            if i < 0:
                i = text.find(para)
            if i < 0:
                continue
            out.append((line, i, para))
            pos = i + len(para)
        if out:
            return out
    for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        out.append((None, m.start(), m.group(0)))
    return out


_SPLIT = re.compile(r"(?<=[.!?…])[\"”»’)]*\s+(?=[\"“«(\[]?[A-ZÀ-ÖØ-ÞА-ЯЁ0-9])")


def _sentences(article: Article, pstart: int, ptext: str) -> list[tuple[int, str]]:
    """Sentences inside one paragraph as (absolute start, text); the pipeline's when present."""
    pend = pstart + len(ptext)
    sents = [(s.start, article.text[s.start:s.end]) for s in article.sentences if pstart <= s.start < pend]
    if sents:
        return sents
    out, last = [], 0
    for m in _SPLIT.finditer(ptext):
        out.append((pstart + last, ptext[last:m.start()]))
        last = m.end()
    out.append((pstart + last, ptext[last:]))
    return [(a, s) for a, s in out if s.strip()]


def _topic(article: Article) -> str | None:
    t = article.annotations.get("topic")
    if isinstance(t, dict):
        t = t.get("label") or t.get("topic")
    return t if isinstance(t, str) else None


def _unit(cfg: ClaimsConfig, text: str, n: NumberMention, lang: str | None) -> tuple[str, str, int] | None:
    """(unit, what, end offset) of a number, or None when it counts nothing the pack knows."""
    after = text[n.end:n.end + 160]
    before = text[max(0, n.start - 80):n.start]
    sentence_tail = re.split(r"(?<=[.!?;])\s", after, maxsplit=1)[0]
    if n.kind == "fraction":
        if re.match(r"\s*(?:of|de|d’|d'|du|des)\b", after, re.IGNORECASE) and cfg.percent_context.search(after[:60]):
            return "percent", _what(after, 0), n.end + min(len(after), 60)
        return None
    pm = cfg.percent_re.match(after)
    if pm:
        window = before[-80:] + after[:60]
        if cfg.percent_context.search(window):
            return "percent", _what(after, pm.end()), n.end + pm.end()
        return None
    if n.currency:
        label = cfg.currency_signs.get(n.currency)
        return (label, _what(after, 0), n.end) if label else None
    for rx, label in cfg.currency_words:
        cm = rx.match(after)
        if cm:
            return (label, _what(after, cm.end()), n.end + cm.end()) if label in cfg.currency_signs.values() or label else None
    if cfg.vague_units.match(after.lstrip(" -")):
        return None
    # counted noun after up to max_modifiers adjectives ("19 humanitarian trucks")
    pos = 0
    for _ in range(cfg.max_modifiers + 1):
        m = re.match(r"[\s\-]*", sentence_tail[pos:])
        pos += m.end()
        um = cfg.unit_re.match(sentence_tail, pos)
        if um and (um.end() == len(sentence_tail) or not (sentence_tail[um.end()].isalnum())):
            label = cfg.unit_of(um)
            if label == "meals":
                per = _PER.match(sentence_tail[um.end():])
                if per:
                    label = f"meals per {_PER_LABEL.get(per.group(1).casefold(), 'day')}"
            return label, _what(sentence_tail, pos), n.end + um.end()
        tok = _TOKEN.match(sentence_tail, pos)
        if not tok or not re.match(r"[\w·’'\-]+$", tok.group(0)) or tok.group(0).casefold() in _FUNCTION:
            return None
        pos = tok.end()
    return None


def _what(after: str, pos: int) -> str:
    """Short noun phrase of the counted thing: the words after the number up to a clause break."""
    seg = re.split(r"[,;:.()\[\]”“\"«»—–]|\s(?:and|who|which|that|et|qui|que|was|were|have|has|had)\s",
                   after[pos:].strip(" -"), maxsplit=1)[0]
    return " ".join(seg.split()[:8])


def _excluded(cfg: ClaimsConfig, text: str, n: NumberMention, unit: str | None) -> bool:
    """Numbers that are not quantities: ids, dates, times, years, ordinals, ages, relative spans."""
    before = text[max(0, n.start - 40):n.start]
    after = text[n.end:n.end + 40]
    if n.kind == "digits":
        if before[-1:].isalpha() or before[-1:] in ("_", "@", "/", "#") or re.search(r"[A-Za-z]-$", before):
            return True  # identifiers: "B-52", "H.R.5683", "@user1971"
        if after[:1].isalpha() and cfg.ordinal.match(after):
            return True
        if re.match(r"^[:h]\d\d", after) or re.search(r"\d[:h]$", before):
            return True
        if cfg.id_prefix.search(before):
            return True
        if not n.currency and n.value_max is None and re.fullmatch(r"\d{4}", n.text) and 1800 <= n.value <= 2100:
            return True
        if n.value_max is not None and 1800 <= n.value <= 2100 and n.value_max <= 2100:
            return True  # "1915-1923"
        if _MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after):
            return True
    if _AGE.match(after) or re.search(r"(?:age of|aged|âgée? de|в возрасте)\s*$", before, re.IGNORECASE):
        return True
    if unit in cfg.time_units:
        tail = text[n.end:n.end + 60]
        um = cfg.unit_re.match(tail.lstrip(" -"))
        rest = tail.lstrip(" -")[um.end():] if um else tail
        if cfg.relative_before.search(before) or cfg.relative_after.match(rest):
            return True
        if unit == "years" and n.value > cfg.max_years:
            return True
        if n.kind == "words" and n.value == 1 and not after.startswith("-"):
            return True  # "one day", "one year": idiom, not a span
    return False


def _hedge(cfg: ClaimsConfig, text: str, n: NumberMention) -> str | None:
    before = text[max(0, n.start - 30):n.start]
    for rx, label in cfg.hedges:
        if rx.search(before):
            return label
    return None


def _history(cfg: ClaimsConfig, sentence: str) -> bool:
    """A sentence dated before the conflict's start tells history, not a claim about it."""
    limit = int(cfg.raw.get("history_before_year", 0) or 0)
    return bool(limit) and any(int(y) < limit for y in _YEAR.findall(sentence))


def _run_pack() -> str:
    try:
        from ..config import settings

        return settings().pack
    except ImportError:
        return DEFAULT_PACK


def _dense_conflict(cfg: ClaimsConfig, text: str) -> bool:
    """True when an article labelled off-topic is plainly about the conflict (topic_override)."""
    o = cfg.raw.get("topic_override") or {}
    if not o or not text:
        return False
    cues = len(cfg.cues.findall(text))
    return (cues >= int(o.get("min_cues", 20)) and 1000 * cues / len(text) >= float(o.get("min_density", 5.0))
            and len(cfg.anchors.findall(text)) >= int(o.get("min_anchors", 3)))


def extract_claims(article: Article, pack: str | None = None) -> list[dict[str, Any]]:
    """Claims of one article, in text order, repeated figures removed (see claims.yaml dedup_key).

    ``pack`` is a pack name or folder; default: the run's pack (tocsin.config.settings().pack).
    """
    cfg = load_claims_config(pack or _run_pack())
    topic = _topic(article)
    text = article.text or ""
    if topic is not None and topic in cfg.skip_topics and not _dense_conflict(cfg, text):
        return []
    if topic is None and (len(cfg.cues.findall(text)) < cfg.min_article_cues
                          or len(cfg.anchors.findall(text)) < cfg.min_article_anchors):
        return []
    lang = article.language
    claims: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    last_speaker: str | None = None
    block: str | None = None  # source of an introduced quoted block
    block_open = False
    for line, pstart, ptext in _paragraphs(article):
        starts, ends = starts_or_ends_excerpt(ptext, cfg)
        if block and not block_open and not starts:
            block = None
        para_block = block
        block_open = ends
        quotes = quote_spans(ptext, cfg.min_quote_words, pstart)
        quote_src: dict[tuple[int, int], str] = {}
        sents = _sentences(article, pstart, ptext)
        sent_speakers = []
        for sstart, stext in sents:
            sps = speakers(stext, sstart, cfg)
            sent_speakers.append(sps)
            for sp in sps:
                src = sp.source
                if src.casefold() in cfg.pronouns or len(src) <= 5 and src.islower():
                    src = last_speaker or ""
                if not src:
                    continue
                src = expand_name(src, text)
                for q in quotes:
                    if q[0] <= sp.verb_start + 2 and q[1] >= sstart - 1 or sstart <= q[0] < sstart + len(stext):
                        quote_src.setdefault(q, src)
                if src[:1].isupper():
                    last_speaker = src
        for q in quotes:  # a quote with no verb: the last named speaker (interviews, testimony)
            if q not in quote_src and last_speaker and not para_block:
                quote_src[q] = last_speaker
        enough_cues = len(cfg.cues.findall(ptext)) >= cfg.min_paragraph_cues
        for (sstart, stext), sps in zip(sents, sent_speakers):
            if not enough_cues or _history(cfg, stext):
                continue
            acc_src, acc_end = according_to(stext, sstart, cfg)
            for n in find_numbers(stext, lang):
                n.start += sstart
                n.end += sstart
                u = _unit(cfg, text, n, lang)
                if u is None or _excluded(cfg, text, n, u[0]):
                    continue
                unit, what, uend = u
                src = _source(n, acc_src, sps, quotes, quote_src, para_block, text, cfg)
                claim = {
                    "quantity": n.value, "unit": unit, "what": what, "hedge": _hedge(cfg, text, n),
                    "attributed_to": src, "sentence": stext.strip(), "line": line,
                    "start": n.start, "end": uend, "quote": text[n.start:uend],
                }
                if n.value_max is not None:
                    claim["quantity_max"] = n.value_max
                key = tuple((claim[k] or "").casefold() if isinstance(claim[k], str) or claim[k] is None else claim[k]
                            for k in cfg.dedup_key)
                if key in seen:
                    continue
                seen.add(key)
                claims.append(claim)
        if intro := intro_source(ptext, cfg):
            block, block_open = expand_name(intro, text), True
    return claims


def _source(n: NumberMention, acc_src: str | None, sps: list, quotes: list, quote_src: dict,
            para_block: str | None, text: str, cfg: ClaimsConfig) -> str | None:
    if acc_src:
        return expand_name(acc_src, text)
    inside = [q for q in quotes if q[0] <= n.start < q[1]]
    if inside and quote_src.get(inside[0]):
        return quote_src[inside[0]]
    for sp in sps:
        if sp.source.casefold() in cfg.pronouns:
            continue
        if n.start > sp.verb_end and not sp.inverted:
            return expand_name(sp.source, text)
        if not quotes and sp.inverted and n.start < sp.verb_start:
            return expand_name(sp.source, text)
    if para_block:
        return para_block
    return None


@stage("claims", kind="article", needs=("sentences",), adds=("claims",), version="1", order=90)
def claims_stage(article: Article) -> Article:
    """Pipeline stage: annotations["claims"] = list of claim dicts."""
    article.annotations["claims"] = extract_claims(article)
    return article
