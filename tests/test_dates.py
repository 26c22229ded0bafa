"""Date normalisation: absolute and relative expressions in en/fr/ru against the article date."""
from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.extract.dates import find_dates, normalise_date

REF = "2023-12-14"  # a Thursday


@pytest.mark.parametrize(
    "expr, ref, lang, want",
    [
        ("September 12, 2022", None, "en", "2022-09-12"),
        ("12 September 2022", None, "en", "2022-09-12"),
        ("December 2022", None, "en", "2022-12"),
        ("in 2020", None, "en", "2020"),
        ("le 28 septembre 2023", None, "fr", "2023-09-28"),
        ("en décembre 2022", None, "fr", "2022-12"),
        ("28 сентября 2023 года", None, "ru", "2023-09-28"),
        ("в сентябре 2023", None, "ru", "2023-09"),
    ],
)
def test_absolute(expr: str, ref: str | None, lang: str, want: str) -> None:
    assert normalise_date(expr, ref, lang) == want


@pytest.mark.parametrize(
    "expr, lang, want",
    [
        ("on Tuesday", "en", "2023-12-12"),
        ("yesterday", "en", "2023-12-13"),
        ("three days ago", "en", "2023-12-11"),
        ("last September", "en", "2023-09"),
        ("last month", "en", "2023-11"),
        ("last year", "en", "2022"),
        ("hier", "fr", "2023-12-13"),
        ("il y a deux semaines", "fr", "2023-11-30"),
        ("le mois dernier", "fr", "2023-11"),
        ("вчера", "ru", "2023-12-13"),
        ("три дня назад", "ru", "2023-12-11"),
        ("в прошлом месяце", "ru", "2023-11"),
    ],
)
def test_relative_resolves_against_article_date(expr: str, lang: str, want: str) -> None:
    assert normalise_date(expr, REF, lang) == want


def test_relative_without_reference_is_none() -> None:
    assert normalise_date("three days ago", None) is None
    assert normalise_date("on Tuesday", None) is None


def test_precision_follows_reference() -> None:
    # Against a month-dated article a weekday cannot be pinned down, "last week" only to a month.
    assert normalise_date("on Saturday", "2023-09") is None
    assert normalise_date("last week", "2023-09") == "2023-08"


def test_day_month_without_year_is_not_after_article() -> None:
    assert normalise_date("On August 15", "2023-09-10") == "2023-08-15"
    assert normalise_date("On December 20", "2023-03-01") == "2022-12-20"


def test_not_a_date() -> None:
    assert normalise_date("the blockade continues", REF) is None
    assert normalise_date("", REF) is None


def test_find_dates_spans_are_exact_and_longest_wins() -> None:
    s = "On April 23 of this year a checkpoint appeared; the blockade has lasted since December 2022."
    found = find_dates(s, "2023-09", "en")
    isos = [iso for _, _, iso in found]
    assert "2023-04-23" in isos and "2022-12" in isos
    assert "2022" not in isos  # the bare year inside "December 2022" is not reported twice
    for a, b, _ in found:
        assert s[a:b].strip() == s[a:b]
    assert [a for a, _, _ in found] == sorted(a for a, _, _ in found)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2040, 12, 31)), st.sampled_from(["en", "fr", "ru"]))
def test_round_trip_written_dates(d: date, lang: str) -> None:
    months = {
        "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"],
        "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
               "novembre", "décembre"],
        "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
               "ноября", "декабря"],
    }[lang]
    text = f"{d.day} {months[d.month - 1]} {d.year}"
    assert normalise_date(text, None, lang) == d.isoformat()


@settings(max_examples=40, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=1, max_value=9))
def test_days_ago_is_exact(ref: date, n: int) -> None:
    assert normalise_date(f"{n} days ago", ref.isoformat()) == (ref - timedelta(days=n)).isoformat()


def _shared() -> Path:
    return Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def test_feedparser_date_strings_when_available() -> None:
    """Third-party date strings (feedparser's cases): whatever we return must be the right day."""
    path = _shared() / "external" / "dates" / "feedparser" / "date_parser_cases.jsonl"
    if not path.is_file():
        pytest.skip("shared external dates not present")
    checked = agree = 0
    for raw in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(raw)
        text, want = case.get("input_value"), case.get("expected_value")
        if not isinstance(text, str) or not isinstance(want, list) or len(want) < 3:
            continue
        got = normalise_date(text, None, "en")
        if got is None or len(got) < 10:
            continue
        checked += 1
        # feedparser gives UTC; a timezone may move the day by one.
        agree += abs((date.fromisoformat(got) - date(want[0], want[1], want[2])).days) <= 1
    if checked == 0:
        pytest.skip("no comparable cases")
    assert agree / checked >= 0.8


# ---- date pairs and bare months (added with the events store)
from tocsin.extract.dates import find_dates as _fd  # noqa: E402


def test_range_gives_the_first_date_the_stated_year() -> None:
    got = [iso for _, _, iso in _fd("fighting lasted from March 3 to April 20, 2016 in the hills", "2023-08-01")]
    assert got == ["2016-03-03", "2016-04-20"]
    got = [iso for _, _, iso in _fd("closed from December 28 to January 3, 2021", "2023-08-01")]
    assert got[0] == "2020-12-28"


def test_day_of_this_year_is_one_date() -> None:
    got = _fd("On May 2 of this year, a road was closed.", "2023-08-01")
    assert [iso for _, _, iso in got] == ["2023-05-02"]


def test_bare_month_after_a_preposition() -> None:
    assert [iso for *_, iso in _fd("talks resumed in June, officials said", "2023-08-01")] == ["2023-06"]
    assert [iso for *_, iso in _fd("talks resumed in November", "2023-08-01")] == ["2022-11"]
    assert _fd("the convoy may in may be late", "2023-08-01") == []
    assert _fd("talks resumed in June", None) == []
