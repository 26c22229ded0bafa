"""Dashboard render times: p50/p95 per page over a store, next to serving a static file.

    .venv/bin/python bench/bench_serve.py --db tocsin.db [--n 40] [--json out.json]

Requests go through the whole ASGI stack in-process (starlette TestClient: routing,
middleware, templates, queries), not over a socket, so the numbers are the server's own work.
The baseline is a static file served by the same app in the same run; each page is reported
as a ratio to it, which makes runs on different machines comparable. The issue's bar: every
page of the seed store under 200 ms at p95.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def pages(client) -> list[str]:
    """Every page kind, with a real article, story and alert id from the store when there are some."""
    urls = ["/", "/search?q=ceasefire", "/search?side=pro-armenian&language=en", "/stories", "/timeline",
            "/map", "/alerts", "/coverage", "/exports", "/api/docs", "/api/v1/search?q=Karabakh",
            "/api/v1/events", "/api/v1/map"]
    hits = client.get("/api/v1/search?limit=1").json()["items"]
    if hits:
        urls.append(f"/article/{hits[0]['id']}")
    for kind, path in (("stories", "/stories/"), ("alerts", "/alerts/")):
        items = client.get(f"/api/v1/{kind}?limit=1").json()["items"]
        if items:
            urls.append(path + str(items[0]["id"]))
    return urls


def measure(db: str, n: int = 40) -> dict:
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

    from tocsin.serve import create_app

    client = TestClient(create_app(db))
    results = {}
    for url in ["/static/app.css", *pages(client)]:
        client.get(url)  # warm: pack load, caches, template compile
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise SystemExit(f"{url}: HTTP {r.status_code}")
        results[url] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(_pct(times, 95), 2),
                        "bytes": len(r.content)}
    base = results["/static/app.css"]["p95_ms"] or 1e-6
    for v in results.values():
        v["ratio_p95_to_static"] = round(v["p95_ms"] / base, 1)
    worst = max((v["p95_ms"], u) for u, v in results.items())
    return {"db": db, "n": n, "pages": results, "worst_p95_ms": worst[0], "worst_page": worst[1],
            "under_200ms": worst[0] < 200}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="tocsin.db")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    res = measure(a.db, a.n)
    print(f"{'page':58} {'p50 ms':>8} {'p95 ms':>8} {'x static':>9} {'KB':>7}")
    for url, v in res["pages"].items():
        print(f"{url[:58]:58} {v['p50_ms']:8.1f} {v['p95_ms']:8.1f} {v['ratio_p95_to_static']:9.1f} {v['bytes'] / 1024:7.1f}")
    print(f"worst p95: {res['worst_p95_ms']:.1f} ms ({res['worst_page']}); under 200 ms: {res['under_200ms']}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
