"""Load and web-security runs against a real `tocsin serve` (uvicorn subprocess, 127.0.0.1 only).

- ``load(db, ...)``: N concurrent clients hit every page and API route while `tocsin run` writes
  to the same store in another process; every 5xx, "database is locked" and timeout is a failure;
  p50/p95/p99 latency reported. Loops are bounded by a request budget and a deadline.
- ``web_security(workdir, ...)``: the payload corpus (stress/payloads.py) goes through the real
  readers into a store; the served pages are checked over HTTP (security headers on every
  response, token, 413, traversal → 404) and in headless Chromium (no script ran, no dialog,
  no injected element or handler in the DOM).
- ``run_all()``: the long forms, for `make stress` (stress/run.py).
"""
from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from . import payloads

HOST = "127.0.0.1"  # never anything else: these runs must not listen on a public interface
CHROMIUM = os.environ.get("TOCSIN_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("TOCSIN_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1280,1000")
SHARED = Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def _env() -> dict[str, str]:
    return {**os.environ, "TOCSIN_NER": os.environ.get("TOCSIN_NER", "0"), "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """`python -m tocsin serve` in a subprocess; a context manager that waits until it answers."""

    def __init__(self, db: Path | str, *, token: str | None = None, max_body_mb: float = 20.0,
                 ready_timeout: float = 90.0) -> None:
        self.db, self.token, self.port = str(db), token, free_port()
        self.base = f"http://{HOST}:{self.port}"
        cmd = [sys.executable, "-m", "tocsin", "serve", "--db", self.db, "--host", HOST, "--port", str(self.port),
               "--max-body-mb", str(max_body_mb)]
        env = _env()
        env.pop("TOCSIN_TOKEN", None)
        if token:
            cmd += ["--token", token]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self._wait(ready_timeout)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tocsin serve exited with {self.proc.returncode}: {self.output()[-2000:]}")
            try:
                if raw_get(self.base, "/api/v1/stats", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("tocsin serve did not answer in time")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        self.log.close()


def raw_get(base: str, path: str, *, method: str = "GET", headers: dict[str, str] | None = None,
            body: Any = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """One request with the path sent byte for byte (no client-side normalising of ".." or %2e)."""
    host, port = base.split("//", 1)[1].split(":")
    con = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        con.request(method, path, body=body, headers=headers or {})
        resp = con.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        con.close()


# --------------------------------------------------------------------------- stores and corpora


def generated_corpus(folder: Path, files: int, articles: int = 8, *, tag: str = "gen") -> list[str]:
    """Plain digests written here (no shared text): news-shaped, with dates, places and numbers."""
    folder.mkdir(parents=True, exist_ok=True)
    places = ("Stepanakert", "Shusha", "Goris", "Tovuz", "Ganja", "Lachin", "Jermuk", "Agdam")
    for i in range(files):
        (folder / f"{tag}{i:03d}.txt").write_text("\n".join(
            f"{tag.capitalize()} bulletin {i}-{k}: shelling reported near {places[(i + k) % len(places)]}\n\n"
            f"Oct {k % 27 + 1} 2020\n\n"
            f"The ministry said artillery struck {places[(i + k) % len(places)]} on {k % 27 + 1} October 2020, "
            f"killing {k % 4 + 1} civilians and wounding {i % 7 + 2}. The other side denied it and said its "
            f"forces had only returned fire.\n\nObservers called for a ceasefire and access for aid convoys "
            f"to {places[(i + k + 3) % len(places)]}.\n\n" for k in range(articles)), encoding="utf-8")
    return [str(folder)]


def ingest(inputs: list[str], db: Path | str, *, timeout: float = 900) -> None:
    proc = subprocess.run([sys.executable, "-m", "tocsin", "run", *inputs, "--db", str(db)], env=_env(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"tocsin run failed: {proc.stderr.decode('utf-8', 'replace')[-2000:]}")


def seed_store(workdir: Path) -> Path:
    """The seed digests through the pipeline (or a generated corpus when the seeds are absent)."""
    db = workdir / "seed.db"
    reuse = os.environ.get("TOCSIN_TEST_SEED_DB")
    if reuse and Path(reuse).is_file():
        shutil.copy(reuse, db)
    elif (SHARED / "seeds").is_dir():
        ingest([str(SHARED / "seeds")], db)
    else:
        ingest(generated_corpus(workdir / "seedlike", 10), db)
    return db


# --------------------------------------------------------------------------- routes


PAGES = ("/", "/search?q=ceasefire", "/search?q=Karabakh&side=armenia", "/stories", "/stories?blindspot=1",
         "/timeline", "/map", "/alerts", "/coverage", "/exports", "/ingest", "/api/docs", "/static/app.css",
         "/static/app.js")
API = ("/api/v1/stats", "/api/v1/search?q=ceasefire&facets=true", "/api/v1/events", "/api/v1/claims",
       "/api/v1/contradictions", "/api/v1/stories", "/api/v1/alerts", "/api/v1/alerts.atom",
       "/api/v1/indicators", "/api/v1/coverage", "/api/v1/map", "/api/v1/openapi.json",
       "/api/v1/export/events?format=json", "/api/v1/export/alerts?format=csv")


def routes(base: str, *, per_kind: int = 5) -> list[str]:
    """Every page and API route, with real ids (articles, events, stories, alerts) from the API."""
    import json

    out = list(PAGES) + list(API)
    for api_path, page, api_item in (("/api/v1/search?q=&limit=", "/article/", "/api/v1/articles/"),
                                     ("/api/v1/events?limit=", None, "/api/v1/events/"),
                                     ("/api/v1/stories?limit=", "/stories/", "/api/v1/stories/"),
                                     ("/api/v1/alerts?limit=", "/alerts/", "/api/v1/alerts/")):
        status, _, body = raw_get(base, api_path + str(per_kind))
        if status != 200:
            continue
        for item in json.loads(body).get("items", [])[:per_kind]:
            ident = quote(str(item.get("id")), safe="")
            out += ([page + ident] if page else []) + [api_item + ident]
    return out


# --------------------------------------------------------------------------- load


def _percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return 0.0
    k = min(len(sorted_ms) - 1, max(0, round(p / 100 * (len(sorted_ms) - 1))))
    return round(sorted_ms[k], 1)


def load(db: Path | str, workdir: Path, *, clients: int = 50, requests: int = 3000, seconds: float = 300,
         ingest_files: int = 20, ingest_articles: int = 8, timeout: float = 30) -> dict[str, Any]:
    """Concurrent clients on every route while an ingest writes to the same store."""
    import httpx

    db = Path(db)
    corpus = generated_corpus(workdir / "load-ingest", ingest_files, ingest_articles, tag="load")
    report: dict[str, Any] = {"clients": clients, "request_budget": requests, "deadline_s": seconds,
                              "ingest_files": ingest_files, "failures": []}
    with Server(db) as srv:
        urls = routes(srv.base)
        report["routes"] = len(urls)
        writer = subprocess.Popen([sys.executable, "-m", "tocsin", "run", *corpus, "--db", str(db)], env=_env(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait_for_write(db, writer, 60)
        lat: list[float] = []
        fails: list[str] = []
        statuses: dict[int, int] = {}
        during = [0]
        lock = threading.Lock()
        issued = [0]
        deadline = time.monotonic() + seconds

        def client(n: int) -> None:
            with httpx.Client(base_url=srv.base, timeout=timeout) as c:
                i = n
                while time.monotonic() < deadline:
                    with lock:
                        if issued[0] >= requests:
                            return
                        issued[0] += 1
                    url = urls[i % len(urls)]
                    i += clients
                    t0 = time.perf_counter()
                    try:
                        r = c.get(url, headers={"accept": "text/html" if not url.startswith("/api") else "*/*"})
                        ms = (time.perf_counter() - t0) * 1000
                        body = r.content
                        problem = None
                        if r.status_code >= 500:
                            problem = f"{r.status_code} on {url}: {body[:200]!r}"
                        elif r.status_code != 200:
                            problem = f"unexpected {r.status_code} on {url}"
                        elif b"database is locked" in body:
                            problem = f"'database is locked' in {url}"
                    except httpx.TimeoutException:
                        ms, problem = timeout * 1000, f"timeout on {url}"
                        r = None
                    except httpx.HTTPError as e:
                        ms, problem = (time.perf_counter() - t0) * 1000, f"{type(e).__name__} on {url}: {e}"
                        r = None
                    with lock:
                        lat.append(ms)
                        if r is not None:
                            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                        if writer.poll() is None:
                            during[0] += 1
                        if problem:
                            fails.append(problem)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + timeout + 5)
        elapsed = time.perf_counter() - t0
        try:
            rc = writer.wait(max(60.0, seconds))
        except subprocess.TimeoutExpired:
            writer.kill()
            writer.wait()
            rc = "killed (took too long)"
        if rc != 0:
            fails.append(f"ingest beside the server failed ({rc}): "
                         f"{writer.stderr.read().decode('utf-8', 'replace')[-500:] if writer.stderr else ''}")
        if writer.stderr:
            writer.stderr.close()
        log = srv.output()
        if "database is locked" in log:
            fails.append("'database is locked' in the server log")
    lat.sort()
    report.update({"requests": len(lat), "requests_during_ingest": during[0], "seconds": round(elapsed, 1),
                   "throughput_rps": round(len(lat) / elapsed, 1) if elapsed else 0.0, "statuses": statuses,
                   "p50_ms": _percentile(lat, 50), "p95_ms": _percentile(lat, 95), "p99_ms": _percentile(lat, 99),
                   "max_ms": round(lat[-1], 1) if lat else 0.0, "errors": len(fails),
                   "failures": fails[:50]})
    return report


def _wait_for_write(db: Path, writer: subprocess.Popen, limit: float) -> None:
    """Start the clients once the ingest is actually writing (its WAL grows), so they overlap."""
    wal = Path(str(db) + "-wal")
    start = wal.stat().st_mtime if wal.exists() else 0.0
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and writer.poll() is None:
        if wal.exists() and wal.stat().st_mtime > start:
            return
        time.sleep(0.1)


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
    from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException

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


def browser_pages(base: str, *, max_articles: int = 500) -> list[str]:
    """Every page that shows the payloads: search, each payload article, stories, timeline, map,
    alerts, coverage; plus payloads reflected through query parameters."""
    import json

    pages = [f"/search?q={payloads.MARKER}", "/", "/stories", "/timeline", "/map", "/alerts", "/coverage",
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
    for i, (_, p) in enumerate(payloads.PAYLOADS):
        q = quote(p, safe="")
        pages.append(f"/search?q={q}" if i % 3 == 0 else
                     f"/search?q=x&outlet={q}&side={q}" if i % 3 == 1 else f"/timeline?place={q}&actor={q}&type={q}")
    return pages


def web_security(workdir: Path, *, per_article: int = 1, browser: bool = True, token: str = "s3cret-token",
                 max_body_mb: float = 1.0, db: Path | None = None) -> dict[str, Any]:
    """Ingest the payload corpus, serve it, check it over HTTP and (when available) in Chromium."""
    if db is None:
        db = workdir / "payloads.db"
        ingest([str(p) for p in payloads.write_corpus(workdir / "payloads", per_article)], db)
    report: dict[str, Any] = {"payloads": len(payloads.PAYLOADS), "failures": []}
    with Server(db, token=token, max_body_mb=max_body_mb) as srv:
        pages = browser_pages(srv.base)
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


# --------------------------------------------------------------------------- long forms


def run_all(*, clients: int = 50, requests: int = 3000, seconds: float = 300,
            progress: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> dict[str, Any]:
    """The long forms for `make stress`: load on a seed store, then the full payload corpus."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tocsin-web-") as tmp:
        work = Path(tmp)
        progress("web: building the seed store")
        try:
            db = seed_store(work)
            progress(f"web: load, {clients} clients, {requests} requests")
            out["load"] = load(db, work, clients=clients, requests=requests, seconds=seconds)
        except Exception as e:  # noqa: BLE001 - a broken run is reported as a failure, not a traceback
            out["load"] = {"failures": [f"load run failed: {type(e).__name__}: {e}"]}
        progress("web: security (payload corpus, one payload per article)")
        try:
            out["web_security"] = web_security(work / "sec", per_article=1)
        except Exception as e:  # noqa: BLE001
            out["web_security"] = {"failures": [f"security run failed: {type(e).__name__}: {e}"]}
    return out
