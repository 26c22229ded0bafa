"""Topic per article, from rules in the pack's topics.yaml (labels come from the pack).

For south-caucasus the labels are ``armenia-azerbaijan`` (the conflict or its consequences),
``armenia-other`` (Armenian/Azerbaijani news that is not about the conflict) and ``other``.

topics.yaml::

    rules:
      armenia-azerbaijan:            # tried in pack.yaml order; the first rule that fires wins
        keywords: [{phrase: Lachin corridor, weight: 3}, {phrase: blockade, weight: 1}, ...]
        actors: [Nagorno-Karabakh, {name: Republic of Artsakh, weight: 3}, ...]  # entity names
        actor_weight: 1              # weight of a plain-string actor
        pair: {first: [Armenia, ...], second: [Azerbaijan, ...], weight: 2}  # both camps named together
        sides: [pro-armenian, pro-azerbaijani]   # optional: entities of ALL these sides in title/lead add side_bonus
        side_bonus: 2
        min_score: 4
        min_head: 2                  # optional: part of the score that must come from title/lead
      armenia-other:
        actors: [Armenia, Azerbaijan, Yerevan, Baku, Armenians, ...]
        min_score: 1
    default: other                   # optional; else the last label of pack.yaml

Why position weighting and ``min_head``: a conflict article says so in its headline or first paragraph, while
Armenian business or diaspora news mentions the peace process in passing. So a hit in the title
counts ``TITLE_W`` times, in the lead ``LEAD_W`` times, and body hits are divided by the
article's length in units of ``BODY_UNIT`` words, so a long piece with one passing mention
does not cross the threshold that a short wire item about the conflict does; ``min_head``
requires some of the evidence in the title or lead, where a conflict story states its subject.
"""
from __future__ import annotations

from typing import Any

from ..model import Article
from ..pipeline import stage
from .entities import Matcher, Target, current_pack, tokenize

TITLE_W = 3.0
LEAD_W = 2.0
LEAD_CHARS = 400  # the first paragraph or two of a news article
BODY_UNIT = 400  # words
MAX_HITS = 3  # occurrences of one cue that still add score (repetition is not more evidence)
_KEYWORD_MATCHERS: dict[int, tuple[Any, Matcher]] = {}


def _weighted(items: Any, default: float = 1.0) -> dict[str, float]:
    out: dict[str, float] = {}
    for it in items or []:
        if isinstance(it, str):
            out[it] = default
        elif isinstance(it, dict):
            key = it.get("phrase") or it.get("name")
            if key:
                out[str(key)] = float(it.get("weight", default))
    return out


def _rules(pack: Any) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    section = pack.section("topics") or {}
    rules = section.get("rules", {}) if isinstance(section, dict) else {}
    labels = list(getattr(pack, "topics", []) or rules.keys())
    default = section.get("default") if isinstance(section, dict) else None
    meta_topics = (getattr(pack, "meta", None) or {}).get("topics")
    if not default and isinstance(meta_topics, dict):
        default = meta_topics.get("default")  # pack.yaml `topics: {labels, default}`
    if not default:
        default = labels[-1] if labels else "other"
    return [(lab, rules[lab]) for lab in labels if lab in rules and lab != default], default


def _keyword_matcher(pack: Any) -> Matcher:
    """One case-insensitive trie over every rule's keywords, cached per pack object."""
    cached = _KEYWORD_MATCHERS.get(id(pack))
    if cached and cached[0] is pack:
        return cached[1]
    m = Matcher()
    rules, _ = _rules(pack)
    for label, rule in rules:
        for phrase in _weighted(rule.get("keywords")):
            m.add(phrase, Target(f"{label}\x1f{phrase}", "keyword", None, acronym=False, outlet=False, anycase=True))
    _KEYWORD_MATCHERS[id(pack)] = (pack, m)
    return m


def _keyword_hits(text: str, matcher: Matcher) -> list[tuple[str, str, int]]:
    """(label, phrase, char offset) of every keyword occurrence, ignoring case."""
    toks = tokenize(text)
    out = []
    for i, _, targets in matcher.find(toks):
        for t in targets:
            label, phrase = t.canonical.split("\x1f", 1)
            out.append((label, phrase, toks[i].start))
    return out


def _position_weight(in_title: bool, offset: int) -> float:
    return TITLE_W if in_title else (LEAD_W if offset < LEAD_CHARS else 1.0)


def topic_scores(article: Article, pack: Any | None = None) -> dict[str, float]:
    """Score of every rule label for ``article`` (needs annotations["entities"]).

    ``<label>`` is the total score, ``<label>:head`` the part from the title and lead.
    """
    pack = pack if pack is not None else current_pack()
    rules, _ = _rules(pack)
    kw = _keyword_matcher(pack)
    text = article.text or ""
    n_words = max(1, len(text.split()))
    body_div = max(1.0, n_words / BODY_UNIT)
    hits = [(lab, ph, True, off) for lab, ph, off in _keyword_hits(article.title or "", kw)]
    hits += [(lab, ph, False, off) for lab, ph, off in _keyword_hits(text, kw)]
    entities = article.annotations.get("entities") or []
    names_all = {e.get("name") for e in entities}
    names_head = {e.get("name") for e in entities
                  if e.get("title_spans") or any(sp[0] < LEAD_CHARS for sp in e.get("spans", []))}
    scores: dict[str, float] = {}
    for label, rule in rules:
        head = body = 0.0
        # keywords: per phrase, at most MAX_HITS occurrences count
        weights = _weighted(rule.get("keywords"))
        seen: dict[str, int] = {}
        for lab, phrase, in_title, off in hits:
            if lab != label or seen.get(phrase, 0) >= MAX_HITS:
                continue
            seen[phrase] = seen.get(phrase, 0) + 1
            w = weights.get(phrase, 1.0) * _position_weight(in_title, off)
            if in_title or off < LEAD_CHARS:
                head += w
            else:
                body += w
        # actors: entity names the rule lists (weight per entry, else the rule's actor_weight)
        actor_w = _weighted(rule.get("actors"), float(rule.get("actor_weight", 1.0)))
        sides_needed = set(rule.get("sides") or [])
        sides_seen: set[str] = set()
        for ent in entities:
            w0 = actor_w.get(ent.get("name", ""))
            positions = [(True, s[0]) for s in ent.get("title_spans", [])] + [(False, s[0]) for s in ent.get("spans", [])]
            for in_title, off in positions:
                if (in_title or off < LEAD_CHARS) and ent.get("side"):
                    sides_seen.add(ent["side"])
            if w0 is None:
                continue
            for in_title, off in positions[:MAX_HITS]:
                w = w0 * _position_weight(in_title, off)
                if in_title or off < LEAD_CHARS:
                    head += w
                else:
                    body += w
        if sides_needed and sides_needed <= sides_seen:
            head += float(rule.get("side_bonus", 2.0))
        pair = rule.get("pair")
        if isinstance(pair, dict):  # both camps named together: in the title/lead, or anywhere
            first, second = set(pair.get("first") or []), set(pair.get("second") or [])
            w = float(pair.get("weight", 2.0))
            if first & names_head and second & names_head:
                head += w
            elif first & names_all and second & names_all:
                body += w
        scores[label] = round(head + body / body_div, 3)
        scores[f"{label}:head"] = round(head, 3)
    return scores


def classify_topic(article: Article, pack: Any | None = None, scores: dict[str, float] | None = None) -> str:
    """The first rule label whose score reaches its min_score, else the pack's default label."""
    pack = pack if pack is not None else current_pack()
    rules, default = _rules(pack)
    scores = scores if scores is not None else topic_scores(article, pack)
    for label, rule in rules:
        if (scores.get(label, 0.0) >= float(rule.get("min_score", 1.0))
                and scores.get(f"{label}:head", 0.0) >= float(rule.get("min_head", 0.0))):
            return label
    return default


@stage("topic", kind="article", needs=("entities",), adds=("topic",), version="1", order=70)
def topic_stage(article: Article) -> Article:
    pack = current_pack()
    scores = topic_scores(article, pack)
    article.annotations["topic_scores"] = scores
    article.annotations["topic"] = classify_topic(article, pack, scores)
    return article
