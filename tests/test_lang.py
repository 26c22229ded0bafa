"""Language identification: scripts, model, confidence, configuration and the stage."""
from __future__ import annotations

import pytest

from tocsin.errors import TocsinError
from tocsin.model import Article, Sentence
from tocsin.segment import lang as L
from tocsin.segment.lang import detect_language, language_stage, set_candidate_languages
from tocsin.segment.sentences import sentences_stage


@pytest.fixture(autouse=True)
def _default_candidates():
    set_candidate_languages(None)
    yield
    set_candidate_languages(None)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("The ceasefire was violated again last night near the border villages.", "en"),
        ("Le cessez-le-feu a de nouveau été violé la nuit dernière près de la frontière.", "fr"),
        ("Հրադադարը կրկին խախտվել է անցած գիշեր սահմանամերձ գյուղերի մոտ։", "hy"),
        ("Atəşkəs dünən gecə sərhəd kəndləri yaxınlığında yenidən pozulub.", "az"),
        ("Прошлой ночью режим прекращения огня вновь был нарушен у пограничных сёл.", "ru"),
        ("Ateşkes dün gece sınır köyleri yakınında yeniden ihlal edildi.", "tr"),
        ("Режим припинення вогню знову порушили минулої ночі біля прикордонних сіл.", "uk"),
        ("ცეცხლის შეწყვეტის რეჟიმი კვლავ დაირღვა საზღვართან.", "ka"),
    ],
)
def test_detects_conflict_languages(text: str, expected: str) -> None:
    code, conf = detect_language(text)
    assert code == expected
    assert conf >= L.MIN_CONFIDENCE


def test_names_only_and_short_text_are_unsure() -> None:
    for text in ("Nikol Pashinyan", "Ilham Aliyev, Nikol Pashinyan", "Stepanakert, Shusha, Lachin.", "Hello."):
        assert detect_language(text)[1] < L.MIN_CONFIDENCE, text


def test_no_letters_is_undetermined() -> None:
    assert detect_language("") == ("und", 0.0)
    assert detect_language("12 34 — 2020-09-27") == ("und", 0.0)


def test_schwa_in_a_name_does_not_make_english_azerbaijani() -> None:
    assert detect_language("President Ilham Əliyev said the military operation was over now.")[0] == "en"


def test_candidates_restrict_the_answer() -> None:
    text = "Ateşkes dün gece sınır köyleri yakınında yeniden ihlal edildi."
    assert detect_language(text, candidates=["en", "az"])[0] == "az"
    assert detect_language(text)[0] == "tr"  # a per-call list does not change the default


def test_set_candidate_languages_configures_and_validates() -> None:
    set_candidate_languages(["EN", "fr-FR"])
    assert L.get_candidate_languages() == ("en", "fr")
    assert detect_language("Der Waffenstillstand wurde gestern erneut gebrochen.")[0] in {"en", "fr"}
    with pytest.raises(TocsinError) as e:
        set_candidate_languages(["en", "qq"])
    assert e.value.code == "E301" and "qq" in str(e.value)
    with pytest.raises(TocsinError):
        set_candidate_languages([])
    assert L.get_candidate_languages() == ("en", "fr")  # a bad list leaves the old one


def _article(paragraphs: list[str], title: str | None = None, language: str | None = None) -> Article:
    art = Article(
        source_file="x.txt", source_path="x.txt", format="digest", title=title, language=language,
        text="\n\n".join(paragraphs), body_lines=[(i + 1, p) for i, p in enumerate(paragraphs)],
    )
    return sentences_stage(art)


def test_stage_article_and_sentence_languages() -> None:
    art = _article(
        [
            "The army shelled several villages on Tuesday. Residents fled towards the capital.",
            "Nikol Pashinyan. Ilham Aliyev.",
            "One witness wrote: « Les habitants ont tout perdu dans les bombardements. » Aid has not arrived.",
        ],
        title="Villages shelled near the border",
    )
    art = language_stage(art)
    assert art.language == "en"
    by_text = {s.text: s.language for s in art.sentences}
    assert by_text["Nikol Pashinyan."] == "en"  # names-only: inherits
    assert by_text["Ilham Aliyev."] == "en"
    assert by_text["One witness wrote: « Les habitants ont tout perdu dans les bombardements. »"] in {"en", "fr"}
    assert by_text["Aid has not arrived."] == "en"
    fr = _article(["Les habitants ont tout perdu dans les bombardements de la nuit dernière."])
    fr.sentences.append(Sentence("Ilham Aliyev.", 0, 0))
    fr = language_stage(fr)
    assert fr.language == "fr" and [s.language for s in fr.sentences] == ["fr", "fr"]


def test_stage_foreign_sentence_switches_language() -> None:
    art = _article(
        [
            "The army shelled several villages on Tuesday and residents fled towards the capital.",
            "Прошлой ночью режим прекращения огня вновь был нарушен у пограничных сёл.",
        ]
    )
    art = language_stage(art)
    assert art.language == "en"
    assert [s.language for s in art.sentences] == ["en", "ru"]


def test_stage_reader_language_kept_only_when_unsure() -> None:
    unsure = language_stage(_article([], title="Nikol Pashinyan", language="hy-AM"))
    assert unsure.language == "hy"
    sure = language_stage(
        _article(["Le gouvernement a annoncé hier soir la fin des combats dans la région."], language="en")
    )
    assert sure.language == "fr"


def test_stage_title_only_article() -> None:
    art = language_stage(_article([], title="Le gouvernement annonce la fin des combats dans la région"))
    assert art.language == "fr" and art.sentences == []


def test_stage_registered_after_sentences() -> None:
    from tocsin.pipeline import REGISTRY

    names = [s.name for s in REGISTRY.ordered(["language", "sentences"])]
    assert names == ["sentences", "language"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gives_a_candidate_and_a_probability(text: str) -> None:
    code, conf = detect_language(text)
    assert code in L.DEFAULT_CANDIDATES or (code == "und" and conf == 0.0)
    assert 0.0 <= conf <= 1.0
