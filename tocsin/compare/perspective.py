"""Perspective per article: whose framing an article adopts, with evidence and a confidence.

Evidence is what the article says in its OWN voice: the pack's framing vocabulary
(framing.yaml), the names each camp uses for places (places.yaml ``names_by_side``),
distancing ("so-called X", scare quotes, "X claimed"), whose statements it quotes, and the
outlet's known side as a prior the text can override. Words inside quotations are the
speaker's, not the article's: they count only weakly, toward the speaker's camp when known,
so quoting the other side never flips an article. Thresholds live in framing.yaml
``perspective:`` (see docs/perspective.md); they are calibrated, not hard-coded.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import TocsinError
from ..model import Article
from ..packs import surface_key
from ..packs.loader import read_yaml
from ..packs.schema import line_of
from ..pipeline import stage
from ..textre import trie_alternation
from .quotes import _SO_CALLED, Quote, _inside, _sentences, find_quotes, speaker_side  # noqa: F401  (public here too)

NA = "n/a"

# Defaults for every ``perspective:`` key; a pack overrides what it needs.
_DEFAULTS: dict[str, Any] = {
    "conflict_topics": None,  # None = the first topic label of pack.yaml
    "neutral": "neutral",
    "outlet_prior": 1.0, "min_score": 2.5, "margin": 1.5, "min_share": 0.65, "neutral_factor": 1.0,
    "quoted_factor": 0.2, "quoted_cap": 1.0, "scare_factor": 0.75, "distance_weight": 1.0, "speaker_weight": 0.25,
    "place_name_weight": 1.5, "common_name_weight": 0.3, "repeat_decay": 0.5, "title_factor": 1.5,
    "scare_max_words": 4,
    "speech_verbs": ["said", "says", "told", "stated", "states", "declared", "added", "noted", "stressed",
                     "emphasized", "emphasised", "announced", "wrote", "insisted", "warned", "accused"],
    "distance_verbs": ["claimed", "claims", "claim", "alleged", "alleges", "allegedly", "purportedly",
                       "purported", "so-called", "supposedly", "so called"],
    "speakers": {},
}
_NUMBERS = {k for k, v in _DEFAULTS.items() if isinstance(v, float)} | {"scare_max_words"}


@dataclass(frozen=True)
class Settings:
    conflict_topics: tuple[str, ...]
    neutral: str
    num: dict[str, float]
    speech_verbs: tuple[str, ...]
    distance_verbs: tuple[str, ...]
    speakers: dict[str, tuple[str, ...]]  # side -> words that mark a speaker of that camp


@dataclass
class _Analyzer:
    pack: Any
    settings: Settings
    partisan: tuple[str, ...]
    terms: dict[str, list[tuple[str, float]]]  # surface key -> [(side, weight)]
    regexes: list[re.Pattern[str]] = field(default_factory=list)
    speaker_re: re.Pattern[str] | None = None
    speaker_side: dict[str, str | None] = field(default_factory=dict)


_CACHE: dict[tuple[str, str], _Analyzer] = {}


def _fail(file: str, node: Any, key: Any, msg: str) -> TocsinError:
    return TocsinError("E300", msg, file=file, line=line_of(node, key))


def load_settings(pack: Any) -> Settings:
    """The ``perspective:`` settings of ``pack``'s framing.yaml, validated (E300 with file:line)."""
    path = pack.path / "framing.yaml"
    raw = {}
    if path.is_file():
        doc = read_yaml(path)
        raw = (doc or {}).get("perspective") or {}
    f = str(path)
    if not isinstance(raw, dict):
        raise TocsinError("E300", "'perspective' must be a mapping of settings", file=f,
                          line=line_of(doc, "perspective") or 1)
    for key, value in raw.items():
        if key not in _DEFAULTS:
            raise _fail(f, raw, key, f"perspective: unknown key '{key}' (allowed: {', '.join(sorted(_DEFAULTS))})")
        if key in _NUMBERS and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise _fail(f, raw, key, f"perspective: '{key}' must be a non-negative number, not '{value}'")
    cfg = {**_DEFAULTS, **raw}
    sides = tuple(pack.sides)
    if cfg["neutral"] not in sides:
        raise _fail(f, raw, "neutral", f"perspective: neutral side '{cfg['neutral']}' is not a pack side ({', '.join(sides)})")
    speakers = cfg["speakers"] or {}
    for side in speakers:
        if side not in sides:
            raise _fail(f, speakers, side, f"perspective: speakers side '{side}' is not a pack side ({', '.join(sides)})")
    topics = cfg["conflict_topics"] or list(pack.topics[:1])
    return Settings(
        conflict_topics=tuple(str(t) for t in topics), neutral=cfg["neutral"],
        num={k: float(cfg[k]) for k in _NUMBERS},
        speech_verbs=tuple(cfg["speech_verbs"]), distance_verbs=tuple(cfg["distance_verbs"]),
        speakers={s: tuple(str(w) for w in ws or ()) for s, ws in speakers.items()},
    )


def _alternation(phrases: list[str], ignore_case: bool = True) -> str:
    return trie_alternation(phrases, ignore_case)  # longest first, prefixes shared (hundreds of phrases)


def analyzer(pack: Any) -> _Analyzer:
    """Compiled matchers for ``pack`` (cached per pack folder and version)."""
    key = (str(pack.path), str(pack.meta.get("version", "")))
    if key in _CACHE:
        return _CACHE[key]
    st = load_settings(pack)
    partisan = tuple(s for s in pack.sides if s != st.neutral)
    terms: dict[str, list[tuple[str, float]]] = {}
    lower: set[str] = set()  # phrases written lower-case on purpose ("russia")
    for side, fterms in pack.framing.items():
        for t in fterms:
            if t.phrase.islower():
                lower.add(surface_key(t.phrase))
            entries = terms.setdefault(surface_key(t.phrase), [])
            if not any(s == side for s, _ in entries):  # same phrase in two languages: keep one
                entries.append((side, t.weight))
    # Names only one camp uses (Khankendi, Shushi). A camp name that is also the place's
    # neutral/English name (Shusha, Lachin) is a weak hint only.
    for place in pack.places:
        common = {surface_key(n) for n in (place.name, *place.aliases)}
        for side, names in place.names_by_side.items():
            others = {surface_key(n) for s, ns in place.names_by_side.items() if s != side for n in ns}
            for n in names:
                k = surface_key(n)
                if k in others or k in terms:
                    continue
                w = st.num["common_name_weight"] if k in common else st.num["place_name_weight"]
                terms[k] = [(side, w)]
    known = {surface_key(e.surface) for e in pack.gazetteer()}
    exact = [k for k in terms if k in lower and " " not in k and k in known]  # "russia": case is the signal
    folded = [k for k in terms if k not in exact]
    latin = [k for k in folded if re.search(r"[a-z]$", k)]
    other = [k for k in folded if k not in latin]
    regexes = []
    if latin:
        regexes.append(re.compile(rf"(?<!\w)({_alternation(latin)})(?:['’]s|s|es|d)?(?!\w)", re.IGNORECASE))
    if other:
        regexes.append(re.compile(rf"(?<!\w)({_alternation(other)})\w{{0,4}}(?!\w)", re.IGNORECASE))
    if exact:
        regexes.append(re.compile(rf"(?<!\w)({_alternation(exact, ignore_case=False)})(?:['’]s)?(?!\w)"))
    an = _Analyzer(pack, st, partisan, terms, regexes)
    words = {w: s for s, ws in st.speakers.items() for w in ws}
    for e in pack.gazetteer():
        if e.side in partisan and e.entity_type in ("person", "organization", "group", "place"):
            words.setdefault(e.surface, e.side)
    if words:
        an.speaker_re = re.compile(rf"(?<!\w)({_alternation(list(words))})(?!\w)", re.IGNORECASE)
        for w, s in words.items():
            k = surface_key(w)
            an.speaker_side[k] = s if an.speaker_side.get(k, s) == s else None
    _CACHE[key] = an
    return an


# ----------------------------------------------------------------------------- quotes (quotes.py)


# ----------------------------------------------------------------------------- evidence and scores



def _ev(phrase: str, side: str, start: int | None, end: int | None, weight: float, quoted: bool, why: str) -> dict[str, Any]:
    return {"phrase": phrase, "side": side, "start": start, "end": end, "weight": round(weight, 3),
            "quoted": quoted, "kind": why}


def _others(an: _Analyzer, side: str) -> list[str]:
    return [s for s in an.partisan if s != side]


def text_evidence(an: _Analyzer, text: str, sentences: list[tuple[int, int]], factor: float = 1.0,
                  in_title: bool = False) -> list[dict[str, Any]]:
    """Evidence items found in one text (body or title); offsets are None for the title."""
    st, num = an.settings, an.settings.num
    quotes = find_quotes(an, text, sentences)
    out: list[dict[str, Any]] = []

    def add(phrase: str, side: str, s: int, e: int, w: float, quoted: bool, why: str) -> None:
        if w > 0:
            out.append(_ev(phrase, side, None if in_title else s, None if in_title else e, w * factor, quoted, why))

    matches = sorted({(m.start(), m.end(), m.group(0), surface_key(m.group(1))) for rx in an.regexes for m in rx.finditer(text)})
    so_called = [m.end() for m in _SO_CALLED.finditer(text)]
    taken: list[tuple[int, int]] = []
    for s, e, phrase, key in matches:
        if any(a <= s < b or a < e <= b for a, b in taken):  # overlapping shorter match of another regex
            continue
        taken.append((s, e))
        q = _inside(quotes, s, e)
        distanced = any(0 <= s - p <= 2 for p in so_called) or (q is not None and q.kind == "scare")
        for side, w in an.terms.get(key, []):
            if distanced and side in an.partisan:
                # "so-called Artsakh", "the 'liberated' lands": the article distances itself from that camp
                for other in _others(an, side):
                    add(phrase, other, s, e, w * num["scare_factor"], False, "distancing")
            elif key in ("so-called", "so called") and any(0 <= p - e <= 2 for p in so_called):
                continue  # the distancing itself is scored on the word it qualifies
            elif q is None or q.kind == "scare":
                add(phrase, side, s, e, w, False, "term")
            elif q.side is not None:
                # another voice's words: weakly toward the speaker's camp, never the article's
                add(phrase, q.side, s, e, w * num["quoted_factor"], True, "quoted-term")
    speech = [q for q in quotes if q.kind == "speech"]
    for q in quotes:
        if q.kind == "reported" and any(q.start <= o.start < q.end or o.start <= q.start < o.end for o in speech):
            continue  # the same statement, already counted as a quotation
        if q.kind != "scare" and q.side is not None:
            add(q.speaker or "", q.side, q.start, q.end, num["speaker_weight"], True, "quotes-speaker")
    verbs = _alternation([v for v in st.distance_verbs if not _SO_CALLED.fullmatch(v + " ")])
    for m in re.finditer(rf"(?<!\w)({verbs})(?!\w)", text, re.IGNORECASE):
        q = _inside(quotes, m.start(), m.end())
        if q is not None and q.kind != "reported":
            continue  # a speaker's own distancing is theirs
        sent_start = max([a for a, b in sentences if a <= m.start()] or [0])
        side = speaker_side(an, text[max(sent_start, m.start() - 80):m.start()])
        if side in an.partisan:  # "Baku claimed ..." = the article keeps Baku's claim at arm's length
            for other in _others(an, side):
                add(m.group(0), other, m.start(), m.end(), num["distance_weight"], False, "distancing")
    return out


def score(an: _Analyzer, evidence: list[dict[str, Any]]) -> dict[str, float]:
    """Side scores: repeats of one phrase add less and less (a word used ten times is one choice)."""
    decay = an.settings.num["repeat_decay"]
    by_key: dict[tuple[str, str], list[float]] = {}
    for ev in evidence:
        by_key.setdefault((ev["side"], surface_key(ev["phrase"]) + ev["kind"]), []).append(ev["weight"])
    scores = {s: 0.0 for s in an.pack.sides}
    quoted = {s: 0.0 for s in an.pack.sides}
    for (side, key), ws in by_key.items():
        total = sum(w * decay ** i for i, w in enumerate(sorted(ws, reverse=True)))
        (quoted if key.endswith(("quoted-term", "quotes-speaker")) else scores)[side] += total
    # others' words alone never make an article partisan: capped, they only add to own-voice evidence
    cap = an.settings.num["quoted_cap"]
    return {s: scores[s] + min(quoted[s], cap) for s in scores}


def decide(an: _Analyzer, scores: dict[str, float]) -> tuple[str, float]:
    """Label and confidence from side scores (prior included): partisan only on a clear, strong lead."""
    num, neutral = an.settings.num, an.settings.neutral
    ranked = sorted(an.partisan, key=lambda s: scores.get(s, 0.0), reverse=True)
    if not ranked:
        return neutral, 0.5
    p = scores.get(ranked[0], 0.0)
    q = scores.get(ranked[1], 0.0) if len(ranked) > 1 else 0.0
    n = scores.get(neutral, 0.0)
    lead = p - q - num["neutral_factor"] * n
    share = p / (p + q) if p + q else 0.0
    strength = 1 - math.exp(-max(lead, 0.0) / max(num["margin"], 1e-6))
    if p >= num["min_score"] and lead >= num["margin"] and share >= num["min_share"]:
        return ranked[0], round(min(0.99, 0.5 + 0.5 * strength * share), 3)
    # neutral: surest when both camps are weak or evenly matched
    closeness = min(1.0, max(p - num["min_score"], lead - num["margin"], 0.0) / max(num["margin"], 1e-6))
    return neutral, round(max(0.5, 0.95 - 0.45 * closeness), 3)


def perspective(article: Article, pack: Any | None = None) -> dict[str, Any]:
    """annotations["perspective"] for one article: label, confidence, evidence and side scores."""
    if pack is None:
        from ..extract.entities import current_pack

        pack = current_pack()
    an = analyzer(pack)
    topic = article.annotations.get("topic")
    topic = topic.get("label") if isinstance(topic, dict) else topic
    if topic not in an.settings.conflict_topics:
        return {"label": NA, "confidence": 1.0, "evidence": [], "scores": {}}
    text = article.text or ""
    evidence = text_evidence(an, text, _sentences(article, text))
    if article.title:
        evidence += text_evidence(an, article.title, [(0, len(article.title))], an.settings.num["title_factor"], True)
    scores = score(an, evidence)
    outlet = pack.outlet(article.outlet) if article.outlet else None
    if outlet is not None and outlet.side in scores:
        # the outlet's known line is a prior: enough to tip weak evidence, not to outvote clear text
        scores[outlet.side] += an.settings.num["outlet_prior"]
        evidence.append(_ev(outlet.name, outlet.side, None, None, an.settings.num["outlet_prior"], False, "outlet"))
    label, confidence = decide(an, scores)
    evidence.sort(key=lambda ev: -ev["weight"])
    return {"label": label, "confidence": confidence, "evidence": evidence,
            "scores": {s: round(v, 3) for s, v in scores.items()}}


@stage("perspective", kind="article", needs=("entities", "topic"), adds=("perspective",), version="1", order=75)
def perspective_stage(article: Article) -> Article:
    article.annotations["perspective"] = perspective(article)
    return article


def perspective_counts(store: Any) -> dict[str, dict[str, int]]:
    """{label: {outlet: n}} over stored articles (outlet "" when unknown), for the web layer."""
    rows = store.query("SELECT perspective, outlet, COUNT(*) AS n FROM articles GROUP BY perspective, outlet")
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        r = dict(r) if not isinstance(r, dict) else r
        label = r.get("perspective") or "unknown"
        out.setdefault(label, {})[r.get("outlet") or ""] = int(r.get("n") or 0)
    return out


def _register_check() -> None:
    from ..packs.loader import register_pack_check

    register_pack_check(load_settings)  # `tocsin run` checks these settings before reading inputs


_register_check()
