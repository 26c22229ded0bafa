"""Perspective per article, on a small hand-made pack and constructed articles."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tocsin.compare import perspective as P
from tocsin.errors import TocsinError
from tocsin.model import Article
from tocsin.packs import load_pack

PACK = """\
format: 1
name: mini
version: "1"
languages: [en]
sides: [camp-a, camp-b, neutral]
topics: {labels: [war, other], default: other}
"""
ACTORS = """\
actors:
  - {name: Land A, type: state, side: camp-a, aliases: [Republic of A]}
  - {name: Land B, type: state, side: camp-b}
  - {name: Leader B, type: person, side: camp-b, aliases: [President Bee]}
"""
PLACES = """\
places:
  - {name: Midtown, kind: city, names_by_side: {camp-a: [Amidtown], camp-b: [Bmidtown]}}
"""
OUTLETS = """\
outlets:
  - {name: A Daily, side: camp-a}
  - {name: B Herald, side: camp-b}
  - {name: Wire, side: neutral}
"""
FRAMING = """\
perspective:
  conflict_topics: [war]
  outlet_prior: 1.0
  min_score: 2.0
  margin: 2.0
  speakers:
    camp-a: [A-ian officials]
    camp-b: [B-ian officials]
framing:
  camp-a:
    - {phrase: ethnic cleansing, weight: 2}
    - {phrase: the homeland of A, weight: 3}
    - {phrase: aggression of B, weight: 2.5}
    - {phrase: blockade, weight: 1}
  camp-b:
    - {phrase: anti-terror measures, weight: 3}
    - {phrase: liberated lands, weight: 3}
    - {phrase: separatist regime, weight: 3}
  neutral:
    - {phrase: accused each other, weight: 1.5}
    - {phrase: could not be independently verified, weight: 2}
"""
A_TERMS = ["ethnic cleansing", "the homeland of A", "aggression of B", "Amidtown"]
B_TERMS = ["anti-terror measures", "liberated lands", "separatist regime", "Bmidtown"]


def write_mini(root: Path, framing: str = FRAMING) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in (("pack", PACK), ("actors", ACTORS), ("places", PLACES), ("outlets", OUTLETS), ("framing", framing)):
        (root / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module", autouse=True)
def _unregister_unless_default():
    """Importing this module registers the stage in THIS process only; until tocsin/stages.py
    imports it, drop it afterwards so runner tests (spawned workers) see the same pipeline."""
    yield
    import tocsin.stages
    from tocsin.pipeline import REGISTRY

    if not hasattr(tocsin.stages, "perspective"):
        REGISTRY.stages.pop("perspective", None)


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return load_pack(str(write_mini(tmp_path_factory.mktemp("pp") / "mini")))


def art(text: str, outlet: str | None = None, topic: str = "war", title: str | None = None) -> Article:
    a = Article(source_file="t.txt", source_path="t.txt", format="digest", text=text, title=title, outlet=outlet)
    a.annotations["topic"] = topic
    return a


def label(pack, text: str, **kw) -> str:
    return P.perspective(art(text, **kw), pack)["label"]


def test_not_the_conflict_is_na(pack):
    r = P.perspective(art("The separatist regime and ethnic cleansing.", topic="other"), pack)
    assert r["label"] == "n/a" and r["evidence"] == []


def test_own_voice_vocabulary_decides(pack):
    assert label(pack, "The liberated lands were cleared after the anti-terror measures in Bmidtown.") == "camp-b"
    assert label(pack, "Ethnic cleansing continues in the homeland of A, in Amidtown.") == "camp-a"


def test_evidence_offsets_point_at_the_words(pack):
    text = "Refugees from Amidtown describe ethnic cleansing. The aggression of B goes on."
    r = P.perspective(art(text), pack)
    assert r["label"] == "camp-a" and 0 < r["confidence"] <= 1
    terms = [e for e in r["evidence"] if e["kind"] == "term"]
    assert terms and all(text[e["start"]:e["end"]].casefold().startswith(e["phrase"].casefold()[:5]) for e in terms)
    assert set(r["scores"]) == {"camp-a", "camp-b", "neutral"}


def test_quoting_the_other_side_does_not_flip(pack):
    own = "Ethnic cleansing of Amidtown goes on; the aggression of B is not over."
    quoted = ' “The anti-terror measures freed the liberated lands from the separatist regime,” B-ian officials said.'
    r = P.perspective(art(own + quoted), pack)
    assert r["label"] == "camp-a"
    assert all(e["side"] != "camp-b" or e["quoted"] for e in r["evidence"])


def test_reported_speech_counts_toward_the_speaker_only_weakly(pack):
    text = "President Bee said that the anti-terror measures in the liberated lands had ended the separatist regime."
    r = P.perspective(art(text), pack)
    assert r["label"] == "neutral"
    assert all(e["quoted"] for e in r["evidence"] if e["side"] == "camp-b")


@settings(max_examples=25)
@given(st.lists(st.sampled_from(B_TERMS), min_size=1, max_size=6), st.sampled_from(["B-ian officials", "President Bee"]))
def test_any_quotation_of_the_other_camp_keeps_the_label(pack, words, speaker):
    base = "Ethnic cleansing is under way in the homeland of A. "
    quote = f'“We will continue the {", the ".join(words)} everywhere,” {speaker} said.'
    assert label(pack, base + quote) == "camp-a"


def test_outlet_prior_tips_weak_text_but_strong_text_overrides(pack):
    weak = "Talks on Midtown resumed. The blockade was mentioned once."
    assert label(pack, weak) == "neutral"
    assert label(pack, weak, outlet="A Daily") == "camp-a"
    strong = "The anti-terror measures ended the separatist regime and the liberated lands of Bmidtown are rebuilt."
    r = P.perspective(art(strong, outlet="A Daily"), pack)
    assert r["label"] == "camp-b"
    assert any(e["kind"] == "outlet" and e["side"] == "camp-a" for e in r["evidence"])


def test_prior_alone_does_not_decide(pack):
    assert label(pack, "Talks on Midtown resumed on Monday.", outlet="B Herald") == "neutral"


def test_balanced_reporting_is_neutral(pack):
    text = ("A-ian officials said that ethnic cleansing was under way. B-ian officials said the anti-terror measures "
            "were over. The two governments accused each other; the claims could not be independently verified.")
    assert label(pack, text, outlet="Wire") == "neutral"


def test_so_called_and_scare_quotes_distance_the_article(pack):
    r = P.perspective(art("The so-called separatist regime spoke, and the 'liberated lands' are empty."), pack)
    dist = [e for e in r["evidence"] if e["kind"] == "distancing"]
    assert {e["side"] for e in dist} == {"camp-a"} and len(dist) == 2
    assert r["scores"]["camp-a"] > r["scores"]["camp-b"] == 0
    r = P.perspective(art("What they call “the homeland of A” is ours."), pack)
    assert r["scores"]["camp-b"] > 0 and r["scores"]["camp-a"] == 0


def test_claimed_by_a_camp_distances_from_it(pack):
    r = P.perspective(art("B-ian officials claimed the road was open."), pack)
    assert any(e["kind"] == "distancing" and e["side"] == "camp-a" for e in r["evidence"])


def test_title_counts(pack):
    r = P.perspective(art("Talks on Midtown resumed.", title="Ethnic cleansing in Amidtown"), pack)
    assert r["label"] == "camp-a"
    assert all(e["start"] is None for e in r["evidence"] if e["kind"] == "term")


def test_bad_settings_name_file_and_line(tmp_path):
    bad = FRAMING.replace("  margin: 2.0\n", "  margn: 2.0\n")
    p = load_pack(str(write_mini(tmp_path / "bad", bad)))
    with pytest.raises(TocsinError) as e:
        P.load_settings(p)
    assert e.value.code == "E300" and e.value.line == 5 and "framing.yaml" in str(e.value.file)
    worse = FRAMING.replace("  margin: 2.0\n", "  margin: lots\n")
    with pytest.raises(TocsinError, match="non-negative number"):
        P.load_settings(load_pack(str(write_mini(tmp_path / "worse", worse))))


def test_stage_registered_and_sets_annotation(pack):
    from tocsin.extract import entities as E
    from tocsin.pipeline import REGISTRY

    st_ = REGISTRY.get("perspective")
    assert st_.order == 75 and set(st_.needs) == {"entities", "topic"}
    E.set_pack(pack)
    try:
        a = st_.fn(art("The liberated lands and the separatist regime."))
    finally:
        E.set_pack(None)
    assert a.annotations["perspective"]["label"] == "camp-b"


def test_perspective_counts(store, pack):
    arts = [art("The liberated lands and anti-terror measures.", outlet="B Herald"),
            art("Ethnic cleansing in the homeland of A.", outlet="A Daily"),
            art("Weather was fine.", outlet="Wire", topic="other")]
    for a in arts:
        a.annotations["perspective"] = P.perspective(a, pack)
    store.add_articles(arts)
    counts = P.perspective_counts(store)
    assert counts["camp-b"] == {"B Herald": 1}
    assert counts["camp-a"] == {"A Daily": 1}
    assert counts["n/a"] == {"Wire": 1}


def test_builtin_packs_load_their_settings():
    for name in ("south-caucasus", "russia-ukraine"):
        p = load_pack(name)
        s = P.load_settings(p)
        assert s.conflict_topics[0] in p.topics and s.neutral in p.sides
        assert P.analyzer(p).regexes
