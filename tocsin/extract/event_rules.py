"""Compile a pack's events.yaml (cue vocabularies) into regexes, once per pack.

Kept apart from the extractor so the cue syntax (``stem*``, ``a .. b`` gaps, ``!exclusion``)
is documented and tested in one place; see docs/events.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import TocsinError
from ..textre import trie_alternation

_FLAGS = re.IGNORECASE | re.UNICODE
_GAP = r"(?:\s+\S+){0,5}?\s+"  # ".." = up to five words in between


def cue_regex(cue: str) -> str:
    """One cue phrase as a regex: words in order, ``*`` = any word ending, ``..`` = short gap."""
    parts: list[str] = []
    sep_next = r"[\s\-]+"
    for tok in cue.split():
        if tok == "..":
            sep_next = _GAP
            continue
        if parts:
            parts.append(sep_next)
        sep_next = r"[\s\-]+"
        if tok.endswith("*") and len(tok) > 1:
            parts.append(re.escape(tok[:-1]) + r"[\w\-’']*")
        else:
            parts.append(re.escape(tok).replace("’", "['’]").replace("'", "['’]"))
    return r"(?<!\w)(?:" + "".join(parts) + r")(?!\w)"


def _alternation(cues: list[str]) -> re.Pattern[str] | None:
    cues = [c for c in cues if c and c.strip()]
    if not cues:
        return None
    # Longest first so "ceasefire agreement" wins over "ceasefire" at the same position.
    return re.compile("|".join(cue_regex(c) for c in sorted(cues, key=len, reverse=True)), _FLAGS)


# ---- literal gates: a cheap necessary condition before a big case-insensitive alternation runs.
# Every cue contains literal letters (its words, minus ``*`` endings and apostrophes) that any
# match must contain. If none of a cue set's literals occurs in the text (compared the way
# re.IGNORECASE compares: simple lowercase plus the re module's extra case equivalences such as
# ı/i and ſ/s), the alternation cannot match and the scan (most of the events stage) is skipped.
# The alternation itself still decides every match, so results are unchanged.


def _casefix_table() -> dict[int, str]:
    try:
        from re._casefix import _EXTRA_CASES  # Python >= 3.11: what re.IGNORECASE also equates
    except ImportError:  # pragma: no cover - older Pythons: these are the cases that matter here
        _EXTRA_CASES = {0x69: (0x131,), 0x131: (0x69,), 0x73: (0x17F,), 0x17F: (0x73,)}
    return {c: chr(min((c, *eq))) for c, eq in _EXTRA_CASES.items()}


_CASEFIX = _casefix_table()
_CASEFIX[0x130] = "i"  # İ: str.lower() gives two characters, re's simple lowercase gives "i"
_SPLIT_APOS = re.compile(r"['’]")
_UNSET = object()


@lru_cache(maxsize=512)
def _gate_norm(text: str) -> str:
    """The text as the literal gates compare it (cached: every cue set scans the same sentence)."""
    return text.translate(_CASEFIX).lower().translate(_CASEFIX)


def _literal(cue: str) -> str | None:
    """The longest literal piece every match of ``cue`` must contain (gate-normalised)."""
    pieces = []
    for tok in cue.split():
        if tok == "..":
            continue
        if tok.endswith("*") and len(tok) > 1:
            tok = tok[:-1]
        pieces += [p for p in _SPLIT_APOS.split(tok) if p]
    best = max(pieces, key=len, default="")
    return _gate_norm(best) if best else None


def _gates(cues: list[str]) -> tuple[str, ...] | None:
    """Distinct literals of these cues; None when some cue has none (then always scan)."""
    lits = [_literal(c) for c in cues if c and c.strip()]
    if not lits or any(x is None for x in lits):
        return None
    # a literal containing another is implied by it: keep only the shortest ones
    uniq = sorted(set(lits), key=len)
    kept: list[str] = []
    for x in uniq:
        if not any(k in x for k in kept):
            kept.append(x)
    return tuple(kept)


def _parts(cues: list[str]) -> tuple[list[str], tuple[tuple[str, tuple[int, ...]], ...]] | None:
    """The cues in _alternation's order and their indices grouped by literal (see CueSet)."""
    cues = sorted((c for c in cues if c and c.strip()), key=len, reverse=True)
    if not cues:
        return None
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(cues):
        lit = _literal(c)
        if lit is None:
            return None
        groups.setdefault(lit, []).append(i)
    return cues, tuple((lit, tuple(idx)) for lit, idx in groups.items())


@dataclass
class CueSet:
    """Per-language compiled alternation; missing languages fall back to English."""

    by_lang: dict[str, re.Pattern[str] | None] = field(default_factory=dict)
    neg_by_lang: dict[str, re.Pattern[str] | None] = field(default_factory=dict)
    gates: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    _gate_rx: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # Per language, the alternation's cues in their order (longest first) grouped by literal:
    # ((literal, (cue index, ...)), ...); None when a cue has no literal (then no narrowing).
    parts: dict[str, tuple[list[str], tuple[tuple[str, tuple[int, ...]], ...]] | None] = field(
        default_factory=dict, repr=False, compare=False)
    _narrow: dict[tuple[str, tuple[int, ...]], re.Pattern[str]] = field(
        default_factory=dict, repr=False, compare=False)

    def get(self, lang: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        key = lang if lang in self.by_lang else "en"
        return self.by_lang.get(key), self.neg_by_lang.get(key)

    def _may_match(self, text: str, lang: str) -> bool:
        key = lang if lang in self.by_lang else "en"
        gate = self._gate_rx.get(key, _UNSET)
        if gate is _UNSET:
            gates = self.gates.get(key)
            # one C-level scan for "any of these literals is a substring" instead of a Python
            # loop over them (same answer: an alternation of escaped literals)
            gate = self._gate_rx[key] = (None if gates is None else re.compile(trie_alternation(gates)))
        if gate is None:
            return True
        return gate.search(_gate_norm(text)) is not None

    def _narrowed(self, pat: re.Pattern[str], text: str, lang: str) -> re.Pattern[str] | None:
        """The alternation reduced to the cues whose literal occurs in ``text`` (None: none do).

        Exact: a cue whose literal is absent cannot match anywhere in the text, and removing
        alternatives that cannot match keeps the order of the others, so leftmost-first
        matching gives the same matches. Scanning the few cues left is ~10x cheaper than the
        whole case-insensitive alternation."""
        key = lang if lang in self.by_lang else "en"
        parts = self.parts.get(key)
        if parts is None:
            return pat
        cues, groups = parts
        low = _gate_norm(text)
        keep = tuple(sorted(i for lit, idx in groups if lit in low for i in idx))
        if not keep:
            return None
        if len(keep) == len(cues):
            return pat
        hit = self._narrow.get((key, keep))
        if hit is None:
            if len(self._narrow) > 512:
                self._narrow.clear()
            hit = self._narrow[(key, keep)] = re.compile("|".join(cue_regex(cues[i]) for i in keep), _FLAGS)
        return hit

    def finditer(self, text: str, lang: str) -> list[tuple[int, int, str]]:
        pat, neg = self.get(lang)
        if pat is None or not self._may_match(text, lang):
            return []
        pat = self._narrowed(pat, text, lang)
        if pat is None:
            return []
        out = []
        blocked: list[tuple[int, int]] | None = None
        for m in pat.finditer(text):
            s, e = m.span()
            if blocked is None:  # exclusions are only looked for once a cue has matched
                blocked = [b.span() for b in neg.finditer(text)] if neg is not None else []
            if any(s < be and bs < e for bs, be in blocked):
                continue
            out.append((s, e, m.group(0)))
        return out

    def search(self, text: str, lang: str) -> bool:
        return bool(self.finditer(text, lang))


def _cueset(raw: Any, where: str) -> CueSet:
    cs = CueSet()
    if raw is None:
        return cs
    if not isinstance(raw, dict):
        raise TocsinError("E300", f"{where}: cues must be a mapping language -> list of phrases", file=_FILE.get("f"))
    for lang, items in raw.items():
        if not isinstance(items, list):
            raise TocsinError("E300", f"{where}.{lang}: must be a list of phrases", file=_FILE.get("f"))
        items = [str(x) for x in items]
        cs.by_lang[str(lang)] = _alternation([x for x in items if not x.startswith("!")])
        cs.gates[str(lang)] = _gates([x for x in items if not x.startswith("!")])
        cs.parts[str(lang)] = _parts([x for x in items if not x.startswith("!")])
        cs.neg_by_lang[str(lang)] = _alternation([x[1:] for x in items if x.startswith("!")])
    return cs


_FILE: dict[str, str | None] = {"f": None}


@dataclass
class Rule:
    cues: CueSet
    with_: CueSet | None
    without: CueSet | None
    weight: float
    or_date_or_name: bool = False


@dataclass
class EventType:
    name: str
    plover: str
    cameo: str
    rules: list[Rule]
    overrides: tuple[str, ...] = ()


@dataclass
class NamedEvent:
    key: str
    type: str
    date: str | None
    place: str | None
    actor: str | None
    target: str | None
    names: CueSet
    by_type_place: bool = False
    by_type_date: bool = False
    when_year: str | None = None
    not_year: tuple[str, ...] = ()
    until: str | None = None  # last day (any ISO precision) of a long-running episode


@dataclass
class EventRules:
    types: dict[str, EventType]
    named: list[NamedEvent]
    scope_topics: tuple[str, ...]
    threshold: float
    core_countries: tuple[str, ...] = ()

    def named_cue(self, text: str, lang: str, start: int, end: int) -> bool:
        """The span [start, end) lies inside the name of a known episode ("the Second Karabakh War")."""
        return any(s <= start and end <= e or (s < end and start < e)
                   for ne in self.named for s, e, _ in ne.names.finditer(text, lang))


def compile_rules(doc: Any, file: str | None = None) -> EventRules:
    """Validate and compile the parsed events.yaml; bad data raises E300 naming the file
    (and the line, when ``doc`` comes from the pack loader's line-aware YAML reader)."""
    from ..packs.schema import line_of

    where = [line_of(doc) or 1]  # line of the entry being compiled, for errors raised below
    try:
        return _compile(doc, file, where)
    except TocsinError as e:
        if e.line is None and e.file == file:
            raise TocsinError(e.code, e.message, file=e.file, line=where[0], hint=e.hint) from None
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, re.error) as e:
        # A wrong type deep in a rule (weight: "high", cues: 3) must not become a traceback.
        raise TocsinError("E300", f"events.yaml: invalid value ({type(e).__name__}: {' '.join(str(e).split())})",
                          file=file, line=where[0]) from None


def _compile(doc: Any, file: str | None, where: list) -> EventRules:
    from ..packs.schema import line_of

    _FILE["f"] = file
    if not isinstance(doc, dict) or not isinstance(doc.get("types"), dict):
        raise TocsinError("E300", "events.yaml needs a 'types' mapping of event type -> rules", file=file)
    types: dict[str, EventType] = {}
    raw_types = doc["types"]
    for name, spec in raw_types.items():
        where[0] = line_of(raw_types, name) or where[0]
        if not isinstance(spec, dict) or not isinstance(spec.get("rules"), list) or not spec["rules"]:
            raise TocsinError("E300", f"event type '{name}' needs a non-empty 'rules' list", file=file)
        rules = []
        for i, r in enumerate(spec["rules"]):
            where[0] = line_of(spec["rules"], i) or where[0]
            at = f"types.{name}.rules[{i}]"
            if not isinstance(r, dict) or "cues" not in r:
                raise TocsinError("E300", f"{at}: each rule needs 'cues'", file=file)
            cues_raw = r["cues"]
            if isinstance(cues_raw, str) and cues_raw.startswith("@"):
                ref = cues_raw[1:]
                if ref not in raw_types:
                    raise TocsinError("E300", f"{at}: cues refer to unknown type '{ref}'", file=file)
                cues_raw = raw_types[ref]["rules"][0]["cues"]
            rules.append(
                Rule(
                    cues=_cueset(cues_raw, at + ".cues"),
                    with_=_cueset(r["with"], at + ".with") if r.get("with") else None,
                    without=_cueset(r["without"], at + ".without") if r.get("without") else None,
                    weight=float(r.get("weight", 0.6)),
                    or_date_or_name=bool(r.get("or_date_or_name", False)),
                )
            )
        types[str(name)] = EventType(str(name), str(spec.get("plover", "")), str(spec.get("cameo", "")), rules,
                                     tuple(spec.get("overrides") or ()))
    named = []
    for i, n in enumerate(doc.get("named_events") or []):
        where[0] = line_of(doc.get("named_events"), i) or where[0]
        if not isinstance(n, dict) or "key" not in n or n.get("type") not in types:
            raise TocsinError("E300", f"named_events[{i}] needs a key and a known type", file=file)
        named.append(
            NamedEvent(str(n["key"]), n["type"], _s(n.get("date")), n.get("place"), n.get("actor"), n.get("target"),
                       _cueset(n.get("names"), f"named_events[{i}].names"), bool(n.get("by_type_place", False)),
                       bool(n.get("by_type_date", False)),
                       _s(n.get("when_year")), tuple(str(y) for y in n.get("not_year") or ()), _s(n.get("until")))
        )
    return EventRules(types, named, tuple(doc.get("scope_topics") or ()), float(doc.get("threshold", 0.5)),
                      tuple(str(c) for c in doc.get("core_countries") or ()))


def _s(v: Any) -> str | None:
    return None if v is None else str(v)


_CACHE: dict[tuple[str, float], EventRules] = {}
EVENTS_KEYS = ("extends", "scope_topics", "core_countries", "threshold", "types", "named_events")


def rules_from_file(path: str | Path) -> EventRules:
    """Compiled rules of one events.yaml (cached by path and modification time)."""
    from ..packs.schema import line_of

    p = Path(path)
    key = (str(p.resolve()), p.stat().st_mtime)
    if key not in _CACHE:
        # The pack loader's reader: syntax errors, bad UTF-8 and duplicate keys become E300 with
        # file:line, and the parsed nodes remember their lines for compile_rules' errors.
        from ..packs.loader import read_yaml

        doc = read_yaml(p)
        for k in doc if isinstance(doc, dict) else ():
            if k not in EVENTS_KEYS:  # a misspelt key would otherwise be silently ignored
                raise TocsinError("E300", f"events.yaml: unknown key {k!r} (known: {', '.join(EVENTS_KEYS)})",
                                  file=str(p), line=line_of(doc, k))
        if isinstance(doc, dict) and doc.get("extends"):
            # A pack may reuse another pack's cue vocabularies and add its own named events.
            base_path = p.parent.parent / str(doc["extends"]) / "events.yaml"
            if not base_path.is_file():
                raise TocsinError("E300", f"events.yaml extends unknown pack '{doc['extends']}'", file=str(p),
                                  line=line_of(doc, "extends"))
            base = read_yaml(base_path) or {}
            merged = {**base, **{k: v for k, v in doc.items() if k != "extends"}}
            merged["types"] = {**(base.get("types") or {}), **(doc.get("types") or {})}
            doc = merged
        _CACHE[key] = compile_rules(doc, str(p))
    return _CACHE[key]


def check_pack_events(pack: Any) -> None:
    """Registered pack check: `tocsin run` compiles the pack's events.yaml before reading inputs."""
    path = Path(getattr(pack, "path", "") or "") / "events.yaml"
    if path.is_file():
        rules_from_file(path)


def _register() -> None:
    from ..packs.loader import register_pack_check

    register_pack_check(check_pack_events)


_register()
