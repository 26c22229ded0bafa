"""Article metrics for one gold file: boundaries, metadata, perspective, boilerplate,
entities. Returns raw counts (see common.py) so files can be pooled."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .common import F1, Macro, Ratio, Stat, norm, norm_date
from .load import GoldFile, as_line, as_list, field_of

CONFLICT = "armenia-azerbaijan"
PERSPECTIVES = ("pro-armenian", "pro-azerbaijani", "neutral")
# metric -> (export field, normaliser)
ATTRIBUTES: dict[str, tuple[str, Callable[[Any], str | None]]] = {
    "title_acc": ("title", norm),
    "outlet_acc": ("outlet", norm),
    "date_acc": ("date", norm_date),
    "language_acc": ("language", norm),
    "topic_acc": ("topic", norm),
}


def match_boundaries(gold: list[dict[str, Any]], starts: list[int | None]) -> dict[int, int]:
    """One-to-one gold index -> predicted index.

    A predicted start is a candidate for a gold article when
    start_line - 1 <= start <= max(start_line, title_line) + 1. Candidates are taken
    greedily, closest to the gold start_line first (ties: earlier gold, earlier prediction).
    Greedy is not an optimal assignment, but gold windows are a few lines wide and
    articles are many lines apart, so conflicts between windows are rare."""
    candidates = []
    for gi, g in enumerate(gold):
        lo = g["start_line"] - 1
        hi = max(g["start_line"], g.get("title_line") or g["start_line"]) + 1
        for pi, s in enumerate(starts):
            if s is not None and lo <= s <= hi:
                candidates.append((abs(s - g["start_line"]), gi, pi))
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, gi, pi in sorted(candidates):
        if gi not in matched and pi not in used:
            matched[gi] = pi
            used.add(pi)
    return matched


def _entity_names(value: Any) -> set[str]:
    names: set[str] = set()
    if not isinstance(value, list):
        return names
    for ent in value:
        name = ent.get("name") if isinstance(ent, dict) else ent
        n = norm(name)
        if n:
            names.add(n)
    return names


def article_stats(
    gf: GoldFile,
    preds: list[tuple[int, dict[str, Any]]],
    fields: set[str],
    path: Path,
) -> tuple[dict[str, Stat], dict[str, int]]:
    """Counts for every article metric on one gold file.

    ``preds`` are (jsonl line, record) of predicted articles on this file; ``fields`` the
    keys seen anywhere in the export — a metric whose field is never exported is None.
    Predicted articles without a start line still count as predictions (false positives)."""
    starts = [as_line(r.get("start_line"), path, n, "start_line") for n, r in preds]
    matched = match_boundaries(gf.articles, starts)
    stats: dict[str, Stat] = {}
    n_pred = len(preds)
    stats["boundary_f1"] = F1(len(matched), n_pred - len(matched), len(gf.articles) - len(matched))

    for metric, (key, fn) in ATTRIBUTES.items():
        if key not in fields:
            stats[metric] = None
            continue
        r = Ratio()
        for gi, pi in matched.items():
            r.den += 1
            r.num += fn(gf.articles[gi].get(key)) == fn(field_of(preds[pi][1], key))
        stats[metric] = r

    conflict = [gi for gi in matched if norm(gf.articles[gi].get("topic")) == CONFLICT]
    if "perspective" in fields:
        macro = Macro(PERSPECTIVES)
        for gi in conflict:
            g = norm(gf.articles[gi].get("perspective"))
            if g in PERSPECTIVES:  # a conflict article marked n/a in gold has no class
                macro.confusion[(g, norm(field_of(preds[matched[gi]][1], "perspective")))] += 1
        stats["perspective_macro_f1"] = macro
    else:
        stats["perspective_macro_f1"] = None

    if "boilerplate_lines" in fields:
        inside: set[int] = set()
        for g in gf.articles:
            inside.update(range(g["start_line"], g["end_line"] + 1))
        predicted: set[int] = set()
        for n, rec in preds:
            for x in as_list(rec.get("boilerplate_lines"), path, n, "boilerplate_lines"):
                predicted.add(as_line(x, path, n, "boilerplate_lines entry"))  # type: ignore[arg-type]
        bp = F1()
        bp.add_sets(predicted & inside, gf.boilerplate & inside)
        stats["boilerplate_f1"] = bp
    else:
        stats["boilerplate_f1"] = None

    if "entities" in fields:
        ent = F1()
        for gi in conflict:
            pred_value = field_of(preds[matched[gi]][1], "entities")
            ent.add_sets(_entity_names(pred_value), _entity_names(gf.articles[gi].get("entities")))
        stats["entity_f1"] = ent
    else:
        stats["entity_f1"] = None

    counts = {
        "gold_articles": len(gf.articles),
        "pred_articles": n_pred,
        "matched_articles": len(matched),
        "matched_conflict_articles": len(conflict),
    }
    return stats, counts
