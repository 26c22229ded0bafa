"""Plain-language explanation of an alert, from its evidence alone (templates, no model)."""
from __future__ import annotations

from typing import Any

from .indicators import WarnConfig

_KIND = {
    "threshold": "{n} independent source{s} reported {what} in {place} between {first} and {last}",
    "surge": "reports of {what} in {place} rose sharply above their usual level ({surges})",
    "sequence": "in {place}, {chain} followed one another between {first} and {last}",
}


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def explain(firing: dict[str, Any], evidence: list[dict[str, Any]], cfg: WarnConfig) -> str:
    """One paragraph: what fired, where, for whom, from whom, and what the framework says it means."""
    inds = [cfg.indicators[i] for i in firing["indicators"] if i in cfg.indicators]
    what = _join([i.description[0].lower() + i.description[1:] for i in inds]) or "risk signals"
    place = firing["area"] if firing["area"] != "unspecified" else "an unspecified place"
    outlets = sorted({e["outlet"] for e in evidence if e.get("outlet")})
    sides = sorted({e["side"] for e in evidence if e.get("side")})
    d = firing.get("detail") or {}
    n = len({(e.get("outlet") or e.get("article_id")) for e in evidence})
    head = _KIND[firing["kind"]].format(
        n=n, s="" if n == 1 else "s", what=what, place=place, first=firing["first_seen"], last=firing["last_seen"],
        surges="; ".join(f"{s['indicator'].replace('_', ' ')} on {s['day']}, z={s['z']}" for s in d.get("surges", [])),
        chain=" then ".join(f"{' or '.join(x.replace('_', ' ') for x in step)} ({day})"
                            for step, day in zip(firing.get("steps") or [], d.get("chain") or [])),
    )
    rfs = _join(sorted({f"{i.risk_factor} ({cfg.risk_factors.get(i.risk_factor, '').lower()})" for i in inds}))
    stages = _join(sorted({s for i in inds for s in i.stanton}))
    parts = [f"{firing['level'].capitalize()}: {head}."]
    parts.append(f"The group at risk is {firing['group']}.")
    if outlets:
        parts.append(f"Cited outlets: {_join(outlets)}" + (f" (sides: {_join(sides)})." if sides else "."))
    if len(sides) < 2:
        parts.append("All cited sources lean one way or are of unknown side, so corroboration from other sides is lacking.")
    if rfs:
        parts.append(f"Under the UN Framework of Analysis for Atrocity Crimes this bears on {rfs}"
                     + (f"; in Stanton's stages, {stages}." if stages else "."))
    parts.append("Read the cited sentences before acting: signals are found by rules and may be misread.")
    return " ".join(parts)
