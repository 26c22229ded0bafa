"""Web security against a real `tocsin serve`: the payload corpus (stress/payloads.py) through the
real readers, then every response's security headers, the write token, 413, traversal → 404 over
HTTP, and every page that shows the payloads in headless Chromium (no script ran, no dialog, no
injected element or handler in the DOM). Server and helpers: stress/web.py.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import payloads
from .web import Server, ingest, raw_get

CHROMIUM = os.environ.get("TOCSIN_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("TOCSIN_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1280,1000")


# --------------------------------------------------------------------------- security over HTTP


def header_problems(path: str, headers: dict[str, str]) -> list[str]:
    """What is missing or weak in one response's security headers."""
    out = []
    csp = headers.get("content-security-policy", "")
    if "default-src 'none'" not in csp or "script-src 'self'" not in csp:
        out.append(f"{path}: CSP missing or weak: {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        out.append(f"{path}: CSP allows unsafe-inline/eval")
    if "frame-ancestors 'none'" not in csp and headers.get("x-frame-options", "").upper() != "DENY":
        out.append(f"{path}: no framing protection")
    if headers.get("x-content-type-options", "").lower() != "nosniff":
        out.append(f"{path}: no x-content-type-options: nosniff")
    if not headers.get("referrer-policy"):
        out.append(f"{path}: no referrer-policy")
    return out


TRAVERSAL = ("/static/../app.py", "/static/../../tocsin/serve/app.py", "/static/%2e%2e/app.py",
             "/static/%2e%2e%2fapp.py", "/static/..%2fapp.py", "/static/..%2f..%2f..%2fetc%2fpasswd",
             "/static/%252e%252e%252fapp.py", "/static/..%5capp.py", "/static/..\\app.py", "/static//etc/passwd",
             "/static/%2fetc%2fpasswd", "/static/etc/passwd", "/static/....//app.py", "/static/.%2e/app.py",
             "/static/", "/static/vendor", "/static/vendor/", "/static/app.css%00.py", "/static/%00",
             "/static/file:///etc/passwd", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
             "/article/..%2f..%2fetc%2fpasswd", "/api/v1/articles/..%2f..%2fetc%2fpasswd",
             "/api/v1/export/..%2f..%2fetc%2fpasswd", "/api/v1/export/%2fetc%2fpasswd?format=csv",
             "/stories/..%2f..%2fapp.py", "/alerts/%2e%2e%2f%2e%2e%2fetc%2fpasswd")


def http_checks(base: str, token: str, max_body: int, pages: list[str]) -> dict[str, Any]:
    """Headers on every response, token on writes, 413, traversal; returns counts and failures."""
    fails: list[str] = []
    n_headers = 0

    def check(path: str, status: int, headers: dict[str, str]) -> None:
        nonlocal n_headers
        n_headers += 1
        fails.extend(header_problems(f"{status} {path}", headers))

    for p in pages:
        st, h, body = raw_get(base, p, headers={"accept": "text/html"})
        check(p, st, h)
        if st >= 500:
            fails.append(f"{p}: {st}")
    # writes without / with a wrong token, through both the API and the page form
    boundary = "tocsinboundary"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\nA title\n\nJan 1 2021\n\nSome text.\r\n--{boundary}--\r\n").encode()
    ctype = {"content-type": f"multipart/form-data; boundary={boundary}"}
    writes = 0
    for path in ("/api/v1/ingest", "/ingest"):
        for extra in ({}, {"authorization": "Bearer wrong"}, {"x-tocsin-token": token + "x"},
                      {"authorization": "Basic " + token}, {"x-tocsin-token": ""}):
            st, h, _ = raw_get(base, path, method="POST", headers={**ctype, **extra}, body=form)
            writes += 1
            check(f"POST {path}", st, h)
            if st not in (401, 403):
                fails.append(f"POST {path} with {list(extra) or 'no token'}: {st}, expected 401/403")
    for method in ("PUT", "DELETE", "PATCH"):
        st, h, _ = raw_get(base, "/api/v1/stats", method=method)
        check(f"{method} /api/v1/stats", st, h)
        if st != 405:
            fails.append(f"{method} /api/v1/stats: {st}, expected 405")
    # oversized bodies: by declared length (even with the token) and chunked with no length
    big = b"x" * (max_body + 1024)
    oversize = 0
    for path, hdrs in (("/api/v1/ingest", {**ctype, "authorization": f"Bearer {token}"}),
                       ("/api/v1/ingest", ctype), ("/ingest", ctype), ("/api/v1/stats", {})):
        st, h, _ = raw_get(base, path, method="POST", headers=hdrs, body=big)
        oversize += 1
        check(f"POST {path} (big)", st, h)
        if st != 413:
            fails.append(f"POST {path} with {len(big)} bytes: {st}, expected 413")

    def chunks():
        # A well-formed multipart start, so the form parser keeps reading until the limit bites.
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
               f"Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(max_body // 65536 + 2):
            yield b"y" * 65536

    # A generator body with no length: http.client sends it chunked, as a streaming client would.
    st, h, _ = raw_get(base, "/api/v1/ingest", method="POST",
                       headers={**ctype, "authorization": f"Bearer {token}"}, body=chunks())
    oversize += 1
    check("POST chunked", st, h)
    if st != 413:
        fails.append(f"chunked POST over the limit: {st}, expected 413")
    for p in TRAVERSAL:
        st, h, body = raw_get(base, p)
        check(p, st, h)
        if st != 404:
            fails.append(f"traversal {p!r}: {st}, expected 404")
        if b"root:x:" in body or b"import " in body:
            fails.append(f"traversal {p!r}: file content leaked")
    return {"responses_checked": n_headers, "write_attempts": writes, "oversize_attempts": oversize,
            "traversal_attempts": len(TRAVERSAL), "failures": fails}


# --------------------------------------------------------------------------- security in Chromium

_DOM_CHECK = """
const bad = [];
for (const e of document.querySelectorAll('*')) {
  for (const a of e.attributes) {
    const v = (a.value || '').replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
    if (a.name.toLowerCase().startsWith('on')) bad.push(e.tagName + ' ' + a.name);
    if (['href','src','action','formaction','data','xlink:href','srcdoc'].includes(a.name.toLowerCase())
        && (v.startsWith('javascript:') || v.startsWith('data:text') || a.name.toLowerCase() === 'srcdoc'))
      bad.push(e.tagName + ' ' + a.name + '=' + a.value.slice(0, 40));
  }
  const t = e.tagName.toLowerCase();
  if (['iframe','object','embed','base','frame','frameset','applet'].includes(t)) bad.push('element ' + t);
  if (t === 'meta' && e.getAttribute('http-equiv')) bad.push('meta http-equiv');
  if (t === 'script' && (!e.src || !e.src.startsWith(location.origin + '/') || e.textContent.trim()))
    bad.push('script ' + (e.src || e.textContent.slice(0, 40)));
  if (t === 'style') bad.push('style element');
  if (t === 'link' && !(e.href || '').startsWith(location.origin + '/')) bad.push('link ' + e.href);
}
return bad.slice(0, 10);
"""


def browser_available() -> bool:
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        return False
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return True


def start_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    opts.set_capability("unhandledPromptBehavior", "ignore")  # an alert must stay open for us to see it
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_page_load_timeout(30)
    return drv


def visit(drv, url: str) -> list[str]:
    """Open one page; what went wrong: script ran, dialog opened, injected markup, console errors."""
    from selenium.common.exceptions import (
        NoAlertPresentException,
        UnexpectedAlertPresentException,
    )

    out: list[str] = []
    try:
        drv.get_log("browser")
    except Exception:  # noqa: BLE001 - the log is a best-effort extra
        pass
    try:
        drv.get(url)
        time.sleep(0.05)  # let onload/onerror/autofocus handlers fire if any were injected
        pwned = drv.execute_script("return window.__pwned === undefined ? null : String(window.__pwned)")
        if pwned is not None:
            out.append(f"{url}: script ran (window.__pwned={pwned})")
        bad = drv.execute_script(_DOM_CHECK)
        if bad:
            out.append(f"{url}: injected markup in the DOM: {bad}")
    except UnexpectedAlertPresentException as e:
        out.append(f"{url}: alert dialog opened ({e.alert_text!r})")
    try:
        a = drv.switch_to.alert
        out.append(f"{url}: alert dialog opened ({a.text!r})")
        a.accept()
    except NoAlertPresentException:
        pass
    try:
        logs = drv.get_log("browser")
    except Exception:  # noqa: BLE001
        logs = []
    for e in logs:
        msg = e.get("message", "")
        if e.get("level") == "SEVERE" or "Content Security Policy" in msg:
            out.append(f"{url}: console: {msg[:200]}")
    return out


def browser_pages(base: str, *, max_articles: int = 500, max_reflected: int | None = None) -> list[str]:
    """Every page that shows the payloads: search, each payload article, stories, timeline, map,
    alerts, coverage; plus payloads reflected through query parameters."""
    import json

    pages = [f"/search?q={payloads.MARKER}", "/", "/stories", "/timeline", "/map", "/contradictions", "/alerts", "/coverage",
             "/exports", "/ingest", "/api/docs"]
    st, _, body = raw_get(base, f"/api/v1/search?q={payloads.MARKER}&limit={max_articles}")
    items = json.loads(body).get("items", []) if st == 200 else []
    pages += [f"/article/{quote(str(i['id']), safe='')}" for i in items]
    for api, page in (("/api/v1/stories?limit=200", "/stories/"), ("/api/v1/alerts?limit=200", "/alerts/")):
        st, _, body = raw_get(base, api)
        if st == 200:
            pages += [page + quote(str(i["id"]), safe="") for i in json.loads(body).get("items", [])]
    st, _, body = raw_get(base, "/api/v1/search?q=&facets=true&limit=1")
    outlets = []
    if st == 200:
        facets = json.loads(body).get("facets", {}) or {}
        outlets = [v for v, _n in (facets.get("outlet") or [])][:20] if isinstance(facets.get("outlet"), list) else []
    for o in outlets:
        pages.append(f"/search?outlet={quote(str(o), safe='')}")
    step = max(1, len(payloads.PAYLOADS) // max_reflected) if max_reflected else 1
    for i, (_, p) in enumerate(payloads.PAYLOADS[::step]):
        q = quote(p, safe="")
        pages.append(f"/search?q={q}" if i % 3 == 0 else
                     f"/search?q=x&outlet={q}&side={q}" if i % 3 == 1 else f"/timeline?place={q}&actor={q}&type={q}")
    return pages


def web_security(workdir: Path, *, per_article: int = 1, browser: bool = True, token: str = "s3cret-token",
                 max_body_mb: float = 1.0, db: Path | None = None,
                 max_reflected: int | None = None) -> dict[str, Any]:
    """Ingest the payload corpus, serve it, check it over HTTP and (when available) in Chromium."""
    if db is None:
        db = workdir / "payloads.db"
        ingest([str(p) for p in payloads.write_corpus(workdir / "payloads", per_article)], db)
    report: dict[str, Any] = {"payloads": len(payloads.PAYLOADS), "failures": []}
    with Server(db, token=token, max_body_mb=max_body_mb) as srv:
        pages = browser_pages(srv.base, max_reflected=max_reflected)
        report["pages"] = len(pages)
        http = http_checks(srv.base, token, int(max_body_mb * 1024 * 1024), pages)
        report["failures"] += http.pop("failures")
        report.update(http)
        report["template_literal_kept"] = _template_kept(srv.base)
        if not report["template_literal_kept"]:
            report["failures"].append("'{{7*7}}' did not come back as literal text")
        if browser and browser_available():
            drv = start_browser()
            try:
                for p in pages:
                    report["failures"] += visit(drv, srv.base + p)
            finally:
                drv.quit()
            report["browser_pages"] = len(pages)
        else:
            report["browser_pages"] = 0
            report["browser"] = "skipped: chromium/chromedriver/selenium not available"
        if "Traceback" in srv.output():
            report["failures"].append("server logged a traceback: " + srv.output()[-500:])
    return report


def _template_kept(base: str) -> bool:
    """An article holding '{{7*7}}' shows it verbatim (no server-side template evaluation)."""
    import html
    import json

    st, _, body = raw_get(base, "/api/v1/search?q=" + quote('"7*7"') + "&limit=50")
    items = json.loads(body).get("items", []) if st == 200 else []
    if not items:
        st, _, body = raw_get(base, f"/api/v1/search?q={payloads.MARKER}&limit=500")
        items = json.loads(body).get("items", []) if st == 200 else []
    for it in items:
        aid = quote(str(it["id"]), safe="")
        st, _, body = raw_get(base, f"/api/v1/articles/{aid}")
        text = json.loads(body).get("text", "") if st == 200 else ""
        if "{{7*7}}" in text:
            _, _, page = raw_get(base, f"/article/{aid}", headers={"accept": "text/html"})
            return "{{7*7}}" in html.unescape(page.decode("utf-8", "replace"))
    return False
