"""Plain-text rendering of an evaluate() result."""
from __future__ import annotations

from typing import Any

from .core import METRICS


def _cell(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def format_table(result: dict[str, Any]) -> str:
    """Metrics as rows; each gold file and then ``overall`` as columns; None prints n/a."""
    files = list(result.get("files", {}))
    columns = files + ["overall"]
    cols = [result["files"][f] for f in files] + [result.get("overall", {})]
    metrics = [m for m in METRICS if any(m in c for c in cols)]
    metrics += sorted({m for c in cols for m in c} - set(metrics))  # unknown extras last
    rows = [["metric", *columns]]
    rows += [[m, *(_cell(c.get(m)) for c in cols)] for m in metrics]
    counts = result.get("counts", {})
    count_cols = [counts.get("files", {}).get(f, {}) for f in files] + [counts.get("overall", {})]
    count_keys = ("gold_articles", "pred_articles", "matched_articles")
    rows += [[k, *(_cell(c.get(k)) for c in count_cols)] for k in count_keys if any(k in c for c in count_cols)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(r: list[str]) -> str:
        return "  ".join([r[0].ljust(widths[0])] + [x.rjust(w) for x, w in zip(r[1:], widths[1:])]).rstrip()

    out = [line(rows[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows[1 : 1 + len(metrics)]]
    if len(rows) > 1 + len(metrics):
        out.append("  ".join("-" * w for w in widths))
        out += [line(r) for r in rows[1 + len(metrics) :]]
    ignored = counts.get("overall", {}).get("ignored_pred_articles")
    if ignored:
        out.append(f"({ignored} predicted articles on files without gold were ignored)")
    return "\n".join(out) + "\n"
