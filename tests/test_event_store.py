"""Events in the store: the corpus stage links incrementally as in one pass; queries; export; CLI."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import tocsin.extract.event_store as es  # noqa: F401  (registers the corpus stage)
from tocsin.corpus import CorpusContext
from tocsin.errors import TocsinError
from tocsin.extract.entities import current_pack
from tocsin.model import Article
from tocsin.store import Store

PACK = current_pack()
SIDED = [o for o in PACK.outlets if o.side][:3]
PLACE = next(p for p in PACK.places if p.lat is not None)


def mention(etype: str, line: int, *, date: str | None = None, source: str | None = None, actor=None,
            target=None, place=None, key=None) -> dict:
    return {"type": etype, "line": line, "date": date, "date_source": source, "actor": actor, "target": target,
            "place": place, "key": key, "cue": "cue", "confidence": 0.7, "sentence": f"Invented sentence {line}.",
            "start": line * 10, "end": line * 10 + 5, "fatalities": None}


def article(n: int, outlet: str | None, date: str, events: list[dict]) -> Article:
    a = Article(source_file=f"f{n}.txt", source_path=f"/in/f{n}.txt", format="digest", title=f"Invented {n}",
                text=f"Invented body number {n}.", outlet=outlet, date=date, language="en")
    a.annotations["events"] = events
    return a


def corpus() -> list[Article]:
    """Five invented articles: one blockade told by three outlets, one shelling by two, noise."""
    o = [x.name for x in SIDED] + [None, None]
    return [
        article(1, o[0], "2023-01-10", [mention("blockade", 3, key="road-siege"),
                                        mention("armed_attack", 4, date="2023-01-08", source="text",
                                                actor="Azerbaijan", place=PLACE.name)]),
        article(2, o[1], "2023-01-11", [mention("blockade", 7, key="road-siege"),
                                        mention("armed_attack", 9, date="2023-01-09", source="text",
                                                actor="Azerbaijan", place=PLACE.name)]),
        article(3, o[2], "2023-02-01", [mention("blockade", 2, key="road-siege")]),
        article(4, o[3], "2023-03-05", [mention("protest", 5, date="2023-03-04", source="text", actor="Armenia")]),
        article(5, o[4], "2023-03-06", [mention("negotiation", 1, actor="Armenia", target="Azerbaijan")]),
    ]


def tables(store: Store) -> tuple[list, list]:
    ev = [tuple(r) for r in store.query("SELECT * FROM events ORDER BY id")]
    ms = [tuple(r) for r in store.query("SELECT * FROM event_mentions ORDER BY event_id, article_id, line")]
    return ev, ms


def ingest(store: Store, arts: list[Article], *, full: bool = False) -> dict:
    ids: list[str] = []
    store.add_articles(arts, new_ids=ids)
    return es.events_corpus_stage(CorpusContext(store=store, new_article_ids=ids, full=full))


def test_one_pass_links_and_fills_the_tables(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        summary = ingest(s, corpus())
        assert summary["mentions"] == 7
        events = es.list_events(s, limit=None, mentions=True)
        blockade = next(e for e in events if e["type"] == "blockade")
        assert len(blockade["mentions"]) == 3 and blockade["n_sources"] == 3
        assert blockade["first_seen"] == "2023-01-10" and blockade["last_seen"] == "2023-02-01"
        attack = next(e for e in events if e["type"] == "armed_attack")
        assert len(attack["mentions"]) == 2
        assert (attack["lat"], attack["lon"]) == (PLACE.lat, PLACE.lon)
        assert {m["side"] for m in blockade["mentions"]} == {o.side for o in SIDED}


@settings(max_examples=12)
@given(st.permutations(range(5)), st.integers(1, 4))
def test_incremental_equals_one_pass(order: list[int], cut: int) -> None:
    import tempfile

    arts = corpus()
    with tempfile.TemporaryDirectory() as d:
        with Store(Path(d) / "one.db") as one, Store(Path(d) / "inc.db") as inc:
            ingest(one, arts)
            batch = [arts[i] for i in order]
            ingest(inc, batch[:cut])
            ingest(inc, batch[cut:])
            ingest(inc, [])  # a run with nothing new changes nothing
            assert tables(inc) == tables(one)
            ingest(inc, [], full=True)
            assert tables(inc) == tables(one)


def test_rerun_is_idempotent(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        arts = corpus()
        ingest(s, arts)
        before = tables(s)
        es.link_store(s, [a.id for a in arts])  # the same articles reported new again
        assert tables(s) == before


def test_filters_and_pagination(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        ingest(s, corpus())
        assert {e["type"] for e in es.list_events(s, type="protest")} == {"protest"}
        assert all(e["place"] == PLACE.name for e in es.list_events(s, place=PLACE.name.upper()))
        assert {e["type"] for e in es.list_events(s, actor="Armenia")} == {"protest", "negotiation"}
        inside = es.list_events(s, date_from="2023-03", date_to="2023-03")
        assert inside and all(e["date"].startswith("2023-03") for e in inside)
        assert not es.list_events(s, date_to="2022")
        everything = es.list_events(s, limit=None)
        pages = list(itertools.chain(*(es.list_events(s, limit=2, offset=o) for o in range(0, len(everything), 2))))
        assert [e["id"] for e in pages] == [e["id"] for e in everything]
        one = es.get_event(s, everything[0]["id"])
        assert one is not None and one["mentions"] and es.get_event(s, "ev-nope") is None
        json.dumps(everything)  # JSON-able for the web layer
        with pytest.raises(TocsinError):
            es.list_events(s, date_from="March")


def test_export_reads_the_tables(tmp_path: Path) -> None:
    from tocsin.export.extracted import linked_events

    with Store(tmp_path / "a.db") as s:
        ingest(s, corpus())
        stored = {e["id"] for e in es.list_events(s, limit=None)}
    with Store(tmp_path / "a.db") as s:
        assert {e["id"] for e in linked_events(s)} == stored


def test_cli_lists_events(tmp_path: Path) -> None:
    from tocsin.cli import app

    db = tmp_path / "a.db"
    with Store(db) as s:
        ingest(s, corpus())
    res = CliRunner().invoke(app, ["events", "--db", str(db), "--type", "blockade", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["type"] == "blockade"
    res = CliRunner().invoke(app, ["events", "--db", str(db), "--from", "soon"])
    assert res.exit_code != 0
