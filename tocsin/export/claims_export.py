"""Export the stored claims (claims.jsonl, gold format) with their same_as / contradicts links.

Rows come from the ``claims`` table the corpus stage "claims" writes
(tocsin/compare/contradictions.py). A store whose corpus stages never ran (no rows there)
still exports the extracted figures straight from the articles, with empty link lists.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import TocsinError
from ..store.db import Store
from . import register

COLUMNS = {"id": "str", "source_file": "str", "line": "int", "quantity": "float", "unit": "str",
           "what": "str", "what_key": "str", "hedge": "str", "attributed_to": "str", "quote": "str",
           "sentence": "str", "article_id": "str", "outlet": "str", "side": "str", "date": "str",
           "kind": "str", "same_as": "json", "contradicts": "json"}
_PAGE = 1000


def _from_annotations(store: Store) -> Iterator[dict[str, Any]]:
    from ..compare.contradictions import claim_id

    for art in store.iter_articles():
        for c in art.annotations.get("claims") or []:
            yield {
                "id": claim_id(art.id, c), "source_file": art.source_file, "line": c.get("line"),
                "quantity": c.get("quantity"), "unit": c.get("unit"), "what": c.get("what"), "what_key": None,
                "hedge": c.get("hedge"), "attributed_to": c.get("attributed_to"), "quote": c.get("quote"),
                "sentence": c.get("sentence"), "article_id": art.id, "outlet": art.outlet, "side": None,
                "date": art.date, "kind": "number", "same_as": [], "contradicts": [],
            }


@register("claims", columns=COLUMNS)
def export_claims(store: Store) -> Iterator[dict[str, Any]]:
    from ..compare.contradictions import list_claims

    try:
        stored = store.query("SELECT COUNT(*) AS n FROM claims")[0]["n"]
    except TocsinError:  # a store from before migration 0003 (read-only open): no table yet
        stored = 0
    if not stored:
        yield from _from_annotations(store)
        return
    offset = 0
    while True:
        page = list_claims(store, limit=_PAGE, offset=offset)
        for c in page:
            yield {k: c.get(k) for k in COLUMNS}
        if len(page) < _PAGE:
            return
        offset += _PAGE
