"""Record types of a conflict pack and the schema each YAML section must follow.

A pack is data written by hand, so every check here reports the exact ``file:line`` of the
offending entry: the loader reads YAML into line-tracking containers (``LDict``/``LList``,
see loader.py) and each validator looks the line up there.
Validators turn the raw YAML into frozen records; they never guess or silently drop data.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from ..errors import TocsinError

FORMAT = 1  # the pack-format version this loader reads (pack.yaml `format:`)

ACTOR_TYPES = ("person", "organization", "group", "state")
ENTITY_TYPES = ("person", "organization", "group", "place")
# Place kinds: what a thing on a map is. Kept closed so typos ("vilage") fail loudly.
PLACE_KINDS = (
    "country", "region", "province", "district", "city", "town", "village", "settlement",
    "capital", "corridor", "road", "checkpoint", "pass", "mountain", "river", "lake",
    "reservoir", "bridge", "border", "site", "church", "monastery", "mosque", "airport",
    "base", "enclave", "exclave", "sea", "peninsula", "plain", "forest", "mine", "port",
    "building", "square", "cemetery", "fortress", "power-plant", "pipeline", "area",
)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Actor:
    name: str  # canonical = English Wikipedia title
    type: str  # person | organization | group | state
    side: str | None = None
    aliases: list[str] = field(default_factory=list)
    entity_type: str = "person"  # how gold types it; a state is a "place"
    country: str | None = None  # ISO 3166-1 alpha-2 the actor belongs to
    roles: list[str] = field(default_factory=list)  # "President of Azerbaijan (2003-)"


@dataclass(frozen=True)
class Place:
    name: str  # canonical = English Wikipedia title
    aliases: list[str] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    admin_level: int = 3  # 0 country, 1 province/region, 2 district, 3 settlement, 4 site
    country: str | None = None  # ISO 3166-1 alpha-2 (de jure)
    kind: str = "settlement"
    names_by_side: dict[str, list[str]] = field(default_factory=dict)
    parent: str | None = None  # canonical of the containing place, when useful


@dataclass(frozen=True)
class Outlet:
    name: str
    aliases: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    country: str | None = None
    side: str | None = None


@dataclass(frozen=True)
class FramingTerm:
    phrase: str
    weight: float = 1.0
    lang: str | None = None  # ISO 639-1, None = any language


class GazetteerEntry(NamedTuple):
    """One surface form and what it names. A plain 4-tuple so callers can unpack it."""

    surface: str
    canonical: str
    entity_type: str  # person | organization | group | place
    side: str | None


# Azerbaijani schwa is often typed as the look-alike U+01DD/U+018E (GeoNames does this);
# typographic apostrophes and dashes vary by outlet. Fold them so keys compare equal.
_FOLD = str.maketrans({"\u01dd": "\u0259", "\u018e": "\u018f", "\u2019": "'", "\u02bc": "'",
                       "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-"})


def surface_key(text: str) -> str:
    """Key under which two surfaces count as the same name (NFKC, case-folded, spaced)."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_FOLD).casefold().split())


# --------------------------------------------------------------------------- checking


class Ctx:
    """Where a section lives and what the pack allows; builds E300 errors with lines."""

    def __init__(self, file: str, sides: tuple[str, ...] = (), languages: tuple[str, ...] = ()):
        self.file = file
        self.sides = sides
        self.languages = languages

    def fail(self, line: int | None, message: str, hint: str | None = None) -> TocsinError:
        return TocsinError("E300", message, file=self.file, line=line, hint=hint)


def line_of(node: Any, key: Any = None) -> int | None:
    """Line of ``node`` (a mapping or list from the loader), or of its ``key``/index."""
    if key is not None:
        if isinstance(key, int) and hasattr(node, "item_lines"):
            lines = node.item_lines
            return lines[key] if 0 <= key < len(lines) else getattr(node, "line", None)
        if hasattr(node, "key_lines") and key in node.key_lines:
            return node.key_lines[key]
    return getattr(node, "line", None)


def _str(ctx: Ctx, node: Any, key: str, what: str, required: bool = True) -> str | None:
    value = node.get(key)
    if value is None:
        if required:
            raise ctx.fail(line_of(node), f"{what}: missing required key '{key}'")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ctx.fail(line_of(node, key), f"{what}: '{key}' must be text, not {type(value).__name__}")
    text = str(value).strip()
    if required and not text:
        raise ctx.fail(line_of(node, key), f"{what}: '{key}' is empty")
    return text


def _str_list(ctx: Ctx, node: Any, key: str, what: str) -> list[str]:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.fail(line_of(node, key), f"{what}: '{key}' must be a list")
    out: list[str] = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (str, int, float)) or not str(item).strip():
            raise ctx.fail(line_of(value, i) or line_of(node, key), f"{what}: '{key}' item {i + 1} must be non-empty text")
        out.append(str(item).strip())
    return out


def _no_unknown(ctx: Ctx, node: Any, allowed: set[str], what: str) -> None:
    for key in node:
        if key not in allowed:
            raise ctx.fail(line_of(node, key), f"{what}: unknown key '{key}'", hint="allowed: " + ", ".join(sorted(allowed)))


def _side(ctx: Ctx, node: Any, what: str) -> str | None:
    side = node.get("side")
    if side is None:
        return None
    if side not in ctx.sides:
        raise ctx.fail(line_of(node, "side"), f"{what}: side '{side}' is not one of the pack sides ({', '.join(ctx.sides)}) or null")
    return side


def _choice(ctx: Ctx, node: Any, key: str, allowed: tuple[str, ...], what: str, default: str | None = None) -> str:
    value = node.get(key, default)
    if value is None:
        raise ctx.fail(line_of(node), f"{what}: missing required key '{key}'")
    if value not in allowed:
        raise ctx.fail(line_of(node, key), f"{what}: {key} '{value}' is not one of {', '.join(allowed)}")
    return value


def _country(ctx: Ctx, node: Any, what: str) -> str | None:
    code = node.get("country")
    if code is None:
        return None
    if not (isinstance(code, str) and len(code) == 2 and code.isalpha() and code.isupper()):
        raise ctx.fail(line_of(node, "country"), f"{what}: country '{code}' must be an ISO 3166-1 alpha-2 code like AM")
    return code


def _items(ctx: Ctx, doc: Any, key: str) -> list[Any]:
    """The list under top-level ``key``; an absent file section is an empty list."""
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise ctx.fail(line_of(doc) or 1, f"top level must be a mapping with key '{key}'")
    _no_unknown(ctx, doc, {key}, "section")
    items = doc.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise ctx.fail(line_of(doc, key), f"'{key}' must be a list of entries")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ctx.fail(line_of(items, i), f"{key} entry {i + 1} must be a mapping")
    return items


def _check_unique(ctx: Ctx, items: list[Any], names: list[str], label: str) -> None:
    seen: dict[str, int] = {}
    for item, name in zip(items, names):
        k = surface_key(name)
        if k in seen:
            raise ctx.fail(line_of(item, "name"), f"duplicate {label} '{name}' (first defined at line {seen[k]})")
        seen[k] = line_of(item, "name") or 0


# --------------------------------------------------------------------------- sections


_ACTOR_KEYS = {"name", "type", "side", "aliases", "entity_type", "country", "roles", "ambiguous"}


def parse_actors(doc: Any, ctx: Ctx) -> tuple[list[Actor], dict[str, int], set[str]]:
    """Actors, each canonical's line, and the aliases entries mark as knowingly ambiguous."""
    items = _items(ctx, doc, "actors")
    actors, lines, ambiguous = [], {}, set()
    for item in items:
        what = f"actor '{item.get('name', '?')}'"
        _no_unknown(ctx, item, _ACTOR_KEYS, what)
        name = _str(ctx, item, "name", what)
        typ = _choice(ctx, item, "type", ACTOR_TYPES, what)
        default_et = "place" if typ == "state" else typ
        et = _choice(ctx, item, "entity_type", ENTITY_TYPES, what, default=default_et)
        actors.append(Actor(name=name, type=typ, side=_side(ctx, item, what), aliases=_str_list(ctx, item, "aliases", what),
                            entity_type=et, country=_country(ctx, item, what), roles=_str_list(ctx, item, "roles", what)))
        lines[name] = line_of(item, "name")
        ambiguous.update(surface_key(a) for a in _str_list(ctx, item, "ambiguous", what))
    _check_unique(ctx, items, [a.name for a in actors], "actor name")
    return actors, lines, ambiguous


_PLACE_KEYS = {"name", "aliases", "lat", "lon", "admin_level", "country", "kind", "names_by_side", "parent", "ambiguous"}


def _coord(ctx: Ctx, node: Any, key: str, limit: float, what: str) -> float | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ctx.fail(line_of(node, key), f"{what}: {key} must be a number in decimal degrees, not '{value}'")
    if not -limit <= value <= limit:
        raise ctx.fail(line_of(node, key), f"{what}: {key} {value} is out of range [-{limit:g}, {limit:g}]")
    return float(value)


def parse_places(doc: Any, ctx: Ctx) -> tuple[list[Place], dict[str, int], set[str]]:
    items = _items(ctx, doc, "places")
    places, lines, ambiguous = [], {}, set()
    for item in items:
        what = f"place '{item.get('name', '?')}'"
        _no_unknown(ctx, item, _PLACE_KEYS, what)
        name = _str(ctx, item, "name", what)
        lat, lon = _coord(ctx, item, "lat", 90, what), _coord(ctx, item, "lon", 180, what)
        if (lat is None) != (lon is None):
            raise ctx.fail(line_of(item), f"{what}: give both lat and lon, or neither")
        level = item.get("admin_level", 3)
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 4:
            raise ctx.fail(line_of(item, "admin_level"), f"{what}: admin_level must be an integer 0-4, not '{level}'")
        by_side_raw = item.get("names_by_side") or {}
        if not isinstance(by_side_raw, dict):
            raise ctx.fail(line_of(item, "names_by_side"), f"{what}: names_by_side must map a side to a list of names")
        by_side: dict[str, list[str]] = {}
        for side in by_side_raw:
            if side not in ctx.sides:
                raise ctx.fail(line_of(by_side_raw, side), f"{what}: names_by_side side '{side}' is not one of the pack sides ({', '.join(ctx.sides)})")
            by_side[side] = _str_list(ctx, by_side_raw, side, what)
        places.append(Place(name=name, aliases=_str_list(ctx, item, "aliases", what), lat=lat, lon=lon, admin_level=level,
                            country=_country(ctx, item, what), kind=_choice(ctx, item, "kind", PLACE_KINDS, what, default="settlement"),
                            names_by_side=by_side, parent=_str(ctx, item, "parent", what, required=False)))
        lines[name] = line_of(item, "name")
        ambiguous.update(surface_key(a) for a in _str_list(ctx, item, "ambiguous", what))
    _check_unique(ctx, items, [p.name for p in places], "place name")
    return places, lines, ambiguous


_OUTLET_KEYS = {"name", "aliases", "domains", "country", "side", "ambiguous"}


def parse_outlets(doc: Any, ctx: Ctx) -> tuple[list[Outlet], dict[str, int], set[str]]:
    items = _items(ctx, doc, "outlets")
    outlets, lines, ambiguous = [], {}, set()
    for item in items:
        what = f"outlet '{item.get('name', '?')}'"
        _no_unknown(ctx, item, _OUTLET_KEYS, what)
        name = _str(ctx, item, "name", what)
        domains = _str_list(ctx, item, "domains", what)
        for d in domains:
            if " " in d or "/" in d or "." not in d:
                raise ctx.fail(line_of(item, "domains"), f"{what}: '{d}' is not a bare host name like example.com")
        outlets.append(Outlet(name=name, aliases=_str_list(ctx, item, "aliases", what), domains=[d.lower() for d in domains],
                              country=_country(ctx, item, what), side=_side(ctx, item, what)))
        lines[name] = line_of(item, "name")
        ambiguous.update(surface_key(a) for a in _str_list(ctx, item, "ambiguous", what))
    _check_unique(ctx, items, [o.name for o in outlets], "outlet name")
    return outlets, lines, ambiguous


def parse_framing(doc: Any, ctx: Ctx) -> dict[str, list[FramingTerm]]:
    """framing.yaml: ``framing: {side: [{phrase, weight, lang}]}``; weight in (0, 5]."""
    if doc is None:
        return {}
    if not isinstance(doc, dict) or not isinstance(doc.get("framing"), dict):
        raise ctx.fail(line_of(doc) or 1, "top level must be a mapping with key 'framing' mapping each side to a list of terms")
    # `perspective:` holds the perspective stage's thresholds (validated by tocsin.compare.perspective)
    _no_unknown(ctx, doc, {"framing", "perspective"}, "section")
    framing = doc["framing"]
    out: dict[str, list[FramingTerm]] = {}
    for side, terms in framing.items():
        if side not in ctx.sides:
            raise ctx.fail(line_of(framing, side), f"framing side '{side}' is not one of the pack sides ({', '.join(ctx.sides)})")
        if not isinstance(terms, list):
            raise ctx.fail(line_of(framing, side), f"framing '{side}' must be a list of terms")
        seen: dict[tuple[str, str | None], int] = {}
        out[side] = []
        for i, t in enumerate(terms):
            node = t if isinstance(t, dict) else None
            if node is None:
                raise ctx.fail(line_of(terms, i), f"framing '{side}' term {i + 1} must be a mapping with phrase and weight")
            what = f"framing '{side}' term '{node.get('phrase', '?')}'"
            _no_unknown(ctx, node, {"phrase", "weight", "lang"}, what)
            phrase = _str(ctx, node, "phrase", what)
            weight = node.get("weight", 1.0)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 5:
                raise ctx.fail(line_of(node, "weight"), f"{what}: weight must be a number in (0, 5], not '{weight}'")
            lang = _str(ctx, node, "lang", what, required=False)
            if lang is not None and ctx.languages and lang not in ctx.languages:
                raise ctx.fail(line_of(node, "lang"), f"{what}: lang '{lang}' is not one of the pack languages ({', '.join(ctx.languages)})")
            key = (surface_key(phrase), lang)
            if key in seen:
                raise ctx.fail(line_of(node, "phrase"), f"{what}: duplicate phrase (first at line {seen[key]})")
            seen[key] = line_of(node, "phrase") or 0
            out[side].append(FramingTerm(phrase=phrase, weight=float(weight), lang=lang))
    return out


def parse_topics(doc: Any, ctx: Ctx, labels: tuple[str, ...], known: set[str] | None = None) -> dict[str, Any]:
    """topics.yaml: ``rules: {label: {keywords: [{phrase, weight}], actors: [...], min_score}}``.

    Returned as plain data (the topic classifier owns its semantics); we check that every
    label is declared in pack.yaml and that keyword weights are numbers.
    """
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ctx.fail(line_of(doc) or 1, "top level must be a mapping")
    for key in doc:
        if key != "rules":  # a misspelt key would otherwise be silently ignored
            raise ctx.fail(line_of(doc, key), f"unknown key {key!r} (topics.yaml has only 'rules')")
    rules = doc.get("rules", {})
    if not isinstance(rules, dict):
        raise ctx.fail(line_of(doc, "rules"), "'rules' must map a topic label to its rule")
    for label, rule in rules.items():
        if labels and label not in labels:
            raise ctx.fail(line_of(rules, label), f"topic '{label}' is not declared in pack.yaml topics ({', '.join(labels)})")
        if not isinstance(rule, dict):
            raise ctx.fail(line_of(rules, label), f"topic '{label}' rule must be a mapping")
        for key, value in rule.items():
            # actor sets must name canonicals the pack defines, or the rule silently never fires
            names = value if key == "actors" else None
            if key == "pair" and isinstance(value, dict):
                for part in ("first", "second"):
                    _check_known(ctx, value.get(part), known, f"topic '{label}' pair.{part}")
            if isinstance(names, list):
                _check_known(ctx, names, known, f"topic '{label}' actors")
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict) and "weight" in item:
                        w = item["weight"]
                        if isinstance(w, bool) or not isinstance(w, (int, float)):
                            raise ctx.fail(line_of(item, "weight"), f"topic '{label}' {key} item {i + 1}: weight must be a number")
    return to_plain(doc)


def _check_known(ctx: Ctx, names: Any, known: set[str] | None, what: str) -> None:
    if not known or not isinstance(names, list):
        return
    for i, name in enumerate(names):
        if name not in known:
            raise ctx.fail(line_of(names, i), f"{what}: '{name}' is not the canonical name of any actor, place or outlet")


def to_plain(value: Any) -> Any:
    """Strip line-tracking containers so callers get ordinary dicts and lists."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


# Other helpers may register a validator for their own section (events, claims, ...):
# fn(raw_doc_with_lines, ctx) -> parsed value; raise ctx.fail(line, msg) on bad data.
SectionValidator = Callable[[Any, Ctx], Any]
SECTION_VALIDATORS: dict[str, SectionValidator] = {}


def register_section(name: str, validator: SectionValidator) -> None:
    """Register a validator used by ``Pack.section(name)``."""
    SECTION_VALIDATORS[name] = validator
