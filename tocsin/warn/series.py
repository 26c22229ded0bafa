"""Indicator time series: weighted independent sources per indicator, area, group and day.

Counting articles would let one wire story syndicated forty times look like forty alarms. A
series counts *independent sources* instead: signals are joined when they come from the same
outlet or carry the same sentence (normalised; a syndicated copy repeats it word for word), and
each joined cluster counts once, weighted by how trustworthy its outlet has proved (outlets
often contradicted weigh less).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..model import normalise_text

SeriesKey = tuple[str, str, str]  # (indicator, area, group)


def outlet_weights(store: Any, detection: dict[str, float]) -> dict[str, float]:
    """Outlet -> weight from the contradictions helper's counts (absent feature = no penalty)."""
    try:
        from ..compare.contradictions import outlet_contradiction_counts  # type: ignore[import-not-found]

        counts = outlet_contradiction_counts(store) or {}
    except Exception:  # the comparison feature may not be installed or its tables not built yet
        counts = {}
    pen = float(detection.get("contradiction_penalty", 0.1))
    floor = float(detection.get("min_source_weight", 0.3))
    return {o: max(floor, 1.0 / (1.0 + pen * max(0, int(c)))) for o, c in counts.items()}


def source_key(sig: dict[str, Any]) -> str:
    # An article without a known outlet is its own source (we cannot tell who else it is).
    return f"outlet:{sig['outlet']}" if sig.get("outlet") else f"article:{sig['article_id']}"


def independent_sources(signals: Iterable[dict[str, Any]], weights: dict[str, float] | None = None
                        ) -> list[list[dict[str, Any]]]:
    """Clusters of signals that are one source: same outlet, or the same sentence (union-find)."""
    sigs = list(signals)
    parent = list(range(len(sigs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, s in enumerate(sigs):
        for k in (source_key(s), "text:" + normalise_text(s.get("sentence") or "")):
            if k == "text:":
                continue
            if k in first:
                parent[find(i)] = find(first[k])
            else:
                first[k] = i
    clusters: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for i, s in enumerate(sigs):
        clusters[find(i)].append(s)
    return list(clusters.values())


def cluster_weight(cluster: list[dict[str, Any]], weights: dict[str, float] | None) -> float:
    """A cluster counts once, at the best weight among its outlets (unknown outlets weigh 1)."""
    w = weights or {}
    return max(w.get(s.get("outlet") or "", 1.0) for s in cluster)


def weighted_sources(signals: Iterable[dict[str, Any]], weights: dict[str, float] | None = None) -> float:
    return round(sum(cluster_weight(c, weights) for c in independent_sources(signals, weights)), 4)


def build_series(signals: Iterable[dict[str, Any]], weights: dict[str, float] | None = None
                 ) -> dict[SeriesKey, dict[str, dict[str, Any]]]:
    """{(indicator, area, group): {day: {"value", "n_sources", "n_signals"}}} (only days with signals)."""
    by: dict[SeriesKey, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for s in signals:
        by[(s["indicator"], s["area"], s["group"])][s["day"]].append(s)
    out: dict[SeriesKey, dict[str, dict[str, Any]]] = {}
    for key, days in by.items():
        out[key] = {}
        for day in sorted(days):
            clusters = independent_sources(days[day], weights)
            out[key][day] = {"value": round(sum(cluster_weight(c, weights) for c in clusters), 4),
                             "n_sources": len(clusters), "n_signals": len(days[day])}
    return out
