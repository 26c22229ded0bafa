"""Stories across outlets and languages, and their comparison (tocsin.compare.stories)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tocsin.compare import embed, story_compare, stories
from tocsin.model import Article
from tocsin.packs import load_pack

PACK = load_pack("south-caucasus")


def _art(title: str, text: str, *, date: str, outlet: str | None, lang: str = "en",
         entities: tuple[str, ...] = (), events: list[dict] | None = None, persp: str | None = None) -> Article:
    a = Article(source_file="fixture.txt", source_path="fixture.txt", format="digest", title=title, text=text,
                date=date, outlet=outlet, language=lang, start_line=1)
    a.annotations["entities"] = [{"name": e, "type": "place"} for e in entities]
    a.annotations["events"] = events or []
    if persp:
        a.annotations["perspective"] = {"label": persp, "confidence": 0.9, "evidence": [], "scores": {}}
    return a


# Invented articles (none taken from any corpus).
EN = _art("Azerbaijani forces shell Stepanakert, dozens of civilians wounded",
          "Azerbaijani artillery shelled residential districts of Stepanakert on Tuesday morning, wounding "
          "dozens of civilians, local officials said. Rescue teams were searching damaged buildings near the "
          "central market. Officials called it ethnic cleansing of the region's Armenians.",
          date="2023-09-19", outlet="Armenpress", entities=("Azerbaijan", "Stepanakert"),
          events=[{"type": "attack_on_civilians", "date": "2023-09-19", "place": "Stepanakert"}])
FR = _art("Les forces azerbaïdjanaises bombardent Stepanakert, des dizaines de civils blessés",
          "L'artillerie azerbaïdjanaise a bombardé mardi matin des quartiers résidentiels de Stepanakert, "
          "blessant des dizaines de civils, ont indiqué les autorités locales. Les secours fouillaient les "
          "immeubles endommagés près du marché central.",
          date="2023-09-19", outlet="Marie Claire", lang="fr", entities=("Azerbaijan", "Stepanakert"),
          events=[{"type": "attack_on_civilians", "date": "2023-09-19", "place": "Stepanakert"}])
AZ = _art("Azerbaijan starts local anti-terrorist measures in Karabakh",
          "The Ministry of Defence said local anti-terrorist measures began in Khankendi and nearby areas on "
          "Tuesday to disarm illegal armed formations. The ministry said civilians were not targeted and "
          "humanitarian corridors were opened.",
          date="2023-09-19", outlet="Azertac", entities=("Azerbaijan", "Stepanakert", "Nagorno-Karabakh"),
          events=[{"type": "armed_attack", "date": "2023-09-19", "place": "Stepanakert"}])
WHEAT = _art("Central bank keeps rates unchanged as inflation slows",
             "The central bank left its key rate unchanged on Thursday, citing slower inflation and stable "
             "exchange rates. Analysts expect a cut early next year.",
             date="2023-09-21", outlet="Armenpress", entities=("Armenia",))
SPORT = _art("National team wins wrestling gold in Belgrade",
             "The national wrestling team won two gold medals at the world championships in Belgrade on "
             "Sunday, the federation said.", date="2023-09-17", outlet="Trend", entities=("Serbia",))


def _members(store, ids):
    sid = stories.story_of(store, ids[0])
    return sid, {r[0] for r in store.query("SELECT article_id FROM story_articles WHERE story_id = ?", (sid,))}


def test_french_and_english_on_same_event_form_one_story(store) -> None:
    store.add_articles([EN, FR, WHEAT, SPORT])
    stories.update_stories(store, pack=PACK)
    sid, members = _members(store, [EN.id])
    assert FR.id in members
    assert WHEAT.id not in members and SPORT.id not in members
    story = stories.get_story(store, sid)
    assert set(story["languages"]) == {"en", "fr"}
    assert stories.story_of(store, WHEAT.id) != stories.story_of(store, SPORT.id)


def test_comparison_shows_each_sides_vocabulary(store) -> None:
    store.add_articles([EN, AZ, WHEAT])
    stories.update_stories(store, pack=PACK)
    sid, members = _members(store, [EN.id])
    assert AZ.id in members
    story = stories.get_story(store, sid)
    assert story["blindspot"] is None
    assert set(story["sides"]) >= {"pro-armenian", "pro-azerbaijani"}
    voc = story["comparison"]["vocabulary"]
    step = next(p for p in voc["places"] if p["place"] == "Stepanakert")
    assert "Stepanakert" in step["by_side"]["pro-armenian"]
    assert "Khankendi" in step["by_side"]["pro-azerbaijani"]
    phrases = {s: {f["phrase"].lower() for f in fs} for s, fs in voc["framing"].items()}
    assert "ethnic cleansing" in phrases["pro-armenian"]
    assert any("anti-terrorist measures" in p for p in phrases["pro-azerbaijani"])
    # The lone-side economy story is a blindspot of that side.
    assert stories.get_story(store, stories.story_of(store, WHEAT.id))["blindspot"] == "pro-armenian"
    assert stories.list_stories(store, blindspot=True, limit=10)
    assert all(s["blindspot"] is None for s in stories.list_stories(store, blindspot=False))


def test_incremental_equals_rebuild_and_rerun_is_idempotent(store) -> None:
    store.add_articles([EN, WHEAT])
    stories.update_stories(store, [EN.id, WHEAT.id], pack=PACK)
    store.add_articles([FR, AZ, SPORT])
    stories.update_stories(store, [FR.id, AZ.id, SPORT.id], pack=PACK)
    q = "SELECT story_id, article_id FROM story_articles ORDER BY 1, 2"
    incremental = [tuple(r) for r in store.query(q)]
    stories.update_stories(store, [FR.id, AZ.id, SPORT.id], pack=PACK)
    assert [tuple(r) for r in store.query(q)] == incremental
    stories.update_stories(store, full=True, pack=PACK)
    assert [tuple(r) for r in store.query(q)] == incremental
    assert stories.count_stories(store) == len({r[0] for r in incremental})


def test_side_resolution_order() -> None:
    assert story_compare.resolve_side(AZ, PACK) == ("pro-azerbaijani", "outlet")
    a = _art("t", "plain words", date="2023-09-19", outlet="Azertac", persp="neutral")
    assert story_compare.resolve_side(a, PACK) == ("neutral", "perspective")
    b = _art("t", "plain words about the weather", date="2023-09-19", outlet=None)
    assert story_compare.resolve_side(b, PACK)[0] == story_compare.UNKNOWN


def test_shipped_model_separates_translation_from_unrelated() -> None:
    v = embed.embed_texts([embed.lead_text(EN.title, EN.text), embed.lead_text(FR.title, FR.text),
                           embed.lead_text(SPORT.title, SPORT.text)])
    assert v.shape == (3, embed.DIM) and v.dtype == np.float32
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.05
    assert embed.semantic_score(float(v[0] @ v[1])) > embed.semantic_score(float(v[0] @ v[2]))
    assert np.array_equal(embed.from_blob(embed.to_blob(v[0])), v[0])


def test_queries_on_store_without_stories(store) -> None:
    assert stories.list_stories(store) == [] and stories.get_story(store, "st-x") is None


@given(st.text(max_size=300), st.text(max_size=3000))
def test_lead_text_is_bounded(title: str, text: str) -> None:
    lead = embed.lead_text(title, text)
    assert len(lead) <= len(" ".join(title.split())) + 2 + embed.LEAD_CHARS


@given(st.dates(min_value=__import__("datetime").date(1900, 1, 1)))
def test_day_round_trips_and_partial_dates_span(d) -> None:
    iso = d.isoformat()
    assert stories._iso(stories._day(iso)) == iso
    assert stories._day(iso[:7]) <= stories._day(iso) <= stories._day(iso[:7], end=True)
    assert stories._day(iso[:4]) <= stories._day(iso) <= stories._day(iso[:4], end=True)
