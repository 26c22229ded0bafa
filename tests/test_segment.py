"""Digest segmentation on small digests written here in the formats scrapers produce."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from tocsin.model import BUNDLE, RawDocument
from tocsin.segment.lines import parse_date_line, parse_dateline
from tocsin.segment.split import segment_digest


def _doc(text: str, name: str = "digest.txt") -> RawDocument:
    return RawDocument(source_path=name, source_file=name, format="digest", kind=BUNDLE, text=text, line_start=1)


def _para(words: int, seed: str = "The delegation discussed") -> str:
    filler = ("regional security humanitarian access along main road villages water electricity schools "
              "farmers winter prices border guards families").split()
    step = 1 + sum(map(ord, seed)) % 7  # distinct paragraphs for distinct seeds
    return seed + " " + " ".join(filler[(i * step + len(seed)) % len(filler)] for i in range(words)) + "."


NEWS_DIGEST = "\n".join([
    "Border villages report night of heavy shelling",  # 1
    "",
    "Mar 3 2022",  # 3
    "",
    _para(30),  # 5
    "",
    "Residents Describe the Damage",  # 7: a subheading, not a new article
    "",
    _para(25, "Farmers said"),  # 9
    "",
    "",
    "Ministers meet to discuss the corridor",  # 12
    "",
    "",
    "GORIS, MARCH 4, ARMENPRESS. " + _para(20, "Officials met"),  # 15
    "",
    _para(20, "They agreed"),  # 17
    "",
    "Asbarez: Community Marks Anniversary in Glendale",  # 19
    "",
    _para(20, "Hundreds gathered"),  # 21
    "",
    "",
    "Mar 6 2022",  # 24: an item with no title starts at its date
    "",
    _para(20, "A software company"),  # 26
])


def test_news_digest_articles_and_metadata():
    arts = segment_digest(_doc(NEWS_DIGEST), pack="south-caucasus")
    assert [a.start_line for a in arts] == [1, 12, 19, 24]
    first, second, third, fourth = arts
    assert first.title == "Border villages report night of heavy shelling"
    assert first.date == "2022-03-03" and not first.date_inferred
    assert "Residents Describe the Damage" in first.text  # subheading stays inside
    assert first.end_line == 9
    # dateline: place, outlet from agency, year from the nearest printed date, prefix out of the body
    assert second.dateline_place == "Goris"
    assert second.outlet == "Armenpress"
    assert second.date == "2022-03-04"
    assert not second.text.startswith("GORIS")
    # "Outlet: Title" carries the outlet
    assert third.title == "Community Marks Anniversary in Glendale" and third.outlet == "Asbarez"
    assert fourth.title is None and fourth.date == "2022-03-06"


SEPARATED = "\n".join([
    "Selected Articles",  # 1
    "",
    "Convoy of aid trucks waits at the checkpoint",  # 3
    "",
    "Share The News",  # 5
    "",
    "Trucks line up at a checkpoint near the border on a cold morning.",  # 7: caption
    "",
    "Trucks line up at the checkpoint near the border on a cold morning.",  # 9: printed twice
    "",
    _para(25, "The convoy"),  # 11
    "",
    "Photo Gallery:",  # 13
    "",
    _para(25, "Drivers said"),  # 15
    "",
    "Read more: Another story about something else entirely",  # 17
    "",
    "Share The News",  # 19
    "Selected Articles",  # 20
    "",
    "Talks resume between the two foreign ministers",  # 22
    "",
    "Share The News",  # 24
    "",
    "Share The News",  # 26
    "Selected Articles",  # 27
    "",
    "Weekly Roundup of Regional Politics – Armenian Weekly",  # 29
    "",
    "Share The News",  # 31
    "",
    _para(20, "In other news"),  # 33
])


def test_separated_digest_boundaries_and_boilerplate():
    arts = segment_digest(_doc(SEPARATED), pack="south-caucasus")
    assert [a.start_line for a in arts] == [3, 22, 29]
    a, stub, c = arts
    assert a.end_line == 17  # trailing separators are outside the span
    assert set(a.boilerplate_lines) == {5, 9, 13, 17}
    assert 7 not in a.boilerplate_lines  # the first print of a caption is content
    assert stub.start_line == stub.end_line == 22 and stub.text == ""
    assert c.title == "Weekly Roundup of Regional Politics" and c.outlet == "Armenian Weekly"


WEB_PAGE = "\n".join([
    "Follow us on social",  # 1
    "",
    "Shutterstock_12345678-scaled",  # 3
    "",
    "Why the ceasefire is fragile",  # 5
    "",
    "Analysis | Europe",  # 7
    "",
    _para(30, "The ceasefire"),  # 9
    "",
    "Politics Region",  # 11
    "Parliament debates the new border treaty",  # 12: a web card prints its title twice
    "Top photo credit: Soldiers at a checkpoint (photo agency)",  # 13
    "",
    "Parliament debates the new border treaty",  # 15
    "",
    "Newsroom",  # 17
    "",
    _para(20, "Lawmakers argued"),  # 19
    "",
    "keep readingShow less",  # 21
    "Economy",  # 22
    "Top photo credit: A market stall (photo agency)",  # 23
    "",
    "Prices of bread rise again in the capital",  # 25
    "",
    _para(20, "Bakers said"),  # 27
    "",
    "keep readingShow less",  # 29
    "",
    "Latest",  # 31
    "",
    "Newsletter",  # 33
])


def test_web_cards_split_at_end_markers():
    arts = segment_digest(_doc(WEB_PAGE), pack="south-caucasus")
    assert [a.title for a in arts] == ["Why the ceasefire is fragile", "Parliament debates the new border treaty",
                                       "Prices of bread rise again in the capital"]
    card = arts[1]
    assert card.start_line == 12 and {15, 21} <= set(card.boilerplate_lines)
    assert 7 in arts[0].boilerplate_lines  # breadcrumb
    assert arts[2].start_line == 25


def test_related_links_are_boilerplate_but_lists_are_not():
    text = "\n".join([
        "Analyst warns of new escalation",  # 1
        "",
        "May 2 2023",  # 3
        "",
        _para(20, "The analyst said"),  # 5
        "",
        "  • Why the talks stalled in the spring",  # 7
        "  • Will the border clashes return this year?",  # 8
        "",
        _para(20, "He added"),  # 10
        "",
        "  • the first point is about roads;",  # 12
        "  • the second is about the airport.",  # 13
    ])
    [art] = segment_digest(_doc(text), pack="south-caucasus")
    assert {7, 8} <= set(art.boilerplate_lines)
    assert not {12, 13} & set(art.boilerplate_lines)


def test_undated_digest_dates_are_inferred_from_text():
    text = "\n".join([
        "Selected Articles", "",
        "Aid convoy still blocked", "", "Share The News", "",
        "On August 29, 2023 the convoy was still waiting on Saturday at the checkpoint, officials said.", "",
        "Share The News", "Selected Articles", "",
        "History lecture draws crowd", "", "Share The News", "",
        "The lecture covered the medieval kingdoms and their churches in great detail for an hour.",
    ])
    a, b = segment_digest(_doc(text), pack="south-caucasus")
    assert a.date == "2023-08" and a.date_inferred
    assert b.date is None


def test_undated_digest_mixing_month_and_day_mentions():
    text = "\n".join([
        "Selected Articles", "", "Talks stall again", "", "Share The News", "",
        "In September 2023 the talks stalled, and on September 5 they were suspended, officials said.",
    ])
    [a] = segment_digest(_doc(text), pack="south-caucasus")
    assert a.date == "2023-09" and a.date_inferred


def test_printed_dates_parse():
    assert parse_date_line("Dec 18 2023") == "2023-12-18"
    assert parse_date_line("14 Dec 2023") == "2023-12-14"
    assert parse_date_line(" 10:37, 28 November 2023") == "2023-11-28"
    assert parse_date_line("Russia – May 5 2023") == "2023-05-05"
    assert parse_date_line("28 septembre 2023") == "2023-09-28"
    assert parse_date_line("The meeting on May 5 2023 was long and covered many topics") is None
    dl = parse_dateline("YEREVAN, May 5. /TASS/. Talks went on.")
    assert dl and dl.place == "Yerevan" and dl.month == 5 and dl.day == 5 and dl.agency == "TASS"
    assert parse_dateline("SITUATION IN THE REGION, FUTURE OF THE TALKS:") is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.just(""), st.text(min_size=1, max_size=120).filter(lambda s: "\n" not in s and "\r" not in s)),
                max_size=40))
def test_any_text_gives_consistent_spans(lines):
    text = "\n".join(lines)
    arts = segment_digest(_doc(text), pack="south-caucasus")
    n = len(text.split("\n"))
    prev_end = 0
    for a in arts:
        assert 1 <= a.start_line <= a.end_line <= n
        assert a.start_line > prev_end  # ordered, no overlap
        prev_end = a.end_line
        for no in a.boilerplate_lines:
            assert a.start_line <= no <= a.end_line
        for no, _ in a.body_lines:
            assert a.start_line <= no <= a.end_line and no not in a.boilerplate_lines
