"""Readers on third-party test material (feedparser's fixtures, extraction-benchmark pages).

Read by path from the shared folder (env TOCSIN_SHARED, default <repo>/../shared); skipped
when it is absent. Nothing from it is copied into the repository.
"""
from __future__ import annotations

import json

import pytest
from ingest_fixtures import read, shared_dir

FEEDS = shared_dir() / "external" / "feeds" / "feedparser"
PAGES = shared_dir() / "external" / "html_extraction"


@pytest.mark.skipif(not (FEEDS / "index.jsonl").exists(), reason="shared feedparser fixtures not available")
def test_feedparser_fixtures_never_crash_and_wellformed_items_come_through():
    index = {}
    for line in (FEEDS / "index.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        index[row["file"]] = row.get("expect") or ""
    files = sorted(p for p in FEEDS.rglob("*") if p.is_file() and p.name != "index.jsonl")
    assert len(files) > 200
    expect_items = with_items = 0
    for p in files:
        res = read(p)  # any exception other than TocsinError fails here
        for err in res.all_errors:
            assert p.name in str(err) and "\n" not in str(err)
        rel = str(p.relative_to(FEEDS))
        exp = index.get(rel, "")
        # Well-formed fixtures whose assertion is about an item with some text or a link
        # (items holding only an <img> or a media src carry nothing to read).
        if rel.startswith("wellformed/") and not exp.startswith("bozo") and "entries[0]" in exp and any(
                k in exp for k in ("['title']", "['summary']", "['description']", "['content']", "['link']")
        ) and not any(k in exp for k in ("<img", "<noscript>", "['src']", "['source']")):
            expect_items += 1
            with_items += bool(res.docs)
    assert expect_items > 20
    assert with_items / expect_items > 0.9, (with_items, expect_items)


@pytest.mark.skipif(not PAGES.exists(), reason="shared html_extraction pages not available")
def test_extraction_benchmark_pages_give_text():
    gold = json.loads((PAGES / "trafilatura" / "evaldata_subset.json").read_text(encoding="utf-8"))
    checked = found = 0
    for entry in list(gold.values())[:8]:
        res = read(PAGES / "trafilatura" / "html" / entry["file"])
        assert res.raised is None, str(res.raised)
        (doc,) = res.docs
        assert len(doc.text) > 200 and doc.meta["title"]
        for must in entry.get("with", []):
            checked += 1
            found += must in doc.text
    assert checked and found / checked > 0.8
    gz_pages = sorted((PAGES / "scrapinghub_aeb" / "html").glob("*.html.gz"))[:4]
    for p in gz_pages:  # gzip-compressed pages go through the same reader
        res = read(p)
        assert res.docs and len(res.docs[0].text) > 200
