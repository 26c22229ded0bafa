"""Search: query language, ranking, FTS sync, filters, diacritics, hostile input."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.errors import TocsinError
from tocsin.model import Article
from tocsin.store import Store, parse_query
from tocsin.store.queries import split_markers

FILLER = "Officials met in the capital on Tuesday to discuss budgets, roads and schools. "


def art(title: str | None, text: str, **kw) -> Article:
    fields = dict(source_file=kw.pop("source_file", "d.txt"), source_path="/in/d.txt", format="digest",
                  title=title, text=text, language="en", outlet="Example Wire", date="2023-09-20", start_line=1)
    fields.update(kw)
    return Article(**fields)


def ids(hits) -> list[str]:
    return [h.article_id for h in hits]


def test_title_and_body_phrase_ranks_above_single_body_mention(store):
    strong = art("Lachin corridor blockade continues", FILLER + "The Lachin corridor remains closed. " + FILLER)
    weak = art("Budget talks", FILLER * 3 + "Trucks were stopped near the Lachin corridor. " + FILLER)
    other = art("Weather", FILLER)
    store.add_articles([weak, other, strong])
    hits = store.search('"lachin corridor"')
    assert ids(hits) == [strong.id, weak.id]
    assert hits[0].score > hits[1].score


def test_fts_follows_inserts_updates_and_deletes(store):
    a = art("Convoy", "A humanitarian convoy reached Stepanakert.")
    store.add_articles([a])
    assert ids(store.search("stepanakert")) == [a.id]
    with store.transaction() as conn:  # edits from any writer go through the triggers
        conn.execute("UPDATE articles SET text = 'The convoy waited at Kornidzor.' WHERE id = ?", (a.id,))
    assert store.search("stepanakert") == []
    assert ids(store.search("kornidzor")) == [a.id]
    with store.transaction() as conn:
        conn.execute("DELETE FROM articles WHERE id = ?", (a.id,))
    assert store.search("kornidzor") == [] and store.search("convoy") == []
    with store.transaction() as conn:
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_diacritics_fold_both_ways(store):
    fr = art("Les réfugiés arrivent à Goris", "Des milliers de réfugiés.", language="fr")
    en = art("Refugies count", "A note on the word refugies.")
    store.add_articles([fr, en])
    assert set(ids(store.search("refugies"))) == {fr.id, en.id}
    assert set(ids(store.search("RÉFUGIÉS"))) == {fr.id, en.id}
    assert ids(store.search("arrivent a goris")) == [fr.id]


def test_query_language(store):
    a = art("Shelling of Martuni", "Artillery hit Martuni overnight; residents sheltered.")
    b = art("Drones over Shusha", "Drone strikes were reported near Shusha.")
    c = art("Martuni and Shusha", "Both towns reported shelling.")
    store.add_articles([a, b, c])
    assert set(ids(store.search("martuni shusha"))) == {c.id}  # bare words: AND
    assert set(ids(store.search("martuni OR shusha"))) == {a.id, b.id, c.id}
    assert set(ids(store.search("martuni -shusha"))) == {a.id}
    assert set(ids(store.search("martuni NOT shusha"))) == {a.id}
    assert set(ids(store.search("shell*"))) == {a.id, c.id}
    assert set(ids(store.search('"hit martuni"'))) == {a.id}
    assert store.search('"martuni hit"') == []
    assert set(ids(store.search("-martuni"))) == {b.id}  # only exclusions: everything else
    assert len(store.search("")) == 3  # browse
    assert store.search("!!! ---") == []  # text with nothing searchable finds nothing
    assert store.count("martuni OR shusha") == 3
    assert len(store.search("martuni OR shusha", limit=2)) == 2
    assert len(store.search("martuni OR shusha", limit=2, offset=2)) == 1


def test_parse_query_structure():
    q = parse_query('karabakh "ethnic cleansing" blockade OR siege -weather refug*')
    assert [[t.text for t in g] for g in q.groups] == [["karabakh"], ["ethnic cleansing"], ["blockade", "siege"], ["refug"]]
    assert q.groups[-1][0].prefix and [t.text for t in q.negated] == ["weather"]
    # Hyphenated names are words, not exclusions.
    assert [t.text for g in parse_query("Nagorno-Karabakh").groups for t in g] == ["Nagorno-Karabakh"]
    # An unterminated quote runs to the end instead of failing.
    assert parse_query('"open phrase').groups[0][0].text == "open phrase"


def test_filters(store):
    a = art("Aid arrives", "Aid for Goris.", outlet="Азатутюн", language="hy", date="2023-09")
    b = art("Aid pledged", "Aid for Goris again.", outlet="asbarez", language="en", date="2023-10-02")
    c = art("Aid history", "Aid for Goris long ago.", outlet="Asbarez", language="EN", date="2020")
    d = art("Aid undated", "Aid for Goris, no date.", outlet=None, language=None, date=None)
    store.add_articles([a, b, c, d])
    assert set(ids(store.search("aid", outlet="ASBAREZ"))) == {b.id, c.id}
    assert set(ids(store.search("aid", outlet="азатутюн"))) == {a.id}  # non-ASCII case folding
    assert set(ids(store.search("aid", language="en"))) == {b.id, c.id}
    # Partial dates are intervals: "2023-09" overlaps September 30th; "2020" overlaps 2020-06.
    assert set(ids(store.search("aid", date_from="2023-09-30"))) == {a.id, b.id}
    assert set(ids(store.search("aid", date_from="2020-06", date_to="2020-06"))) == {c.id}
    assert set(ids(store.search("aid", date_from="2021", date_to="2023-09-15"))) == {a.id}
    assert set(ids(store.search("", outlet="asbarez", date_to="2022"))) == {c.id}  # browse + filters
    for bad in ("2023-13", "yesterday", "2023/09/01"):
        with pytest.raises(TocsinError) as err:
            store.search("aid", date_from=bad)
        assert err.value.code == "E301"


def test_snippet_is_plain_text_with_highlight_spans(store):
    body = FILLER + "Shelling <b>resumed</b> near Martakert & Askeran. " + FILLER
    a = art("Front line", body)
    store.add_articles([a])
    hit = store.search("martakert OR askeran")[0]
    assert "<b>resumed</b>" in hit.snippet and "&" in hit.snippet  # raw text, not escaped HTML
    assert "\x01" not in hit.snippet and "\x02" not in hit.snippet
    marked = sorted(hit.snippet[s:e].casefold() for s, e in hit.highlights)
    assert marked == ["askeran", "martakert"]


def test_text_with_marker_characters_gives_no_highlights(store):
    store.add_articles([art("Odd", "control \x01 chars \x02 around Goris")])
    hit = store.search("goris")[0]
    assert "goris" in hit.snippet.casefold() and hit.highlights == []
    assert "\x01" not in hit.snippet


def test_split_markers():
    text, spans = split_markers("a \x01bc\x02 d \x01e\x02")
    assert text == "a bc d e" and [text[s:e] for s, e in spans] == ["bc", "e"]


HOSTILE = ['title:foo', 'NEAR(a b)', '"', '*', 'a OR', 'OR OR', '^foo', '(', ')', 'a AND OR NOT', '\x00',
           "'; DROP TABLE articles; --", '"a" * "b"', 'text:"x"', '{title text}: x', '-', '--x', 'a -', '\u202e',
           'NOT', '"""', "a" * 5000, " ".join(["x"] * 500), "x*" * 300, "ü̈̈̈", "\ud800oops"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_do_not_fail(store, query):
    store.add_articles([art("Foo x", "a b text")])
    assert isinstance(store.search(query), list)
    assert store.count(query) >= 0
    assert store.integrity_check() == "ok"


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    with Store(tmp_path_factory.mktemp("h") / "h.db") as s:
        s.add_articles([art("Ceasefire talks in Moscow", "Foreign ministers met. Ceasefire agreed."),
                        art("Réfugiés", "Les réfugiés arrivent.", language="fr")])
        yield s


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60) | st.lists(st.sampled_from(
    ['"', "*", "-", "OR", "NOT", "AND", "(", ")", ":", "^", "ceasefire", "réf", " ", "NEAR", "+", "\x00"]),
    max_size=12).map("".join))
def test_arbitrary_queries_never_raise(shared_store, query):
    hits = shared_store.search(query)
    for h in hits:
        assert all(0 <= s < e <= len(h.snippet) for s, e in h.highlights)


# -- bounded ranking (issue 8): only the newest RANK_WINDOW matches are ranked ------------------

def _pks(store, article_ids) -> list[int]:
    return [store.query("SELECT pk FROM articles WHERE id = ?", (i,))[0][0] for i in article_ids]


def test_ranking_is_bounded_to_the_newest_matches_and_says_so(store, monkeypatch):
    from tocsin.store import queries

    strong = art("Goris Goris Goris", "Goris, Goris and Goris again.")  # oldest: outside the window
    store.add_articles([strong])
    store.add_articles([art(f"Report {i}", FILLER * (1 + i % 3) + f"Trucks reached Goris, item {i}.")
                        for i in range(11)])
    monkeypatch.setattr(queries, "RANK_WINDOW", 5)
    hits = store.search("goris", limit=50)
    newest = sorted(r[0] for r in store.query("SELECT pk FROM articles"))[-5:]
    assert sorted(_pks(store, ids(hits))) == newest and strong.id not in ids(hits)
    assert all(h.ranked_within == 5 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)  # bm25 order within
    assert store.count("goris") == 5  # what search can return
    with store._lock:
        assert queries.window_info(store._conn, "goris") == {"ranked_within": 5, "truncated": True}
        # Unbounded, the strong old article wins: the window changes which matches compete.
        assert ids(queries.search(store._conn, "goris", window=10**9))[0] == strong.id
    # Paging stops at the window.
    assert len(store.search("goris", limit=3, offset=3)) == 2


def test_no_bound_when_matches_fit_in_the_window(store, monkeypatch):
    from tocsin.store import queries

    arts = [art(f"Convoy {i}", FILLER + "Convoy " * (i + 1)) for i in range(5)]
    store.add_articles(arts)
    monkeypatch.setattr(queries, "RANK_WINDOW", 5)
    hits = store.search("convoy")
    assert all(h.ranked_within is None for h in hits) and store.count("convoy") == 5
    with store._lock:
        assert ids(queries.search(store._conn, "convoy", window=10**9)) == ids(hits)
        assert queries.window_info(store._conn, "convoy")["truncated"] is False


def test_filters_apply_before_the_window(store, monkeypatch):
    from tocsin.store import queries

    old = art("Aid for Goris", "Aid for Goris.", outlet="Asbarez")
    store.add_articles([old])
    store.add_articles([art(f"Aid {i}", f"Aid for Goris {i}.", outlet="Other Wire") for i in range(8)])
    monkeypatch.setattr(queries, "RANK_WINDOW", 3)
    # The only Asbarez match is older than the 3 newest matches overall, yet found.
    hits = store.search("goris", outlet="asbarez")
    assert ids(hits) == [old.id] and hits[0].ranked_within is None
    assert len(store.search("", outlet="other wire", limit=50)) == 8  # browsing is not bounded


def test_web_search_total_and_facets_use_the_same_window(store, monkeypatch):
    pytest.importorskip("fastapi")
    from tocsin.serve import search as web
    from tocsin.store import queries

    store.add_articles([art(f"Shelling {i}", f"Shelling near Martuni {i}.",
                            outlet=("Asbarez" if i % 2 else "Azatutyun")) for i in range(9)])
    monkeypatch.setattr(queries, "RANK_WINDOW", 4)
    res = web.search(store, "martuni", limit=20)
    assert res["total"] == 4 and len(res["items"]) == 4
    assert sum(n for _, n in res["facets"]["outlet"]) == 4


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(0, 14), window=st.integers(1, 10), data=st.data())
def test_bounded_equals_unbounded_ranking_of_the_newest_matches(tmp_path_factory, n, window, data):
    from tocsin.store import queries

    words = data.draw(st.lists(st.sampled_from(["goris", "kapan", "lachin"]), min_size=n, max_size=n))
    with Store(tmp_path_factory.mktemp("w") / "w.db") as s:
        s.add_articles([art(f"T{i} {w}", f"{FILLER}{w} {'goris ' * (i % 4)}") for i, w in enumerate(words)])
        with s._lock:
            everything = queries.search(s._conn, "goris", window=10**9, limit=1000)
            bounded = queries.search(s._conn, "goris", window=window, limit=1000)
            cut = queries.window_info(s._conn, "goris", window=window)["truncated"]
        newest = set(sorted(_pks(s, ids(everything)))[-window:])
        expected = [h for h in everything if _pks(s, [h.article_id])[0] in newest]
        assert ids(bounded) == ids(expected)
        assert cut == (len(everything) > window)
        assert all(h.ranked_within == (window if cut else None) for h in bounded)
