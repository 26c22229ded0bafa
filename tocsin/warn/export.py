"""Export the alerts table (alerts.jsonl / csv / parquet through tocsin.export) and the Atom feed."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..export import FILE_EXPORTERS, register
from .alerts import list_alerts
from .atom import write_atom

ALERT_COLUMNS = {"id": "str", "level": "str", "indicators": "json", "place": "str", "group": "str",
                 "first_seen": "str", "last_seen": "str", "explanation": "str", "evidence": "json", "rule": "str"}


def _all(store: Any) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = list_alerts(store, limit=500, offset=offset)
        yield from page
        if len(page) < 500:
            return
        offset += 500


@register("alerts", columns=ALERT_COLUMNS)
def export_alerts(store: Any) -> Iterator[dict[str, Any]]:
    for a in _all(store):
        yield {k: a[k] for k in ALERT_COLUMNS}


def export_atom(store: Any, outdir: str | Path) -> Path:
    """alerts.atom in ``outdir`` (call after export_store; see docs/warn.md)."""
    return write_atom(_all(store), Path(outdir) / "alerts.atom")


FILE_EXPORTERS["alerts.atom"] = lambda store, outdir: [export_atom(store, outdir)]
