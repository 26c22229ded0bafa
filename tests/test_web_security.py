"""Short forms of the web load and security runs (stress/web.py), and malformed packs/config.

The long forms run in `make stress`. Browser checks skip without Debian chromium + chromedriver.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stress import payloads, web
from tocsin.errors import TocsinError

PACK = Path(__file__).resolve().parents[1] / "tocsin" / "packs" / "data" / "south-caucasus"
CONFIG = Path(__file__).resolve().parents[1] / "tocsin" / "warn" / "data" / "config.yaml"
needs_browser = pytest.mark.skipif(not web.browser_available(), reason="chromium / chromedriver / selenium missing")


@pytest.fixture(scope="module", autouse=True)
def _fast_models():
    """No embedding model in the short forms (here and in the server/ingest subprocesses): story
    linking quality is not under test, and loading the model dominates a small run."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOCSIN_EMBED", "0")
        mp.setenv("TOCSIN_NER", "0")
        yield


@pytest.fixture(scope="module")
def payload_db(tmp_path_factory) -> Path:
    """The payload corpus (several payloads per article, to keep it small) through the real readers."""
    from tocsin import api

    tmp = tmp_path_factory.mktemp("payloads")
    files = payloads.write_corpus(tmp / "in", per_article=8)
    db = tmp / "payloads.db"
    api.run([str(f) for f in files], db=str(db))
    return db


# --------------------------------------------------------------------------- payload corpus


def test_payload_corpus_covers_every_family_and_reads_cleanly(tmp_path):
    from tocsin.ingest import expand_inputs, read_input

    families = {f for f, _ in payloads.PAYLOADS}
    assert {"script", "handler", "url", "svg", "mathml", "breakout", "css", "unicode", "template",
            "polyglot"} <= families
    files = payloads.write_corpus(tmp_path, per_article=5)
    formats = set()
    for f in expand_inputs([str(p) for p in files]):
        items = list(read_input(f))
        assert items and not [i for i in items if isinstance(i, TocsinError)], f.name
        formats |= {i.format for i in items}
    assert {"digest", "jsonl", "feed", "html"} <= formats


def test_payloads_reach_the_store_verbatim(payload_db):
    import sqlite3

    con = sqlite3.connect(payload_db)
    text = "\n".join(r[0] or "" for r in con.execute("SELECT title || ' ' || text || ' ' || coalesce(outlet, '') "
                                                     "FROM articles"))
    con.close()
    # Stored as text, not sanitised away: the page must escape it, not the reader hide it.
    assert "{{7*7}}" in text and "onerror" in text and "<svg" in text.lower()


# --------------------------------------------------------------------------- HTTP and browser


def test_header_problems_flags_weak_policies():
    good = {"content-security-policy": "default-src 'none'; script-src 'self'; frame-ancestors 'none'",
            "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
    assert web.header_problems("/", good) == []
    assert web.header_problems("/", {**good, "content-security-policy": good["content-security-policy"]
                                     .replace("'self'", "'self' 'unsafe-inline'")})
    assert web.header_problems("/", {k: v for k, v in good.items() if k != "x-content-type-options"})
    assert web.header_problems("/", {})


def test_served_payloads_are_inert(payload_db, tmp_path):
    """Real `tocsin serve`: headers on every response, token, 413, traversal; Chromium when present."""
    report = web.web_security(tmp_path, db=payload_db, browser=web.browser_available(), max_reflected=12)
    assert report["failures"] == []
    assert report["pages"] > 40 and report["traversal_attempts"] >= 20 and report["write_attempts"] >= 10
    assert report["template_literal_kept"]
    if web.browser_available():
        assert report["browser_pages"] == report["pages"]


class _Unsafe(BaseHTTPRequestHandler):
    """A deliberately vulnerable page: proves the browser check sees what it must catch."""

    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@needs_browser
@pytest.mark.parametrize("page, expect", [
    (b'<p>x</p><img src="data:," onerror="window.__pwned=1">', "script ran"),
    (b"<script>alert(7)</script>", "alert dialog"),
    (b'<a href="javascript:void(0)">x</a>', "injected markup"),
])
def test_browser_check_catches_unsafe_pages(page, expect):
    handler = type("H", (_Unsafe,), {"body": page})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    drv = web.start_browser()
    try:
        found = web.visit(drv, f"http://127.0.0.1:{srv.server_address[1]}/")
    finally:
        drv.quit()
        srv.shutdown()
    assert any(expect in f for f in found), found


def test_load_while_ingesting(payload_db, tmp_path):
    db = tmp_path / "load.db"
    shutil.copy(payload_db, db)
    r = web.load(db, tmp_path, clients=10, requests=200, seconds=60, ingest_files=2, ingest_articles=4)
    assert r["failures"] == []
    assert r["requests"] == 200 and r["routes"] > 25
    assert r["requests_during_ingest"] > 0  # the readers really overlapped the writer
    assert 0 < r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"] <= r["max_ms"]


# --------------------------------------------------------------------------- malformed packs and config


def _top_key(text: str) -> str:
    return next(m.group(1) for m in re.finditer(r"^([A-Za-z_]+):", text, re.MULTILINE) if m.group(1) != "format")


def _type_break(name: str, text: str) -> str:
    """The file's main key (its block too) replaced by a number."""
    key = {"pack.yaml": "languages", "claims.yaml": "time_units", "framing.yaml": "framing"}.get(name) or _top_key(text)
    return re.sub(rf"^{key}:.*\n(?:(?:[ \t].*|\s*|#.*)\n)*", f"{key}: 42\n", text, count=1, flags=re.MULTILINE)


MUTATIONS = {
    "bad indentation": lambda n, t: "zz_a: 1\n  zz_b: 2\n" + t,
    "tab indent": lambda n, t: t.replace(f"\n{_top_key(t)}:", f"\n\t{_top_key(t)}:", 1),
    "unclosed flow": lambda n, t: t + "\nzz_broken: [unclosed, {a: b\n",
    "duplicate key": lambda n, t: t + f"\n{_top_key(t)}: 1\n",
    "list at top": lambda n, t: "- 1\n- 2\n",
    "bad type": _type_break,
    "unknown key": lambda n, t: "zz_unknown_key: 1\n" + t,
}
# pack.yaml keeps extra keys as metadata by design; claims.yaml checks types of known keys only.
OPEN_FILES = {"pack.yaml", "claims.yaml"}


def _broken_pack(tmp: Path, name: str, text: str | bytes) -> Path:
    d = tmp / "pack"
    shutil.copytree(PACK, d)
    (d / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return d


def _check(path: Path) -> None:
    from tocsin.packs import check_pack, clear_cache
    from tocsin.pipeline import load_default_stages

    load_default_stages()  # registers the section validators
    clear_cache()
    check_pack(str(path))


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("name", sorted(p.name for p in PACK.glob("*.yaml")))
def test_malformed_pack_file_is_a_file_line_error(tmp_path, name, mutation):
    if mutation == "unknown key" and name in OPEN_FILES:
        pytest.skip(f"{name} accepts extra keys")
    text = (PACK / name).read_text(encoding="utf-8")
    with pytest.raises(TocsinError) as exc:
        _check(_broken_pack(tmp_path, name, MUTATIONS[mutation](name, text)))
    e = exc.value
    assert e.code == "E300" and Path(e.file or "").name == name, str(e)
    assert e.line is not None and e.line >= 1, str(e)
    assert "\n" not in str(e) and f"{name}:{e.line}:" in str(e)


@pytest.mark.parametrize("name", sorted(p.name for p in PACK.glob("*.yaml")))
def test_pack_file_not_utf8_is_a_file_error(tmp_path, name):
    raw = (PACK / name).read_bytes()
    with pytest.raises(TocsinError) as exc:
        _check(_broken_pack(tmp_path, name, raw[:50] + b"\xff\xc3(" + raw[50:]))
    assert Path(exc.value.file or "").name == name and "UTF-8" in exc.value.message


CONFIG_MUTATIONS = {
    "unknown key": lambda t: t + "\ndetectoin: {}\n",
    "detection not a mapping": lambda t: t.replace("detection:\n", "detection: [1, 2]\nzz_old:\n", 1),
    "detection value not a number": lambda t: re.sub(r"z_threshold: [0-9.]+", "z_threshold: high", t),
    "bad indentation": lambda t: t.replace("\nlevels:", "\n   levels:", 1),
    "levels not a list": lambda t: re.sub(r"^levels: .*$", "levels: 3", t, flags=re.MULTILINE),
    "rule kind": lambda t: re.sub(r"^(\s+)kind: threshold", r"\1kind: thresold", t, count=1, flags=re.MULTILINE),
    "list at top": lambda t: "- detection\n- rules\n",
}


@pytest.mark.parametrize("mutation", sorted(CONFIG_MUTATIONS))
def test_malformed_warn_config_is_a_file_line_error(tmp_path, mutation):
    from tocsin.packs import load_pack
    from tocsin.warn.indicators import load_config

    path = tmp_path / "config.yaml"
    path.write_text(CONFIG_MUTATIONS[mutation](CONFIG.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(TocsinError) as exc:
        load_config(load_pack("south-caucasus"), config_path=path)
    e = exc.value
    assert e.code == "E300" and e.file == str(path) and e.line, str(e)
    assert "\n" not in str(e)


def test_shipped_pack_and_config_pass_the_checks():
    from tocsin.packs import load_pack
    from tocsin.warn.indicators import load_config

    _check(PACK)
    assert load_config(load_pack("south-caucasus"), config_path=CONFIG).rules


@pytest.mark.parametrize("name, text", [
    ("pack.yaml", "name: broken\n  version: 1\n"),
    ("events.yaml", "types:\n  shelling:\n    rules:\n      - cues: {en: [shelled]}\n        weight: high\n"),
])
def test_cli_run_with_broken_pack_prints_one_line(tmp_path, name, text):
    pack = _broken_pack(tmp_path, name, text)
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("A short report\n\nOct 3 2020\n\nArtillery fire was reported overnight.\n")
    env = {**os.environ, "COLUMNS": "1000", "TOCSIN_NER": "0"}  # no terminal wrapping of the one line
    proc = subprocess.run([sys.executable, "-m", "tocsin", "run", str(inputs), "--db", str(tmp_path / "x.db"),
                           "--pack", str(pack)], capture_output=True, text=True, env=env, timeout=120, check=False)
    out = (proc.stdout + proc.stderr).strip()
    assert proc.returncode != 0
    assert "Traceback" not in out
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1 and re.search(rf"{re.escape(name)}:\d+: \[E300\]", lines[0]), out


def test_chunked_upload_over_the_limit_is_413_not_400(tmp_path):
    """Regression: FastAPI's form parser turned the size guard's abort into a 400."""
    from fastapi.testclient import TestClient

    from tocsin.serve import create_app

    app = create_app(str(tmp_path / "s.db"), token="tok", max_body=64 * 1024)

    def body():
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
        for _ in range(4):
            yield b"z" * 32 * 1024

    with TestClient(app) as client:
        r = client.post("/api/v1/ingest", content=body(), headers={
            "content-type": "multipart/form-data; boundary=b", "authorization": "Bearer tok"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "HTTP413"
    assert "default-src 'none'" in r.headers["content-security-policy"]
