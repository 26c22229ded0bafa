"""Topic classification from pack rules, on constructed articles."""
from __future__ import annotations


import pytest

from tocsin.extract import entities as E
from tocsin.extract import topic as T
from tocsin.model import Article

from test_entities import write_pack

TOPICS = """\
rules:
  armenia-azerbaijan:
    keywords:
      - {phrase: ceasefire, weight: 2}
      - {phrase: blockade, weight: 2}
      - {phrase: peace treaty, weight: 2}
      - {phrase: ethnic cleansing, weight: 3}
      - {phrase: border clashes, weight: 2}
      - {phrase: cessez-le-feu, weight: 2}
    actors: [Nagorno-Karabakh, Lachin corridor]
    actor_weight: 2
    sides: [pro-armenian, pro-azerbaijani]
    side_bonus: 2
    min_score: 4
  armenia-other:
    actors: [Armenia, Azerbaijan, Yerevan, Nikol Pashinyan, Ilham Aliyev, Armenians]
    min_score: 1
"""


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    from tocsin.packs import load_pack

    root = write_pack(tmp_path_factory.mktemp("tp") / "topic-pack")
    (root / "topics.yaml").write_text(TOPICS, encoding="utf-8")
    return load_pack(str(root))


FILLER = "The committee discussed budgets, schools and roads in a long meeting. " * 60


def topic_of(pack, title: str | None, text: str, language: str = "en") -> str:
    art = Article(source_file="t.txt", source_path="t.txt", format="digest", title=title, text=text, language=language)
    art.annotations["entities"] = E.extract_entities(art, pack, use_ner=False)
    return T.classify_topic(art, pack)


def test_conflict_in_headline(pack):
    assert topic_of(pack, "Azerbaijan tightens blockade of Nagorno-Karabakh", "Officials spoke on Monday.") == "armenia-azerbaijan"


def test_title_only_stub(pack):
    assert topic_of(pack, "Yerevan and Baku agree to reopen the Lachin corridor", "") == "armenia-azerbaijan"


def test_conflict_in_lead_without_headline_cues(pack):
    text = "Armenia and Azerbaijan traded accusations after border clashes overnight, and the ceasefire is fragile. " + FILLER
    assert topic_of(pack, "Overnight news", text) == "armenia-azerbaijan"


def test_both_sides_leaders_plus_conflict_cue(pack):
    text = "Pashinyan and Aliyev met to discuss a peace treaty."
    assert topic_of(pack, "Leaders meet", text) == "armenia-azerbaijan"


def test_passing_mention_in_long_armenian_article_is_armenia_other(pack):
    text = ("Yerevan's central bank set new exchange rates on Monday. " + FILLER
            + " Separately, the peace treaty talks were mentioned once. " + FILLER)
    assert topic_of(pack, "Armenia exchange rates and precious metals", text) == "armenia-other"


def test_unrelated_article_is_other(pack):
    assert topic_of(pack, "City council endorses candidate", "The mayor of Pasadena spoke about parks. " + FILLER) == "other"


def test_french_article(pack):
    text = "Le cessez-le-feu au Haut-Karabakh a été violé, selon Erevan."
    assert topic_of(pack, "Nouvelles tensions", text, "fr") == "armenia-azerbaijan"


def test_scores_grow_with_headline_weight(pack):
    body = "The ceasefire held. " + FILLER
    a = Article(source_file="t", source_path="t", format="digest", title="A ceasefire", text=body, language="en")
    b = Article(source_file="t", source_path="t", format="digest", title="News", text=body, language="en")
    for art in (a, b):
        art.annotations["entities"] = []
    assert T.topic_scores(a, pack)["armenia-azerbaijan"] > T.topic_scores(b, pack)["armenia-azerbaijan"]


def test_pair_of_camps_and_actor_weight(tmp_path):
    """`pair`: both camps named in the title/lead count; `actor_weight` weighs plain-string actors."""
    from tocsin.packs import load_pack

    root = write_pack(tmp_path / "pair")
    (root / "topics.yaml").write_text(
        "rules:\n  armenia-azerbaijan:\n    min_score: 3\n"
        "    pair: {first: [Armenia, Nikol Pashinyan], second: [Azerbaijan, Ilham Aliyev], weight: 3}\n"
        "  armenia-other:\n    actors: [Armenia, Azerbaijan]\n    actor_weight: 0.1\n    min_score: 1\n",
        encoding="utf-8")
    p = load_pack(str(root))
    assert topic_of(p, "Pashinyan and Aliyev meet in Prague", "They talked.") == "armenia-azerbaijan"
    # one camp only: no pair; 0.1 x (3 title + 2 lead) = 0.5 < 1
    assert topic_of(p, "Armenia buys wheat", "Armenia imports wheat.") == "other"
    art = Article(source_file="t", source_path="t", format="digest", title="Armenia buys wheat",
                  text="Armenia imports wheat.", language="en")
    art.annotations["entities"] = E.extract_entities(art, p, use_ner=False)
    assert 0 < T.topic_scores(art, p)["armenia-other"] < 1


def test_labels_and_rules_come_from_the_pack(tmp_path):
    """A pack with other labels and rules changes the output with no code change."""
    from tocsin.packs import load_pack

    root = write_pack(tmp_path / "other")
    (root / "pack.yaml").write_text((root / "pack.yaml").read_text().replace(
        "topics: {labels: [armenia-azerbaijan, armenia-other, other], default: other}",
        "topics: {labels: [war, misc], default: misc}"), encoding="utf-8")
    (root / "topics.yaml").write_text("rules:\n  war:\n    keywords: [{phrase: shelling, weight: 5}]\n    min_score: 3\n",
                                      encoding="utf-8")
    p = load_pack(str(root))
    assert topic_of(p, "Shelling overnight", "Houses hit.") == "war"
    assert topic_of(p, "Concert", "Music.") == "misc"


def test_stage_sets_topic_annotation(pack):
    from tocsin.pipeline import REGISTRY

    st = REGISTRY.get("topic")
    assert st.order > REGISTRY.get("entities").order and "entities" in st.needs
    E.set_pack(pack)
    try:
        art = Article(source_file="t", source_path="t", format="digest", title="Blockade of Artsakh continues",
                      text="", language="en")
        art = REGISTRY.get("entities").fn(art)
        art = st.fn(art)
        assert art.annotations["topic"] == "armenia-azerbaijan"
        assert {k for k in art.annotations["topic_scores"] if ":" not in k} == {"armenia-azerbaijan", "armenia-other"}
    finally:
        E.set_pack(None)


def test_builtin_pack_topics_if_present():
    from tocsin.packs import load_pack

    try:
        p = load_pack("south-caucasus")
    except Exception as e:
        pytest.skip(f"built-in pack not loadable yet: {e}")
    if not p.section("topics"):
        pytest.skip("built-in pack has no topics.yaml yet")
    assert topic_of(p, "Azerbaijan blocks the Lachin corridor", "Nagorno-Karabakh is under blockade.") == "armenia-azerbaijan"
    assert topic_of(p, "Local bakery wins award", "The bakery in Ohio won a prize. " + FILLER) == "other"
