"""What a claim counts: the comparison rules of a pack and the claim "what" normaliser.

Two figures can only agree or disagree when they count the same thing. The extractor's
``what`` is the raw phrase after the number ("Christians", "months", "dead"); here it becomes
a key: a category (killed, displaced, population, blockade...), a counted group (children,
civilians, soldiers), a unit class (people, percent, time in days, or the unit label), the
people concerned (by demonym, as a pack side) and the places named (pack entities), plus
the years the sentence names. The vocabulary is the ``compare`` key of the pack's
claims.yaml; errors there are E300 with file:line like every pack section.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import TocsinError
from ..extract.claims_config import bounded, validate_claims

# Time units become days so "8 months" and "240 days" are one quantity.
DAYS = {"hours": 1 / 24, "days": 1.0, "weeks": 7.0, "months": 30.44, "years": 365.25}
PEOPLE_UNITS = {"people", "persons"}
YEAR_RE = re.compile(r"(?<!\d)(19[0-9]{2}|20[0-9]{2})(?!\d)")


# Every key claims.yaml may hold (the extractor's, then the comparison's).
CLAIMS_KEYS = frozenset({
    "skip_topics", "topic_override", "min_article_cues", "min_paragraph_cues", "conflict_cues",
    "min_article_anchors", "article_anchors", "max_modifiers", "units", "vague_units", "time_units",
    "history_before_year", "max_years", "percent_signs", "percent_context", "currencies", "id_prefixes",
    "relative_before", "relative_after", "ordinal_suffixes", "hedges", "attribution", "dedup_key", "compare",
})
COMPARE_KEYS = frozenset({"margin", "about_margin", "percent_points", "same_period_days", "categories", "groups",
                          "peoples", "no_contradiction", "broad_places"})


def _validate(doc: Any, ctx: Any) -> dict[str, Any]:
    """claims.yaml validator: the extractor's keys, then the ``compare`` section's types."""
    from ..packs.schema import line_of

    out = validate_claims(doc, ctx)
    for key in doc:  # a misspelt key would silently fall back to a default
        if key not in CLAIMS_KEYS:
            raise ctx.fail(line_of(doc, key), f"unknown key {key!r} in claims.yaml",
                           hint=f"known keys: {', '.join(sorted(CLAIMS_KEYS))}")
    comp = doc.get("compare") if isinstance(doc, dict) else None
    if comp is None:
        return out
    if not isinstance(comp, dict):
        raise ctx.fail(line_of(doc, "compare"), "'compare' must be a mapping")
    for key in comp:
        if key not in COMPARE_KEYS:
            raise ctx.fail(line_of(comp, key), f"unknown key {key!r} under 'compare'",
                           hint=f"known keys: {', '.join(sorted(COMPARE_KEYS))}")
    for key in ("margin", "about_margin", "percent_points", "same_period_days"):
        v = comp.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise ctx.fail(line_of(comp, key), f"compare '{key}' must be a number >= 0")
    for key in ("categories", "groups", "peoples"):
        if not isinstance(comp.get(key) or {}, dict):
            raise ctx.fail(line_of(comp, key), f"compare '{key}' must be a mapping")
    for name, cat in (comp.get("categories") or {}).items():
        if not isinstance(cat, dict) or not isinstance(cat.get("words"), list):
            raise ctx.fail(line_of(comp["categories"], name), f"category '{name}' needs a list of 'words'")
    for key in ("no_contradiction", "broad_places"):
        if not isinstance(comp.get(key) or [], list):
            raise ctx.fail(line_of(comp, key), f"compare '{key}' must be a list")
    for key in ("groups", "peoples"):
        for name, words in (comp.get(key) or {}).items():
            if not isinstance(words, list):
                raise ctx.fail(line_of(comp[key], name), f"{key} '{name}' must be a list of words")
    return out


def _register() -> None:
    from ..packs.schema import register_section

    register_section("claims", _validate)  # replaces the extractor's validator with a superset


_register()


@dataclass
class Category:
    name: str
    words: re.Pattern[str]
    fallback: re.Pattern[str] | None
    units: set[str]
    growing: bool


@dataclass
class CompareConfig:
    margin: float = 0.05
    about_margin: float = 0.2
    percent_points: float = 2.0
    same_period_days: int = 7
    categories: list[Category] = field(default_factory=list)
    groups: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    peoples: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    no_contradiction: set[str] = field(default_factory=set)
    broad_places: set[str] = field(default_factory=set)

    def category(self, name: str | None) -> Category | None:
        return next((c for c in self.categories if c.name == name), None)


def compile_config(raw: dict[str, Any] | None) -> CompareConfig:
    raw = raw or {}
    cfg = CompareConfig()
    for key in ("margin", "about_margin", "percent_points"):
        if key in raw:
            setattr(cfg, key, float(raw[key]))
    cfg.same_period_days = int(raw.get("same_period_days", cfg.same_period_days))
    for name, c in (raw.get("categories") or {}).items():
        fb = [str(w) for w in c.get("fallback") or []]
        cfg.categories.append(Category(str(name), bounded([str(w) for w in c["words"]]),
                                       bounded(fb) if fb else None,
                                       {str(u) for u in c.get("units") or []}, bool(c.get("growing"))))
    cfg.groups = [(str(k), bounded([str(w) for w in v])) for k, v in (raw.get("groups") or {}).items()]
    cfg.peoples = [(str(k), bounded([str(w) for w in v])) for k, v in (raw.get("peoples") or {}).items()]
    cfg.no_contradiction = {str(x) for x in raw.get("no_contradiction") or []}
    cfg.broad_places = {str(x) for x in raw.get("broad_places") or []}
    return cfg


# Packs are reloaded as new objects when their files change, so the cache keys on the object
# (kept alive in the value so its id cannot be reused by another pack).
_CACHE: dict[int, tuple[Any, CompareConfig]] = {}


def compare_config(pack: Any) -> CompareConfig:
    """The compiled ``compare`` rules of a pack object (cached per pack object)."""
    hit = _CACHE.get(id(pack))
    if hit is not None and hit[0] is pack:
        return hit[1]
    section = pack.section("claims") or {} if pack is not None else {}
    cfg = compile_config(section.get("compare") if isinstance(section, dict) else None)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[id(pack)] = (pack, cfg)
    return cfg


def unit_class(unit: str | None) -> tuple[str, float]:
    """(class, factor): time units become days, people-like units "people"."""
    u = (unit or "").strip().casefold()
    if u in DAYS:
        return "time", DAYS[u]
    if u in PEOPLE_UNITS:
        return "people", 1.0
    return u or "?", 1.0


def parse_date(value: str | None) -> tuple[date, int] | None:
    """(middle of the period, slack in days) of an ISO date, month or year; None if unknown."""
    if not value:
        return None
    parts = str(value)[:10].split("-")
    try:
        y = int(parts[0])
        if len(parts) == 1:
            return date(y, 7, 1), 183
        m = int(parts[1])
        if len(parts) == 2:
            return date(y, m, 15), 16
        return date(y, m, int(parts[2])), 1
    except (ValueError, IndexError):
        return None


@dataclass
class WhatKey:
    category: str | None
    group: str | None
    unit_class: str
    people: str | None
    places: list[str]
    years: list[int]

    @property
    def bucket(self) -> str | None:
        """Candidate key: only claims in one bucket are ever compared."""
        if self.category is None:
            return None
        return f"{self.category}|{self.group or ''}|{self.unit_class}"

    @property
    def key(self) -> str | None:
        if self.category is None:
            return None
        return "/".join([self.category, self.group or "-", self.unit_class, self.people or "-",
                         "+".join(self.places) or "-"])


def _nearest(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> int | None:
    """Distance from span [lo, hi) to the nearest match of pattern in text, or None."""
    best = None
    for m in pattern.finditer(text):
        d = 0 if m.end() > lo and m.start() < hi else min(abs(m.end() - lo), abs(m.start() - hi))
        best = d if best is None else min(best, d)
    return best


def clause(sentence: str, quote: str, others: list[str], reach: int = 120) -> tuple[str, int, int]:
    """The claim's clause: its sentence cut at the neighbouring figures (and ``reach`` chars).

    "causing more than 300 dead, more than 400 wounded" gives "400 wounded" its own words,
    so the nearest category word is its own, not its neighbour's.
    """
    qs = sentence.find(quote) if quote else -1
    if qs < 0:
        return sentence, 0, len(sentence)
    qe = qs + len(quote)
    left, right = max(0, qs - reach), min(len(sentence), qe + reach)
    for o in others:
        if not o or o == quote:
            continue
        p = sentence.find(o)
        while p >= 0:
            if p + len(o) <= qs:
                left = max(left, p + len(o))
            elif p >= qe:
                right = min(right, p)
            p = sentence.find(o, p + 1)
    return sentence[left:right], qs - left, qe - left


def normalise_what(claim: dict[str, Any], cfg: CompareConfig, pack: Any = None,
                   others: list[str] | None = None, language: str | None = None) -> WhatKey:
    """The comparison key of one extracted claim (a dict from annotations["claims"])."""
    sentence = str(claim.get("sentence") or "")
    quote = str(claim.get("quote") or "")
    what = str(claim.get("what") or "")
    uclass, _ = unit_class(claim.get("unit"))
    unit = str(claim.get("unit") or "").casefold()
    text, lo, hi = clause(sentence, quote, others or [])
    head = f"{quote} {what}"

    def fits(c: Category) -> bool:
        return not c.units or uclass in c.units or unit in c.units

    category = None
    for c in cfg.categories:  # the counted phrase itself names the thing ("300 dead")
        if fits(c) and c.words.search(head):
            category = c.name
            break
    if category is None:  # else the category word nearest the number in its clause
        scored = [(d, i, c.name) for i, c in enumerate(cfg.categories)
                  if fits(c) and (d := _nearest(c.words, text, lo, hi)) is not None]
        if scored:
            category = min(scored)[2]
    if category is None:
        for c in cfg.categories:
            if fits(c) and c.fallback is not None and c.fallback.search(head):
                category = c.name
                break
    if category is None and uclass == "time":
        # A length at the head of a sentence ("For over eight months, the region's 120,000
        # Armenians ... have been deprived of food") measures the main clause, past the figures
        # that cut its own clause short: take the sentence's one category that counts time.
        named = {c.name for c in cfg.categories if fits(c) and c.words.search(sentence)}
        if len(named) == 1:
            category = named.pop()
    group = next((g for g, pat in cfg.groups if pat.search(head)), None)
    peoples = sorted({p for p, pat in cfg.peoples if pat.search(text)})
    people = peoples[0] if len(peoples) == 1 else None
    places: list[str] = []
    if pack is not None and text:
        try:
            from ..extract.entities import match_text

            places = sorted({m.canonical for m in match_text(text, pack, language)
                             if m.entity_type == "place" and m.canonical not in cfg.broad_places})
        except (TocsinError, AttributeError, KeyError):  # a pack without a gazetteer leaves places empty, not the run broken
            places = []
    years = sorted({int(y) for y in YEAR_RE.findall(text)})
    return WhatKey(category, group, uclass, people, places, years)


def interval(quantity: float, quantity_max: float | None, hedge: str | None, uclass: str,
             cfg: CompareConfig) -> tuple[float, float]:
    """The values a figure allows once its hedge is read: "more than 100,000" = [100000, inf)."""
    q = float(quantity)
    top = float(quantity_max) if quantity_max is not None else q
    if uclass == "percent":
        lo, hi = q - cfg.percent_points / 2, top + cfg.percent_points / 2
    else:
        lo, hi = q * (1 - cfg.margin), top * (1 + cfg.margin)
    h = (hedge or "").casefold()
    if h in ("more than", "at least"):
        return q, math.inf
    if h in ("up to", "less than"):
        return 0.0, top
    if h == "about":
        return q * (1 - cfg.about_margin), top * (1 + cfg.about_margin)
    if h == "almost":
        return q * (1 - cfg.about_margin), top
    return lo, hi
