"""Load and web-security runs against a real `tocsin serve` (uvicorn subprocess, 127.0.0.1 only).

- ``load(db, ...)``: N concurrent clients hit every page and API route while `tocsin run` writes
  to the same store in another process; every 5xx, "database is locked" and timeout is a failure;
  p50/p95/p99 latency reported. Loops are bounded by a request budget and a deadline.
- ``web_security(workdir, ...)`` (in stress/websec.py, re-exported here): the payload corpus
  through the real readers, checked over HTTP and in headless Chromium.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

HOST = "127.0.0.1"  # never anything else: these runs must not listen on a public interface
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

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
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
                          check=False,
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


# The security half lives in websec.py (it uses Server and raw_get from here).
from .websec import (
    browser_available,
    browser_pages,
    header_problems,
    http_checks,
    start_browser,
    visit,
    web_security,
)

__all__ = [
    "Server",
    "browser_available",
    "browser_pages",
    "free_port",
    "generated_corpus",
    "header_problems",
    "http_checks",
    "ingest",
    "load",
    "raw_get",
    "routes",
    "run_all",
    "seed_store",
    "start_browser",
    "visit",
    "web_security",
]
