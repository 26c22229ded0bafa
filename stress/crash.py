"""Crash safety: kill -9 the ingest at random moments; the store must stay sound and a re-run
must give a store identical in content to an uninterrupted run."""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def store_digest(db: Path) -> str:
    """A hash of what the store holds (articles, their annotations and where they were seen),
    leaving out what legitimately differs between runs: timestamps and attempt counters."""
    con = sqlite3.connect(db)
    h = hashlib.sha256()
    for row in con.execute("SELECT id, title, text, outlet, date, language, extra FROM articles ORDER BY id"):
        h.update(json.dumps(row, ensure_ascii=False, default=str).encode())
    for row in con.execute("SELECT article_id, source_file, start_line, end_line FROM sightings "
                           "ORDER BY article_id, source_file, start_line"):
        h.update(json.dumps(row).encode())
    for row in con.execute("SELECT sha256, status, n_articles FROM files ORDER BY sha256"):
        h.update(json.dumps(row).encode())
    con.close()
    return h.hexdigest()


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _run(inputs: list[str], db: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tocsin", "run", *inputs, "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


@dataclass
class CrashReport:
    trials: int = 0
    killed_mid_run: int = 0
    integrity_failures: list[str] = field(default_factory=list)
    content_mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0


def crash_trials(inputs: list[str], workdir: Path, trials: int, *, seed: int = 0) -> CrashReport:
    env = {**os.environ, "TOCSIN_NER": os.environ.get("TOCSIN_NER", "0")}
    rng = random.Random(seed)
    report = CrashReport()
    t0 = time.perf_counter()
    ref = workdir / "reference.db"
    t_ref = time.perf_counter()
    if _run(inputs, ref, env).wait() != 0:
        raise RuntimeError("reference run failed")
    full = time.perf_counter() - t_ref
    expected = store_digest(ref)
    for i in range(trials):
        db = workdir / f"trial{i}.db"
        proc = _run(inputs, db, env)
        time.sleep(rng.uniform(0.05, max(0.1, full * 0.95)))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            report.killed_mid_run += 1
        proc.wait()
        report.trials += 1
        if db.exists():
            state = integrity(db)
            if state != "ok":
                report.integrity_failures.append(f"trial {i}: after kill: {state}")
        if _run(inputs, db, env).wait() != 0:
            report.content_mismatches.append(f"trial {i}: re-run failed")
            continue
        if integrity(db) != "ok":
            report.integrity_failures.append(f"trial {i}: after re-run")
        if store_digest(db) != expected:
            report.content_mismatches.append(f"trial {i}: content differs from the uninterrupted run")
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    report.seconds = time.perf_counter() - t0
    return report
