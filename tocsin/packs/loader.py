"""Find, read, validate and cache conflict packs.

A pack is a folder of YAML (pack.yaml plus one file per section). It can come from a folder
path, from the built-in ``data/`` folder by name, or from an installed distribution that
declares an entry point in group ``tocsin.packs`` (value: a module whose ``PACK_PATH`` names
the folder, or whose own directory is the folder). Parsed packs are cached by resolved path
and file mtimes, so editing a YAML file is picked up without restarting.
"""
from __future__ import annotations

import functools
import importlib.metadata
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import TocsinError
from . import schema
from .schema import (
    FORMAT, Actor, Ctx, FramingTerm, GazetteerEntry, Outlet, Place, line_of, surface_key, to_plain,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
ENTRY_POINT_GROUP = "tocsin.packs"
CORE_SECTIONS = ("actors", "places", "outlets", "framing", "topics")
PACK_KEYS = ("format", "name", "version", "title", "description", "languages", "sides", "topics", "ambiguous")

# --------------------------------------------------------------------------- YAML with lines


class LDict(dict):
    """A mapping that remembers its own line and each key's line (1-based)."""

    line: int | None = None
    key_lines: dict[Any, int]


class LList(list):
    """A sequence that remembers its own line and each item's line (1-based)."""

    line: int | None = None
    item_lines: list[int]


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader that builds LDict/LList, rejects duplicate keys, and reads only
    true/false as booleans: YAML 1.1 would turn country code NO or an alias "On" into a bool."""


_LineLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _ch in "tTfF":
    _LineLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), [_ch]
    )


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int, first: int):
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


def _construct_map(loader: Any, node: yaml.MappingNode):
    data = LDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise _DuplicateKey(key, line, 0) from None
        if key in data:
            raise _DuplicateKey(key, line, data.key_lines[key])
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _construct_seq(loader: Any, node: yaml.SequenceNode):
    data = LList()
    data.line = node.start_mark.line + 1
    data.item_lines = [n.start_mark.line + 1 for n in node.value]
    yield data
    data.extend(loader.construct_object(n, deep=True) for n in node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file into LDict/LList; any problem is an E300 naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise TocsinError("E300", f"not UTF-8 text ({e.reason})", file=str(path)) from None
    except OSError as e:
        raise TocsinError("E300", f"cannot read ({e.strerror})", file=str(path)) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except _DuplicateKey as e:
        if e.first == 0:
            raise TocsinError("E300", f"mapping key {e.key!r} is not a plain value", file=str(path), line=e.line) from None
        raise TocsinError("E300", f"duplicate key '{e.key}' (first at line {e.first})", file=str(path), line=e.line) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(e.problem or e.context or "invalid YAML").split())
        raise TocsinError("E300", f"YAML syntax error: {what}", file=str(path), line=line,
                          hint="check indentation and quoting") from None
    except yaml.YAMLError as e:
        raise TocsinError("E300", f"YAML error: {' '.join(str(e).split())}", file=str(path)) from None


# --------------------------------------------------------------------------- the Pack


@dataclass
class Pack:
    """A loaded, validated conflict pack. Shared from a cache: treat it as read-only."""

    name: str
    version: str
    title: str
    languages: list[str]
    sides: list[str]
    path: Path
    format: int = FORMAT
    topics: list[str] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    outlets: list[Outlet] = field(default_factory=list)
    framing: dict[str, list[FramingTerm]] = field(default_factory=dict)
    ambiguous: frozenset[str] = frozenset()  # surface keys knowingly shared by >1 canonical
    meta: dict[str, Any] = field(default_factory=dict)  # every other key of pack.yaml
    _sections: dict[str, Any] = field(default_factory=dict, repr=False)
    _gazetteer: list[GazetteerEntry] = field(default_factory=list, repr=False)
    _by_surface: dict[str, list[GazetteerEntry]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def section(self, name: str) -> Any:
        """Parsed, validated content of ``<name>.yaml`` as plain data, or {} if absent."""
        if name in ("actors", "places", "outlets", "framing"):
            return getattr(self, name)
        with self._lock:
            if name not in self._sections:
                self._sections[name] = self._read_section(name)
            return self._sections[name]

    def _read_section(self, name: str) -> Any:
        if not name.replace("-", "_").isidentifier():
            raise TocsinError("E300", f"bad section name '{name}'", file=str(self.path))
        path = self.path / f"{name}.yaml"
        if not path.is_file():
            return {}
        doc = read_yaml(path)
        validator = schema.SECTION_VALIDATORS.get(name)
        if validator is None:
            return to_plain(doc) if doc is not None else {}
        return validator(doc, Ctx(str(path), tuple(self.sides), tuple(self.languages)))

    def gazetteer(self) -> list[GazetteerEntry]:
        """Every name of every actor, place and outlet: (surface, canonical, entity_type, side)."""
        return list(self._gazetteer)

    def lookup(self, surface: str) -> list[GazetteerEntry]:
        """Gazetteer entries whose surface equals ``surface`` (case- and width-insensitive)."""
        return list(self._by_surface.get(surface_key(surface), ()))

    def actor(self, name: str) -> Actor | None:
        return next((a for a in self.actors if a.name == name), None)

    def place(self, name: str) -> Place | None:
        return next((p for p in self.places if p.name == name), None)

    def outlet(self, name: str) -> Outlet | None:
        return next((o for o in self.outlets if o.name == name), None)


def _pack_meta(path: Path) -> tuple[dict[str, Any], Ctx]:
    file = path / "pack.yaml"
    if not file.is_file():
        raise TocsinError("E300", "not a conflict pack: pack.yaml is missing", file=str(path))
    doc = read_yaml(file)
    ctx = Ctx(str(file))
    if not isinstance(doc, dict):
        raise ctx.fail(line_of(doc) or 1, "pack.yaml must be a mapping (name, version, format, languages, sides)")
    for key in ("name", "version", "format", "languages", "sides"):
        if key not in doc:
            raise ctx.fail(line_of(doc), f"pack.yaml: missing required key '{key}'")
    for key in doc:  # a misspelt key would silently fall back to a default
        if key not in PACK_KEYS:
            raise ctx.fail(line_of(doc, key), f"pack.yaml: unknown key {key!r}",
                           hint=f"known keys: {', '.join(PACK_KEYS)}")
    if doc["format"] != FORMAT:
        raise ctx.fail(line_of(doc, "format"), f"pack format {doc['format']!r} is not supported",
                       hint=f"this tocsin reads format {FORMAT}")
    for key in ("languages", "sides"):
        value = doc[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise ctx.fail(line_of(doc, key), f"pack.yaml: '{key}' must be a non-empty list of names")
        if len(set(value)) != len(value):
            raise ctx.fail(line_of(doc, key), f"pack.yaml: '{key}' lists a value twice")
    topics = doc.get("topics") or {}
    if isinstance(topics, list):
        topics = {"labels": topics}
    if not isinstance(topics, dict) or not isinstance(topics.get("labels", []), list):
        raise ctx.fail(line_of(doc, "topics"), "pack.yaml: 'topics' must be {labels: [...], default: ...}")
    return doc, Ctx(str(file), tuple(doc["sides"]), tuple(doc["languages"]))


def _build(path: Path) -> Pack:
    meta, mctx = _pack_meta(path)
    sides, langs = tuple(meta["sides"]), tuple(meta["languages"])
    topics_meta = meta.get("topics") or {}
    labels = tuple((topics_meta.get("labels") if isinstance(topics_meta, dict) else topics_meta) or ())

    def ctx(section: str) -> Ctx:
        return Ctx(str(path / f"{section}.yaml"), sides, langs)

    def doc(section: str) -> Any:
        f = path / f"{section}.yaml"
        return read_yaml(f) if f.is_file() else None

    actors, a_lines, a_amb = schema.parse_actors(doc("actors"), ctx("actors"))
    places, p_lines, p_amb = schema.parse_places(doc("places"), ctx("places"))
    outlets, o_lines, o_amb = schema.parse_outlets(doc("outlets"), ctx("outlets"))
    framing = schema.parse_framing(doc("framing"), ctx("framing"))
    known = {a.name for a in actors} | {p.name for p in places} | {o.name for o in outlets}
    topics = schema.parse_topics(doc("topics"), ctx("topics"), labels, known)

    declared = meta.get("ambiguous") or []
    if not isinstance(declared, list):
        raise mctx.fail(line_of(meta, "ambiguous"), "pack.yaml: 'ambiguous' must be a list of surfaces")
    ambiguous = frozenset({surface_key(str(s)) for s in declared} | a_amb | p_amb | o_amb)

    # One canonical may live in only one section: the gazetteer maps a surface to one type.
    owners: dict[str, tuple[str, int | None]] = {}
    for section, lines in (("actors", a_lines), ("places", p_lines), ("outlets", o_lines)):
        for name, line in lines.items():
            k = surface_key(name)
            if k in owners:
                other, other_line = owners[k]
                raise ctx(section).fail(line, f"duplicate canonical '{name}': also defined in {other}.yaml line {other_line}")
            owners[k] = (section, line)

    entries: list[tuple[GazetteerEntry, str, int | None]] = []
    for a in actors:
        for s in [a.name, *a.aliases]:
            entries.append((GazetteerEntry(s, a.name, a.entity_type, a.side), "actors", a_lines[a.name]))
    for p in places:
        # A place name used by one camp only (Khankendi, Shushi) carries that camp as its
        # side: it is perspective evidence. Side names go first so they win the dedup below.
        named: list[tuple[str, str | None]] = []
        for side, names in p.names_by_side.items():
            claimed_by = {sd for sd, ns in p.names_by_side.items() for n in ns if surface_key(n) in {surface_key(x) for x in names}}
            named += [(n, side if len(claimed_by) == 1 else None) for n in names]
        for s, side in [*named, *((n, None) for n in [p.name, *p.aliases])]:
            entries.append((GazetteerEntry(s, p.name, "place", side), "places", p_lines[p.name]))
    for o in outlets:
        for s in [o.name, *o.aliases]:
            entries.append((GazetteerEntry(s, o.name, "organization", o.side), "outlets", o_lines[o.name]))

    gazetteer: list[GazetteerEntry] = []
    by_surface: dict[str, list[GazetteerEntry]] = {}
    claimed: dict[str, tuple[str, str, int | None]] = {}
    for entry, section, line in entries:
        k = surface_key(entry.surface)
        bucket = by_surface.setdefault(k, [])
        if any(e.canonical == entry.canonical for e in bucket):
            continue  # the same name listed twice for one canonical (alias + names_by_side)
        if bucket and k not in ambiguous:
            first_canon, first_section, first_line = claimed[k]
            raise ctx(section).fail(
                line, f"alias '{entry.surface}' of '{entry.canonical}' is also a name of '{first_canon}' "
                f"({first_section}.yaml line {first_line})", hint="list it under `ambiguous` if both are meant")
        claimed.setdefault(k, (entry.canonical, section, line))
        bucket.append(entry)
        gazetteer.append(entry)

    pack = Pack(
        name=str(meta["name"]), version=str(meta["version"]), title=str(meta.get("title") or meta["name"]),
        languages=list(langs), sides=list(sides), path=path, format=int(meta["format"]), topics=list(labels),
        actors=actors, places=places, outlets=outlets, framing=framing, ambiguous=ambiguous,
        meta={k: to_plain(v) for k, v in meta.items()
              if k not in ("name", "version", "title", "languages", "sides", "format")},
    )
    pack._sections["topics"] = topics
    pack._gazetteer = gazetteer
    pack._by_surface = by_surface
    return pack


# --------------------------------------------------------------------------- resolution


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Cache key part: name, mtime and size of every YAML file of the pack."""
    out = []
    for f in sorted(path.glob("*.yaml")):
        st = f.stat()
        out.append((f.name, st.st_mtime_ns, st.st_size))
    return tuple(out)


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, stamp: tuple[tuple[str, int, int], ...]) -> Pack:
    return _build(Path(path))


def _entry_point_path(name: str) -> Path | None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name != name:
            continue
        try:
            target = ep.load()
        except Exception as e:  # a broken third-party package must not crash with a traceback
            raise TocsinError("E300", f"pack entry point '{name}' ({ep.value}) failed to load: {e}") from None
        if isinstance(target, (str, os.PathLike)):
            return Path(target)
        pack_path = getattr(target, "PACK_PATH", None)
        if pack_path is not None:
            return Path(pack_path)
        module_file = getattr(target, "__file__", None)
        if module_file:
            return Path(module_file).parent
        raise TocsinError("E300", f"pack entry point '{name}' ({ep.value}) has no PACK_PATH or folder")
    return None


def available_packs() -> list[str]:
    """Names of the built-in packs and of packs installed through entry points."""
    names = {p.name for p in DATA_DIR.iterdir() if (p / "pack.yaml").is_file()} if DATA_DIR.is_dir() else set()
    names |= {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names)


def resolve_pack_path(name_or_path: str | os.PathLike[str]) -> Path:
    """Folder of a pack given as a folder path, a built-in name, or an entry-point name."""
    text = os.fspath(name_or_path)
    candidate = Path(text).expanduser()
    looks_like_path = isinstance(name_or_path, os.PathLike) or os.sep in text or text.startswith(".")
    if candidate.is_dir() and (looks_like_path or (candidate / "pack.yaml").is_file()):
        return candidate.resolve()
    if looks_like_path:
        raise TocsinError("E300", "pack folder not found", file=text)
    builtin = DATA_DIR / text
    if (builtin / "pack.yaml").is_file():
        return builtin.resolve()
    found = _entry_point_path(text)
    if found is not None:
        if not found.is_dir():
            raise TocsinError("E300", f"pack '{text}' from an entry point points at a missing folder", file=str(found))
        return found.resolve()
    raise TocsinError("E300", f"unknown conflict pack '{text}'", hint="available: " + ", ".join(available_packs()))


def load_pack(name_or_path: str | os.PathLike[str] = "south-caucasus") -> Pack:
    """Load and validate a pack (cached until one of its YAML files changes)."""
    path = resolve_pack_path(name_or_path)
    return _load_cached(str(path), _stamp(path))


PACK_CHECKS: list = []  # extra checks of settings a module reads itself (e.g. framing.yaml's perspective)


def register_pack_check(fn: Any) -> None:
    """``fn(pack)`` raises TocsinError (file:line) when the pack's settings for its module are bad."""
    if fn not in PACK_CHECKS:
        PACK_CHECKS.append(fn)


def check_pack(name_or_path: str | os.PathLike[str] = "south-caucasus") -> Pack:
    """Load a pack and validate every section file it holds, so a broken file stops a run up
    front with its file:line, instead of failing per document (and leaving inputs marked done)."""
    pack = load_pack(name_or_path)
    for f in sorted(pack.path.glob("*.yaml")):
        if f.stem != "pack" and f.stem not in CORE_SECTIONS:
            pack.section(f.stem)
    for fn in PACK_CHECKS:
        fn(pack)
    return pack


def clear_cache() -> None:
    """Forget every parsed pack (tests; long-running servers after a reinstall)."""
    _load_cached.cache_clear()


__all__ = [
    "Pack", "load_pack", "check_pack", "available_packs", "resolve_pack_path", "clear_cache", "read_yaml",
    "DATA_DIR", "ENTRY_POINT_GROUP",
]
