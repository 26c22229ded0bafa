"""Search latency on a store kept from a size run, at several ranking windows.

    .venv/bin/python -m bench.retime STORE.db WORDS.json [--windows 2000,5000,10000] [--out bench]

A 1M-article store takes half an hour to fill; the ranking window (tocsin.store.queries.
RANK_WINDOW) only changes how many of the newest matches bm25 ranks, so it can be compared on
one kept store (`bench.run --keep-stores`, or a hard link to the store taken during the run).
The same 200-query mix as the size runs; each window is timed twice and the better run kept.
The result goes into report.json under that size's ``retime`` and report.md is rewritten.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from . import measure
from .report import write_reports

HERE = Path(__file__).resolve().parent


def retime(db: str, words: list[str], windows: list[int]) -> dict:
    from tocsin.store import Store, queries

    with Store(db, readonly=True) as store:
        n = int(store.query("SELECT count(*) FROM articles")[0][0])
    out = {"articles": n, "windows": {}}
    saved = queries.RANK_WINDOW
    try:
        for w in windows:
            queries.RANK_WINDOW = w
            runs = [measure.search_latency(db, words) for _ in range(2)]
            out["windows"][str(w)] = min(runs, key=lambda r: r["p95_ms"])
    finally:
        queries.RANK_WINDOW = saved
    out["timed"] = time.strftime("%Y-%m-%d %H:%M:%S")
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m bench.retime", description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("words")
    ap.add_argument("--windows", default="2000,5000,10000")
    ap.add_argument("--out", default=str(HERE))
    args = ap.parse_args(argv)
    words = json.loads(Path(args.words).read_text(encoding="utf-8"))
    got = retime(args.db, words, [int(w) for w in args.windows.split(",")])
    report_path = Path(args.out) / "report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    size = min(report.get("sizes") or {}, key=lambda k: abs(int(k) - got["articles"]), default=None)
    if size is not None:
        report["sizes"][size].setdefault("store", {})["retime"] = got
        write_reports(report, Path(args.out))
    print(json.dumps(got))
    return got


if __name__ == "__main__":
    main()
