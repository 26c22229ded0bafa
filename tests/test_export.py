"""Export: registry, jsonl round trips, csv/parquet readability, atomic files."""
from __future__ import annotations

import inspect
import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tocsin.export as export
from tocsin.errors import TocsinError
from tocsin.export import EXPORTERS, article_row, export_store, register
from tocsin.export.jsonl import read_jsonl
from tocsin.export.tabular import read_csv
from tocsin.model import Article, Sentence
from tocsin.store import Store

GOLD_KEYS = {"id", "source_file", "start_line", "end_line", "title", "title_line", "outlet", "date",
             "date_inferred", "dateline_place", "author", "language", "topic", "perspective",
             "boilerplate_lines", "entities", "text", "url", "byte_start", "byte_end", "sentences"}


def art(n: int, **kw) -> Article:
    fields = dict(source_file="d.txt", source_path="/in/d.txt", format="digest", title=f"Title {n}",
                  text=f'Body {n}, with "quotes", commas\nand a second line.', start_line=n * 10 + 1,
                  end_line=n * 10 + 8, language="en", date="2023-09-20")
    fields.update(kw)
    return Article(**fields)


def test_articles_rows_carry_gold_fields(store, tmp_path):
    a = art(1, annotations={"entities": [{"name": "Goris", "type": "place"}, "Lachin corridor", {"type": "x"}],
                            "topic": "armenia-azerbaijan", "perspective": {"label": "neutral", "score": 0.6}},
            boilerplate_lines=[13, 14], sentences=[Sentence("Body 1.", 0, 7, 12, "en")])
    store.add_articles([a, art(2)])
    out = export_store(store, tmp_path / "out")
    rows = read_jsonl(out["jsonl"][0])
    assert out["jsonl"][0].name == "articles.jsonl"
    assert [r["start_line"] for r in rows] == [11, 21]
    first = rows[0]
    assert GOLD_KEYS <= set(first)
    assert [e["name"] for e in first["entities"]] == ["Goris", "Lachin corridor"]
    assert (first["topic"], first["perspective"]) == ("armenia-azerbaijan", "neutral")
    assert first["sentences"] == [{"text": "Body 1.", "start": 0, "end": 7, "line": 12, "language": "en"}]
    assert rows[1]["entities"] == [] and rows[1]["topic"] is None
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["rows"]["articles"] == 2


def test_topic_set_through_store_reaches_export(store, tmp_path):
    a = art(1)
    store.add_articles([a])
    store.update_annotations(a.id, {}, topic="other", perspective="n/a")
    row = read_jsonl(export_store(store, tmp_path / "o")["jsonl"][0])[0]
    assert (row["topic"], row["perspective"]) == ("other", "n/a")


def test_csv_and_parquet_read_back(store, tmp_path):
    store.add_articles([art(i) for i in range(7)] + [art(9, title=None, date=None, start_line=None, end_line=None)])
    out = export_store(store, tmp_path / "out", formats=("jsonl", "csv", "parquet"))
    jsonl_rows = read_jsonl(out["jsonl"][0])
    csv_rows = read_csv(out["csv"][0])
    table = pq.read_table(out["parquet"][0])
    assert len(jsonl_rows) == len(csv_rows) == table.num_rows == 8
    assert [r["text"] for r in csv_rows] == [r["text"] for r in jsonl_rows]  # newlines and quotes survive
    assert [json.loads(r["sentences"]) for r in csv_rows] == [r["sentences"] for r in jsonl_rows]
    assert table.column("start_line").to_pylist() == [r["start_line"] for r in jsonl_rows]
    assert str(table.schema.field("start_line").type) == "int64"
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_empty_store_exports_valid_empty_files(store, tmp_path):
    out = export_store(store, tmp_path / "out", formats=("jsonl", "csv", "parquet"))
    assert read_jsonl(out["jsonl"][0]) == []
    assert out["csv"][0].read_text().startswith("id,source_file")
    table = pq.read_table(out["parquet"][0])
    assert table.num_rows == 0 and "entities" in table.schema.names


def test_registered_table_is_exported_in_every_format(store, tmp_path):
    def events(s: Store):
        for i in range(3):
            yield {"id": f"e{i}", "type": "aid", "fatalities": None if i else 4,
                   "mentions": [{"source_file": "d.txt", "line": i}]}

    register("events_test")(events)
    try:
        out = export_store(store, tmp_path / "out", formats=("jsonl", "csv", "parquet"))
    finally:
        EXPORTERS.pop("events_test")
    names = {p.name for paths in out.values() for p in paths}
    assert {"events_test.jsonl", "events_test.csv", "events_test.parquet"} <= names
    table = pq.read_table(tmp_path / "out" / "events_test.parquet")
    assert table.column("fatalities").to_pylist() == [4, None, None]
    assert json.loads(table.column("mentions")[1].as_py()) == [{"source_file": "d.txt", "line": 1}]


def test_failing_exporter_leaves_no_partial_file(store, tmp_path):
    def broken(s: Store):
        yield {"id": 1}
        raise RuntimeError("store went away")

    register("broken_test")(broken)
    try:
        with pytest.raises(RuntimeError):
            export_store(store, tmp_path / "out", formats=("jsonl", "csv"), tables=["broken_test"])
    finally:
        EXPORTERS.pop("broken_test")
    assert list((tmp_path / "out").iterdir()) == []


def test_bad_requests(store, tmp_path):
    for kwargs in ({"formats": ("xlsx",)}, {"tables": ["nope"]}, {"formats": ()}):
        with pytest.raises(TocsinError) as err:
            export_store(store, tmp_path / "o", **kwargs)
        assert err.value.code == "E400"
    (tmp_path / "file").write_text("x")
    with pytest.raises(TocsinError):
        export_store(store, tmp_path / "file")


def test_article_exporter_streams():
    assert inspect.isgeneratorfunction(EXPORTERS["articles"])
    assert export.COLUMNS["articles"].keys() == article_row(art(1)).keys()


text_st = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
opt_text = st.none() | text_st
opt_int = st.none() | st.integers(0, 2**40)

articles_st = st.builds(
    Article, source_file=text_st.filter(bool), source_path=text_st, format=st.just("digest"),
    text=text_st, title=opt_text, title_line=opt_int, outlet=opt_text,
    date=st.none() | st.sampled_from(["2021", "2020-10", "2023-09-19"]), date_inferred=st.booleans(),
    dateline_place=opt_text, author=opt_text, language=st.none() | st.sampled_from(["en", "ru", "az"]),
    url=opt_text, start_line=opt_int, end_line=opt_int, byte_start=opt_int, byte_end=opt_int,
    boilerplate_lines=st.lists(st.integers(1, 10**5), max_size=4),
    sentences=st.lists(st.builds(Sentence, text=text_st, start=st.integers(0, 99), end=st.integers(0, 99),
                                 line=opt_int, language=st.none() | st.just("en")), max_size=3),
    annotations=st.fixed_dictionaries({}, optional={
        "entities": st.lists(st.fixed_dictionaries({"name": text_st.filter(bool), "type": st.just("place")}), max_size=3),
        "topic": st.sampled_from(["armenia-azerbaijan", "other"]),
        "perspective": st.sampled_from(["pro-armenian", "neutral"])}),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arts=st.lists(articles_st, min_size=1, max_size=4))
def test_jsonl_round_trip_keeps_article_values(arts):
    with tempfile.TemporaryDirectory() as d, Store(Path(d) / "s.db") as s:
        s.add_articles(arts)
        out = export_store(s, Path(d) / "out", formats=("jsonl", "csv", "parquet"))
        rows = {r["id"]: r for r in read_jsonl(out["jsonl"][0])}
        unique = {a.id: a for a in reversed(arts)}  # the first copy of a duplicate is the one kept
        assert rows == {i: json.loads(json.dumps(article_row(a))) for i, a in unique.items()}
        for i, a in unique.items():
            r = rows[i]
            assert (r["title"], r["text"], r["date"], r["start_line"], r["byte_end"]) == \
                (a.title, a.text, a.date, a.start_line, a.byte_end)
            assert r["entities"] == a.annotations.get("entities", [])
            assert r["sentences"] == [{"text": x.text, "start": x.start, "end": x.end, "line": x.line,
                                       "language": x.language} for x in a.sentences]
        assert len(read_csv(out["csv"][0])) == pq.read_table(out["parquet"][0]).num_rows == len(unique)
