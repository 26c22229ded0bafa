"""Export the claims the extraction stage found (claims.jsonl, gold format)."""
from __future__ import annotations

from typing import Any, Iterator

from ..model import content_hash
from ..store.db import Store
from . import register


@register("claims", columns={"id": "str", "source_file": "str", "line": "int", "quantity": "float", "unit": "str",
                             "what": "str", "hedge": "str", "attributed_to": "str", "quote": "str",
                             "sentence": "str", "article_id": "str", "outlet": "str", "contradicts": "json"})
def export_claims(store: Store) -> Iterator[dict[str, Any]]:
    for art in store.iter_articles():
        for c in art.annotations.get("claims") or []:
            yield {
                "id": content_hash(art.id, str(c.get("line")), str(c.get("start")), str(c.get("quantity"))),
                "source_file": art.source_file, "line": c.get("line"), "quantity": c.get("quantity"),
                "unit": c.get("unit"), "what": c.get("what"), "hedge": c.get("hedge"),
                "attributed_to": c.get("attributed_to"), "quote": c.get("quote"), "sentence": c.get("sentence"),
                "article_id": art.id, "outlet": art.outlet, "contradicts": c.get("contradicts") or [],
            }
