"""Read-side queries over the stories tables, for the CLI, the API and the web layer."""
from __future__ import annotations

import json
from typing import Any


def _story_dict(row: Any, *, full: bool = False) -> dict[str, Any]:
    d = {
        "id": row["id"], "title": row["title"], "first_date": row["first_date"], "last_date": row["last_date"],
        "outlets": json.loads(row["outlets"]), "sides": json.loads(row["sides"]),
        "languages": json.loads(row["languages"]), "n_articles": row["n_articles"],
        "blindspot": row["blindspot"],
    }
    data = json.loads(row["data"] or "{}")
    d["articles"] = data.get("articles", [])
    if full:
        d["comparison"] = data.get("comparison", {})
    return d


def _has_tables(store: Any) -> bool:
    return store.has_table("stories")


def _where(blindspot: Any, min_articles: int, side: str | None, outlet: str | None) -> tuple[str, list]:
    where, params = ["n_articles >= ?"], [int(min_articles)]
    if blindspot is True:
        where.append("blindspot IS NOT NULL")
    elif blindspot is False:
        where.append("blindspot IS NULL")
    elif isinstance(blindspot, str):
        where.append("blindspot = ?")
        params.append(blindspot)
    if side:
        where.append("EXISTS (SELECT 1 FROM json_each(stories.sides) WHERE value = ?)")
        params.append(side)
    if outlet:
        where.append("EXISTS (SELECT 1 FROM json_each(stories.outlets) WHERE value = ?)")
        params.append(outlet)
    return " WHERE " + " AND ".join(where), params


def list_stories(store: Any, *, blindspot: bool | str | None = None, min_articles: int = 1,
                 side: str | None = None, outlet: str | None = None, limit: int | None = 50,
                 offset: int = 0) -> list[dict[str, Any]]:
    """Stories, largest and most recent first. ``blindspot``: True = only one partisan side
    covers it, False = not a blindspot, a side name = that side alone covers it."""
    if not _has_tables(store):
        return []
    where, params = _where(blindspot, min_articles, side, outlet)
    sql = ("SELECT * FROM stories" + where +
           " ORDER BY n_articles DESC, last_date IS NULL, last_date DESC, id")
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [max(0, int(limit)), max(0, int(offset))]
    return [_story_dict(r) for r in store.query(sql, params)]


def count_stories(store: Any, *, blindspot: bool | str | None = None, min_articles: int = 1,
                  side: str | None = None, outlet: str | None = None) -> int:
    if not _has_tables(store):
        return 0
    where, params = _where(blindspot, min_articles, side, outlet)
    return int(store.query("SELECT count(*) FROM stories" + where, params)[0][0])


def get_story(store: Any, id: str) -> dict[str, Any] | None:
    """One story with its articles and comparison (None when there is no such story)."""
    if not _has_tables(store):
        return None
    rows = store.query("SELECT * FROM stories WHERE id = ?", (id,))
    return _story_dict(rows[0], full=True) if rows else None


def story_of(store: Any, article_id: str) -> str | None:
    """The id of the story an article belongs to."""
    if not _has_tables(store):
        return None
    rows = store.query("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,))
    return rows[0][0] if rows else None

