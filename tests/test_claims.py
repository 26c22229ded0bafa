"""Quantitative claims: number parsing, units, hedges, exclusions, attribution, dedup.

Fixtures are sentences written for these tests; the seed corpus is only read (by path, when
present) for one end-to-end score.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.errors import TocsinError
from tocsin.extract.claims import extract_claims
from tocsin.extract.claims_config import load_claims_config
from tocsin.extract.claims_numbers import find_numbers, format_int, parse_words
from tocsin.model import Article

PACK = "south-caucasus"


def article(*paragraphs: str, topic: str | None = "armenia-azerbaijan", language: str = "en") -> Article:
    body = [(i + 1, p) for i, p in enumerate(paragraphs)]
    art = Article(source_file="t.txt", source_path="t.txt", format="digest",
                  text="\n\n".join(paragraphs), body_lines=body, language=language)
    if topic:
        art.annotations["topic"] = topic
    return art


def claims(*paragraphs: str, **kw) -> list[dict]:
    return extract_claims(article(*paragraphs, **kw), PACK)


def one(text: str, **kw) -> dict:
    got = claims(text, **kw)
    assert len(got) == 1, got
    return got[0]


# --------------------------------------------------------------------------- numbers


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=1000, max_value=99_999_999), st.sampled_from(["en", "fr", "space", "dot"]))
def test_formatted_integers_parse_back(n: int, style: str) -> None:
    lang = "fr" if style in ("fr", "dot") else "en"
    s = format_int(n, style)
    found = find_numbers(f"about {s} people", lang)
    assert [m.value for m in found] == [float(n)]
    assert found[0].text == s


@pytest.mark.parametrize("text,value", [
    ("twenty-seven", 27), ("one million", 1e6), ("a hundred thousand", 1e5), ("nineteen", 19),
    ("dix", 10), ("trente", 30), ("quatre-vingt-dix", 90), ("три", 3), ("two thousand five hundred", 2500),
])
def test_number_words(text: str, value: float) -> None:
    assert parse_words(text) == value


@pytest.mark.parametrize("text,value", [
    ("1.5 million", 1.5e6), ("$2,000", 2000), ("1,5 million", 1.5e6), ("95 %", 95), ("3.2", 3.2),
])
def test_digit_forms(text: str, value: float) -> None:
    lang = "fr" if "," in text and "million" in text else "en"
    assert find_numbers(text, lang)[0].value == value


def test_vague_plural_scales_are_not_numbers() -> None:
    assert find_numbers("hundreds of thousands of people and several hundred prisoners") == []


def test_range_keeps_both_ends() -> None:
    n = find_numbers("between 300-400 soldiers")[0]
    assert (n.value, n.value_max) == (300, 400)


# --------------------------------------------------------------------------- claims


def test_units_and_counted_things() -> None:
    got = claims("The blockade of the Lachin corridor left 30,000 children and 20,000 seniors hungry, "
                 "and 19 humanitarian trucks carrying 360 tons of flour waited for eight months at the border.")
    by_unit = {(c["quantity"], c["unit"]) for c in got}
    assert by_unit == {(30000, "people"), (20000, "people"), (19, "trucks"), (360, "tonnes"), (8, "months")}
    trucks = next(c for c in got if c["unit"] == "trucks")
    assert trucks["quote"].startswith("19") and "trucks" in trucks["quote"]
    assert trucks["line"] == 1 and trucks["sentence"].startswith("The blockade")


@pytest.mark.parametrize("phrase,hedge", [
    ("more than 300 people were killed in the shelling", "more than"),
    ("up to 5,000 refugees fled the war", "up to"),
    ("some 40 tons of aid reached the besieged city", "about"),
    ("at least six soldiers were wounded in the attack", "at least"),
    ("1,200 civilians were displaced by the war", None),
])
def test_hedges(phrase: str, hedge: str | None) -> None:
    assert one(phrase[0].upper() + phrase[1:] + ".")["hedge"] == hedge


@pytest.mark.parametrize("sentence", [
    "The war began in 2020 near the border.",
    "Aid to Azerbaijan was barred under Section 907 of the act during the war.",
    "The conflict of three decades ended with the war and the blockade.",
    "A 40-year-old soldier died during the blockade.",
    "The village, inhabited for 3000 years, was shelled during the war.",
    "Two years after the war, the corridor was closed by the army.",
    "Soldiers attacked the border post on September 19 during the offensive.",
    "The two countries fought two wars over Karabakh.",
    "The military said the attack lasted for the last two days.",
])
def test_exclusions(sentence: str) -> None:
    assert claims(sentence) == []


def test_fraction_in_words_is_percent() -> None:
    c = one("After the war the enclave lost three quarters of its territory.")
    assert (c["quantity"], c["unit"]) == (75, "percent")


def test_french_fraction_and_percent() -> None:
    got = claims("Pendant la guerre, l'enclave peuplée à 95 % d'Arméniens perd les trois quarts de son territoire.",
                 language="fr")
    assert {(c["quantity"], c["unit"]) for c in got} == {(95, "percent"), (75, "percent")}


def test_share_of_a_company_is_not_a_claim() -> None:
    assert claims("During the war, the oil company held a 19.99% share of a gas field.") == []


def test_repeated_figure_is_one_claim_unless_the_source_differs() -> None:
    got = claims("The blockade trapped 120,000 people in the enclave.",
                 "The war ended, yet the 120,000 people remained under blockade.",
                 "According to the Armenian government, 120,000 people fled the war.")
    assert [c["line"] for c in got] == [1, 3]
    assert got[1]["attributed_to"] == "Armenian government"


# --------------------------------------------------------------------------- attribution


@pytest.mark.parametrize("text,source", [
    ("According to the Armenian government, 2,500 soldiers died in the war.", "Armenian government"),
    ("The Azerbaijani Defence Ministry said 12 soldiers were wounded in the attack.", "Azerbaijani Defence Ministry"),
    ("On Monday, Armenia's Defense Ministry reported that 3 soldiers were killed at the border.",
     "Armenia's Defense Ministry"),
    ("The blockade of the enclave lasted ten months.", None),
    ("“We counted 70 wounded civilians after the shelling near the border,” said Anna Petrosyan.", "Anna Petrosyan"),
])
def test_english_attribution(text: str, source: str | None) -> None:
    assert one(text)["attributed_to"] == source


@pytest.mark.parametrize("text,source", [
    ("Selon le ministère de la Défense, 40 soldats ont été tués pendant la guerre.", "ministère de la Défense"),
    ("« Nous avons vu 200 réfugiés arriver à la frontière après la guerre », a déclaré Marie Dupont.",
     "Marie Dupont"),
])
def test_french_attribution(text: str, source: str) -> None:
    assert one(text, language="fr")["attributed_to"] == source


def test_number_outside_a_quote_is_the_articles_voice() -> None:
    got = claims("“I have lost everything in this war, my house and my village,” she said. "
                 "Like 100,000 refugees, she fled the blockade.")
    assert got[0]["attributed_to"] is None


def test_block_quote_introduced_by_a_colon() -> None:
    got = claims("A report by the journalist, Jane Roe, summarizes the siege:",
                 "The blockade has left 5,000 children without food in the enclave.",
                 "In the war, 300 soldiers died.")
    assert [c["attributed_to"] for c in got] == ["Jane Roe", None]


def test_unattributed_quote_goes_to_the_last_speaker() -> None:
    got = claims("“The shelling of the city has not stopped for one moment,” said Siranush Sargsyan, a refugee.",
                 "She fled the war. “I had not eaten for three days when I crossed the border.”")
    assert got[0]["attributed_to"] == "Siranush Sargsyan"


def test_one_of_these_sources_are_singular() -> None:
    c = one("One of these detained fighters later confessed that he was paid $1,500 for fighting in the war.")
    assert c["attributed_to"] == "detained fighter" and c["unit"] == "US dollars"


# --------------------------------------------------------------------------- topic and config


def test_off_topic_article_has_no_claims() -> None:
    assert claims("The war left 300 soldiers dead.", topic="other") == []
    # without a topic label, an article with no conflict cues is not scanned either
    assert claims("The exchange rate rose by 0.3 drams to 403 drams in Armenia.", topic=None) == []


def test_invalid_claims_yaml_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "claims.yaml").write_text("skip_topics: [other]\nmax_modifiers: many\n", encoding="utf-8")
    load_claims_config.cache_clear()
    with pytest.raises(TocsinError) as e:
        load_claims_config(str(tmp_path))
    assert e.value.code == "E300" and e.value.line == 2 and "claims.yaml" in str(e.value)


def test_claims_are_json_able() -> None:
    got = claims("Up to one million displaced persons could not return after the war.")
    assert json.loads(json.dumps(got)) == got and got[0]["quantity"] == 1e6


# --------------------------------------------------------------------------- seeds (read by path)

SHARED = Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


@pytest.mark.skipif(not (SHARED / "gold" / "claims.json").exists(), reason="shared gold not present")
def test_gold_claims_recall_and_precision() -> None:
    gold = json.loads((SHARED / "gold" / "claims.json").read_text(encoding="utf-8"))
    preds = []
    for f in sorted({g["file"] for g in gold}):
        lines = (SHARED / "seeds" / f).read_text(encoding="utf-8").split("\n")
        spans = json.loads((SHARED / "gold" / f.replace(".txt", ".json")).read_text(encoding="utf-8"))["articles"]
        for a in spans:
            body = [(i, lines[i - 1]) for i in range(a["start_line"], a["end_line"] + 1)
                    if lines[i - 1].strip() and i != a.get("title_line")]
            art = Article(source_file=f, source_path=f, format="digest", text="\n\n".join(t for _, t in body),
                          body_lines=body, language=a["language"])
            preds += [dict(c, file=f) for c in extract_claims(art, PACK)]

    def match(p: dict, g: dict) -> bool:
        return p["file"] == g["file"] and p["line"] == g["line"] and abs(p["quantity"] - g["quantity"]) <= 0.005 * g["quantity"]

    recall = sum(any(match(p, g) for p in preds) for g in gold) / len(gold)
    precision = sum(any(match(p, g) for g in gold) for p in preds) / max(1, len(preds))
    assert recall >= 0.85 and precision >= 0.8
