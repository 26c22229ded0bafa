"""Store: migrations, idempotent ingest, provenance, resume state, round trips."""
from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.errors import TocsinError
from tocsin.model import Article, Sentence
from tocsin.store import Store, migrations
from tocsin.store.db import split_sql


_AUTO = object()


def make_article(n: int, *, source_file: str = "digest.txt", start_line=_AUTO, **kw) -> Article:
    start = n * 10 + 1 if start_line is _AUTO else start_line
    fields = dict(
        source_file=source_file, source_path=f"/in/{source_file}", format="digest",
        title=f"Report number {n}", text=f"Body of report {n} about the corridor.",
        start_line=start, end_line=None if start is None else start + 5, outlet="Example Wire", date="2023-09-20",
        language="en", file_hash="f" * 64,
    )
    fields.update(kw)
    return Article(**fields)


def test_fresh_store_is_migrated_and_in_wal(tmp_path):
    with Store(tmp_path / "new" / "t.db") as s:
        assert s.schema_version() == migrations()[-1][0]
        tables = {r[0] for r in s.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"articles", "sightings", "files", "errors", "schema_migrations", "articles_fts"} <= tables
        assert s.query("PRAGMA journal_mode")[0][0] == "wal"


def test_reopen_keeps_data_and_does_not_reapply(tmp_path):
    path = tmp_path / "t.db"
    with Store(path) as s:
        s.add_articles([make_article(1)])
    with Store(path) as s:
        assert s.stats()["articles"] == 1
        rows = s.query("SELECT count(*) FROM schema_migrations")
        assert rows[0][0] == len(migrations())


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "t.db"
    with Store(path) as s, s.transaction() as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 'now')")
    for readonly in (False, True):
        with pytest.raises(TocsinError) as err:
            Store(path, readonly=readonly)
        assert err.value.code == "E201"
        assert str(path) in str(err.value)


def test_not_a_store_and_missing_store(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(TocsinError) as err:
        Store(junk)
    assert err.value.code == "E200"
    with pytest.raises(TocsinError) as err:
        Store(tmp_path / "missing.db", readonly=True)
    assert err.value.code == "E200"
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(TocsinError, match="not a tocsin store"):
        Store(other)


def test_readonly_reads_but_cannot_write(tmp_path):
    path = tmp_path / "t.db"
    with Store(path) as writer:
        writer.add_articles([make_article(1)])
        with Store(path, readonly=True) as reader:
            assert reader.stats()["articles"] == 1
            writer.add_articles([make_article(2)])  # reader sees commits of the open writer
            assert reader.stats()["articles"] == 2
            with pytest.raises(TocsinError):
                reader.add_articles([make_article(3)])


def test_split_sql_keeps_trigger_bodies_whole():
    script = "CREATE TABLE a (x);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END;\n-- done\n"
    parts = split_sql(script)
    assert len(parts) == 2 and "SELECT 2" in parts[1]


def test_same_articles_twice_adds_nothing(store):
    batch = [make_article(i) for i in range(3)]
    assert store.add_articles(batch) == 3
    assert store.add_articles(batch) == 0
    assert store.stats()["articles"] == 3
    assert store.stats()["sightings"] == 3  # the same sighting is not recorded twice


def test_overlapping_batch_adds_only_new_and_keeps_provenance(store):
    assert store.add_articles([make_article(i) for i in range(3)]) == 3
    # The same text seen in another file (a re-published digest) is one article, two sightings.
    again = [make_article(i, source_file="other.txt", start_line=100 + i) for i in range(2, 5)]
    assert store.add_articles(again) == 2
    assert store.stats()["articles"] == 5
    art_id = make_article(2).id
    seen = store.query("SELECT source_file FROM sightings WHERE article_id = ? ORDER BY 1", (art_id,))
    assert [r[0] for r in seen] == ["digest.txt", "other.txt"]


def test_trivially_different_copy_is_the_same_article(store):
    a = make_article(1)
    b = make_article(1, text="  " + a.text.upper() + "\n", source_file="copy.txt")
    assert store.add_articles([a, b]) == 1


def test_null_positions_do_not_duplicate_sightings(store):
    a = make_article(1, start_line=None)
    store.add_articles([a])
    store.add_articles([a])
    assert store.stats()["sightings"] == 1


def test_file_status_lifecycle(store):
    sha = "a" * 64
    assert store.file_status(sha) is None
    store.begin_file(sha256=sha, path="/in/x.txt", name="x.txt", size=10)
    assert store.file_status(sha) == "started"
    store.finish_file(sha, status="failed", error="boom")
    assert store.file_status(sha) == "failed"
    store.begin_file(sha256=sha, path="/in/x.txt", name="x.txt", size=10)  # resumed ingest
    store.finish_file(sha, n_articles=4)
    assert store.file_status(sha) == "done"
    row = store.query("SELECT attempts, n_articles, error FROM files WHERE sha256 = ?", (sha,))[0]
    assert (row["attempts"], row["n_articles"], row["error"]) == (2, 4, None)
    with pytest.raises(TocsinError):
        store.finish_file(sha, status="finished")
    with pytest.raises(TocsinError):
        store.finish_file("b" * 64)


def test_errors_and_stats(store):
    store.record_error(file="bad.html", line=3, code="E106", message="malformed HTML")
    store.add_articles([make_article(1, language="fr", outlet=None, date="2020"),
                        make_article(2, date="2023-10-02")])
    st_ = store.stats()
    assert st_["errors"] == 1
    assert st_["by_language"] == {"en": 1, "fr": 1}
    assert st_["by_outlet"] == {"Example Wire": 1, "unknown": 1}
    assert st_["date_range"] == {"min": "2020", "max": "2023-10-02"}
    assert store.query("SELECT code, line FROM errors")[0][:] == ("E106", 3)


def test_iter_articles_streams_in_order_and_allows_writes(store):
    arts = [make_article(i, source_file=f, start_line=line)
            for i, (f, line) in enumerate([("b.txt", 5), ("a.txt", 30), ("a.txt", 2), ("b.txt", 1), ("c.txt", 9)])]
    store.add_articles(arts)
    store.add_articles([make_article(9, source_file="a.txt", start_line=None)])
    seen = []
    for art in store.iter_articles(batch=2):
        seen.append((art.source_file, art.start_line))
        store.update_annotations(art.id, {"seen": True})  # writing mid-iteration is fine
    assert seen == [("a.txt", None), ("a.txt", 2), ("a.txt", 30), ("b.txt", 1), ("b.txt", 5), ("c.txt", 9)]
    assert all(a.annotations["seen"] for a in store.iter_articles())


def test_update_annotations_merges_and_sets_labels(store):
    a = make_article(1, annotations={"entities": [{"name": "Goris"}]})
    store.add_articles([a])
    store.update_annotations(a.id, {"events": [{"type": "aid"}]}, topic="armenia-azerbaijan",
                             perspective="neutral")
    got = store.get_article(a.id)
    assert got.annotations["entities"] == [{"name": "Goris"}]
    assert got.annotations["events"] == [{"type": "aid"}]
    assert got.annotations["topic"] == "armenia-azerbaijan"
    assert store.stats()["by_topic"] == {"armenia-azerbaijan": 1}
    # A stage that stores a label as a dict still fills the filterable column.
    store.update_annotations(a.id, {"perspective": {"label": "pro-armenian", "score": 0.8}})
    assert store.query("SELECT perspective FROM articles")[0][0] == "pro-armenian"
    with pytest.raises(TocsinError):
        store.update_annotations("nope", {})


def test_interrupted_write_rolls_back(store):
    store.add_articles([make_article(0)])

    def batch():
        yield make_article(1)
        yield make_article(2)
        raise RuntimeError("killed mid-ingest")

    with pytest.raises(RuntimeError):
        store.add_articles(batch())
    assert store.stats()["articles"] == 1
    assert store.integrity_check() == "ok"
    fts_ok = store.query("SELECT count(*) FROM articles_fts")  # FTS still readable
    assert fts_ok[0][0] == 1
    assert store.add_articles([make_article(1)]) == 1  # store usable afterwards


def test_lock_contention_is_a_tocsin_error(tmp_path):
    path = tmp_path / "t.db"
    with Store(path) as first:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            first._conn.execute("PRAGMA busy_timeout = 50")
            with pytest.raises(TocsinError) as err:
                first.add_articles([make_article(1)])
            assert err.value.code == "E200"
        finally:
            other.execute("ROLLBACK")
            other.close()


text_st = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
opt_text = st.none() | text_st
opt_int = st.none() | st.integers(min_value=0, max_value=2**40)
json_leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | text_st
json_val = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)

articles_st = st.builds(
    Article,
    source_file=text_st.filter(bool), source_path=text_st, format=st.sampled_from(["digest", "html", "warc"]),
    text=text_st, title=opt_text, title_line=opt_int, outlet=opt_text,
    date=st.none() | st.sampled_from(["2020", "2021-03", "2023-09-20"]), date_inferred=st.booleans(),
    dateline_place=opt_text, author=opt_text, language=st.none() | st.sampled_from(["en", "fr", "hy"]),
    url=opt_text, start_line=opt_int, end_line=opt_int, byte_start=opt_int, byte_end=opt_int,
    boilerplate_lines=st.lists(st.integers(1, 10**6), max_size=5),
    body_lines=st.lists(st.tuples(st.none() | st.integers(1, 10**6), text_st), max_size=3),
    sentences=st.lists(st.builds(Sentence, text=text_st, start=st.integers(0, 1000), end=st.integers(0, 1000),
                                 line=opt_int, language=st.none() | st.just("en")), max_size=3),
    annotations=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k not in ("topic", "perspective")),
                                json_val, max_size=3),
    stages=st.dictionaries(st.text(max_size=8), st.text(max_size=3), max_size=2),
    doc_id=text_st, file_hash=st.text("0123456789abcdef", max_size=64),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(art=articles_st)
def test_article_round_trips_through_store(art):
    with tempfile.TemporaryDirectory() as d, Store(Path(d) / "t.db") as s:
        assert s.add_articles([art]) == 1
        assert s.get_article(art.id) == art
        assert list(s.iter_articles()) == [art]


def test_facet_migration_backfills_an_older_store(tmp_path):
    path = tmp_path / "old.db"
    art = Article(source_file="a.txt", source_path="a.txt", format="digest", title="T", text="Body text here.")
    art.annotations = {"entities": [{"name": "Lachin", "type": "place"}], "events": [{"type": "blockade"}]}
    with Store(path) as s:
        s.add_articles([art])
    conn = sqlite3.connect(path)  # make it a store from before migration 0007
    for stmt in ("DROP TRIGGER article_facets_ai", "DROP TRIGGER article_facets_au", "DROP TRIGGER article_facets_ad",
                 "DROP TABLE article_facets", "DROP INDEX articles_outlet", "DELETE FROM schema_migrations WHERE version = 7"):
        conn.execute(stmt)
    conn.commit()
    conn.close()
    with Store(path) as s:
        rows = {tuple(r) for r in s.query("SELECT kind, value FROM article_facets")}
    assert rows == {("entity", "Lachin"), ("event_type", "blockade")}


def test_odd_annotation_items_do_not_block_inserts(tmp_path):
    art = Article(source_file="a.txt", source_path="a.txt", format="digest", title="T", text="Body.")
    art.annotations = {"entities": ["Lachin", 3, {"name": 5}, {"name": "Goris"}], "events": {"type": "x"}}
    with Store(tmp_path / "s.db") as s:
        assert s.add_articles([art]) == 1
        assert [tuple(r) for r in s.query("SELECT kind, value FROM article_facets")] == [("entity", "Goris")]


def test_migrate_command_upgrades_in_place_and_refuses_a_missing_store(tmp_path):
    from typer.testing import CliRunner

    from tocsin.cli import app

    path = tmp_path / "s.db"
    with Store(path) as s:
        s.add_articles([Article(source_file="a.txt", source_path="a.txt", format="digest", title="T", text="B.")])
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM schema_migrations WHERE version = 7")
    conn.commit()
    conn.close()
    with pytest.raises(TocsinError, match="tocsin migrate"):
        Store(path, readonly=True)
    res = CliRunner().invoke(app, ["migrate", "--db", str(path)])
    assert res.exit_code == 0 and str(migrations()[-1][0]) in res.output
    Store(path, readonly=True).close()
    res = CliRunner().invoke(app, ["migrate", "--db", str(tmp_path / "missing.db")])
    assert res.exit_code != 0 and "not found" in str(res.exception)  # the entry point prints it in one line
    assert not (tmp_path / "missing.db").exists()


def test_facet_triggers_never_block_a_write_with_bad_json(tmp_path):
    art = Article(source_file="a.txt", source_path="a.txt", format="digest", title="T", text="Body.")
    art.annotations = {"entities": [{"name": "Goris"}]}
    with Store(tmp_path / "s.db") as s:
        s.add_articles([art])
        with s.transaction() as conn:
            conn.execute("UPDATE articles SET extra = '{not json' WHERE id = ?", (art.id,))
        assert not s.query("SELECT 1 FROM article_facets")
