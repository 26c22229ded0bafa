"""Atrocity-risk indicators: configuration (pack + defaults) and per-article signals.

An indicator (pack ``indicators.yaml``) maps a risk factor of the UN Framework of Analysis for
Atrocity Crimes onto signals: typed events from the events stage and cue phrases matched in
sentences. A *signal* is one sentence of one article that shows one indicator, with the
place (rolled up to an area), the group at risk, the day, the outlet and its side — the unit
the series count and the evidence alerts cite.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..errors import TocsinError
from ..extract.event_rules import cue_regex
from ..model import Article
from ..packs import read_yaml, register_section
from ..packs.schema import Ctx, line_of, to_plain

CONFIG_PATH = Path(__file__).parent / "data" / "config.yaml"
RULE_KINDS = ("threshold", "surge", "sequence")
_FLAGS = re.IGNORECASE | re.UNICODE


class Terms:
    """Cue phrases per language, compiled once; missing languages fall back to English."""

    def __init__(self, raw: dict[str, list[str]] | None) -> None:
        self.pos: dict[str, re.Pattern[str] | None] = {}
        self.neg: dict[str, re.Pattern[str] | None] = {}
        for lang, items in (raw or {}).items():
            pos = sorted((str(x) for x in items if not str(x).startswith("!")), key=len, reverse=True)
            neg = sorted((str(x)[1:] for x in items if str(x).startswith("!")), key=len, reverse=True)
            self.pos[lang] = re.compile("|".join(map(cue_regex, pos)), _FLAGS) if pos else None
            self.neg[lang] = re.compile("|".join(map(cue_regex, neg)), _FLAGS) if neg else None

    def __bool__(self) -> bool:
        return any(p is not None for p in self.pos.values())

    def find(self, text: str, lang: str | None) -> str | None:
        """The first matching cue (not inside an ignored phrase), or None."""
        key = lang if lang in self.pos else "en"
        pat, neg = self.pos.get(key), self.neg.get(key)
        if pat is None:
            return None
        blocked = [m.span() for m in neg.finditer(text)] if neg is not None else []
        for m in pat.finditer(text):
            s, e = m.span()
            if not any(s < be and bs < e for bs, be in blocked):
                return m.group(0)
        return None


@dataclass
class Indicator:
    id: str
    risk_factor: str
    description: str
    stanton: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    terms: Terms = field(default_factory=lambda: Terms(None))
    with_: Terms | None = None
    ongoing: bool = False


@dataclass
class Group:
    name: str
    areas: list[str]
    terms: Terms


@dataclass
class WarnConfig:
    risk_factors: dict[str, str]
    stanton: list[str]
    indicators: dict[str, Indicator]
    groups: list[Group]
    default_group: str
    areas: dict[str, str]  # place canonical -> area
    detection: dict[str, float]
    levels: list[str]
    rules: list[dict[str, Any]]
    pack_name: str = ""


INDICATOR_KEYS = ("extends", "risk_factors", "stanton", "indicators", "groups", "default_group", "areas",
                  "detection", "rules", "levels")


def _validate(doc: Any, ctx: Ctx) -> dict[str, Any]:
    """Check indicators.yaml; errors name the file and line. Returns plain data."""
    if not isinstance(doc, dict):
        raise ctx.fail(line_of(doc) or 1, "indicators.yaml must be a mapping")
    for key in doc:
        if key not in INDICATOR_KEYS:  # a misspelt key would otherwise be silently ignored
            raise ctx.fail(line_of(doc, key), f"unknown key {key!r} (known: {', '.join(INDICATOR_KEYS)})")
    for key, typ in (("risk_factors", dict), ("stanton", list), ("indicators", dict), ("groups", list),
                     ("areas", dict), ("detection", dict), ("rules", list), ("levels", list)):
        if doc.get(key) is not None and not isinstance(doc[key], typ):
            raise ctx.fail(line_of(doc, key), f"'{key}' must be a {'mapping' if typ is dict else 'list'}")
    base: dict[str, Any] = {}
    if doc.get("extends"):
        # Reuse another pack's risk factors, Stanton stages and indicators; ours override.
        from ..packs import load_pack

        try:
            base = load_pack(str(doc["extends"])).section("indicators") or {}
        except TocsinError as e:
            raise ctx.fail(line_of(doc, "extends"), f"cannot extend {doc['extends']!r}: {e.message}") from None
    rfs = doc.get("risk_factors") or base.get("risk_factors") or {}
    stanton = list(doc.get("stanton") or base.get("stanton") or [])
    inds = {**(base.get("indicators") or {}), **(doc.get("indicators") or {})}
    if not isinstance(inds, dict) or not inds:
        raise ctx.fail(line_of(doc, "indicators"), "needs an `indicators` mapping")
    for iid, node in inds.items():
        if not isinstance(node, dict):
            raise ctx.fail(line_of(inds, iid), f"indicator {iid}: must be a mapping")
        rf = node.get("risk_factor")
        if rfs and rf not in rfs:
            raise ctx.fail(line_of(node, "risk_factor"), f"indicator {iid}: unknown risk factor {rf!r}",
                           hint=f"one of {', '.join(rfs)}")
        for st in node.get("stanton") or []:
            if stanton and st not in stanton:
                raise ctx.fail(line_of(node, "stanton"), f"indicator {iid}: unknown Stanton stage {st!r}")
        sig = node.get("signals") or {}
        if not isinstance(sig, dict) or not (sig.get("events") or sig.get("terms")):
            raise ctx.fail(line_of(node, "signals") or line_of(inds, iid),
                           f"indicator {iid}: needs signals.events or signals.terms")
        for key in ("terms", "with"):
            if sig.get(key) is not None and not isinstance(sig.get(key), dict):
                raise ctx.fail(line_of(sig, key), f"indicator {iid}: signals.{key} must map language -> phrases")
    known = set(inds)
    for i, rule in enumerate(doc.get("rules") or []):
        _check_rule(rule, known, ctx, line_of(doc["rules"], i) if isinstance(doc["rules"], list) else None)
    out = {k: v for k, v in base.items() if k not in ("groups", "areas", "default_group")}
    out.update(to_plain(doc))
    out.update({"risk_factors": to_plain(rfs), "stanton": stanton, "indicators": to_plain(inds)})
    out.pop("extends", None)
    return out


def _check_rule(rule: Any, known: set[str], ctx: Ctx | None, line: int | None = None) -> None:
    def fail(msg: str) -> TocsinError:
        if ctx is None:
            return TocsinError("E300", msg, file=str(CONFIG_PATH))
        return ctx.fail(line, msg)

    if not isinstance(rule, dict) or not rule.get("id"):
        raise fail("a rule needs an id")
    kind = rule.get("kind")
    if kind not in RULE_KINDS:
        raise fail(f"rule {rule['id']}: kind must be one of {', '.join(RULE_KINDS)}")
    used = list(rule.get("indicators") or []) + [i for step in rule.get("steps") or [] for i in step]
    bad = [i for i in used if known and i not in known]
    if bad:
        raise fail(f"rule {rule['id']}: unknown indicator(s) {', '.join(bad)}")
    if kind == "sequence" and len(rule.get("steps") or []) < 2:
        raise fail(f"rule {rule['id']}: a sequence needs at least two steps")


register_section("indicators", _validate)

CONFIG_KEYS = ("detection", "levels", "rules")


def _check_config(doc: Any, path: Path) -> dict[str, Any]:
    """config.yaml's shape, with file:line errors: a typo there must not become a traceback
    (or a silently ignored key) at alert time."""
    ctx = Ctx(str(path))
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ctx.fail(line_of(doc) or 1, "warn config must be a mapping with detection, levels, rules")
    for key in doc:
        if key not in CONFIG_KEYS:
            raise ctx.fail(line_of(doc, key), f"unknown key {key!r} (known: {', '.join(CONFIG_KEYS)})")
    det = doc.get("detection") or {}
    if not isinstance(det, dict):
        raise ctx.fail(line_of(doc, "detection"), "'detection' must be a mapping of name -> number")
    for key, v in det.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ctx.fail(line_of(det, key), f"detection.{key} must be a number, got {v!r}")
    levels = doc.get("levels")
    if levels is not None and (not isinstance(levels, list) or not all(isinstance(x, str) for x in levels)):
        raise ctx.fail(line_of(doc, "levels"), "'levels' must be a list of level names")
    rules = doc.get("rules") or []
    if not isinstance(rules, list):
        raise ctx.fail(line_of(doc, "rules"), "'rules' must be a list")
    for i, rule in enumerate(rules):
        _check_rule(rule, set(), ctx, line_of(rules, i))
    return to_plain(doc)

_CACHE: dict[tuple[Any, ...], WarnConfig] = {}


def load_config(pack: Any = None, config_path: str | Path | None = None) -> WarnConfig:
    """The warn configuration: the pack's indicators.yaml over the defaults of config.yaml."""
    if pack is None:
        from ..extract.entities import current_pack

        pack = current_pack()
    path = Path(config_path) if config_path else CONFIG_PATH
    key = (id(pack), pack.name, getattr(pack, "version", ""), str(path), path.stat().st_mtime_ns if path.exists() else 0)
    if key in _CACHE:
        return _CACHE[key]
    if not path.is_file():
        raise TocsinError("E300", "warn config not found", file=str(path))
    base = _check_config(read_yaml(path), path)
    doc = pack.section("indicators") or {}
    if not doc:
        raise TocsinError("E300", f"pack {pack.name} has no indicators.yaml", file=str(pack.path),
                          hint="add indicators.yaml (docs/warn.md)")
    detection = dict(base.get("detection") or {})
    detection.update(doc.get("detection") or {})
    rules = copy.deepcopy(doc.get("rules") if doc.get("rules") is not None else base.get("rules") or [])
    for r in rules:
        _check_rule(r, set(doc["indicators"]), None)
    inds = {}
    for iid, node in doc["indicators"].items():
        sig = node.get("signals") or {}
        inds[iid] = Indicator(iid, node.get("risk_factor", ""), node.get("description", ""),
                              list(node.get("stanton") or []), list(sig.get("events") or []),
                              Terms(sig.get("terms")), Terms(sig["with"]) if sig.get("with") else None,
                              bool(sig.get("ongoing")))
    groups = [Group(g["name"], list(g.get("areas") or []), Terms(g.get("terms"))) for g in doc.get("groups") or []]
    cfg = WarnConfig(dict(doc.get("risk_factors") or {}), list(doc.get("stanton") or []), inds, groups,
                     str(doc.get("default_group") or "civilians"), _area_index(pack, doc.get("areas") or {}),
                     detection, list(doc.get("levels") or base.get("levels") or ["watch", "warning", "emergency"]),
                     rules, pack.name)
    _CACHE[key] = cfg
    return cfg


def _area_index(pack: Any, areas: dict[str, list[str]]) -> dict[str, str]:
    """place -> area: listed places first, then each pack place through its parent chain."""
    idx: dict[str, str] = {}
    for area, places in areas.items():
        idx.setdefault(area, area)
        for p in places:
            idx.setdefault(p, area)
    parents = {p.name: p.parent for p in getattr(pack, "places", [])}
    for name in parents:
        seen, cur = set(), name
        while cur and cur not in idx and cur not in seen:
            seen.add(cur)
            cur = parents.get(cur)
        if cur in idx and name not in idx:
            idx[name] = idx[cur]
    return idx


def day_of(iso: str | None) -> str | None:
    """A day for a series: YYYY-MM-DD as is; YYYY-MM as the month's LAST day, because what is
    dated only to a month may have been known only at its end (an early date would fake lead
    time in a replay); a bare year is too coarse to place."""
    if not iso or len(iso) < 7:
        return None
    try:
        y, m = int(iso[:4]), int(iso[5:7])
        if len(iso) >= 10:
            return date(y, m, int(iso[8:10])).isoformat()
        return (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)).isoformat()
    except ValueError:
        return None


def _outlet_side(outlet: str | None, pack: Any) -> str | None:
    if not outlet or pack is None:
        return None
    o = pack.outlet(outlet)
    return o.side if o is not None else None


def article_signals(article: Article, cfg: WarnConfig, pack: Any = None) -> list[dict[str, Any]]:
    """Signals of one article: one per (indicator, sentence), from its events and cue phrases."""
    pub = day_of(article.date)
    ann = article.annotations or {}
    place_spans = sorted((s, e, ent["name"]) for ent in ann.get("entities") or []
                         if isinstance(ent, dict) and ent.get("type") == "place" for s, e in ent.get("spans") or [])
    level = {p.name: p.admin_level for p in getattr(pack, "places", [])}
    level.update({a.name: 0 for a in getattr(pack, "actors", []) if getattr(a, "type", None) == "state"})
    # A country named in a sentence is mostly an actor ("Azerbaijan closed the road"), not where
    # things happen: places inside countries win, and a country is the last resort.
    specific = [(s, e, n) for s, e, n in place_spans if level.get(n, 3) > 0]
    # The article's main area: where its places mostly are (context for sentences naming none).
    counts: dict[str, int] = {}
    for _, _, name in specific:
        if name in cfg.areas:
            counts[cfg.areas[name]] = counts.get(cfg.areas[name], 0) + 1
    main_area = max(counts, key=lambda a: counts[a]) if counts else None
    side = _outlet_side(article.outlet, pack)
    by_type: dict[str, list[str]] = {}
    for iid, ind in cfg.indicators.items():
        for t in ind.events:
            by_type.setdefault(t, []).append(iid)
    max_age = float(cfg.detection.get("max_age_days", 120))
    out: dict[tuple[str, int], dict[str, Any]] = {}

    def add(iid: str, text: str, start: int, end: int, line: int | None, lang: str | None,
            cue: str, place: str | None, ev_date: str | None, source: str, date_source: str | None = None) -> None:
        day = pub
        ev_day = day_of(ev_date)
        if ev_day and pub and not cfg.indicators[iid].ongoing:
            if (date.fromisoformat(pub) - date.fromisoformat(ev_day)) > timedelta(days=max_age):
                return  # history told as context ("the 2020 war"), not a signal now
        if day is None and ev_date and len(ev_date) >= 10:
            # Undated article: only a day-precise incident dates itself; "in 1994" or "in
            # September 2020" in an undated text is background, not a datable signal.
            day = ev_day
        if day is None or (iid, start) in out:
            return
        if place is not None and level.get(place, 3) == 0:
            place = None
        inside = [n for s, e, n in place_spans if s >= start and e <= end]
        if place is None:
            place = next((n for n in inside if n in cfg.areas and level.get(n, 3) > 0), None)
        area = cfg.areas.get(place, place) if place else main_area
        if area is None and inside:
            place = inside[0]
            area = cfg.areas.get(place, place)
        out[(iid, start)] = {
            "indicator": iid, "article_id": article.id, "source_file": article.source_file, "line": line,
            "sentence": text, "start": start, "end": end, "outlet": article.outlet, "side": side,
            "day": day, "pub_date": article.date, "event_date": ev_date, "place": place,
            "area": area or "unspecified", "group": _group(text, lang, area, cfg), "cue": cue, "via": source,
            "date_source": date_source,
        }

    for ev in ann.get("events") or []:
        for iid in by_type.get(ev.get("type"), []):
            start = int(ev.get("start") or 0)
            add(iid, ev.get("sentence") or "", start, int(ev.get("end") or start), ev.get("line"),
                article.language, str(ev.get("cue") or ev.get("type")), ev.get("place"), ev.get("date"), "event",
                ev.get("date_source"))
    for s in article.sentences:
        lang = s.language or article.language
        for iid, ind in cfg.indicators.items():
            if not ind.terms:
                continue
            cue = ind.terms.find(s.text, lang)
            if cue and (ind.with_ is None or ind.with_.find(s.text, lang)):
                add(iid, s.text, s.start, s.end, s.line, lang, cue, None, None, "terms")
    return sorted(out.values(), key=lambda x: (x["start"], x["indicator"]))


def _group(text: str, lang: str | None, area: str | None, cfg: WarnConfig) -> str:
    """The group at risk: named in the sentence and living in the area, else living there, else named."""
    named = [g for g in cfg.groups if g.terms.find(text, lang)]
    for g in named:
        if area in g.areas:
            return g.name
    for g in cfg.groups:
        if area in g.areas:
            return g.name
    return named[0].name if named else cfg.default_group
