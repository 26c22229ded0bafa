"""`make stress`: the long reliability runs, with a Markdown and JSON report.

    python -m stress.run [--fuzz-cases 10000] [--crash-trials 20] [--out stress/report]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from .crash import crash_trials
from .fuzz import fuzz


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fuzz-cases", type=int, default=10_000)
    ap.add_argument("--crash-trials", type=int, default=20)
    ap.add_argument("--seeds", default=os.environ.get("TOCSIN_SEEDS", str(Path(__file__).resolve().parents[2] / "shared" / "seeds")))
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "report"))
    args = ap.parse_args(argv)

    results: dict = {"machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                                 "cpus": os.cpu_count()}}
    fz = fuzz(args.fuzz_cases)
    results["fuzz"] = asdict(fz)
    with tempfile.TemporaryDirectory(prefix="tocsin-crash-") as tmp:
        cr = crash_trials([args.seeds], Path(tmp), args.crash_trials)
    results["crash"] = asdict(cr)
    extra = _extra_reports()
    results.update(extra)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    out.with_suffix(".md").write_text(_markdown(results), encoding="utf-8")
    failed = bool(fz.failures or cr.integrity_failures or cr.content_mismatches
                  or any(r.get("failures") for r in extra.values() if isinstance(r, dict)))
    print(_markdown(results))
    return 1 if failed else 0


def _extra_reports() -> dict:
    """Load and web-security runs, when the web layer is installed (stress/web.py)."""
    try:
        from . import web
    except ImportError:
        return {}
    return web.run_all()


def _markdown(r: dict) -> str:
    f, c = r["fuzz"], r["crash"]
    lines = [
        "# tocsin stress report", "",
        f"Machine: Python {r['machine']['python']}, {r['machine']['platform']}, {r['machine']['cpus']} CPUs.", "",
        "## Reader fuzzing",
        f"- cases: {f['cases']} (mutated seeds and real-format fixtures, plus hostile constructions)",
        f"- documents read: {f['documents']}; clean one-line errors: {f['errors']}",
        f"- failures (uncaught exceptions, hangs, malformed errors): {len(f['failures'])}",
        f"- slowest case: {f['slowest']:.1f} s; total {f['seconds']:.0f} s", "",
        "## Crash safety (kill -9 during ingest)",
        f"- trials: {c['trials']} ({c['killed_mid_run']} killed while running)",
        f"- integrity failures: {len(c['integrity_failures'])}; content mismatches after re-run: "
        f"{len(c['content_mismatches'])}", "",
    ]
    for name in ("load", "web_security"):
        if name in r:
            lines += [f"## {name.replace('_', ' ')}", "```", json.dumps(r[name], indent=2, default=str)[:3000], "```", ""]
    for fail in (f["failures"] + c["integrity_failures"] + c["content_mismatches"])[:50]:
        lines.append(f"- FAIL {fail}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
