"""Export the events the extraction stages found: gold format, PLOVER and ACLED.

Events come from the store's ``events`` / ``event_mentions`` tables, which the "events" corpus
stage (extract/event_store.py) fills after every ingest. A store whose tables are still empty
(made before that stage existed, or opened read-only) is linked here in memory instead.
"""
from __future__ import annotations

import weakref
from typing import Any, Iterator

from ..store.db import Store
from . import register

# One read per open store, shared by the events, PLOVER and ACLED tables of one export;
# weak keys so a closed store's result goes with it and a new store never sees a stale one.
_linked: "weakref.WeakKeyDictionary[Store, list[dict[str, Any]]]" = weakref.WeakKeyDictionary()


def _in_memory(store: Store) -> list[dict[str, Any]]:
    from ..extract.event_link import group_mentions, record
    from ..extract.event_store import collect_mentions

    ms = collect_mentions(store, full=True)
    return [record([ms[i] for i in g]) for g in group_mentions(ms)]


def linked_events(store: Store) -> list[dict[str, Any]]:
    from ..extract.event_store import list_events

    if store not in _linked:
        stored = list_events(store, limit=None, mentions=True)
        _linked[store] = stored if stored else _in_memory(store)
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
