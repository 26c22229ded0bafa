"""Stories on the seed digests: the September 2023 offensive across sides (issue 5's seed check)."""
from __future__ import annotations

from pathlib import Path

from tocsin.compare.stories import get_story, list_stories
from tocsin.store import Store

PARTISAN = {"pro-armenian", "pro-azerbaijani"}


def test_offensive_story_groups_both_sides_and_shows_their_words(seed_db: Path) -> None:
    with Store(seed_db, readonly=True) as store:
        stories = [get_story(store, s["id"]) for s in list_stories(store, limit=1000)]
    offensive = [s for s in stories
                 if any(e["key"] == "episode:september-2023-offensive" for e in s["comparison"]["events"])
                 and PARTISAN <= set(s["sides"])]
    assert offensive, "no story of the September 2023 offensive covered by both sides"
    story = max(offensive, key=lambda s: s["n_articles"])
    assert len(story["outlets"]) >= 2
    voc = story["comparison"]["vocabulary"]
    op = next(c for c in voc["concepts"] if c["concept"] == "military-operation")
    assert PARTISAN <= set(op["by_side"]), op["by_side"]  # each side's own words for the offensive
    step = next(p for p in voc["places"] if p["place"] == "Stepanakert")
    assert step["by_side"] and PARTISAN <= set(step["names_by_side"])  # what it is called, and by whom
