"""Canonical names for what NER finds: a pack person near the spelling, a pack org containing it,
and a surname merged with the full name said earlier."""
from __future__ import annotations

from functools import lru_cache
from typing import Any


def _containing_org(name: str, orgs: list[str]) -> str | None:
    """The one pack organisation whose name contains this 3+-word name as consecutive words."""
    from .entities import fold

    toks = fold(name).split()
    if len(toks) < 3:
        return None
    hits = []
    for o in orgs:
        ot = fold(o).split()
        if len(ot) > len(toks) and any(ot[i:i + len(toks)] == toks for i in range(len(ot) - len(toks) + 1)):
            hits.append(o)
    return hits[0] if len(hits) == 1 else None


def _closest_person(name: str, people: list[str]) -> str | None:
    """A pack person the NER name is a near-spelling of (same surname, ratio >= 0.88)."""
    return _closest_person_cached(name, tuple(people))


@lru_cache(maxsize=4096)
def _closest_person_cached(name: str, people: tuple[str, ...]) -> str | None:
    # cached: the same names recur across a corpus, and each call compares with every pack person
    from difflib import SequenceMatcher

    from .entities import fold

    toks = fold(name).split()
    if len(toks) < 2:
        return None
    best, score = None, 0.0
    for p, pt in _folded_people(tuple(people)):
        la, lb = len(pt[-1]), len(toks[-1])
        if len(pt) != len(toks) or 2 * min(la, lb) < 0.8 * (la + lb):  # = real_quick_ratio < 0.8
            continue
        # quick ratios are upper bounds of ratio(): cheap rejections, same answer
        sm = SequenceMatcher(None, pt[-1], toks[-1])
        if sm.real_quick_ratio() < 0.8 or sm.quick_ratio() < 0.8 or sm.ratio() < 0.8:
            continue
        sm = SequenceMatcher(None, " ".join(pt), " ".join(toks))
        bound = max(score, 0.88 - 1e-12)  # below either, this candidate cannot change the answer
        if sm.real_quick_ratio() < bound or sm.quick_ratio() < bound:
            continue
        r = sm.ratio()
        if r > score:
            best, score = p, r
    return best if score >= 0.88 else None


@lru_cache(maxsize=8)
def _folded_people(people: tuple[str, ...]) -> tuple[tuple[str, list[str]], ...]:
    """Pack person names with their folded words, computed once per pack (not per mention)."""
    from .entities import fold

    return tuple((p, fold(p).split()) for p in people)


def _merge_later_full_names(mentions: list[Any]) -> list[Any]:
    """A shorter person name whose words end a longer one in the same article joins it
    ("Pashinyan" ... "Nikol Pashinyan"; "Ter Stepanian" ... "Christian Ter-Stepanian")."""
    from .entities import norm_key

    people = {m.canonical: norm_key(m.canonical) for m in mentions if m.entity_type == "person"}
    for m in mentions:
        if m.entity_type != "person":
            continue
        key = people.get(m.canonical, ())
        longer = [c for c, k in people.items()
                  if len(k) > len(key) > 0 and (k[-len(key):] == key or (len(key) == 1 and key[0] in k))]
        if longer:
            m.canonical = max(longer, key=lambda c: len(people[c]))
    return mentions
