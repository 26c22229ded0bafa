"""The dashboard in a real headless Chromium (Debian chromium + chromium-driver, via selenium).

Skips when chromium, chromedriver or selenium is absent. Serves the seed store (built once
from $TOCSIN_SHARED/seeds, or reused from $TOCSIN_TEST_SEED_DB) plus an article carrying
script/HTML-injection payloads; screenshots of every page go to test-artifacts/.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TOCSIN_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("TOCSIN_CHROMEDRIVER", "/usr/bin/chromedriver")
if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    pytest.skip("chromium / chromedriver not installed", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver")
uvicorn = pytest.importorskip("uvicorn")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tocsin.model import Article  # noqa: E402
from tocsin.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TOCSIN_SHARED", REPO.parent / "shared"))
ARTIFACTS = REPO / "test-artifacts"
EVIL_TITLE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>Injected title'
EVIL_BODY = ('An injection test. <script>window.__pwned=3</script> "><svg onload="window.__pwned=4"> '
             '<a href="javascript:window.__pwned=5">click</a> ends here.')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, seed_db) -> str:
    path = str(tmp_path_factory.mktemp("browser") / "seed.db")
    shutil.copy(seed_db, path)
    evil = Article(source_file="evil.txt", source_path="/tmp/evil.txt", format="digest", text=EVIL_BODY,
                   title=EVIL_TITLE, outlet="Armenpress", date="2023-09-20", language="en", start_line=1)
    with Store(path) as s:
        s.add_articles([evil])
    return path


@pytest.fixture(scope="module")
def base_url(store_path):
    from tocsin.serve import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store_path), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000",
                 "--disable-dev-shm-usage"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    from selenium.webdriver.chrome.service import Service

    try:
        drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    except Exception as e:  # a broken browser install is an environment problem, not ours
        pytest.skip(f"cannot start chromium: {e}")
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


def _open(browser, url: str, shot: str):
    browser.get_log("browser")  # drop earlier entries
    browser.get(url)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"{shot}.png"))
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, f"{url}: console errors {errors}"
    assert browser.execute_script("return window.__pwned === undefined"), f"{url}: injected script ran"


def _first_link(browser, css: str) -> str | None:
    els = browser.find_elements(By.CSS_SELECTOR, css)
    return els[0].get_attribute("href") if els else None


def test_every_page_renders(browser, base_url):
    for path, shot in (("/", "search"), ("/stories", "stories"), ("/timeline", "timeline"), ("/map", "map"),
                       ("/contradictions", "contradictions"), ("/alerts", "alerts"), ("/coverage", "coverage"),
                       ("/exports", "exports"),
                       ("/ingest", "ingest"), ("/api/docs", "api-docs")):
        _open(browser, base_url + path, shot)
        assert browser.find_element(By.CSS_SELECTOR, "main").text.strip()
    _open(browser, base_url + "/search?q=ceasefire", "search-ceasefire")
    art = _first_link(browser, ".hit .title")
    if art:
        _open(browser, art, "article")
        assert browser.find_element(By.ID, "article-body").text
    browser.get(base_url + "/alerts")
    alert = _first_link(browser, "#alerts a")
    if alert:
        _open(browser, alert, "alert")


def test_search_and_facets(browser, base_url):
    _open(browser, base_url + "/search", "search-all")
    total = int(browser.find_element(By.ID, "result-count").text.split()[0])
    assert total > 10
    link = browser.find_element(By.CSS_SELECTOR, '.facet[data-facet="outlet"] .facet-link')
    link.click()
    narrowed = int(browser.find_element(By.ID, "result-count").text.split()[0])
    assert 0 < narrowed < total
    assert browser.find_elements(By.CSS_SELECTOR, ".chip")  # the active filter is shown
    browser.get(base_url + "/search")
    box = browser.find_element(By.ID, "q")
    box.send_keys("Karabakh")
    browser.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".hit mark.hit"))
    assert "q=Karabakh" in browser.current_url


def test_map_shows_markers(browser, base_url):
    _open(browser, base_url + "/map", "map")
    markers = browser.find_elements(By.CSS_SELECTOR, "svg.map .marker")
    assert markers and browser.find_elements(By.CSS_SELECTOR, "svg.map path.country")


def test_story_comparison_shows_two_sides(browser, base_url):
    import json
    import urllib.request

    items = json.load(urllib.request.urlopen(base_url + "/api/v1/stories?limit=200"))["items"]
    multi = [s for s in items if len([x for x in s.get("sides") or [] if x != "unknown"]) >= 2]
    if not multi:
        pytest.skip("no story with two sides in this store")
    _open(browser, f"{base_url}/stories/{multi[0]['id']}", "story")
    cols = browser.find_elements(By.CSS_SELECTOR, "#comparison .column")
    assert len(cols) >= 2 and all(c.is_displayed() for c in cols)


def test_injection_renders_as_text(browser, base_url):
    _open(browser, base_url + "/search?q=injection", "search-injection")
    href = _first_link(browser, ".hit .title")
    assert href
    _open(browser, href, "article-injection")
    title = browser.find_element(By.ID, "article-title").text
    assert "<script>" in title and "onerror" in title  # shown as text
    body = browser.find_element(By.ID, "article-body")
    assert "<script>" in body.text
    assert not body.find_elements(By.CSS_SELECTOR, "script, img, svg[onload], a[href^=javascript]")
    assert browser.execute_script("return window.__pwned === undefined")
