"""Trie-shaped alternations match exactly what a longest-first alternation matches (tocsin.textre)."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.textre import trie_alternation


def _sorted_alternation(phrases: list[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="abAB -'é", min_size=1, max_size=6), min_size=1, max_size=12),
       st.text(alphabet="abAB -'éx.", max_size=40))
def test_same_matches_as_longest_first_alternation(phrases: list[str], text: str) -> None:
    for flags in (0, re.IGNORECASE):
        old = re.compile(rf"(?<!\w)({_sorted_alternation(phrases)})(?:s|es)?(?!\w)", flags)
        new = re.compile(rf"(?<!\w)({trie_alternation(phrases, bool(flags))})(?:s|es)?(?!\w)", flags)
        assert [(m.span(), m.group(1)) for m in old.finditer(text)] == \
               [(m.span(), m.group(1)) for m in new.finditer(text)]


def test_longer_phrase_wins_and_empty_list_matches_nothing() -> None:
    rx = re.compile(trie_alternation(["separatist", "separatist regime", "sep"]))
    assert rx.match("separatist regime here").group(0) == "separatist regime"
    assert rx.match("separatists").group(0) == "separatist"
    assert re.search(trie_alternation([]), "anything") is None
