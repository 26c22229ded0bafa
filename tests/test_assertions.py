"""Civilian harm reported or denied (tocsin/extract/assertions.py) and the contradictions
between a denial and a report (tocsin/compare/contradictions.py). Sentences are invented."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.compare import contradictions as C
from tocsin.export import export_store
from tocsin.extract.assertions import civilian_harm, extract_assertions, rules
from tocsin.model import Article
from tocsin.packs import load_pack

PACK = load_pack("south-caucasus")
R = rules(PACK)


@pytest.mark.parametrize("sentence, expected", [
    ("No civilians were harmed during the operation, the ministry said.", "denial"),
    ("The ministry said civilians were not targeted.", "denial"),
    ("There were no civilian casualties in Khankendi.", "denial"),
    ("The army didn't target civilians, Baku said.", "denial"),
    ("Aucun civil n'a été blessé, selon le ministère.", "denial"),
    ("Мирное население не пострадало.", "denial"),
    ("Azerbaijani shelling killed two civilians in Stepanakert.", "report"),
    ("Dozens of civilians were wounded, local officials said.", "report"),
    ("Des civils ont été tués dans le bombardement.", "report"),
    ("The army took every measure to avoid civilian casualties.", None),   # an intention
    ("The UN urged both sides to protect civilians.", None),               # an appeal
    ("Civilian infrastructure was hit overnight.", None),                  # things, not people
    ("Civilians in the city queued for bread.", None),                      # no harm word
])
def test_civilian_harm_polarity(sentence: str, expected: str | None) -> None:
    found = civilian_harm(sentence, R)
    assert (found[0] if found else None) == expected


@given(st.text(max_size=300))
def test_civilian_harm_never_fails_and_spans_lie_in_the_sentence(text: str) -> None:
    found = civilian_harm(text, R)
    if found:
        _pol, a, b = found
        assert 0 <= a < b <= len(text)


def make(text: str, outlet: str, date: str | None) -> Article:
    art = Article(source_file=f"{outlet}.txt", source_path=f"{outlet}.txt", format="digest", text=text,
                  body_lines=[(1, text)], language="en", outlet=outlet, date=date, start_line=1)
    art.annotations["topic"] = "armenia-azerbaijan"
    art.annotations["assertions"] = extract_assertions(art, PACK)
    return art


DENIAL = "The Azerbaijani defence ministry said no civilians were harmed in the operation in Khankendi."
REPORT = "Two civilians were killed and eleven wounded by shelling in Stepanakert, Armenian officials said."
REPORT_AZ = "Shelling killed two civilians in the Azerbaijani town of Tartar, the Azerbaijani ministry said."


def _pairs(store, *arts: Article) -> dict[str, str]:
    store.add_articles(list(arts))
    C.update_claims(store, [a.id for a in arts], pack=PACK)
    return {r["relation"]: r["reason"] for r in store.query("SELECT relation, reason FROM claim_links")}


def test_denial_contradicts_a_report_of_the_same_week(store) -> None:
    d = make(DENIAL, "Azertac", "2023-09-20")
    r = make(REPORT, "Armenpress", "2023-09-21")
    assert d.annotations["assertions"][0]["polarity"] == "denial"
    assert d.annotations["assertions"][0]["attributed_to"]  # the ministry, not the outlet
    links = _pairs(store, d, r)
    assert "contradicts" in links and "denies harm to civilians" in links["contradicts"]
    pair = C.list_contradictions(store)[0]
    assert {pair["a"]["outlet"], pair["b"]["outlet"]} == {"Azertac", "Armenpress"}
    assert {pair["a"]["kind"], pair["b"]["kind"]} == {"assertion"}
    assert DENIAL in (pair["a"]["sentence"], pair["b"]["sentence"])


@pytest.mark.parametrize("second, date", [
    (REPORT, "2023-11-02"),        # six weeks later: another episode
    (REPORT, None),                # undated: cannot be placed
    (REPORT_AZ, "2023-09-21"),     # harm to the other people
])
def test_denial_is_not_paired_out_of_its_scope(store, second: str, date: str | None) -> None:
    links = _pairs(store, make(DENIAL, "Azertac", "2023-09-20"), make(second, "Armenpress", date))
    assert "contradicts" not in links


def test_two_denials_agree_and_two_reports_are_not_linked(store) -> None:
    other_denial = "Baku said civilians were not targeted during the operation in Khankendi."
    assert "same_as" in _pairs(store, make(DENIAL, "Azertac", "2023-09-20"), make(other_denial, "Trend", "2023-09-20"))


def test_two_reports_are_not_linked(store) -> None:
    assert _pairs(store, make(REPORT, "Armenpress", "2023-09-20"), make(REPORT, "Asbarez", "2023-09-20")) == {}


def test_export_marks_assertions_and_keeps_links(store, tmp_path: Path) -> None:
    _pairs(store, make(DENIAL, "Azertac", "2023-09-20"), make(REPORT, "Armenpress", "2023-09-21"))
    export_store(store, tmp_path, tables=["claims"], formats=["jsonl"])
    rows = [json.loads(x) for x in (tmp_path / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    asserted = [r for r in rows if r["kind"] == "assertion"]
    assert len(asserted) == 2 and all(r["contradicts"] for r in asserted)
    assert {r["quantity"] for r in asserted} == {0.0, 1.0}


def test_bad_assertions_file_names_file_and_line(pack_error) -> None:
    err = pack_error({"assertions.yaml": "civilian_harm:\n  civilians: [civilian]\n  harm: [killed]\n  windw: 3\n"})
    assert "windw" in str(err) and err.line == 4 and "assertions.yaml" in str(err)


def dated(day: str, sentence: str, outlet: str, source: str = "text") -> Article:
    art = Article(source_file=f"{outlet}.txt", source_path=f"{outlet}.txt", format="digest", text=sentence,
                  body_lines=[(1, sentence)], language="en", outlet=outlet, date="2023-10-01", start_line=1)
    art.annotations["events"] = [{"type": "armed_attack", "key": "september-2023-offensive", "date": day,
                                  "date_source": source, "sentence": sentence, "line": 1}]
    return art


@pytest.mark.parametrize("day_b, sentence_b, expected", [
    ("2023-09-20", "The offensive began on 20 September 2023.", "same_as"),       # within the episode
    ("2023-09-24", "The offensive was launched on 24 September 2023.", "contradicts"),
    ("2023-09-24", "The offensive was launched on 24 September.", None),          # year inferred, not written
    ("2024-09-19", "On 19 September 2024 Baku marked a year since the offensive.", None),  # an anniversary
])
def test_days_given_for_one_episode(store, day_b: str, sentence_b: str, expected: str | None) -> None:
    a = dated("2023-09-19", "Azerbaijan launched its offensive on 19 September 2023.", "Armenpress")
    b = dated(day_b, sentence_b, "Azertac")
    links = _pairs(store, a, b)
    assert (next(iter(links)) if links else None) == expected
    if expected == "contradicts":
        assert "2023-09-19 vs 2023-09-24" in links["contradicts"]


def test_a_sentence_can_report_and_deny() -> None:
    s = ("As opposed to the other side that killed 100 civilians in our towns, "
         "the army did not attack the civilian population.")
    from tocsin.extract.assertions import civilian_harm_all
    assert [p for p, _a, _b in civilian_harm_all(s, R)] == ["report", "denial"]


def test_denial_and_report_about_different_episodes_are_not_paired(store) -> None:
    d = make(DENIAL, "Azertac", "2023-09-20")
    r = make(REPORT, "Armenpress", "2023-09-21")
    d.annotations["events"] = [{"type": "armed_attack", "key": "second-karabakh-war", "line": 1, "start": 0}]
    r.annotations["events"] = [{"type": "armed_attack", "key": "september-2023-offensive", "line": 1, "start": 0}]
    assert "contradicts" not in _pairs(store, d, r)


def test_one_articles_denial_and_quoted_report_are_not_a_contradiction(store) -> None:
    text = (DENIAL + " According to rights groups, two civilians were killed in Khankendi.")
    art = make(text, "Azertac", "2023-09-20")
    assert [a["polarity"] for a in art.annotations["assertions"]] == ["denial", "report"]
    assert "contradicts" not in _pairs(store, art)


def test_contradictions_export_flattens_both_sides(store, tmp_path: Path) -> None:
    _pairs(store, make(DENIAL, "Azertac", "2023-09-20"), make(REPORT, "Armenpress", "2023-09-21"))
    export_store(store, tmp_path, tables=["contradictions"], formats=["jsonl", "csv"])
    rows = [json.loads(x) for x in (tmp_path / "contradictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1
    r = rows[0]
    assert {r["a_outlet"], r["b_outlet"]} == {"Azertac", "Armenpress"} and "denies" in r["reason"]
    assert DENIAL in (r["a_sentence"], r["b_sentence"]) and r["a_line"] == 1
    assert (tmp_path / "contradictions.csv").read_text(encoding="utf-8").count("\n") == 2
