"""Event extraction, per-article collapsing, cross-article linking and exports."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tocsin.errors import TocsinError
from tocsin.extract.event_link import ACLED_COLUMNS, link_events, to_acled_rows, to_plover
from tocsin.extract.event_rules import compile_rules, cue_regex
from tocsin.extract.events import article_events, sentence_events
from tocsin.model import Article, Sentence


def types(text: str, lang: str = "en", ref: str | None = "2023-09-20") -> set[str]:
    return {e["type"] for e in sentence_events(text, language=lang, ref=ref) if e["confidence"] >= 0.5}


@pytest.mark.parametrize(
    "text, want",
    [
        ("Enemy units shelled the positions of the northern brigade overnight.", "armed_attack"),
        ("Gunmen opened fire on farmers and killed two civilians near the village.", "attack_on_civilians"),
        ("The only road into the valley has been sealed off and supplies are blocked since May 2021.", "blockade"),
        ("Thousands of residents fled their town after the fighting, an exodus that emptied the valley.", "displacement"),
        ("Police arrested three activists and detained a journalist at the border crossing.", "detention"),
        ("Soldiers destroyed a medieval church and vandalised the old cemetery.", "heritage_destruction"),
        ("The defence minister issued an ultimatum and threatened to use force within days.", "threat"),
        ("The army deployed additional troops and heavy artillery along the border.", "military_buildup"),
        ("The two governments signed a ceasefire agreement in the capital on Monday.", "agreement"),
        ("The foreign ministers met with the mediator and held talks on the peace treaty.", "negotiation"),
        ("A convoy delivered humanitarian aid and hot meals to the displaced families.", "aid"),
        ("Hundreds of protesters held a rally outside the parliament demanding his resignation.", "protest"),
        ("The parliament condemned the attack and the council adopted a resolution.", "condemnation"),
    ],
)
def test_each_type_on_written_sentences(text: str, want: str) -> None:
    assert want in types(text)


@pytest.mark.parametrize(
    "text, lang, want",
    [
        ("L'armée a bombardé la ville pendant la nuit.", "fr", "armed_attack"),
        ("Le blocus du corridor dure depuis des mois.", "fr", "blockade"),
        ("Des milliers de personnes ont été déplacées vers la capitale.", "fr", "displacement"),
        ("Les ministres ont mené des pourparlers à Genève.", "fr", "negotiation"),
        ("Армия обстреляла позиции противника ночью.", "ru", "armed_attack"),
        ("Блокада коридора продолжается уже несколько месяцев.", "ru", "blockade"),
        ("Стороны подписали соглашение о прекращении огня.", "ru", "agreement"),
        ("Полиция задержала двух журналистов.", "ru", "detention"),
    ],
)
def test_french_and_russian_cues(text: str, lang: str, want: str) -> None:
    assert want in types(text, lang)


def test_passing_mentions_are_not_events() -> None:
    assert types("He wrote a diary about the weather and his garden.") == set()
    assert "armed_attack" not in types("Analysts say war crimes trials take years.")
    # A war told with its year or ordinal is an event; "war" alone is not.
    assert "armed_attack" in types("The second war of 2016 reshaped the frontier.")
    assert "armed_attack" not in types("People are tired of talking about war.")


def test_heritage_overrides_attack_on_same_words() -> None:
    got = types("Artillery bombed the cathedral during the siege of the old town.")
    assert "heritage_destruction" in got
    assert "armed_attack" not in got


def test_hypothetical_lowers_confidence() -> None:
    real = sentence_events("The army shelled the villages.")[0]["confidence"]
    hypo = sentence_events("The army could shell the villages if talks fail.")
    assert not hypo or max(e["confidence"] for e in hypo if e["type"] == "armed_attack") < real


def _ents(text: str, names: list[str]) -> list[tuple[int, int, str]]:
    out = []
    for n in names:
        i = text.index(n)
        out.append((i, i + len(n), n))
    return out


def test_actor_and_target_by_position_and_passive_voice() -> None:
    actors = {"Freedonia", "Sylvania"}
    active = "Freedonia attacked Sylvania at dawn on 3 March 2021."
    e = [x for x in sentence_events(active, entities=_ents(active, ["Freedonia", "Sylvania"]), actors=actors)
         if x["type"] == "armed_attack"][0]
    assert (e["actor"], e["target"]) == ("Freedonia", "Sylvania")
    assert e["date"] == "2021-03-03" and e["date_source"] == "text"
    passive = "Sylvania was attacked by Freedonia at dawn."
    e = [x for x in sentence_events(passive, entities=_ents(passive, ["Sylvania", "Freedonia"]), actors=actors)
         if x["type"] == "armed_attack"][0]
    assert (e["actor"], e["target"]) == ("Freedonia", "Sylvania")


def test_place_and_fatalities() -> None:
    text = "Shelling of Ridgetown killed 12 civilians on 4 May 2022."
    e = [x for x in sentence_events(text, entities=_ents(text, ["Ridgetown"]), places={"Ridgetown"})
         if x["type"] == "attack_on_civilians"][0]
    assert e["place"] == "Ridgetown"
    assert e["fatalities"] == 12


def test_relative_date_is_pubdate() -> None:
    e = sentence_events("Yesterday the army shelled the villages.", ref="2023-09-20")[0]
    assert e["date"] == "2023-09-19" and e["date_source"] == "pubdate"


def _article(paras: list[str], *, topic: str | None = "armenia-azerbaijan", date: str = "2023-09-20",
             outlet: str = "Daily A", source_file: str = "a.txt", line0: int = 1) -> Article:
    body = [(line0 + 2 * i, p) for i, p in enumerate(paras)]
    text = "\n\n".join(paras)
    sents, pos = [], 0
    for line, p in body:
        i = text.index(p, pos)
        sents.append(Sentence(p, i, i + len(p), line, "en"))
        pos = i + len(p)
    art = Article(source_file=source_file, source_path=source_file, format="digest", text=text, date=date,
                  language="en", outlet=outlet, body_lines=body, sentences=sents)
    if topic:
        art.annotations["topic"] = topic
    return art


def test_one_mention_per_event_per_article_and_scope() -> None:
    paras = ["On 12 March 2022 the army shelled the northern villages.",
             "The shelling on 12 March 2022 went on for hours.",
             "Separately, the ministers held talks in the capital."]
    evs = article_events(_article(paras))
    kinds = sorted(e["type"] for e in evs)
    assert kinds.count("armed_attack") == 1 and "negotiation" in kinds
    for e in evs:
        assert {"type", "actor", "target", "place", "date", "date_source", "fatalities", "sentence", "line", "start",
                "end", "confidence", "cue"} <= set(e)
        assert e["sentence"] in paras
    assert article_events(_article(paras, topic="other")) == []


def _mentions(art: Article) -> list[dict]:
    out = []
    for e in article_events(art):
        e.update(source_file=art.source_file, outlet=art.outlet, article_id=art.id)
        out.append(e)
    return out


def test_linking_same_event_across_outlets_counts_outlets() -> None:
    s = "On 12 March 2022 the army shelled the northern villages."
    a = _article([s], outlet="Daily A", source_file="a.txt")
    b = _article([s.replace("northern", "hill")], outlet="Daily B", source_file="b.txt")
    c = _article([s.replace("northern", "border")], outlet="Daily B", source_file="c.txt")
    other = _article(["On 30 June 2023 the army shelled the southern villages."], outlet="Daily C",
                     source_file="d.txt")
    events = link_events(_mentions(a) + _mentions(b) + _mentions(c) + _mentions(other))
    attacks = [e for e in events if e["type"] == "armed_attack"]
    assert len(attacks) == 2
    big = max(attacks, key=lambda e: len(e["mentions"]))
    assert len(big["mentions"]) == 3
    assert big["n_sources"] == 2  # two outlets, three articles
    assert {m["source_file"] for m in big["mentions"]} == {"a.txt", "b.txt", "c.txt"}
    assert len({e["id"] for e in events}) == len(events)


def test_named_event_links_without_dates() -> None:
    a = _article(["The Second Karabakh War reshaped the region."], outlet="X", source_file="x.txt")
    b = _article(["Since the 44-day war, tensions have stayed high, as the 2020 war ended badly."], outlet="Y",
                 source_file="y.txt")
    events = [e for e in link_events(_mentions(a) + _mentions(b)) if e["type"] == "armed_attack"]
    assert len(events) == 1 and events[0]["n_sources"] == 2


def test_different_types_do_not_link() -> None:
    a = _article(["On 12 March 2022 the army shelled the villages."], source_file="a.txt")
    b = _article(["On 12 March 2022 the ministers held talks in the capital."], source_file="b.txt",
                 outlet="Daily B")
    assert len(link_events(_mentions(a) + _mentions(b))) == 2


def test_plover_and_acled_shapes() -> None:
    a = _article(["On 12 March 2022 the army shelled the villages, killing 3 civilians."])
    events = link_events(_mentions(a))
    pl = to_plover(events)
    assert pl and {"id", "event", "mode", "actor", "recipient", "date", "location", "sources"} <= set(pl[0])
    assert pl[0]["event"] in {"ASSAULT", "COERCE", "THREATEN", "MOBILIZE", "AGREE", "CONSULT", "AID", "PROTEST",
                              "ACCUSE"}
    rows = to_acled_rows(events)
    assert rows and all(list(r) == ACLED_COLUMNS for r in rows)
    assert json.dumps(rows) and json.dumps(pl)  # JSON-able
    assert any(r["fatalities"] == 3 for r in rows)


def test_cue_syntax() -> None:
    import re

    assert re.search(cue_regex("shell*"), "they shelled it")
    assert re.search(cue_regex("blocked .. road"), "blocked the main mountain road")
    assert not re.search(cue_regex("war"), "warning")


def test_bad_rules_raise_e300() -> None:
    with pytest.raises(TocsinError) as ei:
        compile_rules({"types": {"x": {"rules": []}}}, "events.yaml")
    assert ei.value.code == "E300" and "events.yaml" in str(ei.value)
    with pytest.raises(TocsinError):
        compile_rules({"types": {"x": {"rules": [{"cues": "@nope"}]}}}, "events.yaml")


def _shared() -> Path:
    return Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def test_plover_gold_english_cues() -> None:
    """Third-party PLOVER gold: when a sentence fires, its type should match the coded event."""
    path = _shared() / "external" / "event_coding" / "plover_gsr_cameo.json"
    if not path.is_file():
        pytest.skip("shared event coding gold not present")
    mapping = {"AGREE": "agreement", "PROTEST": "protest", "THREATEN": "threat", "CONSULT": "negotiation",
               "AID": "aid", "MOBILIZE": "military_buildup", "DISAPPROVE": "condemnation", "FIGHT": "armed_attack"}
    n = fired = right = 0
    for rec in json.loads(path.read_text(encoding="utf-8")):
        want = mapping.get(rec.get("event"))
        if not want or not rec.get("text"):
            continue
        n += 1
        got = types(rec["text"], ref=None)
        fired += bool(got)
        right += want in got
    assert fired / n >= 0.35
    assert right / fired >= 0.65


# ----------------------------------------------------------------------------- episodes and linking


def _m(type_: str, article: str, **kw: object) -> dict:
    base = {"type": type_, "actor": None, "target": None, "place": None, "date": None, "date_source": None,
            "key": None, "article_id": article, "source_file": article + ".txt", "line": 1, "outlet": article}
    base.update(kw)
    return base


def test_episode_span_keys_dates_inside_it() -> None:
    # A shelling dated inside the 2020 war (its span closes in November) is that war;
    # the same words a year later are not.
    inside = [e for e in sentence_events("On 2 November 2020 the army shelled the town.") if e["type"] == "armed_attack"]
    later = [e for e in sentence_events("On 2 November 2021 the army shelled the town.") if e["type"] == "armed_attack"]
    assert inside and inside[0]["key"] == "second-karabakh-war"
    assert later and later[0]["key"] is None


def test_sentence_naming_two_wars_gives_each_its_episode() -> None:
    text = "After the First Karabakh War the region was calm, until the 44-day war broke out."
    keys = {e["key"] for e in sentence_events(text) if e["type"] == "armed_attack"}
    assert {"first-karabakh-war", "second-karabakh-war"} <= keys


def test_linking_is_transitive_and_keeps_article_events_apart() -> None:
    a = _m("negotiation", "a", actor="Leader X", target="Leader Y", article_date="2023-09-02", date="2023-09-02",
           date_source="pubdate")
    b = _m("negotiation", "b", actor="Leader X", article_date="2023-09-04", date="2023-09-04", date_source="pubdate")
    c = _m("negotiation", "c", target="Leader Y", actor="Leader X", article_date="2023-09-07",
           date="2023-09-07", date_source="pubdate")
    same_article = _m("negotiation", "a", actor="Leader X", line=5, article_date="2023-09-02")
    events = link_events([a, b, c, same_article])
    sizes = sorted(len(e["mentions"]) for e in events)
    assert sizes == [1, 3]  # a-b-c chain (a and c are 5 days apart), a's second telling stays apart


def test_linking_vetoes_conflicting_actor_place_and_distant_dates() -> None:
    base = dict(date="2023-07-25", date_source="text", place="Town A", actor="Army A")
    assert len(link_events([_m("blockade", "a", **base), _m("blockade", "b", **base)])) == 1
    for change in ({"place": "Town B"}, {"actor": "Army B"}, {"date": "2023-08-25"}):
        other = _m("blockade", "b", **{**base, **change})
        assert len(link_events([_m("blockade", "a", **base), other])) == 2, change
    # An undated telling never joins a dated one without a shared episode key.
    assert len(link_events([_m("blockade", "a", **base), _m("blockade", "b", actor="Army A")])) == 2


def test_named_key_links_undated_mentions_of_a_long_episode() -> None:
    ms = [_m("blockade", "a", key="lachin-blockade"), _m("blockade", "b", key="lachin-blockade", date="2023-03",
                                                             date_source="text"),
          _m("blockade", "c", date="2023-07-26", date_source="text", place="Lachin corridor")]
    sizes = sorted(len(e["mentions"]) for e in link_events(ms))
    assert sizes == [1, 2]  # a dated incident inside the episode stays its own event


def test_other_conflicts_lose_confidence() -> None:
    from tocsin.extract.event_rules import rules_from_file

    rules = rules_from_file(Path(__file__).resolve().parent.parent / "tocsin" / "packs" / "data" / "south-caucasus"
                            / "events.yaml")
    text = "In 2001 the invasion of the country began."
    ents = [(30, 37, "Somewhere")]
    plain = sentence_events(text, entities=ents, rules=rules)
    foreign = sentence_events(text, entities=ents, rules=rules, core={"Armenia"})
    own = sentence_events(text, entities=[(30, 37, "Armenia")], rules=rules, core={"Armenia"})
    top = lambda cs: max(c["confidence"] for c in cs if c["type"] == "armed_attack")  # noqa: E731
    assert top(foreign) < top(plain) and top(own) >= top(plain)


def test_paragraph_date_carries_to_the_next_sentence() -> None:
    art = _article(["On 29 August 2023 two trucks set off.", "They were stopped by roadblocks on the road."])
    s1, s2 = art.text.split("\n\n")
    art.sentences = [Sentence(text=s1, start=0, end=len(s1), line=7),
                     Sentence(text=s2, start=len(s1) + 2, end=len(s1) + 2 + len(s2), line=7)]
    blocks = [e for e in article_events(art) if e["type"] == "blockade"]
    assert blocks and blocks[0]["date"] == "2023-08-29" and blocks[0]["date_source"] == "text"
