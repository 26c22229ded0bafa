"""Modality, clause scope and roles around event cues (tocsin/extract/event_syntax.py).

All sentences are written for these tests, about invented states, so no rule can lean on
the corpus or the conflict's real names.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.extract.event_syntax import (
    can_be_object,
    can_be_subject,
    clause_start,
    in_proper_name,
    modality_penalty,
)
from tocsin.extract.events import sentence_events

STATES = {"Freedonia", "Sylvania", "Ruritania"}
PLACES = {"Old Town", "Lake Varda"}
GROUPS = frozenset({"Sylvanians"})


def _ents(text: str, names: list[str]) -> list[tuple[int, int, str]]:
    """Whole-word matches, longest name first, no overlaps (a gazetteer's behaviour)."""
    out: list[tuple[int, int, str]] = []
    for n in sorted(names, key=len, reverse=True):
        for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", text):
            if not any(a < m.end() and m.start() < b for a, b, _ in out):
                out.append((m.start(), m.end(), n))
    return sorted(out)


def events(text: str, lang: str = "en") -> list[dict[str, Any]]:
    names = sorted(STATES | PLACES | GROUPS)
    return sentence_events(text, language=lang, ref="2023-05-01", entities=_ents(text, names),
                           actors=set(STATES) | set(GROUPS), places=set(PLACES) | set(STATES), groups=GROUPS)


def kept(text: str, etype: str, lang: str = "en") -> list[dict[str, Any]]:
    return [e for e in events(text, lang) if e["type"] == etype and e["confidence"] >= 0.5]


# ----------------------------------------------------------------------------- modality


@pytest.mark.parametrize(
    "text, etype, lang",
    [
        ("If Freedonia shelled the border villages, the region would burn.", "armed_attack", "en"),
        ("Will Freedonia attack Sylvania before the winter?", "armed_attack", "en"),
        ("Freedonia could attack Sylvania within weeks, analysts say.", "armed_attack", "en"),
        ("Sylvania hopes to reach an agreement with Freedonia soon.", "agreement", "en"),
        ("Freedonia did not attack the border posts last night.", "armed_attack", "en"),
        ("The senator calls on the government to impose sanctions on Freedonia.", "condemnation", "en"),
        ("Attacks on Sylvania are possible in the coming days.", "armed_attack", "en"),
        ("In the near future, Sylvania will host a summit on the dispute.", "negotiation", "en"),
        ("Si Freedonia attaquait Sylvania, la guerre reprendrait.", "armed_attack", "fr"),
        ("Freedonia pourrait bombarder les villages de Sylvania.", "armed_attack", "fr"),
        ("Если Фридония начнет обстрел, Сильвания ответит.", "armed_attack", "ru"),
        ("Фридония может нанести удар по Сильвании.", "armed_attack", "ru"),
    ],
)
def test_unreal_tellings_are_not_events(text: str, etype: str, lang: str) -> None:
    assert not kept(text, etype, lang)


@pytest.mark.parametrize(
    "text, etype",
    [
        ("Freedonia shelled the border villages on 3 May 2023.", "armed_attack"),
        ("Sylvania and Freedonia signed a ceasefire agreement on Monday.", "agreement"),
        # Negation elsewhere in the sentence does not deny the event.
        ("It is no coincidence that Freedonia attacked Sylvania after the election in 2022.", "armed_attack"),
        # Offered aid is an event.
        ("Freedonia said it would accept humanitarian aid from the Red Cross.", "aid"),
        # Asking to free prisoners presupposes the detention.
        ("The parliament demanded that Freedonia release the prisoners of war it detained in 2022.", "detention"),
        # A modal in another clause does not reach the cue.
        ("Sylvania may protest, but Freedonia attacked the border posts on 3 May 2023.", "armed_attack"),
    ],
)
def test_real_tellings_stay(text: str, etype: str) -> None:
    assert kept(text, etype)


def test_aside_under_a_wished_main_clause_is_dropped() -> None:
    text = ("I would like to stress that we will never forget the help of Ruritania during the hard years, "
            "the last of which was the war of 2020.")
    assert not kept(text, "armed_attack")


def test_penalty_is_local_to_the_cue_clause() -> None:
    text = "Sylvania will hold elections, and Freedonia attacked the border posts on 3 May 2023."
    assert modality_penalty(text, text.index("attacked"), "armed_attack") == 0
    text2 = "Freedonia will attack the border posts."
    assert modality_penalty(text2, text2.index("attack"), "armed_attack") > 0.3


# ----------------------------------------------------------------------------- roles


def _one(text: str, etype: str) -> dict[str, Any]:
    found = [e for e in events(text) if e["type"] == etype]
    assert found, text
    return max(found, key=lambda e: e["confidence"])


def test_subject_inside_a_prepositional_phrase_is_not_the_actor() -> None:
    e = _one("Sylvanians thank the people of Ruritania for their help during the offensive in 2020.", "armed_attack")
    assert e["actor"] != "Ruritania"


def test_group_is_no_actor_except_of_a_protest() -> None:
    e = _one("Sylvanians attacked the convoy on 3 May 2023.", "armed_attack")
    assert e["actor"] is None
    p = _one("Sylvanians protested outside the embassy of Freedonia on 3 May 2023.", "protest")
    assert p["actor"] == "Sylvanians"


def test_people_who_flee_are_the_target() -> None:
    e = _one("Sylvanians fled Old Town after the shelling on 3 May 2023.", "displacement")
    assert e["actor"] is None and e["target"] == "Sylvanians"


def test_passive_by_actor_and_victims_of() -> None:
    e = _one("Sylvania was attacked by Freedonia on 3 May 2023.", "armed_attack")
    assert (e["actor"], e["target"]) == ("Freedonia", "Sylvania")
    v = _one("The mission met Sylvanians affected by the shelling of 2022.", "armed_attack")
    assert v["target"] == "Sylvanians" and v["actor"] is None


def test_relative_pronoun_stands_for_its_antecedent() -> None:
    e = _one("The call was one of many by Freedonia, which also held talks with Sylvania on 3 May 2023.",
             "negotiation")
    assert e["actor"] == "Freedonia"


def test_place_is_not_actor_nor_target_and_actor_differs_from_target() -> None:
    e = _one("Freedonia attacked Old Town on 3 May 2023.", "armed_attack")
    assert e["actor"] == "Freedonia" and e["target"] is None and e["place"] == "Old Town"
    s = _one("Freedonia attacked Freedonia on 3 May 2023.", "armed_attack")
    assert s["target"] is None


def test_object_stops_at_comma() -> None:
    e = _one("Days after the offensive in 2023, Freedonia held talks with Sylvania.", "armed_attack")
    assert e["target"] != "Freedonia"


def test_both_sides_named_by_demonym_leaves_actor_open() -> None:
    e = next(x for x in sentence_events("Armenian and Azeri soldiers engaged in a skirmish in July 2020.")
             if x["type"] == "armed_attack")
    assert e["actor"] is None
    e = next(x for x in sentence_events("Azeri soldiers opened fire on the post in July 2020.")
             if x["type"] == "armed_attack")
    assert e["actor"] == "Azerbaijan"


def test_capitalised_cue_inside_a_name_is_no_event() -> None:
    text = "The minister met the chair of the Committee on Refugees and Displaced Persons of the assembly."
    assert in_proper_name(text, text.index("Displaced"), text.index("Displaced") + 9)
    assert not kept(text, "displacement")
    headline = "Thousands Displaced As Fighting Spreads"
    assert not in_proper_name(headline, headline.index("Displaced"), headline.index("Displaced") + 9)


# ----------------------------------------------------------------------------- invariants

_WORDS = st.sampled_from(["Freedonia", "Sylvania", "the", "army", "attacked", "will", "not", ",", "which", "—",
                          "(", ")", "if", "talks", "by", "of", "fled", "that", "and", "2021", "?"])


@settings(max_examples=80, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=25))
def test_helpers_total_on_arbitrary_word_salad(words: list[str]) -> None:
    text = " ".join(words)
    for pos in range(0, len(text) + 1, 3):
        assert 0 <= clause_start(text, pos) <= pos
        assert modality_penalty(text, pos, "armed_attack") >= 0
    for e in events(text):
        assert e["actor"] is None or e["actor"] != e["target"]
        assert e["actor"] not in PLACES
    if len(text) > 4:
        assert isinstance(can_be_subject(text, 0, 2, len(text)), bool)
        assert isinstance(can_be_object(text, 0, len(text)), bool)
