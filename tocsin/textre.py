"""Regex alternations of many phrases, built as a prefix trie.

``a|ab|abc`` makes Python's regex engine try every phrase at every position; the trie form
``a(?:b(?:c)?)?`` shares the prefixes, so a text position is rejected after a character or two.
The language is the same, and so is the choice among phrases that match at one position: a
longer phrase is always tried before a phrase that is its prefix, as a longest-first sorted
alternation does. Used for the framing and speaker vocabularies (hundreds of phrases).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""


def trie_alternation(phrases: Iterable[str], ignore_case: bool = False) -> str:
    """A regex (no outer group) matching exactly the given phrases, longest first.

    ``ignore_case``: the regex will run with re.IGNORECASE; letters that differ only in case
    then share one branch, as the engine would treat them ("A-" and "aAA" both start "a")."""
    trie: dict = {}
    for p in set(phrases):
        if not p:
            continue
        node = trie
        for ch in p:
            if ignore_case and len(ch.lower()) == 1:
                ch = ch.lower()
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _build(trie) if trie else r"(?!x)x"


def _longest(node: dict) -> int:
    return max((1 + _longest(sub) for ch, sub in node.items() if ch != _END), default=0)


def _build(node: dict) -> str:
    branches = sorted(((ch, sub) for ch, sub in node.items() if ch != _END),
                      key=lambda kv: (-_longest(kv[1]), kv[0]))
    alts = [re.escape(ch) + _build(sub) for ch, sub in branches]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if _END in node:
        return f"(?:{body})?"
    return body
