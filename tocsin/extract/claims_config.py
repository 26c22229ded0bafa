"""The claims section of a conflict pack (claims.yaml): validation and compiled matchers.

The YAML is vocabulary only (units, counted nouns, hedges, attribution verbs, cues); this
module turns it into regular expressions once per pack. Bad data fails with E300 and the
``file:line`` of the offending key, like every other pack section.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import TocsinError

log = logging.getLogger(__name__)

_LIST_KEYS = ("skip_topics", "article_anchors", "time_units", "percent_signs", "id_prefixes", "relative_before",
              "relative_after", "ordinal_suffixes", "dedup_key")
_LANG_KEYS = ("conflict_cues", "vague_units", "percent_context")
_INT_KEYS = ("min_article_anchors", "min_article_cues", "min_paragraph_cues", "max_modifiers", "max_years", "history_before_year")
_DEDUP_FIELDS = ("quantity", "unit", "attributed_to", "hedge", "what")


def _words(items: Any) -> list[str]:
    return [str(x) for x in items if x is not None and str(x).strip()]


def _flat(v: Any) -> list[str]:
    """All strings in a list or a {lang: list} mapping."""
    if isinstance(v, dict):
        return [w for lst in v.values() for w in _words(lst or [])]
    return _words(v or [])


def term_pattern(terms: list[str]) -> str:
    """Alternation of terms; "stem*" matches any word ending, others match whole words."""
    alts = []
    for t in sorted(set(terms), key=len, reverse=True):
        t = t.strip()
        if t.endswith("*"):
            alts.append(re.escape(t[:-1]) + r"[\w·\-]*")
        else:
            alts.append(re.escape(t))
    return "(?:" + "|".join(alts) + ")" if alts else "(?!x)x"


def bounded(terms: list[str]) -> re.Pattern[str]:
    """Terms as whole words, case-insensitive (the start and end of a term sit at word edges)."""
    return re.compile(r"(?<![\w])" + term_pattern(terms) + r"(?![\w])", re.IGNORECASE)


def validate_claims(doc: Any, ctx: Any) -> dict[str, Any]:
    """Section validator (registered with the pack loader): types of every known key."""
    from ..packs.schema import line_of, to_plain  # local: packs imports are optional here

    if not isinstance(doc, dict):
        raise ctx.fail(line_of(doc) or 1, "claims.yaml must be a mapping of settings")
    for key in _LIST_KEYS:
        if key in doc and not isinstance(doc[key], list):
            raise ctx.fail(line_of(doc, key), f"'{key}' must be a list")
    for key in _INT_KEYS:
        if key in doc and (isinstance(doc[key], bool) or not isinstance(doc[key], int) or doc[key] < 0):
            raise ctx.fail(line_of(doc, key), f"'{key}' must be a whole number >= 0")
    for key in _LANG_KEYS:
        if key in doc and not isinstance(doc[key], (dict, list)):
            raise ctx.fail(line_of(doc, key), f"'{key}' must map a language to a list of words")
    for key in ("units", "hedges", "currencies", "attribution"):
        if key in doc and not isinstance(doc[key], dict):
            raise ctx.fail(line_of(doc, key), f"'{key}' must be a mapping")
    for label, words in (doc.get("units") or {}).items():
        if not isinstance(words, (dict, list)):
            raise ctx.fail(line_of(doc["units"], label), f"unit '{label}' must map a language to a list of words")
    for label, words in (doc.get("hedges") or {}).items():
        if not isinstance(words, list):
            raise ctx.fail(line_of(doc["hedges"], label), f"hedge '{label}' must be a list of phrases")
    for f in doc.get("dedup_key") or []:
        if f not in _DEDUP_FIELDS:
            raise ctx.fail(line_of(doc, "dedup_key"), f"dedup_key field '{f}' is not one of {', '.join(_DEDUP_FIELDS)}")
    return to_plain(doc)


@dataclass
class ClaimsConfig:
    """Compiled vocabularies of one pack's claims.yaml."""

    raw: dict[str, Any]
    skip_topics: set[str] = field(default_factory=set)
    min_article_cues: int = 2
    min_paragraph_cues: int = 1
    max_modifiers: int = 3
    max_years: int = 100
    dedup_key: tuple[str, ...] = ("quantity", "unit", "attributed_to")

    def __post_init__(self) -> None:
        r = self.raw
        self.skip_topics = {str(t) for t in r.get("skip_topics") or []}
        for k in _INT_KEYS:
            if k in r:
                setattr(self, k, int(r[k]))
        self.dedup_key = tuple(r.get("dedup_key") or self.dedup_key)
        self.cues = bounded(_flat(r.get("conflict_cues")))
        self.anchors = bounded(_flat(r.get("article_anchors")))
        self.min_article_anchors = int(r.get("min_article_anchors", 0))
        # unit label for every counted word, longest words first
        self.unit_words: list[tuple[re.Pattern[str], str]] = []
        pairs = [(w, label) for label, v in (r.get("units") or {}).items() for w in _flat(v)]
        pairs.sort(key=lambda p: len(p[0]), reverse=True)
        self.unit_re = re.compile(
            "|".join(f"(?P<u{i}>{term_pattern([w])})" for i, (w, _) in enumerate(pairs)) or "(?!x)x",
            re.IGNORECASE,
        )
        self.unit_labels = [label for _, label in pairs]
        self.vague_units = bounded(_flat(r.get("vague_units")))
        self.time_units = set(r.get("time_units") or [])
        self.percent_re = re.compile(
            r"\s?(?:" + "|".join(re.escape(s) if not s.endswith("*") else re.escape(s[:-1]) + r"\w*"
                                 for s in _words(r.get("percent_signs") or ["%"])) + r")(?![\w])",
            re.IGNORECASE,
        )
        self.percent_context = bounded(_flat(r.get("percent_context")))
        self.currency_signs: dict[str, str] = {}
        cur_words: list[tuple[str, str]] = []
        for label, spec in (r.get("currencies") or {}).items():
            for s in _words((spec or {}).get("signs") or []):
                self.currency_signs[s] = label
            for w in _words((spec or {}).get("words") or []):
                cur_words.append((w, label))
        cur_words.sort(key=lambda p: len(p[0]), reverse=True)
        self.currency_words = [(re.compile(r"\s*" + re.escape(w) + r"(?![\w\]])", re.IGNORECASE), label)
                               for w, label in cur_words]
        self.id_prefix = re.compile(r"(?:^|(?<=[\s(]))" + term_pattern(_words(r.get("id_prefixes") or [])) + r"\s*$",
                                    re.IGNORECASE)
        self.relative_before = re.compile(r"(?<![\w])" + term_pattern(_words(r.get("relative_before") or []))
                                          + r"\s+(?:few\s+)?$", re.IGNORECASE)
        self.relative_after = re.compile(r"^\s*" + term_pattern(_words(r.get("relative_after") or [])) + r"(?![\w])",
                                         re.IGNORECASE)
        self.ordinal = re.compile(r"^(?:" + "|".join(re.escape(s) for s in _words(r.get("ordinal_suffixes") or []))
                                  + r")(?![\w])", re.IGNORECASE)
        hedges = [(p, label) for label, lst in (r.get("hedges") or {}).items() for p in _words(lst or [])]
        hedges.sort(key=lambda p: len(p[0]), reverse=True)
        self.hedges = [(re.compile(r"(?<![\w])" + re.escape(p) + r"\s+(?:the\s+|les\s+)?$", re.IGNORECASE), label)
                       for p, label in hedges]
        a = r.get("attribution") or {}
        self.attr = a
        self.according_re = re.compile(r"(?<![\w])" + term_pattern(_flat(a.get("according_to"))) + r"(?![\w])",
                                       re.IGNORECASE)
        self.speech_re = re.compile(r"(?<![\w])" + term_pattern(_flat(a.get("speech_verbs"))) + r"(?![\w])",
                                    re.IGNORECASE)
        self.min_quote_words = int(a.get("min_quote_words", 6))
        self.block_marks = tuple(_words(a.get("block_quote_marks") or ["…", "..."]))
        self.strip_prefixes = sorted({p.casefold() for p in _words(a.get("strip_prefixes") or [])}, key=len, reverse=True)
        self.document_heads = {w.casefold() for w in _words(a.get("document_heads") or [])}
        self.titles = {w.casefold() for w in _words(a.get("titles") or [])}
        self.pronouns = {w.casefold() for w in _words(a.get("pronouns") or [])}

    def unit_of(self, m: re.Match[str]) -> str:
        """Unit label of a match of ``unit_re``."""
        for name, val in m.groupdict().items():
            if val is not None:
                return self.unit_labels[int(name[1:])]
        return ""


DEFAULT_PACK = "south-caucasus"
_DATA = Path(__file__).resolve().parent.parent / "packs" / "data"


def _register() -> None:
    try:
        from ..packs.schema import register_section

        register_section("claims", validate_claims)
    except ImportError:  # pack loader not installed: load_claims_config reads the YAML itself
        pass


_register()


@lru_cache(maxsize=8)
def load_claims_config(pack: str = DEFAULT_PACK) -> ClaimsConfig:
    """Claims settings of a pack (name or folder); E300 with file:line when invalid."""
    try:
        from ..packs import load_pack

        section = load_pack(pack).section("claims")
        if section:
            return ClaimsConfig(section)
    except ImportError:
        pass
    except TocsinError as e:
        # Claims only need claims.yaml: a fault in another section is reported by the pack
        # loader's own users; a fault in claims.yaml itself must surface here.
        if e.file and Path(e.file).name == "claims.yaml":
            raise
        log.warning("pack %s did not load (%s); reading its claims.yaml directly", pack, e)
    path = Path(pack) / "claims.yaml" if Path(pack).is_dir() else _DATA / pack / "claims.yaml"
    if not path.exists():
        raise TocsinError("E300", f"pack {pack!r} has no claims.yaml", file=str(path))
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise TocsinError("E300", f"claims.yaml is not valid YAML: {getattr(e, 'problem', e)}", file=str(path),
                          line=mark.line + 1 if mark else None) from None
    if not isinstance(doc, dict):
        raise TocsinError("E300", "claims.yaml must be a mapping of settings", file=str(path), line=1)
    return ClaimsConfig(_validate_plain(doc, path))


class _Lines(dict):
    """A mapping that knows the line of each key (what packs.schema.line_of reads)."""

    key_lines: dict[str, int]
    line: int | None = 1


class _Ctx:
    def __init__(self, file: str):
        self.file = file

    def fail(self, line: int | None, message: str, hint: str | None = None) -> TocsinError:
        return TocsinError("E300", message, file=self.file, line=line, hint=hint)


def _validate_plain(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    """Validate a claims.yaml read without the pack loader, with top-level key lines."""
    import yaml

    node = yaml.compose(path.read_text(encoding="utf-8"))
    wrapped = _Lines(doc)
    wrapped.key_lines = {}
    for k, v in getattr(node, "value", []):
        wrapped.key_lines[k.value] = k.start_mark.line + 1
        if isinstance(doc.get(k.value), dict) and hasattr(v, "value"):
            sub = _Lines(doc[k.value])
            sub.key_lines = {kk.value: kk.start_mark.line + 1 for kk, _ in v.value}
            sub.line = k.start_mark.line + 1
            wrapped[k.value] = sub
    try:
        return validate_claims(wrapped, _Ctx(str(path)))
    except ImportError:
        return doc
