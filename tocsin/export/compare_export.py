"""Export the comparison: stories (with their side-by-side comparison) and contradicting pairs.

``stories``: one row per story with its outlets, sides, languages, blindspot, member articles
and the whole comparison (coverage, facts per side and what each side omits, vocabulary).
``contradictions``: one row per disagreeing pair, both claims flattened (sentence, outlet,
side, attribution, file:line), so a spreadsheet shows them side by side. claims.jsonl keeps
carrying the same pairs as ``contradicts`` lists.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..store.db import Store
from . import register

_PAGE = 200

STORY_COLUMNS = {"id": "str", "title": "str", "first_date": "str", "last_date": "str", "n_articles": "int",
                 "outlets": "json", "sides": "json", "languages": "json", "blindspot": "str",
                 "articles": "json", "comparison": "json"}
_SIDE_FIELDS = ("id", "kind", "quantity", "unit", "what", "hedge", "attributed_to", "outlet", "side", "date",
                "sentence", "source_file", "line", "article_id")
CONTRADICTION_COLUMNS = {"reason": "str",
                         **{f"a_{k}": ("float" if k == "quantity" else "int" if k == "line" else "str")
                            for k in _SIDE_FIELDS},
                         **{f"b_{k}": ("float" if k == "quantity" else "int" if k == "line" else "str")
                            for k in _SIDE_FIELDS}}


@register("stories", columns=STORY_COLUMNS)
def export_stories(store: Store) -> Iterator[dict[str, Any]]:
    from ..compare.stories import get_story, list_stories

    offset = 0
    while True:
        page = list_stories(store, limit=_PAGE, offset=offset)
        for s in page:
            full = get_story(store, s["id"]) or s
            yield {k: full.get(k) for k in STORY_COLUMNS}
        if len(page) < _PAGE:
            return
        offset += _PAGE


@register("contradictions", columns=CONTRADICTION_COLUMNS)
def export_contradictions(store: Store) -> Iterator[dict[str, Any]]:
    from ..compare.contradictions import list_contradictions

    if not store.has_table("claim_links"):
        return
    offset = 0
    while True:
        page = list_contradictions(store, limit=_PAGE, offset=offset)
        for pair in page:
            row: dict[str, Any] = {"reason": pair.get("reason")}
            for side in ("a", "b"):
                claim = pair.get(side) or {}
                row.update({f"{side}_{k}": claim.get(k) for k in _SIDE_FIELDS})
            yield row
        if len(page) < _PAGE:
            return
        offset += _PAGE
