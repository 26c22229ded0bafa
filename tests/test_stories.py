"""Stories across outlets and languages, and their comparison (tocsin.compare.stories)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.compare import embed, stories, story_compare, story_features
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


# --------------------------------------------------------------------------- clustering


def _chain(n: int, score: float = 0.6) -> list[tuple[str, str, float]]:
    return [(f"a{i}", f"a{i + 1}", score) for i in range(n - 1)]


def test_single_links_do_not_chain_into_one_story() -> None:
    nodes = {f"a{i}": 19600 + i for i in range(6)}
    groups = stories.cluster(nodes, _chain(6))
    assert max(map(len, groups)) < 6  # a path of pair links is not one story
    clique = [(f"a{i}", f"a{j}", 0.6) for i in range(4) for j in range(i + 1, 4)]
    assert [sorted(nodes)[:4]] == [g for g in stories.cluster(nodes, clique) if len(g) > 1]


def test_story_span_is_capped() -> None:
    p = stories.StoryParams()
    nodes = {"a": 19600, "b": 19601, "c": 19600 + p.max_span_days + 5}
    edges = [("a", "b", 0.9), ("a", "c", 0.9), ("b", "c", 0.9)]
    groups = stories.cluster(nodes, edges, p)
    assert ["a", "b"] in groups and ["c"] in groups
    # Undated articles are not held back by the cap.
    assert stories.cluster({"a": 19600, "b": None, "c": 19600 + 400}, [("a", "b", 0.9)], p)[0] == ["a", "b"]


def test_weak_member_does_not_pull_clusters_together() -> None:
    # Two tight stories and one article linked strongly to one member of each.
    nodes = {x: 19600 for x in ("a1", "a2", "a3", "b1", "b2", "b3", "x")}
    edges = [(i, j, 0.8) for g in ("a", "b") for i, j in ((f"{g}1", f"{g}2"), (f"{g}1", f"{g}3"), (f"{g}2", f"{g}3"))]
    edges += [("a1", "x", 0.5), ("b1", "x", 0.5)]
    groups = stories.cluster(nodes, edges)
    assert ["a1", "a2", "a3"] in groups and ["b1", "b2", "b3"] in groups


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.floats(0.25, 1.0)), max_size=25),
       st.randoms(use_true_random=False))
def test_clustering_ignores_arrival_order(raw, rnd) -> None:
    nodes = {f"n{i}": 19600 + 3 * i for i in range(8)}
    edges = [(f"n{a}", f"n{b}", round(s, 3)) for a, b, s in raw if a != b]
    base = stories.cluster(nodes, edges)
    shuffled_nodes = list(nodes.items())
    rnd.shuffle(shuffled_nodes)
    shuffled_edges = [(b, a, s) if rnd.random() < 0.5 else (a, b, s) for a, b, s in edges]
    rnd.shuffle(shuffled_edges)
    assert stories.cluster(dict(shuffled_nodes), shuffled_edges) == base
    assert sorted(x for g in base for x in g) == sorted(nodes)  # a partition of the nodes


def test_params_come_from_pack_section() -> None:
    class _Pack:
        def section(self, name: str) -> dict:
            return {"max_span_days": 7} if name == "stories" else {}

    assert stories.params(_Pack()).max_span_days == 7
    assert stories.params(None) == stories.StoryParams()

    class _Ctx:
        def fail(self, line: int, msg: str) -> Exception:
            return ValueError(msg)

    assert story_features._validate_params({"cohesion": 0.3}, _Ctx()) == {"cohesion": 0.3}
    with pytest.raises(ValueError, match="unknown"):
        story_features._validate_params({"cohesoin": 0.3}, _Ctx())
    with pytest.raises(ValueError, match="number"):
        story_features._validate_params({"cohesion": "high"}, _Ctx())


@given(st.text(min_size=1, max_size=400))
def test_minhash_is_deterministic_and_self_similar(text: str) -> None:
    a, b = stories.minhash(text), stories.minhash(text)
    assert a.shape == (stories.NUM_PERM,) and story_features._jaccard(a, b) == 1.0


def test_minhash_estimates_overlap() -> None:
    words = [f"w{i}" for i in range(200)]
    same = story_features._jaccard(stories.minhash(" ".join(words)), stories.minhash(" ".join(words[:190])))
    other = story_features._jaccard(stories.minhash(" ".join(words)), stories.minhash(" ".join(w + "x" for w in words)))
    assert same > 0.7 and other < 0.2


def test_embeddings_are_cached_in_store_and_per_user(store, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TOCSIN_EMBED_CACHE", str(tmp_path / "emb.sqlite"))
    store.add_articles([EN, WHEAT])
    stories.update_stories(store, pack=PACK)
    before = {r[0] for r in store.query("SELECT key FROM story_embeddings")}
    assert len(before) == 2

    def boom(texts):  # a rebuild must not reach the model again
        raise AssertionError("model called for cached text")

    monkeypatch.setattr(embed, "embed_texts", boom)
    stories.update_stories(store, full=True, pack=PACK)
    store.query("SELECT 1")
    with store.transaction() as conn:
        conn.execute("DELETE FROM story_embeddings")
    stories.update_stories(store, full=True, pack=PACK)  # the per-user cache answers
    assert {r[0] for r in store.query("SELECT key FROM story_embeddings")} == before


def test_new_article_rewrites_only_its_story(store) -> None:
    store.add_articles([EN, WHEAT, SPORT])
    stories.update_stories(store, pack=PACK)
    old_sid = stories.story_of(store, EN.id)
    before = {r[0]: r[1] for r in store.query("SELECT id, data FROM stories") if r[0] != old_sid}
    store.add_articles([FR])
    out = stories.update_stories(store, [FR.id], pack=PACK)
    sid = stories.story_of(store, EN.id)
    after = {r[0]: r[1] for r in store.query("SELECT id, data FROM stories") if r[0] != sid}
    assert out["rewritten"] == 1 and stories.story_of(store, FR.id) == sid
    assert after == before  # the other stories' rows are untouched


def test_stories_export_carries_the_comparison(store, tmp_path) -> None:
    import json

    from tocsin.export import export_store

    store.add_articles([EN, AZ, WHEAT])
    stories.update_stories(store, pack=PACK)
    export_store(store, tmp_path, tables=["stories"], formats=["jsonl"])
    rows = [json.loads(x) for x in (tmp_path / "stories.jsonl").read_text(encoding="utf-8").splitlines()]
    both = next(r for r in rows if set(r["sides"]) >= {"pro-armenian", "pro-azerbaijani"})
    assert {a["id"] for a in both["articles"]} >= {EN.id, AZ.id}
    assert both["comparison"]["vocabulary"]["concepts"] and both["blindspot"] is None


def test_only_articles_about_the_conflict_are_embedded(store) -> None:
    if not embed.enabled():
        pytest.skip("embeddings disabled")
    off = _art("Central bank keeps rates unchanged", "The central bank left its key rate unchanged on Thursday.",
               date="2023-09-21", outlet="Armenpress")
    off.annotations["topic"] = "armenia-other"
    on = _art(EN.title, EN.text, date="2023-09-19", outlet="Armenpress")
    on.annotations["topic"] = "armenia-azerbaijan"
    store.add_articles([off, on, FR])  # FR has no topic yet: counts as on the conflict
    story_features.compute_features(store, [off.id, on.id, FR.id], PACK)
    has = {r[0]: r[1] is not None for r in store.query("SELECT article_id, embedding FROM story_features")}
    assert has == {off.id: False, on.id: True, FR.id: True}
