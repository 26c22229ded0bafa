"""The speed shortcuts change no result: event cue gates, NER paragraph/sentence selection,
the tokenizer's sentence-start test and its cache, fold's ASCII fast path."""
from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.extract import entities, event_rules, ner, tokens
from tocsin.extract.event_rules import CueSet, _alternation, _cueset

# Letters where re.IGNORECASE and str.lower() disagree (dotless/dotted i, long s, Kelvin, final sigma)
# plus ordinary ones, so the gate's case handling is exercised.
_ALPHABET = "abcdeiklmnorstuvwxyzIKSı İſKΣσςəƏ'’- \n.,"
_CUES = ["kill*", "shell* .. village", "cease-fire", "İstila", "ıslah", "ſtrike", "don't", "σκ*", "Kə*"]


def _ungated(cs: CueSet, text: str, lang: str) -> list[tuple[int, int, str]]:
    pat, neg = cs.get(lang)
    if pat is None:
        return []
    blocked = [m.span() for m in neg.finditer(text)] if neg is not None else []
    return [(m.start(), m.end(), m.group(0)) for m in pat.finditer(text)
            if not any(m.start() < be and bs < m.end() for bs, be in blocked)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60), st.lists(st.sampled_from(_CUES), min_size=1, max_size=4))
def test_cue_gate_never_drops_a_match(text, cues):
    cs = _cueset({"en": cues + ["!kill* time"]}, "test")
    assert cs.finditer(text, "en") == _ungated(cs, text, "en")


def test_cue_gate_skips_texts_without_literals():
    cs = _cueset({"en": ["shell*", "artillery .. fire"]}, "test")
    assert cs.gates["en"] is not None
    assert not cs._may_match("Talks resumed in Brussels.", "en")
    assert cs._may_match("SHELLING near the village", "en")
    assert cs.finditer("Artillery  and mortar fire", "en")


def test_cue_without_literal_disables_the_gate():
    assert event_rules._gates(["..", "kill*"]) is None or all(event_rules._gates(["..", "kill*"]))
    assert _alternation([]) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab .!?:\n\"“«(‘'—", max_size=30), st.integers(min_value=0, max_value=30))
def test_after_boundary_matches_the_slice_definition(text, start):
    start = min(start, len(text))
    before = text[:start].rstrip(" \t\"“«(‘'")
    assert entities._after_boundary(text, start) == (not before or before[-1] in ".!?:\n—–•|")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_fold_fast_path_agrees(s):
    slow = "".join(tokens._fold_char(c) for c in
                   unicodedata.normalize("NFKC", s).casefold().translate(tokens._EXTRA_FOLD))
    assert entities.fold(s) == slow


def test_tokenize_cache_returns_independent_lists():
    a = entities.tokenize("Nikol Pashinyan met Ilham Aliyev.")
    a.clear()
    assert len(entities.tokenize("Nikol Pashinyan met Ilham Aliyev.")) == 5


def test_needs_ner_ignores_covered_and_grammar_words():
    text = "The talks went on. Armenia said nothing.\nMeanwhile Maria Dahlmans spoke in September."
    cov = [(m.start(), m.end()) for m in re.finditer("Armenia", text)]
    first = text.split("\n")[0]
    assert not ner.needs_ner(text, 0, first, cov)  # "The" opens a sentence; Armenia is the pack's
    second = text.split("\n")[1]
    assert ner.needs_ner(text, len(first) + 1, second, cov)  # Maria Dahlmans
    assert not ner.needs_ner(text, 0, "Armenian troops left in September, said the EUR report.", [])
    assert ner.needs_ner(text, 0, "they met Armenians", [])  # plural demonyms are kept as groups
    assert ner.needs_ner(text, 0, "the The Hague court", [])  # mid-sentence: not grammar


def test_chunks_merge_adjacent_needed_sentences():
    text = "Maria Dahlmans spoke. Karl Ott agreed. it rained. Ana Vos left."
    units = [m.span() for m in re.finditer(r"[^.]+\.", text)]
    units = [(s + (text[s] == " "), e) for s, e in units]
    got = ner._chunks(text, 0, text, units, lambda off, s: s[0].isupper())
    assert [c for _, c in got] == ["Maria Dahlmans spoke. Karl Ott agreed.", "Ana Vos left."]
    assert all(text[o:o + len(c)] == c for o, c in got)
    assert ner._chunks(text, 0, text, None, None) == [(0, text)]


def test_windows_keep_context_and_whole_names():
    words = [f"w{i}" for i in range(40)]
    words[20:22] = ["Maria", "Dahlmans"]
    words[27:29] = ["Lemkin", "Institute"]  # a capitalised run at the window's edge is taken whole
    text = " ".join(words)
    t = text.index("Maria")
    spans = ner._windows(text, 0, len(text), [(t, t + 5)], 6)
    assert len(spans) == 1
    got = text[spans[0][0]:spans[0][1]].split()
    assert got[0] == "w14" and "Dahlmans" in got and got[-1] == "Institute"
    assert ner._windows(text, 0, len(text), [], 6) == []


def test_windowed_ner_finds_what_whole_sentences_find(monkeypatch):
    if ner.load_model() is None:
        import pytest
        pytest.skip("NER model not installed")
    text = ("In a long statement issued on Tuesday evening after several days of consultations with partners, "
            "the spokesperson Maria Dahlmans of the Lemkin Institute for Genocide Prevention said that the "
            "situation of the displaced families in the border villages near Goris remained extremely difficult, "
            "while Karl Ottmar Vossberg, a lawyer for Human Rights Watch, urged donors to act quickly.")
    monkeypatch.setattr(ner, "NER_WINDOW_WORDS", 0)
    whole = [(m.canonical, m.start, m.end) for m in ner.ner_mentions(text)]
    monkeypatch.setattr(ner, "NER_WINDOW_WORDS", 6)
    windowed = [(m.canonical, m.start, m.end) for m in ner.ner_mentions(text)]
    assert whole and windowed == whole


# ---- dates.find_dates' digit/month pre-gates and split._similar's LCS bound (second pass)

from tocsin.extract import dates
from tocsin.segment import split

_DATE_WORDS = ["12", "2020", "3", "27", "1999", "September", "sept", "Sep.", "mai", "août", "сентября", "ago",
               "three days", "last", "in", "June", "Monday", "yesterday", "hier", "вчера", "of", "to", "-", "/",
               "2021-10-03", "10.11.2020", "th", ",", "the", "week", "ceasefire", "January", "décembre"]


def _ungated_dates(sentence: str, ref: str | None, lang: str) -> list[tuple[int, int, str]]:
    saved = dates._NEEDS_DIGIT, dates._NEEDS_MONTH
    dates._NEEDS_DIGIT = dates._NEEDS_MONTH = frozenset()
    try:
        return dates.find_dates(sentence, ref, lang)
    finally:
        dates._NEEDS_DIGIT, dates._NEEDS_MONTH = saved


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_DATE_WORDS), max_size=8), st.sampled_from(["en", "fr", "ru", "hy"]),
       st.sampled_from([None, "2021", "2020-11", "2022-09-14"]))
def test_date_gates_change_nothing(words: list[str], lang: str, ref: str | None) -> None:
    sentence = " ".join(words)
    assert dates.find_dates(sentence, ref, lang) == _ungated_dates(sentence, ref, lang)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcde fgAB,.'", min_size=10, max_size=60), st.text(alphabet="abcde fgAB,.'", max_size=12),
       st.integers(0, 3))
def test_similar_lcs_bound_changes_nothing(a: str, edit: str, how: int) -> None:
    # near-copies (the case the bound must not reject) as well as unrelated lines
    b = [a + edit, edit + a, a[: len(a) // 2] + edit + a[len(a) // 2:], edit * 4][how]
    fast = split._similar(a, b)
    saved = split._Indel
    split._Indel = None
    try:
        assert fast == split._similar(a, b)
    finally:
        split._Indel = saved


# ---- third pass: narrowed cue alternations, the English sentence shortcut, per-document pack

_OVERLAP_CUES = ["kill*", "killing spree", "spree", "mass killing", "shell*", "shelling .. town", "town hall",
                 "fire", "cease fire", "ceasefire", "fire*"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["kill", "killing", "spree", "mass", "shelling", "town", "hall", "cease",
                                 "fire", "fired", "ceasefire", "the", "KILLING", "Spree", "-", "."]),
                max_size=14),
       st.lists(st.sampled_from(_OVERLAP_CUES), min_size=1, max_size=8))
def test_narrowed_alternation_keeps_leftmost_first_matches(words, cues):
    """Cues sharing words and prefixes: dropping the cues whose literal is absent must not change
    which alternative wins at a position (the full alternation decides in the reference)."""
    text = " ".join(words)
    cs = _cueset({"en": cues}, "test")
    assert cs.finditer(text, "en") == _ungated(cs, text, "en")


def test_narrowed_alternation_is_cached_per_literal_set():
    cs = _cueset({"en": ["kill*", "shell*", "artillery .. fire"]}, "test")
    cs.finditer("They were killed.", "en")
    cs.finditer("Two killed overnight.", "en")
    assert len(cs._narrow) == 1  # same literals present: one narrowed pattern


from tocsin.segment import lang


def test_clearly_english_needs_markers_and_density():
    assert lang._clearly_english("The ministry said that the road would open after the talks.")
    # French, German, Turkish: no English marker words (or too few)
    assert not lang._clearly_english("Le corridor de Latchine est alors placé sous blocus.")
    assert not lang._clearly_english("Was will er in der Stadt, also an der Grenze?")
    assert not lang._clearly_english("Bakı ilə Yerevan arasında danışıqlar davam edir.")
    # a long foreign clause with an English frame stays with the model
    assert not lang._clearly_english("He said: « la victoire ayant un goût d'inachevé, il envoie son armée vers "
                                     "la frontière dès le premier jour » to the press.")


def test_language_stage_still_switches_foreign_sentences():
    from tocsin.model import Article, Sentence

    text = ("The ministry said that the talks would resume after the holidays and that both sides had agreed. "
            "Le corridor de Latchine, véritable ligne de vie pour les habitants de l'enclave, est alors placé "
            "sous blocus.")
    cut = text.index("Le corridor")
    art = Article(source_file="x.txt", source_path="x.txt", format="digest", text=text,
                  sentences=[Sentence(text[:cut].strip(), 0, cut - 1), Sentence(text[cut:], cut, len(text))])
    lang.language_stage(art)
    assert art.language == "en"
    assert art.sentences[0].language == "en"
    assert art.sentences[1].language == "fr"


def test_current_pack_is_resolved_once_per_document(monkeypatch):
    from tocsin.pipeline import _DOC_SCOPE

    calls = []
    monkeypatch.setattr(entities, "_PACK_OVERRIDE", "south-caucasus")
    from tocsin import packs

    real = packs.load_pack
    monkeypatch.setattr(packs, "load_pack", lambda p: calls.append(p) or real(p))
    entities.current_pack(), entities.current_pack()
    assert len(calls) == 2  # outside a document: every call re-checks the pack files
    for _ in range(2):  # two documents: once each, so an edit between documents is seen
        token = _DOC_SCOPE.set({})
        try:
            entities.current_pack(), entities.current_pack()
        finally:
            _DOC_SCOPE.reset(token)
    assert len(calls) == 4


def test_articles_record_the_pack_that_annotated_them():
    from tocsin.model import RawDocument
    from tocsin.packs import load_pack
    from tocsin.pipeline import load_default_stages, process_document

    from tocsin.model import SINGLE

    doc = RawDocument(source_path="x.txt", source_file="x.txt", format="jsonl", kind=SINGLE,
                      text="Azerbaijani forces shelled Stepanakert on Monday, Armenian officials said.",
                      meta={"title": "Shelling", "language": "en"})
    arts = process_document(doc, load_default_stages().ordered())
    pack = load_pack("south-caucasus")
    assert arts and all(a.stages["pack"] == f"south-caucasus@{pack.version}" for a in arts)
