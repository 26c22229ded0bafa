"""Story comparison: who covered a story, which facts each side tells or leaves out, and the
words each side uses for the same things.

Everything here comes from the conflict pack, never from hard-coded names:
- the side of an article is its perspective label (annotations["perspective"], from the
  perspective stage) when that is one of the pack's sides, else its outlet's side in the pack,
  else — when the framing vocabulary leans clearly one way — that side, else "unknown";
- place vocabulary: each place's ``names_by_side`` (Stepanakert / Khankendi);
- framing vocabulary: ``framing.yaml`` terms ("ethnic cleansing" / "anti-terrorist measures");
- concepts: ``concepts.yaml`` groups of words for one thing (compare/concepts.py), so the
  comparison shows what each side calls the same offensive, exodus or blockade.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from ..model import Article
from ..textre import trie_alternation
from .concepts import concept_table, pack_concepts

UNKNOWN = "unknown"
NEUTRAL = "neutral"
# Lean needed for the vocabulary fallback to name a side: enough weight, and clearly ahead.
FALLBACK_MIN_WEIGHT = 4.0
FALLBACK_RATIO = 2.0
# Languages whose words take endings the pack does not list (the matcher allows a few).
_INFLECTED = {"ru", "hy", "az", "tr", "uk"}

_matchers: dict[int, tuple[Any, _Vocab]] = {}


class _Vocab:
    """One compiled alternation of every framing phrase, side-specific place name and concept word."""

    def __init__(self, pack: Any) -> None:
        # folded surface -> list of (kind, side, canonical, lang); canonical is the framing phrase,
        # the place's name, or "concept-key|phrase"
        self.entries: dict[str, list[tuple[str, str, str, str | None]]] = defaultdict(list)
        for side, terms in (pack.framing or {}).items():
            for t in terms:
                self.entries[t.phrase.casefold()].append(("framing", side, t.phrase, t.lang))
        for place in pack.places:
            for side, names in (place.names_by_side or {}).items():
                for name in names:
                    self.entries[name.casefold()].append(("place", side, place.name, None))
        for concept in pack_concepts(pack):
            for side, phrases in concept.terms.items():
                for phrase in phrases:
                    self.entries[phrase.casefold()].append(("concept", side, f"{concept.key}|{phrase}", None))
        self.weights: dict[tuple[str, str], float] = {}
        for side, terms in (pack.framing or {}).items():
            for t in terms:
                self.weights[(side, t.phrase.casefold())] = float(t.weight)
        alt = trie_alternation(self.entries)  # longest first wins, prefixes shared
        self.regex = re.compile(rf"(?<!\w)({alt})(\w{{0,4}})(?!\w)")

    def find(self, text: str, language: str | None) -> list[tuple[str, str, str, str, str, int]]:
        """(kind, side, canonical, surface as written, lang, offset) for each match in ``text``."""
        out = []
        for m in self.regex.finditer(text.casefold()):
            surface, tail = m.group(1), m.group(2)
            # English/French inflect little: allow a plural "s"/"es" only.
            if tail and tail not in ("s", "es") and (language or "") not in _INFLECTED:
                continue
            for kind, side, canonical, lang in self.entries[surface]:
                if lang and language and lang != language:
                    continue
                out.append((kind, side, canonical, text[m.start(1):m.end(1)], lang or "", m.start(1)))
        return out


def vocab(pack: Any) -> _Vocab:
    cached = _matchers.get(id(pack))
    if cached is None or cached[0] is not pack:  # a reloaded pack is a new object
        cached = (pack, _Vocab(pack))
        _matchers[id(pack)] = cached
    return cached[1]


def article_vocabulary(article: Article, pack: Any) -> dict[str, Any]:
    """Framing terms, side-specific place names and concept words used in the article (title + body)."""
    text = f"{article.title or ''}\n{article.text or ''}"
    framing: Counter = Counter()
    places: Counter = Counter()
    concepts: Counter = Counter()
    quotes = None
    for kind, side, canonical, surface, _lang, at in vocab(pack).find(text, article.language):
        if kind == "framing":
            framing[(side, canonical)] += 1
        elif kind == "place":
            places[(canonical, side, surface)] += 1
        else:
            if quotes is None:
                quotes = _quote_spans(article, text, pack)
            # Words inside a quotation or reported speech are the speaker's, not the article's.
            quoted = any(a <= at < b for a, b in quotes)
            key, phrase = canonical.split("|", 1)
            concepts[(key, side, phrase, quoted)] += 1
    return {
        "framing": [{"side": s, "phrase": p, "count": n} for (s, p), n in sorted(framing.items())],
        "places": [{"place": pl, "side": s, "name": nm, "count": n}
                   for (pl, s, nm), n in sorted(places.items())],
        "concepts": [{"concept": k, "side": s, "phrase": p, "quoted": q, "count": n}
                     for (k, s, p, q), n in sorted(concepts.items())],
    }


def _quote_spans(article: Article, text: str, pack: Any) -> list[tuple[int, int]]:
    from .perspective import analyzer  # the pack's compiled speech verbs and speakers
    from .quotes import _sentences, find_quotes  # one definition of "quoted", shared with perspective

    return [(q.start, q.end) for q in find_quotes(analyzer(pack), text, _sentences(article, text))]


def framing_lean(voc: dict[str, Any], pack: Any) -> dict[str, float]:
    """Weighted framing evidence per side (weight x min(count, 3): repetition counts a little)."""
    weights = vocab(pack).weights
    scores: dict[str, float] = defaultdict(float)
    for f in voc["framing"]:
        scores[f["side"]] += weights.get((f["side"], f["phrase"].casefold()), 1.0) * min(f["count"], 3)
    return dict(scores)


def resolve_side(article: Article, pack: Any, voc: dict[str, Any] | None = None) -> tuple[str, str]:
    """(side, how): perspective label, else outlet's pack side, else clear framing lean."""
    sides = set(pack.sides)
    persp = (article.annotations or {}).get("perspective")
    label = persp.get("label") if isinstance(persp, dict) else persp
    if isinstance(label, str) and label in sides:
        return label, "perspective"
    if article.outlet:
        outlet = pack.outlet(article.outlet)  # None for an outlet the pack does not know
        if outlet is not None and outlet.side in sides:
            return outlet.side, "outlet"
    scores = framing_lean(voc if voc is not None else article_vocabulary(article, pack), pack)
    partisan = sorted(((v, s) for s, v in scores.items() if s != NEUTRAL), reverse=True)
    if partisan and partisan[0][0] >= FALLBACK_MIN_WEIGHT:
        runner_up = partisan[1][0] if len(partisan) > 1 else 0.0
        if partisan[0][0] >= FALLBACK_RATIO * runner_up:
            return partisan[0][1], "framing"
    return UNKNOWN, "none"


def partisan_sides(pack: Any) -> list[str]:
    return [s for s in pack.sides if s != NEUTRAL]


def blindspot_of(sides: Iterable[str], pack: Any) -> str | None:
    """The only partisan side covering a story, when exactly one does (else None)."""
    covering = {s for s in sides if s in partisan_sides(pack)}
    return next(iter(covering)) if len(covering) == 1 else None


def _event_facts(article: Article, linked: dict[str, list[str]], labels: dict[str, str]) -> dict[str, str]:
    """fact key -> label for the article's events; linked-event ids (events table) win."""
    facts: dict[str, str] = {}
    for ev_id in linked.get(article.id, []):
        facts[f"event:{ev_id}"] = labels.get(ev_id, ev_id)
    for e in (article.annotations or {}).get("events") or []:
        if not isinstance(e, dict) or not e.get("type"):
            continue
        kind = str(e["type"]).replace("_", " ")
        if e.get("key"):
            key, label = f"episode:{e['key']}", f"{kind}: {str(e['key']).replace('-', ' ')}"
        else:
            where = e.get("place") or e.get("target") or "?"
            when = (e.get("date") or "?")[:7]
            key = f"{e['type']}:{where}:{when}"
            label = f"{kind}: " + ", ".join(x for x in (e.get("place") or e.get("target"), (e.get("date") or "")[:7]) if x)
        facts.setdefault(key, label)
    return facts


def _claim_facts(article: Article) -> dict[str, list[str]]:
    """what (unit) -> quoted figures, from the claims stage's numeric claims."""
    out: dict[str, list[str]] = defaultdict(list)
    for c in (article.annotations or {}).get("claims") or []:
        if isinstance(c, dict) and c.get("what") and c.get("quote"):
            out[f"{c['what']} ({c.get('unit') or '-'})"].append(str(c["quote"]))
    return out


def compare_story(members: list[tuple[Article, str]], pack: Any, *,
                  linked_events: dict[str, list[str]] | None = None,
                  vocabularies: dict[str, dict[str, Any]] | None = None,
                  event_names: dict[str, str] | None = None,
                  max_facts: int = 40) -> dict[str, Any]:
    """Coverage, facts per side (with omissions) and vocabulary per side for one story.

    ``members``: (article, resolved side). ``linked_events``: article id -> event ids from the
    events table; ``event_names``: event id -> readable label. ``vocabularies``: article id ->
    article_vocabulary (recomputed if absent).
    """
    linked_events = linked_events or {}
    coverage: dict[str, dict[str, Any]] = {}
    event_sides: dict[str, Counter] = defaultdict(Counter)
    event_labels: dict[str, str] = {}
    claim_sides: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    place_words: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    framing_words: dict[str, Counter] = defaultdict(Counter)
    # concept -> side of the *article* -> phrase -> count: what each camp calls the thing in its own
    # voice; words it quotes from others are kept apart
    concept_words: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    concept_quoted: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for art, side in members:
        cov = coverage.setdefault(side, {"articles": 0, "outlets": [], "languages": []})
        cov["articles"] += 1
        if art.outlet and art.outlet not in cov["outlets"]:
            cov["outlets"].append(art.outlet)
        if art.language and art.language not in cov["languages"]:
            cov["languages"].append(art.language)
        for key, label in _event_facts(art, linked_events, event_names or {}).items():
            event_sides[key][side] += 1
            event_labels.setdefault(key, label)
        for what, quotes in _claim_facts(art).items():
            claim_sides[what][side].extend(q for q in quotes if q not in claim_sides[what][side])
        voc = (vocabularies or {}).get(art.id) or article_vocabulary(art, pack)
        for p in voc["places"]:
            place_words[p["place"]][side][p["name"]] += p["count"]
        for f in voc["framing"]:
            framing_words[side][f"{f['phrase']}|{f['side']}"] += f["count"]
        for c in voc.get("concepts") or []:
            target = concept_quoted if c.get("quoted") else concept_words
            target[c["concept"]][side][c["phrase"]] += c["count"]
    covering = sorted(coverage)
    known = [s for s in covering if s != UNKNOWN]

    def omitted(by: Iterable[str]) -> list[str]:
        return [s for s in known if s not in set(by)]

    # Facts most widely told first; a fact told by one side only is what the others omit.
    events = sorted(event_sides.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:max_facts]
    claims = sorted(claim_sides.items(), key=lambda kv: (-sum(map(len, kv[1].values())), kv[0]))[:max_facts]
    places = []
    for place, by_side in sorted(place_words.items()):
        places.append({
            "place": place,
            "by_side": {s: dict(c.most_common()) for s, c in sorted(by_side.items())},
            "names_by_side": dict((pack.place(place).names_by_side or {}) if pack.place(place) else {}),
        })
    framing = {
        side: [{"phrase": k.split("|", 1)[0], "term_side": k.split("|", 1)[1], "count": n}
               for k, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]
        for side, c in sorted(framing_words.items())
    }
    return {
        "coverage": coverage,
        "sides": covering,
        "blindspot": blindspot_of(covering, pack),
        "events": [{"key": k, "label": event_labels[k], "by_side": dict(c), "omitted_by": omitted(c)}
                   for k, c in events],
        "claims": [{"what": w, "by_side": {s: q for s, q in sorted(bs.items())}, "omitted_by": omitted(bs)}
                   for w, bs in claims],
        "vocabulary": {"places": places, "concepts": concept_table(concept_words, concept_quoted, pack), "framing": framing},
    }
