"""evaluate(): compare an export folder with a gold folder, per file and overall."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from .articles import article_stats
from .common import Ratio, Stat, pool, value
from .links import claim_stats, event_stats
from .load import file_key, load_export, load_gold

METRICS: tuple[str, ...] = (
    "boundary_f1",
    "title_acc",
    "outlet_acc",
    "date_acc",
    "language_acc",
    "topic_acc",
    "perspective_macro_f1",
    "boilerplate_f1",
    "entity_f1",
    "event_recall",
    "event_precision",
    "event_type_acc",
    "event_link_f1",
    "claim_recall",
    "claim_precision",
    "claim_attribution_acc",
    "contradiction_recall",
    "contradiction_precision",
)


_RATIO_COUNTS = (
    ("gold_event_mentions", "event_recall", "den"),
    ("recalled_event_mentions", "event_recall", "num"),
    ("pred_event_mentions", "event_precision", "den"),
    ("gold_claims", "claim_recall", "den"),
    ("matched_claims", "claim_recall", "num"),
    ("pred_claims", "claim_precision", "den"),
)


def evaluate(export_dir: str | Path, gold_dir: str | Path) -> dict[str, Any]:
    """Score an export (articles.jsonl, optional events.jsonl / claims.jsonl) against gold.

    Returns ``{"files": {seed: {metric: float|None}}, "overall": {metric: float|None},
    "counts": {"files": {seed: {...}}, "overall": {...}}}``. Only files with a gold
    ``<seed>.json`` are scored; records on other files are ignored (and counted). A metric
    whose inputs are missing or whose denominator is zero is None. Raises TocsinError E400
    for a missing articles.jsonl, a gold folder without gold files, or invalid JSON."""
    gold = load_gold(gold_dir)
    export = load_export(export_dir)
    names: dict[str, str] = {}
    for name in gold.files:
        names.setdefault(Path(name).stem, name)
    names.update({name: name for name in gold.files})  # exact names win over stems

    by_file: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    ignored = 0
    for n, rec in export.articles:
        key = file_key(rec.get("source_file"), names)
        if key is None:
            ignored += 1
        else:
            by_file[key].append((n, rec))

    stats: dict[str, dict[str, Stat]] = {}
    counts: dict[str, dict[str, int]] = {}
    for name, gf in gold.files.items():
        stats[name], counts[name] = article_stats(gf, by_file[name], export.article_fields, export.articles_path)
    overrides: dict[str, Stat] = {}
    for fn in (event_stats, claim_stats):
        per_file, over = fn(gold, export, names)
        for name, metric_stats in per_file.items():
            stats[name].update(metric_stats)
        overrides.update(over)

    # Sizes behind the event/claim ratios, so a reader can tell 0/0 from 0/50.
    for name in stats:
        for key, metric, part in _RATIO_COUNTS:
            st = stats[name].get(metric)
            if isinstance(st, Ratio):
                counts[name][key] = getattr(st, part)

    overall_stats = {m: pool(stats[f][m] for f in stats) for m in METRICS}
    overall_stats.update(overrides)  # pair metrics: all pairs, not the per-file sums
    overall_counts: dict[str, int] = defaultdict(int)
    for c in counts.values():
        for k, v in c.items():
            overall_counts[k] += v
    overall_counts["ignored_pred_articles"] = ignored
    overall_counts["gold_files"] = len(gold.files)
    return {
        "files": {f: {m: value(stats[f][m]) for m in METRICS} for f in sorted(stats)},
        "overall": {m: value(overall_stats[m]) for m in METRICS},
        "counts": {"files": {f: counts[f] for f in sorted(counts)}, "overall": dict(overall_counts)},
    }
