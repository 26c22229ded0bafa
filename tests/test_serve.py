"""The web dashboard and JSON API on small invented stores (no seeds needed)."""
from __future__ import annotations

import html
import re
import sys
import types
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402

from tocsin.model import Article  # noqa: E402
from tocsin.serve import create_app, data, highlight, search as searchmod  # noqa: E402
from tocsin.store import Store  # noqa: E402

PAYLOAD_TITLE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
PAYLOAD_BODY = ('Shelling near Stepanakert "</mark><script>alert(1)</script>" and '
                '<iframe src="javascript:alert(2)"></iframe> {{ 7*7 }} reported by officials in Baku.')
PAGES = ["/", "/search?q=shelling", "/stories", "/timeline", "/map", "/contradictions", "/alerts", "/coverage", "/exports",
         "/ingest", "/api/docs"]


def _art(i: int, *, title: str, text: str, outlet: str, date: str, events=None, entities=None) -> Article:
    a = Article(source_file=f"fixture{i}.txt", source_path=f"/tmp/fixture{i}.txt", format="digest",
                text=text, title=title, outlet=outlet, date=date, language="en", start_line=1, end_line=5)
    a.annotations = {"topic": "armenia-azerbaijan", "entities": entities or [], "events": events or []}
    return a


@pytest.fixture()
def db(tmp_path):
    path = str(tmp_path / "t.db")
    text0 = "Azerbaijani forces shelled Stepanakert on Monday, officials said."
    arts = [
        _art(0, title="Shelling reported near Stepanakert", text=text0, outlet="Armenpress", date="2023-09-19",
             events=[{"type": "armed_attack", "place": "Stepanakert", "date": "2023-09-19", "actor": "Azerbaijan",
                      "start": 0, "end": len(text0), "line": 3, "sentence": text0}],
             entities=[{"name": "Stepanakert", "type": "place", "spans": [[27, 38]], "count": 1}]),
        _art(1, title="Anti-terror measures in Karabakh", text="Local anti-terror measures began in Khankendi.",
             outlet="Azertac", date="2023-09-20"),
        _art(2, title=PAYLOAD_TITLE, text=PAYLOAD_BODY, outlet="Armenpress", date="2023-10-01"),
    ]
    with Store(path) as s:
        s.add_articles(arts)
    return path


@pytest.fixture()
def client(db):
    with TestClient(create_app(db, token="s3cret", max_body=64 * 1024)) as c:
        yield c


def test_every_page_renders_with_security_headers(client):
    for page in PAGES:
        r = client.get(page)
        assert r.status_code == 200, (page, r.text[:300])
        csp = r.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert "<script>" not in r.text and " style=" not in r.text  # no inline script or style


def test_empty_store_pages_render(tmp_path):
    with TestClient(create_app(str(tmp_path / "empty.db"))) as c:
        for page in PAGES:
            assert c.get(page).status_code == 200, page
        assert c.get("/api/v1/search").json()["total"] == 0


def test_missing_modules_degrade_to_empty(client, monkeypatch):
    for name in ("list_stories", "list_alerts", "list_events", "list_claims"):
        monkeypatch.setitem(data.SOURCES, name, ("tocsin._no_such_module", name))
    r = client.get("/api/v1/stories").json()
    assert r["items"] == [] and "unavailable" in r and r["unavailable"]
    assert client.get("/stories").status_code == 200 and client.get("/alerts").status_code == 200
    # Events fall back to the per-article mentions, so the timeline and map still have data.
    ev = client.get("/api/v1/events").json()
    assert ev["total"] == 1 and ev["items"][0]["place"] == "Stepanakert"
    assert client.get("/api/v1/map").json()["markers"]


def test_injected_article_renders_as_text(client):
    aid = next(h["id"] for h in client.get("/api/v1/search?q=iframe").json()["items"])
    page = client.get(f"/article/{aid}").text
    assert "<script>window.__pwned" not in page and "<iframe" not in page and "<img src=x" not in page
    assert html.escape(PAYLOAD_TITLE, quote=True) in page or "&lt;script&gt;window.__pwned=1" in page
    assert "{{ 7*7 }}" in page  # not evaluated as a template
    hits = client.get("/search?q=iframe").text
    assert "<iframe" not in hits and "&lt;iframe" in re.sub(r"</?mark[^>]*>", "", hits)


def test_search_facets_filter(client):
    full = client.get("/api/v1/search").json()
    assert full["total"] == 3
    sides = dict(full["facets"]["side"])
    assert sides.get("pro-armenian") == 2 and sides.get("pro-azerbaijani") == 1
    only = client.get("/api/v1/search", params={"side": "pro-azerbaijani"}).json()
    assert [h["outlet"] for h in only["items"]] == ["Azertac"]
    assert client.get("/api/v1/search", params={"event_type": "armed_attack"}).json()["total"] == 1
    assert client.get("/api/v1/search", params={"entity": "Stepanakert"}).json()["total"] == 1
    assert client.get("/api/v1/search", params={"date_from": "2023-10"}).json()["total"] == 1
    hit = client.get("/api/v1/search", params={"q": "shelled"}).json()["items"][0]
    s, e = hit["highlights"][0]
    assert hit["snippet"][s:e].lower().startswith("shell")
    # The page shows the facet link and marks the hit.
    page = client.get("/search?q=shelled").text
    assert '<mark class="hit">' in page and 'data-facet="outlet"' in page


def test_bad_parameters_use_the_one_error_shape(client):
    for url, status in (("/api/v1/search?date_from=yesterday", 422), ("/api/v1/articles/nope", 404),
                        ("/api/v1/export/nope", 404), ("/api/v1/search?limit=-1", 422)):
        r = client.get(url)
        assert r.status_code == status, url
        err = r.json()["error"]
        assert set(err) == {"code", "title", "message", "file", "line", "hint"} and err["message"]


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                                  "/static/%2e%2e%2f%2e%2e%2fstore/db.py", "/static//etc/passwd",
                                  "/static/vendor/../../app.py", "/static/", "/static/vendor"])
def test_no_path_traversal(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "def create_app" not in r.text and "root:" not in r.text


def test_static_files_served(client):
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/vendor/world-atlas/LICENSE").status_code == 200


def test_request_size_limit(client):
    r = client.post("/api/v1/ingest", files={"files": ("big.txt", b"x" * (65 * 1024))},
                    headers={"authorization": "Bearer s3cret"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "HTTP413"


def _fake_run(paths, *, db, **kw):
    """Stands in for tocsin.api.run (the real pipeline loads spaCy: slow for a unit test)."""
    from pathlib import Path
    from tocsin.api import RunSummary

    arts = [_art(9, title=Path(p).read_text().splitlines()[0], text=Path(p).read_text(), outlet="Armenpress",
                 date="2023-09-19") for p in paths]
    with Store(db) as s:
        new = s.add_articles(arts)
    return RunSummary(files_seen=len(paths), articles_found=len(arts), articles_new=new)


def test_ingest_needs_the_token(db, client, monkeypatch):
    monkeypatch.setattr("tocsin.api.run", _fake_run)
    digest = b"Fresh ceasefire talks open in Geneva\nArmenpress\n19 September 2023\n\nDelegations met on Tuesday.\n"
    r = client.post("/api/v1/ingest", files={"files": ("d.txt", digest)})
    assert r.status_code == 401
    r = client.post("/api/v1/ingest", files={"files": ("d.txt", digest)}, headers={"authorization": "Bearer nope"})
    assert r.status_code == 401
    with TestClient(create_app(db, token=None)) as ro:
        assert ro.post("/api/v1/ingest", files={"files": ("d.txt", digest)},
                       headers={"authorization": "Bearer s3cret"}).status_code == 403
        assert "writes-disabled" in ro.get("/ingest").text
    r = client.post("/api/v1/ingest", files={"files": ("../../evil name.txt", digest)},
                    headers={"authorization": "Bearer s3cret"})
    assert r.status_code == 200, r.text
    assert r.json()["files_seen"] == 1
    assert client.get("/api/v1/search", params={"q": "Geneva"}).json()["total"] >= 1
    kept = list((__import__("pathlib").Path(db + ".uploads")).iterdir())
    assert kept and all(".." not in p.name and "/" not in p.name for p in kept)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "parquet"])
def test_exports(client, fmt):
    r = client.get("/api/v1/export/articles", params={"format": fmt})
    assert r.status_code == 200 and len(r.content) > 100
    if fmt == "json":
        assert len(r.json()) == 3


def _fake_modules(monkeypatch):
    stories = types.ModuleType("fake_stories")
    story = {"id": "st-1", "title": "Stepanakert shelling", "first_date": "2023-09-19", "last_date": "2023-09-20",
             "outlets": ["Armenpress", "Azertac"], "sides": ["pro-armenian", "pro-azerbaijani"],
             "n_articles": 2, "blindspot": None,
             "articles": [{"id": "a", "title": "<b>bold</b> claim", "outlet": "Armenpress", "side": "pro-armenian"},
                          {"id": "b", "title": "Other view", "outlet": "Azertac", "side": "pro-azerbaijani"}],
             "comparison": {"coverage": {"pro-armenian": {"articles": 1}, "pro-azerbaijani": {"articles": 1}},
                            "events": [{"label": "armed_attack at Stepanakert", "by_side": {"pro-armenian": 1},
                                        "omitted_by": ["pro-azerbaijani"]}],
                            "vocabulary": {"concepts": [{
                                "concept": "op", "label": "The <i>offensive</i>",
                                "by_side": {"pro-armenian": {"aggression<script>": 1}}, "quoted_by_side": {},
                                "terms_by_side": {"pro-azerbaijani": ["anti-terror measures"]}}]}}}
    stories.list_stories = lambda store, **kw: [story]
    stories.get_story = lambda store, id: story if id == "st-1" else None
    warn = types.ModuleType("fake_warn")
    alert = {"id": "al-1", "level": "high", "rule": "r1", "indicators": ["killings"], "place": "Stepanakert",
             "group": "Armenians", "first_seen": "2023-09-19", "last_seen": "2023-09-21",
             "explanation": "<script>x</script> killings rose", "evidence": [{"sentence": "s & t", "outlet": "X"}]}
    warn.list_alerts = lambda store, **kw: [alert]
    warn.get_alert = lambda store, id: alert if id == "al-1" else None
    warn.indicator_series = lambda store, **kw: [{"indicator": "killings", "place": "Stepanakert", "group": "g",
                                                 "day": f"2023-09-{d}", "value": d - 18} for d in (19, 20, 21)]
    monkeypatch.setitem(sys.modules, "fake_stories", stories)
    monkeypatch.setitem(sys.modules, "fake_warn", warn)
    for name in ("list_stories", "get_story"):
        monkeypatch.setitem(data.SOURCES, name, ("fake_stories", name))
    for name in ("list_alerts", "get_alert", "indicator_series"):
        monkeypatch.setitem(data.SOURCES, name, ("fake_warn", name))
    monkeypatch.setitem(data.SOURCES, "list_events", ("tocsin._no_such_module", "list_events"))


def test_story_alert_pages_and_feed(client, monkeypatch):
    _fake_modules(monkeypatch)
    page = client.get("/stories/st-1").text
    assert page.count('class="column"') == 2 and "&lt;b&gt;bold" in page
    # concepts: each side's words (escaped), and the pack's usual words where a side said nothing
    assert "The &lt;i&gt;offensive" in page and "aggression&lt;script&gt;" in page
    assert "usually: anti-terror measures" in page
    assert client.get("/stories/nope").status_code == 404
    alert = client.get("/alerts/al-1").text
    assert "<svg" in alert and "&lt;script&gt;x" in alert and 'class="line' in alert
    feed = client.get("/api/v1/alerts.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1 and "HIGH" in entries[0].find("{http://www.w3.org/2005/Atom}title").text
    markers = client.get("/api/v1/map").json()["markers"]
    assert {m["kind"] for m in markers} == {"event", "alert"}
    brief = client.get("/api/v1/briefing", params={"story": "st-1"}).text
    assert "<script" not in brief.lower().replace("&lt;script", "")
    assert "pro-armenian" in brief and "not reported by pro-azerbaijani" in brief


def test_briefing_date_range(client):
    r = client.get("/api/v1/briefing", params={"date_from": "2023-09", "date_to": "2023-09"})
    assert r.status_code == 200
    assert "2 articles" in r.text and "<svg" in r.text and "Shelling reported" in r.text
    assert "<script" not in r.text and "default-src 'none'" in r.text


def test_coverage_and_charts(client):
    cov = client.get("/api/v1/coverage").json()
    assert cov["months"] == ["2023-09", "2023-10"]
    assert sum(sum(v) for v in cov["by_side"].values()) == 3
    page = client.get("/coverage").text
    assert page.count("<svg") >= 2 and "<rect" in page


def _strip(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab <>&\"'/\n")), max_size=40),
       raw=st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45), st.sampled_from(["entity", "event", "claim"])),
                    max_size=6))
def test_marks_escape_and_keep_text(text, raw):
    marks = [{"start": s, "end": e, "kind": k, "label": "<x>"} for s, e, k in raw]
    out = str(highlight.marks(text, searchmod.non_overlapping(marks, len(text))))
    assert _strip(out) == text  # nothing lost, nothing added
    assert out.count("<mark") == out.count("</mark>")
    assert re.sub(r'</?mark[^>]*>', "", out).count("<") == 0  # no tag but ours


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=30), spans=st.lists(st.tuples(st.integers(0, 35), st.integers(0, 35)), max_size=4))
def test_snippet_spans_escape(text, spans):
    out = str(highlight.spans(text, spans))
    assert _strip(out) == text and re.sub(r'</?mark[^>]*>', "", out).count("<") == 0


def test_search_form_with_empty_dates(client):
    # The search form always sends date_from= and date_to=; empty means no bound.
    r = client.get("/search", params={"q": "shelled", "date_from": "", "date_to": ""})
    assert r.status_code == 200 and 'class="hit"' in r.text


def test_contradictions_page_shows_both_sides_escaped(db):
    from tocsin.compare.contradictions import update_claims
    from tocsin.extract.assertions import extract_assertions
    from tocsin.packs import load_pack

    pack = load_pack("south-caucasus")
    deny = "The ministry said no civilians were harmed in Khankendi <script>alert(3)</script>."
    report = "Two civilians were killed by shelling in Stepanakert, officials said."
    arts = [_art(10, title="Denial", text=deny, outlet="Azertac", date="2023-09-20"),
            _art(11, title="Report", text=report, outlet="Armenpress", date="2023-09-21")]
    for a in arts:
        a.body_lines = [(2, a.text)]
        a.annotations["assertions"] = extract_assertions(a, pack)
    with Store(db) as s:
        s.add_articles(arts)
        update_claims(s, [a.id for a in arts], pack=pack)
    with TestClient(create_app(db)) as c:
        page = c.get("/contradictions").text
    assert "denies harm to civilians" in page and "Two civilians were killed" in page
    assert "&lt;script&gt;alert(3)" in page and "<script>alert(3)" not in page
    assert page.count('class="pair"') == 1 and "fixture10.txt:2" in page


def test_facet_rows_follow_the_annotations(db):
    from collections import Counter

    from tocsin.serve import search as S

    with Store(db) as s:
        pk = s.query("SELECT pk, id FROM articles WHERE title = 'Anti-terror measures in Karabakh'")[0]
        s.update_annotations(pk["id"], {"entities": [{"name": "Khankendi", "type": "place"}],
                                        "events": [{"type": "armed_attack"}]})
        rows = {tuple(r) for r in s.query("SELECT kind, value FROM article_facets WHERE pk = ?", (pk["pk"],))}
        assert rows == {("entity", "Khankendi"), ("event_type", "armed_attack")}
        fast = S.search(s, "")["facets"]
        # the same counts as reading every article's annotations
        arts = list(s.iter_articles())
        for kind, key, field in (("entity", "entities", "name"), ("event_type", "events", "type")):
            counts = Counter(v for a in arts for v in {x.get(field) for x in a.annotations.get(key) or []} if v)
            assert sorted(map(tuple, fast[kind])) == sorted(counts.items())
        assert ["Stepanakert", 1] in fast["entity"] and ["armed_attack", 2] in fast["event_type"]
        with s.transaction() as conn:
            conn.execute("DELETE FROM articles WHERE pk = ?", (pk["pk"],))
        assert not s.query("SELECT 1 FROM article_facets WHERE pk = ?", (pk["pk"],))


def test_search_says_when_ranking_is_bounded(client, monkeypatch):
    from tocsin.store import queries

    monkeypatch.setattr(queries, "RANK_WINDOW", 1)
    page = client.get("/search?q=Stepanakert").text
    assert 'id="ranked-within"' in page and "newest 1 matches" in page
    assert client.get("/api/v1/search", params={"q": "Stepanakert"}).json()["ranked_within"] == 1
    monkeypatch.setattr(queries, "RANK_WINDOW", 5000)
    assert 'id="ranked-within"' not in client.get("/search?q=Stepanakert").text
