"""Export the events the extraction stages found: gold format, PLOVER and ACLED.

Events are linked across articles here, at export time, from the per-article mentions the
events stage stored: the same real-world event told by several outlets becomes one record.
"""
from __future__ import annotations

import weakref
from typing import Any, Iterator

from ..store.db import Store
from . import register

# One linking per open store, shared by the events, PLOVER and ACLED tables of one export;
# weak keys so a closed store's result goes with it and a new store never sees a stale one.
_linked: "weakref.WeakKeyDictionary[Store, list[dict[str, Any]]]" = weakref.WeakKeyDictionary()


def _mentions(store: Store) -> Iterator[dict[str, Any]]:
    for art in store.iter_articles():
        for ev in art.annotations.get("events") or []:
            yield {**ev, "source_file": art.source_file, "outlet": art.outlet, "article_id": art.id,
                   "article_date": art.date}


def linked_events(store: Store) -> list[dict[str, Any]]:
    from ..extract.event_link import link_events

    if store not in _linked:
        _linked[store] = link_events(_mentions(store))
    return _linked[store]


EVENT_COLUMNS = {"id": "str", "type": "str", "date": "str", "date_source": "str", "place": "str", "actor": "str",
                 "target": "str", "fatalities": "int", "n_sources": "int", "confidence": "float", "mentions": "json"}


@register("events", columns=EVENT_COLUMNS)
def export_events(store: Store) -> Iterator[dict[str, Any]]:
    for rec in linked_events(store):  # a fixed set of columns, whatever else linking records
        yield {k: rec.get(k) for k in EVENT_COLUMNS}


@register("events_plover")
def export_plover(store: Store) -> Iterator[dict[str, Any]]:
    from ..extract.event_link import to_plover

    yield from to_plover(linked_events(store))


@register("events_acled")
def export_acled(store: Store) -> Iterator[dict[str, Any]]:
    from ..extract.entities import current_pack
    from ..extract.event_link import to_acled_rows

    yield from to_acled_rows(linked_events(store), current_pack())
