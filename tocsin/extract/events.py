"""Sentence-level events: who did what to whom, when and where.

Cue vocabularies live in the pack's events.yaml (compiled by event_rules.py). For each
sentence of an in-scope article every rule that fires gives a candidate typed event; actor
and target come from pack entities by position around the cue (subject before, object
after, "by X" in the passive), place from pack places, date from the sentence or the
article, fatalities from a number next to a killing word. Annotators record an event once
per article, at its clearest telling, so candidates of the same event inside one article are
collapsed to the most confident one; event_link.py then merges articles.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from ..model import Article
from ..pipeline import stage
from .dates import find_dates
from .event_rules import EventRules, NamedEvent, rules_from_file
from .event_syntax import in_proper_name, modality_penalty, participants

log = logging.getLogger(__name__)

# Hypothetical, conditional or denied telling: such a sentence reports no event that happened.
_HYPO = re.compile(
    r"(?<!\w)(?:if|would|could|might|may|will|shall|unless|so that|in order to|seeks? to|aims? to|plans? to|"
    r"risk of|in case|potential|possible|possibly|prevent|avoid|fend off|si|pourrait|pourraient|risque|"
    r"если|может|могут|будет|угроза)(?!\w)",
    re.IGNORECASE,
)
_TEMPORAL_ONLY = re.compile(
    r"(?:after|since|following|before|ending|end of|conclusion of|aftermath of|wake of|depuis|après|после)\s+"
    r"(?:the\s+|its\s+|la\s+|le\s+|l')?(?:\w+\s+){0,3}$", re.IGNORECASE)
_KILL = re.compile(
    r"(?<!\w)(?:kill\w*|dead|died|deaths?|fatalit\w+|lives|tués?|morts?|décès|погиб\w*|убит\w*|жертв\w*)(?!\w)",
    re.IGNORECASE)
_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ ,.\u202f\u00a0]\d{3})+|\d+)(?![\w%])")
_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
              "ten": 10, "dozens": None, "un": 1, "deux": 2, "trois": 3, "один": 1, "два": 2, "три": 3}

DEFAULT_PACK = "south-caucasus"
# Types one episode is told as: a war's killing of civilians belongs to the war.
_FAMILY = {"armed_attack": "violence", "attack_on_civilians": "violence"}


# ----------------------------------------------------------------------------- pack access


def _pack_rules(pack: Any) -> EventRules:
    path = Path(getattr(pack, "path", "") or "") / "events.yaml"
    if not path.is_file():
        path = Path(__file__).resolve().parent.parent / "packs" / "data" / DEFAULT_PACK / "events.yaml"
    return rules_from_file(path)


def _roles(pack: Any) -> tuple[set[str], set[str]]:
    """(names that can act, names that are places). States are both."""
    actors = {a.name for a in getattr(pack, "actors", []) or []}
    places = {p.name for p in getattr(pack, "places", []) or []}
    states = {a.name for a in getattr(pack, "actors", []) or [] if getattr(a, "type", "") == "state"}
    return actors | states, places | states


def _core_names(pack: Any, rules: EventRules) -> set[str] | None:
    """Canonical names of the conflict's own states, people and places (None: no such notion)."""
    if pack is None or not rules.core_countries:
        return None
    items = list(getattr(pack, "actors", []) or []) + list(getattr(pack, "places", []) or [])
    return {x.name for x in items if getattr(x, "country", None) in rules.core_countries}


def _entity_spans(article: Article, pack: Any) -> list[tuple[int, int, str]]:
    """(start, end, canonical) of pack entities in article.text: the entities stage's spans if it ran."""
    ents = article.annotations.get("entities")
    out: list[tuple[int, int, str]] = []
    if isinstance(ents, list) and ents and any(e.get("spans") for e in ents if isinstance(e, dict)):
        for e in ents:
            for sp in e.get("spans") or []:
                out.append((int(sp[0]), int(sp[1]), e.get("name")))
        return sorted(out)
    if pack is None:
        return []
    try:
        from .entities import match_text
    except ImportError:  # pragma: no cover - entities module ships with tocsin
        return []
    return sorted((m.start, m.end, m.canonical) for m in match_text(article.text, pack, article.language))


# ----------------------------------------------------------------------------- one sentence


def _span(iso: str | None, end: bool = False) -> str | None:
    """First (or last) day an ISO date of any precision covers, as a sortable string."""
    if not iso:
        return None
    parts = str(iso).split("-")
    if len(parts) == 1:
        return parts[0] + ("-12-31" if end else "-01-01")
    if len(parts) == 2:
        return "-".join(parts) + ("-31" if end else "-01")
    return str(iso)


def _in_episode(date: str | None, ne: NamedEvent) -> bool:
    """The date (at its own precision) overlaps the episode's [date, until] span."""
    if not date or not ne.date:
        return False
    lo, hi = _span(ne.date), _span(ne.until or ne.date, end=True)
    return bool(lo and hi and _span(date) <= hi and _span(date, end=True) >= lo)  # type: ignore[operator]


def _named_for(text: str, lang: str, etype: str, place: str | None, date: str | None,
               rules: EventRules, pos: int | None = None) -> NamedEvent | None:
    """The named episode a candidate tells: the episode named nearest to the cue (a sentence
    may name two wars), else one whose span holds the date (by_type_date) or whose place is the
    candidate's (by_type_place)."""
    named: list[tuple[int, NamedEvent]] = []
    fallback = None
    for ne in rules.named:
        if ne.type != etype and _FAMILY.get(ne.type) != _FAMILY.get(etype, etype):
            continue
        if ne.not_year and date and date[:4] in ne.not_year:
            continue
        if ne.when_year and date and date[:4] != ne.when_year:
            continue
        hits = ne.names.finditer(text, lang)
        if hits:
            dist = min(abs(s - pos) if pos is not None else 0 for s, _, _ in hits)
            named.append((dist, ne))
            continue
        if fallback is not None:
            continue
        if ne.by_type_date and _in_episode(date, ne):
            fallback = ne
        elif ne.by_type_place and place and place == ne.place and (date is None or _in_episode(date, ne)):
            fallback = ne
    if named:
        return min(named, key=lambda x: x[0])[1]
    return fallback


def _nearest_date(dates: list[tuple[int, int, str]], pos: int) -> tuple[int, int, str] | None:
    return min(dates, key=lambda d: abs((d[0] + d[1]) // 2 - pos)) if dates else None


def _fatalities(text: str) -> int | None:
    """Largest count next to a killing word ("killed 12", "300 dead"); years and dates excluded."""
    dated = [(a, b) for a, b, _ in find_dates(text, None)]
    nums = [(m.start(), m.end(), int(re.sub(r"\D", "", m.group(1)))) for m in _NUM.finditer(text)
            if not any(a <= m.start() < b for a, b in dated)]
    best = None
    for k in _KILL.finditer(text):
        near = [n for s, e, n in nums if k.start() - 40 <= s and e <= k.end() + 25 and 0 < n < 1_000_000]
        if not near:
            window = text[max(0, k.start() - 40): k.end() + 25].lower()
            near = [_NUM_WORDS[w] for w in re.findall(r"\w+", window) if _NUM_WORDS.get(w)]
        if near:
            best = max(best or 0, max(near))
    return best


def sentence_events(text: str, *, language: str = "en", ref: str | None = None,
                    entities: list[tuple[int, int, str]] | None = None, rules: EventRules | None = None,
                    actors: set[str] | None = None, places: set[str] | None = None,
                    core: set[str] | None = None, context_date: str | None = None,
                    groups: frozenset[str] = frozenset(),
                    dates: list[tuple[int, int, str]] | None = None) -> list[dict[str, Any]]:
    """Typed event candidates in one sentence (entity spans relative to ``text``).

    Returns dicts with type, actor, target, place, date, date_source, fatalities, cue, key,
    cue_start, cue_end and confidence; below-threshold candidates are kept (caller filters).
    """
    rules = rules or _pack_rules(None)
    lang = (language or "en")[:2].lower()
    ents = entities or []
    actors = actors or set()
    places = places or set()
    if dates is None:  # (article_events passes the ones it already found: same text, ref, lang)
        dates = find_dates(text, ref, lang)
    hypothetical = bool(_HYPO.search(text))
    # Entities named, none of them the conflict's own: a telling of some other conflict.
    foreign = bool(core is not None and ents and not any(e[2] in core for e in ents))
    cands: list[dict[str, Any]] = []
    for etype, spec in rules.types.items():
        best_by: dict[tuple[Any, Any], dict[str, Any]] = {}
        for rule in spec.rules:
            hits = rule.cues.finditer(text, lang)
            if not hits:
                continue
            # (after the cues: both are pure tests, and most sentences match no cue at all)
            if rule.without is not None and rule.without.search(text, lang):
                continue
            with_ok = rule.with_ is None or rule.with_.search(text, lang)
            for cs, ce, cue in hits:
                if in_proper_name(text, cs, ce) and not rules.named_cue(text, lang, cs, ce):
                    continue  # "Committee on ... Displaced Persons": a name, not a happening
                named = None
                if not with_ok:
                    if not rule.or_date_or_name:
                        break
                    near = [d for d in dates if abs(d[0] - ce) < 40 or abs(cs - d[1]) < 40]
                    named = _named_for(text, lang, etype, None, None, rules, cs)
                    if not near and named is None:
                        continue
                conf = rule.weight
                actor, target, place = participants(text, cs, ce, ents, actors, places, groups, etype, cue)
                d = _nearest_date(dates, cs)
                conf += 0.1 if d else 0.0
                conf += 0.1 if actor else 0.0
                conf += 0.05 if place or target else 0.0
                if core is not None and not (actor or target or place):
                    conf -= 0.15  # a gazetteer found nobody and nowhere: a general remark more than a telling
                # Modality of the cue's own clause weighs most; a modal elsewhere in the sentence a little.
                local = modality_penalty(text, cs, etype)
                conf -= local if local else (0.1 if hypothetical else 0.0)
                if _TEMPORAL_ONLY.search(text[max(0, cs - 60):cs]) and not d:
                    conf -= 0.15  # "after the end of the war": a time anchor, not a telling
                date, source = (d[2], "text") if d else (None, None)
                if date is None and context_date and not dates:
                    # "On 29 August trucks set off. They met roadblocks": the paragraph's date holds.
                    date, source = context_date, "text"
                if d and not re.search(r"\d", text[d[0]:d[1]]):  # "April 23" is stated; "yesterday" is deduced
                    source = "pubdate"
                named = named or _named_for(text, lang, etype, place, date, rules, cs)
                if foreign and named is None:
                    conf -= 0.2
                if named is not None:
                    conf += 0.1
                    if date is None and named.date:
                        date, source = named.date, "context"
                    place = place or named.place
                    actor = actor or named.actor
                    target = target or named.target
                cand = {"type": etype, "actor": actor, "target": target, "place": place, "date": date,
                        "date_source": source, "fatalities": _fatalities(text) if etype in (
                            "armed_attack", "attack_on_civilians") else None,
                        "cue": cue, "cue_start": cs, "cue_end": ce, "key": named.key if named else None,
                        "plover": spec.plover, "cameo": spec.cameo, "confidence": round(min(conf, 0.99), 3)}
                # One candidate per type and episode: two wars in one sentence stay two events.
                ep = (cand["key"], cand["date"] if source == "text" else None)
                if ep not in best_by or cand["confidence"] > best_by[ep]["confidence"]:
                    best_by[ep] = cand
        cands.extend(best_by.values())
    # Precedence: a more specific type told by the same words replaces the general one.
    drop = set()
    for c in cands:
        for other in rules.types[c["type"]].overrides:
            for o in cands:
                if o["type"] == other and o["cue_start"] < c["cue_end"] and c["cue_start"] < o["cue_end"]:
                    drop.add(id(o))
    return [c for c in cands if id(c) not in drop]


# ----------------------------------------------------------------------------- one article


def in_scope(article: Article, rules: EventRules) -> bool:
    """Events are only sought in articles about the pack's conflict (when a topic is known)."""
    topic = article.annotations.get("topic")
    if isinstance(topic, dict):
        topic = topic.get("label")
    if topic and rules.scope_topics:
        return topic in rules.scope_topics
    return True


def _same_event(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two candidates of one article tell the same event: same type, nothing conflicting, and
    at least one shared anchor (named key, stated date, place or actor)."""
    if a["type"] != b["type"]:
        return False
    if a.get("key") and b.get("key"):
        return a["key"] == b["key"]
    da = a.get("date") if a.get("date_source") in ("text", "context") else None
    db = b.get("date") if b.get("date_source") in ("text", "context") else None
    if da and db and not (da.startswith(db) or db.startswith(da)):
        return False
    if bool(da) != bool(db):
        return False  # a dated telling and an undated one: likely two happenings (a war, a later abduction)
    shared = bool(da and db and min(len(da), len(db)) > 4)  # a shared year alone is weak
    for f in ("place", "actor"):
        va, vb = a.get(f), b.get(f)
        if va and vb:
            if va != vb and f == "place":
                return False
            shared = shared or va == vb
    return shared


def article_events(article: Article, pack: Any = None, rules: EventRules | None = None) -> list[dict[str, Any]]:
    """Event mentions of one article: one per real-world event, at its most confident telling."""
    rules = rules or _pack_rules(pack)
    if not in_scope(article, rules):
        return []
    actors, places = _roles(pack) if pack is not None else (set(), set())
    groups = frozenset(a.name for a in getattr(pack, "actors", []) or [] if getattr(a, "type", "") == "group")
    core = _core_names(pack, rules)
    spans = _entity_spans(article, pack)
    lang = article.language or "en"
    units: list[tuple[str, int, int, int | None, list[tuple[int, int, str]]]] = []
    if article.title:
        title_ents: list[tuple[int, int, str]] = []
        if pack is not None:
            try:
                from .entities import match_text

                title_ents = [(m.start, m.end, m.canonical) for m in match_text(article.title, pack, lang)]
            except ImportError:  # pragma: no cover
                pass
        units.append((article.title, -1, -1, article.title_line, title_ents))
    sents = article.sentences
    if sents:
        for s in sents:
            ents = [(a - s.start, b - s.start, n) for a, b, n in spans if a >= s.start and b <= s.end]
            units.append((s.text, s.start, s.end, s.line, ents))
    else:  # no sentence stage: one unit per body paragraph
        pos = 0
        for line, para in article.body_lines:
            i = article.text.find(para, pos)
            i = pos if i < 0 else i
            ents = [(a - i, b - i, n) for a, b, n in spans if a >= i and b <= i + len(para)]
            units.append((para, i, i + len(para), line, ents))
            pos = i + len(para)
    found: list[dict[str, Any]] = []
    last: tuple[int | None, str | None] = (None, None)  # (line, last stated date on it)
    for text, start, end, line, ents in units:
        dates = find_dates(text, article.date, lang)
        stated = [d[2] for d in dates if re.search(r"\d{4}|\d{1,2}", text[d[0]:d[1]])]
        ctx = last[1] if line is not None and last[0] == line and start >= 0 else None
        for c in sentence_events(text, language=lang, ref=article.date, entities=ents, rules=rules,
                                 actors=actors, places=places, core=core, context_date=ctx,
                                 groups=groups, dates=list(dates)):
            if c["confidence"] < rules.threshold:
                continue
            if c["date"] is None and article.date:
                c["date"], c["date_source"] = article.date, "pubdate"
            c.update(sentence=text, line=line, start=start, end=end)
            found.append(c)
        if stated:
            last = (line, stated[-1])
        elif last[0] != line:
            last = (line, None)
    # Keep each real-world event once per article, at its most confident telling.
    found.sort(key=lambda c: (-c["confidence"], c["start"]))
    kept: list[dict[str, Any]] = []
    for c in found:
        if not any(_same_event(k, c) for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: (c["start"], c["type"]))
    for c in kept:
        c.pop("cue_start", None)
        c.pop("cue_end", None)
    return kept


def _current_pack() -> Any:
    try:
        from .entities import current_pack

        return current_pack()
    except Exception as e:  # no pack loader or a broken pack: run on cues alone, say so once
        log.warning("events: no conflict pack available (%s); actors and places will be empty", e)
        return None


@stage("events", kind="article", needs=("sentences",), adds=("events",), version="1", order=80)
def events_stage(article: Article) -> Article:
    article.annotations["events"] = article_events(article, _current_pack())
    return article
