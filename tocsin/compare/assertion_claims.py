"""Claims without a figure, as rows of the claims table: civilian harm reported or denied,
and the day sources give for a named episode.

Both meet the figures in the corpus stage "claims" (tocsin/compare/contradictions.py): rows
carry ``data.kind = "assertion"`` and a bucket of their own, and ``relate_polar`` /
``relate_dates`` decide their pairs.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from ..model import content_hash
from .claims_store import CompareConfig, normalise_what, parse_date

POLAR = "polar"  # unit class of yes/no assertions: quantity 0 = denied, 1 = reported


def assertion_rows(art: Any, pack: Any, cfg: CompareConfig, side: str | None) -> list[dict[str, Any]]:
    """Claims-table rows for the article's civilian-harm assertions (extract/assertions.py).

    A denial is stored as 0 civilians harmed, a report as "at least 1", in one bucket, so they
    meet each other in the same comparison as the figures; ``data.kind`` = "assertion".
    """
    rows = []
    for a in (art.annotations or {}).get("assertions") or []:
        if a.get("kind") != "civilian_harm":
            continue
        denial = a.get("polarity") == "denial"
        probe = {"sentence": a.get("sentence"), "quote": a.get("quote"), "what": "civilians"}
        wk = normalise_what(probe, cfg, pack, [], art.language)
        # Whose civilians: the demonym next to the words ("Armenian civilians"), not the speaker's
        # ("the Azerbaijani ministry said no civilians ...").
        sentence, quote = str(a.get("sentence") or ""), str(a.get("quote") or "")
        at = sentence.find(quote)
        near = sentence[max(0, at - 25):at + len(quote)] if at >= 0 else quote
        peoples = sorted({p for p, pat in cfg.peoples if pat.search(near)})
        wk.people = peoples[0] if len(peoples) == 1 else None
        episodes = _episodes_near(art, a)
        rows.append({
            "id": content_hash(art.id, "assertion", str(a.get("line")), str(a.get("start"))),
            "article_id": art.id, "source_file": art.source_file, "line": a.get("line"),
            "quantity": 0.0 if denial else 1.0, "quantity_max": None, "unit": "civilians harmed",
            "what": "no civilians harmed" if denial else "civilians harmed",
            "what_key": "/".join(["civilian-harm", "civilians", POLAR, wk.people or "-", "+".join(wk.places) or "-"]),
            "bucket": f"civilian-harm|civilians|{POLAR}", "hedge": None if denial else "at least",
            "attributed_to": a.get("attributed_to"), "outlet": art.outlet, "side": side, "date": art.date,
            "sentence": a.get("sentence"), "quote": a.get("quote"),
            "data": json.dumps({"kind": "assertion", "category": "civilian-harm", "group": "civilians",
                                "people": wk.people, "places": wk.places, "years": wk.years,
                                "polarity": a.get("polarity"), "start": a.get("start"), "episodes": episodes},
                               ensure_ascii=False, sort_keys=True),
        })
    return rows


def _episodes_near(art: Any, a: dict[str, Any], reach: int = 400) -> list[str]:
    """Named episodes (events.yaml keys) the events stage found in the assertion's paragraph:
    "during the 44 Day War" two sentences on still tells which war a denial is about."""
    keys = set()
    for e in (art.annotations or {}).get("events") or []:
        if not isinstance(e, dict) or not e.get("key"):
            continue
        if a.get("line") is not None and e.get("line") is not None:
            near = e["line"] == a["line"]
        else:
            near = abs(int(e.get("start") or 0) - int(a.get("start") or 0)) <= reach
        if near:
            keys.add(str(e["key"]))
    return sorted(keys)


def relate_polar(a: dict[str, Any], b: dict[str, Any], cfg: CompareConfig) -> tuple[str, str] | None:
    """A denial of civilian harm against a report of it in another article of the same week;
    two denials agree."""
    if a["article_id"] == b["article_id"]:
        return None  # one article's own argument, quotes included, is not two sources disagreeing
    deny_a, deny_b = float(a["quantity"]) == 0.0, float(b["quantity"]) == 0.0
    if deny_a and deny_b:
        return "same_as", "both deny harm to civilians"
    if not deny_a and not deny_b:
        return None  # two reports of harm may be two different incidents: no claim about one quantity
    ea = set(json.loads(a.get("data") or "{}").get("episodes") or [])
    eb = set(json.loads(b.get("data") or "{}").get("episodes") or [])
    if ea and eb and not ea & eb:
        return None  # a denial about one war and a report about another
    da, db = parse_date(a.get("date")), parse_date(b.get("date"))
    if da is None or db is None:
        return None  # an undated denial cannot be placed next to a report
    if abs((da[0] - db[0]).days) > cfg.same_period_days + da[1] + db[1]:
        return None
    denial, report = (a, b) if deny_a else (b, a)
    who = lambda r: r.get("attributed_to") or r.get("outlet") or "an unnamed source"
    return "contradicts", f"{who(denial)} denies harm to civilians; {who(report)} reports it"


DATE = "date"  # unit class of an episode's day: quantity = the day's ordinal
# Event types (the shared event schema, not a conflict's) that last: without an ``until`` in
# the pack, such an episode has no single day to disagree about.
LASTING_TYPES = frozenset({"blockade", "displacement", "military_buildup", "detention", "protest"})
EPISODE_WINDOW_DAYS = 30  # a day further than this from the pack's date dates another event


def _episodes(pack: Any) -> dict[str, tuple[date, int]]:
    """Named episode key -> (pack's first day, length in days) for episodes dated to the day."""
    from ..extract.events import _pack_rules

    out = {}
    try:
        named = _pack_rules(pack).named
    except Exception:  # noqa: BLE001 - a pack without events.yaml has no episodes to date
        return {}
    for n in named:
        if not n.date or len(n.date) != 10:
            continue
        first = date.fromisoformat(n.date)
        if n.until and len(n.until) != 10 or not n.until and n.type in LASTING_TYPES:
            continue  # runs to a month or a year, or open-ended: a long episode, many days are right
        last = date.fromisoformat(n.until) if n.until else first
        out[n.key] = (first, max(0, (last - first).days))
    return out


def episode_date_rows(art: Any, pack: Any, side: str | None) -> list[dict[str, Any]]:
    """Rows for the days an article gives a short named episode ("the offensive began on 19
    September 2023"): only days written in the sentence with their year, near the pack's date."""
    episodes = _episodes(pack) if pack is not None else {}
    rows, seen = [], set()
    for e in (art.annotations or {}).get("events") or []:
        key, day = e.get("key"), str(e.get("date") or "")
        if key not in episodes or e.get("date_source") != "text" or len(day) != 10 or (key, day) in seen:
            continue
        sentence = str(e.get("sentence") or "")
        if day[:4] not in sentence:
            continue  # the year was inferred, not written: not a dating the source committed to
        first, span = episodes[key]
        d = date.fromisoformat(day)
        if span > 3 or abs((d - first).days) > EPISODE_WINDOW_DAYS:
            continue  # a long episode has many days; a far day dates an anniversary, not the episode
        seen.add((key, day))
        rows.append({
            "id": content_hash(art.id, "episode-date", key, day), "article_id": art.id,
            "source_file": art.source_file, "line": e.get("line"), "quantity": float(d.toordinal()),
            "quantity_max": None, "unit": "date", "what": f"date of {key}", "what_key": f"episode-date/{key}",
            "bucket": f"episode-date|{key}|{DATE}", "hedge": None, "attributed_to": e.get("attributed_to"),
            "outlet": art.outlet, "side": side, "date": art.date, "sentence": sentence,
            "quote": e.get("quote") or sentence[:200],
            "data": json.dumps({"kind": "assertion", "category": "episode-date", "episode": key, "day": day,
                                "span_days": span}, ensure_ascii=False, sort_keys=True),
        })
    return rows


def relate_dates(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, str] | None:
    """Two days for one short episode: within its length (and a day's slack) they agree."""
    span = int(json.loads(a.get("data") or "{}").get("span_days") or 0)
    da, db = sorted((date.fromordinal(int(a["quantity"])), date.fromordinal(int(b["quantity"]))))
    key = str(a.get("bucket") or "").split("|")[1]
    if abs((da - db).days) <= span + 1:
        return "same_as", f"{da} agrees with {db} ({key})"
    return "contradicts", f"{da} vs {db} ({key})"
