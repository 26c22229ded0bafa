"""Detection over indicator signals: thresholds, robust-z surges and escalation sequences.

Every rule works per (area, group) and returns *firings*: which rule, at which level, with
which indicators and the signals that made it fire. Rules and thresholds come from the warn
configuration (pack indicators.yaml over tocsin/warn/data/config.yaml), never from code.
"""
from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from .indicators import WarnConfig
from .series import build_series, weighted_sources

MAD_SCALE = 1.4826  # makes the MAD a consistent estimate of the standard deviation for normal data


def robust_z(value: float, baseline: list[float], min_mad: float = 0.5) -> float:
    """(value - median) / (1.4826 * MAD), with the scale floored so a flat baseline stays finite."""
    if not baseline:
        return 0.0
    med = statistics.median(baseline)
    mad = statistics.median(abs(b - med) for b in baseline)
    return (value - med) / max(MAD_SCALE * mad, min_mad)


def _d(day: str) -> date:
    return date.fromisoformat(day)


def _by_area_group(signals: Iterable[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for s in signals:
        out[(s["area"], s["group"])].append(s)
    return out


def _level_for(value: float, levels: dict[str, float], order: list[str]) -> str | None:
    best = None
    for lvl in order:
        if lvl in levels and value >= float(levels[lvl]):
            best = lvl
    return best


def _firing(rule: dict[str, Any], level: str, area: str, group: str, sigs: list[dict[str, Any]],
            **detail: Any) -> dict[str, Any]:
    days = sorted(s["day"] for s in sigs)
    return {"rule": rule["id"], "kind": rule["kind"], "level": level, "area": area, "group": group,
            "indicators": sorted({s["indicator"] for s in sigs}), "first_seen": days[0], "last_seen": days[-1],
            "signals": sigs, "detail": detail}


def threshold_rule(rule: dict[str, Any], signals: list[dict[str, Any]], cfg: WarnConfig,
                   weights: dict[str, float]) -> list[dict[str, Any]]:
    window = int(rule.get("window_days", cfg.detection.get("window_days", 30)))
    wanted = set(rule.get("indicators") or [])
    out = []
    for (area, group), sigs in _by_area_group(s for s in signals if s["indicator"] in wanted).items():
        sigs.sort(key=lambda s: s["day"])
        best_val, best_win = 0.0, []
        for s in sigs:  # each day a signal arrived closes one trailing window
            end = _d(s["day"])
            win = [x for x in sigs if end - timedelta(days=window) < _d(x["day"]) <= end]
            val = weighted_sources(win, weights)
            if val > best_val:
                best_val, best_win = val, win
        level = _level_for(best_val, rule.get("levels") or {}, cfg.levels)
        if level:
            # Level from the strongest window; evidence from the whole episode seen so far.
            out.append(_firing(rule, level, area, group, sigs, sources=best_val, window_days=window,
                               window_end=best_win[-1]["day"]))
    return out


def surge_rule(rule: dict[str, Any], signals: list[dict[str, Any]], cfg: WarnConfig,
               weights: dict[str, float], coverage: list[str]) -> list[dict[str, Any]]:
    det = cfg.detection
    n_base = int(rule.get("baseline_days", det.get("baseline_days", 28)))
    min_base = int(rule.get("min_baseline_days", det.get("min_baseline_days", 3)))
    zt = float(rule.get("z_threshold", det.get("z_threshold", 3.5)))
    min_val = float(rule.get("min_surge_value", det.get("min_surge_value", 2.0)))
    min_mad = float(det.get("min_mad", 0.5))
    wanted = set(rule.get("indicators") or [])
    cov = sorted(set(coverage))
    hits: dict[tuple[str, str], list[tuple[dict[str, Any], str, float]]] = defaultdict(list)
    series = build_series((s for s in signals if s["indicator"] in wanted), weights)
    for (ind, area, group), days in series.items():
        for day, point in days.items():
            i = bisect.bisect_left(cov, day)
            lo = (_d(day) - timedelta(days=n_base)).isoformat()
            # Baseline: covered days in the `baseline_days` before this one (a day with articles
            # but no signal is 0; a day with no articles at all is unknown and left out).
            base = [days[d]["value"] if d in days else 0.0 for d in cov[bisect.bisect_left(cov, lo):i]]
            if len(base) < min_base:
                continue
            z = robust_z(point["value"], base, min_mad)
            if z >= zt and point["value"] >= min_val:
                hits[(area, group)].append(({"indicator": ind, "day": day}, day, round(z, 2)))
    out = []
    for (area, group), hs in hits.items():
        keys = {(h["indicator"], d) for h, d, _ in hs}
        sigs = [s for s in signals if (s["indicator"], s["day"]) in keys and s["area"] == area and s["group"] == group]
        out.append(_firing(rule, rule.get("level", "warning"), area, group, sigs,
                           surges=[{"indicator": h["indicator"], "day": d, "z": z} for h, d, z in hs]))
    return out


def sequence_rule(rule: dict[str, Any], signals: list[dict[str, Any]], cfg: WarnConfig) -> list[dict[str, Any]]:
    steps = [set(s) for s in rule.get("steps") or []]
    within = int(rule.get("within_days", 120))
    strict = bool(rule.get("strict", True))  # later steps on a later day, so order means something
    out = []
    for (area, group), sigs in _by_area_group(s for s in signals if any(s["indicator"] in st for st in steps)).items():
        days_of = [sorted({s["day"] for s in sigs if s["indicator"] in st}) for st in steps]
        if not all(days_of):
            continue
        found = None
        for start in days_of[0]:
            chain, prev = [start], start
            for days in days_of[1:]:
                nxt = next((d for d in days if (d > prev if strict else d >= prev)), None)
                if nxt is None:
                    break
                chain.append(nxt)
                prev = nxt
            if len(chain) == len(steps) and (_d(chain[-1]) - _d(chain[0])).days <= within:
                found = chain
                break
        if found:
            ev = [s for k, st in enumerate(steps) for s in sigs if s["indicator"] in st and s["day"] == found[k]]
            out.append(_firing(rule, rule.get("level", "emergency"), area, group, ev, chain=found))
    return out


def detect(signals: list[dict[str, Any]], cfg: WarnConfig, weights: dict[str, float] | None = None,
           coverage: list[str] | None = None) -> list[dict[str, Any]]:
    """Every rule of the configuration over ``signals``; ``coverage`` = days that have any article."""
    weights = weights or {}
    cov = coverage if coverage is not None else sorted({s["day"] for s in signals})
    out: list[dict[str, Any]] = []
    for rule in cfg.rules:
        if rule["kind"] == "threshold":
            out += threshold_rule(rule, signals, cfg, weights)
        elif rule["kind"] == "surge":
            out += surge_rule(rule, signals, cfg, weights, cov)
        elif rule["kind"] == "sequence":
            out += sequence_rule(rule, signals, cfg)
    return out
