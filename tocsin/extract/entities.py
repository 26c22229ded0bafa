"""Entity mentions: a gazetteer matcher over the conflict pack, plus statistical NER.

The pack lists every actor, place and outlet with aliases in every script the conflict uses.
This module finds those aliases in an article and maps them to the pack's canonical names
(English Wikipedia titles). Matching is done on *normalised tokens* through a token trie that is
built once per pack, so adding an alias to the pack changes results with no code change, and
the cost per article is linear in its length, not in the number of aliases.

Normalisation (both for aliases and for text) makes spelling variants meet:
NFKC, case folding, diacritics folded (Azərbaycan = Azerbaycan, Haut-Karabakh), apostrophe
variants unified, English/Turkish possessives stripped (Azerbaijan's, Türkiye'nin), French
elision dropped (d'Erevan, l'Arménie), dotted acronyms joined (U.S. = US), hyphens treated as
spaces, and light suffix stripping for inflected scripts (Алиева = Алиев, Երևանում = Երևան,
and Azerbaijani/Turkish case endings in az/tr articles).

People and organisations that no pack lists come from :mod:`tocsin.extract.ner` (English only).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..model import Article
from ..pipeline import stage
from .tokens import (  # noqa: F401  (re-exported: entities.tokenize, fold, ... are public)
    Token, _after_boundary, _is_cap, fold, norm_key, same_name, tokenize, variants,
)

log = logging.getLogger(__name__)

TURKIC_LANGS = {"az", "tr"}
_WAR_WORDS = {"war", "wars", "guerre", "guerres", "война", "войны", "войне", "войну", "muharibe", "muharibesi", "savasi"}
# Also take places the pack lacks from NER (GPE/LOC). See docs/entities.md.
NER_PLACES = os.environ.get("TOCSIN_NER_PLACES", "1") != "0"


# ----------------------------------------------------------------------------- gazetteer trie


@dataclass
class Target:
    canonical: str
    entity_type: str
    side: str | None
    acronym: bool  # alias written all-caps and short: the text must be all-caps too (EU vs French "eu")
    outlet: bool  # brand names: case-exact, never sentence-initial when one word
    anycase: bool = False  # topic keywords: no proper-name case rules


@dataclass
class Matcher:
    trie: dict = field(default_factory=dict)  # token -> subtrie; key None holds list[Target]
    turkic: bool = False
    info: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # canonical -> (type, side)

    def of_type(self, entity_type: str) -> list[str]:
        return [c for c, (t, _) in self.info.items() if t == entity_type]

    def add(self, alias: str, target: Target) -> None:
        toks = tokenize(alias, self.turkic)
        if not toks:
            return
        nodes = [self.trie]
        for tok in toks:  # every path of variants (at most a few per token) leads to the target
            nodes = [n.setdefault(v, {}) for n in nodes for v in tok.variants]
        for node in {id(n): n for n in nodes}.values():
            targets = node.setdefault(None, [])
            same = [t for t in targets if t.canonical == target.canonical]
            if not same:
                targets.append(Target(**vars(target)))
            elif not target.acronym:  # the same canonical also has a mixed-case spelling
                for t in same:
                    t.acronym = False

    def find(self, tokens: list[Token]) -> list[tuple[int, int, list[Target]]]:
        """Leftmost-longest matches: (first token, end token exclusive, candidate targets)."""
        found = []
        i, n = 0, len(tokens)
        root = self.trie
        while i < n:
            if not any(v in root for v in tokens[i].variants):  # most tokens start no alias
                i += 1
                continue
            best = None
            frontier = [self.trie]
            j = i
            while j < n and frontier:
                frontier = [node[v] for node in frontier for v in tokens[j].variants if v in node]
                j += 1
                ok = [t for node in frontier for t in node.get(None, ()) if _surface_ok(tokens[i:j], t)]
                if ok:
                    best = (i, j, list({t.canonical: t for t in ok}.values()))
            if best:
                found.append(best)
                i = best[1]
            else:
                i += 1
        return found


def _surface_ok(toks: list[Token], t: Target) -> bool:
    """Case rules that keep common words ("un", "us", "turkey", "report") from matching names."""
    if t.anycase:
        return True
    if t.acronym:
        return all(tok.upper for tok in toks)
    if t.outlet and len(toks) == 1 and toks[0].sent_start:
        return False
    if len(toks) == 1:
        return toks[0].cap
    return any(tok.cap for tok in toks)


def _is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return 0 < len(letters) <= 5 and all(c.isupper() for c in letters) and " " not in alias.strip()


def build_matcher(pack: Any, turkic: bool = False) -> Matcher:
    """Trie over every alias (and canonical name) of every pack entry."""
    # An outlet's `name` is how it signs (for outlet metadata); when it is mentioned as an entity
    # the encyclopedic title is wanted, if the pack gives one (`wikipedia:`).
    outlet_title = {o.name: getattr(o, "wikipedia", None) or o.name for o in getattr(pack, "outlets", [])}
    outlets = set(outlet_title.values())
    m = Matcher(turkic=turkic)
    for entry in pack.gazetteer():
        surface, canonical, etype, side = tuple(entry)[:4]  # GazetteerEntry is a 4-tuple
        canonical = outlet_title.get(canonical, canonical)
        m.info.setdefault(canonical, (etype, side))
        for alias in {surface, canonical}:
            # A canonical with a parenthesised qualifier ("Georgia (country)") is not a surface form.
            if "(" in alias or (alias == canonical and "," in alias):
                continue
            m.add(alias, Target(canonical, etype, side, _is_acronym(alias), canonical in outlets))
    return m


_MATCHERS: dict[tuple[int, bool], tuple[Any, Matcher]] = {}


def get_matcher(pack: Any, language: str | None = None) -> Matcher:
    """The matcher for ``pack``, built once per pack object (load_pack returns a new object
    when the pack changes on disk, so an edited pack gets a new trie)."""
    turkic = (language or "") in TURKIC_LANGS
    key = (id(pack), turkic)
    hit = _MATCHERS.get(key)
    if hit is None or hit[0] is not pack:  # holding the pack keeps its id from being reused
        if len(_MATCHERS) > 32:
            _MATCHERS.clear()
        hit = _MATCHERS[key] = (pack, build_matcher(pack, turkic))
    return hit[1]


# ----------------------------------------------------------------------------- per article


@dataclass
class Mention:
    canonical: str
    entity_type: str
    side: str | None
    start: int
    end: int
    surface: str
    source: str  # "pack" | "ner"
    in_title: bool = False
    alternatives: tuple[str, ...] = ()


def match_text(text: str, pack: Any, language: str | None = None, in_title: bool = False) -> list[Mention]:
    """Pack mentions in ``text`` (ambiguous aliases keep their alternatives for later resolution)."""
    matcher = get_matcher(pack, language)
    toks = tokenize(text, matcher.turkic)
    out = []
    for i, j, targets in matcher.find(toks):
        t = targets[0]
        if t.entity_type == "place" and j < len(toks) and toks[j].norm in _WAR_WORDS:
            continue  # "the 2020 Karabakh war" names a war, not the place (wars are not entities)
        s, e = toks[i].start, toks[j - 1].end
        out.append(Mention(t.canonical, t.entity_type, t.side, s, e, text[s:e], "pack", in_title,
                           tuple(x.canonical for x in targets)))
    return out


def _resolve_ambiguous(mentions: list[Mention], targets_by_name: dict[str, tuple[str, str | None]]) -> None:
    """An alias shared by several entries ("Lachin": town or corridor) takes the one the article
    also names unambiguously; otherwise the pack's first listing."""
    sure = {m.canonical for m in mentions if len(m.alternatives) <= 1}
    for m in mentions:
        if len(m.alternatives) > 1:
            for alt in m.alternatives:
                if alt in sure:
                    m.canonical = alt
                    m.entity_type, m.side = targets_by_name.get(alt, (m.entity_type, m.side))
                    break


def _excluded_names(article: Article, pack: Any) -> set[str]:
    """The article's own outlet and author are metadata, not mentions (gold convention)."""
    names = set()
    for meta in (article.outlet, article.author):
        if not meta:
            continue
        names.add(fold(meta))
        for m in match_text(meta, pack, article.language):
            names.add(fold(m.canonical))
    return names


def article_mentions(article: Article, pack: Any, use_ner: bool = True) -> list[Mention]:
    """Every entity mention in the title and body of ``article``."""
    mentions = []
    if article.title:
        mentions += match_text(article.title, pack, article.language, in_title=True)
    body = match_text(article.text or "", pack, article.language)
    mentions += body
    matcher = get_matcher(pack, article.language)
    _resolve_ambiguous(mentions, matcher.info)
    if use_ner and _article_is_english(article):
        from .ner import ner_mentions

        mentions += ner_mentions(article.text or "", covered=[(m.start, m.end) for m in body],
                                 known=mentions, is_known=lambda s: bool(norm_key(s) and _in_trie(matcher, s)),
                                 pack_people=matcher.of_type("person"), pack_orgs=matcher.of_type("organization"),
                                 places=NER_PLACES, units=_ner_units(article))
    excluded = _excluded_names(article, pack)
    return [m for m in mentions if fold(m.canonical) not in excluded and fold(m.surface) not in excluded]


# NER granularity: "sentence" (default) gives the model only runs of sentences with a name the
# pack does not cover; "paragraph" gives it every such paragraph whole (slower, ~0.96 of the text).
NER_UNITS = os.environ.get("TOCSIN_NER_UNITS", "sentence")


def _ner_units(article: Article) -> list[tuple[int, int]] | None:
    if NER_UNITS != "sentence" or not article.sentences:
        return None
    return [(s.start, s.end) for s in article.sentences]


def _in_trie(matcher: Matcher, s: str) -> bool:
    node = matcher.trie
    for tok in norm_key(s, matcher.turkic):
        if tok not in node:
            return False
        node = node[tok]
    return None in node


def _article_is_english(article: Article) -> bool:
    if article.language:
        return article.language == "en"
    langs = [s.language for s in article.sentences if s.language]
    return bool(langs) and max(set(langs), key=langs.count) == "en"


def group_mentions(mentions: Iterable[Mention]) -> list[dict[str, Any]]:
    """Per canonical entity: type, distinct surfaces, body spans, title spans, count, source, side."""
    ents: dict[str, dict[str, Any]] = {}
    for m in mentions:
        e = ents.setdefault(m.canonical, {"name": m.canonical, "type": m.entity_type, "surface": [],
                                          "spans": [], "title_spans": [], "count": 0, "source": m.source,
                                          "side": m.side})
        if m.surface not in e["surface"]:
            e["surface"].append(m.surface)
        (e["title_spans"] if m.in_title else e["spans"]).append([m.start, m.end])
        e["count"] += 1
    return list(ents.values())


# ----------------------------------------------------------------------------- pack choice and stage

_PACK_OVERRIDE: Any = None


def set_pack(pack: Any) -> None:
    """Use this pack (object, name or folder) for the entities/topic stages; None = default."""
    global _PACK_OVERRIDE
    _PACK_OVERRIDE = pack


def current_pack() -> Any:
    """The pack stages use: set_pack(), else the run settings (tocsin.config: --pack / $TOCSIN_PACK)."""
    from ..packs import load_pack

    p = _PACK_OVERRIDE
    if p is not None and not isinstance(p, (str, os.PathLike)):
        return p
    if p is None:
        try:
            from ..config import settings

            p = settings().pack
        except ImportError:  # config is optional for library use
            p = os.environ.get("TOCSIN_PACK") or "south-caucasus"
    scope = _document_scope()
    if scope is None:
        return load_pack(str(p))
    key = ("pack", str(p))
    hit = scope.get(key)
    if hit is None:  # once per document: the next document re-checks the pack files
        hit = scope[key] = load_pack(str(p))
    return hit


def _document_scope() -> dict | None:
    from ..pipeline import document_scope

    return document_scope()


def extract_entities(article: Article, pack: Any | None = None, use_ner: bool | None = None) -> list[dict[str, Any]]:
    """Canonical entities of one article, as JSON-able dicts (see docs/entities.md)."""
    pack = pack if pack is not None else current_pack()
    if use_ner is None:
        use_ner = os.environ.get("TOCSIN_NER", "1") != "0"
    return group_mentions(article_mentions(article, pack, use_ner))


@stage("entities", kind="article", needs=("sentences",), adds=("entities",), version="1", order=60)
def entities_stage(article: Article) -> Article:
    article.annotations["entities"] = extract_entities(article)
    return article
