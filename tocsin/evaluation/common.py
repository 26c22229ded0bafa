"""Normalisation and the small count objects every metric is built from.

Metrics are kept as raw counts (not floats) so that per-file results can be pooled into
the overall column by adding counts: a micro-average, never an average of averages.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

_WS = re.compile(r"\s+")
# An ISO date followed by a time part ("2023-09-20T10:00:00Z"): only the day is compared.
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[t ]")


def _is_outer_junk(ch: str) -> bool:
    # Unicode category P* covers ASCII punctuation and quotes like “ ” ‘ ’ « » and …
    return ch.isspace() or unicodedata.category(ch).startswith("P")


def norm(value: Any) -> str | None:
    """Comparable form of a string: NFKC, case-folded, whitespace collapsed, outer
    punctuation stripped. ``None`` and strings that normalise to nothing give ``None``
    (so an empty string equals null)."""
    if value is None:
        return None
    s = _WS.sub(" ", unicodedata.normalize("NFKC", str(value)).casefold())
    start, end = 0, len(s)
    while start < end and _is_outer_junk(s[start]):
        start += 1
    while end > start and _is_outer_junk(s[end - 1]):
        end -= 1
    return s[start:end] or None


def norm_date(value: Any) -> str | None:
    """Normalised date string; a trailing time of day is dropped."""
    s = norm(value)
    if s is None:
        return None
    m = _DATE_TIME.match(s)
    return m.group(1) if m else s


@dataclass
class Ratio:
    """num / den; undefined (None) when den is 0."""

    num: int = 0
    den: int = 0

    def __add__(self, other: "Ratio") -> "Ratio":
        return Ratio(self.num + other.num, self.den + other.den)

    def value(self) -> float | None:
        return self.num / self.den if self.den else None


@dataclass
class F1:
    """F1 from true/false positives and false negatives: 2tp / (2tp + fp + fn).

    This form stays defined when only one of precision/recall is (e.g. no predictions at
    all gives 0.0 against non-empty gold), and is None only when both sides are empty."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "F1") -> "F1":
        return F1(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def add_sets(self, predicted: set, gold: set) -> None:
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def value(self) -> float | None:
        den = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / den if den else None


@dataclass
class Macro:
    """Macro-F1 over fixed labels from a (gold, predicted) confusion count.

    Labels with neither gold nor predicted instances are left out of the mean (their F1
    is undefined); predictions outside the labels count as misses for the gold label."""

    labels: tuple[str, ...]
    confusion: Counter = field(default_factory=Counter)

    def __add__(self, other: "Macro") -> "Macro":
        return Macro(self.labels, self.confusion + other.confusion)

    def value(self) -> float | None:
        scores = []
        for lab in self.labels:
            tp = self.confusion[(lab, lab)]
            fp = sum(n for (g, p), n in self.confusion.items() if p == lab and g != lab)
            fn = sum(n for (g, p), n in self.confusion.items() if g == lab and p != lab)
            den = 2 * tp + fp + fn
            if den:
                scores.append(2 * tp / den)
        return sum(scores) / len(scores) if scores else None


Stat = Ratio | F1 | Macro | None


def pool(stats: Iterable[Stat]) -> Stat:
    """Sum per-file counts; None (metric not available) stays None."""
    total: Stat = None
    for s in stats:
        if s is None:
            return None
        total = s if total is None else total + s  # type: ignore[operator]
    return total


def value(stat: Stat) -> float | None:
    return None if stat is None else stat.value()
