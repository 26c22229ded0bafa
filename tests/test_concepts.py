"""Contested concepts in story comparisons (tocsin.compare.concepts, pack concepts.yaml)."""
from __future__ import annotations


import pytest

from tocsin.compare import story_compare
from tocsin.compare.concepts import pack_concepts
from tocsin.model import Article
from tocsin.packs import load_pack

PACK = load_pack("south-caucasus")


def _art(text: str, outlet: str, lang: str = "en") -> Article:
    return Article(source_file="f.txt", source_path="f.txt", format="digest", title="", text=text,
                   date="2023-09-20", outlet=outlet, language=lang, start_line=1)


# Invented sentences, one per camp, about the same offensive.
ARM = _art("Azerbaijan launched a large-scale military aggression against Artsakh, and the exodus began. "
           "Baku called it \"local anti-terrorist measures\".", "Armenpress")
AZE = _art("The local anti-terrorist measures in the Karabakh economic region ended the separatist regime; "
           "Armenian residents were free to leave.", "Azertac")
WIRE = _art("Azerbaijan's one-day offensive forced the ethnic Armenian population to flee; most fled to Armenia.",
            "Reuters")


def _table(members):
    cmp = story_compare.compare_story(members, PACK)
    return {row["concept"]: row for row in cmp["vocabulary"]["concepts"]}


def test_each_side_words_for_the_same_offensive() -> None:
    rows = _table([(ARM, "pro-armenian"), (AZE, "pro-azerbaijani"), (WIRE, "neutral")])
    op = rows["military-operation"]
    assert "large-scale military aggression" in op["by_side"]["pro-armenian"]
    assert "local anti-terrorist measures" in op["by_side"]["pro-azerbaijani"]
    assert "one-day offensive" in op["by_side"]["neutral"]
    # the pack's words for each side come along, so an absent side still shows its usual term
    assert "Khankendi" not in str(op["terms_by_side"])  # places stay in places.yaml
    assert set(op["terms_by_side"]) == {"pro-armenian", "pro-azerbaijani", "neutral"}
    assert "free to leave" in rows["exodus"]["by_side"]["pro-azerbaijani"]
    assert "separatist regime" in rows["karabakh-authorities"]["by_side"]["pro-azerbaijani"]


def test_quoted_words_are_the_speakers_not_the_articles() -> None:
    op = _table([(ARM, "pro-armenian")])["military-operation"]
    assert "local anti-terrorist measures" not in op["by_side"].get("pro-armenian", {})
    assert op["quoted_by_side"]["pro-armenian"]["local anti-terrorist measures"] == 1


def test_concept_most_sides_named_comes_first() -> None:
    rows = story_compare.compare_story([(ARM, "pro-armenian"), (AZE, "pro-azerbaijani")], PACK)
    first = rows["vocabulary"]["concepts"][0]
    assert len(first["by_side"]) == 2


def test_other_pack_has_its_own_concepts() -> None:
    ua = load_pack("russia-ukraine")
    keys = {c.key for c in pack_concepts(ua)}
    assert "the-war" in keys
    a = _art("Moscow insists the special military operation is going to plan.", "TASS")
    b = _art("Kyiv marks 1000 days since the full-scale invasion.", "Kyiv Independent")
    cmp = story_compare.compare_story([(a, "pro-russian"), (b, "pro-ukrainian")], ua)
    war = next(r for r in cmp["vocabulary"]["concepts"] if r["concept"] == "the-war")
    assert war["by_side"] == {"pro-russian": {"special military operation": 1},
                              "pro-ukrainian": {"full-scale invasion": 1}}


@pytest.mark.parametrize("body, message", [
    ("concepts:\n  - key: x\n    label: X\n    terms:\n      pro-nobody: [a]\n", "unknown side 'pro-nobody'"),
    ("concepts:\n  - key: x\n    label: X\n    colour: red\n    terms:\n      neutral: [a]\n", "unknown field 'colour'"),
    ("concepts:\n  - key: x\n    label: X\n    terms:\n      neutral: [a]\n      pro-armenian: [A]\n",
     "listed for both"),
    ("concepts:\n  - key: x\n    label: X\n    terms: {neutral: [a]}\n  - key: x\n    label: Y\n"
     "    terms: {neutral: [b]}\n", "defined twice"),
])
def test_bad_concepts_file_fails_with_its_line(pack_error, body: str, message: str) -> None:
    err = pack_error({"concepts.yaml": "# test\n" + body})
    assert err.code == "E300" and message in str(err)
    assert "concepts.yaml" in str(err) and err.line is not None and err.line >= 2
