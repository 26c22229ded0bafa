"""Every reader on small real-format files the tests write themselves."""
from __future__ import annotations

import gzip
import json
import os

import pytest
from ingest_fixtures import PARAS, atom, html_page, input_file, read, rss, warc_bytes, write

from tocsin.errors import TocsinError
from tocsin.ingest import InputFile, expand_inputs, read_input, sniff_format
from tocsin.model import BUNDLE, SINGLE

DIGEST = (
    "Ceasefire talks resume in the capital\n\nMay 3 2021\n\n" + PARAS[0] + "\n\n" + PARAS[1] + "\n\n"
    "Share this article\n\nSecond article on the same page\n\n" + PARAS[2] + "\n"
)


def test_digest_one_bundle_with_crlf_normalised(tmp_path):
    p = write(tmp_path, "digest.txt", DIGEST.replace("\n", "\r\n"))
    res = read(p)
    assert res.raised is None and not res.errors
    (doc,) = res.docs
    assert doc.kind == BUNDLE and doc.format == "digest"
    assert doc.text == DIGEST  # CRLF -> LF, nothing else changed
    assert (doc.line_start, doc.byte_start, doc.byte_end) == (1, 0, p.stat().st_size)
    f = input_file(p)
    assert doc.file_hash == f.sha256 and doc.source_file == "digest.txt"


@pytest.mark.parametrize("enc", ["utf-8-sig", "utf-16", "cp1251"])
def test_digest_encodings(tmp_path, enc):
    text = "Сообщение министерства обороны\n\nПротивник обстрелял позиции ночью. Есть раненые.\n"
    res = read(write(tmp_path, f"ru-{enc}.txt", text.encode(enc)))
    assert res.docs[0].text == text


def test_digest_mixed_encoding_decoded_line_by_line(tmp_path):
    data = "Première ligne en UTF-8\n".encode() + "Deuxième ligne en cp1252 – déjà\n".encode("cp1252") + b"third\n"
    doc = read(write(tmp_path, "mixed.txt", data)).docs[0]
    assert doc.text == "Première ligne en UTF-8\nDeuxième ligne en cp1252 – déjà\nthird\n"
    assert any("line" in w and "2" in w for w in doc.meta["decode_warnings"])


def test_digest_content_not_extension_decides(tmp_path):
    # An HTML page saved as .txt is read as HTML; a digest called .html stays a digest.
    assert read(write(tmp_path, "page.txt", html_page())).docs[0].format == "html"
    assert read(write(tmp_path, "notes.html", DIGEST)).docs[0].format == "digest"


def test_html_text_and_metadata(tmp_path):
    p = write(tmp_path, "page.html", html_page())
    (doc,) = read(p).docs
    assert doc.kind == SINGLE and doc.format == "html"
    assert doc.text.split("\n\n") == PARAS  # title, nav and footer left out
    m = doc.meta
    assert m["title"] == "Shelling reported near the border"
    assert (m["date"], m["author"], m["outlet"], m["language"]) == ("2020-10-04", "Ann Example", "Example Wire", "en")
    assert m["url"] == doc.url == "https://news.example.org/2020/10/04/shelling"


def test_html_legacy_charset_from_meta(tmp_path):
    paras = ["Der Minister erklärte, die Streitkräfte hätten die Stellungen zurückerobert. Über Verluste "
             "wurde zunächst nichts bekannt, hieß es in Baku."] * 2
    page = html_page("Gefechte an der Grenze", paras, lang="de", charset="windows-1252")
    doc = read(write(tmp_path, "de.html", page.encode("cp1252"))).docs[0]
    assert "zurückerobert" in doc.text and doc.meta["language"] == "de"


def test_rss_items(tmp_path):
    feed = rss([
        {"title": "Border clash", "link": "https://news.example.org/a", "date": "Sun, 04 Oct 2020 23:30:00 -0200",
         "author": "desk@example.org (Desk)", "html": f"<p>{PARAS[0]}</p><p>{PARAS[1]}<script>x()</script></p>"},
        {"title": "Talks", "link": "https://news.example.org/b", "html": PARAS[2]},
    ])
    res = read(write(tmp_path, "world.rss", feed))
    assert res.raised is None and len(res.docs) == 2
    a, b = res.docs
    assert a.text == PARAS[0] + "\n\n" + PARAS[1]  # markup gone, script gone, paragraphs kept
    assert a.meta["date"] == "2020-10-05"  # offset normalised to UTC
    assert a.meta["outlet"] == "Example Wire - World" and a.meta["title"] == "Border clash"
    assert a.url == "https://news.example.org/a" and a.meta["language"] == "en"
    assert b.text == PARAS[2] and a.source_path != b.source_path and a.id != b.id


def test_atom_entries(tmp_path):
    feed = atom([{"title": "Négociations", "id": "urn:1", "link": "https://ex.org/fr/1",
                  "updated": "2021-05-12T10:00:00+02:00", "author": "Rédaction", "html": "<p>Un</p><p>Deux</p>"}])
    (doc,) = read(write(tmp_path, "fr.atom", feed)).docs
    assert doc.text == "Un\n\nDeux" and doc.meta["author"] == "Rédaction"
    assert doc.meta["date"] == "2021-05-12" and doc.meta["language"] == "fr" and doc.meta["title"] == "Négociations"


def test_feed_item_linking_local_page_uses_html_reader(tmp_path):
    write(tmp_path, "pages/one.html", html_page("Local page headline"))
    feed = rss([{"title": "Feed title", "link": "pages/one.html", "html": "<p>Short teaser only.</p>",
                 "date": "Mon, 05 Oct 2020 08:00:00 GMT"},
                {"title": "Escape attempt", "link": "../outside.html", "html": "<p>Teaser two.</p>"}])
    write(tmp_path.parent, "outside.html", html_page("Must not be read"))
    res = read(write(tmp_path, "feed.xml", feed))
    one, two = res.docs
    assert one.format == "html" and one.text.split("\n\n") == PARAS
    assert one.meta["title"] == "Local page headline" and one.source_file == "feed.xml"
    assert two.format == "feed" and two.text == "Teaser two."  # outside the feed's folder: not read


def test_json_feed(tmp_path):
    jf = {"version": "https://jsonfeed.org/version/1.1", "title": "JF Wire", "items": [
        {"id": "1", "url": "https://jf.example/1", "title": "One", "content_html": "<p>A</p><p>B</p>",
         "date_published": "2022-09-13T05:00:00Z", "authors": [{"name": "Desk"}]},
        {"id": "2", "content_text": "Plain <text> body"}]}
    res = read(write(tmp_path, "feed.json", json.dumps(jf, indent=2)))
    assert [d.text for d in res.docs] == ["A\n\nB", "Plain <text> body"]
    assert res.docs[0].meta["date"] == "2022-09-13" and res.docs[0].meta["outlet"] == "JF Wire"


@pytest.mark.parametrize("gz", [False, True])
def test_warc_html_responses_only(tmp_path, gz):
    pages = [("https://news.example.org/a", html_page("First").encode()),
             ("https://news.example.org/b", html_page("Second", PARAS[::-1]).encode("utf-8"))]
    name = "crawl.warc.gz" if gz else "crawl.warc"
    p = write(tmp_path, name, warc_bytes(pages, gz=gz))
    res = read(p)
    assert res.raised is None and not res.errors
    assert [d.url for d in res.docs] == ["https://news.example.org/a", "https://news.example.org/b"]
    raw = p.read_bytes()
    for d in res.docs:
        assert d.format == "warc" and d.kind == SINGLE
        assert d.source_path == f"{p}#{d.byte_start}"
        assert 0 <= d.byte_start < d.byte_end <= len(raw)
        record = raw[d.byte_start:d.byte_end]
        record = gzip.decompress(record) if gz else record  # each .warc.gz record is its own gzip member
        assert record.startswith(b"WARC/") and d.url.encode() in record
    assert res.docs[1].text.split("\n\n") == PARAS[::-1]


def test_warc_whole_file_gzip(tmp_path):
    pages = [("https://news.example.org/a", html_page("First").encode())]
    p = write(tmp_path, "crawl.warc.gz", warc_bytes(pages, gz=False), gz=True)
    assert [d.url for d in read(p).docs] == ["https://news.example.org/a"]


def test_jsonl_lines_with_spans(tmp_path):
    lines = [
        {"text": PARAS[0], "title": "One", "url": "https://x.example/1", "date": "2020-10-04T12:00:00Z",
         "outlet": "X", "author": "Y", "language": "EN", "section": "world"},
        {"text": PARAS[1] + "\r\nsecond line", "date": "4 October 2020"},
    ]
    data = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n"
    p = write(tmp_path, "arts.jsonl", data)
    res = read(p)
    a, b = res.docs
    raw = p.read_bytes()
    assert (a.line_start, b.line_start) == (1, 2)
    assert json.loads(raw[a.byte_start:a.byte_end]) == lines[0]
    assert json.loads(raw[b.byte_start:b.byte_end]) == lines[1]
    assert a.meta["date"] == "2020-10-04" and a.meta["language"] == "en" and a.meta["extra"] == {"section": "world"}
    assert b.text.endswith("\nsecond line") and b.meta["date"] is None and b.meta["date_raw"] == "4 October 2020"


def test_jsonl_bad_line_is_not_fatal(tmp_path):
    data = '{"text": "first"}\n{"text": "broken\n[1, 2]\n{"title": "no text"}\n{"text": "last"}\n'
    res = read(write(tmp_path, "x.jsonl", data))
    assert [d.text for d in res.docs] == ["first", "last"]
    assert [e.line for e in res.errors] == [2, 3, 4]
    assert all(e.code == "E108" and "x.jsonl" in str(e) for e in res.errors)


def test_json_array_accepted(tmp_path):
    res = read(write(tmp_path, "arts.json", json.dumps([{"text": "a"}, {"nope": 1}, {"text": "b"}])))
    assert [d.text for d in res.docs] == ["a", "b"] and res.errors[0].code == "E108"


@pytest.mark.parametrize("name,content", [
    ("d.txt.gz", DIGEST), ("p.html.gz", html_page()), ("f.xml.gz", rss([{"title": "T", "html": "<p>x</p>"}])),
    ("a.jsonl.gz", '{"text": "t"}\n')])
def test_gzip_of_each_format(tmp_path, name, content):
    plain = read(write(tmp_path, name[:-3], content))
    zipped = read(write(tmp_path, name, content, gz=True))
    assert [d.text for d in zipped.docs] == [d.text for d in plain.docs] and zipped.docs


def test_expand_inputs_dirs_globs_hidden_and_missing(tmp_path):
    write(tmp_path, "b/2.txt", "two")
    write(tmp_path, "a.txt", "one")
    write(tmp_path, "b/.hidden.txt", "x")
    write(tmp_path, ".git/config", "x")
    out = list(expand_inputs([str(tmp_path), str(tmp_path / "*.txt"), str(tmp_path / "missing.txt"),
                              str(tmp_path / "*.none")]))
    files = [o for o in out if isinstance(o, InputFile)]
    errs = [o for o in out if isinstance(o, TocsinError)]
    assert [os.path.relpath(f.path, tmp_path) for f in files] == ["a.txt", os.path.join("b", "2.txt")]
    assert files[0].name == "a.txt" and files[0].size == 3
    import hashlib
    assert files[0].sha256 == hashlib.sha256(b"one").hexdigest()
    assert [e.code for e in errs] == ["E100", "E100"]
    assert "missing.txt" in str(errs[0]) and "*.none" in str(errs[1])


@pytest.mark.parametrize("head,name,want", [
    (b"\x1f\x8b\x08\x00", "x.txt", "gzip"),
    (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", "x", "warc"),
    (b'<?xml version="1.0"?>\n<!-- c -->\n<rss version="2.0">', "x.txt", "feed"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom">', "x", "feed"),
    (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', "x", "feed"),
    (b"<!DOCTYPE html>\n<html><head>", "x.xml", "html"),
    (b"\xef\xbb\xbf  <html lang=en>", "x", "html"),
    ("<?xml version='1.0'?><rss>".encode("utf-16-le"), "x", "feed"),
    (b'{"text": "a"}\n', "x.txt", "jsonl"),
    (b'{\n  "version": "https://jsonfeed.org/version/1",\n', "f.json", "feed"),
    (b"Plain digest\n\nwith lines", "x.html", "digest"),
    (b"PK\x03\x04rest", "x.zip", "binary"),
    (bytes(range(256)) * 4, "x.txt", "binary"),
])
def test_sniff_format(head, name, want):
    assert sniff_format(head, name) == want


def test_read_input_streams_lazily(tmp_path):
    # Stopping after the first document must not read (or fail on) the rest of the file.
    data = '{"text": "first"}\n' + "x" * 10 + "\n"
    gen = read_input(input_file(write(tmp_path, "lazy.jsonl", data)))
    assert next(gen).text == "first"
    gen.close()


def test_gzip_truncated_after_first_record_keeps_earlier_docs(tmp_path):
    rows = "".join(json.dumps({"text": f"article {i} " + "word " * 50}) + "\n" for i in range(3000))
    blob = gzip.compress(rows.encode())
    res = read(write(tmp_path, "cut.jsonl.gz", blob[: len(blob) // 2]))
    assert res.docs and res.raised is not None and res.raised.code == "E104"


def test_pretty_printed_json_object_is_one_article_not_many_line_errors(tmp_path):
    res = read(write(tmp_path, "one.json", json.dumps({"text": "body", "title": "T"}, indent=2)))
    assert [d.text for d in res.docs] == ["body"] and not res.all_errors
    res = read(write(tmp_path, "meta.json", json.dumps({"name": "not an article", "n": 1}, indent=2)))
    assert not res.docs and len(res.all_errors) == 1 and res.all_errors[0].code == "E108"


def test_jsonl_legacy_encoded_line(tmp_path):
    data = b'{"text": "utf8 ok"}\n' + '{"text": "Шуша и Физули"}'.encode("cp1251") + b"\n"
    a, b = read(write(tmp_path, "leg.jsonl", data)).docs
    assert b.text == "Шуша и Физули" and "cp1251" in b.meta["decode_warnings"][0]


def test_feed_file_url_link_inside_folder(tmp_path):
    page = write(tmp_path, "saved/p.html", html_page("Saved page"))
    feed = rss([{"title": "x", "link": page.as_uri(), "html": "<p>teaser</p>"}])
    (doc,) = read(write(tmp_path, "f.xml", feed)).docs
    assert doc.format == "html" and doc.meta["title"] == "Saved page" and doc.source_path == str(page.resolve())
