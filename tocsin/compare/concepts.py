"""Contested concepts: the one thing each side names in its own words.

A pack's ``concepts.yaml`` groups words by what they refer to, so a story comparison can put
side by side what each camp calls the same thing ("anti-terror measures" / "Azerbaijani
aggression" / "military offensive" for the September 2023 offensive). The place names of
``places.yaml`` (Stepanakert / Khankendi) stay where they are; concepts are for the rest.

    concepts:
      - key: military-operation
        label: Azerbaijan's military operations in Karabakh
        terms:
          pro-armenian: [Azerbaijani aggression, ...]
          pro-azerbaijani: [anti-terror measures, ...]
          neutral: [military offensive, ...]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..packs import register_section
from ..packs.schema import Ctx, line_of


@dataclass(frozen=True)
class Concept:
    key: str
    label: str
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # side -> phrases


def _validate(doc: Any, ctx: Ctx) -> list[Concept]:
    """concepts.yaml -> Concepts; unknown keys, sides or duplicate phrases fail with file:line."""
    if doc is None:
        return []
    if not isinstance(doc, dict) or set(doc) - {"concepts"}:
        raise ctx.fail(line_of(doc) or 1, "concepts.yaml must be a mapping with one key, 'concepts'")
    items = doc.get("concepts") or []
    if not isinstance(items, list):
        raise ctx.fail(line_of(doc, "concepts"), "'concepts' must be a list of {key, label, terms}")
    out: list[Concept] = []
    seen_keys: set[str] = set()
    for i, item in enumerate(items):
        where = line_of(items, i)
        if not isinstance(item, dict):
            raise ctx.fail(where, f"concept {i + 1} must be a mapping with key, label, terms")
        extra = set(item) - {"key", "label", "terms"}
        if extra:
            bad = min(extra)
            raise ctx.fail(line_of(item, bad), f"concept {i + 1}: unknown field {bad!r} (known: key, label, terms)")
        key, label, terms = item.get("key"), item.get("label"), item.get("terms")
        if not isinstance(key, str) or not key.strip():
            raise ctx.fail(where, f"concept {i + 1}: 'key' must be a non-empty string")
        if key in seen_keys:
            raise ctx.fail(line_of(item, "key"), f"concept {key!r} is defined twice")
        seen_keys.add(key)
        if not isinstance(label, str) or not label.strip():
            raise ctx.fail(where, f"concept {key!r}: 'label' must be a non-empty string")
        if not isinstance(terms, dict) or not terms:
            raise ctx.fail(where, f"concept {key!r}: 'terms' must map sides to lists of phrases")
        by_side: dict[str, tuple[str, ...]] = {}
        owner: dict[str, str] = {}
        for side, phrases in terms.items():
            if ctx.sides and side not in ctx.sides:
                raise ctx.fail(line_of(terms, side), f"concept {key!r}: unknown side {side!r} "
                                                     f"(pack sides: {', '.join(ctx.sides)})")
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
                raise ctx.fail(line_of(terms, side), f"concept {key!r}: terms of {side!r} must be a list of phrases")
            for j, p in enumerate(phrases):
                folded = p.casefold()
                if folded in owner:
                    raise ctx.fail(line_of(phrases, j), f"concept {key!r}: phrase {p!r} is listed for both "
                                                        f"{owner[folded]!r} and {side!r}")
                owner[folded] = side
            by_side[side] = tuple(phrases)
        out.append(Concept(key=key, label=label, terms=by_side))
    return out


register_section("concepts", _validate)


def pack_concepts(pack: Any) -> list[Concept]:
    """The pack's concepts (an empty list for a pack without concepts.yaml)."""
    found = pack.section("concepts") if pack is not None else []
    return list(found) if isinstance(found, list) else []


Counts = dict[str, dict[str, dict[str, int]]]  # concept -> side of the article -> phrase -> count


def _sorted(by_side: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {s: dict(sorted(p.items(), key=lambda kv: (-kv[1], kv[0]))) for s, p in sorted(by_side.items()) if p}


def concept_table(own: Counts, quoted: Counts, pack: Any) -> list[dict[str, Any]]:
    """Rows for a comparison, the concept most sides named first.

    ``by_side``: the words each side's articles use in their own voice; ``quoted_by_side``: the
    words they only quote from someone else; ``terms_by_side``: the pack's words for every side,
    so a reader sees what a side would have said where it said nothing.
    """
    by_key = {c.key: c for c in pack_concepts(pack)}
    rows = []
    for key in sorted(set(own) | set(quoted)):
        c = by_key.get(key)
        if c is None:
            continue
        by_side = _sorted(own.get(key, {}))
        total = sum(sum(p.values()) for p in by_side.values())
        rows.append((-len(by_side), -total, key, {
            "concept": key, "label": c.label, "by_side": by_side,
            "quoted_by_side": _sorted(quoted.get(key, {})),
            "terms_by_side": {s: list(t) for s, t in c.terms.items()},
        }))
    return [r[-1] for r in sorted(rows, key=lambda r: r[:3])]
